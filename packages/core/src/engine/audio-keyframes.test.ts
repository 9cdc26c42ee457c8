// Sound and timed keyframes as negotiated inputs (issue #14): `audio.generate` asks models that make sound for it
// (and skips those that cannot when it is `required`), `audio.reference` reaches models that take a reference
// clip, and pictures pinned inside a segment reach models with timed keyframes, at the same place in the clip.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { freshRunDir, makeConfig, noRegistry, useAssets } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

const assets = useAssets();
const twoSegments = (extra: Record<string, unknown> = {}) => ({ image: assets.image, segments: [{ prompt: 'one', ...extra }, { prompt: 'two' }] });

async function run(backends: object[], core: Record<string, unknown>) {
  return runPipeline({
    config: makeConfig({ assets, backends, core: { segmentDuration: 2, ...core } }),
    registry: noRegistry,
    runDir: await freshRunDir(assets),
  });
}

it('audio.generate on: asked of a model that makes sound; a silent model gets the segment with a warning', async () => {
  const loud = createScriptedBackend({ name: 'loud', clip: assets.clip, audio: true });
  await run([loud], { audio: { generate: 'on' }, storyboard: twoSegments() });
  expect(loud.calls.map((c) => c.request.generateAudio)).toEqual([true, true]);

  const mute = createScriptedBackend({ name: 'mute', clip: assets.clip });
  const r = await run([mute], { audio: { generate: 'on' }, storyboard: twoSegments() });
  expect(mute.calls.map((c) => c.request.generateAudio)).toEqual([false, false]);
  expect(r.manifest.segments[0]!.warnings.map((w) => w.message).join('\n')).toMatch(/mute\/mute-model takes no sound/);
});

it('audio.generate required: a backend whose model makes no sound is skipped for one that does; auto asks nothing', async () => {
  const mute = createScriptedBackend({ name: 'mute', clip: assets.clip });
  const loud = createScriptedBackend({ name: 'loud', clip: assets.clip, audio: true });
  const r = await run([mute, loud], { audio: { generate: 'required' }, storyboard: twoSegments() });
  expect(mute.calls).toHaveLength(0);
  expect(r.manifest.segments.map((s) => s.backend)).toEqual(['loud', 'loud']);
  expect(r.manifest.segments[0]!.skipped[0]!.reason).toMatch(/no model of mute makes sound/);

  const auto = createScriptedBackend({ name: 'loud', clip: assets.clip, audio: true });
  await run([auto], { storyboard: twoSegments() });
  expect(auto.calls.every((c) => c.request.generateAudio === undefined)).toBe(true);
});

it('audio.reference reaches a model that takes one; a missing file is refused before anything is paid', async () => {
  const voice = join(assets.dir, 'voice.wav');
  await writeFile(voice, Buffer.alloc(64, 1));
  const takes = createScriptedBackend({ name: 'ref', clip: assets.clip, referenceAudio: true });
  await run([takes], { audio: { reference: voice }, storyboard: twoSegments() });
  expect(takes.calls.map((c) => c.request.referenceAudio)).toEqual([voice, voice]);

  const other = createScriptedBackend({ name: 'ref', clip: assets.clip, referenceAudio: true });
  await expect(run([other], { audio: { reference: join(assets.dir, 'nope.wav') }, storyboard: twoSegments() })).rejects.toMatchObject({
    code: 'INPUT_INVALID',
    field: 'audio.reference',
  });
  expect(other.calls).toHaveLength(0);
});

it('timed keyframes: pinned pictures reach a model that takes them, in time order, scaled to the clip it makes; others drop them with a warning', async () => {
  const pinned = {
    keyframesAt: [
      { image: assets.keyframes[1], at: 1.5 },
      { image: assets.keyframes[0], at: 0.5 },
    ],
  };
  const ltx = createScriptedBackend({ name: 'ltx', clip: assets.clip, timedKeyframes: { max: 4 }, durations: [4] });
  await run([ltx], { storyboard: twoSegments(pinned) });
  expect(ltx.calls[0]!.request.keyframes).toEqual([
    { path: assets.keyframes[0], atSec: 1 }, // 0.5 s of a 2 s segment, in the 4 s clip the model makes
    { path: assets.keyframes[1], atSec: 3 },
  ]);
  expect(ltx.calls[1]!.request.keyframes).toBeUndefined();

  const plain = createScriptedBackend({ name: 'plain', clip: assets.clip });
  const r = await run([plain], { storyboard: twoSegments(pinned) });
  expect(plain.calls[0]!.request.keyframes).toBeUndefined();
  expect(r.manifest.segments[0]!.warnings.map((w) => w.message).join('\n')).toMatch(/takes no more than 0 timed keyframe\(s\): 2 of the segment's/);
});

it('a timed keyframe outside its segment is a config error naming it', async () => {
  const b = createScriptedBackend({ name: 'ltx', clip: assets.clip, timedKeyframes: { max: 4 } });
  await expect(run([b], { storyboard: twoSegments({ keyframesAt: [{ image: assets.keyframes[0], at: 2 }] }) })).rejects.toMatchObject({
    code: 'CONFIG_INVALID',
    field: 'storyboard.segments[0].keyframesAt[0].at',
  });
});
