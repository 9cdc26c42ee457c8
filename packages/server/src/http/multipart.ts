import { TtvError } from '@ttv/core';
import { checked, checkImage, parseConfigValue, type Submission, UPLOAD_LIMITS } from '../submission.js';

type FormValue = string | File;

const invalid = (field: string, message: string) => new TtvError('INPUT_INVALID', message, { field });

/** A multipart submission: a `config` field (text or file), `images` files (their file names are their names), `queue`. */
export async function submissionFromForm(form: Record<string, FormValue | FormValue[]>): Promise<Submission> {
  for (const key of Object.keys(form))
    if (!['config', 'images', 'queue'].includes(key)) throw invalid(key, `unknown form field ${JSON.stringify(key.slice(0, 40))}`);
  const config = form['config'];
  if (config === undefined || Array.isArray(config)) throw invalid('config', 'send exactly one config field (the ttv.yaml, as text or a file)');
  const text = typeof config === 'string' ? config : await config.text();
  const files = [form['images'] ?? []].flat();
  if (files.length > UPLOAD_LIMITS.maxImages) throw invalid('images', `at most ${UPLOAD_LIMITS.maxImages} images`);
  const images = await Promise.all(
    files.map(async (f, i) => {
      if (typeof f === 'string') throw invalid(`images[${i}]`, 'images must be uploaded as files');
      if (f.size > UPLOAD_LIMITS.maxImageBytes)
        throw invalid(`images[${i}]`, `image ${f.name} is ${f.size} bytes; the limit is ${UPLOAD_LIMITS.maxImageBytes}`);
      return checkImage(f.name, Buffer.from(await f.arrayBuffer()), `images[${i}]`);
    }),
  );
  const queue = form['queue'];
  if (queue !== undefined && typeof queue !== 'string') throw invalid('queue', 'queue must be a name');
  return checked({ config: parseConfigValue(text), images, ...(queue ? { queue } : {}) });
}
