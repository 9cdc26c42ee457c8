// The ttv backend conformance suite.

export { ABORT_LIMIT_MS, CHECKS, END_FRAME_MIN_PSNR, VALIDATE_LIMIT_MS } from './checks.js';
export { ConformanceError, createConformanceContext } from './context.js';
export { describeBackendConformance } from './describe.js';
export { describeImagesConformance, IMAGES_CHECKS, type ImagesCheck, type ImagesConformanceOptions, runImagesCheck } from './images.js';
export {
  CONFORMANCE_SCRIPT,
  conformanceRequest,
  describePlannerConformance,
  PLANNER_CHECKS,
  type PlannerCheck,
  type PlannerConformanceOptions,
  runPlannerCheck,
} from './planner.js';
export { CONFORMANCE_CHECKS, type ConformanceCheckId, checkApplies, runCheck, runConformanceCheck } from './run.js';
export type { ConformanceCheck, ConformanceContext, ConformanceOptions, ConformanceTier, Counter, FaultControls, JobControls, TestApi } from './types.js';
