import { z } from 'zod';
import type { JobPolicy } from './backend.js';

export interface PollingDefaults {
  intervalMs: number;
  maxIntervalMs: number;
  backoff: number;
  jitter: number;
  maxErrors: number;
}

/**
 * The `polling` section remote backends share (each with its own defaults): how long to wait between status
 * polls, how the wait grows, how much it is randomised, and how many transient poll failures are tolerated.
 */
export function pollingConfigSchema(defaults: PollingDefaults) {
  return z
    .object({
      intervalMs: z.number().int().min(0).default(defaults.intervalMs).describe('First wait between status polls.'),
      maxIntervalMs: z.number().int().min(0).default(defaults.maxIntervalMs).describe('Longest wait between polls (backoff cap).'),
      backoff: z.number().min(1).max(4).default(defaults.backoff).describe('Multiplier applied to the wait after each poll.'),
      jitter: z.number().min(0).max(1).default(defaults.jitter).describe('Random ± fraction applied to every wait.'),
      maxErrors: z.number().int().min(1).max(100).default(defaults.maxErrors).describe('Consecutive transient poll failures tolerated before giving up.'),
    })
    .strict()
    .prefault({});
}

/**
 * A `timeouts` section: each key a positive whole number of milliseconds, with its default and help text, e.g.
 * `timeoutsConfigSchema({ requestMs: [60_000, 'Per HTTP request.'], jobMs: [1_800_000, 'The whole job.'] })`.
 * Strict, and an absent section takes every default.
 */
export function timeoutsConfigSchema<const T extends Record<string, readonly [defaultMs: number, description: string]>>(fields: T) {
  const shape = {} as { [K in keyof T]: z.ZodDefault<z.ZodNumber> };
  for (const [key, [ms, description]] of Object.entries(fields) as Array<[keyof T, T[keyof T]]>) {
    shape[key] = z.number().int().positive().default(ms).describe(description);
  }
  return z
    .object(shape)
    .strict()
    .prefault({} as z.input<z.ZodObject<typeof shape>>)
    .describe('Timeouts.');
}

/** The timeouts a remote backend's config section holds (names of the config keys vary: `taskMs`, `operationMs`). */
export interface JobTimeouts {
  /** One submit or status request. */
  requestMs: number;
  /** The whole job. */
  jobMs: number;
  /** One download of the output. */
  downloadMs: number;
}

/**
 * The job policy core drives a remote backend's jobs with, from its config's `polling` section (see
 * `pollingConfigSchema`) and its timeouts; `downloadAttempts` when the config has one.
 */
export function jobPolicyOf(polling: PollingDefaults, timeouts: JobTimeouts, downloadAttempts?: number): Partial<JobPolicy> {
  return {
    intervalMs: polling.intervalMs,
    maxIntervalMs: polling.maxIntervalMs,
    backoff: polling.backoff,
    jitter: polling.jitter,
    maxErrors: polling.maxErrors,
    timeoutMs: timeouts.jobMs,
    requestTimeoutMs: timeouts.requestMs,
    downloadTimeoutMs: timeouts.downloadMs,
    ...(downloadAttempts === undefined ? {} : { downloadAttempts }),
  };
}

/** `ms` randomised by ± `fraction` (so many clients do not poll in lockstep), never negative. */
export function withJitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}
