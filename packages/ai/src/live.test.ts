/**
 * Live tier: the real OpenAI and Gemini APIs, only when OPENAI_API_KEY / GOOGLE_GENERATIVE_AI_API_KEY are set
 * (a plan and one small picture each: a few cents). Skipped otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeImage } from '@ttv/core/media';
import { describe, expect, it } from 'vitest';
import { imagesConfigSchema, plannerConfigSchema } from './config.js';
import { context, planRequest } from './helpers.fixture.js';
import images from './images.js';
import planner from './planner.js';

const LIVE = [
  ['openai', 'OPENAI_API_KEY', 'openai:gpt-4o-mini', 'openai:gpt-image-1-mini'],
  ['google', 'GOOGLE_GENERATIVE_AI_API_KEY', 'google:gemini-2.5-flash', 'google:gemini-2.5-flash-image'],
] as const;

for (const [provider, env, textModel, imageModel] of LIVE) {
  describe.skipIf(!process.env[env])(`live ${provider} (${env} set)`, () => {
    it('plans a script within its estimate', async () => {
      const p = await planner.create(plannerConfigSchema.parse({ model: textModel }), { configDir: tmpdir(), env: process.env });
      const request = planRequest();
      const plan = await p.plan(request, context());
      expect(plan.segments).toHaveLength(3);
      expect(plan.segments.every((s) => s.keyframePrompt)).toBe(true);
      expect(plan.costUsd).toBeLessThanOrEqual(p.estimatePlanCost(request).usd);
    }, 120_000);

    it('makes a picture of exactly the requested size', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ttv-ai-live-'));
      try {
        const g = await images.create(imagesConfigSchema.parse({ model: imageModel, quality: 'low' }), { configDir: dir, env: process.env });
        const out = join(dir, 'live.png');
        const result = await g.generate({ prompt: 'A lighthouse on a cliff at dusk, still frame', width: 640, height: 360, outputPath: out }, context());
        expect(await probeImage(out)).toMatchObject({ width: 640, height: 360 });
        expect(result.costUsd).toBeGreaterThan(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 180_000);
  });
}
