/**
 * `@ttv/testkit/emulators`: the loopback emulators of Runway, Veo (+ Cloud Storage), OpenAI, Gemini, fal and Replicate, the Wan2.1 and
 * FramePack stand-ins, and the shared HTTP emulator base with its fault queue. Never imports vitest, so
 * `ttv emulate` and scripts can use it at runtime.
 */

export * from './fal/index.js';
export {
  type CrashFault,
  type DelayFault,
  type Fault,
  type FaultKind,
  type FaultMatch,
  FaultQueue,
  faultFromJson,
  faultToJson,
  matchesPath,
  matchesRequest,
  pathPatternToRegExp,
  type QueuedFault,
  type ResetFault,
  type StatusFault,
  type TruncateFault,
} from './faults.js';
export * from './gemini/index.js';
export * from './hosted-jobs/index.js';
export {
  type EmulatorHandler,
  type EmulatorServer,
  type HttpEmulatorOptions,
  type RecordedRequest,
  sendBody,
  sendEmpty,
  sendJson,
  startHttpEmulator,
} from './http.js';
export * from './openai/index.js';
export * from './replicate/index.js';
export * from './runway/index.js';
export type { EmulatorConfigSnippet } from './snippet.js';
export * from './veo/index.js';
export * from './wan21/index.js';
