/**
 * Every failure of an AI SDK call as a TtvError with a stable code: 401/403 (and Gemini's "API key not valid")
 * → AUTH, 429 → RATE_LIMITED with the retry-after(-ms) wait (QUOTA when OpenAI says the quota is spent), 5xx/408
 * → UNAVAILABLE, a provider's refusal → MODERATION, our timeout → TIMEOUT, an abort → CANCELLED, a model the API
 * does not know → CONFIG_INVALID. Messages go through `redact`, so no registered secret is ever printed.
 */
import { redact, retryAfterMs, TtvError, type TtvErrorCode } from '@ttv/core/backend';
import { APICallError, LoadAPIKeyError, NoImageGeneratedError, NoObjectGeneratedError, RetryError } from 'ai';

export interface CallSite {
  /** `ai-planner` or `ai-images`: the config section, for fields and fixes. */
  section: string;
  model: string;
  /** The caller's signal (an abort is CANCELLED) and the timeout's (TIMEOUT). */
  signal: AbortSignal;
  timeout: AbortSignal;
  timeoutMs: number;
}

export { retryAfterMs } from '@ttv/core/backend';

const REFUSED = /moderation_blocked|content_policy_violation|safety system|safety_violation/i;

function apiCallCode(e: APICallError): TtvErrorCode {
  const status = e.statusCode ?? 0;
  const body = e.responseBody ?? '';
  if (status === 401 || status === 403 || /API key not valid|API_KEY_INVALID/i.test(body)) return 'AUTH';
  if (status === 429) return /insufficient_quota/.test(body) ? 'QUOTA' : 'RATE_LIMITED';
  if (status === 408 || status >= 500) return 'UNAVAILABLE';
  if (REFUSED.test(body) || REFUSED.test(e.message)) return 'MODERATION';
  if (status === 404 || /model_not_found|does not exist/i.test(body)) return 'CONFIG_INVALID';
  return 'INPUT_INVALID';
}

function fromApiCall(e: APICallError, site: CallSite): TtvError {
  const code = apiCallCode(e);
  const message = `${site.section} (${site.model}): ${e.statusCode ?? 'no'} HTTP status: ${redact(e.message)}`;
  const fix: Partial<Record<TtvErrorCode, string>> = {
    AUTH: `check ${site.section}.apiKey (or the provider's API key variable)`,
    QUOTA: "add credit to the provider's account",
    CONFIG_INVALID: `check ${site.section}.model (and baseURL)`,
    MODERATION: 'reword the prompt (onModeration: reword does it with the planner)',
  };
  const wait = code === 'RATE_LIMITED' || code === 'UNAVAILABLE' ? retryAfterMs(e.responseHeaders) : undefined;
  return new TtvError(code, message, {
    ...(code === 'CONFIG_INVALID' ? { field: `${site.section}.model`, value: site.model } : {}),
    ...(fix[code] ? { fix: fix[code] } : {}),
    ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    details: { statusCode: e.statusCode },
  });
}

/** Whether any picture call of a NoImageGeneratedError ended on a safety filter (Gemini's IMAGE_SAFETY…). */
function imageRefused(e: NoImageGeneratedError): boolean {
  return (e.calls ?? []).some((c) =>
    /SAFETY|PROHIBITED|BLOCK|RECITATION/i.test(String((c.providerMetadata?.['google'] as { finishReason?: unknown })?.finishReason ?? '')),
  );
}

/** The TtvError for anything an AI SDK call threw (NoObjectGeneratedError is the planner's to explain first). */
export function toAiError(error: unknown, site: CallSite): TtvError {
  if (TtvError.is(error)) return error;
  if (site.signal.aborted) return new TtvError('CANCELLED', `${site.section}: cancelled`, { cause: site.signal.reason });
  if (site.timeout.aborted) {
    return new TtvError('TIMEOUT', `${site.section} (${site.model}): no answer within ${site.timeoutMs} ms`, { fix: `raise ${site.section}.timeoutMs` });
  }
  const last = RetryError.isInstance(error) ? error.lastError : error;
  if (APICallError.isInstance(last)) return fromApiCall(last, site);
  if (LoadAPIKeyError.isInstance(last))
    return new TtvError('AUTH', `${site.section} (${site.model}): no API key`, {
      field: `${site.section}.apiKey`,
      fix: `set ${site.section}.apiKey or the provider's API key variable`,
    });
  if (NoImageGeneratedError.isInstance(last)) {
    return imageRefused(last)
      ? new TtvError('MODERATION', `${site.section} (${site.model}): the picture was refused by the provider's safety filter`, { fix: 'reword the prompt' })
      : new TtvError('GENERATION_FAILED', `${site.section} (${site.model}): the model returned no picture`, { retryable: true });
  }
  if (NoObjectGeneratedError.isInstance(last) && last.finishReason === 'content-filter') {
    return new TtvError('MODERATION', `${site.section} (${site.model}): the model refused: ${redact(last.text ?? '')}`, {
      fix: 'reword the script or the prompt',
    });
  }
  const message = last instanceof Error ? last.message : String(last);
  return new TtvError('UNAVAILABLE', `${site.section} (${site.model}): ${redact(message)}`, { cause: last });
}

/** The caller's signal joined with a timeout: what every call passes as `abortSignal`. */
export function callSignals(signal: AbortSignal, timeoutMs: number): { timeout: AbortSignal; abortSignal: AbortSignal } {
  const timeout = AbortSignal.timeout(timeoutMs);
  return { timeout, abortSignal: AbortSignal.any([signal, timeout]) };
}
