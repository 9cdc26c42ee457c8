// Films through runPipeline with the new presets against their stand-ins: extend mode with skyreels-v2-df (each
// segment after the first continues the previous clip; the film has every frame of every continuation, no seam frame
// twice) and keyframe mode with ltx-2 (a picture pinned inside a segment reaches the CLI at its frame index).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendRegistry, parseConfig, runPipeline } from '@ttv/core';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { readRunRecords } from '@ttv/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backend } from './command-plugin.js';
import { localModelConfigs } from './local-models.fixture.js';

let dir: string;
const registry = {
  load: async () => ({ plugin: backend, specifier: '@ttv/backend-command', url: 'memory:command' }),
  listInstalled: () => [],
  isInstalled: () => true,
} as unknown as BackendRegistry;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ttv-local-films-'));
  for (const [name, pattern] of [
    ['start', 'gradient'],
    ['end1', 'testsrc2'],
    ['end2', 'gradient'],
    ['pin', 'testsrc2'],
  ] as const) {
    await makeTestImage(join(dir, `${name}.png`), { width: 768, height: 512, pattern });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function film(name: string, preset: 'ltx-2' | 'skyreels-v2-df', core: Record<string, unknown>) {
  const record = join(dir, `${name}.jsonl`);
  const yaml = JSON.stringify({ backend: 'command', seed: 5, command: localModelConfigs(join(dir, 'models'), { record })[preset], ...core });
  const config = await parseConfig(yaml, join(dir, 'ttv.yaml'), { registry });
  const r = await runPipeline({ config, registry, runDir: join(dir, name) });
  return { r, runs: readRunRecords(record), final: await probeVideo(r.video, { countFrames: true }) };
}

it('extend mode, skyreels-v2-df: segments 2 and 3 continue the previous clip; the film is the first clip plus each continuation', async () => {
  const { r, runs, final } = await film('extend', 'skyreels-v2-df', {
    mode: 'extend',
    segmentDuration: 1,
    output: { width: 240, height: 136, fps: 24 },
    storyboard: { image: 'start.png', segments: [{ prompt: 'a kite rises' }, { prompt: 'it loops' }, { prompt: 'it dives' }] },
  });
  expect(r.manifest.segments.map((s) => s.continuation)).toEqual([undefined, 'extend', 'extend']);
  expect(runs.map((x) => [x.extend, x.numFrames])).toEqual([
    [false, 25],
    [true, 24 + 17],
    [true, 24 + 17],
  ]);
  expect(runs[1]!.argv[runs[1]!.argv.indexOf('--video_path') + 1]).toMatch(/seg-000\.mp4$/);
  expect(runs.slice(1).map((x) => x.inputFrames)).toEqual([25, 24]);
  expect(final.frames).toBe(25 + 24 + 24);
}, 120_000);

it('keyframe mode, ltx-2: first and last frames at 0 and N−1, a picture pinned at 0.5 s at frame 12', async () => {
  const { runs, final } = await film('keyframes', 'ltx-2', {
    mode: 'keyframe',
    segmentDuration: 2,
    output: { width: 192, height: 128, fps: 24 },
    storyboard: {
      image: 'start.png',
      segments: [
        { prompt: 'a door opens', keyframe: 'end1.png', keyframesAt: [{ image: 'pin.png', at: 0.5 }] },
        { prompt: 'light floods in', keyframe: 'end2.png' },
      ],
    },
  });
  // Keyframe segments run at once: the records come in any order.
  runs.sort((a, b) => (a.prompt === 'a door opens' ? -1 : b.prompt === 'a door opens' ? 1 : 0));
  const images = runs.map((x) => (x.images as Array<{ path: string; frameIdx: number }>).map((i) => i.frameIdx));
  expect(images).toEqual([
    [0, 12, 48],
    [0, 48],
  ]);
  expect((runs[0]!.images as Array<{ path: string }>)[1]!.path).toMatch(/pin\.png$/);
  expect(final.frames).toBe(2 * 49 - 1);
}, 120_000);
