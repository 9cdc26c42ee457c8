import { stat } from 'node:fs/promises';
import { TtvError } from '../spec/errors.js';
import { fsError, isMappedFsError, produceAtomic } from '../util/fs.js';

/**
 * produceAtomic for media outputs: a Node file-system error on the way (creating the folder, the final rename:
 * ENOSPC, EROFS, EACCES, ENOTDIR, …) becomes DISK_FULL / NOT_WRITABLE / PATH_INVALID naming the path and the fix.
 * (ffmpeg's own write errors are mapped by runFfmpeg.)
 */
export async function produceMedia<T>(target: string, what: string, produce: (tmpPath: string) => Promise<T>): Promise<T> {
  try {
    return await produceAtomic(target, produce);
  } catch (error) {
    throw mapMediaFsError(error, target, what);
  }
}

/** A Node file-system error (ENOSPC, EROFS, EACCES, ENOTDIR, …) as the coded TtvError naming its path; else as is. */
export function mapMediaFsError(error: unknown, fallbackPath: string, what: string): unknown {
  const e = error as NodeJS.ErrnoException | undefined;
  // mkdir -p reports a file standing where a folder is needed as EEXIST: that is ENOTDIR for the user.
  const mapped = e?.code === 'EEXIST' && e.syscall === 'mkdir' ? Object.assign(new Error(e.message), { code: 'ENOTDIR', path: e.path }) : e;
  return isMappedFsError(mapped) ? fsError(mapped, (mapped as NodeJS.ErrnoException).path ?? fallbackPath, what) : error;
}

/** ffmpeg can exit 0 and write nothing: check the file exists and is non-empty, else FFMPEG_FAILED. */
export async function assertWritten(path: string, what: string): Promise<number> {
  const size = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  if (size <= 0) throw new TtvError('FFMPEG_FAILED', `ffmpeg exited 0 but wrote no ${what} (${path})`, { value: path });
  return size;
}

/** swscale flags for colour-accurate RGB ↔ YUV conversion (no darkening drift across generations). */
export const ACCURATE_SWS = ['-sws_flags', 'spline+accurate_rnd+full_chroma_int'];

/** Output options of an RGB PNG still (the image2 muxer, png codec). */
export const PNG_OUT = ['-pix_fmt', 'rgb24', '-f', 'image2', '-c:v', 'png'];
