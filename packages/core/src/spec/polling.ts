import { z } from 'zod';

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

/** `ms` randomised by ± `fraction` (so many clients do not poll in lockstep), never negative. */
export function withJitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}
