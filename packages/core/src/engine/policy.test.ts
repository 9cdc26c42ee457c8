import { describe, expect, test } from 'vitest';
import { TtvError, type TtvErrorCode } from '../spec/errors.js';
import { endsSegment, type FailureDecision, type FailurePolicySettings, failurePolicy, retryDelay } from './policy.js';

const base: FailurePolicySettings = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000, onModeration: 'fail', canReword: false, random: () => 0.5 };

type Row = [
  label: string,
  code: TtvErrorCode,
  attempt: number,
  settings: Partial<FailurePolicySettings>,
  expected: FailureDecision,
  extra?: ConstructorParameters<typeof TtvError>[2],
];

const rows: Row[] = [
  ['CANCELLED stops', 'CANCELLED', 1, {}, { action: 'stop' }],
  ['INPUT_INVALID stops', 'INPUT_INVALID', 1, {}, { action: 'stop' }],
  ['BUDGET_EXCEEDED stops', 'BUDGET_EXCEEDED', 1, {}, { action: 'stop' }],
  ['CANCELLED stops even when marked retryable', 'CANCELLED', 1, {}, { action: 'stop' }, { retryable: true }],
  // backoff window 1000·2^(n-1), equal jitter at 0.5 → 3/4 of the window
  ['RATE_LIMITED retries with backoff', 'RATE_LIMITED', 1, {}, { action: 'retry', delayMs: 750 }],
  ['UNAVAILABLE retries with backoff (attempt 2)', 'UNAVAILABLE', 2, {}, { action: 'retry', delayMs: 1500 }],
  ['TIMEOUT retries', 'TIMEOUT', 1, {}, { action: 'retry', delayMs: 750 }],
  ['RATE_LIMITED honours Retry-After as is', 'RATE_LIMITED', 2, {}, { action: 'retry', delayMs: 7000 }, { retryAfterMs: 7000 }],
  ['backoff is capped at maxDelayMs', 'UNAVAILABLE', 2, { maxAttempts: 9, maxDelayMs: 1200 }, { action: 'retry', delayMs: 900 }],
  ['RATE_LIMITED after maxAttempts moves on', 'RATE_LIMITED', 3, {}, { action: 'next' }, { retryAfterMs: 7000 }],
  ['UNAVAILABLE after maxAttempts moves on', 'UNAVAILABLE', 3, {}, { action: 'next' }],
  ['TIMEOUT with maxAttempts 1 moves on', 'TIMEOUT', 1, { maxAttempts: 1 }, { action: 'next' }],
  ['QUOTA moves on at once', 'QUOTA', 1, {}, { action: 'next' }],
  ['AUTH moves on at once', 'AUTH', 1, {}, { action: 'next' }],
  ['GENERATION_FAILED moves on at once', 'GENERATION_FAILED', 1, {}, { action: 'next' }],
  ['GENERATION_FAILED the backend marks retryable retries', 'GENERATION_FAILED', 1, {}, { action: 'retry', delayMs: 750 }, { retryable: true }],
  ['INTERNAL moves on', 'INTERNAL', 1, {}, { action: 'next' }],
  ['FFMPEG_FAILED moves on', 'FFMPEG_FAILED', 1, {}, { action: 'next' }],
  ['MODERATION × fail stops', 'MODERATION', 1, { onModeration: 'fail' }, { action: 'stop' }],
  ['MODERATION × fail stops, hook or not', 'MODERATION', 1, { onModeration: 'fail', canReword: true }, { action: 'stop' }],
  ['MODERATION × next moves on', 'MODERATION', 1, { onModeration: 'next' }, { action: 'next' }],
  ['MODERATION × next moves on, hook or not', 'MODERATION', 1, { onModeration: 'next', canReword: true }, { action: 'next' }],
  ['MODERATION × next never retries, even marked retryable', 'MODERATION', 1, { onModeration: 'next' }, { action: 'next' }, { retryable: true }],
  ['MODERATION × reword with a hook rewords', 'MODERATION', 1, { onModeration: 'reword', canReword: true }, { action: 'reword' }],
  ['MODERATION × reword with a hook, attempts used up: next', 'MODERATION', 3, { onModeration: 'reword', canReword: true }, { action: 'next' }],
  ['MODERATION × reword without a hook stops and says why', 'MODERATION', 1, { onModeration: 'reword' }, { action: 'stop', reason: 'no-reword-hook' }],
  [
    'jobReusable UNAVAILABLE retries (the retry re-attaches)',
    'UNAVAILABLE',
    1,
    {},
    { action: 'retry', delayMs: 1 },
    { jobReusable: true, chargedUsd: 0.5, retryAfterMs: 1 },
  ],
  ['jobReusable CANCELLED stops (the next run re-attaches)', 'CANCELLED', 1, {}, { action: 'stop' }, { jobReusable: true }],
  ['jobReusable GENERATION_FAILED moves on', 'GENERATION_FAILED', 1, {}, { action: 'next' }, { jobReusable: true }],
];

describe('failurePolicy', () => {
  test.each(rows)('%s', (_label, code, attempt, settings, expected, extra) => {
    const error = new TtvError(code, 'x', extra);
    expect(failurePolicy(error, attempt, { ...base, ...settings })).toEqual(expected);
    expect(endsSegment(error, attempt, { ...base, ...settings })).toBe(expected.action === 'stop');
  });

  test('draws from the random source only for a backoff retry; endsSegment never draws', () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0;
    };
    failurePolicy(new TtvError('QUOTA', 'x'), 1, { ...base, random });
    failurePolicy(new TtvError('RATE_LIMITED', 'x', { retryAfterMs: 5 }), 1, { ...base, random });
    endsSegment(new TtvError('UNAVAILABLE', 'x'), 1, { ...base, random });
    expect(draws).toBe(0);
    expect(failurePolicy(new TtvError('UNAVAILABLE', 'x'), 1, { ...base, random })).toEqual({ action: 'retry', delayMs: 500 });
    expect(draws).toBe(1);
  });
});

test('retryDelay: doubles per attempt, caps at maxDelayMs, jitter in the upper half, Retry-After as is', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 5000 };
  expect([1, 2, 3, 4, 5].map((n) => retryDelay(policy, n, {}, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
  expect([1, 2, 3].map((n) => retryDelay(policy, n, {}, () => 0))).toEqual([500, 1000, 2000]);
  expect(retryDelay(policy, 1, { retryAfterMs: 0 }, () => 1)).toBe(0);
});
