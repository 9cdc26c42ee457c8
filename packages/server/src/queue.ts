import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { PREFIX } from './redis.js';

/** The data of a film job: only the film's id; everything else is in the run store and the film record. */
export interface FilmJobData {
  filmId: string;
}

/** Default queue of films (a film may name another, served by workers started with `--queues`). */
export const DEFAULT_QUEUE = 'films';
const QUEUE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export function isQueueName(name: string): boolean {
  return QUEUE_NAME.test(name);
}

/**
 * How film jobs are kept and retried. A film job is idempotent (the run folder resumes without paying again), so a
 * stalled job (its worker died) is simply run again, many times if need be; failures that are not transient
 * are not retried (the worker throws UnrecoverableError).
 */
export const FILM_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export function filmQueue(name: string, connection: Redis): Queue<FilmJobData> {
  return new Queue<FilmJobData>(name, { connection, prefix: PREFIX });
}

/** Enqueues a film; the job id is the film id, so enqueuing it again is a no-op. */
export async function enqueueFilm(queue: Queue<FilmJobData>, filmId: string): Promise<void> {
  await queue.add('film', { filmId }, { ...FILM_JOB_OPTIONS, jobId: filmId });
}
