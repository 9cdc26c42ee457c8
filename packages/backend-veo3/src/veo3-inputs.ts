/**
 * Veo's extension and reference inputs: what `validate` checks of them, whether a request's references can reach
 * the model, and how an extension's output becomes the continuation ttv asks for.
 *
 * - Extension (`request.inputVideo`): Veo takes a 1–30 s MP4 at 24 fps and returns it followed by 7 new seconds at
 *   720p. ttv wants only the new part, `durationSec` (≤ 7) long: the input's frames are cut off exactly (their
 *   number is probed at submission and kept with the job), then the first `durationSec × 24` new frames are kept.
 * - References: Veo 3.1 takes up to 3 asset images (ttv's characters and places), only with a prompt, never with
 *   a first/last frame or a video, and only for 8 s 16:9 clips. A request outside that gets its clip without
 *   them, and a warning says so.
 */
import { type GenerateRequest, invalidInput, TtvError } from '@ttv/core/backend';
import { probeVideo, type RunMediaOptions, runFfmpeg } from '@ttv/core/media';
import type { VeoConfig } from './veo3-config.js';
import { EXTENSION_INPUT, EXTENSION_SECONDS, OUTPUT_FPS, REFERENCE_DURATION_SECONDS, veoFormatOf } from './veo3-models.js';

/** What a job keeps to turn the extension's output into the continuation. */
export interface ExtensionPlan {
  /** Frames of the input video (cut off the output's start). */
  inputFrames: number;
  /** Frames of the continuation to keep (`durationSec × 24`). */
  frames: number;
}

/** Checks an extension request against Veo's rules and the input clip on disk; returns what its output's trim needs. */
export async function checkExtension(request: GenerateRequest, config: VeoConfig): Promise<ExtensionPlan> {
  const path = request.inputVideo!;
  if (request.firstFrame !== undefined || request.lastFrame !== undefined) {
    throw invalidInput('Veo extends a video from the video alone: no first or last frame with it', 'firstFrame', request.firstFrame, 'send inputVideo only');
  }
  if (request.durationSec > EXTENSION_SECONDS) {
    throw invalidInput(
      `Veo extends a clip by ${EXTENSION_SECONDS} s, so a continuation of ${request.durationSec} s cannot be made`,
      'durationSec',
      request.durationSec,
      `in extend mode use a segment duration of at most ${EXTENSION_SECONDS} s with veo3 (4 or 6)`,
    );
  }
  if (veoFormatOf(request.width, request.height)?.resolution !== '720p') {
    throw invalidInput('Veo extends clips at 720p only', 'resolution', `${request.width}x${request.height}`, 'use output 1280x720 or 720x1280 in extend mode');
  }
  const probe = await probeVideo(path, { countFrames: true }).catch((error: unknown) => {
    throw invalidInput(`inputVideo ${path} is not a readable video`, 'inputVideo', path, 'extend a clip ttv made (the previous segment)', error);
  });
  const { minSeconds, maxSeconds, fps } = EXTENSION_INPUT;
  const seconds = probe.frames / probe.fps;
  const problem =
    Math.abs(probe.fps - fps) > 0.01
      ? `is ${probe.fps} fps (Veo extends ${fps} fps clips)`
      : seconds < minSeconds || seconds > maxSeconds
        ? `is ${seconds.toFixed(2)} s long (Veo extends clips of ${minSeconds}–${maxSeconds} s)`
        : probe.width > probe.height !== request.width > request.height
          ? `is ${probe.width}x${probe.height}, not the orientation of ${request.width}x${request.height}`
          : undefined;
  if (problem) throw invalidInput(`inputVideo ${path} ${problem}`, 'inputVideo', path, 'extend a clip Veo made for this film');
  if (probe.sizeBytes > config.inlineVideoMaxBytes && !config.stagingGcsUri) {
    throw invalidInput(
      `inputVideo is ${probe.sizeBytes} bytes, over inlineVideoMaxBytes (${config.inlineVideoMaxBytes})`,
      'inputVideo',
      path,
      'set veo3.stagingGcsUri so that large clips are uploaded, or raise veo3.inlineVideoMaxBytes',
    );
  }
  return { inputFrames: probe.frames, frames: Math.round(request.durationSec * OUTPUT_FPS) };
}

/** Why a request's references cannot reach Veo, or undefined when they can (or it has none). */
export function referencesLeftOut(request: GenerateRequest): string | undefined {
  const names = (request.references ?? []).map((r) => r.name);
  if (names.length === 0) return undefined;
  const why =
    request.firstFrame || request.lastFrame || request.inputVideo
      ? 'Veo takes reference images only for clips made from the prompt alone (no first/last frame, no clip to extend)'
      : request.durationSec !== REFERENCE_DURATION_SECONDS || request.width < request.height
        ? `Veo makes clips from reference images at ${REFERENCE_DURATION_SECONDS} s and 16:9 only (this one is ${request.durationSec} s, ${request.width}x${request.height})`
        : undefined;
  return why && `the reference picture(s) of ${names.join(', ')} are left out: ${why}`;
}

/**
 * Writes the continuation of `raw` (Veo's extension output) to `target`, frame-exact: the input's frames are cut
 * off when the output holds them (Veo returns input + extension), then `plan.frames` frames are kept, re-encoded,
 * with the matching stretch of sound. The result is probed: exactly `plan.frames` frames, or GENERATION_FAILED.
 */
export async function writeContinuation(raw: string, target: string, plan: ExtensionPlan, run: RunMediaOptions): Promise<void> {
  const probe = await probeVideo(raw, { countFrames: true, ...(run.signal ? { signal: run.signal } : {}) });
  const extensionFrames = Math.round(EXTENSION_SECONDS * OUTPUT_FPS);
  const skip = probe.frames >= plan.inputFrames + plan.frames ? plan.inputFrames : probe.frames >= plan.frames && probe.frames <= extensionFrames + 1 ? 0 : -1;
  if (skip < 0) {
    throw new TtvError(
      'GENERATION_FAILED',
      `Veo's extension has ${probe.frames} frames: neither the ${plan.inputFrames}-frame input followed by ${plan.frames} new ones nor a continuation alone`,
      { retryable: true },
    );
  }
  const [from, to] = [skip, skip + plan.frames];
  const audio = probe.hasAudio
    ? ['-af', `atrim=start=${from / OUTPUT_FPS}:end=${to / OUTPUT_FPS},asetpts=PTS-STARTPTS`, '-c:a', 'aac', '-b:a', '192k']
    : ['-an'];
  await runFfmpeg(
    ['-y', '-i', raw, '-vf', `trim=start_frame=${from}:end_frame=${to},setpts=PTS-STARTPTS`, '-frames:v', String(plan.frames), '-r', String(OUTPUT_FPS)].concat(
      ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', ...audio, '-movflags', '+faststart', '-f', 'mp4', target],
    ),
    run,
  );
  const written = await probeVideo(target, { countFrames: true, ...(run.signal ? { signal: run.signal } : {}) });
  if (written.frames !== plan.frames) {
    throw new TtvError('GENERATION_FAILED', `the continuation cut from Veo's extension has ${written.frames} frames, not ${plan.frames}`, { retryable: true });
  }
}
