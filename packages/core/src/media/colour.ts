// Colour and exposure matching at seams (ADR 0006), in Oklab, a perceptual space in which lightness and the two
// colour axes are close to independent. One transform a segment (per-frame matching flickers): an affine map that
// takes the segment's first frame to its predecessor's corrected last frame. The two frames show the same picture
// (the first frame of an image-to-video clip is the image it started from), so the map is fitted pixel by pixel
// (least squares, which also undoes a hue turn that leaves the mean colour where it was); where they do not
// correspond (a cut, a text-to-video start), only the mean and spread of each channel are matched (Reinhard et al.
// 2001). ffmpeg applies the map as a 3D LUT (`lut3d`) in the join's normalisation pass, so it costs no extra
// encode. Colour conversions from culori (loaded on first use); the 4×4 least-squares solve is written out here.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtvError } from '../spec/errors.js';
import type { FfmpegBinaries } from './binaries.js';
import { runFfmpeg } from './run.js';
import type { Frame } from './seams.js';
import { ACCURATE_SWS, assertWritten, PNG_OUT, produceMedia } from './verify.js';

type Triple = [number, number, number];

/** Mean and standard deviation of a frame's pixels per Oklab channel (L, a, b). */
export interface ColourStats {
  mean: Triple;
  std: Triple;
}

/**
 * An affine map in Oklab, `out = matrix × in + offset` (matrix row-major, 3×3), blended with the identity by
 * `strength` (0 = unchanged, 1 = full match). `method` says how it was found. It is what the manifest records;
 * the LUT file is made from it.
 */
export interface ColourTransfer {
  matrix: number[];
  offset: Triple;
  strength: number;
  method: 'pixels' | 'stats';
}

const IDENTITY_MATRIX = [1, 0, 0, 0, 1, 0, 0, 0, 1];
export const IDENTITY_TRANSFER: ColourTransfer = { matrix: IDENTITY_MATRIX, offset: [0, 0, 0], strength: 0, method: 'stats' };

/** Bounds of the spread ratio: a segment is never flattened or stretched by more than 2× in any channel. */
const MAX_SCALE = 2;
/** Below this spread a channel is flat (a solid colour): only its mean is moved. */
const FLAT = 1e-3;
/** Lightness correlation above which two frames are taken to show the same picture (pixel fit). */
const CORRESPOND = 0.9;

function checkStrength(strength: number): void {
  if (!(strength >= 0 && strength <= 1)) {
    throw new TtvError('INPUT_INVALID', `colour-match strength must be between 0 and 1, got ${strength}`, {
      field: 'join.colorMatchStrength',
      value: strength,
    });
  }
}

/**
 * The transfer that gives `source` the statistics of `reference` (per channel: mean and spread), at `strength`.
 * Pure; table-tested in colour.test.ts.
 */
export function statsTransfer(source: ColourStats, reference: ColourStats, strength: number): ColourTransfer {
  checkStrength(strength);
  const scale = [0, 1, 2].map((c) => {
    const s = source.std[c]!;
    const r = reference.std[c]!;
    if (s < FLAT || r < FLAT) return 1;
    return Math.min(MAX_SCALE, Math.max(1 / MAX_SCALE, r / s));
  });
  const offset = [0, 1, 2].map((c) => reference.mean[c]! - source.mean[c]! * scale[c]!) as Triple;
  return { matrix: [scale[0]!, 0, 0, 0, scale[1]!, 0, 0, 0, scale[2]!], offset, strength, method: 'stats' };
}

/**
 * The least-squares affine map from `source` to `reference` pixels (Oklab triples, same length, pixel i of one
 * matches pixel i of the other), lightly pulled towards the identity so that a flat frame (a solid colour) gets a
 * finite answer. Undefined when the fit would stretch a channel beyond 2× (the frames do not match). Pure.
 */
export function fitTransfer(source: Float64Array, reference: Float64Array, strength: number): ColourTransfer | undefined {
  checkStrength(strength);
  const n = source.length / 3;
  const lambda = n * 1e-5;
  // Normal equations (XᵀX + λI) w = Xᵀy + λ w₀ for each output channel, X rows [L, a, b, 1].
  const xtx = Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? lambda : 0));
  const xty = [0, 1, 2].map(() => [0, 0, 0, 0]);
  for (let i = 0; i < n; i++) {
    const x = [source[i * 3]!, source[i * 3 + 1]!, source[i * 3 + 2]!, 1];
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) xtx[r * 4 + c]! += x[r]! * x[c]!;
      for (let ch = 0; ch < 3; ch++) xty[ch]![r]! += x[r]! * reference[i * 3 + ch]!;
    }
  }
  const rows = [0, 1, 2].map((ch) =>
    solve4(
      xtx,
      xty[ch]!.map((v, r) => v + (r === ch ? lambda : 0)),
    ),
  );
  if (rows.some((w) => !w || w.some((v) => !Number.isFinite(v)))) return undefined;
  const matrix = rows.flatMap((w) => w!.slice(0, 3));
  if ([0, 4, 8].some((k) => !(matrix[k]! > 1 / MAX_SCALE && matrix[k]! < MAX_SCALE))) return undefined;
  return { matrix, offset: rows.map((w) => w![3]!) as Triple, strength, method: 'pixels' };
}

/** Solves the 4×4 system a·w = b (row-major a) by Gaussian elimination with partial pivoting; undefined if singular. */
function solve4(a: number[], b: number[]): number[] | undefined {
  const m = [0, 1, 2, 3].map((r) => [...a.slice(r * 4, r * 4 + 4), b[r]!]);
  for (let col = 0; col < 4; col++) {
    let pivot = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) < 1e-12) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < 4; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c < 5; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, r) => row[4]! / row[r]!);
}

/** Pearson correlation of the lightness channels of two equal-length Oklab pixel arrays. */
export function lightnessCorrelation(a: Float64Array, b: Float64Array): number {
  const n = a.length / 3;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i * 3]!;
    sb += b[i * 3]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i * 3]! - ma;
    const db = b[i * 3]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va < 1e-12 || vb < 1e-12 ? 0 : cov / Math.sqrt(va * vb);
}

/** Rounds of mean refinement in `matchTransfer`. */
const REFINE_ROUNDS = 2;

/**
 * The transfer for a segment: fitted pixel by pixel when its first frame shows the same picture as the reference
 * (same size, lightness correlation ≥ 0.9), else from the two frames' statistics; then the offsets are refined
 * on the frame itself so that the corrected frame's means land on the target. Colours pushed out of the sRGB gamut
 * are clipped, which moves the mean a little; uncorrected, that error would be passed on from segment to segment
 * in chaining mode.
 */
export async function matchTransfer(source: Frame, reference: Frame, strength: number): Promise<ColourTransfer> {
  checkStrength(strength);
  const [src, ref] = await Promise.all([oklabPixels(source), oklabPixels(reference)]);
  const sourceStats = statsOf(src);
  const referenceStats = statsOf(ref);
  const same = source.width === reference.width && source.height === reference.height && lightnessCorrelation(src, ref) >= CORRESPOND;
  let t = (same ? fitTransfer(src, ref, strength) : undefined) ?? statsTransfer(sourceStats, referenceStats, strength);
  if (strength === 0) return t;
  const target = sourceStats.mean.map((m, c) => m + strength * (referenceStats.mean[c]! - m));
  for (let round = 0; round < REFINE_ROUNDS; round++) {
    const got = statsOf(await oklabPixels(await applyTransfer(t, source))).mean;
    t = { ...t, offset: t.offset.map((o, c) => o + (target[c]! - got[c]!) / strength) as Triple };
  }
  return t;
}

/** Whether a transfer changes nothing (strength 0, or a map that is the identity to well below one 8-bit step). */
export function isIdentity(t: ColourTransfer): boolean {
  return t.strength === 0 || (t.matrix.every((v, k) => Math.abs(v - IDENTITY_MATRIX[k]!) < 1e-4) && t.offset.every((o) => Math.abs(o) < 1e-4));
}

interface ColourLib {
  toOklab: (c: { mode: 'lrgb'; r: number; g: number; b: number }) => { l: number; a: number; b: number };
  toLrgb: (c: { mode: 'oklab'; l: number; a: number; b: number }) => { r: number; g: number; b: number };
}
let lib: Promise<ColourLib> | undefined;
async function colourLib(): Promise<ColourLib> {
  lib ??= import('culori').then(({ converter }) => ({
    toOklab: converter('oklab') as unknown as ColourLib['toOklab'],
    toLrgb: converter('lrgb') as unknown as ColourLib['toLrgb'],
  }));
  return lib;
}

/** sRGB byte → linear light, once per value. */
const LINEAR = Array.from({ length: 256 }, (_, v) => toLinear(v / 255));
function toLinear(c: number): number {
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
function toSrgb(c: number): number {
  const x = Math.min(1, Math.max(0, c));
  return x <= 0.0031308 ? x * 12.92 : 1.055 * x ** (1 / 2.4) - 0.055;
}

/** The frame's pixels in Oklab, as [L, a, b] triples. */
export async function oklabPixels(frame: Frame): Promise<Float64Array> {
  const { toOklab } = await colourLib();
  const n = frame.width * frame.height;
  const out = new Float64Array(n * 3);
  const d = frame.data;
  for (let i = 0; i < n; i++) {
    const o = toOklab({ mode: 'lrgb', r: LINEAR[d[i * 4]!]!, g: LINEAR[d[i * 4 + 1]!]!, b: LINEAR[d[i * 4 + 2]!]! });
    out[i * 3] = o.l;
    out[i * 3 + 1] = o.a;
    out[i * 3 + 2] = o.b;
  }
  return out;
}

/** Mean and spread per channel of Oklab triples. */
function statsOf(px: Float64Array): ColourStats {
  const n = px.length / 3;
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = px[i * 3 + c]!;
      sum[c]! += v;
      sq[c]! += v * v;
    }
  }
  const mean = sum.map((s) => s / n) as Triple;
  const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c]! * mean[c]!))) as Triple;
  return { mean, std };
}

/** Mean and spread per Oklab channel of an RGBA frame. */
export async function colourStats(frame: Frame): Promise<ColourStats> {
  return statsOf(await oklabPixels(frame));
}

/** The transfer applied to one sRGB colour (components 0 … 1). */
function applyOne(t: ColourTransfer, { toOklab, toLrgb }: ColourLib, r: number, g: number, b: number): Triple {
  const o = toOklab({ mode: 'lrgb', r: toLinear(r), g: toLinear(g), b: toLinear(b) });
  const x = [o.l, o.a, o.b];
  const m = t.matrix;
  const v = x.map((xc, c) => xc + t.strength * (m[c * 3]! * x[0]! + m[c * 3 + 1]! * x[1]! + m[c * 3 + 2]! * x[2]! + t.offset[c]! - xc));
  const out = toLrgb({ mode: 'oklab', l: v[0]!, a: v[1]!, b: v[2]! });
  return [toSrgb(out.r), toSrgb(out.g), toSrgb(out.b)];
}

/** The transfer applied to every pixel of an RGBA frame (what the LUT will do to it), as a new frame. */
export async function applyTransfer(t: ColourTransfer, frame: Frame): Promise<Frame> {
  const l = await colourLib();
  const data = new Uint8ClampedArray(frame.data.length);
  const memo = new Map<number, Triple>();
  for (let i = 0; i < data.length; i += 4) {
    const key = (frame.data[i]! << 16) | (frame.data[i + 1]! << 8) | frame.data[i + 2]!;
    let px = memo.get(key);
    if (!px) {
      px = applyOne(t, l, frame.data[i]! / 255, frame.data[i + 1]! / 255, frame.data[i + 2]! / 255);
      memo.set(key, px);
    }
    data[i] = Math.round(px[0] * 255);
    data[i + 1] = Math.round(px[1] * 255);
    data[i + 2] = Math.round(px[2] * 255);
    data[i + 3] = frame.data[i + 3]!;
  }
  return { data, width: frame.width, height: frame.height };
}

/** LUT points per axis: 33 is the usual grading size (35 937 points, interpolated tetrahedrally by ffmpeg). */
export const LUT_SIZE = 33;

/** The transfer as an Adobe/IRIDAS `.cube` 3D LUT over sRGB (red varies fastest), the format ffmpeg's lut3d reads. */
export async function cubeLut(t: ColourTransfer, size = LUT_SIZE): Promise<string> {
  const l = await colourLib();
  const lines = [`TITLE "ttv colour match"`, `LUT_3D_SIZE ${size}`];
  const step = 1 / (size - 1);
  for (let b = 0; b < size; b++) {
    for (let g = 0; g < size; g++) {
      for (let r = 0; r < size; r++) {
        const out = applyOne(t, l, r * step, g * step, b * step);
        lines.push(`${out[0].toFixed(6)} ${out[1].toFixed(6)} ${out[2].toFixed(6)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A path as the value of a filter option inside an ffmpeg filter graph: escaped once for the option parser
 * (`\`, `'`, `:`) and once more for the graph parser (`\`, `'`, `[`, `]`, `,`, `;`).
 */
export function filterPath(path: string): string {
  const option = path.replace(/[\\':]/g, (c) => `\\${c}`);
  return option.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

export interface DecodeFrameOptions {
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
  /** Width the frame is scaled to (default 256, never upscaled; the height keeps the aspect, even). */
  width?: number;
}

/**
 * One frame of a video (`first` or `last`) or an image, decoded to RGBA pixels at a small size for statistics.
 * The last frame comes from decoding only the final second (`-sseof -1`) and keeping its last picture.
 */
export async function decodeFrame(
  path: string,
  which: 'first' | 'last',
  size: { width: number; height: number },
  opts: DecodeFrameOptions = {},
): Promise<Frame> {
  const w = Math.min(size.width, (opts.width ?? 256) & ~1);
  const h = Math.max(2, Math.round((size.height * w) / size.width / 2) * 2);
  const dir = await mkdtemp(join(tmpdir(), 'ttv-frame-'));
  try {
    const raw = join(dir, 'frame.rgba');
    const bytes = w * h * 4;
    const decode = async (input: string[], output: string[]) => {
      await runFfmpeg([...input, '-map', '0:v:0', '-vf', `scale=${w}:${h}`, ...ACCURATE_SWS, ...output, '-f', 'rawvideo', '-pix_fmt', 'rgba', raw], {
        signal: opts.signal,
        binaries: opts.binaries,
        timeoutMs: opts.timeoutMs ?? 120_000,
      });
      return readFile(raw);
    };
    let buf = which === 'last' ? await decode(['-sseof', '-1', '-i', path], []) : await decode(['-i', path], ['-frames:v', '1']);
    // `-sseof` assumes timestamps that start at 0 and can decode nothing otherwise (see extractLastFrame): decode it all.
    if (which === 'last' && buf.length < bytes) buf = await decode(['-i', path], []);
    if (buf.length < bytes) throw new TtvError('FFMPEG_FAILED', `decoding the ${which} frame of ${path} gave no picture`, { value: path });
    // The last whole frame in the buffer (for `last`, the final second decodes to several).
    const start = which === 'last' ? Math.floor(buf.length / bytes) * bytes - bytes : 0;
    return { data: new Uint8ClampedArray(buf.buffer, buf.byteOffset + start, bytes), width: w, height: h };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Writes `input` (an image) with the transfer applied by ffmpeg's lut3d, as an RGB PNG: the corrected last frame
 * a chained segment starts from. Atomic; the LUT goes to a temp folder.
 */
export async function applyTransferToImage(t: ColourTransfer, input: string, outPng: string, opts: DecodeFrameOptions = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-lut-'));
  try {
    const lut = join(dir, 'match.cube');
    await writeFile(lut, await cubeLut(t));
    await produceMedia(outPng, `the colour-matched copy of ${input}`, async (tmp) => {
      await runFfmpeg(['-i', input, '-vf', `lut3d=file=${filterPath(lut)}`, ...ACCURATE_SWS, ...['-frames:v', '1', '-update', '1'], ...PNG_OUT, tmp], {
        signal: opts.signal,
        binaries: opts.binaries,
        timeoutMs: opts.timeoutMs ?? 120_000,
        writes: { path: tmp, what: `the colour-matched frame`, reportPath: outPng },
      });
      await assertWritten(tmp, `colour-matched copy of ${input}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
