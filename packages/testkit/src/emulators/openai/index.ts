export { answerForSchema, fillSchema, type JsonSchema, type ModelAnswer, planFromPrompt, type StoryboardSegment } from './answer.js';
export { openaiConfigSnippet, startOpenAIEmulator } from './emulator.js';
export { checkStrictSchema, OpenAIHttpError, openaiErrorBody } from './errors.js';
export { ModelLedger, type ModelStats } from './ledger.js';
export { DEFAULT_REFUSAL, type ModelFault, type ModelFaultKind, type ModelFaultMatch, ModelFaultQueue, modelFaultFromJson } from './model-faults.js';
export { type ImageModelSpec, OPENAI_IMAGE_MODELS, OPENAI_TEXT_MODELS, type TextModelSpec } from './models.js';
export { renderPng } from './png.js';
export type { OpenAIEmulator, OpenAIEmulatorOptions } from './types.js';
