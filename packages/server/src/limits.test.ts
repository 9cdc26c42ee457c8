// Per-backend limits across workers: three workers (each with its own Redis connections) take four chaining films
// on the Runway emulator with runway limited to 2 calls at once. The emulator's own log of tasks never shows more
// than 2 running, and every segment was paid exactly once.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestImage } from '@ttv/core/testing';
import { type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { directoryRunStore } from './run-store.js';
import { type RunningServer, startServer } from './serve.js';
import { startRedis, type TestRedis, waitForEvent, waitForFilm } from './testing.js';
import { newToken, tokenCheck } from './tokens.js';
import { type RunningWorker, startWorker } from './worker.js';

const FILMS = 4;
const SEGMENTS = 2;
const LIMIT = 2;
let redis: TestRedis;
let runway: RunwayEmulator;
let server: RunningServer;
let workers: RunningWorker[] = [];
let dir: string;
let png: string;
const token = newToken('studio');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-server-limits-'));
  redis = await startRedis();
  runway = await startRunwayEmulator({ outputScale: 8, taskDurationMs: 400 });
  const sections = { runway: { baseUrl: runway.url, apiKey: runway.apiKey, polling: { intervalMs: 20, maxIntervalMs: 60 } } };
  const policy = { backends: ['kenburns', 'runway'], images: ['card'] };
  await makeTestImage(join(dir, 'start.png'), { width: 320, height: 180 });
  png = (await readFile(join(dir, 'start.png'))).toString('base64');
  const storeDir = join(dir, 'store');
  const tokens = tokenCheck([JSON.parse(token.line)]);
  // `idle`: a queue no worker takes films from (a queued film stays queued).
  server = await startServer({ redisUrl: redis.url, storeDir, tokens, port: 0, policy, sections, queues: ['films', 'idle'] });
  const store = directoryRunStore(storeDir);
  workers = await Promise.all(
    [1, 2, 3].map(() => startWorker({ redisUrl: redis.url, store, queues: ['films'], concurrency: 2, sections, limits: { runway: LIMIT } })),
  );
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await server?.close();
  await runway?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Most tasks running at one time, from the emulator's tasks (each runs from its creation for its duration). */
function peakRunning(emulator: RunwayEmulator): number {
  const edges = [...emulator.tasks.values()].flatMap((t) => {
    const start = Date.parse(t.createdAt);
    return [
      { at: start, d: 1 },
      { at: start + t.durationMs, d: -1 },
    ];
  });
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let running = 0;
  let peak = 0;
  for (const e of edges) {
    running += e.d;
    peak = Math.max(peak, running);
  }
  return peak;
}

/** Submits a chaining Runway film of `segments` segments; returns its id. */
async function submit(name: string, segments: number, queue?: string): Promise<string> {
  const config = [
    `name: ${name}`,
    'mode: chaining',
    'backend: runway',
    'output: { width: 320, height: 180, fps: 24 }',
    'segmentDuration: 5',
    'storyboard:',
    '  image: start.png',
    '  segments:',
    ...Array.from({ length: segments }, (_, s) => `    - prompt: ${name}, shot ${s}, the camera drifts over the valley.`),
    '',
  ].join('\n');
  const res = await fetch(`${server.url}/v1/films`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config, images: [{ name: 'start.png', data: png }], ...(queue ? { queue } : {}) }),
    signal: AbortSignal.timeout(30_000),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return ((await res.json()) as { film: { id: string } }).film.id;
}

const cancel = (id: string) =>
  fetch(`${server.url}/v1/films/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token.token}` }, signal: AbortSignal.timeout(30_000) });

it(`${FILMS} films × ${SEGMENTS} Runway segments on 3 workers: never more than ${LIMIT} Runway tasks at once, each segment paid once`, async () => {
  const ids: string[] = [];
  for (let f = 0; f < FILMS; f++) ids.push(await submit(`film-${f}`, SEGMENTS));
  const statuses = await Promise.all(ids.map((id) => waitForFilm(redis.url, id, ['done', 'failed'], 110_000)));
  expect(statuses).toEqual(ids.map(() => 'done'));
  expect(runway.stats().created).toBe(FILMS * SEGMENTS);
  expect(peakRunning(runway)).toBe(LIMIT);
}, 120_000);

it('a running film is cancelled by its worker (its Runway task cancelled too); a queued one is taken off its queue', async () => {
  const running = await submit('cancelled-running', 3);
  await waitForEvent(redis.url, (e) => e.film === running && e.type === 'segment' && e.state === 'submitted');
  const cancelsBefore = runway.stats().cancels;
  expect((await cancel(running)).status).toBe(202);
  expect(await waitForFilm(redis.url, running, ['cancelled', 'done', 'failed'])).toBe('cancelled');
  expect(runway.stats().cancels).toBeGreaterThan(cancelsBefore);

  const queued = await submit('cancelled-queued', 1, 'idle');
  const res = await cancel(queued);
  expect(await res.json()).toMatchObject({ film: { id: queued, status: 'cancelled' } });
}, 60_000);
