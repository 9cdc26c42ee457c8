export {
  DAILY_LIMIT_MESSAGE,
  FAILURE_MESSAGES,
  failureMessageFor,
  RUNWAY_API_VERSION,
  type RunwayEmulator,
  type RunwayEmulatorOptions,
  type RunwayScript,
  type RunwayStats,
  type RunwayTask,
  type RunwayTaskStatus,
  runwayConfigSnippet,
  startRunwayEmulator,
  type TaskScript,
} from './emulator.js';
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
