export {
  GCS_OBJECT_PATH,
  GCS_UPLOAD_PATH,
  GENERATE_VIDEO_RESPONSE_TYPE,
  googleErrorBody,
  type LastFrameRejection,
  startVeoEmulator,
  VEO_POLL_PATH,
  VEO_SUBMIT_PATH,
  type VeoEmulator,
  type VeoEmulatorOptions,
  type VeoOperationScript,
  type VeoOperationState,
  type VeoScript,
  type VeoStats,
  veoConfigSnippet,
  veoFaults,
} from './emulator.js';
export { InMemoryBuckets, type PutOptions, parseGsUri, type StoredObject } from './gcs.js';
export { crc32c, crc32cBase64, md5Base64 } from './hash.js';
export { FRAME_INTERPOLATION_NOT_ALLOWLISTED, outputSize, VEO_MODELS, type VeoAspectRatio, type VeoModelSpec, type VeoResolution } from './models.js';
export { type ImageKind, type RenderImage, type RenderOptions, renderVeoVideo, sniffImage, VEO_FPS } from './render.js';
