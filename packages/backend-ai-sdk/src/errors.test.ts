// Provider errors through the real packages against the emulators: each becomes the ttv code the engine acts on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtvError } from '@ttv/core';
import { makeTestImage } from '@ttv/core/testing';
import { type FalEmulator, type ReplicateEmulator, startFalEmulator, startReplicateEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAiSdkBackend } from './ai-sdk-backend.js';
import { configSchema } from './ai-sdk-config.js';

let fal: FalEmulator;
let replicate: ReplicateEmulator;
let dir: string;
let image: string;

beforeAll(async () => {
  fal = await startFalEmulator();
  replicate = await startReplicateEmulator();
  dir = await mkdtemp(join(tmpdir(), 'ttv-ai-sdk-errors-'));
  image = join(dir, 'a.png');
  await makeTestImage(image, { width: 320, height: 180, pattern: 'testsrc2' });
});
afterAll(async () => {
  await fal?.close();
  await replicate?.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fal.reset();
  replicate.reset();
});

const replicateBackend = (apiKey: string) =>
  createAiSdkBackend(configSchema.parse({ provider: 'replicate', baseURL: `${replicate.url}/v1`, apiKey }), { env: {} });
const request = () => ({
  model: 'google/veo-3.1-fast',
  prompt: 'a lighthouse',
  durationSec: 4,
  width: 1280,
  height: 720,
  firstFrame: image,
  outputPath: join(dir, 'o.mp4'),
});
const ctx = () => ({ signal: new AbortController().signal, log: () => {}, workDir: dir, idempotencyKey: 'k-1' });

async function submitError(promise: Promise<unknown>): Promise<TtvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!TtvError.is(error)) throw new Error(`expected a TtvError, got ${String(error)}`);
  return error;
}

describe('provider errors', () => {
  it('429 is RATE_LIMITED with the retry-after wait; one attempt, no SDK retry', async () => {
    replicate.script.rateLimited({ retryAfterMs: 1500 });
    const error = await submitError(replicateBackend(replicate.apiToken).submit(request(), ctx()));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 1500 });
    expect(replicate.stats()).toMatchObject({ submitAttempts: 1, submissions: 0 });
  });

  it('a wrong token is AUTH naming ai-sdk.apiKey, and the token is not in the error', async () => {
    const error = await submitError(replicateBackend('r8_wrong').submit(request(), ctx()));
    expect(error.code).toBe('AUTH');
    expect(JSON.stringify({ m: error.message, f: error.fix })).not.toContain('r8_wrong');
  });

  it('a missing key is AUTH before any request', async () => {
    const backend = createAiSdkBackend(configSchema.parse({ provider: 'fal', baseURL: fal.url }), { env: {} });
    const error = await submitError(
      backend.submit({ ...request(), model: 'fal-ai/kling-video/v2.1/pro/image-to-video', durationSec: 5, width: 1920, height: 1080 }, ctx()),
    );
    expect(error).toMatchObject({ code: 'AUTH', field: 'ai-sdk.apiKey' });
    expect(fal.requests).toHaveLength(0);
  });

  it('an input the API refuses is INPUT_INVALID naming the field (Replicate 422 invalid_fields)', async () => {
    replicate.faults.inject({
      kind: 'status',
      status: 422,
      body: {
        title: 'Input validation failed',
        detail: '- input.duration: bad',
        status: 422,
        invalid_fields: [{ type: 'enum', field: 'input.duration', description: 'bad' }],
      },
    });
    const error = await submitError(replicateBackend(replicate.apiToken).submit(request(), ctx()));
    expect(error).toMatchObject({ code: 'INPUT_INVALID', field: 'duration' });
  });

  it('402 insufficient credit is QUOTA; 503 is UNAVAILABLE', async () => {
    replicate.faults.inject({ kind: 'status', status: 402, body: { title: 'Insufficient credit', detail: 'You have insufficient credit', status: 402 } });
    expect((await submitError(replicateBackend(replicate.apiToken).submit(request(), ctx()))).code).toBe('QUOTA');
    replicate.script.serverError({ status: 503 });
    expect(await submitError(replicateBackend(replicate.apiToken).submit(request(), ctx()))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('an unknown model in the config is CONFIG_INVALID naming ai-sdk.model with the known ones', () => {
    const parsed = configSchema.safeParse({ provider: 'fal', model: 'fal-ai/nope' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['model'] });
    expect(parsed.error?.issues[0]?.message).toContain('fal-ai/kling-video/v2.1/pro/image-to-video');
  });
});
