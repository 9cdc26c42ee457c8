export { startVeoEmulator, veoConfigSnippet } from './emulator.js';
export { googleErrorBody } from './errors.js';
export { GCS_OBJECT_PATH, GCS_UPLOAD_PATH, VEO_POLL_PATH, VEO_SUBMIT_PATH, veoFaults } from './faults.js';
export { InMemoryBuckets, type PutOptions, parseGsUri, type StoredObject } from './gcs.js';
export { crc32c, crc32cBase64, md5Base64 } from './hash.js';
export { FRAME_INTERPOLATION_NOT_ALLOWLISTED, outputSize, VEO_MODELS, type VeoAspectRatio, type VeoModelSpec, type VeoResolution } from './models.js';
export { type ImageKind, type RenderImage, type RenderOptions, renderVeoVideo, sniffImage, VEO_FPS } from './render.js';
export {
  GENERATE_VIDEO_RESPONSE_TYPE,
  type LastFrameRejection,
  type VeoEmulator,
  type VeoEmulatorOptions,
  type VeoOperationScript,
  type VeoOperationState,
  type VeoScript,
  type VeoStats,
} from './types.js';
