import { type TtvError, toTtvError } from '@ttv/core';
import { redact } from '@ttv/core/engine';

/** HTTP status of each error code (a code's meaning is the same as in the CLI; `details.status` may override it). */
const STATUS: Partial<Record<TtvError['code'], number>> = {
  CONFIG_INVALID: 400,
  INPUT_INVALID: 400,
  BACKEND_NOT_INSTALLED: 400,
  PLAN_INVALID: 400,
  AUTH: 401,
  BUDGET_EXCEEDED: 402,
  RUN_LOCKED: 409,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  DISK_FULL: 507,
};

/** The JSON error reply: `{ ok: false, error: { code, message, field?, fix?, … } }`, secrets masked. */
export function errorReply(raw: unknown): { status: number; body: string } {
  const error = toTtvError(raw);
  const override = error.details?.['status'];
  const status = typeof override === 'number' ? override : (STATUS[error.code] ?? 500);
  const json = error.toJSON();
  delete json['details'];
  if (status >= 500 && error.code === 'INTERNAL') json['message'] = 'internal error';
  return { status, body: redact(JSON.stringify({ ok: false, error: json })) };
}
