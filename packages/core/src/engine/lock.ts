/**
 * The run folder's lock: `run.lock`, created with O_EXCL, holding the holder's pid, host and start time. A
 * second ttv process on the same folder fails at once with RUN_LOCKED naming the holder; a lock whose process is
 * gone (same host, pid not alive) is stale and taken over. Hand-written rather than proper-lockfile because the
 * error must name the holder's pid, and because liveness is checked by pid (no mtime refresh loop).
 */
import { unlinkSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TtvError } from '../spec/errors.js';
import { fsError } from '../util/fs.js';

export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** Random token: release removes the file only while it is still ours. */
  token: string;
}

export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Removes the lock if it is still ours; idempotent. */
  release(): Promise<void>;
}

export function lockPath(runDir: string): string {
  return join(runDir, 'run.lock');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? (info as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** Lock files this process holds (a lock with our own pid that is not in here was left by a run that failed to release it). */
const held = new Set<string>();

/** A lock file that cannot be parsed is taken to be one being written unless it is older than this. */
const UNREADABLE_GRACE_MS = 10_000;

/** Takes the run folder's lock (the folder must exist). */
export async function acquireRunLock(runDir: string, options: { onTakeOver?: (stale: LockInfo | undefined) => void } = {}): Promise<RunLock> {
  const path = lockPath(runDir);
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    token: `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  };
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(info)}\n`);
      } finally {
        await handle.close();
      }
      held.add(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(error, path, 'the run lock');
      const holder = await readLock(path);
      let stale: boolean;
      if (holder) stale = holder.host === info.host && (holder.pid === process.pid ? !held.has(path) : !alive(holder.pid));
      else
        stale = await stat(path).then(
          (s) => Date.now() - s.mtimeMs > UNREADABLE_GRACE_MS,
          () => true,
        );
      if (!stale || tries >= 2) {
        const who = holder ? `process ${holder.pid} on ${holder.host} (since ${holder.startedAt})` : 'another process (run.lock is being written)';
        throw new TtvError('RUN_LOCKED', `the run folder ${runDir} is in use by ${who}`, {
          field: 'runDir',
          value: runDir,
          fix: holder
            ? `wait for process ${holder.pid} to finish (or stop it), then run the same command again${holder.host === info.host ? '' : `; if no ttv runs on ${holder.host} any more, delete ${path}`}`
            : `wait a moment and run the same command again; if no ttv process uses this folder, delete ${path}`,
          details: holder ? { pid: holder.pid, host: holder.host, startedAt: holder.startedAt } : {},
        });
      }
      options.onTakeOver?.(holder);
      await rm(path, { force: true });
    }
  }
  // A process that exits without reaching release (process.exit on a second Ctrl-C) still removes its lock.
  const onExit = () => {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  let released = false;
  return {
    path,
    info,
    async release() {
      if (released) return;
      released = true;
      held.delete(path);
      process.off('exit', onExit);
      const current = await readLock(path);
      if (current?.token === info.token) await rm(path, { force: true });
    },
  };
}
