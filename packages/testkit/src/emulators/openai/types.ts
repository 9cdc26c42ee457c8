/** Types of the OpenAI emulator. */
import type { EmulatorServer } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import type { ModelStats } from './ledger.js';
import type { ModelFault, ModelFaultQueue } from './model-faults.js';

export interface OpenAIEmulatorOptions {
  /** The accepted bearer key (default `sk-emulator-test`). */
  apiKey?: string;
  port?: number;
  host?: string;
  /** Divide picture sizes by this for fast tests (the reply still says the requested size). Default 1. */
  imageScale?: number;
}

export interface OpenAIEmulator extends EmulatorServer {
  apiKey: string;
  /** The base URL the SDK takes (`<url>/v1`). */
  baseURL: string;
  /** Faults of the model: refusals, malformed structured output, status replies matched by prompt or N-th request. */
  modelFaults: ModelFaultQueue;
  /** Shorthand for `modelFaults.inject(...)`. */
  inject(...faults: ModelFault[]): void;
  /** Requests per route, answers, tokens, pictures and what they cost. */
  stats(): ModelStats;
  configSnippet(): EmulatorConfigSnippet;
}
