/**
 * `@ttv/core/backend`: the kit for backend authors. Everything a backend package needs besides the media toolkit
 * (`@ttv/core/media`): the spec it implements, the errors it throws, the checks every `validate` starts with,
 * the process runner for local generators, and the small pieces every backend would otherwise copy.
 * See docs/writing-a-backend.md.
 */

export { type CallOptions, callBackend, DEFAULT_JOB_POLICY } from './jobs/call.js';
export { safeUrl } from './jobs/output.js';
export { checkRequest } from './kit/check-request.js';
export { type CheckImageOptions, checkImage } from './kit/images.js';
export { invalidInput } from './kit/input.js';
export { importOptionalPeer, type OptionalPeer } from './kit/optional-peer.js';
export {
  displayCommand,
  type FailureContext,
  isCudaOom,
  outputTail,
  type ProcessOutcome,
  type ProcessProgress,
  processFailure,
  type RunProcessOptions,
  runProcess,
  TQDM_PATTERN,
} from './kit/process.js';
export { retryAfterMs } from './kit/retry-after.js';
export { deterministicSeed } from './kit/seed.js';
export { packageVersion } from './kit/version.js';
export { type CheckedPlan, type CheckedSegment, checkPlanResult } from './plan/check-plan.js';
export type { BackendCapabilitiesLike } from './spec/backend.js';
export {
  describeDurations,
  durationAllowed,
  inputOfRequest,
  limitsFor,
  nearestDuration,
  nearestResolution,
  resolutionLabel,
  supportsInput,
} from './spec/capabilities.js';
export {
  defineImages,
  type ImageCapabilities,
  type ImageGenerator,
  type ImageReference,
  type ImageRequest,
  type ImageResult,
  type ImagesPlugin,
} from './spec/images.js';
export {
  definePlanner,
  type PlanCastMember,
  type Planner,
  type PlannerPlugin,
  type PlanRequest,
  type PlanResult,
  type PlanSegment,
  type RewordRequest,
  type RewordResult,
} from './spec/planner.js';
export type { InstanceBase, PluginBase } from './spec/plugin.js';
export { type JobTimeouts, jobPolicyOf, type PollingDefaults, pollingConfigSchema, timeoutsConfigSchema, withJitter } from './spec/polling.js';
export * from './spec/public.js';
export { type ClipProperties, clipResult } from './spec/result.js';
export { fsError, produceAtomic, sha256, sha256File, tempPathFor, writeFileAtomic } from './util/fs.js';
export { redact, registerSecret } from './util/secrets.js';
export { sleep } from './util/sleep.js';
