import type { PipelineEvent } from '@ttv/core';
import type { Redis } from 'ioredis';
import type { FilmRecords, SegmentProgress } from './films.js';
import { keys } from './redis.js';

/** What workers publish on the events channel: the server's metrics and live views read it. */
export type FilmEvent =
  | { film: string; type: 'segment'; segment: number; state: string; backend?: string; fraction?: number; latencySec?: number; costUsd?: number }
  | { film: string; type: 'spend'; backend: string; usd: number }
  | { film: string; type: 'film'; status: string; totalCostUsd?: number };

export async function publish(redis: Redis, event: FilmEvent): Promise<void> {
  await redis.publish(keys.events, JSON.stringify(event));
}

/** Segment states by event type. */
const STATES: Partial<Record<PipelineEvent['type'], string>> = {
  queued: 'queued',
  started: 'running',
  job: 'submitted',
  retry: 'retrying',
  done: 'done',
  failed: 'failed',
};

/**
 * Turns a run's events into the film's live segment states (a Redis hash the status API reads) and published
 * events. Progress fractions are kept only when they move by 5 % or more. Never throws: a lost update only makes
 * the live view late; the manifest stays the record.
 */
export function progressReporter(redis: Redis, films: FilmRecords, film: string) {
  const segments = new Map<number, SegmentProgress>();
  const send = (segment: number, p: SegmentProgress, extra: Partial<FilmEvent> = {}) => {
    segments.set(segment, p);
    const { startedAt: _, ...shown } = p;
    void films.setProgress(film, segment, p).catch(() => {});
    void publish(redis, { film, type: 'segment', segment, ...shown, ...extra } as FilmEvent).catch(() => {});
  };
  return (event: PipelineEvent): void => {
    if (event.type === 'cost') void publish(redis, { film, type: 'spend', backend: event.backend, usd: event.usd }).catch(() => {});
    if (!('segment' in event) || event.segment === undefined) return;
    const before = segments.get(event.segment) ?? { state: 'queued' };
    if (event.type === 'progress') {
      if (event.fraction !== undefined && Math.abs(event.fraction - (before.fraction ?? 0)) >= 0.05)
        send(event.segment, { ...before, fraction: event.fraction });
      return;
    }
    const state = STATES[event.type];
    if (!state) return;
    const p: SegmentProgress = { ...before, state };
    if (event.type === 'started') Object.assign(p, { backend: event.backend, startedAt: Date.now(), fraction: 0 });
    if (event.type !== 'done') {
      send(event.segment, p);
      return;
    }
    Object.assign(p, { backend: event.backend, costUsd: event.costUsd, fraction: 1 });
    const latencySec = !event.cached && before.startedAt ? (Date.now() - before.startedAt) / 1000 : undefined;
    send(event.segment, p, latencySec === undefined ? {} : { latencySec });
  };
}

/** Fans the events the server follows out to its live views (each SSE connection subscribes while it is open). */
export function eventHub() {
  const listeners = new Set<(event: FilmEvent) => void>();
  return {
    emit(event: FilmEvent): void {
      for (const listener of listeners) listener(event);
    },
    /** Returns the unsubscribe. */
    subscribe(listener: (event: FilmEvent) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

export type EventHub = ReturnType<typeof eventHub>;
