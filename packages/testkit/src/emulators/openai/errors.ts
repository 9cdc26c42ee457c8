/** OpenAI's error replies: `{"error": {"message", "type", "param", "code"}}`, thrown as OpenAIHttpError by the routes. */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http.js';

export class OpenAIHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type = status === 401 ? 'invalid_request_error' : status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
  }
}

export function openaiErrorBody(status: number, message: string, param: string | null = null, code: string | null = null) {
  const e = new OpenAIHttpError(status, message, param, code);
  return { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
}

export function sendOpenAIError(res: ServerResponse, error: OpenAIHttpError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, { error: { message: error.message, type: error.type, param: error.param, code: error.code } }, headers);
}

/** The body of an injected status fault without one, as the real API words it. */
export function openaiFaultBody(status: number): unknown {
  if (status === 429) return openaiErrorBody(429, 'Rate limit reached for requests. Please try again in 1s.', null, 'rate_limit_exceeded');
  if (status === 503) return openaiErrorBody(503, 'The engine is currently overloaded, please try again later', null, null);
  if (status >= 500) return openaiErrorBody(status, 'The server had an error while processing your request. Sorry about that!', null, null);
  return openaiErrorBody(status, `Injected error ${status}`);
}

/** Unknown top-level keys are refused as the real API does (`Unknown parameter: 'x'.`). */
export function checkKnownKeys(body: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw new OpenAIHttpError(400, `Unknown parameter: '${key}'.`, key, 'unknown_parameter');
  }
}

/**
 * Structured Outputs' strict mode rules: every object lists all its properties in `required` and sets
 * `additionalProperties: false` (the API's wording, with the context path).
 */
export function checkStrictSchema(schema: unknown, name: string, context: string[] = []): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Record<string, unknown>;
  const where = `Invalid schema for response_format '${name}': In context=(${context.map((c) => `'${c}'`).join(', ')})`;
  const props = s['properties'] as Record<string, unknown> | undefined;
  const isObject = s['type'] === 'object' || (Array.isArray(s['type']) && s['type'].includes('object')) || props !== undefined;
  if (isObject) {
    if (s['additionalProperties'] !== false) {
      throw new OpenAIHttpError(
        400,
        `${where}, 'additionalProperties' is required to be supplied and to be false.`,
        'text.format.schema',
        'invalid_json_schema',
      );
    }
    const required = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
    const missing = Object.keys(props ?? {}).filter((k) => !required.includes(k));
    if (missing.length > 0) {
      throw new OpenAIHttpError(
        400,
        `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`,
        'text.format.schema',
        'invalid_json_schema',
      );
    }
    for (const [k, v] of Object.entries(props ?? {})) checkStrictSchema(v, name, [...context, 'properties', k]);
  }
  if (s['items']) checkStrictSchema(s['items'], name, [...context, 'items']);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) {
      for (const [i, b] of list.entries()) checkStrictSchema(b, name, [...context, key, String(i)]);
    }
  }
  for (const [k, v] of Object.entries((s['$defs'] ?? s['definitions'] ?? {}) as Record<string, unknown>)) checkStrictSchema(v, name, [...context, '$defs', k]);
}
