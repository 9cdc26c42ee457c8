/**
 * Maps what Runway reports onto ttv's error taxonomy: HTTP errors through the SDK's error classes, and FAILED
 * tasks by their `failureCode` (docs.dev.runwayml.com/errors/task-failures; match on prefixes, the third dotted
 * component is diagnostic only). Messages never contain the API key: the SDK does not echo it, and every
 * message passes through `redact` as a second line of defence.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from '@runwayml/sdk';
import { redact, retryAfterMs, TtvError, type TtvErrorOptions } from '@ttv/core/backend';

const KEY_FIX = 'set RUNWAYML_API_SECRET (or runway.apiKey) to a valid key from https://dev.runwayml.com (API keys page of your organization)';

/** The `error` text of an API error body (`{"error": "..."}`), else the SDK's message. */
export function apiMessage(error: APIError): string {
  const body = error.error as { error?: unknown; message?: unknown } | undefined;
  const text = typeof body?.error === 'string' ? body.error : typeof body?.message === 'string' ? body.message : undefined;
  return redact(text ?? error.message);
}

export { retryAfterMs } from '@ttv/core/backend';

function isDailyLimit(message: string): boolean {
  return /daily|quota|limit has been reached/i.test(message);
}

function isCreditShortage(message: string): boolean {
  return /not have enough credits|insufficient credits|out of credits/i.test(message);
}

/**
 * A TtvError for anything a Runway SDK call threw. `what` names the call (`create`, `poll`, …) for the message;
 * `signal` lets an abort of ours win over whatever error the abort caused.
 */
export function mapSdkError(error: unknown, what: string, signal?: AbortSignal): TtvError {
  if (TtvError.is(error)) return error;
  if (signal?.aborted || error instanceof APIUserAbortError) {
    return new TtvError('CANCELLED', `runway ${what} cancelled`, { cause: error });
  }
  if (!(error instanceof APIError)) return notFromTheApi(error, what);
  const opts = (extra: TtvErrorOptions = {}): TtvErrorOptions => ({ cause: error, details: { status: error.status ?? null, call: what }, ...extra });

  if (error instanceof APIConnectionTimeoutError) {
    return new TtvError('TIMEOUT', `runway ${what}: the request timed out`, opts({ fix: 'check your network, or raise runway.timeouts.requestMs' }));
  }
  if (error instanceof APIConnectionError) {
    return new TtvError(
      'UNAVAILABLE',
      `runway ${what}: could not reach the API (${redact(error.message)})`,
      opts({ fix: 'check your network and runway.baseUrl' }),
    );
  }
  const message = apiMessage(error);
  const after = retryAfterMs(error.headers as Headers | undefined);
  if (error instanceof AuthenticationError) {
    return new TtvError('AUTH', `runway ${what}: the API key was refused (401: ${message})`, opts({ fix: KEY_FIX }));
  }
  if (error instanceof PermissionDeniedError) {
    return new TtvError(
      'AUTH',
      `runway ${what}: permission denied (403: ${message})`,
      opts({ fix: 'check that the key belongs to an organization with API access to this model' }),
    );
  }
  if (error instanceof RateLimitError) return rateLimited(what, message, after, opts);
  if (error instanceof BadRequestError || error instanceof UnprocessableEntityError) return refused(error.status, what, message, opts);
  if (error instanceof NotFoundError) {
    return new TtvError('GENERATION_FAILED', `runway ${what}: not found (404: ${message})`, opts());
  }
  if (error instanceof ConflictError) {
    return new TtvError('UNAVAILABLE', `runway ${what}: conflict (409: ${message})`, opts(after !== undefined ? { retryAfterMs: after } : {}));
  }
  if (error instanceof InternalServerError || (error.status !== undefined && error.status >= 500)) {
    return new TtvError(
      'UNAVAILABLE',
      `runway ${what}: the service failed (${error.status}: ${message})`,
      opts(after !== undefined ? { retryAfterMs: after } : {}),
    );
  }
  if (error.status === 408) return new TtvError('TIMEOUT', `runway ${what}: request timeout (408)`, opts());
  return new TtvError('GENERATION_FAILED', `runway ${what}: unexpected reply (${error.status ?? 'no status'}: ${message})`, opts());
}

type ErrorOptionsOf = (extra?: TtvErrorOptions) => TtvErrorOptions;

/** What a Runway SDK call threw that is not an API error: an abort of the fetch, or a bug. */
function notFromTheApi(error: unknown, what: string): TtvError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'AbortError') return new TtvError('CANCELLED', `runway ${what} cancelled`, { cause: error });
  return new TtvError('INTERNAL', `runway ${what}: ${redact(message)}`, { cause: error });
}

/** 429: the rolling daily task limit (QUOTA), or a rate limit to wait out (RATE_LIMITED). */
function rateLimited(what: string, message: string, after: number | undefined, opts: ErrorOptionsOf): TtvError {
  if (isDailyLimit(message)) {
    return new TtvError(
      'QUOTA',
      `runway ${what}: ${message}`,
      opts({
        fix: 'Runway counts tasks over a rolling 24 h window: wait, raise your tier, or add a fallback backend (backends: [runway, kenburns])',
        ...(after !== undefined ? { retryAfterMs: after } : {}),
      }),
    );
  }
  return new TtvError('RATE_LIMITED', `runway ${what}: rate limited (429: ${message})`, opts(after !== undefined ? { retryAfterMs: after } : {}));
}

/** 400 / 422: out of credits (QUOTA), or a request the API refuses (INPUT_INVALID, naming the field when it can). */
function refused(status: number | undefined, what: string, message: string, opts: ErrorOptionsOf): TtvError {
  if (isCreditShortage(message)) {
    return new TtvError(
      'QUOTA',
      `runway ${what}: ${message}`,
      opts({ fix: 'buy API credits at https://dev.runwayml.com (billing), or add a fallback backend' }),
    );
  }
  const field = /parameter '([^']+)'/.exec(message)?.[1] ?? /^([\w.[\]]+):/.exec(message)?.[1];
  return new TtvError(
    'INPUT_INVALID',
    `runway ${what}: the API refused the request (${status}: ${message})`,
    opts({
      ...(field ? { field } : {}),
      fix: 'check the runway section and the segment against the model rules (ratio, duration, prompt, images)',
    }),
  );
}

export interface FailedTask {
  id: string;
  failure?: string;
  failureCode?: string;
  cost?: { credits: number };
}

/** A TtvError for a task that ended FAILED. */
export function mapTaskFailure(task: FailedTask, chargedUsd: number): TtvError {
  const code = task.failureCode ?? '';
  const failure = redact(task.failure ?? 'no reason given');
  const base = `runway task ${task.id} failed${code ? ` (${code})` : ''}: ${failure}`;
  const opts = (extra: TtvErrorOptions): TtvErrorOptions => ({
    ...(chargedUsd > 0 ? { chargedUsd } : {}),
    details: { taskId: task.id, failureCode: code || null },
    ...extra,
  });
  const has = (prefix: string) => code === prefix || code.startsWith(`${prefix}.`);
  if (has('SAFETY') || has('INPUT_PREPROCESSING.SAFETY')) {
    return new TtvError(
      'MODERATION',
      base,
      opts({ fix: 'Runway moderation refused the input or output: change the prompt or the image (retrying the same request will not help)' }),
    );
  }
  if (has('INPUT_PREPROCESSING.INTERNAL')) {
    return new TtvError('GENERATION_FAILED', base, opts({ retryable: true, fix: 'Runway’s moderation system failed; the request is retried' }));
  }
  if (has('INTERNAL.BAD_OUTPUT')) {
    return new TtvError(
      'GENERATION_FAILED',
      base,
      opts({ retryable: true, fix: 'the output failed Runway’s quality check, often because of text or graphics in the image; try another image' }),
    );
  }
  if (has('INTERNAL')) {
    return new TtvError('GENERATION_FAILED', base, opts({ retryable: true, fix: 'a Runway server fault; the request is retried' }));
  }
  if (has('ASSET.INVALID') || has('ASSET')) {
    return new TtvError('INPUT_INVALID', base, opts({ field: 'firstFrame', fix: 'Runway could not read an input image: check it opens and is a PNG or JPEG' }));
  }
  return new TtvError('GENERATION_FAILED', base, opts({ retryable: false }));
}
