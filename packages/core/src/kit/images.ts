import { type ImageProbe, probeImage } from '../media/probe.js';
import { TtvError } from '../spec/errors.js';
import { invalidInput } from './input.js';

export interface CheckImageOptions {
  /** Formats the backend accepts, as ffprobe names them (default png, jpeg, webp). */
  formats?: readonly string[];
  /** The backend's name, for messages (e.g. `kenburns`). */
  backend?: string;
  signal?: AbortSignal;
}

const DEFAULT_FORMATS = ['png', 'jpeg', 'webp'];
const FORMAT_NAMES: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', bmp: 'BMP', tiff: 'TIFF' };

/**
 * Checks one input image before anything is spent: given, present, decodable, in a format the backend takes.
 * Throws INPUT_INVALID naming the request field (`firstFrame`, `lastFrame`), the path and the fix.
 */
export async function checkImage(path: string | undefined, field: string, options: CheckImageOptions = {}): Promise<ImageProbe> {
  const formats = options.formats ?? DEFAULT_FORMATS;
  const who = options.backend ?? 'this backend';
  const names = formats.map((f) => FORMAT_NAMES[f] ?? f).join(', ');
  if (!path) {
    throw field === 'lastFrame'
      ? invalidInput(`${who} needs a last frame for first-last-frame generation`, field, path, 'give the segment an end keyframe image')
      : invalidInput(
          `${who} needs a first frame (it cannot start from text alone)`,
          field,
          path,
          'set storyboard.image to a PNG or JPEG file (or give the segment a keyframe), or choose a backend with text-to-video',
        );
  }
  let probe: ImageProbe;
  try {
    probe = await probeImage(path, options.signal ? { signal: options.signal } : {});
  } catch (error) {
    if (TtvError.is(error) && error.code === 'INPUT_INVALID') {
      throw invalidInput(`${field} ${path}: ${error.message.replace(`${path}: `, '')}`, field, path, `point it at an existing ${names} file`, error);
    }
    throw error;
  }
  if (!formats.includes(probe.format)) {
    throw invalidInput(`${field} ${path} is a ${probe.format} image; ${who} takes ${names}`, field, path, `convert it to ${names.split(', ')[0]}`);
  }
  return probe;
}
