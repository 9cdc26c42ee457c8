/**
 * Input images: fitted to the model's exact output size (cover or contain), then sent inline as a data URI
 * (PNG, or a JPEG re-encoded to fit when the PNG's URI would pass the API's 5 MB data-URI limit) or as a
 * Runway ephemeral upload (`runway://`, 200 MB limit).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type RunwayML from '@runwayml/sdk';
import { type FitImageResult, fitImage } from '@ttv/core/media';
import { mapSdkError } from './runway-errors.js';

/** The API's limit on a data URI (the whole `data:…;base64,…` string). */
export const MAX_DATA_URI_BYTES = 5 * 1024 * 1024;

export interface PreparedImage {
  /** What goes into `promptImage[].uri`. */
  uri: string;
  /** The fitted file sent. */
  file: string;
  mimeType: FitImageResult['mimeType'];
  /** Bytes of the fitted file. */
  bytes: number;
  /** How it travels. */
  via: 'inline' | 'ephemeral';
  width: number;
  height: number;
}

export interface PrepareOptions {
  width: number;
  height: number;
  fit: 'cover' | 'contain';
  mode: 'auto' | 'inline' | 'ephemeral';
  workDir: string;
  /** `first` or `last`: names the files. */
  name: string;
  signal?: AbortSignal;
  /** Uploads a file, returns its `runway://` URI (for `ephemeral`). */
  upload: (file: string, filename: string, mimeType: string) => Promise<string>;
  /** Override of the data-URI limit (tests). */
  maxDataUriBytes?: number;
}

function dataUriLength(mimeType: string, bytes: number): number {
  return `data:${mimeType};base64,`.length + 4 * Math.ceil(bytes / 3);
}

export async function prepareImage(input: string, o: PrepareOptions): Promise<PreparedImage> {
  const limit = o.maxDataUriBytes ?? MAX_DATA_URI_BYTES;
  const common = { width: o.width, height: o.height, fit: o.fit, ...(o.signal ? { signal: o.signal } : {}) };
  const png = join(o.workDir, `${o.name}.png`);
  let fitted = await fitImage(input, png, { ...common, format: 'png' });
  let file = png;

  if (o.mode === 'ephemeral') {
    const uri = await o.upload(file, `${o.name}.png`, fitted.mimeType);
    return { uri, file, mimeType: fitted.mimeType, bytes: fitted.bytes, via: 'ephemeral', width: fitted.width, height: fitted.height };
  }
  if (dataUriLength(fitted.mimeType, fitted.bytes) > limit) {
    // Too big for a data URI: a JPEG that fits (quality first, then size). The header is a few dozen bytes.
    const jpeg = join(o.workDir, `${o.name}.jpg`);
    const maxBytes = Math.floor(((limit - 64) * 3) / 4);
    try {
      fitted = await fitImage(input, jpeg, { ...common, format: 'jpeg', maxBytes });
      file = jpeg;
    } catch (error) {
      if (o.mode !== 'auto') throw error;
      // Even a small JPEG does not fit: upload the PNG instead.
      const uri = await o.upload(png, `${o.name}.png`, 'image/png');
      const pngBytes = (await readFile(png)).length;
      return { uri, file: png, mimeType: 'image/png', bytes: pngBytes, via: 'ephemeral', width: o.width, height: o.height };
    }
  }
  const data = await readFile(file);
  const uri = `data:${fitted.mimeType};base64,${data.toString('base64')}`;
  return { uri, file, mimeType: fitted.mimeType, bytes: data.length, via: 'inline', width: fitted.width, height: fitted.height };
}

/** Uploads a file as a Runway ephemeral upload (`POST /v1/uploads`, then the presigned form); returns its `runway://` URI. */
export async function uploadEphemeral(
  client: RunwayML,
  path: string,
  filename: string,
  mimeType: string,
  opts: { signal: AbortSignal; timeout: number; maxRetries: 0 },
): Promise<string> {
  const data = await readFile(path);
  try {
    const { uri } = await client.uploads.createEphemeral({ file: new File([data], filename, { type: mimeType }) }, opts);
    return uri;
  } catch (error) {
    throw mapSdkError(error, 'upload', opts.signal);
  }
}
