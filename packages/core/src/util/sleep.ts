import { TtvError } from '../spec/errors.js';

/**
 * Waits `ms`, or rejects with CANCELLED as soon as `signal` fires. Uses the global setTimeout, so fake timers
 * (vi.useFakeTimers) control it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new TtvError('CANCELLED', 'cancelled', { cause: signal.reason }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new TtvError('CANCELLED', 'cancelled', { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
