import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp path beside `target` (same directory, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  const name = basename(target);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  return join(dirname(target), `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp${ext}`);
}

/** Writes `data` to `target` atomically: a temp file in the same directory, then rename. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Runs `produce(tmpPath)` and renames its output to `target` only when it resolves. On failure or abort the
 * temp file is removed, so `target` is either the previous good file or the new good file, never partial.
 */
export async function produceAtomic<T>(target: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const result = await produce(tmp);
    await rename(tmp, target);
    return result;
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
