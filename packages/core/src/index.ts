/**
 * `@ttv/core`: the library entry. What a program that runs ttv needs: the backend spec (types, `defineBackend`),
 * the errors, config loading, the backend registry, `runPipeline`, `estimateRun` and the events a run emits.
 *
 * The other entries (docs/decisions/0004-core-entries.md):
 * - `@ttv/core/backend`: the kit for backend authors (spec, errors, request checks, process runner, helpers);
 * - `@ttv/core/media`: the ffmpeg toolkit;
 * - `@ttv/core/testing`: test clip and image makers;
 * - `@ttv/core/engine`: the planner, preflight, manifest reading and the other engine parts ttv's own CLI and
 *   testkit use (no promise beyond core's minor version).
 *
 * Every runtime name here is pinned by `entries.test.ts`: adding one is a deliberate change.
 */

// Config
export { type ConfiguredBackend, type LoadConfigOptions, type LoadedConfig, loadConfig, parseConfig } from './config/load.js';
export { type CoreConfig, MODES, type Mode, type SegmentInput } from './config/schema.js';
// Running and estimating
export { type BackendEstimate, type CostSource, type EstimateRunOptions, estimateRun, type RunEstimate, type SegmentEstimate } from './engine/estimate.js';
export type { PipelineEvent, PipelineEventType } from './engine/events.js';
export { type Executor, type ExecutorTask, inProcessExecutor, type SlotInfo } from './engine/executor.js';
export { type RunPipelineOptions, type RunResult, type RunTimings, runPipeline } from './engine/pipeline.js';
// The backend registry
export { BackendRegistry, type LoadedBackend, type RegistryOptions } from './registry/registry.js';
// The backend spec and the errors (named once, in spec/public.ts, for this entry and the kit)
export * from './spec/public.js';
