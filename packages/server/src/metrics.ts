import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FilmEvent } from './events.js';
import { keys, subscribeWhenReady } from './redis.js';

const JOB_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children'] as const;

/**
 * The server's Prometheus metrics: film jobs by queue and state (read from BullMQ at each scrape), and segment
 * latency and spend per backend (from the events workers publish; counters start at zero when the server does).
 */
export function serverMetrics(queues: readonly Queue[]) {
  const registry = new Registry();
  new Gauge({
    name: 'ttv_jobs',
    help: 'Film jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const q of queues) {
        const counts = await q.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
      }
    },
  });
  const latency = new Histogram({
    name: 'ttv_segment_latency_seconds',
    help: 'Time from a segment call starting to its clip being made, per backend',
    labelNames: ['backend'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [registry],
  });
  const spend = new Counter({
    name: 'ttv_spend_usd_total',
    help: 'Money booked by backend calls, per backend (USD)',
    labelNames: ['backend'],
    registers: [registry],
  });
  const segments = new Counter({ name: 'ttv_segments_total', help: 'Segment state changes, per state', labelNames: ['state'], registers: [registry] });
  return {
    registry,
    observe(event: FilmEvent) {
      if (event.type === 'spend') spend.inc({ backend: event.backend }, event.usd);
      if (event.type !== 'segment') return;
      segments.inc({ state: event.state });
      if (event.latencySec !== undefined && event.backend) latency.observe({ backend: event.backend }, event.latencySec);
    },
  };
}

export type ServerMetrics = ReturnType<typeof serverMetrics>;

/** Subscribes to the workers' events; `on` gets each parsed event. Returns the unsubscribe. */
export async function followEvents(subscriber: Redis, on: (event: FilmEvent) => void): Promise<() => Promise<void>> {
  subscriber.on('message', (channel: string, text: string) => {
    if (channel !== keys.events) return;
    try {
      on(JSON.parse(text) as FilmEvent);
    } catch {
      // a malformed event is dropped
    }
  });
  await subscribeWhenReady(subscriber, keys.events);
  return async () => void (await subscriber.unsubscribe(keys.events));
}
