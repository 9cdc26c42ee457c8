// Against the real Runway API: runs only when RUNWAYML_API_SECRET is set (skipped otherwise). The generation test
// spends 5 credits ($0.05): one gen4_image still at 720p.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { probeImage } from '@ttv/core/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, tempDir } from '../helpers.fixture.js';
import { imagesConfigSchema } from './config.js';
import images from './index.js';

const key = process.env['RUNWAYML_API_SECRET'];

describe.skipIf(!key)('runway-images live API (RUNWAYML_API_SECRET set)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('ttv-runway-images-live-'));
    await mkdir(join(dir, 'work'), { recursive: true });
  });
  afterAll(async () => cleanup?.());
  const ctx = () => ({ signal: new AbortController().signal, log: () => {}, workDir: join(dir, 'work') });

  it('a wrong key is AUTH and is never echoed (free)', async () => {
    const wrong = `key_${'0'.repeat(128)}`;
    const g = await images.create(imagesConfigSchema.parse({}), { configDir: dir, env: { ...process.env, RUNWAYML_API_SECRET: wrong } });
    const error = await rejection(g.generate({ prompt: 'a lighthouse', width: 640, height: 360, outputPath: join(dir, 'auth.png') }, ctx()));
    expect(error.code).toBe('AUTH');
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain(wrong);
  });

  it(
    'makes a gen4_image still of exactly 1280x720 and reports its cost (5 credits)',
    async () => {
      const g = await images.create(imagesConfigSchema.parse({ polling: { intervalMs: 5000 } }), { configDir: dir, env: process.env });
      const request = { prompt: 'A lighthouse on a cliff at dusk, still frame, no text', width: 1280, height: 720, seed: 7, outputPath: join(dir, 'live.png') };
      const result = await g.generate(request, ctx());
      expect(await probeImage(result.file)).toMatchObject({ format: 'png', width: 1280, height: 720 });
      expect(result.costUsd).toBeGreaterThan(0);
      expect(result.costUsd).toBeLessThanOrEqual(g.estimateCost(request).usd);
    },
    10 * 60_000,
  );
});
