// Crash and cancellation tests of the engine through the real CLI (built dist: run
// `pnpm turbo run build --filter @ttv/cli...` first). The paid backend is a loopback job API living in this
// test process (it survives the CLI processes we kill); the CLI loads a backend module by path that talks to it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256File } from '@ttv/core/backend';
import { readManifest } from '@ttv/core/engine';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type JobsEmulator, startJobsEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const CLI = resolve(here, '../../bin/run.js');
const PLUGIN = resolve(here, '../../../testkit/dist/emulators/jobs/backend.js');
const SEGMENTS = 10;
const FPS = 8;
const FRAMES_PER_SEGMENT = 4; // 0.5 s at 8 fps
const EXPECTED_FRAMES = SEGMENTS * FRAMES_PER_SEGMENT - (SEGMENTS - 1); // the seam frame is dropped at each join

let root: string;
let image: string;
beforeAll(async () => {
  for (const f of [CLI, PLUGIN, resolve(here, '../../dist/commands/generate.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build first (pnpm turbo run build --filter @ttv/cli...)`);
  }
  root = await mkdtemp(join(tmpdir(), 'ttv-crash-'));
  image = join(root, 'first.png');
  await makeTestImage(image, { width: 160, height: 90 });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function project(name: string, emulator: JobsEmulator): Promise<{ dir: string; config: string; runDir: string }> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'paid-backend.mjs'), `export { default } from ${JSON.stringify(pathToFileURL(PLUGIN).href)};\n`);
  const segments = Array.from({ length: SEGMENTS }, (_, i) => `    - prompt: shot ${i} of the crash film`).join('\n');
  const config = join(dir, 'ttv.yaml');
  await writeFile(
    config,
    `name: ${name}
mode: chaining
backend: ./paid-backend.mjs
segmentDuration: 0.5
output: { width: 160, height: ${90}, fps: ${FPS} }
retries: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 }
storyboard:
  image: ${image}
  segments:
${segments}
paidjobs:
  url: ${emulator.url}
  pollMs: 25
`,
  );
  return { dir, config, runDir: join(dir, 'run') };
}

interface Running {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLines(n: number, timeoutMs?: number): Promise<boolean>;
}

function startCli(config: string, runDir: string): Running {
  const child = spawn(process.execPath, [CLI, 'generate', '--config', config, '--out', runDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal, at: Date.now() })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    lines,
    exited,
    async waitForLines(n, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < n && !done && Date.now() < deadline) await new Promise<void>((r) => waiters.push(r));
      return lines.length >= n;
    },
  };
}

/** A deterministic PRNG (mulberry32), so kill points are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function verifyFinishedRun(runDir: string, emulator: JobsEmulator): Promise<void> {
  const m = (await readManifest(runDir))!;
  expect(m.status).toBe('done');
  const final = await probeVideo(join(runDir, 'final.mp4'), { countFrames: true });
  expect([final.width, final.height, final.frames]).toEqual([160, 90, EXPECTED_FRAMES]);
  expect(await sha256File(join(runDir, 'final.mp4'))).toBe(m.final!.sha256);
  for (const seg of m.segments) {
    expect(seg.status).toBe('done');
    expect(seg.job).toBeUndefined();
    // the file on disk is exactly what the service produced for the job that made it: complete, never partial
    const jobId = seg.attempts.filter((a) => a.outcome === 'ok').at(-1)!.jobId!;
    const job = emulator.jobs.get(jobId)!;
    expect(await sha256File(seg.file!)).toBe(job.outputSha256);
    expect(seg.sha256).toBe(job.outputSha256);
    expect((await probeVideo(seg.file!, { countFrames: true })).frames).toBe(FRAMES_PER_SEGMENT);
    // chaining: the job was given the previous segment's exact last frame (or the film's first image)
    expect(job.imageSha256).toBe(seg.inputs!.firstFrame!.sha256);
    if (seg.index > 0) expect(seg.inputs!.firstFrame!.sha256).toBe(m.segments[seg.index - 1]!.lastFrame!.sha256);
  }
  // no half-written temp file left behind in the run folder
  const leftovers = [...(await readdir(runDir)), ...(await readdir(join(runDir, 'segments'))), ...(await readdir(join(runDir, 'frames')))].filter((f) =>
    f.includes('.tmp'),
  );
  expect(leftovers).toEqual([]);
}

describe('crash: SIGKILL at 20 points of a 10-segment paid run, then re-run', () => {
  // ~33 progress lines per full run (3 per segment + run/join lines): kill after line L plus a seeded delay.
  const random = prng(20_260_101);
  const stats = { reattached: 0, reused: 0, deduplicated: 0 };
  const points = Array.from({ length: 20 }, (_, i) => ({ afterLines: 1 + Math.floor((i * 32) / 20), delayMs: Math.floor(random() * 120) }));

  test.each(points.map((p, i) => ({ i, ...p })))(
    'kill point $i: after $afterLines lines + $delayMs ms',
    async ({ i, afterLines, delayMs }) => {
      const emulator = await startJobsEmulator({ jobMs: 120, usdPerSecond: 0.1 });
      try {
        const { config, runDir } = await project(`crash-${i}`, emulator);
        const first = startCli(config, runDir);
        expect(await first.waitForLines(afterLines)).toBe(true);
        await new Promise((r) => setTimeout(r, delayMs));
        first.child.kill('SIGKILL');
        const killed = await first.exited;
        expect(killed.signal).toBe('SIGKILL'); // it really died mid-run (not finished before the kill)

        const second = startCli(config, runDir);
        const end = await second.exited;
        expect(end.code, second.lines.join('\n')).toBe(0);
        expect(emulator.paidSubmissions).toBe(SEGMENTS); // no double spend
        await verifyFinishedRun(runDir, emulator);
        const m = (await readManifest(runDir))!;
        expect(m.totalCostUsd).toBeCloseTo(emulator.totalUsd(), 6); // the ledger matches the bill
        if (second.lines.some((l) => l.includes('re-attaching job'))) stats.reattached++;
        if (second.lines.some((l) => /: reused /.test(l))) stats.reused++;
        stats.deduplicated += emulator.deduplicated;
      } finally {
        await emulator.close();
      }
    },
    60_000,
  );

  test('the kill points covered the interesting windows', () => {
    // killed while a paid job was in flight (the re-run re-attached it) and after finished segments (reused)
    expect(stats.reattached).toBeGreaterThanOrEqual(3);
    expect(stats.reused).toBeGreaterThanOrEqual(10);
  });
});

describe('cancellation', () => {
  test('SIGINT mid-run: exit 130 within 2 s, the job is cancelled through the API, the manifest is consistent, the re-run resumes', async () => {
    // segments 0 and 1 finish quickly; the 3rd submission (segment 2) would take a minute
    const emulator = await startJobsEmulator({ jobMs: 100, usdPerSecond: 0.1, jobMsFor: (n) => (n === 3 ? 60_000 : undefined) });
    try {
      const { config, runDir } = await project('cancel', emulator);
      const run = startCli(config, runDir);
      while (emulator.jobs.size < 3) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 300));
      const sentAt = Date.now();
      run.child.kill('SIGINT');
      const end = await run.exited;
      expect(end.code).toBe(130);
      expect(end.at - sentAt).toBeLessThan(2000);
      const jobId = [...emulator.jobs.keys()][2]!;
      expect(emulator.cancels).toEqual([jobId]);
      expect(emulator.jobs.get(jobId)!.status).toBe('cancelled');
      const m = (await readManifest(runDir))!;
      expect(m.status).toBe('cancelled');
      expect(m.error?.code).toBe('CANCELLED');
      expect(m.segments.map((s) => s.status)).toEqual(['done', 'done', 'cancelled', ...Array(SEGMENTS - 3).fill('pending')]);
      expect(m.segments[2]!.job).toBeUndefined(); // a cancelled job is not re-attached
      expect(m.segments[2]!.attempts.map((a) => [a.jobId, a.outcome])).toEqual([[jobId, 'cancelled']]);

      // the re-run resumes (segments 0 and 1 reused, no new job for them) and finishes
      const rerun = startCli(config, runDir);
      const end2 = await rerun.exited;
      expect(end2.code, rerun.lines.join('\n')).toBe(0);
      expect(rerun.lines.filter((l) => /segment [01]: reused/.test(l))).toHaveLength(2);
      expect(emulator.paidSubmissions).toBe(SEGMENTS + 1); // the cancelled job was paid, and redone once
      await verifyFinishedRun(runDir, emulator);
    } finally {
      await emulator.close();
    }
  }, 60_000);
});

describe('run folder lock', () => {
  test('a second generate on the same folder exits 11 at once with RUN_LOCKED naming the first run; the first finishes', async () => {
    const emulator = await startJobsEmulator({ jobMs: 150, usdPerSecond: 0.1 });
    try {
      const { config, runDir } = await project('locked', emulator);
      const first = startCli(config, runDir);
      while (!existsSync(join(runDir, 'run.lock'))) await new Promise((r) => setTimeout(r, 5));
      const startedAt = Date.now();
      const second = startCli(config, runDir);
      const end2 = await second.exited;
      expect(end2.code, second.lines.join('\n')).toBe(11);
      expect(end2.at - startedAt).toBeLessThan(30_000); // CLI start-up on a loaded machine; it does not wait for the lock
      const out = second.lines.join('\n');
      expect(out).toContain('[RUN_LOCKED]');
      expect(out).toContain(`process ${first.child.pid}`);
      const end1 = await first.exited;
      expect(end1.code, first.lines.join('\n')).toBe(0);
      expect(end2.at).toBeLessThan(end1.at); // refused while the first run was still working, not after it
      expect(emulator.paidSubmissions).toBe(SEGMENTS); // the second run paid for nothing
      expect(existsSync(join(runDir, 'run.lock'))).toBe(false);
      await verifyFinishedRun(runDir, emulator);
    } finally {
      await emulator.close();
    }
  }, 120_000);
});
