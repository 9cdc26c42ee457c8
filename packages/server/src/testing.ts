/**
 * `@ttv/server/testing`: what tests of ttv serve need: a redis-server of their own on a free port (Debian's
 * `redis-server`, never a system service), and waits on the events workers publish instead of sleeps.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import type { FilmEvent } from './events.js';
import type { FilmStatus } from './films.js';
import { followEvents } from './metrics.js';
import { connectRedis, keys, subscribeWhenReady } from './redis.js';

/** A free loopback port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

export interface TestRedis {
  url: string;
  dir: string;
  /** Stops redis-server (SIGTERM: with AOF on, what was acknowledged is on disk) and starts it again on the same port and folder. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts Debian's redis-server on a free port with its own temp folder (never a system service). */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction'];
  args.push('--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always');
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(process.env['REDIS_SERVER'] ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    child = proc;
    const lines = createInterface({ input: proc.stdout! });
    await new Promise<void>((resolve, reject) => {
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready`)));
      lines.on('line', (line) => line.includes('Ready to accept connections') && resolve());
    });
  };
  const stopChild = async () => {
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    dir,
    async restart() {
      await stopChild();
      await start();
    },
    async stop() {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the first event the workers publish that `match` accepts. */
export async function waitForEvent(url: string, match: (event: FilmEvent) => boolean, timeoutMs = 60_000): Promise<FilmEvent> {
  const sub = connectRedis(url, { blocking: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<FilmEvent>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms`)), timeoutMs);
      void followEvents(sub, (event) => match(event) && resolve(event));
    });
  } finally {
    clearTimeout(timer);
    await sub.quit().catch(() => {});
  }
}

/** Resolves when the film's record reaches one of `statuses` (told by the workers' events, checked once at start). */
export async function waitForFilm(url: string, id: string, statuses: readonly FilmStatus[], timeoutMs = 90_000): Promise<FilmStatus> {
  const sub = connectRedis(url, { blocking: true });
  const redis = connectRedis(url);
  try {
    const reached = new Promise<FilmStatus>((resolve) => {
      const check = async () => {
        const status = (await redis.hget(keys.film(id), 'status')) as FilmStatus | null;
        if (status && statuses.includes(status)) resolve(status);
      };
      sub.on('message', () => void check());
      void subscribeWhenReady(sub, keys.events).then(check);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`film ${id} did not reach ${statuses.join('/')} in ${timeoutMs} ms`)), timeoutMs);
    });
    return await Promise.race([reached, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await Promise.all([sub, redis].map((c: Redis) => c.quit().catch(() => {})));
  }
}
