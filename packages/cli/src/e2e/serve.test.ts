// ttv serve, two ttv worker processes and the clients, against a real redis-server and the Runway emulator: a
// chaining film is submitted with `ttv submit`; the worker running it is killed (SIGKILL) while a Runway task is in
// flight; the other worker takes the stalled job, re-attaches to the task and finishes the film. Runway created
// exactly one task per segment; `ttv status`, `ttv cancel` and `ttv report` work on the server's run.
// Then chaos (issue #15): three workers and five films (chaining on Runway, keyframe on kenburns with card keyframes);
// ten times a random worker is SIGKILLed (and replaced) as a segment starts, and Redis (AOF on) is restarted once.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { freePort, startRedis, type TestRedis, waitForEvent, waitForFilm } from '@ttv/server/testing';
import { type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI_BIN, scratchDir, ttv } from './helpers.js';

const SEGMENTS = 3;
const KILLS = 10;
let redis: TestRedis;
let runway: RunwayEmulator;
const dir = scratchDir('serve');
const children: ChildProcess[] = [];
let url: string;
let token: string;

/** Starts a long-running ttv command; resolves with it once it printed its first stdout line (it is ready then). */
async function start(args: string[]): Promise<{ child: ChildProcess; first: string; stderr: string[] }> {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([once(lines, 'line'), once(child, 'exit').then(() => [`exited: ${stderr.join('\n')}`])])) as [string];
  return { child, first, stderr };
}

const env = () => ({ TTV_TOKEN: token, TTV_SERVER: url });
const common = () => ['--redis', redis.url, '--store', join(dir, 'store'), '--settings', join(dir, 'server.yaml')];

beforeAll(async () => {
  redis = await startRedis({ appendonly: true });
  runway = await startRunwayEmulator({ outputScale: 8, taskDurationMs: 1500 });
  const sections = `sections:\n  runway: { baseUrl: ${runway.url}, apiKey: ${runway.apiKey}, polling: { intervalMs: 20, maxIntervalMs: 60 } }\n`;
  await writeFile(join(dir, 'server.yaml'), `backends: [kenburns, runway]\n${sections}limits: { runway: 2 }\n`);
  const added = await ttv(['serve', ...common(), '--tokens', join(dir, 'tokens.jsonl'), '--add-token', 'alice', '--json']);
  expect(added.exitCode, added.stderr).toBe(0);
  token = JSON.parse(added.stdout).token;
  expect(await readFile(join(dir, 'tokens.jsonl'), 'utf8')).not.toContain(token);
  const server = await start(['serve', ...common(), '--tokens', join(dir, 'tokens.jsonl'), '--port', String(await freePort()), '--json']);
  url = JSON.parse(server.first).url;
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await runway?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('a worker killed mid-film: another takes the film over, re-attaches the Runway task, and no segment is paid twice', async () => {
  const workers = await Promise.all([1, 2].map(() => start(['worker', ...common(), '--lock-ms', '2000'])));
  await makeTestImage(join(dir, 'start.png'), { width: 320, height: 180 });
  const prompts = Array.from({ length: SEGMENTS }, (_, i) => `    - prompt: Shot ${i}, the camera drifts over the valley.`);
  const config = [
    'name: valley',
    'mode: chaining',
    'backend: runway',
    'output: { width: 320, height: 180, fps: 24 }',
    'segmentDuration: 5',
    'storyboard:',
    '  image: start.png',
    '  segments:',
    ...prompts,
    '',
  ];
  await writeFile(join(dir, 'film.yaml'), config.join('\n'));
  const submitted = await ttv(['submit', '--config', join(dir, 'film.yaml'), '--json'], { env: env() });
  expect(submitted.exitCode, submitted.stderr).toBe(0);
  const id: string = JSON.parse(submitted.stdout).film.id;

  // The second segment's Runway task is submitted (its handle is in the run's journal): kill the worker running it.
  await waitForEvent(redis.url, (e) => e.film === id && e.type === 'segment' && e.segment === 1 && e.state === 'submitted');
  const victim = workers.find((w) => w.stderr.some((l) => l.includes(`film ${id}: running`)))!;
  victim.child.kill('SIGKILL');
  await once(victim.child, 'exit');

  expect(await waitForFilm(redis.url, id, ['done', 'failed'], 90_000)).toBe('done');
  expect(runway.stats().created).toBe(SEGMENTS);
  const survivor = workers.find((w) => w !== victim)!;
  expect(survivor.stderr.join('\n')).toContain(`film ${id}: running`);

  const status = await ttv(['status', id, '--json'], { env: env() });
  expect(status.exitCode, status.stderr).toBe(0);
  const film = JSON.parse(status.stdout).film;
  expect(film.segments.map((s: { state: string }) => s.state)).toEqual(Array(SEGMENTS).fill('done'));
  const manifest = JSON.parse(await readFile(join(dir, 'store', id, 'run', 'manifest.json'), 'utf8'));
  expect(manifest.segments[1].attempts.some((a: { resumed?: boolean }) => a.resumed)).toBe(true);
  const report = await ttv(['report', join(dir, 'store', id, 'run'), '--json']);
  expect(report.exitCode, report.stderr).toBe(0);

  const list = await ttv(['status', '--json'], { env: env() });
  expect(JSON.parse(list.stdout).films.map((f: { id: string }) => f.id)).toEqual([id]);
  const cancel = await ttv(['cancel', id, '--json'], { env: env() });
  expect(JSON.parse(cancel.stdout).film.status).toBe('done'); // a finished film stays finished
  const anonymous = await ttv(['status', id, '--json'], { env: { TTV_TOKEN: 'ttv_not_a_valid_token_000', TTV_SERVER: url } });
  expect(anonymous.exitCode).toBe(4);
  expect(JSON.parse(anonymous.stdout).error.code).toBe('AUTH');
}, 150_000);

/** A small deterministic random source (the same kills every run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** A film config: chaining on Runway from start.png, or keyframe on kenburns with card keyframes. */
function chaosFilm(n: number): string {
  const runway = n % 2 === 0;
  const prompts = Array.from({ length: SEGMENTS }, (_, i) => `    - prompt: Film ${n}, shot ${i}, the camera drifts over the valley.`);
  const head = runway
    ? ['mode: chaining', 'backend: runway', 'output: { width: 320, height: 180, fps: 24 }', 'segmentDuration: 5']
    : ['mode: keyframe', 'backend: kenburns', 'images: card', 'concurrency: 3', 'output: { width: 160, height: 90, fps: 12 }', 'segmentDuration: 1'];
  return [`name: chaos-${n}`, ...head, 'storyboard:', '  image: start.png', '  segments:', ...prompts, ''].join('\n');
}

it('ten SIGKILLed workers and a Redis restart: five films whole, one Runway task per Runway segment, each segment made once', async () => {
  const live = new Set((await Promise.all([1, 2, 3].map(() => start(['worker', ...common(), '--lock-ms', '2000'])))).map((w) => w.child));
  const createdBefore = runway.stats().created;
  const ids: string[] = [];
  for (let n = 0; n < 5; n++) {
    await writeFile(join(dir, `chaos-${n}.yaml`), chaosFilm(n));
    const r = await ttv(['submit', '--config', join(dir, `chaos-${n}.yaml`), '--json'], { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    ids.push(JSON.parse(r.stdout).film.id);
  }
  const random = lcg(15);
  for (let kill = 0; kill < KILLS; kill++) {
    // as a segment of one of the films starts (or its job is submitted), a random worker dies and another starts
    await waitForEvent(redis.url, (e) => ids.includes(e.film) && e.type === 'segment' && (e.state === 'running' || e.state === 'submitted'), 60_000).catch(
      () => {},
    );
    const victim = [...live][Math.floor(random() * live.size)]!;
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    live.delete(victim);
    if (kill === 4) await redis.restart();
    live.add((await start(['worker', ...common(), '--lock-ms', '2000'])).child);
  }
  const statuses = await Promise.all(ids.map((id) => waitForFilm(redis.url, id, ['done', 'failed'], 240_000)));
  expect(statuses).toEqual(ids.map(() => 'done'));
  const runwaySegments = ids.filter((_, n) => n % 2 === 0).length * SEGMENTS;
  expect(runway.stats().created - createdBefore).toBe(runwaySegments);
  for (const [n, id] of ids.entries()) {
    const manifest = JSON.parse(await readFile(join(dir, 'store', id, 'run', 'manifest.json'), 'utf8'));
    const ok = manifest.segments.map((s: { status: string; attempts: Array<{ outcome?: string }> }) => [
      s.status,
      s.attempts.filter((a) => a.outcome === 'ok').length,
    ]);
    expect(ok, `film ${n}`).toEqual(Array(SEGMENTS).fill(['done', 1]));
    const probe = await probeVideo(join(dir, 'store', id, 'run', 'final.mp4'));
    expect(probe.durationSec, `film ${n}`).toBeGreaterThan(SEGMENTS * (n % 2 === 0 ? 4.5 : 0.8));
  }
}, 400_000);
