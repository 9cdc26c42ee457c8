/**
 * Reference inputs of the text-to-video route (Seedance): the reference pictures, fitted whole (`contain`) to the
 * output size and sent like the frames (`references: [{uri}]`), and the reference audio clip
 * (`referenceAudio: [{type: 'audio', uri}]`), inline as a data URI up to the API's 5 MB, else as an ephemeral
 * upload.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { invalidInput, type ReferenceImage } from '@ttv/core/backend';
import { MAX_DATA_URI_BYTES, type PreparedImage, type PrepareOptions, prepareImage } from './images.js';

/** Audio formats the API takes (MP3, AAC, FLAC, PCM/WAV, ALAC in M4A), by file extension. */
export const AUDIO_TYPES: Readonly<Record<string, string>> = {
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.aac': 'audio/aac',
  '.m4a': 'audio/mp4',
  '.flac': 'audio/flac',
};

/** The media type of a reference audio file, or INPUT_INVALID naming the formats taken. */
export function audioTypeOf(path: string): string {
  const type = AUDIO_TYPES[extname(path).toLowerCase()];
  if (!type) {
    throw invalidInput(
      `runway takes reference audio as ${Object.keys(AUDIO_TYPES).join(', ')}, not ${path}`,
      'referenceAudio',
      path,
      'convert it to MP3 or WAV (audio.reference)',
    );
  }
  return type;
}

/** The audio file exists, is not empty and has a format the API takes. */
export async function checkAudio(path: string): Promise<void> {
  audioTypeOf(path);
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
  if (size === 0) throw invalidInput(`referenceAudio ${path} is missing or empty`, 'referenceAudio', path, 'point audio.reference at an existing audio file');
}

export interface PreparedAudio {
  uri: string;
  via: 'inline' | 'ephemeral';
  bytes: number;
}

/** The reference audio as a data URI when it fits 5 MB, else as an ephemeral upload. */
export async function prepareAudio(
  path: string,
  upload: (file: string, filename: string, mimeType: string) => Promise<string>,
  maxDataUriBytes = MAX_DATA_URI_BYTES,
): Promise<PreparedAudio> {
  const type = audioTypeOf(path);
  const data = await readFile(path);
  const uri = `data:${type};base64,${data.toString('base64')}`;
  if (uri.length <= maxDataUriBytes) return { uri, via: 'inline', bytes: data.length };
  return { uri: await upload(path, `reference-audio${extname(path).toLowerCase()}`, type), via: 'ephemeral', bytes: data.length };
}

/** The reference pictures, each fitted whole to the output size (`ref-0`, `ref-1`, … in the work dir), in order. */
export function prepareReferences(refs: readonly ReferenceImage[], options: Omit<PrepareOptions, 'name' | 'fit'>): Promise<PreparedImage[]> {
  return Promise.all(refs.map((ref, i) => prepareImage(ref.path, { ...options, fit: 'contain', name: `ref-${i}` })));
}
