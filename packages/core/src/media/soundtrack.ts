// A music or narration bed under the film: looped or cut to the film's length, faded out at the end, and ducked
// (sidechain-compressed) wherever the clips have sound of their own.

import { JOIN_AUDIO_RATE } from './audio.js';
import type { FfmpegBinaries } from './binaries.js';
import { runFfmpeg } from './run.js';
import { assertWritten } from './verify.js';

export interface SoundtrackOptions {
  /** Gain of the bed (0 … 1). */
  volume: number;
  /** Fade-out at the end of the film, in seconds. */
  fadeOutSec: number;
  signal?: AbortSignal | undefined;
  binaries?: FfmpegBinaries | undefined;
  timeoutMs: number;
}

/** The filter graph mixing input 1 (the bed) under input 0's audio (`filmHasAudio`) into `[a]`. */
export function soundtrackGraph(durationSec: number, filmHasAudio: boolean, opts: Pick<SoundtrackOptions, 'volume' | 'fadeOutSec'>): string {
  const rate = JOIN_AUDIO_RATE;
  const n = Math.round(durationSec * rate);
  const fade = Math.min(Math.round(opts.fadeOutSec * rate), n);
  const bed = [
    `[1:a:0]aresample=${rate}`,
    'aformat=sample_fmts=fltp:channel_layouts=stereo',
    `volume=${opts.volume}`,
    `apad=whole_len=${n}`,
    `atrim=end_sample=${n}`,
    ...(fade > 0 ? [`afade=t=out:ss=${n - fade}:ns=${fade}`] : []),
  ].join(',');
  if (!filmHasAudio) return `${bed}[a]`;
  return [
    `${bed}[bed]`,
    `[0:a:0]aresample=${rate},aformat=sample_fmts=fltp:channel_layouts=stereo,asplit=2[key][own]`,
    // The clips' own sound pushes the bed down by up to ~18 dB while it plays, and lets it back within half a second.
    '[bed][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[ducked]',
    // amix halves each input; give the level back.
    '[own][ducked]amix=inputs=2:duration=first:dropout_transition=0,volume=2[a]',
  ].join(';');
}

/** Writes `out`: `film`'s video (copied) with `bed` mixed under its audio. */
export async function mixSoundtrack(
  film: { path: string; durationSec: number; hasAudio: boolean },
  bed: string,
  out: string,
  opts: SoundtrackOptions,
): Promise<void> {
  const graph = soundtrackGraph(film.durationSec, film.hasAudio, opts);
  await runFfmpeg(
    [
      ...['-i', film.path, '-stream_loop', '-1', '-i', bed],
      ...['-filter_complex', graph, '-map', '0:v:0', '-map', '[a]', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '192k', '-ar', String(JOIN_AUDIO_RATE)],
      ...['-movflags', '+faststart', '-f', 'mp4', out],
    ],
    {
      signal: opts.signal,
      binaries: opts.binaries,
      timeoutMs: opts.timeoutMs,
      writes: { path: out, what: 'the film with its soundtrack', reportPath: film.path },
    },
  );
  await assertWritten(out, 'the film with its soundtrack');
}
