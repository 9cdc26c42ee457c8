/**
 * @ttv/backend-runway: Runway image-to-video (gen4_turbo, gen4.5, veo3.1, veo3.1_fast) through the official
 * `@runwayml/sdk`, as a remote job (submit, status, cancel): core's callBackend polls, cancels, resumes and downloads; this package
 * maps Runway's API, costs and errors.
 */
import { backend } from './runway-plugin.js';

export { backend };
export default backend;
export { configSchema, defaultConfig, type RunwayConfig, type RunwayConfigInput } from './config.js';
export { apiMessage, mapSdkError, mapTaskFailure, retryAfterMs } from './errors.js';
export { MAX_DATA_URI_BYTES, type PreparedImage, prepareImage } from './images.js';
export {
  ALL_RATIOS,
  capabilitiesOf,
  creditsFor,
  GEN4_RATIOS,
  MAX_PROMPT_LENGTH,
  MODEL_IDS,
  MODELS,
  type RunwayModel,
  type RunwayModelId,
  ratioFor,
  ratioResolution,
  USD_PER_CREDIT,
  VEO_RATIOS,
} from './models.js';
export {
  backendInfo,
  createRunwayBackend,
  DEFAULT_BASE_URL,
  ENV_API_KEY,
  jobPolicyOf,
  RunwayBackend,
  type RunwayBackendOptions,
  type RunwayJobData,
} from './runway-backend.js';
