export {
  DAILY_LIMIT_MESSAGE,
  FAILURE_MESSAGES,
  RUNWAY_API_VERSION,
  type RunwayEmulator,
  type RunwayEmulatorOptions,
  type RunwayScript,
  type RunwayStats,
  type RunwayTask,
  type RunwayTaskStatus,
  type TaskScript,
  failureMessageFor,
  startRunwayEmulator,
} from './emulator.js';
export {
  type EmulatedModel,
  type GenerationRequest,
  GEN4_RATIOS,
  MODELS,
  REMOVED_MODELS,
  type RunwayRoute,
  RunwayValidationError,
  VEO_RATIOS,
  creditsFor,
  ratioSize,
  validateGeneration,
} from './models.js';
export { OUTPUT_FPS, frameCount, renderClip } from './render.js';
