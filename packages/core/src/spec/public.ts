/**
 * The backend spec and the errors, named once: both the library entry (`@ttv/core`) and the authors' kit
 * (`@ttv/core/backend`) re-export exactly this list.
 */
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
} from './backend.js';
export { ERROR_CODES, TtvError, type TtvErrorCode, type TtvErrorOptions, throwIfAborted, toTtvError, ttvError } from './errors.js';
