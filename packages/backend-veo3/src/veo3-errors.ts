/**
 * Maps what Vertex AI, @google/genai and @google-cloud/storage report to ttv's error codes. Three channels:
 * - HTTP failures of submit/poll: genai throws `ApiError` (`.status`, the Google JSON error body as message);
 * - finished operations with `error: {code, message}` (gRPC codes; genai does not throw);
 * - storage failures (`code` = HTTP status) and network errors (fetch `TypeError`, `ECONNRESET`, …).
 * Every message passes through `scrub` so no configured secret can leak into an error.
 */
import { TtvError, type TtvErrorCode } from '@ttv/core';

/** gRPC status names by code. */
export const GRPC_STATUS: Record<number, string> = {
  0: 'OK',
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  10: 'ABORTED',
  11: 'OUT_OF_RANGE',
  12: 'UNIMPLEMENTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  15: 'DATA_LOSS',
  16: 'UNAUTHENTICATED',
};

/** Default wait after a 429 without Retry-After (Veo quotas are per minute). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 30_000;

export interface ErrorScope {
  /** What was being done, e.g. `submitting`, `polling operation …`. */
  action: string;
  model: string;
  project?: string | undefined;
  location?: string | undefined;
  /** Express mode (API key) rather than OAuth credentials. */
  express?: boolean;
  /** Secrets to strip from messages. */
  secrets: readonly string[];
  /** Retry-After of the failed response, when known. */
  retryAfterMs?: number | undefined;
  /** The operation name, when one exists (put into details, so a user can look it up). */
  operation?: string | undefined;
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

interface GoogleErrorBody {
  code?: number;
  message?: string;
  status?: string;
  details?: unknown[];
}

/** Parses the `{"error": {...}}` JSON that genai puts into ApiError.message. */
export function parseGoogleError(message: string): GoogleErrorBody | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(message.slice(start)) as { error?: GoogleErrorBody } | GoogleErrorBody;
    const body = (parsed as { error?: GoogleErrorBody }).error ?? (parsed as GoogleErrorBody);
    return typeof body === 'object' && body !== null ? body : undefined;
  } catch {
    return undefined;
  }
}

function where(scope: ErrorScope): string {
  return scope.express ? 'Vertex AI express mode' : `project ${scope.project ?? '(unset)'} in ${scope.location ?? '(unset)'}`;
}

const ALLOWLIST = /allowlist|allow-list|whitelist/i;

/**
 * Spells out what access is missing for a permission / allowlist / access failure, from the service message.
 */
export function missingAccess(message: string, scope: ErrorScope): { what: string; fix: string } {
  const perm = /Permission '([^']+)' denied/i.exec(message)?.[1];
  if (/frame interpolation/i.test(message) && ALLOWLIST.test(message)) {
    return {
      what: `${where(scope)} is not allowlisted for frame interpolation (lastFrame) on ${scope.model}`,
      fix: 'use a veo-3.1-*-001 model for keyframe mode (veo3.model), or ask Google to allowlist the project',
    };
  }
  if (/person ?generation|allow_all/i.test(message)) {
    return {
      what: `${where(scope)} is not allowlisted for personGeneration allow_all`,
      fix: 'set veo3.personGeneration to allow_adult (or remove it), or request allowlisting from Google',
    };
  }
  if (ALLOWLIST.test(message)) {
    return { what: `${where(scope)} is not allowlisted for a feature of ${scope.model}`, fix: 'request access from Google Cloud, or use another Veo model' };
  }
  if (/API key not valid|API_KEY_INVALID|invalid api key/i.test(message)) {
    return {
      what: 'the express-mode API key is not valid',
      fix: 'set a valid Vertex AI API key in GOOGLE_API_KEY (or veo3.apiKey); Gemini API (AI Studio) keys do not work for Veo',
    };
  }
  if (/SERVICE_DISABLED|has not been used in project|is disabled/i.test(message)) {
    return {
      what: `the Vertex AI API (aiplatform.googleapis.com) is not enabled for ${where(scope)}`,
      fix: `run: gcloud services enable aiplatform.googleapis.com --project ${scope.project ?? '<project>'}`,
    };
  }
  if (/billing/i.test(message)) {
    return { what: `billing is not enabled for ${where(scope)}`, fix: 'enable billing on the project in the Google Cloud console' };
  }
  if (/storage\.objects\.|storage\.buckets\./i.test(message) || perm?.startsWith('storage.')) {
    return {
      what: `the credentials lack Cloud Storage permission ${perm ?? ''}`.trim(),
      fix: 'grant roles/storage.objectAdmin on the staging/output bucket to the identity ttv runs as (and to the Vertex AI service agent for outputGcsUri)',
    };
  }
  if (/was not found or your project does not have access/i.test(message)) {
    return {
      what: `${where(scope)} has no access to model ${scope.model}`,
      fix: `check veo3.model and veo3.location (Veo is not served in every region; try us-central1), and that the project may use ${scope.model}`,
    };
  }
  return {
    what: `the credentials lack IAM permission ${perm ?? 'aiplatform.endpoints.predict'} on ${where(scope)}`,
    fix: scope.express
      ? 'use an API key of a project with the Vertex AI API enabled'
      : `grant roles/aiplatform.user to the identity ttv runs as: gcloud projects add-iam-policy-binding ${scope.project ?? '<project>'} --member=<you> --role=roles/aiplatform.user`,
  };
}

function make(
  code: TtvErrorCode,
  message: string,
  scope: ErrorScope,
  extra: { fix?: string; retryable?: boolean; retryAfterMs?: number; cause?: unknown; details?: Record<string, unknown> } = {},
): TtvError {
  const details = { ...(scope.operation ? { operation: scope.operation } : {}), ...extra.details };
  return new TtvError(code, scrub(message, scope.secrets), {
    ...(extra.fix ? { fix: scrub(extra.fix, scope.secrets) } : {}),
    ...(extra.retryable !== undefined ? { retryable: extra.retryable } : {}),
    ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
    ...(Object.keys(details).length ? { details } : {}),
    // The cause is kept for debugging, but its message may quote a request: only keep it when it is clean.
    ...(extra.cause !== undefined && !mentionsSecret(extra.cause, scope.secrets) ? { cause: extra.cause } : {}),
  });
}

function mentionsSecret(value: unknown, secrets: readonly string[]): boolean {
  let text: string;
  try {
    text = value instanceof Error ? `${value.message} ${value.stack ?? ''}` : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return secrets.some((s) => s && s.length >= 4 && text.includes(s));
}

/** Maps an HTTP failure (status + Google error body) of a Vertex AI call. */
export function fromHttp(status: number, body: GoogleErrorBody | undefined, rawMessage: string, scope: ErrorScope, cause?: unknown): TtvError {
  const grpc = body?.status ?? '';
  const message = body?.message ?? rawMessage;
  const head = `Veo ${scope.action} failed: HTTP ${status}${grpc ? ` ${grpc}` : ''}: ${message}`;
  if (status === 429 || grpc === 'RESOURCE_EXHAUSTED') {
    return make('RATE_LIMITED', head, scope, {
      retryAfterMs: scope.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS,
      fix: `Veo quotas are per project per minute (10–50 requests): lower concurrency, or request a quota increase for ${scope.model}`,
      cause,
    });
  }
  if (status === 401 || grpc === 'UNAUTHENTICATED') {
    return make('AUTH', `${head} (the credentials were rejected)`, scope, {
      fix: scope.express
        ? 'check GOOGLE_API_KEY / veo3.apiKey'
        : 'refresh the credentials: gcloud auth application-default login, or check veo3.keyFile / veo3.accessToken',
      cause,
    });
  }
  if (status === 403 || grpc === 'PERMISSION_DENIED' || (grpc === 'FAILED_PRECONDITION' && ALLOWLIST.test(message))) {
    const access = missingAccess(message, scope);
    return make('AUTH', `Veo ${scope.action} was refused: ${access.what} (HTTP ${status}${grpc ? ` ${grpc}` : ''}: ${message})`, scope, {
      fix: access.fix,
      cause,
    });
  }
  if (status === 404) {
    if (/operation/i.test(scope.action)) {
      return make('GENERATION_FAILED', `${head} (the operation no longer exists)`, scope, {
        retryable: true,
        fix: 'the job is gone; ttv submits a new one on retry',
        cause,
      });
    }
    const access = missingAccess(message, scope);
    return make('AUTH', `Veo ${scope.action} failed: ${access.what} (HTTP 404: ${message})`, scope, { fix: access.fix, cause });
  }
  if (status === 408 || grpc === 'DEADLINE_EXCEEDED') return make('TIMEOUT', head, scope, { cause });
  if (status === 499) return make('CANCELLED', head, scope, { cause });
  if (status >= 500 || grpc === 'UNAVAILABLE' || grpc === 'INTERNAL' || grpc === 'ABORTED') {
    return make('UNAVAILABLE', head, scope, { fix: 'a temporary Vertex AI failure; ttv retries with backoff', cause });
  }
  if (status === 400 || grpc === 'INVALID_ARGUMENT' || grpc === 'FAILED_PRECONDITION' || grpc === 'OUT_OF_RANGE') {
    if (isSafetyMessage(message)) return moderation(message, [message], scope);
    return make('INPUT_INVALID', head, scope, {
      fix: 'the service refused the request parameters; check the veo3 section and the segment against the model table in the backend README',
      cause,
    });
  }
  return make('GENERATION_FAILED', head, scope, { cause });
}

const SAFETY = /usage guidelines|responsible ai|support codes?:|safety (filter|settings)|prohibited|sensitive words/i;

export function isSafetyMessage(message: string): boolean {
  return SAFETY.test(message);
}

export function supportCodes(reasons: readonly string[]): string[] {
  const codes = new Set<string>();
  for (const r of reasons) for (const m of r.matchAll(/\b(\d{8})\b/g)) codes.add(m[1]!);
  return [...codes];
}

const SUPPORT_CODE_TOPICS: Record<string, string> = {
  '58061214': 'child',
  '17301594': 'child',
  '29310472': 'celebrity / public figure',
  '15236754': 'celebrity / public figure',
};

/** RAI filtering: same prompt, same result → MODERATION, not retryable. */
export function moderation(summary: string, reasons: readonly string[], scope: ErrorScope): TtvError {
  const codes = supportCodes(reasons);
  const topics = [...new Set(codes.map((c) => SUPPORT_CODE_TOPICS[c]).filter(Boolean))];
  return make('MODERATION', `Veo refused the content (${scope.model}): ${summary}`, scope, {
    retryable: false,
    fix: `rephrase the segment prompt or change the input image${topics.length ? ` (flagged: ${topics.join(', ')})` : ''}; the same request gives the same result`,
    details: { reasons: reasons.map((r) => scrub(r, scope.secrets)), supportCodes: codes },
  });
}

/** Maps `op.error` of a finished operation (gRPC code + message). */
export function fromOperationError(error: Record<string, unknown>, scope: ErrorScope): TtvError {
  const code = typeof error['code'] === 'number' ? error['code'] : 2;
  const message = typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error);
  const status = GRPC_STATUS[code] ?? `code ${code}`;
  const head = `Veo operation failed (${status}, gRPC ${code}): ${message}`;
  const details = { grpcCode: code };
  if (isSafetyMessage(message)) return moderation(message, [message], scope);
  switch (code) {
    case 3: // INVALID_ARGUMENT
    case 11: // OUT_OF_RANGE
    case 12: // UNIMPLEMENTED
      return make('INPUT_INVALID', head, scope, {
        details,
        fix: 'the service refused the request; check the veo3 section and the segment against the model table',
      });
    case 4: // DEADLINE_EXCEEDED
      return make('TIMEOUT', head, scope, { details });
    case 7: // PERMISSION_DENIED
    case 16: {
      const access = missingAccess(message, scope);
      return make('AUTH', `Veo operation was refused: ${access.what} (${status}: ${message})`, scope, { details, fix: access.fix });
    }
    case 9: {
      // FAILED_PRECONDITION: allowlisting (e.g. frame interpolation on veo-3.0) is missing access, not a bad request.
      if (ALLOWLIST.test(message) || /permission|not enabled|billing/i.test(message)) {
        const access = missingAccess(message, scope);
        return make('AUTH', `Veo operation was refused: ${access.what} (${status}: ${message})`, scope, { details, fix: access.fix });
      }
      return make('GENERATION_FAILED', head, scope, { details });
    }
    case 8: // RESOURCE_EXHAUSTED
      return make('RATE_LIMITED', head, scope, {
        details,
        retryAfterMs: DEFAULT_RATE_LIMIT_WAIT_MS,
        fix: `Veo quotas are per project per minute: lower concurrency or request a quota increase for ${scope.model}`,
      });
    case 10: // ABORTED
    case 13: // INTERNAL
    case 14: // UNAVAILABLE
      return make('UNAVAILABLE', head, scope, { details, fix: 'a temporary Veo failure; ttv retries (a failed operation is not charged)' });
    case 1: // CANCELLED (server side)
      return make('GENERATION_FAILED', head, scope, { details, retryable: true });
    default:
      return make('GENERATION_FAILED', head, scope, { details });
  }
}

function isAbortLike(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || error.name === 'TimeoutError' || (error as { code?: unknown }).code === 'ABORT_ERR';
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 4) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  return networkCode((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * Maps anything a Vertex AI call threw. `signal` is the caller's: an abort caused by it is CANCELLED, any
 * other abort (the per-request timeout) is TIMEOUT.
 */
export function fromThrown(error: unknown, scope: ErrorScope, signal?: AbortSignal): TtvError {
  if (TtvError.is(error)) return error;
  if (signal?.aborted) return new TtvError('CANCELLED', `Veo ${scope.action}: cancelled`, { details: scope.operation ? { operation: scope.operation } : {} });
  const e = error as { name?: string; status?: unknown; message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (e?.name === 'ApiError' && typeof e.status === 'number') {
    return fromHttp(e.status, parseGoogleError(message), message, scope, error);
  }
  if (isAbortLike(error)) {
    return make('TIMEOUT', `Veo ${scope.action} timed out (no reply within veo3.timeouts.requestMs)`, scope, {
      cause: error,
      fix: 'a slow or unreachable endpoint; ttv retries',
    });
  }
  const net = networkCode(error);
  if (net || (error instanceof TypeError && /fetch failed|network|socket/i.test(message))) {
    return make('UNAVAILABLE', `Veo ${scope.action} failed: network error ${net ?? ''} ${message}`.replace(/\s+/g, ' '), scope, {
      cause: error,
      fix: 'check the network connection and veo3.baseUrl; ttv retries',
    });
  }
  // google-auth-library: no credentials found / cannot refresh.
  if (
    /Could not load the default credentials|Could not refresh access token|invalid_grant|unauthorized_client|No access, refresh token|key file|private key/i.test(
      message,
    )
  ) {
    return make('AUTH', `Veo ${scope.action}: cannot obtain Google credentials: ${message}`, scope, {
      cause: error,
      fix: 'run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS or veo3.keyFile, or use express mode with GOOGLE_API_KEY',
    });
  }
  return make('GENERATION_FAILED', `Veo ${scope.action} failed: ${message}`, scope, { cause: error });
}

/** Maps a @google-cloud/storage failure (code = HTTP status) or a stream/network error during a transfer. */
export function fromStorage(error: unknown, scope: ErrorScope & { uri: string }, signal?: AbortSignal): TtvError {
  if (TtvError.is(error)) return error;
  if (signal?.aborted) return new TtvError('CANCELLED', `Veo ${scope.action}: cancelled`);
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const status = typeof e?.code === 'number' ? e.code : undefined;
  if (status === 404) {
    return make('GENERATION_FAILED', `Veo ${scope.action}: ${scope.uri} does not exist (${message})`, scope, {
      fix: 'the Vertex AI service agent must be able to write to the outputGcsUri bucket, and no lifecycle rule may delete new objects',
      cause: error,
    });
  }
  if (status === 401 || status === 403) {
    const access = missingAccess(/storage\./.test(message) ? message : `storage.objects. ${message}`, scope);
    return make('AUTH', `Veo ${scope.action} ${scope.uri} was refused: ${access.what} (${message})`, scope, { fix: access.fix, cause: error });
  }
  if (status === 429) return make('RATE_LIMITED', `Veo ${scope.action} ${scope.uri}: ${message}`, scope, { retryAfterMs: 5000, cause: error });
  if (
    (status !== undefined && status >= 500) ||
    networkCode(error) ||
    isAbortLike(error) ||
    /premature|aborted|socket|truncat|mismatch|CONTENT_DOWNLOAD_MISMATCH|FILE_NO_UPLOAD/i.test(message)
  ) {
    return make('UNAVAILABLE', `Veo ${scope.action} ${scope.uri} failed: ${message}`, scope, { cause: error });
  }
  return make('GENERATION_FAILED', `Veo ${scope.action} ${scope.uri} failed: ${message}`, scope, { cause: error });
}
