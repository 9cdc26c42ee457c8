// Extend mode (issue #14): each segment continues the previous clip by native extension where the backend offers
// it; where it does not, `extend.fallback` chains from the exact last frame or moves to the next backend. An
// extension does not repeat the seam frame, so the join keeps every frame of it.
import { basename } from 'node:path';
import { expect, it } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { probeVideo } from '../media/probe.js';
import { freshRunDir, makeConfig, noRegistry, useAssets } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

const assets = useAssets();
const storyboard = () => ({ image: assets.image, segments: [{ prompt: 'one' }, { prompt: 'two' }, { prompt: 'three' }] });
const extender = (name = 'ext') => createScriptedBackend({ name, clip: assets.clip, inputs: ['first-frame', 'extend'] });
const chainer = (name = 'plain') => createScriptedBackend({ name, clip: assets.clip, inputs: ['first-frame'] });

async function film(backends: ReturnType<typeof extender>[], extend: Record<string, unknown> = {}, runDir?: string) {
  const dir = runDir ?? (await freshRunDir(assets));
  const r = await runPipeline({
    config: makeConfig({ assets, backends, core: { mode: 'extend', segmentDuration: 1, extend, storyboard: storyboard() } }),
    registry: noRegistry,
    runDir: dir,
  });
  return { r, dir, frames: (await probeVideo(r.video, { countFrames: true })).frames };
}

it('a backend that extends gets the previous clip for every segment after the first, and the join keeps every frame', async () => {
  const backend = extender();
  const { r, dir, frames } = await film([backend]);
  const requests = backend.calls.map((c) => c.request);
  expect(requests[0]).toMatchObject({ firstFrame: expect.stringContaining('input-000-first') });
  expect(requests[0]!.inputVideo).toBeUndefined();
  expect(requests.slice(1).map((q) => basename(q.inputVideo!))).toEqual(['seg-000.mp4', 'seg-001.mp4']);
  expect(requests.slice(1).every((q) => q.firstFrame === undefined)).toBe(true);
  expect(r.manifest.segments.map((s) => s.continuation)).toEqual([undefined, 'extend', 'extend']);
  expect(frames).toBe(3 * 8); // three 1 s clips at 8 fps, no seam frame dropped

  // A re-run reuses everything: no call.
  const again = extender();
  await film([again], {}, dir);
  expect(again.calls).toHaveLength(0);
});

it('fallback chain (the default): a backend that cannot extend continues from the exact last frame, said and recorded', async () => {
  const backend = chainer();
  const { r, frames } = await film([backend]);
  const requests = backend.calls.map((c) => c.request);
  expect(requests.slice(1).map((q) => basename(q.firstFrame!))).toEqual(['seg-000-last.png', 'seg-001-last.png']);
  expect(requests.every((q) => q.inputVideo === undefined)).toBe(true);
  expect(r.manifest.segments.map((s) => s.continuation)).toEqual([undefined, 'chain', 'chain']);
  expect(r.manifest.segments[1]!.warnings.map((w) => w.message).join('\n')).toMatch(/plain cannot extend a clip; continuing from the exact last frame/);
  expect(frames).toBe(3 * 8 - 2); // chained: the repeated seam frames are dropped
});

it('fallback next: the segments to extend go to the next backend, which extends them', async () => {
  const plain = chainer();
  const ext = extender();
  const { r } = await film([plain, ext], { fallback: 'next' });
  expect(r.manifest.segments.map((s) => [s.backend, s.continuation])).toEqual([
    ['plain', undefined],
    ['ext', 'extend'],
    ['ext', 'extend'],
  ]);
  expect(r.manifest.segments[1]!.skipped[0]).toMatchObject({ backend: 'plain', reason: expect.stringContaining('a clip to extend') });
});

it('fallback next with no backend that extends: the segment fails naming why, before a call is paid for it', async () => {
  const plain = chainer();
  await expect(film([plain], { fallback: 'next' })).rejects.toMatchObject({ message: expect.stringContaining('a clip to extend') });
  expect(plain.calls).toHaveLength(1); // segment 0 only
});
