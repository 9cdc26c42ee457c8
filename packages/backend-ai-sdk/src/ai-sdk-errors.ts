/**
 * What fal and Replicate report, as ttv's errors: 401/403 → AUTH, 402 → QUOTA, 429 → RATE_LIMITED with the
 * `retry-after(-ms)` wait, 5xx/408 → UNAVAILABLE, a refusal (fal `content_policy_violation`, Replicate E005 or
 * "NSFW") → MODERATION, an invalid input → INPUT_INVALID naming the field, 404 on submit → CONFIG_INVALID (no such
 * model), our timeout → TIMEOUT, an abort → CANCELLED. Messages pass through `redact`.
 */
import { redact, retryAfterMs, TtvError, type TtvErrorCode, type TtvErrorOptions } from '@ttv/core/backend';
import { APICallError, LoadAPIKeyError, RetryError } from 'ai';
import type { Reply } from './ai-sdk-providers.js';

export interface CallSite {
  provider: string;
  model: string;
  /** `submit`, `status`, `cancel`. */
  what: string;
  signal: AbortSignal;
  timeout: AbortSignal;
  timeoutMs: number;
}

export { retryAfterMs } from '@ttv/core/backend';

const REFUSED = /content_policy_violation|flagged as sensitive|\(E005\)|nsfw|safety/i;

/** The field an error body names: fal `detail[0].loc` (without `body`), Replicate `invalid_fields[0].field` (without `input.`). */
export function fieldOf(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const json = JSON.parse(body) as { detail?: unknown; invalid_fields?: Array<{ field?: unknown }> };
    const loc = Array.isArray(json.detail) ? (json.detail[0] as { loc?: unknown[] })?.loc : undefined;
    if (Array.isArray(loc)) return loc.filter((p) => p !== 'body').join('.') || undefined;
    const field = json.invalid_fields?.[0]?.field;
    return typeof field === 'string' ? field.replace(/^input\./, '') : undefined;
  } catch {
    return undefined;
  }
}

function codeOf(status: number, body: string, what: string): TtvErrorCode {
  if (status === 401 || status === 403) return 'AUTH';
  if (status === 402) return 'QUOTA';
  if (status === 429) return /quota|insufficient credit/i.test(body) ? 'QUOTA' : 'RATE_LIMITED';
  if (status === 408 || status >= 500 || status === 0) return 'UNAVAILABLE';
  if (REFUSED.test(body)) return 'MODERATION';
  if (status === 404) return what === 'submit' ? 'CONFIG_INVALID' : 'UNAVAILABLE';
  return 'INPUT_INVALID';
}

const FIXES: Partial<Record<TtvErrorCode, (site: CallSite) => string>> = {
  AUTH: (s) => `check ai-sdk.apiKey (or ${s.provider === 'fal' ? 'FAL_KEY' : 'REPLICATE_API_TOKEN'})`,
  QUOTA: (s) => `add credit to your ${s.provider} account, or add a fallback backend (backends: [ai-sdk, kenburns])`,
  MODERATION: () => 'the provider refused the prompt or image: reword it (onModeration: reword) or fall back (onModeration: next)',
  CONFIG_INVALID: (s) => `check ai-sdk.model (${s.model}) and ai-sdk.baseURL`,
  INPUT_INVALID: () => 'check the segment and the ai-sdk section against the model rules (duration, size, prompt, images)',
};

/** A TtvError for an HTTP reply the provider gave. */
export function fromReply(reply: Pick<Reply, 'status' | 'headers' | 'errorBody'>, site: CallSite, extra: TtvErrorOptions = {}): TtvError {
  const body = reply.errorBody ?? '';
  const code = codeOf(reply.status, body, site.what);
  const field = code === 'INPUT_INVALID' ? fieldOf(body) : code === 'CONFIG_INVALID' ? 'ai-sdk.model' : undefined;
  const wait = code === 'RATE_LIMITED' || code === 'UNAVAILABLE' ? retryAfterMs(reply.headers) : undefined;
  const detail = redact(body.replace(/\s+/g, ' ').slice(0, 300));
  return new TtvError(code, `${site.provider} ${site.what} (${site.model}): HTTP ${reply.status}${detail ? `: ${detail}` : ''}`, {
    ...(field ? { field } : {}),
    ...(FIXES[code] ? { fix: FIXES[code](site) } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    details: { status: reply.status, call: site.what },
    ...extra,
  });
}

/** The TtvError for anything an AI SDK call (or our own request) threw. */
export function toAiSdkError(error: unknown, site: CallSite, last?: Reply): TtvError {
  if (TtvError.is(error)) return error;
  if (site.signal.aborted) return new TtvError('CANCELLED', `${site.provider} ${site.what} cancelled`, { cause: site.signal.reason });
  if (site.timeout.aborted) {
    return new TtvError('TIMEOUT', `${site.provider} ${site.what} (${site.model}): no answer within ${site.timeoutMs} ms`, {
      fix: 'check your network, or raise ai-sdk.timeouts.requestMs',
    });
  }
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  if (LoadAPIKeyError.isInstance(cause)) return new TtvError('AUTH', `${site.provider}: no API key`, { field: 'ai-sdk.apiKey', fix: FIXES.AUTH!(site) });
  if (APICallError.isInstance(cause) && cause.statusCode !== undefined) {
    return fromReply({ status: cause.statusCode, headers: new Headers(cause.responseHeaders ?? {}), errorBody: cause.responseBody ?? last?.errorBody }, site);
  }
  if (last && last.status >= 400) return fromReply(last, site);
  const message = cause instanceof Error ? cause.message : String(cause);
  return new TtvError('UNAVAILABLE', `${site.provider} ${site.what} (${site.model}): ${redact(message)}`, {
    fix: 'check your network and ai-sdk.baseURL',
    cause,
  });
}

/** The caller's signal joined with a per-request timeout. */
export function callSignals(signal: AbortSignal, timeoutMs: number): { timeout: AbortSignal; abortSignal: AbortSignal } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { timeout, abortSignal: AbortSignal.any([signal, timeout]) };
}
