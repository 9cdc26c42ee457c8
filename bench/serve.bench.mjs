// Scale-out of ttv serve (issue #15): four chaining films of 8 segments each against the Runway emulator with 2 s
// tasks, made by 1 worker and then by 4 workers (each takes one film at a time), through the HTTP API of
// `startServer` on a redis-server of its own (started and stopped here, like every folder it makes). Wall time from
// the first submission to the last film done; the goal is a speed-up of at least 3×. Each run checks that every
// segment was paid exactly once (the emulator's task count). The workers run in this process, each with its own Redis
// connections: a film's time is spent waiting on the API, so one process stands for several machines here. Clips are
// small (2 s, the emulator's output scaled down 16×, films of 160×90 at 8 fps) because the emulator renders one
// ffmpeg at a time and the films' own ffmpeg work shares the machine's cores: both eat into the speed-up, the more so
// on a loaded machine. TTV_BENCH_SERVE_TASK_MS changes the task duration (default 2000).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const FILMS = 4;
const SEGMENTS = 8;
const TASK_MS = Number(process.env.TTV_BENCH_SERVE_TASK_MS ?? 2000);
const pkg = (path) => import(new URL(`../packages/${path}`, import.meta.url).href);

const config = (n) =>
  [
    `name: harbour-${n}`,
    'mode: chaining',
    'backend: runway',
    'output: { width: 160, height: 90, fps: 8 }',
    'join: { preset: ultrafast }',
    'segmentDuration: 2',
    'storyboard:',
    '  image: start.png',
    '  segments:',
    ...Array.from({ length: SEGMENTS }, (_, i) => `    - prompt: Film ${n}, shot ${i + 1}, boats cross the harbour`),
    '',
  ].join('\n');

/** One run: a fresh Redis, store and emulator; `workers` workers; the seconds from first submission to last film done. */
async function timeRun(mods, workers, image) {
  const { server: srv, testing, emulators } = mods;
  const dir = await mkdtemp(join(tmpdir(), 'ttv-bench-serve-'));
  const redis = await testing.startRedis();
  const runway = await emulators.startRunwayEmulator({ outputScale: 16, taskDurationMs: TASK_MS });
  const closers = [() => rm(dir, { recursive: true, force: true }), () => redis.stop(), () => runway.close()];
  try {
    const sections = { runway: { baseUrl: runway.url, apiKey: runway.apiKey, polling: { intervalMs: 100, maxIntervalMs: 200 } } };
    const token = await srv.addToken(join(dir, 'tokens.jsonl'), 'bench');
    const tokens = await srv.loadTokens(join(dir, 'tokens.jsonl'));
    const storeDir = join(dir, 'store');
    const policy = { backends: ['kenburns', 'runway'], images: ['card'] };
    const server = await srv.startServer({ redisUrl: redis.url, storeDir, tokens, port: 0, policy, sections });
    closers.unshift(() => server.close());
    const store = srv.directoryRunStore(storeDir);
    for (let i = 0; i < workers; i++) {
      const worker = await srv.startWorker({ redisUrl: redis.url, store, queues: ['films'], concurrency: 1, sections });
      closers.unshift(() => worker.close());
    }
    const started = performance.now();
    const ids = [];
    for (let n = 1; n <= FILMS; n++) ids.push(await submit(server.url, token, config(n), image));
    const statuses = await Promise.all(ids.map((id) => testing.waitForFilm(redis.url, id, ['done', 'failed', 'cancelled'], 600_000)));
    const seconds = (performance.now() - started) / 1000;
    if (statuses.some((s) => s !== 'done')) throw new Error(`films ended ${statuses.join(', ')}`);
    const paid = runway.stats().created;
    if (paid !== FILMS * SEGMENTS) throw new Error(`${paid} Runway tasks for ${FILMS * SEGMENTS} segments`);
    return { seconds, paid };
  } finally {
    for (const close of closers) await close().catch(() => {});
  }
}

async function submit(url, token, configText, image) {
  const res = await fetch(`${url}/v1/films`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config: configText, images: [{ name: 'start.png', data: image }] }),
  });
  const body = await res.json();
  if (res.status !== 202) throw new Error(`submission refused: ${res.status} ${JSON.stringify(body.error)}`);
  return body.film.id;
}

export async function run({ core }) {
  const mods = {
    server: await pkg('server/dist/index.js'),
    testing: await pkg('server/dist/testing.js'),
    emulators: await pkg('testkit/dist/emulators/index.js'),
  };
  const dir = await mkdtemp(join(tmpdir(), 'ttv-bench-serve-image-'));
  let image;
  try {
    await core.makeTestImage(join(dir, 'start.png'), { width: 320, height: 180 });
    image = (await readFile(join(dir, 'start.png'))).toString('base64');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const one = await timeRun(mods, 1, image);
  const four = await timeRun(mods, 4, image);
  const what = `${FILMS} chaining films × ${SEGMENTS} segments, Runway emulator ${TASK_MS / 1000} s tasks`;
  return [
    { name: '1 worker', value: one.seconds, unit: 's', note: `${what}; ${one.paid} tasks paid (1 per segment)` },
    { name: '4 workers', value: four.seconds, unit: 's', note: `${what}; ${four.paid} tasks paid (1 per segment)` },
    {
      name: 'speed-up',
      value: one.seconds / four.seconds,
      unit: '×',
      note: `goal ≥ 3× (ideal ${FILMS}×: one film per worker); load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores at the end`,
    },
  ];
}
