import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TtvError } from '../spec/errors.js';
import { produceAtomic } from '../util/fs.js';
import type { FfmpegBinaries } from './binaries.js';
import { runFfmpeg } from './run.js';
import { assertWritten } from './verify.js';

interface CommonOptions {
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
}

export interface TestClipOptions extends CommonOptions {
  width: number;
  height: number;
  fps: number;
  frames: number;
  /**
   * testsrc2 (default), mandelbrot, or numbered: each frame shows its index as NUMBERED_BITS black/white
   * vertical stripes (bit i = stripe i from the left), readable back with `readTestFrameIndex`.
   */
  pattern?: 'testsrc2' | 'mandelbrot' | 'numbered';
  /** libx264 CRF (default 23). */
  crf?: number;
  /** Add an AAC audio track: a sine tone at this frequency (Hz), 48 kHz stereo, as long as the video. */
  toneHz?: number;
}

/** Bits of the frame index drawn by the `numbered` pattern (indices 0 … 4095). */
export const NUMBERED_BITS = 12;

function check(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new TtvError('INPUT_INVALID', `${name} must be a positive integer, got ${value}`, { field: name, value });
}

/** A synthetic H.264 yuv420p MP4 for tests and benches. */
export async function makeTestClip(out: string, opts: TestClipOptions): Promise<void> {
  const { width, height, frames } = opts;
  check('width', width);
  check('height', height);
  check('frames', frames);
  if (!(opts.fps > 0)) throw new TtvError('INPUT_INVALID', `fps must be > 0, got ${opts.fps}`, { field: 'fps', value: opts.fps });
  const pattern = opts.pattern ?? 'testsrc2';
  const size = `${width}x${height}`;
  const fps = String(opts.fps);
  let source: string;
  let filter: string;
  if (pattern === 'numbered') {
    // Draw the bits on a tiny canvas (cheap per-pixel geq), then blow it up with nearest-neighbour scaling.
    source = `color=c=black:s=${NUMBERED_BITS}x2:r=${fps}`;
    filter = `format=gray,geq=lum='if(mod(floor(N/pow(2\\,X))\\,2)\\,255\\,0)',scale=${width}:${height}:flags=neighbor,setsar=1,format=yuv420p`;
  } else {
    source = `${pattern}=s=${size}:r=${fps}`;
    filter = 'setsar=1,format=yuv420p';
  }
  const seconds = frames / opts.fps;
  // With a tone: a second input and -t, not -frames:v (this ffmpeg ends the whole file when the video's frame
  // count is reached, cutting the audio short).
  const toneInput = opts.toneHz === undefined ? [] : ['-f', 'lavfi', '-i', `sine=frequency=${opts.toneHz}:sample_rate=48000:duration=${seconds}`];
  const length =
    opts.toneHz === undefined
      ? ['-frames:v', String(frames)]
      : ['-map', '0:v', '-map', '1:a', '-af', 'aformat=channel_layouts=stereo', '-t', String(seconds), '-c:a', 'aac', '-b:a', '128k'];
  await produceAtomic(out, async (tmp) => {
    await runFfmpeg(
      [
        ...['-f', 'lavfi', '-i', source, ...toneInput, '-vf', filter, ...length],
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(opts.crf ?? 23), '-pix_fmt', 'yuv420p'],
        ...['-movflags', '+faststart', '-f', 'mp4', tmp],
      ],
      { signal: opts.signal, binaries: opts.binaries, timeoutMs: opts.timeoutMs ?? 600_000 },
    );
    await assertWritten(tmp, `test clip ${out}`);
  });
}

export interface TestImageOptions extends CommonOptions {
  width: number;
  height: number;
  /** gradient (default: smooth, colourful), testsrc2, mandelbrot, or rgba (gradient with an alpha ramp). */
  pattern?: 'gradient' | 'testsrc2' | 'mandelbrot' | 'rgba';
}

/** A synthetic PNG for tests and benches. */
export async function makeTestImage(out: string, opts: TestImageOptions): Promise<void> {
  const { width, height } = opts;
  check('width', width);
  check('height', height);
  const pattern = opts.pattern ?? 'gradient';
  const gradient = "r='255*X/W':g='255*Y/H':b='127.5+127.5*sin(6.2832*(X/W+Y/H))'";
  let input: string[];
  if (pattern === 'gradient' || pattern === 'rgba') {
    const alpha = pattern === 'rgba' ? ":a='255*X/W'" : '';
    input = ['-f', 'lavfi', '-i', `color=c=black:s=${width}x${height}`, '-vf', `format=${pattern === 'rgba' ? 'rgba' : 'gbrp'},geq=${gradient}${alpha}`];
  } else {
    input = ['-f', 'lavfi', '-i', `${pattern}=s=${width}x${height}`];
  }
  const pixFmt = pattern === 'rgba' ? 'rgba' : 'rgb24';
  await produceAtomic(out, async (tmp) => {
    await runFfmpeg([...input, '-frames:v', '1', '-pix_fmt', pixFmt, '-c:v', 'png', '-f', 'image2', tmp], {
      signal: opts.signal,
      binaries: opts.binaries,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
    await assertWritten(tmp, `test image ${out}`);
  });
}

/** Reads back the frame index drawn by the `numbered` pattern from an extracted image (PNG or JPEG). */
export async function readTestFrameIndex(image: string, opts: CommonOptions = {}): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-index-'));
  try {
    const raw = join(dir, 'bits.gray');
    await runFfmpeg(['-i', image, '-vf', `scale=${NUMBERED_BITS}:1:flags=area,format=gray`, '-frames:v', '1', '-f', 'rawvideo', raw], {
      signal: opts.signal,
      binaries: opts.binaries,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
    const bytes = await readFile(raw);
    if (bytes.length !== NUMBERED_BITS)
      throw new TtvError('FFMPEG_FAILED', `readTestFrameIndex: expected ${NUMBERED_BITS} bytes from ${image}, got ${bytes.length}`);
    let index = 0;
    for (let bit = 0; bit < NUMBERED_BITS; bit++) if ((bytes[bit] ?? 0) >= 128) index |= 1 << bit;
    return index;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
