// Issue #12 with the AI SDK plugins: a 300-word script and no images become a keyframe-mode film, planned by
// @ttv/ai's planner and drawn by its image generator against the OpenAI emulator (the real @ai-sdk/openai client),
// with kenburns for video. A second run pays nothing again: zero LLM calls, zero pictures.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeImage, probeVideo } from '@ttv/core/media';
import { startOpenAIEmulator } from '@ttv/testkit/emulators';
import { afterAll, expect, it } from 'vitest';
import { scratchDir, ttv, writeConfig } from './helpers.js';

const dir = scratchDir('ai-film');
const emu = await startOpenAIEmulator({ imageScale: 8 });
afterAll(() => emu.close());

const SCRIPT = Array.from({ length: 20 }, (_, i) => `In scene ${i + 1} the lighthouse keeper walks the cliff path slowly, watching the grey sea.`).join(' ');
const ai = (entry: string) => fileURLToPath(new URL(`../../../ai/dist/${entry}.js`, import.meta.url));

it('script → AI plan → AI keyframes → film; the re-run asks the LLM and the image model nothing', async () => {
  const file = await writeConfig(
    dir,
    [
      'name: ai-film',
      'mode: keyframe',
      'backend: kenburns',
      'output: { width: 320, height: 180, fps: 24 }',
      'segmentDuration: 1',
      `planner: ${ai('planner')}`,
      `ai-planner: { model: openai:gpt-4o-mini, baseURL: ${emu.baseURL}, apiKey: ${emu.apiKey} }`,
      `images: ${ai('images')}`,
      `ai-images: { model: openai:gpt-image-1, quality: low, baseURL: ${emu.baseURL}, apiKey: ${emu.apiKey} }`,
      'storyboard:',
      '  totalDuration: 5',
      `  prompt: >-\n    ${SCRIPT}`,
      '',
    ].join('\n'),
  );
  const first = await ttv(['generate', '--config', file, '--json'], { timeoutMs: 300_000 });
  expect(first.exitCode, first.stderr).toBe(0);
  const out = JSON.parse(first.stdout);
  expect(out.status).toBe('done');
  expect(out.segments).toHaveLength(5);
  expect(await probeVideo(out.video, { countFrames: true })).toMatchObject({ frames: 5 * 24 - 4, width: 320, height: 180 });
  const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
  for (const k of [manifest.images.first, ...manifest.images.keyframes]) {
    expect(await probeImage(join(out.runDir, k.path))).toMatchObject({ width: 320, height: 180 });
  }
  expect(manifest.segments[0].prompt).toMatch(/In scene 1 /);
  const paid = emu.stats();
  expect(paid.requests['/v1/responses']).toBe(1);
  expect(paid.images).toBe(6); // the first frame and five keyframes
  expect(out.totalCostUsd).toBeCloseTo(paid.paidUsd + 5 * 0.01, 6); // + one cent per input picture (keyframes chain from the previous one)

  const again = await ttv(['generate', '--config', file, '--json'], { timeoutMs: 300_000 });
  expect(again.exitCode, again.stderr).toBe(0);
  expect(emu.stats().requests).toEqual(paid.requests);
}, 400_000);
