import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    ['retry-after-ms wins', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['fractional ms are rounded', { 'retry-after-ms': '12.6' }, 13],
    ['seconds', { 'retry-after': '7' }, 7000],
    ['fractional seconds', { 'retry-after': '0.5' }, 500],
    ['an HTTP date', { 'retry-after': 'Wed, 02 Dec 2026 12:00:03 GMT' }, 3000],
    ['a date in the past is 0', { 'retry-after': 'Wed, 02 Dec 2026 11:00:00 GMT' }, 0],
    ['a negative ms falls back to retry-after', { 'retry-after-ms': '-1', 'retry-after': '2' }, 2000],
    ['garbage is undefined', { 'retry-after': 'soon' }, undefined],
    ['blank is undefined', { 'retry-after': ' ' }, undefined],
    ['no header', {}, undefined],
  ])('%s', (_what, headers, expected) => {
    expect(retryAfterMs(headers as Record<string, string>, NOW)).toBe(expected);
    expect(retryAfterMs(new Headers(headers as Record<string, string>), NOW)).toBe(expected);
  });

  it('no headers at all', () => expect(retryAfterMs(undefined)).toBeUndefined());
});
