// The film's audio: 6 segments carrying distinct tones, joined as chaining joins them (seam frames dropped,
// normalised). Checked on the decoded samples: length = video length, each tone in its place, silence where a
// segment has none, and no jump at any seam — and the jumps are there when the seam fades are turned off.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSamples } from './audio.fixture.js';
import { buildJoinAudio, JOIN_AUDIO_RATE, joinAudioGraph, pieceSampleCounts } from './audio.js';
import { decodeFrame } from './colour.js';
import { extractFrame } from './frames.js';
import { joinSegments } from './join.js';
import { probeVideo } from './probe.js';
import { runFfmpeg, runFfprobe } from './run.js';
import { makeTestClip } from './testing.js';

const FPS = 24;
const FRAMES = 24;
const TONES = [220, 330, 440, 550, 660, 770];
const target = { width: 320, height: 180, fps: FPS };
let dir: string;
let clips: string[];
let silent: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-join-audio-'));
  clips = TONES.map((_, i) => join(dir, `tone-${i}.mp4`));
  silent = join(dir, 'silent.mp4');
  await Promise.all([
    ...TONES.map((hz, i) => makeTestClip(clips[i]!, { ...target, frames: FRAMES, toneHz: hz })),
    makeTestClip(silent, { ...target, frames: FRAMES }),
  ]);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const samples = (film: string) => decodeSamples(film, dir);

async function audioStart(film: string): Promise<number> {
  const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', film]);
  return Number(stdout.trim());
}

/** Largest sample-to-sample step within ±5 ms of `at`. */
function maxStep(x: Float32Array, at: number): number {
  let m = 0;
  for (let i = Math.max(1, at - 240); i < Math.min(x.length, at + 240); i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

/** Dominant frequency from zero crossings over [from, to). */
function frequency(x: Float32Array, from: number, to: number): number {
  let crossings = 0;
  for (let i = from + 1; i < to; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
  return crossings / 2 / ((to - from) / JOIN_AUDIO_RATE);
}

function rms(x: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (to - from));
}

describe('audio in the join', () => {
  it('pieces add up to the video exactly (boundaries rounded on the running total)', () => {
    const counts = pieceSampleCounts([24, 23, 23, 23, 23, 23], 23.976);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(Math.round((139 * 48000) / 23.976));
    const graph = joinAudioGraph(
      [
        { path: 'a.mp4', hasAudio: true, sourceFps: 24, dropFirstFrame: false, frames: 24 },
        { path: 'b.mp4', hasAudio: false, sourceFps: 24, dropFirstFrame: true, frames: 23 },
        { path: 'c.mp4', hasAudio: true, sourceFps: 24, dropFirstFrame: true, frames: 23 },
      ],
      24,
      50,
    );
    expect(graph.inputs).toEqual(['a.mp4', 'c.mp4']); // silence needs no input
    expect(graph.graph).toContain('[1:a:0]aresample=48000'); // c.mp4 is the second input
    expect(graph.graph).toContain('atrim=start_sample=2000'); // one 24 fps frame of audio dropped with the seam frame
    expect(graph.graph).toContain('anullsrc=r=48000:cl=stereo,atrim=end_sample=46000');
  });

  it('6 segments with tones, seam frames dropped: one track as long as the video, each tone in place, no jump at any seam', async () => {
    const out = join(dir, 'film.mp4');
    const inputs = clips.map((path, i) => ({ path, dropFirstFrame: i > 0 }));
    const r = await joinSegments(inputs, out, target, { cacheDir: join(dir, 'cache') });
    expect(r).toMatchObject({ method: 'normalise', audio: true });
    const video = await probeVideo(out);
    const frames = FRAMES + 5 * (FRAMES - 1);
    expect(video).toMatchObject({ frames, hasAudio: true });
    const x = await samples(out);
    const videoSec = frames / FPS;
    // audio length = video length within one frame, and it starts with the video: the A/V offset at the end is < 1 frame
    expect(Math.abs(x.length / JOIN_AUDIO_RATE - videoSec)).toBeLessThan(1 / FPS);
    expect(Math.abs(await audioStart(out))).toBeLessThan(1 / FPS);
    const bounds: number[] = [];
    for (const n of pieceSampleCounts([FRAMES, ...Array(5).fill(FRAMES - 1)], FPS)) bounds.push((bounds.at(-1) ?? 0) + n);
    for (let i = 0; i < TONES.length; i++) {
      const start = i === 0 ? 0 : bounds[i - 1]!;
      const f = frequency(x, start + 4800, bounds[i]! - 4800);
      expect(Math.abs(f - TONES[i]!) / TONES[i]!, `segment ${i}: ${f.toFixed(0)} Hz, expected ${TONES[i]}`).toBeLessThan(0.05);
    }
    // Threshold: a 770 Hz tone at lavfi's amplitude (1/8) steps by at most ~0.013 per sample; a hard cut between
    // two tones can step by up to 0.25.
    const steps = bounds.slice(0, -1).map((b) => maxStep(x, b));
    for (const [k, step] of steps.entries()) expect(step, `seam ${k + 1}`).toBeLessThan(0.03);

    // The same join with hard cuts: the test sees the jumps it guards against.
    const hard = join(dir, 'film-hard.mp4');
    await joinSegments(inputs, hard, target, { cacheDir: join(dir, 'cache'), audioFadeMs: 0 });
    const y = await samples(hard);
    expect(Math.max(...bounds.slice(0, -1).map((b) => maxStep(y, b)))).toBeGreaterThan(0.03);
  });

  it('a segment without sound gets silence of its length; the others keep theirs', async () => {
    const out = join(dir, 'mixed.mp4');
    const paths = [clips[0]!, silent, clips[2]!];
    const r = await joinSegments(
      paths.map((path) => ({ path })),
      out,
      target,
      { cacheDir: join(dir, 'cache') },
    );
    expect(r.audio).toBe(true);
    const x = await samples(out);
    expect(Math.abs(x.length / JOIN_AUDIO_RATE - (3 * FRAMES) / FPS)).toBeLessThan(1 / FPS);
    const n = (FRAMES / FPS) * JOIN_AUDIO_RATE;
    expect(rms(x, 2400, n - 2400)).toBeGreaterThan(0.05);
    expect(rms(x, n + 2400, 2 * n - 2400)).toBeLessThan(0.001);
    expect(Math.abs(frequency(x, 2 * n + 2400, 3 * n - 2400) - TONES[2]!) / TONES[2]!).toBeLessThan(0.05);
  });

  it('compatible clips with sound are stream-copied and keep it; join.audio off makes a silent film', async () => {
    const copy = join(dir, 'copy.mp4');
    const r = await joinSegments([{ path: clips[0]! }, { path: clips[1]! }], copy, target, { cacheDir: join(dir, 'cache') });
    expect(r).toMatchObject({ method: 'copy', audio: true });
    expect((await samples(copy)).length / JOIN_AUDIO_RATE).toBeCloseTo((2 * FRAMES) / FPS, 1);
    const off = join(dir, 'off.mp4');
    const s = await joinSegments([{ path: clips[0]! }, { path: clips[1]! }], off, target, { cacheDir: join(dir, 'cache'), audio: 'off' });
    expect(s.audio).toBe(false);
    expect((await probeVideo(off)).hasAudio).toBe(false);
  });
});

describe("a long film's audio, built in parts", () => {
  it('parts of 2 segments give the same samples, to the sample, as one pass over 5', async () => {
    const pieces = clips.slice(0, 5).map((path, i) => ({ path, hasAudio: true, sourceFps: FPS, dropFirstFrame: i > 0, frames: i > 0 ? FRAMES - 1 : FRAMES }));
    const one = join(dir, 'one.m4a');
    const parts = join(dir, 'parts.m4a');
    const opts = { fadeMs: 50, timeoutMs: 120_000, reportPath: one };
    await buildJoinAudio(pieces, FPS, one, opts);
    await buildJoinAudio(pieces, FPS, parts, { ...opts, reportPath: parts }, 2);
    const [a, b] = await Promise.all([samples(one), samples(parts)]);
    expect(b.length).toBe(a.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(0.01); // the same signal (two AAC encodes of it)
  });
});

describe('a crossfade at the seams (join.crossfadeFrames)', () => {
  const COLOURS = ['red', 'blue', 'lime'];
  const HZ = [220, 440, 660];
  let colourClips: string[];
  beforeAll(async () => {
    colourClips = COLOURS.map((c) => join(dir, `colour-${c}.mp4`));
    await Promise.all(
      COLOURS.map((c, i) =>
        runFfmpeg([
          ...['-f', 'lavfi', '-i', `color=c=${c}:s=320x180:r=${FPS}`, '-f', 'lavfi', '-i', `sine=frequency=${HZ[i]}:sample_rate=48000:duration=1`],
          ...['-map', '0:v', '-map', '1:a', '-t', '1', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-c:a', 'aac', colourClips[i]!],
        ]),
      ),
    );
  });

  /** Mean RGB of film frame `n`. */
  async function colourAt(film: string, n: number): Promise<number[]> {
    const png = join(dir, `frame-${n}.png`);
    await extractFrame(film, n, png);
    const f = await decodeFrame(png, 'first', { width: 320, height: 180 }, { width: 32 });
    const sum = [0, 0, 0];
    for (let i = 0; i < f.data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += f.data[i + c]!;
    return sum.map((v) => v / (f.data.length / 4));
  }

  it('each segment dissolves into the next over 6 frames: the film is 6 frames shorter per seam, the sound stays in sync', async () => {
    const out = join(dir, 'dissolve.mp4');
    const inputs = colourClips.map((path, i) => ({ path, dropFirstFrame: i > 0 }));
    const r = await joinSegments(inputs, out, target, { cacheDir: join(dir, 'cache'), crossfadeFrames: 6 });
    expect(r.frames).toEqual([24, 17, 17]); // each segment less the frames it shares with the one before
    const film = await probeVideo(out);
    expect(film.frames).toBe(24 + 23 + 23 - 2 * 6);
    // Frames 18–23 dissolve red into blue: pure red before, pure blue after, a mix in between that moves steadily.
    const [before, early, late, after] = (await Promise.all([17, 19, 22, 24].map((n) => colourAt(out, n)))) as [number[], number[], number[], number[]];
    expect(before[0]).toBeGreaterThan(230);
    expect(before[2]).toBeLessThan(25);
    expect(after[2]).toBeGreaterThan(230);
    expect(after[0]).toBeLessThan(25);
    expect(early[0]).toBeGreaterThan(late[0]! + 60);
    expect(late[2]).toBeGreaterThan(early[2]! + 60);
    expect(early[2]).toBeGreaterThan(40);
    expect(late[0]).toBeGreaterThan(20);
    // The sound: as long as the picture, each tone under its own segment (the earlier one plays through the dissolve).
    const x = await samples(out);
    expect(Math.abs(x.length / JOIN_AUDIO_RATE - film.frames / FPS)).toBeLessThan(1 / FPS);
    const at = (frame: number) => Math.round((frame / FPS) * JOIN_AUDIO_RATE);
    expect(Math.abs(frequency(x, at(2), at(22)) - HZ[0]!) / HZ[0]!).toBeLessThan(0.05);
    expect(Math.abs(frequency(x, at(26), at(39)) - HZ[1]!) / HZ[1]!).toBeLessThan(0.05);
    expect(Math.abs(frequency(x, at(43), at(56)) - HZ[2]!) / HZ[2]!).toBeLessThan(0.05);
  });

  it('a crossfade longer than a segment can give is INPUT_INVALID naming join.crossfadeFrames, and writes nothing', async () => {
    const out = join(dir, 'too-long.mp4');
    const error = await joinSegments(
      colourClips.map((path) => ({ path })),
      out,
      target,
      { cacheDir: join(dir, 'cache'), crossfadeFrames: 12 },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INPUT_INVALID', field: 'join.crossfadeFrames', value: 12 });
    expect(existsSync(out)).toBe(false);
  });
});
