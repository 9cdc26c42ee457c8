import { type Executor, inProcessExecutor, TtvError } from '@ttv/core';
import type { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import { keys } from './redis.js';

/** Most calls of each backend in flight at once, across every worker (a backend not named is not limited). */
export type BackendLimits = Readonly<Record<string, number>>;

/** Lease timings: a lease of a dead worker frees itself after `lockTimeoutMs`; a live one refreshes it. */
export interface LeaseTimings {
  lockTimeoutMs: number;
  refreshIntervalMs: number;
  retryIntervalMs: number;
}

export const DEFAULT_LEASE_TIMINGS: LeaseTimings = { lockTimeoutMs: 30_000, refreshIntervalMs: 10_000, retryIntervalMs: 100 };

/** A lease waits at most this long (a segment's call can wait behind many long ones). */
const ACQUIRE_TIMEOUT_MS = 24 * 3600_000;

/**
 * Holds a Redis semaphore of the call's backend while the call runs (redis-semaphore: a sorted set of holders with
 * expiry, refreshed while held). The call's whole life is inside: submit, polls, download.
 */
export function backendLeases(redis: Redis, limits: BackendLimits, timings: LeaseTimings = DEFAULT_LEASE_TIMINGS) {
  return async function hold<T>(backend: string, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const limit = limits[backend];
    if (limit === undefined) return call();
    const semaphore = new Semaphore(redis, keys.lease(backend), limit, {
      lockTimeout: timings.lockTimeoutMs,
      refreshInterval: timings.refreshIntervalMs,
      retryInterval: timings.retryIntervalMs,
      acquireTimeout: ACQUIRE_TIMEOUT_MS,
      acquireAttemptsLimit: Number.POSITIVE_INFINITY,
      // A lease lost (Redis unreachable past lockTimeout, or restarted without AOF) lets the call finish: cancelling
      // it would cancel a paid job. (redis-semaphore's default would throw from its refresh timer.)
      onLockLost: () => {},
    });
    try {
      await semaphore.acquire(signal);
    } catch (cause) {
      if (signal.aborted) throw new TtvError('CANCELLED', `cancelled while waiting for a ${backend} slot`, { cause });
      throw new TtvError('UNAVAILABLE', `could not take a ${backend} slot: ${(cause as Error).message}`, { cause });
    }
    try {
      return await call();
    } finally {
      await semaphore.release().catch(() => {});
    }
  };
}

export type BackendLeases = ReturnType<typeof backendLeases>;

/**
 * The executor of a film run by a worker: core's in-process executor (segment order, the film's own
 * `concurrency`), every backend call of which also holds a lease of its backend, shared by all workers.
 */
export function leasedExecutor(options: { concurrency: number; leases: BackendLeases; signal: AbortSignal }): Executor {
  const inner = inProcessExecutor({ concurrency: options.concurrency });
  return {
    run: (tasks, runTask, runOptions) => inner.run(tasks, runTask, runOptions),
    slot: (call, endsRun, info) => inner.slot(() => (info ? options.leases(info.backend, call, options.signal) : call()), endsRun, info),
  };
}
