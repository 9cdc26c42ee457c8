import { relative } from 'node:path';
import { type LoadedConfig, TtvError } from '@ttv/core';
import { type Manifest, readManifest, redact } from '@ttv/core/engine';
import type { Queue } from 'bullmq';
import type { FilmConfigOptions } from './film-config.js';
import { CORE_KEYS, parseFilmConfig } from './film-config.js';
import type { FilmRecord, FilmRecords, SegmentProgress } from './films.js';
import { DEFAULT_QUEUE, enqueueFilm, type FilmJobData, isQueueName } from './queue.js';
import type { RunStore } from './run-store.js';
import { checkPolicy, configText, filmId, type Submission, type SubmitPolicy } from './submission.js';

export interface FilmService {
  submit(owner: string, submission: Submission): Promise<{ film: FilmRecord; created: boolean }>;
  status(owner: string, id: string): Promise<FilmStatusReply>;
  list(owner: string): Promise<FilmRecord[]>;
  cancel(owner: string, id: string): Promise<FilmRecord>;
  report(owner: string, id: string): Promise<Record<string, unknown>>;
  /** The finished film's file; UNAVAILABLE (409) while it is not made. */
  video(owner: string, id: string): Promise<string>;
}

export interface SegmentStatus {
  index: number;
  state: string;
  backend?: string;
  model?: string;
  fraction?: number;
  costUsd: number;
  attempts: number;
  error?: { code: string; message: string };
}

export type FilmStatusReply = FilmRecord & { segments: SegmentStatus[]; durationSec?: number };

export interface ServiceDeps {
  store: RunStore;
  films: FilmRecords;
  /** The queue of that name, if the server serves it. */
  queue: (name: string) => Queue<FilmJobData> | undefined;
  policy: SubmitPolicy;
  config: FilmConfigOptions;
}

export function filmService(deps: ServiceDeps): FilmService {
  const { store, films } = deps;
  return {
    async submit(owner, submission) {
      const queueName = submission.queue ?? DEFAULT_QUEUE;
      const queue = isQueueName(queueName) ? deps.queue(queueName) : undefined;
      if (!queue) throw new TtvError('INPUT_INVALID', `no queue ${JSON.stringify(queueName.slice(0, 40))}`, { field: 'queue' });
      checkPolicy(submission, deps.policy, CORE_KEYS);
      const id = filmId(owner, submission);
      const existing = await films.get(id);
      if (existing) return { film: existing, created: false };
      const config = await checkConfig(deps, id, submission);
      await store.create(id, { config: configText(submission.config), images: submission.images });
      const created = await films.create({ id, owner, name: config.name, queue: queueName });
      await enqueueFilm(queue, id);
      return { film: (await films.get(id))!, created };
    },
    async status(owner, id) {
      const film = await films.owned(id, owner);
      const manifest = await readManifest(store.runDir(id)).catch(() => undefined);
      return filmStatus(film, manifest, await films.progress(id));
    },
    list: (owner) => films.list(owner),
    async cancel(owner, id) {
      const film = await films.owned(id, owner);
      if (film.status === 'done' || film.status === 'failed' || film.status === 'cancelled') return film;
      await films.requestCancel(id);
      const job = await deps.queue(film.queue)?.getJob(id);
      // A film no worker has taken yet is removed from its queue; a running one is cancelled by its worker.
      if (
        job &&
        (await job.isWaiting().catch(() => false)) &&
        (await job.remove().then(
          () => true,
          () => false,
        ))
      )
        await films.update(id, { status: 'cancelled' });
      return films.owned(id, owner);
    },
    async report(owner, id) {
      const film = await films.owned(id, owner);
      const manifest = await readManifest(store.runDir(id)).catch(() => undefined);
      return JSON.parse(redact(JSON.stringify({ film, report: manifest ? reportOf(manifest, store.runDir(id)) : null })));
    },
    async video(owner, id) {
      const film = await films.owned(id, owner);
      const manifest = film.status === 'done' ? await readManifest(store.runDir(id)).catch(() => undefined) : undefined;
      if (!manifest?.final)
        throw new TtvError('UNAVAILABLE', `film ${id} is ${film.status}, not made yet`, { details: { status: 409 }, fix: 'wait until its status is done' });
      return manifest.final.file;
    },
  };
}

/** Core's own checks of the config (schema, backends, sections), with the images in a scratch folder of the store. */
async function checkConfig(deps: ServiceDeps, id: string, submission: Submission): Promise<LoadedConfig> {
  const { config } = await parseFilmConfig(submission.config, deps.store.configFile(id), deps.config);
  return config;
}

/** A film's status reply: its record, and each segment's state from its manifest and the worker's live state. */
export function filmStatus(film: FilmRecord, manifest: Manifest | undefined, live: Record<number, SegmentProgress>): FilmStatusReply {
  return { ...film, segments: segmentStates(manifest, live), ...(manifest?.final ? { durationSec: manifest.final.durationSec } : {}) };
}

/** Each segment's state: the manifest's record (the truth), with the worker's live state and progress over it. */
function segmentStates(manifest: Manifest | undefined, live: Record<number, SegmentProgress>): SegmentStatus[] {
  const count = Math.max(manifest?.segments.length ?? 0, ...Object.keys(live).map((k) => Number(k) + 1));
  return Array.from({ length: count }, (_, index) => {
    const rec = manifest?.segments[index];
    const now = live[index];
    const state = rec?.status === 'done' || rec?.status === 'failed' ? rec.status : (now?.state ?? rec?.status ?? 'pending');
    const backend = rec?.backend ?? now?.backend;
    return {
      index,
      state,
      ...(backend ? { backend } : {}),
      ...(rec?.model ? { model: rec.model } : {}),
      ...(state === 'done' ? { fraction: 1 } : now?.fraction !== undefined ? { fraction: now.fraction } : {}),
      costUsd: rec?.costUsd ?? now?.costUsd ?? 0,
      attempts: rec?.attempts.length ?? 0,
      ...(rec?.error ? { error: rec.error } : {}),
    };
  });
}

/** The film's report: what was made, by whom, at what cost; file paths relative to the run folder. */
function reportOf(m: Manifest, runDir: string): Record<string, unknown> {
  const rel = (p: string | undefined) => (p ? relative(runDir, p) : undefined);
  return {
    name: m.name,
    mode: m.mode,
    status: m.status,
    totalCostUsd: m.totalCostUsd,
    output: m.output,
    segments: m.segments.map((s) => ({
      index: s.index,
      prompt: s.prompt,
      status: s.status,
      backend: s.backend,
      model: s.model,
      costUsd: s.costUsd ?? 0,
      durationSec: s.durationSec,
      file: rel(s.file),
      attempts: s.attempts.map((a) => ({
        backend: a.backend,
        model: a.model,
        outcome: a.outcome,
        errorCode: a.errorCode,
        resumed: a.resumed,
        actualUsd: a.actualUsd,
      })),
    })),
    ledger: m.ledger,
    final: m.final ? { ...m.final, file: rel(m.final.file) } : undefined,
    warnings: m.warnings,
  };
}
