import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { TtvError } from '@ttv/core';
import type { FilmRecord } from './films.js';
import type { FilmStatusReply } from './service.js';
import { fileRefs, parseConfigValue } from './submission.js';

export interface ApiClientOptions {
  /** The server, e.g. http://127.0.0.1:8080 */
  url: string;
  token: string;
  /** Per request (default 60 s; a submission with large images may need more). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ApiClient {
  /** Submits a ttv.yaml and the images it names (uploaded under their file names). */
  submit(configFile: string, options?: { queue?: string }): Promise<{ film: FilmRecord; created: boolean }>;
  status(id: string): Promise<FilmStatusReply>;
  list(): Promise<FilmRecord[]>;
  cancel(id: string): Promise<FilmRecord>;
}

/** The JSON body of a submission from a config file: images read from beside it, references renamed to bare names. */
export async function submissionBody(configFile: string, queue?: string): Promise<Record<string, unknown>> {
  const config = parseConfigValue(await readFile(configFile, 'utf8'));
  const images = new Map<string, { name: string; data: string }>();
  for (const ref of fileRefs(config)) {
    if (typeof ref.value !== 'string') continue;
    const path = resolve(dirname(configFile), ref.value);
    const existing = images.get(path);
    const name =
      existing?.name ??
      uniqueName(
        basename(path),
        [...images.values()].map((i) => i.name),
      );
    if (!existing) images.set(path, { name, data: (await readFile(path)).toString('base64') });
    ref.set(name);
  }
  return { config, images: [...images.values()], ...(queue ? { queue } : {}) };
}

function uniqueName(name: string, taken: string[]): string {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length).replace(/[^A-Za-z0-9_-]/g, '_') || 'image';
  let candidate = `${stem}${ext}`;
  for (let n = 2; taken.includes(candidate); n++) candidate = `${stem}-${n}${ext}`;
  return candidate;
}

/** A client of the HTTP API: every request with a timeout and the caller's AbortSignal; errors as TtvError with the server's code. */
export function apiClient(options: ApiClientOptions): ApiClient {
  const base = options.url.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        signal,
        headers: { authorization: `Bearer ${options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      const code = timeout.aborted ? 'TIMEOUT' : options.signal?.aborted ? 'CANCELLED' : 'UNAVAILABLE';
      throw new TtvError(code, `${method} ${base}${path}: ${(cause as Error).message}`, { cause });
    }
    const json = (await res.json().catch(() => ({}))) as { ok?: boolean; error?: { code?: string; message?: string; field?: string; fix?: string } };
    if (res.ok && json.ok) return json as T;
    const e = json.error ?? {};
    const code = (e.code ?? (res.status >= 500 ? 'UNAVAILABLE' : 'INTERNAL')) as TtvError['code'];
    throw new TtvError(code, `${e.message ?? `HTTP ${res.status}`} (HTTP ${res.status})`, {
      ...(e.field ? { field: e.field } : {}),
      ...(e.fix ? { fix: e.fix } : {}),
    });
  };
  return {
    submit: async (configFile, o = {}) => call('POST', '/v1/films', await submissionBody(configFile, o.queue)),
    status: async (id) => (await call<{ film: FilmStatusReply }>('GET', `/v1/films/${encodeURIComponent(id)}`)).film,
    list: async () => (await call<{ films: FilmRecord[] }>('GET', '/v1/films')).films,
    cancel: async (id) => (await call<{ film: FilmRecord }>('POST', `/v1/films/${encodeURIComponent(id)}/cancel`)).film,
  };
}
