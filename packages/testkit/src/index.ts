// @ttv/testkit: what a backend author needs to test a backend against the ttv spec: the conformance suite
// (imports vitest). The test backends are also at `@ttv/testkit/doubles` and the emulators at
// `@ttv/testkit/emulators` (neither imports vitest); they stay re-exported here for compatibility.
export { createIdentityBackend, identityConfigSchema, identityPlugin } from './backends/identity.js';
export {
  createScriptedBackend,
  type ScriptedBackend,
  type ScriptedCall,
  type ScriptedConfig,
  type ScriptStep,
  scriptedConfigSchema,
  scriptedPlugin,
} from './backends/scripted.js';
export type { GenerateJson } from './cli-json.js';
export * from './conformance/index.js';
export {
  createPaidJobsBackend,
  type JobsEmulator,
  type JobsEmulatorOptions,
  jobsConformanceOptions,
  type PaidJob,
  type PaidJobsConfig,
  paidJobsConfigSchema,
  paidJobsPlugin,
  startJobsEmulator,
} from './emulators/jobs/index.js';
export {
  LTX2_ASSETS_DIR,
  type Ltx2StandIn,
  ltx2StandIn,
  SKYREELS_ASSETS_DIR,
  type SkyreelsDfStandIn,
  skyreelsDfStandIn,
} from './emulators/local-models/index.js';
export {
  DAILY_LIMIT_MESSAGE,
  type RunwayEmulator,
  type RunwayEmulatorOptions,
  type RunwayStats,
  startRunwayEmulator,
  type TaskScript,
} from './emulators/runway/index.js';
export type { EmulatorConfigSnippet } from './emulators/snippet.js';
export {
  FRAME_INTERPOLATION_NOT_ALLOWLISTED,
  googleErrorBody,
  startVeoEmulator,
  type VeoEmulator,
  type VeoEmulatorOptions,
  type VeoOperationScript,
  type VeoStats,
  veoFaults,
} from './emulators/veo/index.js';
export {
  FRAMEPACK_ASSETS_DIR,
  type FramepackStandIn,
  framepackFrameCount,
  framepackStandIn,
  makeFakeCheckpoint,
  readRunRecords,
  type StandInEnvOptions,
  type StandInFault,
  type StandInRunRecord,
  standInFfmpeg,
  standInScaled,
  WAN21_ASSETS_DIR,
  type Wan21StandIn,
  type WanTask,
  wan21StandIn,
  wanOutputGeometry,
} from './emulators/wan21/index.js';
