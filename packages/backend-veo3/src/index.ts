/**
 * @ttv/backend-veo3: Google Veo (2, 3, 3.1) on Vertex AI through @google/genai, with @google-cloud/storage for
 * staged inputs and gs:// outputs.
 */
import { backend } from './plugin.js';

export { backend };
export default backend;
export { type AuthMode, type ResolvedAuth, resolveAuth, vertexBaseUrl } from './auth.js';
export { configSchema, defaultConfig, SECRET_FIELDS, type VeoConfig, type VeoConfigInput } from './config.js';
export { fromHttp, fromOperationError, GRPC_STATUS, missingAccess } from './errors.js';
export {
  type AspectRatio,
  capabilitiesOf,
  isModelId,
  MAX_PROMPT_LENGTH,
  MODEL_IDS,
  MODELS,
  OUTPUT_FPS,
  pixelSize,
  type VeoModel,
  type VeoModelId,
  type VeoResolution,
  veoFormatOf,
} from './models.js';
export { backendInfo, modelOfOperation, VeoBackend, type VeoDependencies, type VeoJobData } from './veo-backend.js';
