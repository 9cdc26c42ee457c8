/**
 * Renders the emulator's "generated" video with ffmpeg: a slow zoom + pan over the first image (the first
 * frame is exactly the image fitted "cover" into the output size), crossfading into `lastFrame` so that the
 * final frame is exactly the last image. Without an image, a moving test pattern. 24 fps, H.264 yuv420p,
 * exactly `durationSeconds` long, optional silent AAC track. Works on ffmpeg 4.1 (no xfade: overlay + fade).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '@ttv/core/media';
import { MP4_OUTPUT_FLAGS } from '../mp4.js';

export const VEO_FPS = 24;

export type ImageKind = 'png' | 'jpeg' | 'webp';

/** Detects an image type from its magic bytes. */
export function sniffImage(data: Uint8Array): ImageKind | undefined {
  if (
    data.length >= 8 &&
    data[0] === 0x89 &&
    data[1] === 0x50 &&
    data[2] === 0x4e &&
    data[3] === 0x47 &&
    data[4] === 0x0d &&
    data[5] === 0x0a &&
    data[6] === 0x1a &&
    data[7] === 0x0a
  ) {
    return 'png';
  }
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && Buffer.from(data.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(data.subarray(8, 12)).toString('latin1') === 'WEBP') {
    return 'webp';
  }
  return undefined;
}

export interface RenderImage {
  data: Uint8Array;
  kind: ImageKind;
}

export interface RenderOptions {
  width: number;
  height: number;
  durationSeconds: number;
  image?: RenderImage;
  lastFrame?: RenderImage;
  audio?: boolean;
  /** The soundtrack of a clip with audio: a sine tone at this frequency (default 440 Hz), 48 kHz stereo AAC. */
  toneHz?: number;
  signal?: AbortSignal;
}

export async function renderVeoVideo(options: RenderOptions): Promise<Buffer> {
  const { width: W, height: H, durationSeconds } = options;
  const frames = Math.max(1, Math.round(durationSeconds * VEO_FPS));
  const dir = await mkdtemp(join(tmpdir(), 'ttv-veo-emu-'));
  try {
    const args: string[] = [];
    const filters: string[] = [];
    const cover = `scale=${W}:${H}:force_original_aspect_ratio=increase:flags=bicubic,crop=${W}:${H},setsar=1`;
    let input = 0;
    if (options.image) {
      const file = join(dir, `first.${options.image.kind === 'jpeg' ? 'jpg' : options.image.kind}`);
      await writeFile(file, options.image.data);
      args.push('-loop', '1', '-framerate', String(VEO_FPS), '-t', String(frames / VEO_FPS), '-i', file);
      // zoom 1 → 1.1 while panning left → right; on frame 0 zoom=1 and x=y=0: exactly the covered image.
      const z = `1+0.1*on/${frames}`;
      filters.push(
        `[${input}:v]${cover},format=yuv420p,zoompan=z='${z}':x='(iw-iw/zoom)*on/${frames}':y='(ih-ih/zoom)/2':d=1:s=${W}x${H}:fps=${VEO_FPS},setsar=1,setpts=PTS-STARTPTS[base]`,
      );
    } else {
      args.push('-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=${VEO_FPS}`);
      filters.push(`[${input}:v]format=yuv420p,setpts=PTS-STARTPTS[base]`);
    }
    input++;
    let out = 'base';
    if (options.lastFrame) {
      const file = join(dir, `last.${options.lastFrame.kind === 'jpeg' ? 'jpg' : options.lastFrame.kind}`);
      await writeFile(file, options.lastFrame.data);
      args.push('-loop', '1', '-framerate', String(VEO_FPS), '-t', String(frames / VEO_FPS), '-i', file);
      // Fade the last image in over up to 1 s so that it is fully opaque on the final frame.
      const fadeFrames = Math.max(1, Math.min(VEO_FPS, Math.floor(frames / 2)));
      const start = Math.max(0, frames - 1 - fadeFrames);
      filters.push(`[${input}:v]${cover},format=yuva420p,fade=t=in:s=${start}:n=${fadeFrames}:alpha=1,setpts=PTS-STARTPTS[last]`);
      filters.push(`[base][last]overlay=x=0:y=0:eof_action=pass:format=yuv420,format=yuv420p[mixed]`);
      out = 'mixed';
      input++;
    }
    const output = join(dir, 'out.mp4');
    args.push('-filter_complex', filters.join(';'), '-map', `[${out}]`);
    args.push(
      '-frames:v',
      String(frames),
      '-r',
      String(VEO_FPS),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'stillimage',
      ...MP4_OUTPUT_FLAGS,
      output,
    );
    const run = { ...(options.signal ? { signal: options.signal } : {}), timeoutMs: 5 * 60_000 };
    await runFfmpeg(args, run);
    const result = options.audio ? await addTone(output, join(dir, 'with-audio.mp4'), options.toneHz ?? 440, frames / VEO_FPS, run) : output;
    const data = await readFile(result);
    if (data.length === 0) throw new Error('ffmpeg wrote an empty video');
    return data;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The clip's soundtrack, muxed in a second pass (with -frames:v, ffmpeg ends the file when the video is done and
 * cuts the audio short): a sine tone, 48 kHz stereo AAC, as long as the video.
 */
export async function addTone(video: string, out: string, hz: number, seconds: number, run: { signal?: AbortSignal; timeoutMs: number }): Promise<string> {
  const tone = `sine=frequency=${hz}:sample_rate=48000:duration=${seconds}`;
  await runFfmpeg(
    [
      ...['-i', video, '-f', 'lavfi', '-i', tone, '-map', '0:v', '-map', '1:a', '-af', 'aformat=channel_layouts=stereo'],
      ...['-c:v', 'copy', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', out],
    ],
    run,
  );
  return out;
}
