/**
 * A loopback emulator of the Gemini API (generativelanguage, v1beta) as `@ai-sdk/google` speaks it:
 * `POST /v1beta/models/{model}:generateContent` with JSON output and image output, the API key checked like the
 * real service (missing → 403, wrong → 400 API_KEY_INVALID), model faults and the HTTP faults of the shared base,
 * and a ledger of requests, tokens, pictures and cost. Controls: `GET /__emulator/gemini/stats` and the
 * `/__emulator/model-faults` routes of the OpenAI emulator.
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from '../http.js';
import { handleModelFaultControl } from '../openai/emulator.js';
import { type ModelState, startModelServer } from '../openai/model-server.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import { googleErrorBody, HttpError } from '../veo/errors.js';
import { handleGenerateContent } from './generate.js';
import type { GeminiEmulator, GeminiEmulatorOptions } from './types.js';

type State = ModelState;

const GENERATE = /^\/v1beta\/models\/([^/:]+):generateContent$/;

function checkKey(state: State, rec: RecordedRequest): void {
  const key = rec.headers['x-goog-api-key'] ?? rec.query['key'];
  if (key === undefined) {
    throw new HttpError(
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  }
  if (key !== state.apiKey) throw new HttpError(400, 'API key not valid. Please pass a valid API key.');
}

async function route(state: State, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  if (rec.path.startsWith('/__emulator/')) {
    if (!handleModelFaultControl(rec, res, state.modelFaults, () => state.stats(), 'gemini')) sendJson(res, 404, { error: 'no such control' });
    return;
  }
  try {
    const m = GENERATE.exec(rec.path);
    if (!m) throw new HttpError(404, `Method not found: ${rec.method} ${rec.path}`);
    if (rec.method !== 'POST') throw new HttpError(405, `Method ${rec.method} not allowed.`);
    checkKey(state, rec);
    await handleGenerateContent(state, decodeURIComponent(m[1]!), rec, res);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    const body = googleErrorBody(error.code, error.message, error.status);
    if (/API key not valid/.test(error.message)) {
      Object.assign(body.error, { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] });
    }
    sendJson(res, error.code, body);
  }
}

/** The ttv.yaml lines that point the AI SDK planner and image generator at this emulator (Gemini models). */
export function geminiConfigSnippet(emulator: Pick<GeminiEmulator, 'baseURL' | 'apiKey'>): EmulatorConfigSnippet {
  return {
    yaml: [
      'planner: ai',
      'ai-planner:',
      '  model: google:gemini-2.5-flash',
      `  baseURL: ${emulator.baseURL}`,
      `  apiKey: ${emulator.apiKey}     # the emulator's test key (not a secret)`,
      'images: ai',
      'ai-images:',
      '  model: google:gemini-2.5-flash-image',
      `  baseURL: ${emulator.baseURL}`,
      `  apiKey: ${emulator.apiKey}`,
    ].join('\n'),
    env: { GOOGLE_GENERATIVE_AI_API_KEY: emulator.apiKey },
    notes: ['Needs @ttv/ai and @ai-sdk/google installed beside ttv (npm install @ttv/ai @ai-sdk/google).'],
  };
}

/** Starts the Gemini API emulator on an ephemeral loopback port. Prints nothing. */
export async function startGeminiEmulator(opts: GeminiEmulatorOptions = {}): Promise<GeminiEmulator> {
  const faultBody = (status: number) =>
    googleErrorBody(status, status === 429 ? 'Resource has been exhausted (e.g. check quota).' : `Injected error ${status}`);
  const server = await startModelServer({ name: 'gemini', defaultKey: 'gemini-emulator-key', apiPath: '/v1beta', route, faultBody }, opts);
  const emulator: GeminiEmulator = Object.assign(server, { configSnippet: () => geminiConfigSnippet(emulator) });
  return emulator;
}
