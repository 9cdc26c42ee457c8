/**
 * The OpenAI text routes: `POST /v1/responses` (what `openai(model)` of `@ai-sdk/openai` calls, structured output
 * in `text.format`) and `POST /v1/chat/completions` (`openai.chat(model)` and OpenAI-compatible servers,
 * structured output in `response_format`). Each validates like the real API, asks the emulated model and books
 * the tokens.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from '../http.js';
import { type JsonSchema, type ModelAnswer, modelAnswer, tokensOf } from './answer.js';
import { checkKnownKeys, checkStrictSchema, OpenAIHttpError, sendOpenAIError } from './errors.js';
import type { ModelLedger } from './ledger.js';
import type { ModelFault, ModelFaultQueue } from './model-faults.js';
import { OPENAI_TEXT_MODELS } from './models.js';

export interface TextState {
  ledger: ModelLedger;
  modelFaults: ModelFaultQueue;
}

const RESPONSES_KEYS = new Set([
  'model',
  'input',
  'instructions',
  'text',
  'temperature',
  'top_p',
  'max_output_tokens',
  'store',
  'metadata',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'previous_response_id',
  'reasoning',
  'include',
  'service_tier',
  'truncation',
  'stream',
  'top_logprobs',
  'safety_identifier',
  'prompt_cache_key',
  'max_tool_calls',
  'conversation',
  'background',
  'prompt',
  'seed',
]);
const CHAT_KEYS = new Set([
  'model',
  'messages',
  'response_format',
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'stop',
  'seed',
  'user',
  'tools',
  'tool_choice',
  'stream',
  'stream_options',
  'logprobs',
  'top_logprobs',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'parallel_tool_calls',
  'store',
  'metadata',
  'reasoning_effort',
  'service_tier',
  'verbosity',
  'prediction',
  'modalities',
  'audio',
  'safety_identifier',
  'prompt_cache_key',
  'web_search_options',
]);

/** Every string under `text`/`content` keys of a message list, in order (the prompt the model reads). */
export function promptText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(promptText).filter(Boolean).join('\n');
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return ['text', 'content', 'instructions']
      .map((k) => promptText(o[k]))
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

/** The JSON body of a request, or 400 as the API words it. */
export function jsonBody(rec: RecordedRequest): Record<string, unknown> {
  if (!/application\/json/i.test(String(rec.headers['content-type'] ?? ''))) {
    throw new OpenAIHttpError(400, "Invalid Content-Type header (expected 'application/json').", null, 'invalid_content_type');
  }
  const body = rec.json;
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new OpenAIHttpError(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)");
  }
  return body as Record<string, unknown>;
}

function textModel(body: Record<string, unknown>, notFoundStatus: number): string {
  const model = body['model'];
  if (typeof model !== 'string' || !model) throw new OpenAIHttpError(400, "Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (!OPENAI_TEXT_MODELS[model]) {
    throw new OpenAIHttpError(notFoundStatus, `The model \`${model}\` does not exist or you do not have access to it.`, 'model', 'model_not_found');
  }
  return model;
}

function checkTemperature(value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || value < 0 || value > 2)) {
    throw new OpenAIHttpError(
      400,
      `Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got ${String(value)} instead.`,
      'temperature',
      'decimal_above_max_value',
    );
  }
}

/** The structured output a json_schema format asks for (name checked, strict rules enforced). */
function jsonSchemaFormat(format: Record<string, unknown>, param: string): { json: true; schema: JsonSchema } {
  const name = format['name'];
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    throw new OpenAIHttpError(
      400,
      `Invalid '${param}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      `${param}.name`,
      'invalid_value',
    );
  }
  const schema = format['schema'];
  if (!schema || typeof schema !== 'object')
    throw new OpenAIHttpError(400, `Missing required parameter: '${param}.schema'.`, `${param}.schema`, 'missing_required_parameter');
  if (format['strict'] === true) checkStrictSchema(schema, name);
  return { json: true, schema: schema as JsonSchema };
}

/** Books an answer at the model's list price; returns the usage numbers. */
function book(state: TextState, model: string, prompt: string, answer: ModelAnswer) {
  const price = OPENAI_TEXT_MODELS[model]!;
  const input = tokensOf(prompt);
  const output = tokensOf(answer.text);
  state.ledger.answer({
    inputTokens: input,
    outputTokens: output,
    usd: (input * price.inputPerMTok + output * price.outputPerMTok) / 1e6,
    refusal: answer.finish === 'refusal',
  });
  return { input, output };
}

/** A fault that replaces the reply with an HTTP error: sent, true. */
export function sendStatusFault(res: ServerResponse, fault: ModelFault | undefined, body: (status: number) => unknown): boolean {
  if (fault?.kind !== 'status') return false;
  sendJson(res, fault.status!, fault.body ?? body(fault.status!), fault.headers ?? {});
  return true;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

function responsesFormat(body: Record<string, unknown>): { json: boolean; schema?: JsonSchema } {
  const format = (body['text'] as Record<string, unknown> | undefined)?.['format'] as Record<string, unknown> | undefined;
  if (!format || format['type'] === 'text') return { json: false };
  if (format['type'] === 'json_object') return { json: true };
  if (format['type'] === 'json_schema') return jsonSchemaFormat(format, 'text.format');
  throw new OpenAIHttpError(
    400,
    `Invalid value: '${String(format['type'])}'. Supported values are: 'text', 'json_object', and 'json_schema'.`,
    'text.format.type',
    'invalid_value',
  );
}

/** `POST /v1/responses`. */
export function handleResponses(state: TextState, rec: RecordedRequest, res: ServerResponse, faultBody: (status: number) => unknown): void {
  const body = jsonBody(rec);
  checkKnownKeys(body, RESPONSES_KEYS);
  const model = textModel(body, 400);
  if (body['input'] === undefined) throw new OpenAIHttpError(400, "Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (body['stream'] === true) throw new OpenAIHttpError(400, 'The emulator does not stream: call generateText/generateObject, not streamText.', 'stream');
  const max = body['max_output_tokens'];
  if (max !== undefined && (typeof max !== 'number' || max < 16)) {
    throw new OpenAIHttpError(
      400,
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${String(max)} instead.`,
      'max_output_tokens',
      'integer_below_min_value',
    );
  }
  checkTemperature(body['temperature']);
  const format = responsesFormat(body);
  const prompt = promptText([body['instructions'], body['input']]);
  const fault = state.modelFaults.take(rec.path, prompt);
  if (sendStatusFault(res, fault, faultBody)) return;
  const answer = modelAnswer(prompt, format, fault);
  const usage = book(state, model, prompt, answer);
  const part = answer.finish === 'refusal' ? { type: 'refusal', refusal: answer.text } : { type: 'output_text', text: answer.text, annotations: [] };
  sendJson(res, 200, {
    id: id('resp'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: answer.finish === 'length' ? 'incomplete' : 'completed',
    incomplete_details: answer.finish === 'length' ? { reason: 'max_output_tokens' } : null,
    error: null,
    model,
    output: [{ type: 'message', id: id('msg'), status: 'completed', role: 'assistant', content: [part] }],
    usage: {
      input_tokens: usage.input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input + usage.output,
    },
  });
}

function chatFormat(body: Record<string, unknown>): { json: boolean; schema?: JsonSchema } {
  const format = body['response_format'] as Record<string, unknown> | undefined;
  if (!format || format['type'] === 'text') return { json: false };
  if (format['type'] === 'json_object') return { json: true };
  if (format['type'] === 'json_schema') return jsonSchemaFormat((format['json_schema'] ?? {}) as Record<string, unknown>, 'response_format.json_schema');
  throw new OpenAIHttpError(
    400,
    `Invalid value: '${String(format['type'])}'. Supported values are: 'text', 'json_object', and 'json_schema'.`,
    'response_format.type',
    'invalid_value',
  );
}

/** `POST /v1/chat/completions`. */
export function handleChat(state: TextState, rec: RecordedRequest, res: ServerResponse, faultBody: (status: number) => unknown): void {
  const body = jsonBody(rec);
  checkKnownKeys(body, CHAT_KEYS);
  const model = textModel(body, 404);
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new OpenAIHttpError(
      400,
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  if (body['stream'] === true) throw new OpenAIHttpError(400, 'The emulator does not stream: call generateText/generateObject, not streamText.', 'stream');
  checkTemperature(body['temperature']);
  const format = chatFormat(body);
  const prompt = promptText(messages);
  const fault = state.modelFaults.take(rec.path, prompt);
  if (sendStatusFault(res, fault, faultBody)) return;
  const answer = modelAnswer(prompt, format, fault);
  const usage = book(state, model, prompt, answer);
  const refused = answer.finish === 'refusal';
  sendJson(res, 200, {
    id: id('chatcmpl'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: refused ? null : answer.text, refusal: refused ? answer.text : null, annotations: [] },
        logprobs: null,
        finish_reason: answer.finish === 'length' ? 'length' : 'stop',
      },
    ],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  });
}

export { sendOpenAIError };
