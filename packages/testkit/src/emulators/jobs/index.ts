export { createPaidJobsBackend, type PaidJobsConfig, paidJobsConfigSchema, paidJobsPlugin } from './backend.js';
export { jobsConformanceOptions } from './conformance.js';
export { type JobsEmulator, type JobsEmulatorOptions, type PaidJob, startJobsEmulator } from './emulator.js';
