import { once } from 'node:events';
import { Redis } from 'ioredis';

/** Every key ttv keeps in Redis starts with this (BullMQ's own keys too: `ttv:<queue>:…`). */
export const PREFIX = 'ttv';

/** The Redis keys of the film records, the progress maps and the event channel. */
export const keys = {
  film: (id: string) => `${PREFIX}:film:${id}`,
  progress: (id: string) => `${PREFIX}:film:${id}:progress`,
  owner: (ownerId: string) => `${PREFIX}:owner:${ownerId}`,
  lease: (backend: string) => `${PREFIX}:lease:${backend}`,
  events: `${PREFIX}:events`,
  cancels: `${PREFIX}:cancels`,
};

/** How long one Redis command may take before it fails (a Redis restart is retried by ioredis meanwhile). */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A Redis connection. `blocking`: for BullMQ workers and subscribers, which must wait through a Redis restart
 * (`maxRetriesPerRequest: null`); otherwise a command fails after 3 reconnection attempts.
 */
export function connectRedis(url: string, options: { blocking?: boolean } = {}): Redis {
  return new Redis(url, {
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: options.blocking ? null : 3,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
}

/** Closes connections, ignoring ones already gone. */
export async function closeRedis(...connections: Redis[]): Promise<void> {
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
}

/**
 * Subscribes once the connection is ready. ioredis 5 sends its ready check (INFO) after a few client commands; a
 * SUBSCRIBE that gets in first puts the connection in subscriber mode, the check fails and the connection is dropped
 * and made again (seen on a loaded machine): messages published meanwhile are lost.
 */
export async function subscribeWhenReady(connection: Redis, channel: string): Promise<void> {
  if (connection.status !== 'ready') await once(connection, 'ready');
  await connection.subscribe(channel);
}
