// The film's one audio track, built in a single ffmpeg call from the segments' own audio (or silence where a
// segment has none), cut sample-exactly to each segment's place in the joined video. See docs/decisions/0004.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempPathFor } from '../util/fs.js';
import type { FfmpegBinaries } from './binaries.js';
import { runFfmpeg } from './run.js';
import { assertWritten } from './verify.js';

/** Sample rate of the joined film's audio (the rate video models and AAC use most). */
export const JOIN_AUDIO_RATE = 48_000;

/** One segment's part in the film's audio. */
export interface AudioPiece {
  /** The segment file (its first audio stream is used). */
  path: string;
  hasAudio: boolean;
  /** The segment's own frame rate (the dropped seam frame's duration is cut from its audio too). */
  sourceFps: number;
  /** Whether the segment's first frame is dropped in the join. */
  dropFirstFrame: boolean;
  /** Seconds more cut from its start (the frames a video crossfade overlaps with the previous segment). */
  skipSec?: number;
  /** Frames this segment contributes to the joined video, at the film's frame rate. */
  frames: number;
}

/**
 * Samples of each piece: boundaries are rounded on the running total of frames, so the pieces add up to the
 * video's length exactly, however many there are (no drift from rounding each piece on its own).
 */
export function pieceSampleCounts(frames: number[], fps: number, rate = JOIN_AUDIO_RATE): number[] {
  let total = 0;
  let previous = 0;
  return frames.map((f) => {
    total += f;
    const boundary = Math.round((total * rate) / fps);
    const n = boundary - previous;
    previous = boundary;
    return n;
  });
}

/** A piece with its exact length in samples and whether it fades in and out (seams only, not the film's ends). */
interface PlacedPiece extends AudioPiece {
  samples: number;
  fadeIn: boolean;
  fadeOut: boolean;
}

function place(pieces: AudioPiece[], fps: number, rate: number): PlacedPiece[] {
  const counts = pieceSampleCounts(
    pieces.map((p) => p.frames),
    fps,
    rate,
  );
  return pieces.map((p, i) => ({ ...p, samples: counts[i]!, fadeIn: i > 0, fadeOut: i < pieces.length - 1 }));
}

/** The filter graph of some placed pieces, concatenated into `[aout]`; its input files in order. */
function graphOf(pieces: PlacedPiece[], fadeMs: number, rate: number): { inputs: string[]; graph: string } {
  const inputs: string[] = [];
  const chains = pieces.map((piece, i) => {
    const n = piece.samples;
    const half = Math.min(Math.round(((fadeMs / 2) * rate) / 1000), Math.floor(n / 2));
    const fades = [
      ...(piece.fadeIn && half > 0 ? [`afade=t=in:ss=0:ns=${half}`] : []),
      ...(piece.fadeOut && half > 0 ? [`afade=t=out:ss=${n - half}:ns=${half}`] : []),
    ];
    let source: string[];
    if (piece.hasAudio) {
      const skip = (piece.dropFirstFrame ? Math.round(rate / piece.sourceFps) : 0) + Math.round((piece.skipSec ?? 0) * rate);
      source = [
        `[${inputs.length}:a:0]aresample=${rate}`,
        'aformat=sample_fmts=fltp:channel_layouts=stereo',
        ...(skip > 0 ? [`atrim=start_sample=${skip}`, 'asetpts=N/SR/TB'] : []),
        `apad=whole_len=${n}`,
        `atrim=end_sample=${n}`,
      ];
      inputs.push(piece.path);
    } else {
      source = [`anullsrc=r=${rate}:cl=stereo`, `atrim=end_sample=${n}`, 'aformat=sample_fmts=fltp:channel_layouts=stereo'];
    }
    return `${[...source, ...fades].join(',')}[a${i}]`;
  });
  const concat = `${pieces.map((_, i) => `[a${i}]`).join('')}concat=n=${pieces.length}:v=0:a=1[aout]`;
  return { inputs, graph: [...chains, concat].join(';') };
}

/**
 * The `-filter_complex` graph and the input files for the film's audio. Each piece is resampled to 48 kHz
 * stereo, loses the audio under a dropped seam frame, is padded with silence or cut to exactly its samples, and
 * fades out and in over `fadeMs` in total at every seam (half on each side: no click, and no shift of the
 * audio against the picture). A piece without audio is silence of its length.
 */
export function joinAudioGraph(pieces: AudioPiece[], fps: number, fadeMs: number, rate = JOIN_AUDIO_RATE): { inputs: string[]; graph: string } {
  return graphOf(place(pieces, fps, rate), fadeMs, rate);
}

export interface BuildAudioOptions {
  fadeMs: number;
  signal?: AbortSignal | undefined;
  binaries?: FfmpegBinaries | undefined;
  timeoutMs: number;
  /** The path to name in a disk-full error. */
  reportPath: string;
}

/** Segments one ffmpeg call reads at once (each is an open input): a longer film is built in parts. */
export const AUDIO_CHUNK = 100;

/**
 * Encodes the film's audio track (AAC in an MP4 container) to `out`. Up to `chunk` segments in one ffmpeg call;
 * a longer film is made of lossless parts (float WAV, sample-exact) that are then concatenated and encoded once.
 */
export async function buildJoinAudio(pieces: AudioPiece[], fps: number, out: string, opts: BuildAudioOptions, chunk = AUDIO_CHUNK): Promise<void> {
  const placed = place(pieces, fps, JOIN_AUDIO_RATE);
  const run = { signal: opts.signal, binaries: opts.binaries, timeoutMs: opts.timeoutMs };
  const encode = ['-c:a', 'aac', '-b:a', '192k', '-ar', String(JOIN_AUDIO_RATE), '-f', 'mp4', out];
  const writes = { path: out, what: 'the joined audio', reportPath: opts.reportPath };
  if (placed.length <= chunk) {
    const { inputs, graph } = graphOf(placed, opts.fadeMs, JOIN_AUDIO_RATE);
    await runFfmpeg([...inputs.flatMap((path) => ['-i', path]), '-filter_complex', graph, '-map', '[aout]', '-vn', '-sn', '-dn', ...encode], {
      ...run,
      writes,
    });
  } else {
    // A temp name of the film's: the next join removes it if this process is killed before the `finally` below.
    const dir = tempPathFor(opts.reportPath);
    await mkdir(dir);
    try {
      const parts: string[] = [];
      for (let from = 0; from < placed.length; from += chunk) {
        const part = join(dir, `part-${parts.length}.wav`);
        const { inputs, graph } = graphOf(placed.slice(from, from + chunk), opts.fadeMs, JOIN_AUDIO_RATE);
        await runFfmpeg([...inputs.flatMap((path) => ['-i', path]), '-filter_complex', graph, '-map', '[aout]', '-c:a', 'pcm_f32le', '-f', 'wav', part], {
          ...run,
          writes: { ...writes, path: part },
        });
        parts.push(part);
      }
      const graph = `${parts.map((_, i) => `[${i}:a:0]`).join('')}concat=n=${parts.length}:v=0:a=1[aout]`;
      await runFfmpeg([...parts.flatMap((path) => ['-i', path]), '-filter_complex', graph, '-map', '[aout]', ...encode], { ...run, writes });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  await assertWritten(out, 'the joined audio');
}
