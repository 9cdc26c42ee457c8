// The public surface of @ttv/core. Everything a backend author, the CLI or a library user needs is exported
// here by name; internals stay unexported.

export { interpolateEnv } from './config/interpolate.js';
export { type ConfiguredBackend, type LoadConfigOptions, type LoadedConfig, loadConfig, parseConfig, parseSection } from './config/load.js';
export {
  type CoreConfig,
  coreConfigSchema,
  LIMITS,
  MODES,
  type Mode,
  type SegmentInput,
  segmentSchema,
  storyboardSchema,
  X264_PRESETS,
} from './config/schema.js';
export { zodToConfigError } from './config/zod-errors.js';
export { Budget, type BudgetLimits, type BudgetState } from './engine/budget.js';
export { type BackendSlot, orderForSegment, resolveChain } from './engine/chain.js';
export { type BackendEstimate, type CostSource, type EstimateRunOptions, estimateRun, type RunEstimate, type SegmentEstimate } from './engine/estimate.js';
export type { PipelineEvent, PipelineEventType } from './engine/events.js';
export { type Executor, type ExecutorTask, inProcessExecutor } from './engine/executor.js';
export { GpuPool } from './engine/leases.js';
export {
  type AttemptRecord,
  type LedgerEntry,
  MANIFEST_VERSION,
  type Manifest,
  type ManifestInput,
  manifestPath,
  readManifest,
  type SegmentRecord,
  type SegmentStatus,
  type SkipRecord,
} from './engine/manifest.js';
export { type Negotiation, negotiate, type SegmentNeeds } from './engine/negotiate.js';
export { defaultRunDir, type RunPipelineOptions, type RunResult, type RunTimings, retryDelay, runPipeline } from './engine/pipeline.js';
export { endsSegment, type FailureDecision, type FailurePolicySettings, failurePolicy } from './engine/policy.js';
export { type CallOptions, callBackend, DEFAULT_JOB_POLICY } from './jobs/call.js';
export { safeUrl } from './jobs/output.js';
// Media toolkit (ffmpeg through execa)
export * from './media/index.js';
// Planning and the engine
export {
  type CheckedImage,
  checkPlanPrompts,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_SIDE,
  MIN_IMAGE_SIDE,
  type PlanImage,
  type PreflightOptions,
  planImages,
  preflightRun,
  type ValidatePlanInputsOptions,
  type ValidatePlanInputsResult,
  validatePlanInputs,
} from './plan/inputs.js';
export {
  type FirstFrameSource,
  groupSentences,
  MAX_SEGMENTS,
  type Plan,
  type PlannedSegment,
  planStoryboard,
  splitSentences,
} from './plan/planner.js';
// Registry and config
export { BackendRegistry, candidatePackages, FIRST_PARTY_BACKENDS, installCommand, type LoadedBackend, type RegistryOptions } from './registry/registry.js';
export {
  type BackendBase,
  type BackendCapabilities,
  type BackendCreateContext,
  type BackendInfo,
  type BackendPlugin,
  type BackendWarning,
  type CallContext,
  type CostEstimate,
  type DoctorCheck,
  type DurationSupport,
  defineBackend,
  describeBackend,
  type GenerateContext,
  type GenerateRequest,
  type GenerateResult,
  type InputMode,
  isRemoteBackend,
  type JobHandle,
  type JobOutput,
  type JobPolicy,
  type JobStatus,
  type LocalVideoBackend,
  type ModelCapabilities,
  type ProgressUpdate,
  type RemoteVideoBackend,
  type Resolution,
  type ResourceLease,
  SPECIFICATION_VERSION,
  type SpecificationVersion,
  type SubmitContext,
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
export { ERROR_CODES, TtvError, type TtvErrorCode, type TtvErrorOptions, throwIfAborted, toTtvError, ttvError } from './spec/errors.js';
export { type PollingDefaults, pollingConfigSchema, withJitter } from './spec/polling.js';
export { type ClipProperties, clipResult } from './spec/result.js';

// Utilities for backend authors
export { fsError, isMappedFsError, produceAtomic, sha256, sha256File, tempPathFor, writeFileAtomic } from './util/fs.js';
export { redact, redactDeep, registerSecret, registerUrlCredentials } from './util/secrets.js';
export { sleep } from './util/sleep.js';
