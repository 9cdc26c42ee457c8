// Subtitles beside the film: one SubRip cue per segment, timed to the segment's exact place in the joined video;
// optionally drawn into the picture (libass, through ffmpeg's `subtitles` filter).
import { TtvError } from '../spec/errors.js';
import type { FfmpegBinaries } from './binaries.js';
import { filterPath } from './colour.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { runFfmpeg } from './run.js';
import { assertWritten } from './verify.js';

export interface Cue {
  startSec: number;
  endSec: number;
  text: string;
}

/** `HH:MM:SS,mmm` (SubRip), rounded to the millisecond. */
export function srtTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)},${pad(ms % 1000, 3)}`;
}

/** Wraps text into lines of at most `width` characters (at spaces; a longer word stands alone). */
export function wrapLines(text: string, width = 42): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.replace(/\s+/g, ' ').trim().split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The cues of a film whose segment k has `frames[k]` frames at `fps` (as the join made it): each cue starts where
 * its segment starts and ends where the next begins. Empty texts make no cue.
 */
export function segmentCues(frames: number[], fps: number, texts: string[]): Cue[] {
  const cues: Cue[] = [];
  let at = 0;
  for (const [k, f] of frames.entries()) {
    const text = texts[k]?.trim();
    if (text) cues.push({ startSec: at / fps, endSec: (at + f) / fps, text });
    at += f;
  }
  return cues;
}

/** A SubRip (.srt) file: numbered cues, times, wrapped text, blank line between cues. */
export function buildSrt(cues: Cue[]): string {
  return cues.map((c, i) => `${i + 1}\n${srtTime(c.startSec)} --> ${srtTime(c.endSec)}\n${wrapLines(c.text).join('\n')}\n`).join('\n');
}

export interface BurnSubtitlesOptions {
  signal?: AbortSignal;
  binaries?: FfmpegBinaries;
  timeoutMs?: number;
  crf?: number;
  preset?: string;
  /** What the film is (its probe): the output must keep its frame count and size. */
  film: VideoProbe;
}

/**
 * Writes `video` with the SRT's cues drawn into the picture to `out` (a temp path the caller renames): the video
 * re-encoded (libx264), the audio copied. The result is checked to keep every frame; a machine where fontconfig
 * finds no font draws nothing, which libass only warns about.
 */
export async function burnSubtitles(video: string, srt: string, out: string, opts: BurnSubtitlesOptions): Promise<VideoProbe> {
  const { stderr } = await runFfmpeg(
    [
      ...['-v', 'warning', '-i', video, '-map', '0:v:0', '-map', '0:a?', '-vf', `subtitles=filename=${filterPath(srt)},format=yuv420p`],
      ...['-c:v', 'libx264', '-preset', opts.preset ?? 'veryfast', '-crf', String(opts.crf ?? 18), '-c:a', 'copy'],
      ...['-video_track_timescale', '90000', '-movflags', '+faststart', '-f', 'mp4', out],
    ],
    {
      signal: opts.signal,
      binaries: opts.binaries,
      timeoutMs: opts.timeoutMs ?? 30 * 60_000,
      writes: { path: out, what: 'the film with burned-in subtitles' },
    },
  );
  if (/fontselect: failed to find any fallback|No usable fontconfig configuration/i.test(stderr)) {
    throw new TtvError('FFMPEG_FAILED', 'burning in subtitles: no font was found, so no text would be drawn', {
      field: 'subtitles.burnIn',
      fix: 'install a font that fontconfig finds (e.g. apt-get install fonts-dejavu-core), or set subtitles.burnIn: false',
    });
  }
  await assertWritten(out, 'film with burned-in subtitles');
  const probe = await probeVideo(out, { signal: opts.signal, binaries: opts.binaries });
  if (probe.frames !== opts.film.frames || probe.width !== opts.film.width || probe.height !== opts.film.height) {
    throw new TtvError(
      'FFMPEG_FAILED',
      `burning in subtitles wrote ${probe.frames} frames at ${probe.width}x${probe.height}, expected ${opts.film.frames} at ${opts.film.width}x${opts.film.height}`,
      {
        field: 'subtitles.burnIn',
        value: true,
        fix: 'run the same command again (the joined film is kept); if it repeats, set subtitles.burnIn: false and report the ffmpeg build',
      },
    );
  }
  return probe;
}
