/**
 * Faults of an emulated model, shared by the OpenAI and Gemini emulators. Beside the HTTP-level faults of
 * faults.ts (matched by method and path), these match what the request asks (a substring or RegExp of its prompt
 * text) and can wait for the N-th matching request, and they change the model's answer rather than the transport:
 *
 * - `refusal`           the model refuses (OpenAI: a `refusal` content part; Gemini: finishReason SAFETY, or
 *                       IMAGE_SAFETY for an image; OpenAI images: 400 `moderation_blocked`).
 * - `invalid-json`      structured output that is not JSON at all.
 * - `fenced-json`       valid JSON wrapped in a Markdown fence and a sentence (almost valid: repairable).
 * - `schema-violation`  valid JSON that breaks the requested schema (a required key missing in every item).
 * - `truncated`         the JSON cut in half, as when the output token limit is hit (finish reason `length`).
 * - `status`            an HTTP error reply with `status`, `headers` and `body` (default: the API's own error body).
 */

export type ModelFaultKind = 'refusal' | 'invalid-json' | 'fenced-json' | 'schema-violation' | 'truncated' | 'status';

export interface ModelFaultMatch {
  /** Path of the route (exact string or RegExp), e.g. `/v1/responses`. Any when omitted. */
  path?: string | RegExp;
  /** Matches when the request's prompt text contains it (string) or matches it (RegExp). */
  prompt?: string | RegExp;
}

export interface ModelFault {
  kind: ModelFaultKind;
  match?: ModelFaultMatch;
  /** Skip the first `nth - 1` matching requests: the fault hits the N-th (default 1: the next one). */
  nth?: number;
  /** How many matching requests it hits once it starts (default 1; Infinity: until cleared). */
  times?: number;
  /** `refusal`: the refusal text. */
  refusal?: string;
  /** `status`: HTTP status, headers (e.g. `retry-after`) and body. */
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Pending extends ModelFault {
  seen: number;
  remaining: number;
}

export const DEFAULT_REFUSAL = "I'm sorry, but I can't help with that request.";

function matches(fault: ModelFault, path: string, prompt: string): boolean {
  const m = fault.match;
  if (!m) return true;
  if (m.path !== undefined && (m.path instanceof RegExp ? !m.path.test(path) : m.path !== path)) return false;
  if (m.prompt !== undefined && (m.prompt instanceof RegExp ? !m.prompt.test(prompt) : !prompt.includes(m.prompt))) return false;
  return true;
}

/** A queue of model faults: the first pending fault that matches a request and has reached its N-th hit applies. */
export class ModelFaultQueue {
  #queue: Pending[] = [];

  inject(...faults: ModelFault[]): this {
    for (const f of faults) {
      const times = f.times ?? 1;
      const nth = f.nth ?? 1;
      if (!(times > 0)) throw new RangeError(`fault.times must be > 0 (got ${times})`);
      if (!(Number.isInteger(nth) && nth >= 1)) throw new RangeError(`fault.nth must be an integer ≥ 1 (got ${nth})`);
      if (f.kind === 'status' && typeof f.status !== 'number') throw new TypeError('a status fault needs a numeric status');
      this.#queue.push({ ...f, seen: 0, remaining: times });
    }
    return this;
  }

  clear(): void {
    this.#queue = [];
  }

  get size(): number {
    return this.#queue.length;
  }

  /** Counts the request against every matching fault; returns the one that applies to it, if any. */
  take(path: string, prompt: string): ModelFault | undefined {
    let hit: Pending | undefined;
    for (const fault of this.#queue) {
      if (!matches(fault, path, prompt)) continue;
      fault.seen += 1;
      if (!hit && fault.seen >= (fault.nth ?? 1)) hit = fault;
    }
    if (!hit) return undefined;
    hit.remaining -= 1;
    if (hit.remaining <= 0) this.#queue.splice(this.#queue.indexOf(hit), 1);
    const { seen: _seen, remaining: _remaining, ...fault } = hit;
    return fault;
  }
}

/** Parses a model fault from JSON (the `POST /__emulator/model-faults` body): `match.promptRegex`/`pathRegex`, `times: -1`. */
export function modelFaultFromJson(value: unknown): ModelFault {
  if (typeof value !== 'object' || value === null) throw new TypeError('fault must be an object');
  const raw = { ...(value as Record<string, unknown>) };
  const kinds = ['refusal', 'invalid-json', 'fenced-json', 'schema-violation', 'truncated', 'status'];
  if (typeof raw['kind'] !== 'string' || !kinds.includes(raw['kind'])) throw new TypeError(`fault.kind must be one of ${kinds.join(', ')}`);
  if (raw['times'] === -1) raw['times'] = Infinity;
  const m = raw['match'] as Record<string, unknown> | undefined;
  if (m && typeof m === 'object') {
    const match: ModelFaultMatch = {};
    if (typeof m['pathRegex'] === 'string') match.path = new RegExp(m['pathRegex']);
    else if (typeof m['path'] === 'string') match.path = m['path'];
    if (typeof m['promptRegex'] === 'string') match.prompt = new RegExp(m['promptRegex']);
    else if (typeof m['prompt'] === 'string') match.prompt = m['prompt'];
    raw['match'] = match;
  }
  return raw as unknown as ModelFault;
}
