import { readFile } from 'node:fs/promises';
import { type Manifest, readManifest } from '@ttv/core/engine';
import { seamFlagged } from '@ttv/core/media';
import type { Queue } from 'bullmq';
import { parse as parseYaml } from 'yaml';
import type { FilmRecord, FilmRecords } from '../films.js';
import type { RunStore } from '../run-store.js';
import { type FilmStatusReply, filmStatus } from '../service.js';
import { combineFigures, type DashboardFigures, type FilmFigures, filmFigures } from './stats.js';

/** A seam of a made film, as measured by the join (frames: GET /v1/films/{id}/frames/{segment}/last|first). */
export interface SeamView {
  from: number;
  lumaJump: number;
  deltaE2000: number;
  ssim: number;
  flagged: boolean;
}

export type FilmView = FilmStatusReply & { mode?: string; budgetUsd?: number; seams: SeamView[] };

export interface QueueView {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Worker connections taking films from this queue, and the shortest time one of them has been idle. */
  workers: number;
  idleSec?: number;
}

/** Everything the dashboard shows of one token: its films, their figures, and the queues (counts only). */
export type DashboardSnapshot = DashboardFigures & { at: string; films: FilmView[]; queues: QueueView[] };

export interface SnapshotDeps {
  store: RunStore;
  films: FilmRecords;
  queues: readonly Queue[];
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);
/** Films shown, newest first. */
const SHOWN = 50;
/** Runs kept in memory across all tokens (the oldest kept goes first). */
const KEPT = 1_000;

interface Cached {
  updatedAt: string;
  manifest?: Manifest;
  figures: FilmFigures;
}

/**
 * The dashboard's data, per token. Manifests are the record (what `ttv report` reads); a finished film's is read once
 * and kept. The owner of a film never changes, so `ownerOf` caches it (for filtering the live events).
 */
export function dashboardData(deps: SnapshotDeps) {
  const runs = new Map<string, Cached>();
  const budgets = new Map<string, number | undefined>();
  const owners = new Map<string, string | undefined>();

  const run = async (film: FilmRecord): Promise<Cached> => {
    const cached = runs.get(film.id);
    if (cached && cached.updatedAt === film.updatedAt && FINISHED.has(film.status)) return cached;
    const manifest = await readManifest(deps.store.runDir(film.id)).catch(() => undefined);
    const fresh = {
      updatedAt: film.updatedAt,
      ...(manifest ? { manifest } : {}),
      figures: manifest ? filmFigures(manifest) : { spend: {}, outcomes: {}, latencies: {} },
    };
    remember(runs, film.id, fresh);
    return fresh;
  };
  const budget = async (id: string): Promise<number | undefined> => {
    if (!budgets.has(id)) remember(budgets, id, budgetOf(await readFile(deps.store.configFile(id), 'utf8').catch(() => '')));
    return budgets.get(id);
  };

  return {
    async snapshot(owner: string): Promise<DashboardSnapshot> {
      const records = await deps.films.list(owner, SHOWN);
      const films: FilmView[] = [];
      const figures: FilmFigures[] = [];
      for (const film of records) {
        const { manifest, figures: f } = await run(film);
        figures.push(f);
        const budgetUsd = await budget(film.id);
        films.push({
          ...filmStatus(film, manifest, FINISHED.has(film.status) ? {} : await deps.films.progress(film.id)),
          ...(manifest ? { mode: manifest.mode } : {}),
          ...(budgetUsd === undefined ? {} : { budgetUsd }),
          seams: (manifest?.final?.seams ?? []).map((s) => ({
            from: s.from,
            lumaJump: s.lumaJump,
            deltaE2000: s.deltaE2000,
            ssim: s.ssim,
            flagged: seamFlagged(s),
          })),
        });
      }
      return { at: new Date().toISOString(), films, ...combineFigures(figures), queues: await Promise.all(deps.queues.map(queueView)) };
    },
    async ownerOf(id: string): Promise<string | undefined> {
      if (!owners.has(id)) {
        const owner = (await deps.films.get(id))?.owner;
        if (!owner) return undefined; // not cached: the record may not be written yet
        remember(owners, id, owner);
      }
      return owners.get(id);
    },
  };
}

export type DashboardData = ReturnType<typeof dashboardData>;

/** Sets a cache entry as the newest, the oldest one going when the cache is full. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key);
  if (cache.size >= KEPT) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
}

/** The film's own budget (`budget.maxUsd` of its config), which core enforces. */
function budgetOf(configText: string): number | undefined {
  try {
    const max = (parseYaml(configText) as { budget?: { maxUsd?: unknown } } | null)?.budget?.maxUsd;
    return typeof max === 'number' ? max : undefined;
  } catch {
    return undefined;
  }
}

async function queueView(queue: Queue): Promise<QueueView> {
  const [counts, workers] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
    queue.getWorkers().catch(() => [] as Array<Record<string, string>>),
  ]);
  const idle = workers.map((w) => Number(w['idle'])).filter((n) => Number.isFinite(n));
  return {
    name: queue.name,
    waiting: (counts['waiting'] ?? 0) + (counts['prioritized'] ?? 0),
    active: counts['active'] ?? 0,
    delayed: counts['delayed'] ?? 0,
    failed: counts['failed'] ?? 0,
    completed: counts['completed'] ?? 0,
    workers: workers.length,
    ...(idle.length ? { idleSec: Math.min(...idle) } : {}),
  };
}
