/**
 * The pictures the emulated image models "generate", shared by the OpenAI and Gemini emulators: real PNGs made
 * with ffmpeg (as the other emulators make their media). Text-to-image: a gradient whose colours come from the
 * hash of the prompt. Image-to-image: the first input picture scaled to cover the output size, tinted by the
 * prompt's hue, so a test can see that the input was used.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFfmpeg } from '@ttv/core/media';

export interface RenderPngOptions {
  width: number;
  height: number;
  prompt: string;
  /** The picture to start from (any format ffmpeg decodes). */
  input?: Uint8Array;
  signal?: AbortSignal;
}

/** The PNG bytes of the emulated picture. */
export async function renderPng(options: RenderPngOptions): Promise<Buffer> {
  const { width: W, height: H } = options;
  const digest = createHash('sha256').update(options.prompt).digest();
  const dir = await mkdtemp(join(tmpdir(), 'ttv-image-emu-'));
  try {
    const out = join(dir, 'out.png');
    let args: string[];
    if (options.input) {
      const input = join(dir, 'input');
      await writeFile(input, options.input);
      const hue = Math.round((digest[0]! / 255) * 360);
      args = ['-i', input, '-vf', `scale=${W}:${H}:force_original_aspect_ratio=increase,crop=${W}:${H},hue=h=${hue}:s=1.2,format=rgb24`];
    } else {
      const [r, g, b] = [digest[0]!, digest[1]!, digest[2]!];
      const geq = `r='${r}*(1-Y/H)+${255 - r}*Y/H':g='${g}*(1-X/W)+${255 - g}*X/W':b='${b}'`;
      args = ['-f', 'lavfi', '-i', `color=c=black:s=${W}x${H}`, '-vf', `format=gbrp,geq=${geq},format=rgb24`];
    }
    await runFfmpeg([...args, '-frames:v', '1', '-c:v', 'png', '-f', 'image2', out], { signal: options.signal, timeoutMs: 60_000 });
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
