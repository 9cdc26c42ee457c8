import { hostname } from 'node:os';
import { runPipeline, TtvError, toTtvError } from '@ttv/core';
import { redact } from '@ttv/core/engine';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { progressReporter, publish } from './events.js';
import { type BackendSections, loadFilmConfig } from './film-config.js';
import { type FilmRecords, filmRecords } from './films.js';
import { type BackendLimits, backendLeases, DEFAULT_LEASE_TIMINGS, type LeaseTimings, leasedExecutor } from './leases.js';
import type { FilmJobData } from './queue.js';
import { closeRedis, connectRedis, keys, PREFIX, subscribeWhenReady } from './redis.js';
import type { RunStore } from './run-store.js';

export interface WorkerOptions {
  redisUrl: string;
  store: RunStore;
  /** Queues this worker takes films from (default: films). */
  queues: readonly string[];
  /** Films run at once by this worker (default 2). */
  concurrency?: number;
  limits?: BackendLimits;
  sections?: BackendSections;
  searchDirs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** BullMQ's job lock: a worker that stops renewing it for this long is taken to be dead (default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 15 s). */
  stalledIntervalMs?: number;
  leaseTimings?: LeaseTimings;
  log?: (line: string) => void;
}

export interface RunningWorker {
  /**
   * Stops taking films and waits for the running ones to end. Running films are not cancelled: that would cancel
   * their paid remote jobs; a worker that must stop at once can be killed, and its films resume elsewhere.
   */
  close(): Promise<void>;
}

/** Errors after which the same film job is tried again (another worker, a later moment). */
const TRANSIENT = new Set(['RUN_LOCKED', 'UNAVAILABLE', 'TIMEOUT', 'RATE_LIMITED', 'DISK_FULL']);

interface Deps {
  options: WorkerOptions;
  redis: Redis;
  films: FilmRecords;
  leases: ReturnType<typeof backendLeases>;
  running: Map<string, AbortController>;
}

/** Starts a worker: BullMQ workers on the queues, each film job running the film's pipeline in its run folder. */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const redis = connectRedis(options.redisUrl, { blocking: true });
  const subscriber = connectRedis(options.redisUrl, { blocking: true });
  const deps: Deps = {
    options,
    redis,
    films: filmRecords(redis),
    leases: backendLeases(redis, options.limits ?? {}, options.leaseTimings ?? DEFAULT_LEASE_TIMINGS),
    running: new Map(),
  };
  await subscribeWhenReady(subscriber, keys.cancels);
  subscriber.on('message', (_channel: string, id: string) => deps.running.get(id)?.abort(new TtvError('CANCELLED', 'cancelled through the API')));
  const connections = options.queues.map(() => connectRedis(options.redisUrl, { blocking: true }));
  const workers = options.queues.map(
    (name, i) =>
      new Worker<FilmJobData>(name, (job) => processFilm(deps, job), {
        connection: connections[i]!,
        prefix: PREFIX,
        concurrency: options.concurrency ?? 2,
        lockDuration: options.lockDurationMs ?? 30_000,
        stalledInterval: options.stalledIntervalMs ?? 15_000,
        // A stalled film resumes from its run folder without paying again: let it stall as often as workers die.
        maxStalledCount: 1_000,
      }),
  );
  for (const w of workers) w.on('error', (e) => options.log?.(`worker: ${e.message}`));
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await closeRedis(redis, subscriber, ...connections);
    },
  };
}

/** One film job: the whole pipeline of the film, resumed from its run folder if an earlier job got part of it done. */
async function processFilm(deps: Deps, job: Job<FilmJobData>): Promise<void> {
  const { films, options } = deps;
  const id = job.data.filmId;
  const film = await films.get(id);
  if (!film) throw new UnrecoverableError(`no film record for ${id}`);
  if (film.cancelRequested) return void (await films.update(id, { status: 'cancelled' }));
  const controller = new AbortController();
  deps.running.set(id, controller);
  options.log?.(`film ${id}: running on ${hostname()} (pid ${process.pid}, attempt ${job.attemptsMade + 1})`);
  try {
    await films.update(id, { status: 'running', error: null });
    const { config, registry } = await loadFilmConfig(options.store.configFile(id), {
      sections: options.sections ?? {},
      searchDirs: options.searchDirs ?? [],
      env: options.env ?? process.env,
    });
    const result = await runPipeline({
      config,
      registry,
      runDir: options.store.runDir(id),
      signal: controller.signal,
      executor: leasedExecutor({ concurrency: config.core.concurrency, leases: deps.leases, signal: controller.signal }),
      onEvent: progressReporter(deps.redis, films, id),
    });
    await films.update(id, { status: 'done', totalCostUsd: result.totalCostUsd });
    await publish(deps.redis, { film: id, type: 'film', status: 'done', totalCostUsd: result.totalCostUsd }).catch(() => {});
  } catch (e) {
    await filmFailed(deps, job, toTtvError(e));
  } finally {
    deps.running.delete(id);
  }
}

/**
 * Records a failed film; rethrows so BullMQ retries the transient ones while attempts are left (the run resumes) and
 * fails the rest.
 */
async function filmFailed(deps: Deps, job: Job<FilmJobData>, error: TtvError): Promise<never> {
  const id = job.data.filmId;
  const cancelled = error.code === 'CANCELLED' && (await deps.films.get(id))?.cancelRequested === true;
  const retried = (TRANSIENT.has(error.code) || error.code === 'CANCELLED') && job.attemptsMade + 1 < (job.opts.attempts ?? 1);
  const status = cancelled ? 'cancelled' : retried ? 'queued' : 'failed';
  const message = redact(error.message);
  await deps.films.update(id, { status, error: { code: error.code, message } });
  await publish(deps.redis, { film: id, type: 'film', status }).catch(() => {});
  deps.options.log?.(`film ${id}: ${status} (${error.code}: ${message})`);
  if (status === 'queued') throw error;
  throw new UnrecoverableError(`${error.code}: ${message}`);
}
