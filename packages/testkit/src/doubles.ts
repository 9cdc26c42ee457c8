/**
 * `@ttv/testkit/doubles`: the test backends — identity, scripted, and the paid-jobs backend with its loopback
 * jobs emulator. Never imports vitest.
 */
export * from './backends/identity.js';
export * from './backends/scripted.js';
export * from './emulators/jobs/index.js';
