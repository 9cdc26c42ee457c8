export { type HostedEmulatorLike, type HostedEmulatorStats, type HostedJobsScript, hostedConformanceOptions } from './controls.js';
export {
  type HostedJob,
  type HostedJobFailure,
  type HostedJobScript,
  type HostedJobSpec,
  HostedJobs,
  type HostedJobsOptions,
  type HostedJobsStats,
} from './service.js';
