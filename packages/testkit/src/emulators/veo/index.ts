export {
  startVeoEmulator,
  veoFaults,
  googleErrorBody,
  GENERATE_VIDEO_RESPONSE_TYPE,
  VEO_SUBMIT_PATH,
  VEO_POLL_PATH,
  GCS_OBJECT_PATH,
  GCS_UPLOAD_PATH,
  type VeoEmulator,
  type VeoEmulatorOptions,
  type VeoOperationScript,
  type VeoOperationState,
  type VeoScript,
  type VeoStats,
  type LastFrameRejection,
} from './emulator.js';
export { InMemoryBuckets, parseGsUri, type StoredObject, type PutOptions } from './gcs.js';
export { VEO_MODELS, FRAME_INTERPOLATION_NOT_ALLOWLISTED, outputSize, type VeoModelSpec, type VeoAspectRatio, type VeoResolution } from './models.js';
export { crc32c, crc32cBase64, md5Base64 } from './hash.js';
export { renderVeoVideo, sniffImage, VEO_FPS, type RenderOptions, type RenderImage, type ImageKind } from './render.js';
