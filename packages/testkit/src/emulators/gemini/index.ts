export { geminiConfigSnippet, startGeminiEmulator } from './emulator.js';
export { GEMINI_IMAGE_SIZES, GEMINI_MODELS, type GeminiModelSpec, nearestGeminiRatio } from './models.js';
export type { GeminiEmulator, GeminiEmulatorOptions } from './types.js';
