import { TtvError, throwIfAborted } from '../spec/errors.js';
import { type FfmpegBinaries, resolveFfmpeg } from './binaries.js';

export interface RunMediaOptions {
  signal?: AbortSignal;
  /** Kill the process after this many ms (default 10 minutes). */
  timeoutMs?: number;
  binaries?: FfmpegBinaries;
  /** Called with ffmpeg's `-progress` key/value blocks (`out_time_ms`, `frame`, …) when given. */
  onProgress?: (progress: Record<string, string>) => void;
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
  if (result.failed) {
    const reason = result.exitCode === undefined ? `was killed (${result.signal ?? 'unknown signal'})` : `exited ${result.exitCode}`;
    throw new TtvError('FFMPEG_FAILED', `${tool} ${reason}: ${tool} ${args.join(' ')}\n${tail(String(result.stderr ?? ''))}`, {
      details: { exitCode: result.exitCode, binary: file },
    });
  }
  return { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** Runs ffmpeg with `-hide_banner -nostdin -y -v error` prepended. Throws FFMPEG_FAILED / TIMEOUT / CANCELLED. */
export function runFfmpeg(args: string[], options: RunMediaOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return run('ffmpeg', args, options);
}

/** Runs ffprobe with `-v error` prepended. */
export function runFfprobe(args: string[], options: RunMediaOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return run('ffprobe', args, options);
}
