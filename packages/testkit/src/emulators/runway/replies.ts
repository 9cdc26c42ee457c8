/** Reply helpers shared by the Runway emulator's resource modules: the API's JSON errors and S3's XML errors. */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http.js';

export const apiError = (res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}): void =>
  sendJson(res, status, { error }, headers);

export function s3Error(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries({ Code: code, Message: message, ...extra })
    .map(([k, v]) => `<${k}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${fields}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`;
}
