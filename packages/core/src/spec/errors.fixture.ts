// Test helper: the TtvError a promise rejects with.
import { expect } from 'vitest';
import { TtvError } from './errors.js';

/** Awaits `promise`, expects it to reject with a TtvError and returns that error; fails with `otherwise` if it resolves. */
export async function rejection(promise: Promise<unknown>, otherwise = 'expected the run to fail'): Promise<TtvError> {
  try {
    await promise;
  } catch (e) {
    expect(TtvError.is(e)).toBe(true);
    return e as TtvError;
  }
  throw new Error(otherwise);
}
