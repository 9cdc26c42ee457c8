// The public surface of @ttv/core. Everything a backend author, the CLI or a library user needs is exported
// here by name; internals stay unexported.

// The backend spec
export {
  SPECIFICATION_VERSION,
  defineBackend,
  type BackendCreateContext,
  type BackendInfo,
  type BackendPlugin,
  type BackendWarning,
  type CostEstimate,
  type DoctorCheck,
  type DurationSupport,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type InputMode,
  type JobHandle,
  type ModelCapabilities,
  type ProgressUpdate,
  type Resolution,
  type ResourceLease,
  type SpecificationVersion,
  type VideoBackend,
} from './spec/backend.js';
export {
  capabilityProblems,
  describeDurations,
  durationAllowed,
  nearestDuration,
  nearestResolution,
  resolutionLabel,
  supportsInput,
} from './spec/capabilities.js';
export { ERROR_CODES, TtvError, throwIfAborted, toTtvError, ttvError, type TtvErrorCode, type TtvErrorOptions } from './spec/errors.js';

// Registry and config
export { BackendRegistry, FIRST_PARTY_BACKENDS, candidatePackages, installCommand, type LoadedBackend, type RegistryOptions } from './registry/registry.js';
export { loadConfig, parseConfig, parseSection, type ConfiguredBackend, type LoadConfigOptions, type LoadedConfig } from './config/load.js';
export { coreConfigSchema, segmentSchema, storyboardSchema, type CoreConfig, type SegmentInput } from './config/schema.js';
export { interpolateEnv } from './config/interpolate.js';
export { zodToConfigError } from './config/zod-errors.js';

// Planning and the engine
export { groupSentences, planStoryboard, splitSentences, type Plan, type PlannedSegment } from './plan/planner.js';
export { negotiate, type Negotiation, type SegmentNeeds } from './engine/negotiate.js';
export { defaultRunDir, runPipeline, type RunPipelineOptions, type RunResult } from './engine/pipeline.js';
export type { PipelineEvent, PipelineEventType } from './engine/events.js';
export { GpuPool } from './engine/leases.js';
export { MANIFEST_VERSION, manifestPath, readManifest, type LedgerEntry, type Manifest, type SegmentRecord, type SegmentStatus } from './engine/manifest.js';

// Media toolkit (ffmpeg through execa)
export * from './media/index.js';

// Utilities for backend authors
export { produceAtomic, sha256, sha256File, tempPathFor, writeFileAtomic } from './util/fs.js';
export { redact, redactDeep, registerSecret } from './util/secrets.js';
