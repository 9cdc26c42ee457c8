/** Types of the Gemini API emulator. */
import type { EmulatorServer } from '../http.js';
import type { ModelStats } from '../openai/ledger.js';
import type { ModelFault, ModelFaultQueue } from '../openai/model-faults.js';
import type { EmulatorConfigSnippet } from '../snippet.js';

export interface GeminiEmulatorOptions {
  /** The accepted API key (`x-goog-api-key` or `?key=`; default `gemini-emulator-key`). */
  apiKey?: string;
  port?: number;
  host?: string;
  /** Divide picture sizes by this for fast tests. Default 1. */
  imageScale?: number;
}

export interface GeminiEmulator extends EmulatorServer {
  apiKey: string;
  /** The base URL `@ai-sdk/google` takes (`<url>/v1beta`). */
  baseURL: string;
  modelFaults: ModelFaultQueue;
  inject(...faults: ModelFault[]): void;
  stats(): ModelStats;
  configSnippet(): EmulatorConfigSnippet;
}
