import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyTransfer,
  type ColourStats,
  cubeLut,
  decodeFrame,
  filterPath,
  fitTransfer,
  IDENTITY_TRANSFER,
  isIdentity,
  lightnessCorrelation,
  matchTransfer,
  statsTransfer,
} from './colour.js';
import { runFfmpeg } from './run.js';
import { compareFrames } from './seams.js';

const stats = (mean: number[], std: number[]) => ({ mean, std }) as ColourStats;

describe('statsTransfer (the fallback decision, as a table)', () => {
  const cases: Array<[string, ColourStats, ColourStats, number, { scale: number[]; offset: number[] }]> = [
    ['same stats: identity', stats([0.5, 0, 0], [0.1, 0.02, 0.02]), stats([0.5, 0, 0], [0.1, 0.02, 0.02]), 1, { scale: [1, 1, 1], offset: [0, 0, 0] }],
    [
      'brighter source: lightness pulled down',
      stats([0.6, 0, 0], [0.1, 0.02, 0.02]),
      stats([0.5, 0, 0], [0.1, 0.02, 0.02]),
      1,
      { scale: [1, 1, 1], offset: [-0.1, 0, 0] },
    ],
    ['spread halved: scale 2', stats([0.5, 0, 0], [0.05, 0.02, 0.02]), stats([0.5, 0, 0], [0.1, 0.02, 0.02]), 1, { scale: [2, 1, 1], offset: [-0.5, 0, 0] }],
    ['spread ratio capped at 2', stats([0.5, 0, 0], [0.01, 0.02, 0.02]), stats([0.5, 0, 0], [0.1, 0.02, 0.02]), 1, { scale: [2, 1, 1], offset: [-0.5, 0, 0] }],
    [
      'flat source (solid colour): mean moved only',
      stats([0.4, 0.01, 0], [0, 0, 0]),
      stats([0.5, 0, 0.02], [0.1, 0.02, 0.02]),
      1,
      { scale: [1, 1, 1], offset: [0.1, -0.01, 0.02] },
    ],
  ];
  it.each(cases)('%s', (_name, source, reference, strength, want) => {
    const t = statsTransfer(source, reference, strength);
    for (const [c, k] of [0, 4, 8].entries()) expect(t.matrix[k]).toBeCloseTo(want.scale[c]!, 6);
    for (const k of [1, 2, 3, 5, 6, 7]) expect(t.matrix[k]).toBe(0);
    for (const [c, o] of t.offset.entries()) expect(o).toBeCloseTo(want.offset[c]!, 6);
    expect(t).toMatchObject({ strength, method: 'stats' });
  });
  it('strength outside 0 … 1 is INPUT_INVALID naming the field', () => {
    expect(() => statsTransfer(stats([0, 0, 0], [0, 0, 0]), stats([0, 0, 0], [0, 0, 0]), 1.5)).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID', field: 'join.colorMatchStrength' }),
    );
  });
  it('isIdentity: strength 0, or a map that moves nothing', () => {
    expect(isIdentity(IDENTITY_TRANSFER)).toBe(true);
    expect(isIdentity({ ...IDENTITY_TRANSFER, strength: 1 })).toBe(true);
    expect(isIdentity({ ...IDENTITY_TRANSFER, offset: [0.01, 0, 0], strength: 1 })).toBe(false);
    expect(isIdentity({ ...IDENTITY_TRANSFER, matrix: [1, 0, 0, 0, 0.98, 0.17, 0, -0.17, 0.98], strength: 1 })).toBe(false);
    expect(isIdentity({ ...IDENTITY_TRANSFER, offset: [0.01, 0, 0], strength: 0 })).toBe(true);
  });
});

describe('fitTransfer (pixel correspondence)', () => {
  /** 500 pseudo-random Oklab colours. */
  const points = () => {
    const px = new Float64Array(1500);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 500; i++) {
      px[i * 3] = 0.2 + 0.6 * rnd();
      px[i * 3 + 1] = (rnd() - 0.5) * 0.2;
      px[i * 3 + 2] = (rnd() - 0.5) * 0.2;
    }
    return px;
  };
  const map = (px: Float64Array, m: number[], o: number[]) =>
    px.map((_, k) => {
      const i = Math.floor(k / 3);
      const c = k % 3;
      return m[c * 3]! * px[i * 3]! + m[c * 3 + 1]! * px[i * 3 + 1]! + m[c * 3 + 2]! * px[i * 3 + 2]! + o[c]!;
    });
  it('recovers a hue turn and a lightness lift that leave the mean colour nearly unchanged', () => {
    const th = (8 * Math.PI) / 180;
    const turn = [1, 0, 0, 0, Math.cos(th), -Math.sin(th), 0, Math.sin(th), Math.cos(th)];
    const src = points();
    const ref = map(src, turn, [0.04, 0, 0]);
    const t = fitTransfer(src, ref, 1)!;
    expect(t.method).toBe('pixels');
    for (const [k, v] of t.matrix.entries()) expect(v).toBeCloseTo(turn[k]!, 2);
    expect(t.offset[0]).toBeCloseTo(0.04, 2);
    // The statistics alone cannot see the turn: the spread of a and b is unchanged.
    expect(lightnessCorrelation(src, ref)).toBeGreaterThan(0.99);
  });
  it('a solid colour gets a finite map that takes it to the reference colour', () => {
    const src = new Float64Array(300).map((_, k) => [0.4, 0.02, -0.01][k % 3]!);
    const ref = new Float64Array(300).map((_, k) => [0.45, 0.0, 0.01][k % 3]!);
    const t = fitTransfer(src, ref, 1)!;
    const got = map(src.slice(0, 3), t.matrix, t.offset);
    for (const [c, v] of [0.45, 0, 0.01].entries()) expect(got[c]).toBeCloseTo(v, 3);
  });
  it('frames that do not match (a cut) fit nothing sensible: the stats fallback is used', () => {
    const src = points();
    const ref = points().reverse();
    expect(lightnessCorrelation(src, ref)).toBeLessThan(0.9);
  });
  it('filterPath escapes for the option and the graph parser', () => {
    expect(filterPath('/a/b.cube')).toBe('/a/b.cube');
    expect(filterPath("/x/it's:a,b[1];c")).toBe("/x/it\\\\\\'s\\\\:a\\,b\\[1\\]\\;c");
  });
});

describe('on real pixels', () => {
  let dir: string;
  let reference: string;
  let drifted: string;
  const size = { width: 320, height: 180 };
  beforeAll(async () => {
    // An awkward folder name: the LUT path must survive ffmpeg's two levels of filter-graph parsing.
    dir = join(await mkdtemp(join(tmpdir(), 'ttv-colour-')), "it's a:b,c[1]");
    await mkdir(dir, { recursive: true });
    reference = join(dir, 'reference.png');
    drifted = join(dir, 'drifted.png');
    // A textured, darkish picture with the saturation of real footage, and the same picture brighter (+6 %) and turned 6° in hue, as a drifting model makes it.
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-vf', 'eq=contrast=0.6:brightness=-0.15:saturation=0.4', '-frames:v', '1', reference]);
    await runFfmpeg(['-i', reference, '-vf', 'eq=brightness=0.06,hue=h=6', '-frames:v', '1', drifted]);
  });
  afterAll(async () => {
    if (dir) await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('the transfer of a drifted frame to its reference removes the drift (ΔE2000 and luma jump)', async () => {
    const ref = await decodeFrame(reference, 'first', size);
    const src = await decodeFrame(drifted, 'first', size);
    const before = await compareFrames(ref, src);
    expect(before.lumaJump).toBeGreaterThan(0.03);
    const t = await matchTransfer(src, ref, 1);
    expect(t.method).toBe('pixels');
    const after = await compareFrames(ref, await applyTransfer(t, src));
    expect(before.deltaE2000).toBeGreaterThan(3);
    expect(after.deltaE2000).toBeLessThan(1.5);
    // Lightness is matched in Oklab; what is left of the Rec. 709 luma jump comes from pixels the drift clipped.
    expect(after.lumaJump).toBeLessThan(Math.min(0.012, before.lumaJump / 4));
    // Half strength goes about half way.
    const half = await compareFrames(ref, await applyTransfer({ ...t, strength: 0.5 }, src));
    expect(half.lumaJump).toBeGreaterThan(before.lumaJump * 0.3);
    expect(half.lumaJump).toBeLessThan(before.lumaJump * 0.7);
  });

  it('ffmpeg lut3d with the .cube LUT does what applyTransfer does (mean under 1 level, 99 % within 4), from a path with quotes, colons and brackets', async () => {
    const src = await decodeFrame(drifted, 'first', size);
    const t = await matchTransfer(src, await decodeFrame(reference, 'first', size), 1);
    const lut = join(dir, 'match.cube');
    await writeFile(lut, await cubeLut(t));
    const out = join(dir, 'matched.png');
    await runFfmpeg(['-i', drifted, '-vf', `lut3d=file=${filterPath(lut)}`, '-frames:v', '1', out]);
    const viaFfmpeg = await decodeFrame(out, 'first', size);
    const viaJs = await applyTransfer(t, src);
    const diffs: number[] = [];
    for (let i = 0; i < viaJs.data.length; i++) if (i % 4 !== 3) diffs.push(Math.abs(viaJs.data[i]! - viaFfmpeg.data[i]!));
    diffs.sort((a, b) => a - b);
    // Interpolating 33 points per axis is exact enough nearly everywhere; the few worst pixels sit where the map
    // bends hardest (saturated colours clipped at the gamut edge).
    expect(diffs.reduce((a, b) => a + b, 0) / diffs.length).toBeLessThan(1);
    expect(diffs[Math.floor(diffs.length * 0.99)]).toBeLessThanOrEqual(4);
    // and it did change the picture
    expect((await compareFrames(src, viaFfmpeg)).lumaJump).toBeGreaterThan(0.03);
  });
});
