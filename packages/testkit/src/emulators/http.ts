/**
 * The shared base of the loopback emulators: a node:http server on an ephemeral port that records every
 * request (before handling it), applies scripted faults (see faults.ts) and serves a small control API:
 *
 * - `GET    /__emulator/requests`  recorded requests as JSON (bodies as `json` when parseable, else base64)
 * - `DELETE /__emulator/requests`  forget recorded requests
 * - `GET    /__emulator/faults`    pending faults
 * - `POST   /__emulator/faults`    inject a fault or an array of faults (JSON, see `faultFromJson`)
 * - `DELETE /__emulator/faults`    clear faults
 * - `POST   /__emulator/reset`     `reset()`: requests, faults and the emulator's own state (`onReset`)
 *
 * Control requests (every `/__emulator/*` path) are not recorded and never faulted. `/__emulator/*` paths other
 * than the above reach the handler, so an emulator can add its own controls.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Fault, FaultQueue, faultFromJson, faultToJson, matchesPath } from './faults.js';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON when it is JSON. */
  json?: unknown;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** The fault applied to it, if any. */
  fault?: Fault['kind'];
  /** HTTP status of the reply once it has been sent in full (undefined while pending, or if the connection died). */
  status?: number;
}

export type EmulatorHandler = (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest) => void | Promise<void>;

export interface HttpEmulatorOptions {
  /** Shown in error bodies and logs. */
  name: string;
  handler: EmulatorHandler;
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Body of a `status` fault injected without a body (default `{"error": "<name>: injected HTTP <status>"}`). */
  faultBody?: (status: number) => unknown;
  /** Called by `reset()` after requests and faults are cleared (emulator-specific state). */
  onReset?: () => void;
}

export interface EmulatorServer {
  name: string;
  /** `http://host:port` without a trailing slash. */
  url: string;
  port: number;
  /** Every non-control request, in arrival order (recorded before handling). */
  requests: RecordedRequest[];
  faults: FaultQueue;
  /** Stops the server, destroying open connections. Idempotent. */
  close(): Promise<void>;
  /** Forgets recorded requests, clears faults and resets emulator state. */
  reset(): void;
  /** Recorded requests with this method (case-insensitive, `*` = any) and path (exact, `:param`/`*` pattern or RegExp). */
  requestsTo(method: string, pathPattern: string | RegExp): RecordedRequest[];
}

/** Sends a JSON reply. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(data.length), ...headers });
  res.end(data);
}

/** Sends a reply with a string or Buffer body. */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(data.length), ...headers });
  res.end(data);
}

/** Sends an empty reply (e.g. 204). */
export function sendEmpty(res: ServerResponse, status = 204, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

function parseQuery(search: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of search) out[k] = v;
  return out;
}

function tryJson(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  // JSON content types, and JSON-looking bodies sent as text (e.g. `curl -d` or fetch with a string body).
  if (contentType && !/json|text\/plain|x-www-form-urlencoded/i.test(contentType)) return undefined;
  const first = body.subarray(0, 64).toString('utf8').trimStart()[0];
  if (first !== '{' && first !== '[' && !(contentType && /json/i.test(contentType))) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Wraps `res.write`/`res.end` so that at most `limit` body bytes reach the socket; then the connection is
 * ended (`graceful`) or destroyed. `limit` may be computed from the Content-Length once headers are known.
 */
function cutResponse(res: ServerResponse, socket: Socket, limitFor: (contentLength: number | undefined) => number, graceful: boolean): void {
  let sent = 0;
  let cut = false;
  const origWrite = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const origEnd = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  const origWriteHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  // writeHead(status, {headers}) does not always store headers where getHeader() sees them: capture the length.
  let announced: number | undefined;
  res.writeHead = ((...args: unknown[]) => {
    for (const a of args) {
      if (a && typeof a === 'object' && !Array.isArray(a)) {
        for (const [k, v] of Object.entries(a as Record<string, unknown>)) {
          if (k.toLowerCase() === 'content-length') announced = Number(v);
        }
      }
    }
    return origWriteHead(...args);
  }) as ServerResponse['writeHead'];
  const contentLength = (): number | undefined => {
    if (announced !== undefined) return announced;
    const header = res.getHeader('content-length');
    return header === undefined ? undefined : Number(header);
  };
  const finish = (): void => {
    if (cut) return;
    cut = true;
    if (graceful) {
      // Flushes what was written, then FIN: the client sees fewer bytes than Content-Length.
      socket.end();
    } else {
      setImmediate(() => socket.destroy());
    }
  };
  const handle = (chunk: unknown, encoding?: unknown): boolean => {
    if (cut) return false;
    if (chunk === undefined || chunk === null) return true;
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk)
        : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    const limit = limitFor(contentLength());
    const room = Math.max(0, limit - sent);
    if (buf.length <= room) {
      sent += buf.length;
      return origWrite(buf);
    }
    if (room > 0) origWrite(buf.subarray(0, room));
    else res.flushHeaders();
    sent += room;
    finish();
    return false;
  };
  res.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    const ok = handle(chunk, encoding);
    const callback = typeof encoding === 'function' ? encoding : cb;
    if (typeof callback === 'function') queueMicrotask(() => (callback as () => void)());
    return ok;
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    if (typeof chunk !== 'function') handle(chunk, encoding);
    if (cut) return res;
    const length = contentLength();
    if (length !== undefined && sent < length) {
      // Everything the handler wrote fitted under the limit but the client was promised more: cut here.
      if (sent === 0) res.flushHeaders();
      finish();
      return res;
    }
    const callback = [chunk, encoding, cb].find((a) => typeof a === 'function');
    return callback ? origEnd(callback) : origEnd();
  }) as ServerResponse['end'];
}

/** The shared control API under `/__emulator/` (requests, faults, reset); false when the path is not one of them. */
function handleControl(emulator: EmulatorServer, req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): boolean {
  const { requests, faults } = emulator;
  const method = req.method ?? 'GET';
  if (path === '/__emulator/requests') {
    if (method === 'GET') {
      sendJson(res, 200, requests.map(requestJson));
      return true;
    }
    if (method === 'DELETE') {
      requests.length = 0;
      sendEmpty(res);
      return true;
    }
  }
  if (path === '/__emulator/faults') {
    if (method === 'GET') {
      sendJson(res, 200, faults.list().map(faultToJson));
      return true;
    }
    if (method === 'POST') {
      try {
        const parsed = JSON.parse(body.toString('utf8')) as unknown;
        const list = (Array.isArray(parsed) ? parsed : [parsed]).map(faultFromJson);
        faults.inject(list);
        sendJson(res, 200, faults.list().map(faultToJson));
      } catch (error) {
        sendJson(res, 400, { error: `invalid fault: ${(error as Error).message}` });
      }
      return true;
    }
    if (method === 'DELETE') {
      faults.clear();
      sendEmpty(res);
      return true;
    }
  }
  if (path === '/__emulator/reset' && method === 'POST') {
    emulator.reset();
    sendEmpty(res);
    return true;
  }
  return false;
}

function requestJson(r: RecordedRequest): Record<string, unknown> {
  return {
    method: r.method,
    path: r.path,
    query: r.query,
    headers: r.headers,
    at: r.at,
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(r.fault ? { fault: r.fault } : {}),
    ...(r.json !== undefined ? { json: r.json } : { bodyBase64: r.body.toString('base64'), bodyBytes: r.body.length }),
  };
}

/** Applies a taken fault: true when it answered (or dropped) the request, false when the handler still runs. */
async function applyFault(
  fault: Fault | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  defaultFaultBody: (status: number) => unknown,
): Promise<boolean> {
  switch (fault?.kind) {
    case 'status': {
      const b = fault.body === undefined ? defaultFaultBody(fault.status) : fault.body;
      const headers = { ...(fault.headers ?? {}) };
      if (typeof b === 'string') {
        // Caller headers come last in sendBody, so an explicit content-type wins.
        sendBody(res, fault.status, b, b.trimStart().startsWith('<') ? 'application/xml' : 'text/plain; charset=utf-8', headers);
      } else {
        sendJson(res, fault.status, b, headers);
      }
      return true;
    }
    case 'reset':
      req.socket.destroy();
      return true;
    case 'delay':
      // Handled even if the client gave up meanwhile, like a real server finishing the work: the reply is lost.
      await sleep(fault.ms);
      return false;
    case 'truncate':
      cutResponse(res, req.socket, () => fault.bytes, true);
      return false;
    case 'crash':
      cutResponse(res, req.socket, (len) => fault.bytes ?? Math.floor((len ?? 0) / 2), false);
      return false;
    default:
      return false;
  }
}

/** One request: the emulator's controls are answered; anything else is recorded, faulted if a fault is queued, and handled. */
async function serveRequest(
  emulator: EmulatorServer,
  handler: EmulatorHandler,
  defaultFaultBody: (status: number) => unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const path = url.pathname;
  const method = (req.method ?? 'GET').toUpperCase();
  const body = await readBody(req);
  if (path.startsWith('/__emulator/') && handleControl(emulator, req, res, path, body)) return;

  const rec: RecordedRequest = {
    method,
    path,
    query: parseQuery(url.searchParams),
    headers: req.headers,
    body,
    at: Date.now(),
  };
  const json = tryJson(body, req.headers['content-type']);
  if (json !== undefined) rec.json = json;
  // The emulator's own controls (`/__emulator/*`) are neither recorded nor faulted.
  if (path.startsWith('/__emulator/')) return handler(req, res, rec);
  emulator.requests.push(rec);
  res.on('error', () => {}); // writes after the client went away are dropped
  res.once('finish', () => {
    rec.status = res.statusCode;
  });

  const fault = emulator.faults.take(method, path);
  if (fault) rec.fault = fault.kind;
  if (await applyFault(fault, req, res, defaultFaultBody)) return;
  await handler(req, res, rec);
}

/** Listens on `port` (0: an ephemeral one) at `host`; the address it got. */
async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Starts an HTTP emulator on `host:port` (default 127.0.0.1, ephemeral). */
export async function startHttpEmulator(options: HttpEmulatorOptions): Promise<EmulatorServer> {
  const { name, handler, host = '127.0.0.1', port = 0 } = options;
  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();
  const sockets = new Set<Socket>();
  const defaultFaultBody = options.faultBody ?? ((status: number) => ({ error: `${name}: injected HTTP ${status}` }));

  const emulator: EmulatorServer = {
    name,
    url: '',
    port: 0,
    requests,
    faults,
    close: async () => {},
    reset() {
      requests.length = 0;
      faults.clear();
      options.onReset?.();
    },
    requestsTo(method, pathPattern) {
      const m = method.toUpperCase();
      return requests.filter((r) => (m === '*' || r.method === m) && matchesPath(r.path, pathPattern));
    },
  };

  const server = createServer((req, res) => {
    serveRequest(emulator, handler, defaultFaultBody, req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.socket?.destroyed) {
        sendJson(res, 500, { error: `${name} emulator error: ${(error as Error)?.message ?? String(error)}` });
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const address = await listen(server, port, host);
  emulator.port = address.port;
  const urlHost = address.family === 'IPv6' || host.includes(':') ? `[${address.address}]` : host;
  emulator.url = `http://${urlHost}:${address.port}`;

  let closing: Promise<void> | undefined;
  emulator.close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
    });
    return closing;
  };
  return emulator;
}
