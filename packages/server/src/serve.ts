import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Queue } from 'bullmq';
import { segmentFrames } from './dashboard/frames.js';
import { loadDashboardAssets } from './dashboard/page.js';
import { dashboardData } from './dashboard/snapshot.js';
import { eventHub } from './events.js';
import type { BackendSections } from './film-config.js';
import { filmRecords } from './films.js';
import { createApp } from './http/app.js';
import { followEvents, serverMetrics } from './metrics.js';
import { DEFAULT_QUEUE, type FilmJobData, filmQueue } from './queue.js';
import { closeRedis, connectRedis } from './redis.js';
import { directoryRunStore } from './run-store.js';
import { filmService } from './service.js';
import { DEFAULT_POLICY, type SubmitPolicy } from './submission.js';
import type { TokenCheck } from './tokens.js';

export interface ServeOptions {
  redisUrl: string;
  /** The run store's directory (shared with every worker). */
  storeDir: string;
  tokens: TokenCheck;
  port?: number;
  host?: string;
  queues?: readonly string[];
  policy?: SubmitPolicy;
  sections?: BackendSections;
  searchDirs?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts `ttv serve`: the HTTP API over Redis (film records, queues, events) and the run store. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const redis = connectRedis(options.redisUrl);
  const subscriber = connectRedis(options.redisUrl, { blocking: true });
  const store = directoryRunStore(options.storeDir);
  await mkdir(store.root, { recursive: true });
  const queues = new Map<string, Queue<FilmJobData>>((options.queues ?? [DEFAULT_QUEUE]).map((name) => [name, filmQueue(name, redis)]));
  const metrics = serverMetrics([...queues.values()]);
  const events = eventHub();
  const closing = new AbortController();
  const stopEvents = await followEvents(subscriber, (e) => {
    metrics.observe(e);
    events.emit(e);
  });
  const films = filmRecords(redis);
  const service = filmService({
    store,
    films,
    queue: (name) => queues.get(name),
    policy: options.policy ?? DEFAULT_POLICY,
    config: { sections: options.sections ?? {}, searchDirs: options.searchDirs ?? [], env: options.env ?? process.env },
  });
  const ready = async () => (await redis.ping()) === 'PONG' && (await access(store.root, constants.W_OK).then(() => true));
  const live = {
    assets: await loadDashboardAssets(),
    data: dashboardData({ store, films, queues: [...queues.values()] }),
    frames: segmentFrames(store, films),
    events,
    closing: closing.signal,
  };
  const app = createApp({ service, tokens: options.tokens, metrics, ready, live });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 8080, hostname: options.host ?? '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stopEvents().catch(() => {});
      await Promise.all([...queues.values()].map((q) => q.close()));
      await closeRedis(redis, subscriber);
    },
  };
}
