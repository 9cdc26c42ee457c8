/**
 * `@ttv/core/engine`: the parts of the engine that ttv's own tools use beside the library entry: the config
 * schema (for `ttv config schema`), the planner and the input preflight (`ttv plan`, `ttv estimate`), the run
 * manifest (`ttv report`), backend negotiation and the registry's name rules (`ttv backends`, `ttv plugins`),
 * the capability checks the conformance suite runs, the embedded image generator (`cardImages`) and planner
 * (`deterministicPlanner`).
 *
 * For the first-party CLI and testkit. It follows core's minor version and makes no promise beyond it; a program
 * that runs ttv needs only `@ttv/core` (docs/decisions/0004-core-entries.md). Every runtime name is pinned by
 * `entries.test.ts`.
 */

export { cardImages } from './builtin/card-images.js';
export { deterministicPlanner, sentencePlan } from './builtin/deterministic-planner.js';
export { parseSection } from './config/load.js';
export { coreConfigSchema } from './config/schema.js';
export type { AttemptRecord, GeneratedImageRecord, LedgerEntry, Manifest, SegmentRecord, SegmentStatus, SkipRecord } from './engine/manifest.js';
export { readManifest } from './engine/manifest.js';
export { type Negotiation, negotiate, type SegmentNeeds } from './engine/negotiate.js';
export { askPlanner, needsPlanner, PLAN_FILE, type PlanningRecord, plannedCore, planningKey, planRequestOf, savedPlanning } from './engine/plan-step.js';
export { defaultRunDir } from './engine/setup.js';
export {
  type CheckedImage,
  chainTakesText,
  type PlanImage,
  planImages,
  type ValidatePlanInputsOptions,
  type ValidatePlanInputsResult,
  validatePlanInputs,
} from './plan/inputs.js';
export { type FirstFrameSource, type Plan, type PlannedSegment, type PlanOptions, planStoryboard } from './plan/planner.js';
export { kindCandidates } from './registry/kinds.js';
export { candidatePackages, FIRST_PARTY_BACKENDS, installCommand } from './registry/registry.js';
export { capabilityProblems } from './spec/capabilities.js';
export { redact } from './util/secrets.js';
