import type { Manifest } from '@ttv/core/engine';

/** What one film's run adds to the dashboard's figures (from its manifest: the record of every attempt and booking). */
export interface FilmFigures {
  /** USD booked per `YYYY-MM-DD` (UTC) and backend. */
  spend: Record<string, Record<string, number>>;
  /** Finished attempts per backend: made, refused (MODERATION), failed otherwise. */
  outcomes: Record<string, { ok: number; refused: number; failed: number }>;
  /** Seconds from an attempt's start to its clip, per backend (successful attempts made here, not re-attached). */
  latencies: Record<string, number[]>;
}

export interface BackendFigures {
  backend: string;
  attempts: number;
  refused: number;
  failed: number;
  refusalRate: number;
  failureRate: number;
  latency: { count: number; p50?: number; p90?: number; p99?: number };
}

export interface DashboardFigures {
  spendByDay: Array<{ day: string; backend: string; usd: number }>;
  backends: BackendFigures[];
}

/** The entry of `key` in `record`, made by `make` the first time. */
function entry<T>(record: Record<string, T>, key: string, make: () => T): T {
  if (!(key in record)) record[key] = make();
  return record[key]!;
}

export function filmFigures(m: Manifest): FilmFigures {
  const figures: FilmFigures = { spend: {}, outcomes: {}, latencies: {} };
  for (const booked of m.ledger) {
    if (!booked.actualUsd) continue;
    const day = entry(figures.spend, booked.at.slice(0, 10), (): Record<string, number> => ({}));
    day[booked.backend] = (day[booked.backend] ?? 0) + booked.actualUsd;
  }
  for (const a of m.segments.flatMap((s) => s.attempts)) {
    if (a.outcome !== 'ok' && a.outcome !== 'error') continue;
    const o = entry(figures.outcomes, a.backend, () => ({ ok: 0, refused: 0, failed: 0 }));
    if (a.outcome === 'ok') o.ok++;
    else if (a.errorCode === 'MODERATION') o.refused++;
    else o.failed++;
    if (a.outcome === 'ok' && !a.resumed && a.finishedAt)
      entry(figures.latencies, a.backend, (): number[] => []).push((Date.parse(a.finishedAt) - Date.parse(a.startedAt)) / 1000);
  }
  return figures;
}

/** The value below which `q` of the sorted samples fall (nearest rank). */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The figures of many films together: spend per day and backend, rates and latency percentiles per backend. */
export function combineFigures(films: readonly FilmFigures[]): DashboardFigures {
  const spend = new Map<string, number>();
  const outcomes = new Map<string, { ok: number; refused: number; failed: number }>();
  const latencies = new Map<string, number[]>();
  for (const f of films) {
    for (const [day, byBackend] of Object.entries(f.spend))
      for (const [backend, usd] of Object.entries(byBackend)) spend.set(`${day} ${backend}`, (spend.get(`${day} ${backend}`) ?? 0) + usd);
    for (const [backend, o] of Object.entries(f.outcomes)) {
      const sum = outcomes.get(backend) ?? { ok: 0, refused: 0, failed: 0 };
      outcomes.set(backend, { ok: sum.ok + o.ok, refused: sum.refused + o.refused, failed: sum.failed + o.failed });
    }
    for (const [backend, xs] of Object.entries(f.latencies)) latencies.set(backend, [...(latencies.get(backend) ?? []), ...xs]);
  }
  const spendByDay = [...spend.entries()]
    .map(([key, usd]) => {
      const [day, backend] = key.split(' ') as [string, string];
      return { day, backend, usd };
    })
    .sort((a, b) => b.day.localeCompare(a.day) || a.backend.localeCompare(b.backend));
  const backends = [...new Set([...outcomes.keys(), ...latencies.keys()])].sort().map((backend) => {
    const o = outcomes.get(backend) ?? { ok: 0, refused: 0, failed: 0 };
    const attempts = o.ok + o.refused + o.failed;
    const xs = [...(latencies.get(backend) ?? [])].sort((a, b) => a - b);
    const rate = (n: number) => (attempts ? n / attempts : 0);
    return {
      backend,
      attempts,
      refused: o.refused,
      failed: o.failed,
      refusalRate: rate(o.refused),
      failureRate: rate(o.failed),
      latency: { count: xs.length, p50: percentile(xs, 0.5), p90: percentile(xs, 0.9), p99: percentile(xs, 0.99) },
    };
  });
  return { spendByDay, backends };
}
