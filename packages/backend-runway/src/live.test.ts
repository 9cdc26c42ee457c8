// Against the real Runway API, through core's callBackend: runs only when RUNWAYML_API_SECRET is set (skipped
// otherwise). The generation test spends about 10 credits ($0.10): one 2 s gen4_turbo clip.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { callBackend } from '@ttv/core/backend';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseRequest, recordingContext, rejection, tempDir } from './helpers.fixture.js';
import { createRunwayBackend } from './runway-backend.js';
import { configSchema } from './runway-config.js';

const key = process.env['RUNWAYML_API_SECRET'];

describe.skipIf(!key)('runway live API (RUNWAYML_API_SECRET set)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let image: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('ttv-runway-live-'));
    image = join(dir, 'first.png');
    await makeTestImage(image, { width: 1280, height: 720 });
  });
  afterAll(async () => cleanup?.());

  it('doctor: the key is accepted and the balance is readable (free)', async () => {
    const backend = createRunwayBackend(configSchema.parse({}), { env: process.env });
    const checks = await backend.doctor();
    expect(
      checks.every((c) => c.ok),
      JSON.stringify(checks),
    ).toBe(true);
    expect(JSON.stringify(checks)).not.toContain(key!);
  });

  it('a wrong key is AUTH and is never echoed (free)', async () => {
    const wrong = `key_${'0'.repeat(128)}`;
    const backend = createRunwayBackend(configSchema.parse({}), { env: { ...process.env, RUNWAYML_API_SECRET: wrong } });
    const workDir = join(dir, 'w-auth');
    await mkdir(workDir, { recursive: true });
    const error = await rejection(callBackend(backend, baseRequest(dir, image, { outputPath: join(dir, 'auth.mp4') }), recordingContext(workDir).ctx));
    expect(error.code).toBe('AUTH');
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain(wrong);
  });

  it(
    'generates a 2 s gen4_turbo clip at 1280x720 and reports the task cost',
    async () => {
      const backend = createRunwayBackend(configSchema.parse({ polling: { intervalMs: 5000 } }), { env: process.env });
      const workDir = join(dir, 'w-gen');
      await mkdir(workDir, { recursive: true });
      const rec = recordingContext(workDir);
      const request = baseRequest(dir, image, { outputPath: join(dir, 'live.mp4'), prompt: 'slow camera push in, soft light' });
      const result = await callBackend(backend, request, rec.ctx);
      expect(rec.jobs).toHaveLength(1);
      const probe = await probeVideo(result.file);
      expect(probe.durationSec).toBeGreaterThan(1.5);
      expect(probe.width / probe.height).toBeCloseTo(16 / 9, 1);
      expect(result.costUsd).toBeGreaterThan(0);
      expect(result.costUsd).toBeLessThanOrEqual(0.2);
    },
    15 * 60_000,
  );
});
