/**
 * The error taxonomy every backend and every part of ttv uses. Codes are stable: tools and users may match on
 * them. `retryable` says whether trying the same call again (after `retryAfterMs`, if set) can succeed.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { retryable: false, exitCode: 2, summary: 'the configuration is invalid' },
  INPUT_INVALID: { retryable: false, exitCode: 2, summary: 'a request or input file is invalid' },
  BACKEND_NOT_INSTALLED: { retryable: false, exitCode: 3, summary: 'the backend package is not installed' },
  BACKEND_INVALID: { retryable: false, exitCode: 3, summary: 'the backend package does not implement the ttv spec' },
  AUTH: { retryable: false, exitCode: 4, summary: 'authentication or permission failed' },
  QUOTA: { retryable: false, exitCode: 4, summary: 'a quota or credit limit is exhausted' },
  RATE_LIMITED: { retryable: true, exitCode: 4, summary: 'the service asked us to slow down' },
  MODERATION: { retryable: false, exitCode: 5, summary: 'the content was refused by moderation' },
  TIMEOUT: { retryable: true, exitCode: 6, summary: 'the operation timed out' },
  UNAVAILABLE: { retryable: true, exitCode: 6, summary: 'the service or tool is temporarily unavailable' },
  GENERATION_FAILED: { retryable: false, exitCode: 7, summary: 'the backend failed to generate the clip' },
  PLAN_INVALID: { retryable: false, exitCode: 7, summary: 'the planner answered with no usable storyboard (malformed, partial or out of bounds)' },
  FFMPEG_FAILED: { retryable: false, exitCode: 8, summary: 'an ffmpeg or ffprobe command failed' },
  BUDGET_EXCEEDED: { retryable: false, exitCode: 9, summary: 'the run would cross its cost budget' },
  DISK_FULL: { retryable: false, exitCode: 10, summary: 'the disk (or a quota) is full' },
  NOT_WRITABLE: { retryable: false, exitCode: 10, summary: 'a file or folder cannot be written (permissions, read-only file system)' },
  PATH_INVALID: { retryable: false, exitCode: 10, summary: 'a path is not what it must be (a file where a folder is needed, or the reverse)' },
  RUN_LOCKED: { retryable: false, exitCode: 11, summary: 'another ttv process is working on this run folder' },
  RUN_FOLDER_INVALID: { retryable: false, exitCode: 11, summary: 'the run folder cannot be used as it is (not a ttv run, or unrecoverable)' },
  CANCELLED: { retryable: false, exitCode: 130, summary: 'the operation was cancelled' },
  INTERNAL: { retryable: false, exitCode: 1, summary: 'an unexpected internal error' },
} as const;

export type TtvErrorCode = keyof typeof ERROR_CODES;

export interface TtvErrorOptions {
  /** The config path or request field at fault, e.g. `storyboard.segments[2].duration`. */
  field?: string;
  /** The offending value (never a secret: it is printed). */
  value?: unknown;
  /** What the user should do about it. */
  fix?: string;
  /** Overrides the code's default retryability (e.g. a GENERATION_FAILED the backend knows is transient). */
  retryable?: boolean;
  /** Milliseconds the service asked us to wait before retrying (Retry-After). */
  retryAfterMs?: number;
  /** Whether the failed call was charged by the service (for the cost ledger). */
  chargedUsd?: number;
  /**
   * The remote job itself is fine and can be re-attached (e.g. it succeeded but its output could not be
   * downloaded, or the download was cancelled): the engine keeps the job handle, and the next attempt or run
   * resumes it instead of paying for a new one. Any `chargedUsd` reported here is not counted again when the
   * resumed job reports its cost.
   */
  jobReusable?: boolean;
  cause?: unknown;
  /** Extra machine-readable details (must not contain secrets). */
  details?: Record<string, unknown>;
}

const MARKER = Symbol.for('ttv.error');

/**
 * The one error class of ttv. Check with `TtvError.is(e)` rather than `instanceof`, which fails when two
 * copies of @ttv/core are installed (e.g. one under the CLI and one in a plugin).
 */
export class TtvError extends Error {
  readonly [MARKER] = true;
  readonly code: TtvErrorCode;
  readonly retryable: boolean;
  readonly field?: string;
  readonly value?: unknown;
  readonly fix?: string;
  readonly retryAfterMs?: number;
  readonly chargedUsd?: number;
  readonly jobReusable?: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: TtvErrorCode, message: string, options: TtvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TtvError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
    if (options.field !== undefined) this.field = options.field;
    if (options.value !== undefined) this.value = options.value;
    if (options.fix !== undefined) this.fix = options.fix;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.chargedUsd !== undefined) this.chargedUsd = options.chargedUsd;
    if (options.jobReusable) this.jobReusable = true;
    if (options.details !== undefined) this.details = options.details;
  }

  static is(error: unknown): error is TtvError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }

  /** Exit code a CLI should use for this error. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  /** `[CODE] message` plus the fix on its own line. */
  format(): string {
    return `[${this.code}] ${this.message}${this.fix ? `\n  fix: ${this.fix}` : ''}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.value === undefined ? {} : { value: this.value }),
      ...(this.fix === undefined ? {} : { fix: this.fix }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Shorthand: `new TtvError(code, message, options)`. */
export function ttvError(code: TtvErrorCode, message: string, options?: TtvErrorOptions): TtvError {
  return new TtvError(code, message, options);
}

/** Wraps anything thrown into a TtvError (INTERNAL unless it already is one, or an abort → CANCELLED). */
export function toTtvError(error: unknown, fallback: TtvErrorCode = 'INTERNAL'): TtvError {
  if (TtvError.is(error)) return error;
  if (error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR')) {
    return new TtvError('CANCELLED', 'cancelled', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TtvError(fallback, message, { cause: error });
}

/** Throws CANCELLED if the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new TtvError('CANCELLED', 'cancelled', { cause: signal.reason });
  }
}
