import { TtvError } from '../spec/errors.js';

/**
 * The error for a bad request: INPUT_INVALID naming the request field, the value found and the fix. Every
 * backend's `validate` throws these (the engine stops the segment: another backend would not help).
 */
export function invalidInput(message: string, field: string, value: unknown, fix: string, cause?: unknown): TtvError {
  return new TtvError('INPUT_INVALID', message, { field, value, fix, ...(cause === undefined ? {} : { cause }) });
}
