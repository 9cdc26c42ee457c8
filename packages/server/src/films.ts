import { TtvError } from '@ttv/core';
import type { Redis } from 'ioredis';
import { keys } from './redis.js';

export type FilmStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** A film's record in Redis (the run itself is in the run store's manifest). */
export interface FilmRecord {
  id: string;
  owner: string;
  name: string;
  queue: string;
  status: FilmStatus;
  createdAt: string;
  updatedAt: string;
  totalCostUsd: number;
  error?: { code: string; message: string };
  cancelRequested?: boolean;
}

/** One segment's live state, as the worker last reported it. */
export interface SegmentProgress {
  state: string;
  backend?: string;
  fraction?: number;
  costUsd?: number;
  startedAt?: number;
}

function fromHash(id: string, h: Record<string, string>): FilmRecord | undefined {
  if (!h['owner']) return undefined;
  return {
    id,
    owner: h['owner'],
    name: h['name'] ?? '',
    queue: h['queue'] ?? '',
    status: (h['status'] ?? 'queued') as FilmStatus,
    createdAt: h['createdAt'] ?? '',
    updatedAt: h['updatedAt'] ?? '',
    totalCostUsd: Number(h['totalCostUsd'] ?? 0),
    ...(h['error'] ? { error: JSON.parse(h['error']) as FilmRecord['error'] } : {}),
    ...(h['cancelRequested'] ? { cancelRequested: true } : {}),
  };
}

/** The film records: created once per id, owned by a token, listed per owner. */
export function filmRecords(redis: Redis) {
  return {
    /** Creates the record unless it exists; true when created. */
    async create(film: Pick<FilmRecord, 'id' | 'owner' | 'name' | 'queue'>): Promise<boolean> {
      const at = new Date().toISOString();
      const created = await redis.hsetnx(keys.film(film.id), 'owner', film.owner);
      if (!created) return false;
      await redis
        .multi()
        .hset(keys.film(film.id), { name: film.name, queue: film.queue, status: 'queued', createdAt: at, updatedAt: at, totalCostUsd: '0' })
        .zadd(keys.owner(film.owner), Date.now(), film.id)
        .exec();
      return true;
    },
    async get(id: string): Promise<FilmRecord | undefined> {
      return fromHash(id, await redis.hgetall(keys.film(id)));
    },
    /** The film if `owner` owns it; otherwise NOT FOUND (another token's film looks like no film). */
    async owned(id: string, owner: string): Promise<FilmRecord> {
      const film = await this.get(id);
      if (!film || film.owner !== owner) throw notFound(id);
      return film;
    },
    async list(owner: string, limit = 100): Promise<FilmRecord[]> {
      const ids = await redis.zrevrange(keys.owner(owner), 0, limit - 1);
      const films = await Promise.all(ids.map((id) => this.get(id)));
      return films.filter((f): f is FilmRecord => f !== undefined);
    },
    async update(id: string, fields: { status?: FilmStatus; totalCostUsd?: number; error?: FilmRecord['error'] | null }): Promise<void> {
      const set: Record<string, string> = { updatedAt: new Date().toISOString() };
      if (fields.status) set['status'] = fields.status;
      if (fields.totalCostUsd !== undefined) set['totalCostUsd'] = String(fields.totalCostUsd);
      if (fields.error) set['error'] = JSON.stringify(fields.error);
      const m = redis.multi().hset(keys.film(id), set);
      if (fields.error === null) m.hdel(keys.film(id), 'error');
      await m.exec();
    },
    async requestCancel(id: string): Promise<void> {
      await redis.multi().hset(keys.film(id), 'cancelRequested', '1').publish(keys.cancels, id).exec();
    },
    async progress(id: string): Promise<Record<number, SegmentProgress>> {
      const h = await redis.hgetall(keys.progress(id));
      return Object.fromEntries(Object.entries(h).map(([k, v]) => [Number(k), JSON.parse(v) as SegmentProgress]));
    },
    async setProgress(id: string, segment: number, p: SegmentProgress): Promise<void> {
      await redis.hset(keys.progress(id), String(segment), JSON.stringify(p));
    },
  };
}

export type FilmRecords = ReturnType<typeof filmRecords>;

export function notFound(id: string): TtvError {
  return new TtvError('INPUT_INVALID', `no film ${id.slice(0, 40)}`, { field: 'id', details: { status: 404 } });
}
