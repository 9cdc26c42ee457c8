// Test helper: a film's audio as numbers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOIN_AUDIO_RATE } from './audio.js';
import { runFfmpeg } from './run.js';

/** The file's first audio stream decoded to mono float samples at 48 kHz (a scratch file in `dir`). */
export async function decodeSamples(file: string, dir: string): Promise<Float32Array> {
  const raw = join(dir, `${Math.random().toString(36).slice(2)}.f32`);
  await runFfmpeg(['-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(JOIN_AUDIO_RATE), '-f', 'f32le', raw]);
  const buf = await readFile(raw);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}
