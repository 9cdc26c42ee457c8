import type { AttemptRecord, Manifest } from '@ttv/core/engine';
import { describe, expect, it } from 'vitest';
import { combineFigures, filmFigures, percentile } from './stats.js';

const attempt = (backend: string, outcome: AttemptRecord['outcome'], seconds: number, extra: Partial<AttemptRecord> = {}): AttemptRecord => ({
  backend,
  model: 'm',
  attempt: 1,
  startedAt: '2026-03-01T10:00:00.000Z',
  finishedAt: new Date(Date.parse('2026-03-01T10:00:00.000Z') + seconds * 1000).toISOString(),
  outcome,
  estimatedUsd: 0,
  ...extra,
});

const manifest = (attempts: AttemptRecord[], ledger: Array<[string, string, number]>) =>
  ({
    segments: [{ attempts }],
    ledger: ledger.map(([at, backend, actualUsd]) => ({ at, backend, actualUsd, segment: 0, model: 'm', attempt: 1, estimatedUsd: 0, outcome: 'ok' })),
  }) as unknown as Manifest;

describe('dashboard figures', () => {
  it('percentiles by nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(xs, 0.5), percentile(xs, 0.9), percentile(xs, 0.99), percentile(xs, 1)]).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeUndefined();
  });

  it('spend per day and backend, refusals apart from failures, latencies of made clips only', () => {
    const a = filmFigures(
      manifest(
        [
          attempt('runway', 'error', 3, { errorCode: 'MODERATION' }),
          attempt('runway', 'ok', 40),
          attempt('runway', 'ok', 10, { resumed: true }), // re-attached: its wait is not the backend's latency
          attempt('veo3', 'error', 5, { errorCode: 'UNAVAILABLE' }),
          attempt('veo3', undefined, 0), // still running: not counted
          attempt('kenburns', 'cancelled', 1),
        ],
        [
          ['2026-03-01T10:00:40.000Z', 'runway', 0.25],
          ['2026-03-02T00:10:00.000Z', 'runway', 0.5],
          ['2026-03-01T11:00:00.000Z', 'veo3', 0],
        ],
      ),
    );
    const b = filmFigures(manifest([attempt('runway', 'ok', 20)], [['2026-03-01T12:00:00.000Z', 'runway', 0.25]]));
    expect(combineFigures([a, b])).toEqual({
      spendByDay: [
        { day: '2026-03-02', backend: 'runway', usd: 0.5 },
        { day: '2026-03-01', backend: 'runway', usd: 0.5 },
      ],
      backends: [
        { backend: 'runway', attempts: 4, refused: 1, failed: 0, refusalRate: 0.25, failureRate: 0, latency: { count: 2, p50: 20, p90: 40, p99: 40 } },
        { backend: 'veo3', attempts: 1, refused: 0, failed: 1, refusalRate: 0, failureRate: 1, latency: { count: 0 } },
      ],
    });
  });
});
