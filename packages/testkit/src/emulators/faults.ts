/**
 * A small scriptable fault queue shared by the loopback emulators (Runway, Veo/GCS, …).
 *
 * Each injected fault matches requests by method and path, applies to the next `times` matching requests
 * (default 1; `Infinity`, or `-1` over JSON, means "until cleared") and then drops out of the queue. The first
 * matching fault in injection order wins; a request takes at most one fault.
 *
 * Kinds:
 * - `status`   reply with `status`, `body` (object → JSON, string → as is) and `headers` instead of handling.
 * - `delay`    wait `ms`, then handle the request normally (slow responses / client timeouts). The request is
 *              handled even if the client timed out meanwhile: the work is done, the reply is lost.
 * - `reset`    destroy the socket without replying (the client sees a connection error).
 * - `truncate` handle normally but end the connection cleanly after `bytes` body bytes, although the
 *              response announced the full `Content-Length` (a short download).
 * - `crash`    handle normally but destroy the connection abruptly after `bytes` body bytes (a server crash
 *              mid-write; default: half of the announced Content-Length, else 0).
 */

export interface FaultMatch {
  /** HTTP method, case-insensitive. Any when omitted. */
  method?: string;
  /**
   * Path (without query). A string matches exactly, or as a pattern with `:param` segments and `*`
   * wildcards (`/v1/tasks/:id`, `/outputs/*`). A RegExp is tested against the path.
   */
  path?: string | RegExp;
}

interface FaultBase {
  match?: FaultMatch;
  /** How many matching requests this fault applies to (default 1). `Infinity` = until cleared. */
  times?: number;
}

export interface StatusFault extends FaultBase {
  kind: 'status';
  status: number;
  /** Object → JSON; string → sent as is. Omitted → the emulator's default error body for `status`. */
  body?: unknown;
  headers?: Record<string, string>;
}
export interface DelayFault extends FaultBase {
  kind: 'delay';
  ms: number;
}
export interface ResetFault extends FaultBase {
  kind: 'reset';
}
export interface TruncateFault extends FaultBase {
  kind: 'truncate';
  /** Body bytes to send before closing the connection. */
  bytes: number;
}
export interface CrashFault extends FaultBase {
  kind: 'crash';
  /** Body bytes to send before destroying the connection (default: half the Content-Length). */
  bytes?: number;
}

export type Fault = StatusFault | DelayFault | ResetFault | TruncateFault | CrashFault;
export type FaultKind = Fault['kind'];

/** A fault as it sits in the queue, with its remaining count. */
export type QueuedFault = Fault & { remaining: number };

/** Splits a path pattern into a RegExp: `:name` matches one segment, `*` anything. */
export function pathPatternToRegExp(pattern: string): RegExp {
  let source = '';
  for (const part of pattern.split(/(:[A-Za-z_][A-Za-z0-9_]*|\*)/)) {
    if (part === '*') source += '.*';
    else if (part.startsWith(':') && part.length > 1) source += '[^/]+';
    else source += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export function matchesPath(path: string, pattern: string | RegExp | undefined): boolean {
  if (pattern === undefined) return true;
  if (pattern instanceof RegExp) {
    pattern.lastIndex = 0;
    return pattern.test(path);
  }
  if (pattern === path) return true;
  if (pattern.includes(':') || pattern.includes('*')) return pathPatternToRegExp(pattern).test(path);
  return false;
}

export function matchesRequest(method: string, path: string, match: FaultMatch | undefined): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== method.toUpperCase()) return false;
  return matchesPath(path, match.path);
}

const KINDS: ReadonlySet<string> = new Set(['status', 'delay', 'reset', 'truncate', 'crash']);

/**
 * Parses a fault from JSON (the `POST /__emulator/faults` body). Besides the TypeScript shape it accepts
 * `match.pathRegex` (a RegExp source string) and `times: -1` for "until cleared".
 */
export function faultFromJson(value: unknown): Fault {
  if (typeof value !== 'object' || value === null) throw new TypeError('fault must be an object');
  const raw = { ...(value as Record<string, unknown>) };
  if (typeof raw['kind'] !== 'string' || !KINDS.has(raw['kind'])) {
    throw new TypeError(`fault.kind must be one of ${[...KINDS].join(', ')}`);
  }
  if (raw['times'] === -1 || raw['times'] === null) raw['times'] = Infinity;
  const m = raw['match'] as Record<string, unknown> | undefined;
  if (m && typeof m === 'object') {
    const match: FaultMatch = {};
    if (typeof m['method'] === 'string') match.method = m['method'];
    if (typeof m['pathRegex'] === 'string') match.path = new RegExp(m['pathRegex']);
    else if (typeof m['path'] === 'string') match.path = m['path'];
    raw['match'] = match;
  }
  const kind = raw['kind'];
  if (kind === 'status' && typeof raw['status'] !== 'number') throw new TypeError('status fault needs a numeric status');
  if (kind === 'delay' && typeof raw['ms'] !== 'number') throw new TypeError('delay fault needs numeric ms');
  if (kind === 'truncate' && typeof raw['bytes'] !== 'number') throw new TypeError('truncate fault needs numeric bytes');
  return raw as unknown as Fault;
}

/** JSON view of a queued fault (RegExp paths become `pathRegex`, Infinity becomes -1). */
export function faultToJson(fault: QueuedFault): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fault };
  if (fault.match) {
    const { path, ...rest } = fault.match;
    out['match'] = path instanceof RegExp ? { ...rest, pathRegex: path.source } : { ...fault.match };
  }
  if (fault.remaining === Infinity) out['remaining'] = -1;
  if (fault.times === Infinity) out['times'] = -1;
  return out;
}

export class FaultQueue {
  #queue: QueuedFault[] = [];

  /** Adds one or more faults at the end of the queue. Returns `this` for chaining. */
  inject(...faults: Array<Fault | Fault[]>): this {
    for (const f of faults.flat()) {
      const times = f.times ?? 1;
      if (!(times > 0)) throw new RangeError(`fault.times must be > 0 (got ${times})`);
      this.#queue.push({ ...f, remaining: times });
    }
    return this;
  }

  /** Alias of `inject`. */
  push(...faults: Array<Fault | Fault[]>): this {
    return this.inject(...faults);
  }

  /** Removes every pending fault. */
  clear(): void {
    this.#queue = [];
  }

  /** The pending faults (copies). */
  list(): QueuedFault[] {
    return this.#queue.map((f) => ({ ...f }));
  }

  get size(): number {
    return this.#queue.length;
  }

  /** Takes the first fault matching the request (decrementing its count), or undefined. */
  take(method: string, path: string): Fault | undefined {
    const index = this.#queue.findIndex((f) => matchesRequest(method, path, f.match));
    if (index < 0) return undefined;
    const fault = this.#queue[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#queue.splice(index, 1);
    const { remaining: _remaining, ...rest } = fault;
    return rest as Fault;
  }
}
