/**
 * Renders the emulator's output: a real H.264 MP4 (yuv420p, 24 fps) of exactly the requested duration at the
 * ratio's pixel size. Image-to-video: a slow zoom/pan over the prompt image, fitted to the frame (cover), whose
 * first frame is the image itself; with a last frame, the video cross-fades into it and ends on it.
 * Text-to-video: a moving test pattern tinted by the prompt.
 */
import { createHash } from 'node:crypto';
import { runFfmpeg } from '@ttv/core/media';
import { MP4_OUTPUT_FLAGS } from '../mp4.js';

export const OUTPUT_FPS = 24;

/** Where a frame comes from: an image file, or a flat colour (https URLs the emulator can't fetch). */
export type FrameSource = { file: string } | { color: string };

export interface RenderOptions {
  output: string;
  width: number;
  height: number;
  duration: number;
  first?: FrameSource;
  last?: FrameSource;
  /** Text-to-video: tint seed. */
  promptText?: string;
  audio?: boolean;
  signal?: AbortSignal;
}

export function frameCount(duration: number): number {
  return Math.max(1, Math.round(duration * OUTPUT_FPS));
}

function inputArgs(source: FrameSource, width: number, height: number): string[] {
  if ('file' in source) return ['-loop', '1', '-framerate', String(OUTPUT_FPS), '-i', source.file];
  return ['-f', 'lavfi', '-i', `color=c=${source.color}:s=${width}x${height}:r=${OUTPUT_FPS}`];
}

function cover(width: number, height: number): string {
  return `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},setsar=1`;
}

/** Decodes one frame of `file`; throws (FFMPEG_FAILED) when it is not a readable image. */
export async function checkImage(file: string, signal?: AbortSignal): Promise<void> {
  await runFfmpeg(['-i', file, '-frames:v', '1', '-f', 'null', '-'], { timeoutMs: 30_000, ...(signal ? { signal } : {}) });
}

export async function renderClip(o: RenderOptions): Promise<void> {
  // A looped undecodable image makes ffmpeg spin on decode errors: check the inputs first.
  for (const source of [o.first, o.last]) if (source && 'file' in source) await checkImage(source.file, o.signal);
  const n = frameCount(o.duration);
  const { width: w, height: h } = o;
  const args: string[] = [];
  const filters: string[] = [];
  let videoOut: string;
  let nextInput = 0;

  if (o.first) {
    args.push(...inputArgs(o.first, w, h));
    const a = nextInput++;
    // Zoom from 1.0 (the first frame is the fitted image) to 1.08, panning from the left edge to the right.
    const zoom = `1+0.08*on/${n}`;
    filters.push(
      `[${a}:v]${cover(w, h)},format=yuv420p,` +
        `zoompan=z='${zoom}':x='(iw-iw/zoom)*on/${n}':y='(ih-ih/zoom)/2':d=1:s=${w}x${h}:fps=${OUTPUT_FPS},setsar=1[base]`,
    );
    videoOut = '[base]';
    if (o.last) {
      args.push(...inputArgs(o.last, w, h));
      const b = nextInput++;
      // Fade the last image in over the final third (at most 1.5 s), holding it fully for the last 6 frames.
      const hold = Math.min(6, Math.max(1, Math.floor(n / 10)));
      const fadeFrames = Math.max(1, Math.min(Math.round(1.5 * OUTPUT_FPS), Math.floor(n / 3)));
      const start = Math.max(0, n - hold - fadeFrames);
      filters.push(
        `[${b}:v]${cover(w, h)},fps=${OUTPUT_FPS},format=yuva420p,fade=t=in:s=${start}:n=${fadeFrames}:alpha=1[lastf]`,
        `[base][lastf]overlay=shortest=1:format=yuv420,setsar=1[xf]`,
      );
      videoOut = '[xf]';
    }
  } else {
    const hue =
      createHash('sha256')
        .update(o.promptText ?? '')
        .digest()
        .readUInt16BE(0) % 360;
    args.push('-f', 'lavfi', '-i', `testsrc2=s=${w}x${h}:r=${OUTPUT_FPS}`);
    nextInput++;
    filters.push(`[0:v]hue=h=${hue},setsar=1[base]`);
    videoOut = '[base]';
  }

  let audioArgs: string[] = [];
  if (o.audio) {
    args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000`);
    audioArgs = ['-map', `${nextInput}:a`, '-c:a', 'aac', '-b:a', '96k', '-t', String(n / OUTPUT_FPS)];
    nextInput++;
  }

  args.push(
    '-filter_complex',
    filters.join(';'),
    '-map',
    videoOut,
    ...audioArgs,
    '-frames:v',
    String(n),
    '-r',
    String(OUTPUT_FPS),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    ...MP4_OUTPUT_FLAGS,
    '-f',
    'mp4',
    o.output,
  );
  await runFfmpeg(args, { timeoutMs: 10 * 60_000, ...(o.signal ? { signal: o.signal } : {}) });
}
