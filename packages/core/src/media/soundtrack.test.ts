// The soundtrack bed, measured on decoded samples: looped to the film's length, ducked under the clips' own sound,
// faded out at the end; alone when the film is silent.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeSamples } from './audio.fixture.js';
import { JOIN_AUDIO_RATE } from './audio.js';
import { joinSegments } from './join.js';
import { probeVideo } from './probe.js';
import { runFfmpeg } from './run.js';
import { mixSoundtrack } from './soundtrack.js';
import { makeTestClip } from './testing.js';

const R = JOIN_AUDIO_RATE;
const target = { width: 320, height: 180, fps: 24 };
let dir: string;
let film: string;
let silentFilm: string;
let bed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-soundtrack-'));
  const [a, s, b] = ['a', 's', 'b'].map((n) => join(dir, `${n}.mp4`)) as [string, string, string];
  await Promise.all([
    makeTestClip(a, { ...target, frames: 24, toneHz: 440 }),
    makeTestClip(s, { ...target, frames: 24 }),
    makeTestClip(b, { ...target, frames: 24, toneHz: 660 }),
  ]);
  film = join(dir, 'film.mp4');
  silentFilm = join(dir, 'silent.mp4');
  await joinSegments([{ path: a }, { path: s }, { path: b }], film, target, { cacheDir: join(dir, 'cache') });
  await joinSegments([{ path: s }, { path: s }, { path: s }], silentFilm, target, { cacheDir: join(dir, 'cache') });
  bed = join(dir, 'bed.m4a'); // 2 s of 1 kHz: shorter than the 3 s film, so it loops
  await runFfmpeg(['-f', 'lavfi', '-i', `sine=frequency=1000:sample_rate=${R}:duration=2`, '-c:a', 'aac', bed]);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const samples = (film: string) => decodeSamples(film, dir);

/** Power of one frequency over [fromSec, toSec) (Goertzel). */
function power(x: Float32Array, hz: number, fromSec: number, toSec: number): number {
  const from = Math.round(fromSec * R);
  const to = Math.round(toSec * R);
  const k = 2 * Math.cos((2 * Math.PI * hz) / R);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (to - from) ** 2;
}

it('under clips with sound: the bed loops to the film, ducks while a clip plays, comes back between, fades at the end', async () => {
  const out = join(dir, 'mixed.mp4');
  const p = await probeVideo(film);
  await mixSoundtrack({ path: film, durationSec: p.durationSec, hasAudio: true }, bed, out, { volume: 0.5, fadeOutSec: 0.5, timeoutMs: 120_000 });
  const x = await samples(out);
  expect(Math.abs(x.length / R - 3)).toBeLessThan(1 / 24);
  expect((await probeVideo(out)).frames).toBe(72);
  const underClip = power(x, 1000, 0.3, 0.8);
  const alone = power(x, 1000, 1.3, 1.8);
  expect(alone).toBeGreaterThan(3 * underClip); // ducked under segment 0's tone
  expect(power(x, 440, 0.3, 0.8)).toBeGreaterThan(power(x, 440, 1.3, 1.8) * 100); // the clip's own sound is kept
  expect(power(x, 1000, 2.05, 2.4)).toBeGreaterThan(0); // looped past its 2 s
  expect(power(x, 1000, 2.92, 3)).toBeLessThan(alone / 4); // faded out
});

it('over a silent film: the bed alone, at its volume', async () => {
  const out = join(dir, 'bed-only.mp4');
  const p = await probeVideo(silentFilm);
  expect(p.hasAudio).toBe(false);
  await mixSoundtrack({ path: silentFilm, durationSec: p.durationSec, hasAudio: false }, bed, out, { volume: 0.5, fadeOutSec: 0, timeoutMs: 120_000 });
  const x = await samples(out);
  expect(Math.abs(x.length / R - 3)).toBeLessThan(1 / 24);
  expect(power(x, 1000, 0.3, 0.8)).toBeGreaterThan(0);
  expect(Math.abs(power(x, 1000, 0.3, 0.8) / power(x, 1000, 2.3, 2.8) - 1)).toBeLessThan(0.2); // steady, no ducking
});
