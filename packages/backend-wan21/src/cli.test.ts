// End to end through the real `ttv` binary (built dist): `backend: wan21` resolved from the config's folder,
// the engine leasing GPUs, the stand-ins recording what ran. Needs `pnpm turbo run build --filter @ttv/cli...
// --filter @ttv/backend-wan21...` (pnpm test builds first).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { readRunRecords, type StandInRunRecord } from '@ttv/testkit';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, wanFixture } from './standin.fixture.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = resolve(PKG, '../cli/bin/run.js');
const RUNS = join(PKG, '.test-runs');
const built = existsSync(join(PKG, 'dist/index.js')) && existsSync(resolve(PKG, '../cli/dist'));

let fx: WanFixture;
let work: string;
beforeAll(async () => {
  fx = await wanFixture();
  work = join(RUNS, `kf-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  await Promise.all(
    ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6'].map((k, i) =>
      makeTestImage(join(work, `${k}.png`), { width: 1280, height: 720, pattern: i % 2 ? 'testsrc2' : 'gradient' }),
    ),
  );
});
afterAll(() => {
  fx?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** `ttv generate --json` on a wan21 project named `wan-<name>`, written to `<name>.yaml` with `project`'s keys. */
function ttv(name: string, project: Record<string, unknown>) {
  const file = join(work, `${name}.yaml`);
  // JSON is YAML.
  writeFileSync(file, JSON.stringify({ name: `wan-${name}`, backend: 'wan21', ...project }, null, 2));
  return execa(process.execPath, [CLI, 'generate', '--config', file, '--out', join(work, `run-${name}`), '--json', '--quiet'], {
    cwd: work,
    reject: false,
    timeout: 240_000,
    stdin: 'ignore',
  });
}

const wanSection = (record: string, extra: Record<string, unknown> = {}) => ({
  python: 'python3',
  wanDir: fx.wanDir,
  torchrun: fx.torchrun,
  checkpoints: { 'i2v-14B': fx.i2vCkpt, 'flf2v-14B': fx.flfCkpt },
  env: fx.standInEnv({ record, scale: 8, loadMs: 300, stepMs: 20 }),
  killGraceSeconds: 2,
  ...extra,
});

/** The largest number of jobs whose [start, end] intervals overlap. */
function maxOverlap(jobs: StandInRunRecord[]): number {
  const edges = jobs.flatMap((j) => [
    [j.start, 1],
    [j.end, -1],
  ]) as Array<[number, number]>;
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of edges) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

describe.skipIf(!built)('ttv generate with backend: wan21 (stand-in)', () => {
  it('keyframe mode, gpus [0,1,2,3] × 2 per job: exactly two torchrun jobs at a time, each on its own GPU pair', async () => {
    const record = join(work, 'kf.jsonl');
    const r = await ttv('keyframe', {
      mode: 'keyframe',
      concurrency: 4,
      segmentDuration: 5,
      output: { width: 640, height: 360, fps: 16 },
      storyboard: {
        image: 'k0.png',
        segments: [1, 2, 3, 4, 5, 6].map((i) => ({ prompt: `shot ${i}: the camera glides on`, keyframe: `k${i}.png` })),
      },
      wan21: wanSection(record, { gpus: [0, 1, 2, 3], gpusPerJob: 2 }),
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; video: string; segments: Array<{ model: string; status: string }> };
    expect(out.ok).toBe(true);
    expect(out.segments.every((s) => s.model === 'flf2v-14B' && s.status === 'done')).toBe(true);
    const final = await probeVideo(out.video);
    // Six 81-frame clips joined, the repeated seam frame dropped: 6·81 − 5 frames at 16 fps.
    expect(final.frames).toBe(6 * 81 - 5);

    const records = readRunRecords(record);
    const jobs = records.filter((x) => x.tool === 'torchrun');
    const ranks = records.filter((x) => x.tool === 'wan21-generate');
    expect(jobs).toHaveLength(6);
    expect(ranks).toHaveLength(12);
    for (const j of jobs) expect(j).toMatchObject({ outcome: 'ok', nproc: 2 });
    // The engine ran gpus/gpusPerJob = 2 jobs at once, never more.
    expect(maxOverlap(jobs)).toBe(2);
    // Each job's ranks saw one GPU pair; overlapping jobs never shared a GPU; every job had its own port.
    const gpusOf = (j: StandInRunRecord) => {
      const mine = ranks.filter((w) => w.ppid === j.pid);
      expect(mine).toHaveLength(2);
      const sets = new Set(mine.map((w) => w.env.CUDA_VISIBLE_DEVICES));
      expect(sets.size).toBe(1);
      return [...sets][0]!.split(',').map(Number);
    };
    for (const j of jobs) expect(['0,1', '2,3']).toContain(gpusOf(j).join(','));
    for (const a of jobs) {
      for (const b of jobs) {
        if (a === b || a.end <= b.start || b.end <= a.start) continue;
        expect(
          gpusOf(a).filter((g) => gpusOf(b).includes(g)),
          'overlapping jobs share a GPU',
        ).toEqual([]);
        expect(a.port).not.toBe(b.port);
      }
    }
    for (const w of ranks) expect(w.argv).toEqual(expect.arrayContaining(['--task', 'flf2v-14B', '--frame_num', '81', '--ulysses_size', '2']));
    // Twelve Python ranks and six 81-frame encodes: ~20 s on a quiet 2-core machine, over 60 s on a loaded one. The
    // CLI call itself is bounded at 240 s.
  }, 240_000);

  it('a failed save that exits 0 stops the run with GENERATION_FAILED (exit 7), not a broken film', async () => {
    const record = join(work, 'savefail.jsonl');
    const r = await ttv('savefail', {
      mode: 'chaining',
      segmentDuration: 1,
      output: { width: 832, height: 464, fps: 16 },
      storyboard: { image: 'k0.png', segments: [{ prompt: 'one shot' }] },
      wan21: wanSection(record, { env: fx.standInEnv({ record, scale: 8, fault: 'save_fail' }) }),
    });
    expect(r.exitCode, r.stdout + r.stderr).toBe(7);
    const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(out.error.code).toBe('GENERATION_FAILED');
    expect(out.error.message).toContain('exited 0 but saved no video');
    expect(readRunRecords(record).filter((x) => x.tool === 'wan21-generate')).toHaveLength(1);
  });
});
