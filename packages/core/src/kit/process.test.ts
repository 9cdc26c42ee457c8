import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isCudaOom, processFailure, runProcess, TQDM_PATTERN } from './process.js';

const tmp = mkdtempSync(join(tmpdir(), 'ttv-runner-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const py = (name: string, code: string) => {
  const file = join(tmp, name);
  writeFileSync(file, code);
  return file;
};

/** Running (a zombie waiting for a reaper counts as dead). */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('runProcess', () => {
  it('streams stdout/stderr line by line, parses tqdm progress from \\r redraws and keeps the stderr tail', async () => {
    const script = py(
      'progress.py',
      [
        'import sys, time',
        'print("loading model", flush=True)',
        'for i in range(0, 5):',
        '    sys.stderr.write("\\r %3d%%|##   | %d/4 [00:00<00:00, 9.9it/s]" % (i * 25, i)); sys.stderr.flush()',
        'sys.stderr.write("\\n")',
        'sys.stderr.write("warning: something odd\\n")',
        'print("Saving generated video to /x.mp4")',
      ].join('\n'),
    );
    const lines: string[] = [];
    const progress: string[] = [];
    const out = await runProcess({ file: 'python3', args: [script], log: (l) => lines.push(l), onProgress: (p) => progress.push(`${p.step}/${p.total}`) });
    expect(out.exitCode).toBe(0);
    expect(progress).toEqual(['0/4', '1/4', '2/4', '3/4', '4/4']);
    expect(lines).toContain('[stdout] loading model');
    expect(lines).toContain('[stderr] warning: something odd');
    expect(out.stdoutTail).toEqual(['loading model', 'Saving generated video to /x.mp4']);
    expect(out.stderrTail).toEqual(['warning: something odd']);
    expect(processFailure(out, { what: 'x' })).toBeUndefined();
  });

  it('passes the argument vector verbatim (no shell) and merges env', async () => {
    const script = py('argv.py', 'import sys, os, json\nprint(json.dumps([sys.argv[1:], os.environ.get("FOO")]))');
    const lines: string[] = [];
    const args = ['a b', '$HOME', '*', "it's", '--x=1;rm -rf /'];
    const out = await runProcess({ file: 'python3', args: [script, ...args], env: { FOO: 'bar' }, log: (l) => lines.push(l) });
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdoutTail[0]!)).toEqual([args, 'bar']);
  });

  it('timeout kills the whole process group: SIGTERM, then SIGKILL for what ignores it', async () => {
    const pidFile = join(tmp, 'child.pid');
    const script = py(
      'group.py',
      [
        'import os, signal, subprocess, sys, time',
        'child = subprocess.Popen([sys.executable, "-c", "import signal, time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\nprint(\'child up\', flush=True)\\ntime.sleep(60)"])',
        `open(${JSON.stringify(pidFile)}, "w").write(str(child.pid))`,
        'print("parent up", flush=True)',
        'time.sleep(60)',
      ].join('\n'),
    );
    const started = Date.now();
    // 5 s: the parent and its child must both be up before the timeout fires, also on a loaded CI machine.
    const out = await runProcess({ file: 'python3', args: [script], timeoutMs: 5000, killGraceMs: 400 });
    expect(out.timedOut).toBe(true);
    expect(out.signal).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(20_000);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(childPid)).toBe(false);
    const err = processFailure(out, { what: 'tool', timeoutMinutes: 0.01, timeoutField: 'x.timeoutMinutes' });
    expect(err?.code).toBe('TIMEOUT');
    expect(err?.field).toBe('x.timeoutMinutes');
  });

  it('abort kills the group and maps to CANCELLED; an already aborted signal spawns nothing', async () => {
    const script = py('sleep.py', 'import time\nprint("up", flush=True)\ntime.sleep(60)');
    const ac = new AbortController();
    let pid = 0;
    const p = runProcess({
      file: 'python3',
      args: [script],
      signal: ac.signal,
      killGraceMs: 500,
      onSpawn: (x) => (pid = x),
      log: (l) => l.includes('up') && ac.abort(),
    });
    const out = await p;
    expect(out.aborted).toBe(true);
    expect(alive(pid)).toBe(false);
    expect(processFailure(out, { what: 'tool' })?.code).toBe('CANCELLED');
    const pre = await runProcess({ file: 'python3', args: [script], signal: AbortSignal.abort() });
    expect(pre.pid).toBeUndefined();
    expect(pre.aborted).toBe(true);
  });

  it('maps a missing executable, CUDA OOM, a foreign SIGKILL and a plain failure', async () => {
    const missing = await runProcess({ file: join(tmp, 'nope'), args: [] });
    const e1 = processFailure(missing, { what: 'tool', spawnField: 'x.python' });
    expect(e1?.code).toBe('CONFIG_INVALID');
    expect(e1?.field).toBe('x.python');

    const oom = await runProcess({
      file: 'python3',
      args: [
        py('oom.py', 'import sys\nsys.stderr.write("Traceback...\\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\\n")\nsys.exit(1)'),
      ],
    });
    const e2 = processFailure(oom, { what: 'tool', oomFix: 'use offloadModel' });
    expect(e2).toMatchObject({ code: 'GENERATION_FAILED', retryable: false, fix: 'use offloadModel' });
    expect(e2?.message).toContain('CUDA out of memory');

    const killed = await runProcess({ file: 'python3', args: [py('kill.py', 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)')] });
    expect(killed.signal).toBe('SIGKILL');
    const e3 = processFailure(killed, { what: 'tool' });
    expect(e3?.code).toBe('GENERATION_FAILED');
    expect(e3?.message).toContain('out-of-memory killer');

    const failed = await runProcess({ file: 'python3', args: [py('fail.py', 'import sys\nsys.stderr.write("AssertionError: bad size\\n")\nsys.exit(1)')] });
    const e4 = processFailure(failed, { what: 'tool' });
    expect(e4?.message).toContain('exited with code 1');
    expect(e4?.message).toContain('AssertionError: bad size');
  });

  it('recognises OOM texts and tqdm counters but not dates', () => {
    expect(isCudaOom(['RuntimeError: CUDA out of memory. Tried to allocate'])).toBe(true);
    expect(isCudaOom(['all good'])).toBe(false);
    expect(TQDM_PATTERN.exec(' 45%|████▌     | 18/40 [00:09<00:11,  1.98it/s]')?.slice(1)).toEqual(['18', '40']);
    expect(TQDM_PATTERN.exec('[2025-01-01 10:00:00] saved 1/2/2025 file')).toBeNull();
  });
});
