// How visible each seam of a film is: the mean luminance jump, the colour shift (ΔE2000 between the two frames'
// mean colours) and the structural similarity (SSIM) of the last frame of one segment and the first of the next,
// read from the joined film in one decode pass. Colour maths from culori, SSIM from ssim.js.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtvError } from '../spec/errors.js';
import type { FfmpegBinaries } from './binaries.js';
import { runFfmpeg } from './run.js';

/** The measures of one seam: between the last frame of segment `from` and the first frame of `from + 1`. */
export interface SeamMetrics {
  from: number;
  /** Frame index (in the film) of the first frame after the cut. */
  frame: number;
  /** Mean luminance difference, as a fraction of full scale (0.01 = 1 %). */
  lumaJump: number;
  /** CIEDE2000 difference of the two frames' mean colours (CIELAB, D65). Below ~2 is hard to see. */
  deltaE2000: number;
  /** Mean SSIM of the two frames (1 = identical). */
  ssim: number;
  /** The same measures had the segment after the cut not been colour-matched, when `join.colorMatch` is on. */
  before?: SeamMeasure;
}

/** The three measures of one pair of frames. */
export type SeamMeasure = Pick<SeamMetrics, 'lumaJump' | 'deltaE2000' | 'ssim'>;

/** When a seam is flagged as visible (the report marks it). */
export const SEAM_THRESHOLDS = { lumaJump: 0.02, deltaE2000: 3 } as const;

export function seamFlagged(m: Pick<SeamMetrics, 'lumaJump' | 'deltaE2000'>): boolean {
  return m.lumaJump > SEAM_THRESHOLDS.lumaJump || m.deltaE2000 > SEAM_THRESHOLDS.deltaE2000;
}

export interface MeasureSeamsOptions {
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
  /** Width the frames are scaled to before measuring (default 256; never upscaled). */
  width?: number;
}

export interface Frame {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

type Lab = { mode: 'lab65'; l: number; a: number; b: number };

/** culori and ssim.js, loaded on first use (importing @ttv/core stays light). */
async function libraries() {
  const [{ converter, differenceCiede2000 }, { ssim }] = await Promise.all([import('culori'), import('ssim.js')]);
  return { toLab: converter('lab65'), deltaE: differenceCiede2000(), ssim };
}
type Libraries = Awaited<ReturnType<typeof libraries>>;
let loaded: Promise<Libraries> | undefined;

/** sRGB byte → linear light, once per value. */
const LINEAR = Array.from({ length: 256 }, (_, v) => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

/**
 * Mean colour of an RGBA frame, in CIELAB (D65): the pixels averaged in linear light (how light mixes), converted
 * once. One conversion a frame instead of one a pixel.
 */
function meanLab(f: Frame, toLab: Libraries['toLab']): Lab {
  let r = 0;
  let g = 0;
  let b = 0;
  const n = f.width * f.height;
  for (let i = 0; i < n; i++) {
    r += LINEAR[f.data[i * 4]!]!;
    g += LINEAR[f.data[i * 4 + 1]!]!;
    b += LINEAR[f.data[i * 4 + 2]!]!;
  }
  return toLab({ mode: 'lrgb', r: r / n, g: g / n, b: b / n });
}

/** Mean Rec. 709 luma of an RGBA frame, 0 … 1. */
function meanLuma(f: Frame): number {
  let y = 0;
  const n = f.width * f.height;
  for (let i = 0; i < n; i++) y += 0.2126 * f.data[i * 4]! + 0.7152 * f.data[i * 4 + 1]! + 0.0722 * f.data[i * 4 + 2]!;
  return y / n / 255;
}

/** The three measures of one pair of frames (RGBA pixels). */
export async function compareFrames(last: Frame, first: Frame): Promise<SeamMeasure> {
  loaded ??= libraries();
  const { toLab, deltaE, ssim } = await loaded;
  return {
    lumaJump: Math.abs(meanLuma(first) - meanLuma(last)),
    deltaE2000: deltaE(meanLab(last, toLab), meanLab(first, toLab)),
    ssim: ssim(last, first).mssim,
  };
}

/**
 * Measures every seam of `film`: `starts` are the frame indices where segments 1, 2, … begin in the film. One
 * ffmpeg pass decodes the film and keeps only the frames on either side of each cut.
 */
export async function measureSeams(
  film: { path: string; width: number; height: number },
  starts: number[],
  opts: MeasureSeamsOptions = {},
): Promise<SeamMetrics[]> {
  if (starts.length === 0) return [];
  const wanted = [...new Set(starts.flatMap((s) => [s - 1, s]))].filter((n) => n >= 0).sort((a, b) => a - b);
  const dir = await mkdtemp(join(tmpdir(), 'ttv-seams-'));
  try {
    const raw = join(dir, 'frames.rgba');
    const w = Math.min(film.width, (opts.width ?? 256) & ~1);
    const h = Math.max(2, Math.round((film.height * w) / film.width / 2) * 2);
    const select = `select='${wanted.map((n) => `eq(n\\,${n})`).join('+')}'`;
    await runFfmpeg(['-i', film.path, '-map', '0:v:0', '-vf', `${select},scale=${w}:${h}`, '-vsync', '0', '-f', 'rawvideo', '-pix_fmt', 'rgba', raw], {
      signal: opts.signal,
      binaries: opts.binaries,
      timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    });
    const buf = await readFile(raw);
    const bytes = w * h * 4;
    if (buf.length < bytes * wanted.length) {
      throw new TtvError(
        'FFMPEG_FAILED',
        `measuring the seams of ${film.path}: expected ${wanted.length} frames of ${w}x${h}, got ${Math.floor(buf.length / bytes)}`,
        {
          value: film.path,
        },
      );
    }
    const frames = new Map<number, Frame>(
      wanted.map((n, i) => [n, { data: new Uint8ClampedArray(buf.buffer, buf.byteOffset + i * bytes, bytes), width: w, height: h }]),
    );
    const seams: SeamMetrics[] = [];
    for (const [k, s] of starts.entries()) seams.push({ from: k, frame: s, ...(await compareFrames(frames.get(s - 1)!, frames.get(s)!)) });
    return seams;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
