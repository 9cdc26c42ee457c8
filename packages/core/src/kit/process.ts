/**
 * The process runner shared by ttv's local backends (`@ttv/backend-command`, `@ttv/backend-wan21`).
 *
 * - execa, never a shell: the argument vector reaches the program exactly as built.
 * - The child is its own process group (`detached: true`), so a timeout or an abort can kill everything it
 *   started (torchrun workers, ffmpeg helpers): SIGTERM to the group, then SIGKILL after a grace period.
 * - stdout/stderr are streamed to `log` line by line (`\r` counts as a line end, so tqdm redraws are seen);
 *   tqdm-style `n/N` counters on stderr become progress events; the last lines of each stream are kept for
 *   error messages.
 * - It never throws for a failed run: it returns a ProcessOutcome and `processFailure` maps it to a TtvError.
 */

import type { execa as Execa } from 'execa';
import { TtvError } from '../spec/errors.js';

export interface ProcessProgress {
  step: number;
  total: number;
}

export interface RunProcessOptions {
  /** Executable (a path, or a name looked up on PATH). */
  file: string;
  args: readonly string[];
  cwd?: string;
  /** Merged over process.env. `undefined` values remove a variable. */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Kill the process group after this long (SIGTERM, then SIGKILL after `killGraceMs`). */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL (default 10 s). */
  killGraceMs?: number;
  /** Receives every output line, prefixed with `[stdout]`/`[stderr]`; progress redraws are thinned out. */
  log?: (line: string) => void;
  /** Progress counters parsed from stderr (tqdm `n/N`). */
  onProgress?: (progress: ProcessProgress) => void;
  /** Regex with two groups (step, total) for progress; default a tqdm counter. */
  progressPattern?: RegExp;
  /** Lines kept from the end of each stream (default 40). */
  tailLines?: number;
  /** Called once the child has a pid. */
  onSpawn?: (pid: number) => void;
}

export interface ProcessOutcome {
  /** The command as run (for logs and errors). */
  command: string;
  pid?: number;
  exitCode?: number;
  /** Terminating signal, e.g. `SIGKILL`. */
  signal?: string;
  /** Killed by us because `timeoutMs` passed. */
  timedOut: boolean;
  /** Killed by us because `signal` was aborted. */
  aborted: boolean;
  /** The program could not be started (ENOENT, EACCES, …). */
  spawnError?: { code?: string; message: string };
  stdoutTail: string[];
  stderrTail: string[];
  durationMs: number;
}

/** tqdm prints ` 45%|████▌     | 18/40 [00:09<00:11,  1.98it/s]`; also accepts a bare `18/40` after a `|`. */
export const TQDM_PATTERN = /(?:^|[\s|])(\d+)\/(\d+)(?=\s*(?:\[|$))/;

const active = new Set<number>();
let exitHookInstalled = false;

/** Detached children do not die with us: on exit, kill every group still running. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of active) killGroup(pid, 'SIGKILL');
  });
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // group already gone (ESRCH) — or not a group leader: fall back to the process itself
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}

/** Quotes an argument for display only (the runner never uses a shell). */
export function displayArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function displayCommand(file: string, args: readonly string[]): string {
  return [file, ...args].map(displayArg).join(' ');
}

class LineSplitter {
  private buffer = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    this.buffer += chunk;
    const parts = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = parts.pop() ?? '';
    for (const p of parts) this.onLine(p);
  }
  end(): void {
    if (this.buffer) this.onLine(this.buffer);
    this.buffer = '';
  }
}

/** Runs one program to completion (or until killed) and reports what happened. */
export async function runProcess(options: RunProcessOptions): Promise<ProcessOutcome> {
  const started = Date.now();
  const outcome: ProcessOutcome = {
    command: displayCommand(options.file, options.args),
    timedOut: false,
    aborted: false,
    stdoutTail: [],
    stderrTail: [],
    durationMs: 0,
  };
  // execa (about a hundred modules) is loaded on the first run, not when a backend package is imported: listing
  // backends (`ttv backends`) imports every plugin and should not pay for a process runner it never uses.
  const { execa } = await import('execa');
  if (options.signal?.aborted) {
    outcome.aborted = true;
    return outcome;
  }
  const subprocess = spawnDetached(execa, options);
  const pid = subprocess.pid;
  if (pid !== undefined) {
    outcome.pid = pid;
    active.add(pid);
    installExitHook();
    options.onSpawn?.(pid);
  }
  const lines = streamLines(subprocess, options, outcome);
  const killer = pid === undefined ? undefined : groupKiller(pid, options, outcome);
  try {
    const result = await subprocess;
    lines.end();
    recordExit(result, outcome);
  } finally {
    killer?.dispose();
  }
  outcome.durationMs = Date.now() - started;
  return outcome;
}

type Subprocess = ReturnType<typeof spawnDetached>;

/** Spawns the program as the leader of its own process group, without a shell or stdin. */
function spawnDetached(execa: typeof Execa, options: RunProcessOptions) {
  return execa(options.file, [...options.args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: options.env ?? {},
    extendEnv: true,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    encoding: 'utf8',
  });
}

/** Splits both streams into lines: progress lines go to `onProgress`, the others to the tails and the log. */
function streamLines(subprocess: Subprocess, options: RunProcessOptions, outcome: ProcessOutcome): { end(): void } {
  const tailLines = options.tailLines ?? 40;
  const keep = (tail: string[], line: string) => {
    tail.push(line);
    if (tail.length > tailLines) tail.shift();
  };
  const progress = progressReader(options);
  const out = new LineSplitter((line) => {
    if (!line.trim()) return;
    keep(outcome.stdoutTail, line);
    options.log?.(`[stdout] ${line}`);
  });
  const err = new LineSplitter((line) => {
    if (progress(line) || !line.trim()) return;
    keep(outcome.stderrTail, line);
    options.log?.(`[stderr] ${line}`);
  });
  subprocess.stdout?.setEncoding('utf8');
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stdout?.on('data', (c: string) => out.push(c));
  subprocess.stderr?.on('data', (c: string) => err.push(c));
  return {
    end: () => {
      out.end();
      err.end();
    },
  };
}

/** Returns a reader that takes a stderr line, reports it when it is a progress line and says whether it was. */
function progressReader(options: RunProcessOptions): (line: string) => boolean {
  const pattern = options.progressPattern ?? TQDM_PATTERN;
  let lastProgressLog = 0;
  let lastProgress = '';
  return (line) => {
    const m = pattern.exec(line);
    if (!m) return false;
    const step = Number(m[1]);
    const total = Number(m[2]);
    if (!(total > 0 && step <= total)) return false;
    const key = `${step}/${total}`;
    if (key === lastProgress) return true;
    lastProgress = key;
    options.onProgress?.({ step, total });
    // A redraw per step would flood the run log: keep the first, the last and one every 5 s.
    const now = Date.now();
    if (step === 0 || step === total || now - lastProgressLog >= 5000) {
      lastProgressLog = now;
      options.log?.(`[stderr] ${line.trim()}`);
    }
    return true;
  };
}

/**
 * Kills the process group on timeout or abort (SIGTERM, then SIGKILL after the grace period). `dispose` clears the
 * timers and, when a kill was under way, makes sure no straggler of the group survives.
 */
function groupKiller(pid: number, options: RunProcessOptions, outcome: ProcessOutcome): { dispose(): void } {
  const grace = options.killGraceMs ?? 10_000;
  let killing = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const kill = (why: 'timeout' | 'abort') => {
    if (killing) return;
    killing = true;
    if (why === 'timeout') outcome.timedOut = true;
    else outcome.aborted = true;
    options.log?.(`${why === 'timeout' ? 'timed out' : 'cancelled'}: sending SIGTERM to process group ${pid}`);
    killGroup(pid, 'SIGTERM');
    graceTimer = setTimeout(() => {
      options.log?.(`process group ${pid} still running ${grace} ms after SIGTERM: sending SIGKILL`);
      killGroup(pid, 'SIGKILL');
    }, grace);
    graceTimer.unref?.();
  };
  const onAbort = () => kill('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs !== undefined ? setTimeout(() => kill('timeout'), options.timeoutMs) : undefined;
  timer?.unref?.();
  return {
    dispose: () => {
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // The leader is gone; when we were killing, make sure no straggler of its group survives.
      if (killing) killGroup(pid, 'SIGKILL');
      active.delete(pid);
    },
  };
}

/** Copies the exit code, the signal or the spawn error of a finished subprocess into the outcome. */
function recordExit(result: Awaited<Subprocess>, outcome: ProcessOutcome): void {
  if (typeof result.exitCode === 'number') outcome.exitCode = result.exitCode;
  if (result.signal) outcome.signal = result.signal;
  if (result.exitCode === undefined && !result.signal && result.failed) {
    const code = (result as { code?: string }).code;
    outcome.spawnError = {
      ...(code ? { code } : {}),
      message: (result as { originalMessage?: string }).originalMessage ?? (result as { message?: string }).message ?? 'spawn failed',
    };
  }
}

/** True when the output says CUDA ran out of memory (PyTorch's messages, old and new). */
export function isCudaOom(lines: readonly string[]): boolean {
  return lines.some((l) => /CUDA out of memory|OutOfMemoryError|CUBLAS_STATUS_ALLOC_FAILED|cudaErrorMemoryAllocation/.test(l));
}

export interface FailureContext {
  /** Short name of what ran, e.g. `wan21 generate.py`. */
  what: string;
  /** Fix for a CUDA out-of-memory failure. */
  oomFix?: string;
  /** Fix when the program could not be started. */
  spawnFix?: string;
  /** Config field naming the executable (for spawn errors). */
  spawnField?: string;
  /** Timeout in minutes (for the message). */
  timeoutMinutes?: number;
  /** Config field of the timeout. */
  timeoutField?: string;
}

/** The last `n` lines of stderr (or stdout when stderr is empty), for an error message. */
export function outputTail(outcome: ProcessOutcome, n = 12): string {
  const lines = outcome.stderrTail.length ? outcome.stderrTail : outcome.stdoutTail;
  return lines.slice(-n).join('\n');
}

/**
 * Maps a process outcome that is not a success to a TtvError: CANCELLED, TIMEOUT, CONFIG_INVALID (cannot start),
 * GENERATION_FAILED for CUDA OOM (not retryable, with a fix) and for a SIGKILL nobody asked for (the OOM
 * killer), GENERATION_FAILED with the stderr tail otherwise. Returns undefined for exit code 0.
 */
export function processFailure(outcome: ProcessOutcome, ctx: FailureContext): TtvError | undefined {
  const tail = outputTail(outcome);
  const details = {
    command: outcome.command,
    ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
    ...(outcome.signal ? { signal: outcome.signal } : {}),
    stderrTail: outcome.stderrTail.slice(-20),
  };
  if (outcome.aborted) return new TtvError('CANCELLED', `${ctx.what} cancelled`, { details });
  if (outcome.timedOut) {
    return new TtvError(
      'TIMEOUT',
      `${ctx.what} did not finish within ${ctx.timeoutMinutes ?? '?'} minutes and was killed${tail ? `; last output:\n${tail}` : ''}`,
      {
        ...(ctx.timeoutField ? { field: ctx.timeoutField, value: ctx.timeoutMinutes } : {}),
        fix: 'raise the timeout, or make the job lighter (smaller size, fewer steps, more GPUs per job)',
        details,
      },
    );
  }
  if (outcome.spawnError) {
    return new TtvError('CONFIG_INVALID', `${ctx.what} could not be started: ${outcome.spawnError.message}`, {
      ...(ctx.spawnField ? { field: ctx.spawnField } : {}),
      fix: ctx.spawnFix ?? 'check the executable path and that it is executable',
      details,
    });
  }
  if (isCudaOom([...outcome.stderrTail, ...outcome.stdoutTail])) {
    return new TtvError('GENERATION_FAILED', `${ctx.what} ran out of GPU memory (CUDA out of memory)${tail ? `:\n${tail}` : ''}`, {
      retryable: false,
      fix: ctx.oomFix ?? 'lower the resolution or the clip length, or use a GPU with more memory',
      details: { ...details, reason: 'cuda-oom' },
    });
  }
  if (outcome.signal === 'SIGKILL') {
    return new TtvError(
      'GENERATION_FAILED',
      `${ctx.what} was killed by SIGKILL (not by ttv): most likely the kernel's out-of-memory killer (host RAM)${tail ? `; last output:\n${tail}` : ''}`,
      {
        retryable: false,
        fix: 'free host memory or add swap; check `dmesg | grep -i oom`; offload less to the CPU (or run fewer jobs at once)',
        details: { ...details, reason: 'sigkill' },
      },
    );
  }
  if (outcome.signal) {
    return new TtvError('GENERATION_FAILED', `${ctx.what} died by ${outcome.signal}${tail ? `; last output:\n${tail}` : ''}`, { details });
  }
  if (outcome.exitCode !== 0) {
    return new TtvError('GENERATION_FAILED', `${ctx.what} exited with code ${outcome.exitCode}${tail ? `:\n${tail}` : ''}`, { details });
  }
  return undefined;
}
