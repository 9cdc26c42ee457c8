/** Test helpers: the backend pointed at the Veo + GCS emulator from @ttv/testkit (real genai and storage clients). */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GenerateRequest, type JobHandle, type ProgressUpdate, TtvError } from '@ttv/core';
import type { CallOptions } from '@ttv/core/backend';
import { makeTestImage } from '@ttv/core/testing';
import type { VeoEmulator } from '@ttv/testkit';
import { expect } from 'vitest';
import { VeoBackend, type VeoDependencies } from './veo3-backend.js';
import { configSchema, type VeoConfig, type VeoConfigInput } from './veo3-config.js';

export const TOKEN = 'ya29.ttv-test-access-token-0123456789';
export const API_KEY = 'AQ.ttv-express-test-key-0123456789';

/** Removes the env vars genai / google-auth read, so a developer's shell cannot redirect or authenticate. */
export function clearGoogleEnv(): void {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('GOOGLE_') || key.startsWith('GEMINI_') || key === 'STORAGE_EMULATOR_HOST' || key.startsWith('CLOUDSDK_')) delete process.env[key];
  }
}

/** A config section that talks to the emulator with a fixed access token, polling fast. */
export function emulatorConfig(emu: VeoEmulator, overrides: VeoConfigInput = {}): VeoConfig {
  return configSchema.parse({
    auth: 'access-token',
    accessToken: TOKEN,
    project: emu.project,
    location: emu.location,
    baseUrl: emu.url,
    storageEndpoint: emu.url,
    ...overrides,
    polling: { intervalMs: 5, maxIntervalMs: 25, jitter: 0, ...overrides.polling },
  });
}

export function makeBackend(emu: VeoEmulator, overrides: VeoConfigInput = {}, deps: VeoDependencies = {}): VeoBackend {
  return new VeoBackend(emulatorConfig(emu, overrides), { env: {}, ...deps });
}

export interface Fixture {
  dir: string;
  /** 320×180 gradient PNG. */
  first: string;
  /** 320×180 test pattern PNG. */
  last: string;
  /** 400×300 picture (4:3, exercises fitting). */
  square: string;
  cleanup(): Promise<void>;
}

export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-veo3-'));
  const fx = { dir, first: join(dir, 'first.png'), last: join(dir, 'last.png'), square: join(dir, 'square.png') };
  await Promise.all([
    makeTestImage(fx.first, { width: 320, height: 180, pattern: 'gradient' }),
    makeTestImage(fx.last, { width: 320, height: 180, pattern: 'testsrc2' }),
    makeTestImage(fx.square, { width: 400, height: 300, pattern: 'mandelbrot' }),
  ]);
  return { ...fx, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

let outputs = 0;

export async function request(fx: Fixture, overrides: Partial<GenerateRequest> = {}): Promise<GenerateRequest> {
  const out = join(fx.dir, `out-${++outputs}`);
  await mkdir(out, { recursive: true });
  const r: GenerateRequest = {
    model: 'veo-3.1-fast-generate-001',
    prompt: 'a slow push across a colourful gradient',
    durationSec: 4,
    width: 1280,
    height: 720,
    firstFrame: fx.first,
    seed: 7,
    outputPath: join(out, 'clip.mp4'),
    ...overrides,
  };
  for (const [k, v] of Object.entries(overrides)) if (v === undefined) delete (r as unknown as Record<string, unknown>)[k];
  return r;
}

/** What a test gives `callBackend(backend, request, ctx)`: the engine's side of one call, recorded. */
export interface Recorded {
  ctx: CallOptions;
  controller: AbortController;
  jobs: JobHandle[];
  progress: ProgressUpdate[];
  logs: string[];
}

export async function context(fx: Fixture, overrides: Partial<CallOptions> & { onJobHook?: (job: JobHandle) => void } = {}): Promise<Recorded> {
  const controller = new AbortController();
  const workDir = join(fx.dir, `work-${++outputs}`);
  await mkdir(workDir, { recursive: true });
  const { onJobHook, ...rest } = overrides;
  const rec: Recorded = {
    controller,
    jobs: [],
    progress: [],
    logs: [],
    ctx: {
      signal: controller.signal,
      workDir,
      log: (line) => rec.logs.push(line),
      onProgress: (u) => rec.progress.push(u),
      onJob: async (job) => {
        rec.jobs.push(job);
        onJobHook?.(job);
      },
      ...rest,
    },
  };
  return rec;
}

export async function rejection(promise: Promise<unknown>): Promise<TtvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TtvError.is(error), `expected a TtvError, got ${String(error)}`).toBe(true);
  return error as TtvError;
}
