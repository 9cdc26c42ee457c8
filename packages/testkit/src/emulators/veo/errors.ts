/** Google's JSON error shape, and the error the Veo emulator's modules throw to reply with it. */
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http.js';

/** gRPC status names by HTTP status, for Google's JSON error shape. */
const STATUS_BY_HTTP: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleErrorBody(
  code: number,
  message: string,
  status = STATUS_BY_HTTP[code] ?? 'UNKNOWN',
): { error: { code: number; message: string; status: string } } {
  return { error: { code, message, status } };
}

export function sendGoogleError(res: ServerResponse, code: number, message: string, status?: string): void {
  sendJson(res, code, googleErrorBody(code, message, status));
}

/** Thrown by request handling: the router replies with Google's error body. */
export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status?: string,
  ) {
    super(message);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
