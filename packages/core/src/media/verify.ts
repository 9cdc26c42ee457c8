import { stat } from 'node:fs/promises';
import { TtvError } from '../spec/errors.js';

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
