import { Flags } from '@oclif/core';

/** The typed `@ttv/server` entry. */
export type TtvServer = typeof import('@ttv/server');

const MISSING = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/**
 * Loads `@ttv/server` lazily: it is an optional peer of the CLI (only `ttv serve`, `ttv worker`, `ttv submit`,
 * `ttv status` and `ttv cancel` need it, and it brings BullMQ and a Redis client). Without it, fails with
 * BACKEND_NOT_INSTALLED naming the install.
 */
export async function loadServer(): Promise<TtvServer> {
  try {
    return await import('@ttv/server');
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (typeof code !== 'string' || !MISSING.has(code)) throw cause;
    const { TtvError } = await import('@ttv/core');
    throw new TtvError('BACKEND_NOT_INSTALLED', '@ttv/server is not installed (ttv serve, worker, submit, status and cancel need it)', {
      fix: 'npm install @ttv/server next to @ttv/cli (or globally with it: npm install -g @ttv/server)',
      cause,
    });
  }
}

/** Flags of the processes that share Redis and the run store: `ttv serve` and `ttv worker`. */
export const backendFlags = {
  redis: Flags.string({
    summary: 'Redis URL (BullMQ needs maxmemory-policy noeviction; appendonly yes keeps jobs across a restart)',
    env: 'TTV_REDIS_URL',
    default: 'redis://127.0.0.1:6379',
  }),
  store: Flags.string({ summary: 'The run store: a folder every worker and the server reach (local, or NFS/EFS)', env: 'TTV_STORE', required: true }),
  settings: Flags.string({
    summary: 'Server settings (YAML): backends films may use, their sections (keys as ${VAR}), limits, searchDirs',
    env: 'TTV_SERVER_SETTINGS',
  }),
};

/** Flags of the clients: `ttv submit`, `ttv status`, `ttv cancel`. */
export const clientFlags = {
  server: Flags.string({ summary: 'The ttv server URL', env: 'TTV_SERVER', default: 'http://127.0.0.1:8080' }),
  token: Flags.string({ summary: 'Bearer token (better from the TTV_TOKEN environment variable)', env: 'TTV_TOKEN', required: true }),
  timeout: Flags.integer({ summary: 'Seconds per request', default: 60, min: 1 }),
};

/** Waits for SIGINT or SIGTERM (a long-running `ttv serve` / `ttv worker`). */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
