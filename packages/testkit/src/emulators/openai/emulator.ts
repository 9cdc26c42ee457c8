/**
 * A loopback emulator of the OpenAI API as `@ai-sdk/openai` speaks it: `/v1/responses` and `/v1/chat/completions`
 * with structured output, `/v1/images/generations` and `/v1/images/edits`. Bearer key checked, requests validated
 * like the real API, deterministic answers (a storyboard planned from the prompt, real PNGs), model faults
 * (refusal, malformed structured output, status replies by prompt or N-th request) beside the HTTP faults of the
 * shared base, and a ledger of requests, tokens, pictures and cost.
 *
 * Controls besides the shared ones: `GET /__emulator/openai/stats`, `POST /__emulator/model-faults` (a fault or
 * an array, see `modelFaultFromJson`), `DELETE /__emulator/model-faults`.
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendEmpty, sendJson } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import { OpenAIHttpError, openaiFaultBody, sendOpenAIError } from './errors.js';
import { handleEdits, handleGenerations } from './images.js';
import { type ModelFaultQueue, modelFaultFromJson } from './model-faults.js';
import { type ModelState, startModelServer } from './model-server.js';
import { handleChat, handleResponses } from './text.js';
import type { OpenAIEmulator, OpenAIEmulatorOptions } from './types.js';

type State = ModelState;

const ROUTES: Record<string, (state: State, rec: RecordedRequest, res: ServerResponse) => void | Promise<void>> = {
  '/v1/responses': (s, rec, res) => handleResponses(s, rec, res, openaiFaultBody),
  '/v1/chat/completions': (s, rec, res) => handleChat(s, rec, res, openaiFaultBody),
  '/v1/images/generations': handleGenerations,
  '/v1/images/edits': handleEdits,
};

/** The model-fault controls shared with the Gemini emulator: true when the request was one of them. */
export function handleModelFaultControl(rec: RecordedRequest, res: ServerResponse, faults: ModelFaultQueue, stats: () => unknown, name: string): boolean {
  if (rec.path === '/__emulator/model-faults' && rec.method === 'POST') {
    try {
      const list = Array.isArray(rec.json) ? rec.json : [rec.json];
      faults.inject(...list.map(modelFaultFromJson));
      sendJson(res, 200, { pending: faults.size });
    } catch (error) {
      sendJson(res, 400, { error: `invalid fault: ${(error as Error).message}` });
    }
    return true;
  }
  if (rec.path === '/__emulator/model-faults' && rec.method === 'DELETE') {
    faults.clear();
    sendEmpty(res);
    return true;
  }
  if (rec.path === `/__emulator/${name}/stats` && rec.method === 'GET') {
    sendJson(res, 200, stats());
    return true;
  }
  return false;
}

async function route(state: State, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  if (rec.path.startsWith('/__emulator/')) {
    if (!handleModelFaultControl(rec, res, state.modelFaults, () => state.stats(), 'openai')) sendJson(res, 404, { error: 'no such control' });
    return;
  }
  const handler = ROUTES[rec.path];
  try {
    if (!handler) throw new OpenAIHttpError(404, `Invalid URL (${rec.method} ${rec.path})`);
    if (rec.method !== 'POST') throw new OpenAIHttpError(405, `Invalid method for URL (${rec.method} ${rec.path})`);
    const auth = rec.headers['authorization'];
    if (auth !== `Bearer ${state.apiKey}`) {
      const shown = typeof auth === 'string' && auth.startsWith('Bearer ') ? `${auth.slice(7, 10)}****` : '';
      throw new OpenAIHttpError(
        401,
        shown
          ? `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`
          : "You didn't provide an API key.",
        null,
        shown ? 'invalid_api_key' : null,
      );
    }
    await handler(state, rec, res);
  } catch (error) {
    if (error instanceof OpenAIHttpError) sendOpenAIError(res, error);
    else throw error;
  }
}

/** The ttv.yaml lines that point the AI SDK planner and image generator at this emulator. */
export function openaiConfigSnippet(emulator: Pick<OpenAIEmulator, 'baseURL' | 'apiKey'>): EmulatorConfigSnippet {
  return {
    yaml: [
      'planner: ai',
      'ai-planner:',
      '  model: openai:gpt-4o-mini',
      `  baseURL: ${emulator.baseURL}`,
      `  apiKey: ${emulator.apiKey}     # the emulator's test key (not a secret)`,
      'images: ai',
      'ai-images:',
      '  model: openai:gpt-image-1',
      `  baseURL: ${emulator.baseURL}`,
      `  apiKey: ${emulator.apiKey}`,
    ].join('\n'),
    env: { OPENAI_BASE_URL: emulator.baseURL, OPENAI_API_KEY: emulator.apiKey },
    notes: ['Needs @ttv/ai and @ai-sdk/openai installed beside ttv (npm install @ttv/ai @ai-sdk/openai).'],
  };
}

/** Starts the OpenAI emulator on an ephemeral loopback port. Prints nothing. */
export async function startOpenAIEmulator(opts: OpenAIEmulatorOptions = {}): Promise<OpenAIEmulator> {
  const server = await startModelServer({ name: 'openai', defaultKey: 'sk-emulator-test', apiPath: '/v1', route, faultBody: openaiFaultBody }, opts);
  const emulator: OpenAIEmulator = Object.assign(server, { configSnippet: () => openaiConfigSnippet(emulator) });
  return emulator;
}
