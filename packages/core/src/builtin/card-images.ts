// The embedded image generator: each keyframe as a storyboard card, an animatic frame whose palette and
// composition come from the seed and the prompt, with the keyframe prompt set as text, at exactly the size the video
// step needs. Free, offline, deterministic (same request, same pixels): with it, script → keyframes → film runs on
// a bare machine. Drawn with ffmpeg (geq gradient, drawbox shapes, drawtext through fontconfig); where no font is
// found the card is drawn without its text, and the result says so.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { filterPath } from '../media/colour.js';
import { runFfmpeg } from '../media/run.js';
import { wrapLines } from '../media/subtitles.js';
import { assertWritten, PNG_OUT, produceMedia } from '../media/verify.js';
import { SPECIFICATION_VERSION } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import { defineImages, type ImageRequest, type ImageResult } from '../spec/images.js';
import { sha256 } from '../util/fs.js';
import { redact } from '../util/secrets.js';

const configSchema = z.object({}).strict();

type Rgb = [number, number, number];

/** HSL (h in turns) → 0…255 RGB. */
function hsl(h: number, s: number, l: number): Rgb {
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const hex = (c: Rgb) => `0x${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** Palette and composition of a card: all from the hash of the seed and the prompt. */
export function cardDesign(request: Pick<ImageRequest, 'prompt' | 'seed' | 'width' | 'height'>) {
  const bytes = Buffer.from(sha256(JSON.stringify({ seed: request.seed ?? 0, prompt: request.prompt })), 'hex');
  const hue = bytes[0]! / 256;
  const top = hsl(hue, 0.45, 0.22 + bytes[1]! / 2560);
  const bottom = hsl((hue + 0.08 + bytes[2]! / 2048) % 1, 0.5, 0.45 + bytes[3]! / 2560);
  const accent = hsl((hue + 0.5) % 1, 0.6, 0.55);
  const { width: W, height: H } = request;
  // A horizon and three blocks (figures, buildings) on a rule-of-thirds grid.
  const horizon = Math.round(H * (0.45 + (bytes[4]! / 255) * 0.2));
  const blocks = [0, 1, 2].map((i) => {
    const w = Math.round(W * (0.08 + (bytes[5 + i]! / 255) * 0.12));
    const h = Math.round(H * (0.15 + (bytes[8 + i]! / 255) * 0.3));
    const x = Math.round(W * ((i + 1) / 4) - w / 2 + ((bytes[11 + i]! - 128) / 128) * W * 0.05);
    return { x: Math.max(0, x), y: Math.max(0, horizon - h), w, h };
  });
  return { top, bottom, accent, horizon, blocks };
}

async function drawCard(request: ImageRequest, tmp: string, withText: boolean, signal: AbortSignal, dir: string): Promise<void> {
  const { width: W, height: H } = request;
  const d = cardDesign(request);
  const lerp = (c: number) => `${d.top[c]}+(${d.bottom[c]! - d.top[c]!})*Y/H`;
  const filters = [
    `geq=r='${lerp(0)}':g='${lerp(1)}':b='${lerp(2)}'`,
    `drawbox=x=0:y=${d.horizon}:w=${W}:h=${Math.max(2, Math.round(H / 180))}:color=${hex(d.accent)}@0.8:t=fill`,
    ...d.blocks.map((b) => `drawbox=x=${b.x}:y=${b.y}:w=${b.w}:h=${b.h}:color=${hex(d.accent)}@0.45:t=fill`),
  ];
  if (withText) {
    const textFile = join(dir, 'text.txt');
    // Drawn pixels are a copy of the prompt like any other: a registered secret is masked here too.
    const size = Math.max(10, Math.round(H / 24));
    await writeFile(
      textFile,
      wrapLines(redact(request.prompt), Math.max(20, Math.floor(W / (size * 0.6))))
        .slice(0, 6)
        .join('\n'),
    );
    filters.push(
      `drawtext=font=Sans:textfile=${filterPath(textFile)}:fontsize=${size}:fontcolor=white:line_spacing=${Math.round(size / 3)}:x=${Math.round(W * 0.05)}:y=${Math.round(H * 0.06)}:box=1:boxcolor=black@0.45:boxborderw=${Math.round(size / 2)}`,
    );
  }
  await runFfmpeg([...['-f', 'lavfi', '-i', `color=c=black:s=${W}x${H}`], ...['-vf', `format=rgb24,${filters.join(',')}`, '-frames:v', '1'], ...PNG_OUT, tmp], {
    signal,
    timeoutMs: 120_000,
    writes: { path: tmp, what: 'the storyboard card', reportPath: request.outputPath },
  });
  await assertWritten(tmp, 'storyboard card');
}

export const cardImages = defineImages({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'card',
  displayName: 'Storyboard cards (embedded)',
  kind: 'embedded',
  configSchema,
  describe: () => ({ initImage: false, maxReferences: 0 }),
  create: () => ({
    specificationVersion: SPECIFICATION_VERSION,
    estimateCost: () => ({ usd: 0 }),
    async generate(request, context): Promise<ImageResult> {
      for (const key of ['width', 'height'] as const) {
        if (!Number.isInteger(request[key]) || request[key] < 16) {
          throw new TtvError('INPUT_INVALID', `card images: ${key} must be an integer ≥ 16, got ${request[key]}`, { field: key, value: request[key] });
        }
      }
      const dir = await mkdtemp(join(tmpdir(), 'ttv-card-'));
      const warnings: string[] = [];
      try {
        await produceMedia(request.outputPath, 'the storyboard card', async (tmp) => {
          try {
            await drawCard(request, tmp, true, context.signal, dir);
          } catch (error) {
            if (!TtvError.is(error) || error.code !== 'FFMPEG_FAILED' || !/font/i.test(error.message)) throw error;
            warnings.push('no font was found: the card was drawn without its text (install e.g. fonts-dejavu-core)');
            context.log(warnings[0]!);
            await drawCard(request, tmp, false, context.signal, dir);
          }
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return { file: request.outputPath, width: request.width, height: request.height, fit: 'exact', costUsd: 0, warnings };
    },
  }),
});
