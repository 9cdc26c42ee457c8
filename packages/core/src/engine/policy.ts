import type { TtvError } from '../spec/errors.js';

/** What the engine does after a failed backend call. */
export type FailureDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'reword' }
  | { action: 'next' }
  /** `reason: 'no-reword-hook'`: onModeration is `reword` but the backend cannot rewrite prompts. */
  | { action: 'stop'; reason?: 'no-reword-hook' };

export interface FailurePolicySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onModeration: 'fail' | 'next' | 'reword';
  /** Whether the backend that failed has a `rewordPrompt` hook. */
  canReword: boolean;
  /** Jitter source, 0..1 (drawn only for a retry without Retry-After). */
  random: () => number;
}

/** Errors that end the segment (and so the run) whatever backend comes next: another one would not help. */
const STOPS = new Set<TtvError['code']>(['CANCELLED', 'INPUT_INVALID', 'BUDGET_EXCEEDED']);

/**
 * The failure policy: after call `attempt` (1-based) of a backend failed with `error`,
 * - `stop`: the segment fails (CANCELLED, INPUT_INVALID, BUDGET_EXCEEDED; MODERATION under `fail`, or under
 *   `reword` when the backend has no rewording hook);
 * - `reword`: MODERATION under `reword` with a hook and attempts left: call again with the reworded prompt;
 * - `retry`: a retryable error with attempts left, after `delayMs` (Retry-After as is, else backoff + jitter);
 * - `next`: anything else (attempts used up, QUOTA, AUTH, non-retryable failures, MODERATION under `next`).
 * Pure: the same inputs give the same decision.
 */
export function failurePolicy(error: Pick<TtvError, 'code' | 'retryable' | 'retryAfterMs'>, attempt: number, settings: FailurePolicySettings): FailureDecision {
  if (STOPS.has(error.code)) return { action: 'stop' };
  const attemptsLeft = attempt < settings.maxAttempts;
  if (error.code === 'MODERATION') {
    if (settings.onModeration === 'fail') return { action: 'stop' };
    if (settings.onModeration === 'reword') {
      if (!settings.canReword) return { action: 'stop', reason: 'no-reword-hook' };
      if (attemptsLeft) return { action: 'reword' };
    }
    return { action: 'next' };
  }
  if (error.retryable && attemptsLeft) return { action: 'retry', delayMs: retryDelay(settings, attempt, error, settings.random) };
  return { action: 'next' };
}

/** Whether `error` ends the segment (the policy's `stop`), without drawing from the run's random source. */
export function endsSegment(error: Pick<TtvError, 'code' | 'retryable' | 'retryAfterMs'>, attempt: number, settings: FailurePolicySettings): boolean {
  return failurePolicy(error, attempt, { ...settings, random: () => 0 }).action === 'stop';
}

/**
 * Delay before retry `attempt + 1`: the service's Retry-After when it sent one (honoured as is, never shortened),
 * else exponential backoff `baseDelayMs · 2^(attempt-1)` capped at `maxDelayMs`, with "equal jitter" (a uniform
 * draw in the upper half of that window, so concurrent retries spread out but never retry immediately).
 */
export function retryDelay(
  policy: { baseDelayMs: number; maxDelayMs: number },
  attempt: number,
  error: Pick<TtvError, 'retryAfterMs'>,
  random: () => number,
): number {
  if (error.retryAfterMs !== undefined && error.retryAfterMs >= 0) return Math.round(error.retryAfterMs);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(backoff / 2 + (backoff / 2) * Math.min(1, Math.max(0, random())));
}
