export { runwayConfigSnippet, startRunwayEmulator } from './emulator.js';
export {
  creditsFor,
  type EmulatedModel,
  GEN4_RATIOS,
  type GenerationRequest,
  MODELS,
  REMOVED_MODELS,
  type RunwayRoute,
  RunwayValidationError,
  ratioSize,
  VEO_RATIOS,
  validateGeneration,
} from './models.js';
export { frameCount, OUTPUT_FPS, renderClip } from './render.js';
export { FAILURE_MESSAGES, failureMessageFor } from './tasks.js';
export {
  DAILY_LIMIT_MESSAGE,
  RUNWAY_API_VERSION,
  type RunwayEmulator,
  type RunwayEmulatorOptions,
  type RunwayScript,
  type RunwayStats,
  type RunwayTask,
  type RunwayTaskStatus,
  type TaskScript,
} from './types.js';
