/** Helpers shared by this package's tests (not exported from the package). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GenerateRequest, type JobHandle, type ProgressUpdate, TtvError } from '@ttv/core';
import type { CallOptions } from '@ttv/core/backend';
import type { RunwayEmulator } from '@ttv/testkit';
import { createRunwayBackend, type RunwayBackend, type RunwayBackendOptions } from './runway-backend.js';
import { configSchema, type RunwayConfigInput } from './runway-config.js';

export async function tempDir(prefix = 'ttv-runway-backend-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A backend pointed at the emulator, with fast polling. */
export function backendFor(
  emu: RunwayEmulator,
  config: RunwayConfigInput = {},
  options: Omit<RunwayBackendOptions, 'apiKey' | 'apiKeySource' | 'baseUrl'> = {},
): RunwayBackend {
  const parsed = configSchema.parse({
    baseUrl: emu.url,
    polling: { intervalMs: 20, maxIntervalMs: 60, jitter: 0.1 },
    timeouts: { requestMs: 5000 },
    ...config,
  });
  return createRunwayBackend(parsed, { env: { RUNWAYML_API_SECRET: emu.apiKey } }, options);
}

export interface Recorded {
  /** What `callBackend(backend, request, rec.ctx)` gets: records jobs, progress and logs. */
  ctx: CallOptions;
  jobs: JobHandle[];
  progress: ProgressUpdate[];
  logs: string[];
  abort: AbortController;
}

export function recordingContext(workDir: string, overrides: Partial<CallOptions> = {}): Recorded {
  const abort = new AbortController();
  const rec: Recorded = { jobs: [], progress: [], logs: [], abort, ctx: undefined as never };
  rec.ctx = {
    signal: abort.signal,
    onProgress: (p) => rec.progress.push(p),
    onJob: async (j) => {
      rec.jobs.push(j);
    },
    log: (l) => rec.logs.push(l),
    workDir,
    ...overrides,
  };
  return rec;
}

export function baseRequest(dir: string, image: string, overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'gen4_turbo',
    prompt: 'a slow push in on a lighthouse at dusk',
    durationSec: 2,
    width: 1280,
    height: 720,
    firstFrame: image,
    outputPath: join(dir, 'out.mp4'),
    ...overrides,
  };
}

/** Awaits a promise that must reject with a TtvError, and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<TtvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!TtvError.is(error)) throw new Error(`expected a TtvError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  return error;
}

/** A PNG file as a data URI. */
export async function dataUri(file: string, mimeType = 'image/png'): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return `data:${mimeType};base64,${(await readFile(file)).toString('base64')}`;
}
