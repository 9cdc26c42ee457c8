// Seam measures through the engine: a test double that drifts every clip (+4 % brightness and a hue turn, as
// users see with chained video models) against one that does not. The join measures every seam of the film and
// records it in the manifest; drifted seams are flagged.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { decodeFrame } from '../media/colour.js';
import { probeVideo } from '../media/probe.js';
import { runFfmpeg } from '../media/run.js';
import { compareFrames, seamFlagged } from '../media/seams.js';
import type { GenerateContext, GenerateRequest, VideoBackend } from '../spec/backend.js';
import { registerSecret } from '../util/secrets.js';
import { type Assets, chainingStoryboard, freshRunDir, makeAssets, makeConfig, noRegistry } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

let assets: Assets;
let dark: string;
let textured: string;
beforeAll(async () => {
  assets = await makeAssets();
  // A dark start, so ten +4 % steps never clip at white.
  dark = join(assets.dir, 'dark.png');
  await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=0x283038:s=320x180', '-frames:v', '1', dark]);
  // A dark, textured picture (colour bars and gradients at low contrast and the saturation of real footage): the
  // correction must move more than a mean.
  textured = join(assets.dir, 'textured.png');
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-vf', 'eq=contrast=0.5:brightness=-0.2:saturation=0.4', '-frames:v', '1', textured]);
});
afterAll(async () => {
  if (assets) await rm(assets.dir, { recursive: true, force: true });
});

const storyboardOf = (n: number) => chainingStoryboard(n, 1).storyboard as Record<string, unknown>;

/** A local backend whose clip is its first frame, held, with +4 % brightness and a 4° hue turn. */
function driftingBackend(): VideoBackend {
  const model = {
    id: 'drift',
    inputs: ['first-frame' as const],
    durations: { min: 1, max: 10 },
    resolutions: [{ width: 320, height: 180 }],
    fps: 8,
    maxPromptLength: 1000,
    concurrency: 1,
  };
  return {
    // What its plugin's describe() would say (the engine harness builds the plugin from it).
    info: { name: 'drift', displayName: 'Drifting double', kind: 'local', models: [model], defaultModel: 'drift' },
    async validate() {},
    estimateCost: () => ({ usd: 0 }),
    async generate(request: GenerateRequest, ctx: GenerateContext) {
      const frames = Math.round(request.durationSec * 8);
      await runFfmpeg(
        [
          ...['-loop', '1', '-framerate', '8', '-i', request.firstFrame!, '-vf', 'eq=brightness=0.04,hue=h=4,format=yuv420p', '-frames:v', String(frames)],
          ...['-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', request.outputPath],
        ],
        { signal: ctx.signal },
      );
      const p = await probeVideo(request.outputPath);
      return { file: request.outputPath, durationSec: p.durationSec, frames: p.frames, width: p.width, height: p.height, fps: p.fps, costUsd: 0, warnings: [] };
    },
  } as unknown as VideoBackend;
}

it('10 chained segments from a drifting double: every seam is measured and flagged; a steady double flags none', async () => {
  const drift = await runPipeline({
    config: makeConfig({ assets, backends: [driftingBackend()], core: { ...chainingStoryboard(10, 1), storyboard: { ...storyboardOf(10), image: dark } } }),
    registry: noRegistry,
    runDir: await freshRunDir(assets),
  });
  const seams = drift.manifest.final!.seams!;
  expect(seams.map((s) => s.from)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  expect(seams.map((s) => s.frame)).toEqual([8, 15, 22, 29, 36, 43, 50, 57, 64]); // seam frames dropped: 8 + 7 per segment
  for (const s of seams) {
    expect(s.lumaJump, `seam ${s.from}`).toBeGreaterThan(0.025);
    expect(seamFlagged(s), `seam ${s.from}`).toBe(true);
  }

  const steady = createScriptedBackend({ name: 'steady', clip: assets.clip, submitsJobs: false });
  const calm = await runPipeline({
    config: makeConfig({ assets, backends: [steady], core: chainingStoryboard(4, 1, assets) }),
    registry: noRegistry,
    runDir: await freshRunDir(assets),
  });
  const calmSeams = calm.manifest.final!.seams!;
  expect(calmSeams).toHaveLength(3);
  for (const s of calmSeams) {
    expect(s.lumaJump, `seam ${s.from}`).toBeLessThan(0.01);
    expect(seamFlagged(s)).toBe(false);
  }
});

it('10 chained segments from the drifting double with join.colorMatch on: seams under ΔE 2 and 1 % luma, no drift from first to last; a re-run reuses it all', async () => {
  const backend = driftingBackend() as VideoBackend & { calls?: number };
  let calls = 0;
  const generate = backend.generate!.bind(backend);
  backend.generate = (req, ctx) => {
    calls++;
    return generate(req, ctx);
  };
  const runDir = await freshRunDir(assets);
  const config = makeConfig({
    assets,
    backends: [backend],
    core: { ...chainingStoryboard(10, 1), storyboard: { ...storyboardOf(10), image: textured }, join: { colorMatch: 'on' } },
  });
  const events: string[] = [];
  const r = await runPipeline({ config, registry: noRegistry, runDir, onEvent: (e) => e.type === 'join-done' && events.push(e.method) });
  expect(calls).toBe(10);
  const seams = r.manifest.final!.seams!;
  expect(seams).toHaveLength(9);
  for (const s of seams) {
    expect(s.deltaE2000, `seam ${s.from}`).toBeLessThan(2);
    expect(s.lumaJump, `seam ${s.from}`).toBeLessThan(0.01);
    expect(seamFlagged(s)).toBe(false);
    // Without the correction every seam jumps as in the test above: the correction is what made them smooth.
    expect(s.before!.lumaJump, `seam ${s.from} before`).toBeGreaterThan(0.025);
    expect(seamFlagged(s.before!)).toBe(true);
  }
  // Chaining continues the corrected colours: segment k+1 started from segment k's corrected last frame.
  for (const k of [1, 5, 8]) {
    const rec = r.manifest.segments[k]!;
    expect(rec.lastFrame!.path).toMatch(/seg-00\d-last-matched\.png$/);
    expect(r.manifest.segments[k + 1]!.inputs!.firstFrame!.sha256).toBe(rec.lastFrame!.sha256);
  }
  // No drift across the film: the last frame's mean colour is within ΔE 3 of the first's.
  const size = { width: 320, height: 180 };
  const film = await probeVideo(r.video);
  expect(film.frames).toBe(8 + 9 * 7);
  const drift = await compareFrames(await decodeFrame(r.video, 'first', size), await decodeFrame(r.video, 'last', size));
  expect(drift.deltaE2000).toBeLessThan(3);
  expect(drift.lumaJump).toBeLessThan(0.02);

  // Unchanged re-run: no backend call, the film is reused.
  await runPipeline({ config, registry: noRegistry, runDir, onEvent: (e) => e.type === 'join-done' && events.push(e.method) });
  expect(calls).toBe(10);
  expect(events).toEqual(['normalise', 'cached']);
  // With the film gone, the join is redone from the cached corrections and normalised parts: still no backend call.
  await rm(r.video);
  const again = await runPipeline({ config, registry: noRegistry, runDir });
  expect(calls).toBe(10);
  expect(again.manifest.final!.sha256).toBe(r.manifest.final!.sha256);
});

it('subtitles: final.srt beside the film, one cue per segment at its place (prompts, or narration lines)', async () => {
  const steady = createScriptedBackend({ name: 'steady', clip: assets.clip, submitsJobs: false });
  const segments = [
    { prompt: 'p0', narration: 'It was dusk.' },
    { prompt: 'p1', narration: 'The light came on.' },
    { prompt: 'p2', narration: 'And the ships came home.' },
  ];
  const runDir = await freshRunDir(assets);
  const run = (from: string) =>
    runPipeline({
      config: makeConfig({ assets, backends: [steady], core: { mode: 'chaining', subtitles: { from }, storyboard: { image: assets.image, segments } } }),
      registry: noRegistry,
      runDir,
    });
  const r = await run('narration');
  expect(r.manifest.final!.subtitles).toBe(join(runDir, 'final.srt'));
  // 8 + 7 + 7 frames at 8 fps (seam frames dropped)
  expect(await readFile(join(runDir, 'final.srt'), 'utf8')).toBe(
    '1\n00:00:00,000 --> 00:00:01,000\nIt was dusk.\n\n2\n00:00:01,000 --> 00:00:01,875\nThe light came on.\n\n3\n00:00:01,875 --> 00:00:02,750\nAnd the ships came home.\n',
  );
  const calls = steady.calls.length;
  await run('prompts'); // the segments are reused; only the subtitles change
  expect(steady.calls.length).toBe(calls);
  expect(await readFile(join(runDir, 'final.srt'), 'utf8')).toContain('1\n00:00:00,000 --> 00:00:01,000\np0\n');
});

it('a music bed, narration subtitles and subtitles.burnIn: same frames, the mixed track, cues on the boundaries, text in the bottom band only', async () => {
  const steady = createScriptedBackend({ name: 'steady', clip: assets.clip, submitsJobs: false });
  const segments = [
    { prompt: 'p0', narration: 'WWWW MMMM WWWW' },
    { prompt: 'p1', narration: 'MMMM WWWW MMMM' },
  ];
  // With a music bed and one narration line per segment, as a film with a voice-over script would be made.
  const bed = join(assets.dir, 'bed-burn.m4a');
  await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=48000:duration=1', '-c:a', 'aac', bed]);
  const film = async (burnIn: boolean) => {
    const runDir = await freshRunDir(assets);
    const core = {
      mode: 'chaining',
      soundtrack: { file: 'bed-burn.m4a' },
      subtitles: { from: 'narration', burnIn },
      storyboard: { image: assets.image, segments },
    };
    const r = await runPipeline({
      config: makeConfig({ assets, backends: [steady], core }),
      registry: noRegistry,
      runDir,
    });
    return { r, probe: await probeVideo(r.video) };
  };
  const plain = await film(false);
  const burned = await film(true);
  expect(burned.probe).toMatchObject({ frames: plain.probe.frames, width: plain.probe.width, height: plain.probe.height });
  expect(burned.r.manifest.final!.subtitles).toBe(join(burned.r.runDir, 'final.srt'));
  expect(burned.probe.hasAudio).toBe(true); // the mixed track survives the burn-in encode
  // The cues sit on the segment boundaries: 8 + 7 frames at 8 fps.
  expect(await readFile(burned.r.manifest.final!.subtitles!, 'utf8')).toBe(
    '1\n00:00:00,000 --> 00:00:01,000\nWWWW MMMM WWWW\n\n2\n00:00:01,000 --> 00:00:01,875\nMMMM WWWW MMMM\n',
  );
  const size = { width: plain.probe.width, height: plain.probe.height };
  const a = await decodeFrame(plain.r.video, 'first', size);
  const b = await decodeFrame(burned.r.video, 'first', size);
  /** Mean absolute difference of the rows from `from` to `to` (fractions of the height). */
  const band = (from: number, to: number) => {
    let sum = 0;
    let n = 0;
    for (let y = Math.floor(a.height * from); y < Math.floor(a.height * to); y++) {
      for (let x = 0; x < a.width * 4; x++) {
        if (x % 4 === 3) continue;
        sum += Math.abs(a.data[y * a.width * 4 + x]! - b.data[y * a.width * 4 + x]!);
        n++;
      }
    }
    return sum / n;
  };
  expect(band(0.75, 1)).toBeGreaterThan(4); // the text
  expect(band(0, 0.5)).toBeLessThan(1.5); // the picture, re-encoded once more
});

it('join.crossfadeFrames through the engine: the film is shorter by the dissolves and the subtitles follow', async () => {
  const steady = createScriptedBackend({ name: 'steady', clip: assets.clip, submitsJobs: false });
  const r = await runPipeline({
    config: makeConfig({
      assets,
      backends: [steady],
      core: { ...chainingStoryboard(3, 1, assets), join: { crossfadeFrames: 2 }, subtitles: { from: 'prompts' } },
    }),
    registry: noRegistry,
    runDir: await freshRunDir(assets),
  });
  // 8 + 7 + 7 frames at 8 fps (seam frames dropped), less 2 per seam
  expect(r.manifest.final).toMatchObject({ frames: 18 });
  expect((await probeVideo(r.video)).frames).toBe(18);
  const srt = await readFile(r.manifest.final!.subtitles!, 'utf8');
  expect(srt).toContain('00:00:01,000 --> 00:00:01,625');
  expect(srt).toContain('00:00:01,625 --> 00:00:02,250');
});

it('a soundtrack under a silent film: final.mp4 gets the track; a missing soundtrack file stops the run before any call', async () => {
  const bed = join(assets.dir, 'bed.m4a');
  await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000:duration=1', '-c:a', 'aac', bed]);
  const steady = createScriptedBackend({ name: 'steady', clip: assets.clip, submitsJobs: false });
  const config = (file: string) =>
    makeConfig({
      assets,
      backends: [steady],
      core: { ...chainingStoryboard(3, 1, assets), soundtrack: { file, fadeOutSec: 0.5 }, subtitles: { from: 'prompts' } },
    });
  const missing = await runPipeline({ config: config('nope.m4a'), registry: noRegistry, runDir: await freshRunDir(assets) }).then(
    () => undefined,
    (e: unknown) => e as { code: string; field: string },
  );
  expect(missing).toMatchObject({ code: 'INPUT_INVALID', field: 'soundtrack.file' });
  // A file that is not audio (here an image) is refused the same way, also before any call.
  const notAudio = await runPipeline({ config: config('first.png'), registry: noRegistry, runDir: await freshRunDir(assets) }).then(
    () => undefined,
    (e: unknown) => e as { code: string; field: string; message: string },
  );
  expect(notAudio).toMatchObject({ code: 'INPUT_INVALID', field: 'soundtrack.file' });
  expect(notAudio?.message).toContain('no audio stream');
  expect(steady.calls).toHaveLength(0);

  const r = await runPipeline({ config: config('bed.m4a'), registry: noRegistry, runDir: await freshRunDir(assets) });
  expect(r.manifest.final).toMatchObject({ audio: true, frames: 22 });
  const film = await probeVideo(r.manifest.final!.file);
  expect(film).toMatchObject({ hasAudio: true, frames: 22 });
});

it('subtitles never carry a registered secret that reached a prompt', async () => {
  registerSecret('sk-subtitle-canary-0123');
  const steady = createScriptedBackend({ name: 'steady', clip: assets.clip, submitsJobs: false });
  const segments = [{ prompt: 'a harbour at dawn' }, { prompt: 'the key sk-subtitle-canary-0123 opens the gate' }];
  const runDir = await freshRunDir(assets);
  await runPipeline({
    config: makeConfig({
      assets,
      backends: [steady],
      core: { mode: 'chaining', subtitles: { from: 'prompts' }, storyboard: { image: assets.image, segments } },
    }),
    registry: noRegistry,
    runDir,
  });
  const srt = await readFile(join(runDir, 'final.srt'), 'utf8');
  expect(srt).toContain('the key *** opens the gate');
  expect(srt).not.toContain('sk-subtitle-canary-0123');
});
