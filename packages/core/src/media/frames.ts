import { TtvError } from '../spec/errors.js';
import type { FfmpegBinaries } from './binaries.js';
import { probeVideo } from './probe.js';
import { runFfmpeg } from './run.js';
import { ACCURATE_SWS, assertWritten, PNG_OUT, produceMedia } from './verify.js';

export interface FrameOptions {
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
}

async function extract(video: string, outPng: string, input: string[], output: string[], what: string, opts: FrameOptions): Promise<void> {
  await produceMedia(outPng, `the ${what} of ${video}`, async (tmp) => {
    try {
      await runFfmpeg([...input, '-i', video, ...output, ...ACCURATE_SWS, ...PNG_OUT, tmp], {
        writes: { path: tmp, what: `the ${what} of ${video}`, reportPath: outPng },
        signal: opts.signal,
        binaries: opts.binaries,
        timeoutMs: opts.timeoutMs ?? 120_000,
      });
    } catch (error) {
      // A bad input should read as INPUT_INVALID naming the path, not as a raw ffmpeg dump: probe to find out.
      if (TtvError.is(error) && error.code === 'FFMPEG_FAILED') await probeVideo(video, { signal: opts.signal, binaries: opts.binaries });
      throw error;
    }
    await assertWritten(tmp, `${what} of ${video}`);
  });
}

/**
 * Writes the true last frame of `video` as an RGB PNG. `-sseof -1` decodes only the last second; `reverse`
 * buffers that second and emits its last frame first, so one PNG is encoded instead of one per frame (the
 * reference's `-update 1` form gives the identical image, 2–3× slower at 720p). Exact at any fps, also for clips
 * shorter than 1 s. Never `-sseof` with `-frames:v 1` alone: that keeps the first frame after the seek point.
 */
export async function extractLastFrame(video: string, outPng: string, opts: FrameOptions = {}): Promise<void> {
  try {
    return await extract(video, outPng, ['-sseof', '-1'], ['-vf', 'reverse', '-frames:v', '1'], 'last frame', opts);
  } catch (error) {
    if (!TtvError.is(error) || error.code !== 'FFMPEG_FAILED') throw error;
  }
  // `-sseof` assumes timestamps start at 0: where they do not (MPEG-TS starts at 1.4 s, Matroska or MP4 with an
  // offset) ffmpeg 4.1 seeks past the end, or into a GOP it cannot decode, and writes nothing with exit 0. Fall
  // back to decoding the clip and selecting its last shown frame by number.
  const probe = await probeVideo(video, { signal: opts.signal, binaries: opts.binaries });
  return extractFrame(video, probe.frames - 1, outPng, opts);
}

/** Writes frame 0 of `video` as an RGB PNG. */
export async function extractFirstFrame(video: string, outPng: string, opts: FrameOptions = {}): Promise<void> {
  return extract(video, outPng, [], ['-frames:v', '1'], 'first frame', opts);
}

/** Writes frame `index` (0-based, decode order of presentation) of `video` as an RGB PNG. */
export async function extractFrame(video: string, index: number, outPng: string, opts: FrameOptions = {}): Promise<void> {
  if (!Number.isInteger(index) || index < 0) {
    throw new TtvError('INPUT_INVALID', `frame index must be a non-negative integer, got ${index}`, { value: index });
  }
  return extract(video, outPng, [], ['-vf', `select=eq(n\\,${index})`, '-vsync', '0', '-frames:v', '1'], `frame ${index}`, opts);
}
