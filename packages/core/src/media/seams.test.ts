// Seam measures: the maths on frames made in memory, and one decode pass over a real film.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { differenceCiede2000 } from 'culori';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinSegments } from './join.js';
import { runFfmpeg } from './run.js';
import { compareFrames, measureSeams, seamFlagged } from './seams.js';

const W = 64;
const H = 36;
function flat(r: number, g: number, b: number) {
  const data = new Uint8ClampedArray(W * H * 4);
  for (let i = 0; i < W * H; i++) data.set([r, g, b, 255], i * 4);
  return { data, width: W, height: H };
}
function ramp(shift = 0) {
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([x * 4 + shift, y * 7 + shift, 128 + shift, 255], (y * W + x) * 4);
  return { data, width: W, height: H };
}

describe('comparing the two frames of a seam', () => {
  it('CIEDE2000 as published (Sharma, Wu & Dalal 2005, pairs 1, 7 and 17)', () => {
    const de = differenceCiede2000();
    const lab = (l: number, a: number, b: number) => ({ mode: 'lab65' as const, l, a, b });
    expect(de(lab(50, 2.6772, -79.7751), lab(50, 0, -82.7485))).toBeCloseTo(2.0425, 3);
    expect(de(lab(50, 0, 0), lab(50, -1, 2))).toBeCloseTo(2.3669, 3);
    expect(de(lab(50, 2.5, 0), lab(56, -27, -3))).toBeCloseTo(31.903, 2);
  });

  it.each([
    ['the same frame', ramp(), ramp(), { lumaJump: [0, 0], deltaE2000: [0, 0.01], ssim: [0.999, 1] }],
    ['+10 levels of brightness (~4 %)', ramp(), ramp(10), { lumaJump: [0.035, 0.045], deltaE2000: [2, 8], ssim: [0.9, 1] }],
    ['mid grey → red', flat(128, 128, 128), flat(200, 30, 30), { lumaJump: [0.2, 0.4], deltaE2000: [20, 80], ssim: [0, 1] }],
  ] as const)('%s', async (_, a, b, want) => {
    const m = await compareFrames(a, b);
    for (const key of ['lumaJump', 'deltaE2000', 'ssim'] as const) {
      expect(m[key], key).toBeGreaterThanOrEqual(want[key][0]);
      expect(m[key], key).toBeLessThanOrEqual(want[key][1]);
    }
  });

  it('flags a seam over 2 % luminance or ΔE2000 3', () => {
    expect(seamFlagged({ lumaJump: 0.01, deltaE2000: 1 })).toBe(false);
    expect(seamFlagged({ lumaJump: 0.03, deltaE2000: 1 })).toBe(true);
    expect(seamFlagged({ lumaJump: 0.01, deltaE2000: 4 })).toBe(true);
  });
});

describe('measureSeams on a film', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ttv-seams-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads the frames on both sides of every cut in one pass: grey → grey +4 % → red', async () => {
    const colours = ['0x808080', '0x8a8a8a', '0xc81e1e'];
    const clips = colours.map((_, i) => join(dir, `c${i}.mp4`));
    await Promise.all(
      colours.map((c, i) =>
        runFfmpeg(['-f', 'lavfi', '-i', `color=c=${c}:s=160x90:r=8`, '-frames:v', '8', '-c:v', 'libx264', '-crf', '10', '-pix_fmt', 'yuv420p', clips[i]!]),
      ),
    );
    const film = join(dir, 'film.mp4');
    await joinSegments(
      clips.map((path) => ({ path })),
      film,
      { width: 160, height: 90, fps: 8 },
    );
    const seams = await measureSeams({ path: film, width: 160, height: 90 }, [8, 16]);
    expect(seams.map((s) => [s.from, s.frame])).toEqual([
      [0, 8],
      [1, 16],
    ]);
    expect(seams[0]!.lumaJump).toBeGreaterThan(0.03);
    expect(seams[0]!.lumaJump).toBeLessThan(0.05);
    expect(seams[0]!.deltaE2000).toBeGreaterThan(2);
    expect(seams[1]!.deltaE2000).toBeGreaterThan(30);
    expect(seams.map(seamFlagged)).toEqual([true, true]);
  });
});
