import { TtvError, throwIfAborted } from '../spec/errors.js';
import { fsError } from '../util/fs.js';
import { type FfmpegBinaries, resolveFfmpeg } from './binaries.js';

export interface RunMediaOptions {
  signal?: AbortSignal;
  /** Kill the process after this many ms (default 10 minutes). */
  timeoutMs?: number;
  binaries?: FfmpegBinaries;
  /** Called with ffmpeg's `-progress` key/value blocks (`out_time_ms`, `frame`, …) when given. */
  onProgress?: (progress: Record<string, string>) => void;
  /**
   * The file this call writes and what it is (for messages), e.g. `{ path: tmp, what: 'the joined video' }`. When
   * ffmpeg reports a file-system error writing it ("No space left on device" — even with exit 0 —, "Read-only file
   * system", "Permission denied", "Not a directory"), the call throws DISK_FULL / NOT_WRITABLE / PATH_INVALID
   * naming `reportPath ?? path` and the fix, instead of FFMPEG_FAILED. Default: the last argument.
   */
  writes?: { path: string; what: string; reportPath?: string };
}

/** ffmpeg's strerror texts for the errno codes ttv maps (util/fs.ts fsError). */
const FS_MESSAGES: Array<[RegExp, string, 'any' | 'output']> = [
  [/No space left on device/i, 'ENOSPC', 'any'],
  [/Disk quota exceeded/i, 'EDQUOT', 'any'],
  [/Read-only file system/i, 'EROFS', 'output'],
  [/Permission denied/i, 'EACCES', 'output'],
  [/Not a directory/i, 'ENOTDIR', 'output'],
];

/**
 * A file-system error ffmpeg reported in `stderr` while writing `path`, as the coded TtvError; undefined if none.
 * ENOSPC counts wherever it appears (ffmpeg may exit 0 after a short write, printing only "Error writing trailer
 * … No space left on device"); the others only on a line naming the output (they may concern an input).
 */
export function ffmpegFsError(stderr: string, path: string, what: string, reportPath = path): TtvError | undefined {
  for (const [pattern, errno, scope] of FS_MESSAGES) {
    const line = stderr.split('\n').find((l) => pattern.test(l) && (scope === 'any' || (path.length > 1 && !path.startsWith('pipe:') && l.includes(path))));
    if (!line) continue;
    const cause = Object.assign(new Error(`ffmpeg: ${line.trim()}`), { code: errno, path });
    const mapped = fsError(cause, reportPath, what);
    if (TtvError.is(mapped)) return mapped;
  }
  return undefined;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

async function run(tool: 'ffmpeg' | 'ffprobe', args: string[], options: RunMediaOptions): Promise<{ stdout: string; stderr: string }> {
  throwIfAborted(options.signal);
  const bins = options.binaries ?? resolveFfmpeg();
  // Imported on first use: commands that never spawn ffmpeg (e.g. `ttv backends`) start faster without it.
  const { execa } = await import('execa');
  const file = bins[tool];
  const fullArgs =
    tool === 'ffmpeg'
      ? ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...(options.onProgress ? ['-progress', 'pipe:1', '-nostats'] : []), ...args]
      : ['-v', 'error', ...args];
  const child = execa(file, fullArgs, {
    reject: false,
    stdin: 'ignore',
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    forceKillAfterDelay: 2000,
    maxBuffer: 64 * 1024 * 1024,
    stripFinalNewline: false,
  });
  if (options.onProgress && child.stdout) {
    let block: Record<string, string> = {};
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        const eq = line.indexOf('=');
        if (eq > 0) {
          const k = line.slice(0, eq);
          block[k] = line.slice(eq + 1);
          if (k === 'progress') {
            options.onProgress?.(block);
            block = {};
          }
        }
        nl = pending.indexOf('\n');
      }
    });
  }
  const result = await child;
  if (result.isCanceled || options.signal?.aborted) {
    throw new TtvError('CANCELLED', `${tool} cancelled`, { cause: options.signal?.reason });
  }
  if (result.timedOut) {
    throw new TtvError('TIMEOUT', `${tool} timed out after ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms: ${tool} ${args.join(' ')}`, {
      retryable: false,
    });
  }
  const stderr = String(result.stderr ?? '');
  if (tool === 'ffmpeg') {
    const target = options.writes ?? { path: args.at(-1) ?? '', what: 'ffmpeg output' };
    const mapped = ffmpegFsError(stderr, target.path, target.what, options.writes?.reportPath);
    if (mapped) throw mapped;
  }
  if (result.failed) {
    const reason = result.exitCode === undefined ? `was killed (${result.signal ?? 'unknown signal'})` : `exited ${result.exitCode}`;
    throw new TtvError('FFMPEG_FAILED', `${tool} ${reason}: ${tool} ${args.join(' ')}\n${tail(String(result.stderr ?? ''))}`, {
      details: { exitCode: result.exitCode, binary: file },
    });
  }
  return { stdout: String(result.stdout ?? ''), stderr };
}

/** Runs ffmpeg with `-hide_banner -nostdin -y -v error` prepended. Throws FFMPEG_FAILED / TIMEOUT / CANCELLED. */
export function runFfmpeg(args: string[], options: RunMediaOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return run('ffmpeg', args, options);
}

/** Runs ffprobe with `-v error` prepended. */
export function runFfprobe(args: string[], options: RunMediaOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return run('ffprobe', args, options);
}
