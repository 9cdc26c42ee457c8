// @ttv/testkit: what a backend author needs to test a backend against the ttv spec.
export { createIdentityBackend, identityConfigSchema, identityPlugin } from './backends/identity.js';
export { createScriptedBackend, scriptedConfigSchema, scriptedPlugin, type ScriptStep, type ScriptedBackend, type ScriptedCall, type ScriptedConfig } from './backends/scripted.js';
export * from './conformance/index.js';
export { DAILY_LIMIT_MESSAGE, type RunwayEmulator, type RunwayEmulatorOptions, type RunwayStats, type TaskScript, startRunwayEmulator } from './emulators/runway/index.js';
export { FRAME_INTERPOLATION_NOT_ALLOWLISTED, googleErrorBody, startVeoEmulator, type VeoEmulator, type VeoEmulatorOptions, type VeoOperationScript, type VeoStats, veoFaults } from './emulators/veo/index.js';
