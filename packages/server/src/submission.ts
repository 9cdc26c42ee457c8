import { createHash } from 'node:crypto';
import { TtvError } from '@ttv/core';
import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';

/** Limits of one submission. */
export const UPLOAD_LIMITS = {
  maxImageBytes: 10 * 1024 * 1024,
  maxImages: 64,
  maxConfigBytes: 256 * 1024,
  /** The whole request body (base64 JSON is a third larger than the images). */
  maxBodyBytes: 96 * 1024 * 1024,
} as const;

/** What a server lets a submitted config use. */
export interface SubmitPolicy {
  /** Backends a film may name (default: kenburns). */
  backends: readonly string[];
  /** Image generators (`images:`) a film may name (default: card). */
  images: readonly string[];
}

export const DEFAULT_POLICY: SubmitPolicy = { backends: ['kenburns'], images: ['card'] };

/** A submitted film, checked: the config as an object and the images by bare name. */
export interface Submission {
  config: Record<string, unknown>;
  images: Array<{ name: string; data: Buffer }>;
  /** The queue the film goes to (default: films). */
  queue?: string;
}

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}\.(png|jpe?g|webp)$/i;

const invalid = (field: string, message: string, fix?: string) => new TtvError('INPUT_INVALID', message, { field, ...(fix ? { fix } : {}) });

/** The image's type from its first bytes; undefined when it is none of PNG, JPEG, WebP. */
export function sniffImage(data: Buffer): 'png' | 'jpeg' | 'webp' | undefined {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** Checks one uploaded image: a bare name with an image extension, a size within limits, and content of that type. */
export function checkImage(name: string, data: Buffer, field: string): { name: string; data: Buffer } {
  if (!IMAGE_NAME.test(name)) {
    throw invalid(`${field}.name`, `image names are bare file names ending in .png, .jpg, .jpeg or .webp (no folders): ${JSON.stringify(name.slice(0, 80))}`);
  }
  if (data.length === 0) throw invalid(field, `image ${name} is empty`);
  if (data.length > UPLOAD_LIMITS.maxImageBytes) throw invalid(field, `image ${name} is ${data.length} bytes; the limit is ${UPLOAD_LIMITS.maxImageBytes}`);
  const kind = sniffImage(data);
  const ext = name.toLowerCase().split('.').pop();
  if (!kind || (ext === 'jpg' ? 'jpeg' : ext) !== kind)
    throw invalid(field, `image ${name} is not a ${ext?.toUpperCase()} file (its content does not match its name)`);
  return { name, data };
}

/** Reads the config of a submission: a YAML/JSON text or an object. */
export function parseConfigValue(value: unknown): Record<string, unknown> {
  let config = value;
  if (typeof value === 'string') {
    if (Buffer.byteLength(value) > UPLOAD_LIMITS.maxConfigBytes) throw invalid('config', `the config is larger than ${UPLOAD_LIMITS.maxConfigBytes} bytes`);
    try {
      config = parseYaml(value, { maxAliasCount: 100 });
    } catch (cause) {
      throw new TtvError('CONFIG_INVALID', `the config is not valid YAML or JSON: ${(cause as Error).message.split('\n')[0]}`, { field: 'config', cause });
    }
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new TtvError('CONFIG_INVALID', 'the config must be a mapping (a ttv.yaml)', { field: 'config' });
  return config as Record<string, unknown>;
}

const jsonBody = z
  .object({
    config: z.union([z.string(), z.record(z.string(), z.unknown())]),
    images: z
      .array(z.object({ name: z.string(), data: z.string() }).strict())
      .max(UPLOAD_LIMITS.maxImages)
      .default([]),
    queue: z.string().optional(),
  })
  .strict();

/** A JSON submission: `{ config, images: [{ name, data (base64) }] }`. */
export function submissionFromJson(body: unknown): Submission {
  const parsed = jsonBody.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(
      issue.path.join('.') || 'body',
      `invalid request body: ${issue.message}`,
      'send {"config": <ttv.yaml as text or object>, "images": [{"name": "start.png", "data": <base64>}]}',
    );
  }
  const images = parsed.data.images.map((img, i) => {
    if (!/^[A-Za-z0-9+/=\s]*$/.test(img.data)) throw invalid(`images[${i}].data`, `image ${img.name} is not base64`);
    return checkImage(img.name, Buffer.from(img.data, 'base64'), `images[${i}]`);
  });
  return checked({ config: parseConfigValue(parsed.data.config), images, ...(parsed.data.queue ? { queue: parsed.data.queue } : {}) });
}

/** Refuses the same image name twice. */
export function checked(s: Submission): Submission {
  const names = new Set<string>();
  for (const img of s.images) {
    if (names.has(img.name.toLowerCase())) throw invalid('images', `image ${img.name} is given twice`);
    names.add(img.name.toLowerCase());
  }
  return s;
}

/** The config keys that name files, and those a server never takes from a submission. */
const FORBIDDEN = ['output.dir', 'ffmpeg', 'soundtrack.file', 'planner'] as const;

function at(config: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), config);
}

/** A file a config refers to: its key path, its value, and how to replace it (in the config object itself). */
export interface FileRef {
  field: string;
  value: unknown;
  set(value: string): void;
}

const refIn = (obj: Record<string, unknown>, key: string, field: string): FileRef[] =>
  obj[key] === undefined
    ? []
    : [
        {
          field,
          value: obj[key],
          set: (v) => {
            obj[key] = v;
          },
        },
      ];

const records = (value: unknown): Array<Record<string, unknown>> =>
  Array.isArray(value) ? value.map((v) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {})) : [];

/** Every file a config refers to (the storyboard's images and keyframes, the cast's pictures). */
export function fileRefs(config: Record<string, unknown>): FileRef[] {
  const sb = config['storyboard'] && typeof config['storyboard'] === 'object' ? (config['storyboard'] as Record<string, unknown>) : {};
  const keyframes = Array.isArray(sb['keyframes']) ? (sb['keyframes'] as unknown[]) : [];
  return [
    ...refIn(sb, 'image', 'storyboard.image'),
    ...keyframes.flatMap((_, i) => refIn(keyframes as unknown as Record<string, unknown>, String(i), `storyboard.keyframes[${i}]`)),
    ...records(sb['segments']).flatMap((s, i) => refIn(s, 'keyframe', `storyboard.segments[${i}].keyframe`)),
    ...records(config['cast']).flatMap((m, i) => refIn(m, 'image', `cast[${i}].image`)),
  ];
}

/** Refuses `${VAR}` anywhere in a submitted config: the server's environment is not the submitter's. */
function checkNoInterpolation(value: unknown, path: string): void {
  if (typeof value === 'string' && value.includes('${'))
    throw invalid(path || 'config', "${VAR} is not allowed in a submitted config (the server's environment holds its keys)");
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkNoInterpolation(v, `${path}[${i}]`);
  } else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkNoInterpolation(v, path ? `${path}.${k}` : k);
}

/**
 * Checks what a submitted config may name: core keys only (backend sections, with their keys and base URLs, come
 * from the server's own settings: a submitted `baseUrl` could send the server's key elsewhere), allowed plugins
 * only, and files only among the uploaded images.
 */
export function checkPolicy(s: Submission, policy: SubmitPolicy, coreKeys: readonly string[]): void {
  const { config } = s;
  checkNoInterpolation(config, '');
  for (const key of Object.keys(config)) {
    if (!coreKeys.includes(key)) throw invalid(key, `${key} cannot be set in a film submitted to a server (backend settings are the server's)`);
  }
  for (const key of FORBIDDEN) if (at(config, key) !== undefined) throw invalid(key, `${key} cannot be set in a film submitted to a server`);
  const chain = [config['backends'] ?? [], config['backend'] ?? []].flat();
  for (const name of chain) {
    if (typeof name !== 'string' || !policy.backends.includes(name)) {
      throw invalid('backends', `backend ${JSON.stringify(name)} is not served here`, `use one of: ${policy.backends.join(', ')}`);
    }
  }
  const images = config['images'];
  if (images !== undefined && (typeof images !== 'string' || !policy.images.includes(images))) {
    throw invalid('images', `image generator ${JSON.stringify(images)} is not served here`, `use one of: ${policy.images.join(', ')}`);
  }
  const uploaded = new Set(s.images.map((i) => i.name));
  for (const ref of fileRefs(config)) {
    if (typeof ref.value !== 'string' || !uploaded.has(ref.value)) {
      throw invalid(
        ref.field,
        `${ref.field} names ${JSON.stringify(ref.value)}, which is not an uploaded image`,
        'upload the image with the film and name it by its file name',
      );
    }
  }
}

/**
 * The film's id: the same token submitting the same config and images gets the same id (and so the same film and
 * the same queue job), whatever the order of keys or images.
 */
export function filmId(ownerId: string, s: Submission): string {
  const h = createHash('sha256').update(`${ownerId}\0${canonical(s.config)}`);
  for (const img of [...s.images].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`\0${img.name}\0${createHash('sha256').update(img.data).digest('hex')}`);
  }
  return `f${h.digest('hex').slice(0, 20)}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The config as stored in the film folder (YAML, as the CLI reads it). */
export function configText(config: Record<string, unknown>): string {
  return stringify(config);
}
