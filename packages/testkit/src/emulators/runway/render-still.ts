/**
 * Renders the output of a text-to-image task: a real PNG at the ratio's pixel size, a test pattern tinted by the
 * prompt (the same prompt gives the same picture), with each reference image drawn as a thumbnail along the bottom
 * edge (so a test can see which references reached the model).
 */
import { createHash } from 'node:crypto';
import { runFfmpeg } from '@ttv/core/media';
import { checkImage, type FrameSource } from './render.js';

export interface RenderStillOptions {
  output: string;
  width: number;
  height: number;
  promptText: string;
  seed?: number;
  references: FrameSource[];
  signal?: AbortSignal;
}

export async function renderStill(o: RenderStillOptions): Promise<void> {
  for (const source of o.references) if ('file' in source) await checkImage(source.file, o.signal);
  const { width: w, height: h } = o;
  const hue =
    createHash('sha256')
      .update(`${o.seed ?? ''}:${o.promptText}`)
      .digest()
      .readUInt16BE(0) % 360;
  const tw = Math.max(2, Math.floor(w / 4));
  const th = Math.max(2, Math.floor(h / 4));
  const args = ['-f', 'lavfi', '-i', `testsrc2=s=${w}x${h}:r=1`];
  const filters = [`[0:v]hue=h=${hue},setsar=1[s0]`];
  o.references.forEach((source, i) => {
    args.push(...('file' in source ? ['-i', source.file] : ['-f', 'lavfi', '-i', `color=c=${source.color}:s=${tw}x${th}:r=1`]));
    filters.push(
      `[${i + 1}:v]scale=${tw}:${th}:force_original_aspect_ratio=increase,crop=${tw}:${th},setsar=1[r${i}]`,
      `[s${i}][r${i}]overlay=x=${i * tw}:y=${h - th}[s${i + 1}]`,
    );
  });
  args.push(
    ...['-filter_complex', filters.join(';'), '-map', `[s${o.references.length}]`],
    ...['-frames:v', '1', '-update', '1', '-c:v', 'png', '-pix_fmt', 'rgb24', '-f', 'image2', o.output],
  );
  await runFfmpeg(args, { timeoutMs: 120_000, ...(o.signal ? { signal: o.signal } : {}) });
}
