/**
 * What ttv does to a tool's clip before it hands it on: keep only the continuation of an extension (the tool wrote
 * the input first), and remove a sound track the request did not ask for. Frame-exact, with ffmpeg.
 */
import { runFfmpeg, type VideoProbe } from '@ttv/core/media';

export interface FinishPlan {
  /** Leading frames to cut (the input an extension repeats). */
  dropFrames: number;
  /** Remove the sound track. */
  dropAudio: boolean;
  fps: number;
}

/** What to do to a clip: cut the input off an `input+continuation` extension, drop unasked sound. */
export function finishPlan(probe: Pick<VideoProbe, 'hasAudio'>, keep: number, produced: number, fps: number, generateAudio: boolean | undefined): FinishPlan {
  return { dropFrames: Math.max(0, produced - keep), dropAudio: probe.hasAudio && generateAudio === false, fps };
}

/** Whether the plan changes the clip at all. */
export const changes = (plan: FinishPlan): boolean => plan.dropFrames > 0 || plan.dropAudio;

/**
 * Writes `target` from `source` per the plan: a cut re-encodes (trim at the exact frame, the sound cut at the same
 * time); dropping sound alone copies the video stream.
 */
export async function finishClip(source: string, target: string, plan: FinishPlan, options: { signal: AbortSignal; timeoutMs: number }): Promise<void> {
  const args = ['-i', source];
  if (plan.dropFrames > 0) {
    const startSec = (plan.dropFrames / plan.fps).toFixed(6);
    args.push('-map', '0:v:0', '-vf', `trim=start_frame=${plan.dropFrames},setpts=PTS-STARTPTS`);
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-crf', '12', '-pix_fmt', 'yuv420p', '-r', String(plan.fps));
    if (!plan.dropAudio) args.push('-map', '0:a?', '-af', `atrim=start=${startSec},asetpts=PTS-STARTPTS`, '-c:a', 'aac');
  } else {
    args.push('-map', '0:v:0', '-c', 'copy');
  }
  args.push('-movflags', '+faststart', '-f', 'mp4', target);
  await runFfmpeg(args, { signal: options.signal, timeoutMs: options.timeoutMs, writes: { path: target, what: 'the finished clip' } });
}
