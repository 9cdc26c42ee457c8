import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TtvError } from '../spec/errors.js';

/** A temp path beside `target` (same directory, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  const name = basename(target);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  return join(dirname(target), `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp${ext}`);
}

/** `.NAME.PID.HEX8.tmp[.ext]` (what tempPathFor makes), optionally followed by one more suffix such as `.txt`. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp(\.[^./]+)?(\.[^./]+)?$/;

/** The target's file name and the writer's pid, when `name` is a temp name made by tempPathFor; else undefined. */
export function parseTempName(name: string): { target: string; pid: number } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { target: m[1]!, pid: Number(m[2]) } : undefined;
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files (and temp folders) in `dir` left by a ttv process that was killed: only names made by tempPathFor (optionally
 * only for targets `accept` allows), and only when the pid in the name is no longer running (so concurrent runs
 * keep theirs). Returns the removed paths. Never throws for a missing folder.
 */
export async function removeStaleTemps(dir: string, accept: (target: string) => boolean = () => true): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const parsed = parseTempName(name);
    if (!parsed || !accept(parsed.target) || alive(parsed.pid)) continue;
    const path = join(dir, name);
    // A folder of parts (e.g. the join's audio chunks) is removed with what it holds.
    await rm(path, { force: true, recursive: true }).then(
      () => removed.push(path),
      () => {},
    );
  }
  return removed;
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
 * `writeFileAtomic` with synchronous calls, for small files written on a hot path (the manifest and its backup,
 * on every state change): a few hundred microseconds of blocked event loop instead of five thread-pool round trips.
 */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
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

/** The errno codes ttv maps to its own codes, with what they mean for the user. */
const FS_ERRORS: Record<string, { code: 'DISK_FULL' | 'NOT_WRITABLE' | 'PATH_INVALID'; why: string; fix: string }> = {
  ENOSPC: {
    code: 'DISK_FULL',
    why: 'the disk is full',
    fix: 'free disk space (or point --out at another disk) and run the same command again; finished work is kept',
  },
  EDQUOT: { code: 'DISK_FULL', why: 'the disk quota is exhausted', fix: 'free space within your quota and run the same command again; finished work is kept' },
  EROFS: { code: 'NOT_WRITABLE', why: 'the file system is read-only', fix: 'choose a writable run folder (--out or output.dir)' },
  EACCES: { code: 'NOT_WRITABLE', why: 'permission denied', fix: 'make the folder writable for this user, or choose another run folder (--out)' },
  EPERM: { code: 'NOT_WRITABLE', why: 'operation not permitted', fix: 'make the folder writable for this user, or choose another run folder (--out)' },
  ENOTDIR: {
    code: 'PATH_INVALID',
    why: 'a part of the path is a file, not a folder',
    fix: 'remove or rename the file that stands where a folder is needed, or choose another run folder',
  },
  EISDIR: { code: 'PATH_INVALID', why: 'the path is a folder, not a file', fix: 'remove or rename the folder that stands where a file is needed' },
  ENAMETOOLONG: { code: 'PATH_INVALID', why: 'the path is too long', fix: 'choose a shorter run folder path' },
};

/** Whether an error is a file-system error ttv maps to DISK_FULL, NOT_WRITABLE or PATH_INVALID. */
export function isMappedFsError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code in FS_ERRORS;
}

/**
 * Maps a Node file-system error (ENOSPC, EDQUOT, EROFS, EACCES, EPERM, ENOTDIR, EISDIR, ENAMETOOLONG) to a
 * TtvError that names the path and the fix; anything else is returned as it is. `what` says what was being
 * written, e.g. `the manifest`, `segment 3`.
 */
export function fsError(error: unknown, path: string, what: string): unknown {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = typeof errno === 'string' ? FS_ERRORS[errno] : undefined;
  if (!known || TtvError.is(error)) return error;
  return new TtvError(known.code, `cannot write ${what} at ${path}: ${known.why} (${errno})`, {
    field: 'path',
    value: path,
    fix: known.fix,
    cause: error,
    details: { errno },
  });
}
