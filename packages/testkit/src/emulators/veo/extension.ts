/**
 * Video extension in the Veo emulator (the Vertex "Extend videos" page): `instances[0].video` is an MP4 of 1–30 s at
 * 24 fps, 720p or 1080p (here: a size the emulator itself makes at its `outputScale`), 16:9 or 9:16, given inline or
 * as a gs:// object; only the models that extend take it. The output is the input followed by 7 new seconds at
 * 720p (Veo's "up to 37 s total"): the new part continues right after the input's last frame, without repeating it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractLastFrame, probeVideo, runFfmpeg } from '@ttv/core/media';
import { MP4_OUTPUT_FLAGS } from '../mp4.js';
import { HttpError, isObject } from './errors.js';
import { mediaBytes } from './media-inputs.js';
import { EXTENSION_INPUT, EXTENSION_SECONDS, outputSize, type VeoModelSpec } from './models.js';
import { addTone, renderVeoVideo, VEO_FPS } from './render.js';
import type { InputVideo, VeoState } from './types.js';

/** Whether the bytes are an MP4 (ISO BMFF: an `ftyp` box first). */
const isMp4 = (data: Buffer): boolean => data.length >= 12 && data.subarray(4, 8).toString('latin1') === 'ftyp';

/** The sizes an input video may have: 16:9 or 9:16 at 720p or 1080p, divided by the emulator's outputScale. */
function inputSizes(state: VeoState): string[] {
  return (['16:9', '9:16'] as const).flatMap((ratio) =>
    (['720p', '1080p'] as const).map((res) => {
      const s = outputSize(ratio, res, state.outputScale);
      return `${s.width}x${s.height}`;
    }),
  );
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-veo-ext-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `instances[0].video`, validated: on a model that extends, MP4 bytes labelled video/mp4, and within the documented limits. */
export async function parseInputVideo(state: VeoState, spec: VeoModelSpec, value: unknown): Promise<InputVideo> {
  if (!spec.extend) throw new HttpError(400, `Video extension is not supported by ${spec.id}.`);
  if (!isObject(value)) throw new HttpError(400, 'video must be an object with bytesBase64Encoded or gcsUri.');
  const mimeType = value['mimeType'];
  if (mimeType !== 'video/mp4') throw new HttpError(400, `video.mimeType must be video/mp4 (got ${JSON.stringify(mimeType ?? null)}).`);
  const data = mediaBytes(state, value, 'video');
  if (!isMp4(data)) throw new HttpError(400, 'Unable to decode video: the bytes are not an MP4 file.');
  const probe = await withTempDir(async (dir) => {
    const file = join(dir, 'input.mp4');
    await writeFile(file, data);
    return probeVideo(file, { countFrames: true }).catch(() => undefined);
  });
  if (!probe) throw new HttpError(400, 'Unable to decode video: the MP4 has no readable video stream.');
  const { minSeconds, maxSeconds, fps } = EXTENSION_INPUT;
  const seconds = probe.frames / probe.fps;
  if (seconds < minSeconds || seconds > maxSeconds) {
    throw new HttpError(400, `The input video must be ${minSeconds} to ${maxSeconds} seconds long (got ${seconds.toFixed(2)} s).`);
  }
  if (Math.abs(probe.fps - fps) > 0.01) throw new HttpError(400, `The input video must be ${fps} fps (got ${probe.fps}).`);
  const size = `${probe.width}x${probe.height}`;
  if (!inputSizes(state).includes(size)) throw new HttpError(400, `Unsupported input video resolution ${size}: use 720p or 1080p, 16:9 or 9:16.`);
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { data, sha256, frames: probe.frames, width: probe.width, height: probe.height };
}

export interface ExtensionRenderOptions {
  video: InputVideo;
  width: number;
  height: number;
  audio: boolean;
  toneHz: number;
}

/** The extension's MP4: the input (scaled to the output size) then 7 s continuing from its last frame. */
export async function renderExtension(options: ExtensionRenderOptions): Promise<Buffer> {
  const { video, width: W, height: H } = options;
  const fresh = Math.round(EXTENSION_SECONDS * VEO_FPS);
  return withTempDir(async (dir) => {
    const input = join(dir, 'input.mp4');
    const last = join(dir, 'last.png');
    await writeFile(input, video.data);
    await extractLastFrame(input, last);
    // One frame more than the extension, starting on the input's last frame; that first frame is dropped below.
    const next = await renderVeoVideo({ width: W, height: H, durationSeconds: (fresh + 1) / VEO_FPS, image: { data: await readFile(last), kind: 'png' } });
    await writeFile(join(dir, 'next.mp4'), next);
    const out = join(dir, 'out.mp4');
    const total = video.frames + fresh;
    const filter =
      `[0:v]scale=${W}:${H}:flags=bicubic,setsar=1,format=yuv420p,setpts=PTS-STARTPTS[a];` +
      `[1:v]trim=start_frame=1,setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1:a=0[v]`;
    const run = { timeoutMs: 5 * 60_000 };
    await runFfmpeg(
      ['-i', input, '-i', join(dir, 'next.mp4'), '-filter_complex', filter, '-map', '[v]', '-frames:v', String(total), '-r', String(VEO_FPS)].concat([
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        ...MP4_OUTPUT_FLAGS,
        out,
      ]),
      run,
    );
    const result = options.audio ? await addTone(out, join(dir, 'with-audio.mp4'), options.toneHz, total / VEO_FPS, run) : out;
    return readFile(result);
  });
}
