import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { joinSegments } from '../media/index.js';
import type { VideoProbe } from '../media/probe.js';
import { runFfprobe } from '../media/run.js';
import { measureSeams, seamFlagged } from '../media/seams.js';
import { mixSoundtrack } from '../media/soundtrack.js';
import { buildSrt, burnSubtitles, segmentCues } from '../media/subtitles.js';
import { TtvError } from '../spec/errors.js';
import { produceAtomic, sha256, sha256File, writeFileAtomic } from '../util/fs.js';
import { redact } from '../util/secrets.js';
import { matchColours } from './colour-step.js';
import type { Manifest } from './manifest.js';
import type { RunState } from './run-state.js';
import { verifyFile } from './segment.js';

/**
 * The join step: concatenates the finished segments into `final.mp4` (recorded in `manifest.final`). An
 * unchanged film (same segment hashes and join settings) whose file still verifies is not joined again.
 */
export async function joinStep(state: RunState): Promise<NonNullable<Manifest['final']>> {
  const { manifest, core, runDir } = state;
  const video = join(runDir, 'final.mp4');
  const subtitles = core.subtitles.from === 'off' ? undefined : { from: core.subtitles.from, burnIn: core.subtitles.burnIn, texts: subtitleTexts(state) };
  const bed = soundtrackOf(state);
  const soundtrack = bed && { ...core.soundtrack, sha256: await sha256File(bed) };
  const joinKey = sha256(JSON.stringify({ segments: manifest.segments.map((s) => s.sha256), output: manifest.output, join: core.join, subtitles, soundtrack }));
  const final = manifest.final;
  const subtitlesThere = !final?.subtitles || existsSync(final.subtitles);
  if (final?.key === joinKey && final.file === video && subtitlesThere && (await verifyFile(video, final.sha256))) {
    state.emit({ type: 'join-done', file: video, durationSec: final.durationSec, method: 'cached' });
    return final;
  }
  delete manifest.final;
  state.emit({ type: 'join-start', segments: state.plan.segments.length });
  const colours = core.join.colorMatch === 'on' ? await state.timed(() => matchColours(state)) : undefined;
  const joined = await state.timed(() =>
    joinSegments(
      // Each segment's file was verified against its sha256 when it finished or was reused in this run: its
      // recorded probe stands for it, so the join spawns no probe per segment.
      manifest.segments.map((s, i) => ({
        path: s.file!,
        // An extension starts after the seam frame instead of repeating it: nothing to drop.
        dropFirstFrame: core.join.dropSeamFrames && i > 0 && s.continuation !== 'extend',
        ...(s.probe && s.sha256 ? { probe: s.probe, sha256: s.sha256 } : {}),
        ...(colours ? { colour: colours[i]!.transfer } : {}),
      })),
      video,
      manifest.output,
      {
        signal: state.signal,
        cacheDir: join(runDir, 'segments', 'normalised'),
        crf: core.join.crf,
        preset: core.join.preset,
        audio: core.join.audio,
        audioFadeMs: core.join.audioFadeMs,
        crossfadeFrames: core.join.crossfadeFrames,
      },
    ),
  );
  let { probe } = joined;
  if (bed) probe = await state.timed(() => addSoundtrack(state, video, bed, probe));
  const measured = await state.timed(() =>
    measureSeams({ path: video, width: probe.width, height: probe.height }, seamStarts(joined.frames), { signal: state.signal }),
  );
  // With colour matching, each seam also says what it measured before the correction.
  const seams = measured.map((m) => {
    const before = colours?.[m.from + 1]?.before;
    return before ? { ...m, before } : m;
  });
  for (const s of seams.filter(seamFlagged)) {
    state.log(
      `seam ${s.from} → ${s.from + 1} is visible: luminance jump ${(s.lumaJump * 100).toFixed(1)} %, colour difference ΔE2000 ${s.deltaE2000.toFixed(1)}, SSIM ${s.ssim.toFixed(3)}`,
    );
  }
  const srt = subtitles && (await writeSubtitles(state.runDir, joined.frames, probe.fps, subtitles.texts));
  if (srt && subtitles.burnIn) {
    const film = probe;
    probe = await state.timed(() =>
      produceAtomic(video, (tmp) => burnSubtitles(video, srt, tmp, { film, signal: state.signal, crf: core.join.crf, preset: core.join.preset })),
    );
  }
  manifest.final = {
    file: video,
    sha256: await sha256File(video),
    durationSec: probe.durationSec,
    frames: probe.frames,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    method: joined.method,
    audio: joined.audio || bed !== undefined,
    seams,
    ...(srt ? { subtitles: srt } : {}),
    key: joinKey,
  };
  state.emit({ type: 'join-done', file: video, durationSec: probe.durationSec, method: joined.method });
  return manifest.final;
}

/** Frame index in the film where each segment after the first begins. */
function seamStarts(frames: number[]): number[] {
  const starts: number[] = [];
  let total = 0;
  for (const f of frames.slice(0, -1)) {
    total += f;
    starts.push(total);
  }
  return starts;
}

/** Each segment's subtitle: its prompt, or its narration line. */
function subtitleTexts(state: RunState): string[] {
  const { from } = state.core.subtitles;
  // Masked like every text ttv writes: a prompt may carry an interpolated secret.
  return state.plan.segments.map((s, i) => redact(from === 'narration' ? (state.core.storyboard.segments?.[i]?.narration ?? '') : (s.text ?? s.prompt)));
}

/** `final.srt` beside the film: one cue per segment, at its place in the film. */
async function writeSubtitles(runDir: string, frames: number[], fps: number, texts: string[]): Promise<string> {
  const file = join(runDir, 'final.srt');
  await writeFileAtomic(file, buildSrt(segmentCues(frames, fps, texts)));
  return file;
}

/** The soundtrack file (`soundtrack.file`, relative to the config), checked to exist; undefined when there is none. */
export function soundtrackOf(state: Pick<RunState, 'core' | 'config'>): string | undefined {
  const file = state.core.soundtrack.file;
  if (!file) return undefined;
  const path = resolve(state.config.configDir, file);
  if (!existsSync(path)) throw soundtrackError(`not found: ${path}`, file);
  return path;
}

/**
 * The preflight of `soundtrack.file`: it exists and ffprobe finds an audio stream in it. Run before anything is
 * paid, so a bad file is not discovered at the join, after every clip is bought.
 */
export async function checkSoundtrack(state: Pick<RunState, 'core' | 'config'>, signal?: AbortSignal): Promise<void> {
  const path = soundtrackOf(state);
  if (!path) return;
  const streams = await runFfprobe(['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', path], {
    timeoutMs: 60_000,
    ...(signal ? { signal } : {}),
  }).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  if (!streams.includes('audio')) throw soundtrackError(`${path} has no audio stream ffmpeg can read`, state.core.soundtrack.file!);
}

function soundtrackError(what: string, file: string): TtvError {
  return new TtvError('INPUT_INVALID', `soundtrack.file: ${what}`, {
    field: 'soundtrack.file',
    value: file,
    fix: "point it at an audio file (MP3, AAC, WAV, FLAC…; relative paths are resolved from the config file's folder), or remove soundtrack.file",
  });
}

/** Mixes the soundtrack under the joined film, replacing it atomically; the film's probe with its new audio. */
async function addSoundtrack(state: RunState, video: string, bed: string, probe: VideoProbe): Promise<VideoProbe> {
  const { volume, fadeOutSec } = state.core.soundtrack;
  await produceAtomic(video, (tmp) =>
    mixSoundtrack({ path: video, durationSec: probe.durationSec, hasAudio: probe.hasAudio }, bed, tmp, {
      volume,
      fadeOutSec,
      signal: state.signal,
      timeoutMs: 30 * 60_000,
    }),
  );
  return { ...probe, hasAudio: true, sizeBytes: (await stat(video)).size };
}
