import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// The testkit is a workspace sibling that depends on @ttv/core; import its source directly.
import { createPaidJobsBackend, createScriptedBackend, type JobsEmulator, startJobsEmulator } from '../../../testkit/src/index.js';
import type { CallContext, GenerateRequest, JobHandle, RemoteVideoBackend, SubmitContext } from '../spec/backend.js';
import { rejection } from '../spec/errors.fixture.js';
import { type Assets, chainingStoryboard, eventLog, freshRunDir, keyframeStoryboard, makeAssets, makeConfig, noRegistry } from './harness.fixture.js';
import { lockPath } from './lock.js';
import { journalPath, type Manifest, manifestBackupPath, manifestPath, readManifest } from './manifest.js';
import { runPipeline } from './pipeline.js';

let assets: Assets;
let emulator: JobsEmulator;
beforeAll(async () => {
  assets = await makeAssets();
  emulator = await startJobsEmulator({ jobMs: 30 });
});
afterAll(async () => {
  await emulator?.close();
  if (assets) await rm(assets.dir, { recursive: true, force: true });
});

/**
 * The paid-job emulator's backend, talking to an API that does not deduplicate (no idempotency key sent, as
 * when a service has none or its keys expired): every submission the engine makes is a paid one, so
 * `emulator.paidSubmissions` counts exactly what a user would pay for again.
 */
function paid(): RemoteVideoBackend & { submissions: number; resumes: number } {
  const inner = createPaidJobsBackend({ url: emulator.url, pollMs: 10 }) as unknown as RemoteVideoBackend;
  const submitted = new Set<string>();
  const reattached = new Set<string>();
  const b = {
    ...inner,
    submissions: 0,
    resumes: 0,
    submit: async (request: GenerateRequest, ctx: SubmitContext) => {
      b.submissions++;
      // A fresh key per call: the emulator cannot deduplicate, so every submission is a paid one.
      const job = await inner.submit(request, { ...ctx, idempotencyKey: `nokey-${Math.random()}` });
      submitted.add(job.id);
      return job;
    },
    status: (job: JobHandle, ctx: CallContext) => {
      if (!submitted.has(job.id) && !reattached.has(job.id)) {
        reattached.add(job.id);
        b.resumes++;
      }
      return inner.status(job, ctx);
    },
  };
  return b;
}

const film = (backend: object, n = 2) => makeConfig({ assets, backends: [backend], core: chainingStoryboard(n, 0.5, assets) });

// Paid runs go through HTTP and ffmpeg: give them room on a loaded machine (the describes below allow 180 s).

/** Runs a 2-segment film on the paid backend; returns the run folder and the paid submissions it made. */
async function paidRun(runDir?: string) {
  const dir = runDir ?? (await freshRunDir(assets));
  const before = emulator.paidSubmissions;
  const r = await runPipeline({ config: film(paid()), registry: noRegistry, runDir: dir });
  expect(emulator.paidSubmissions - before).toBe(2);
  return { runDir: dir, result: r };
}

describe('moved run folder', { timeout: 180_000 }, () => {
  test('the manifest stores paths relative to the run folder; a moved folder resumes with zero backend calls', async () => {
    const { runDir } = await paidRun();
    const onDisk = JSON.parse(await readFile(manifestPath(runDir), 'utf8')) as Manifest;
    expect(onDisk.version).toBe(2);
    expect(onDisk.segments.map((s) => s.file)).toEqual(['segments/seg-000.mp4', 'segments/seg-001.mp4']);
    expect(onDisk.final?.file).toBe('final.mp4');
    expect(onDisk.segments[1]!.inputs?.firstFrame?.path).toBe('frames/seg-000-last.png');
    // read back: absolute in the folder it is read from
    expect((await readManifest(runDir))!.segments[0]!.file).toBe(join(runDir, 'segments', 'seg-000.mp4'));

    const moved = `${runDir}-moved`;
    await rename(runDir, moved);
    const b = paid();
    const before = emulator.paidSubmissions;
    const r = await runPipeline({ config: film(b), registry: noRegistry, runDir: moved });
    expect(b.submissions + b.resumes).toBe(0);
    expect(emulator.paidSubmissions - before).toBe(0);
    expect(r.video).toBe(join(moved, 'final.mp4'));
    expect(r.manifest.segments[0]!.file).toBe(join(moved, 'segments', 'seg-000.mp4'));
  });

  test('a v1 manifest (absolute paths) of a moved folder is converted: zero backend calls', async () => {
    const { runDir } = await paidRun();
    // Write it back as ttv 0.1 did: version 1, absolute paths in the original folder.
    const m = (await readManifest(runDir))!;
    await writeFile(manifestPath(runDir), JSON.stringify({ ...m, version: 1 }, null, 2));
    await rm(manifestBackupPath(runDir));
    await rm(journalPath(runDir));
    const moved = `${runDir}-v1-moved`;
    await rename(runDir, moved);
    const b = paid();
    const r = await runPipeline({ config: film(b), registry: noRegistry, runDir: moved });
    expect(b.submissions + b.resumes).toBe(0);
    expect(r.manifest.segments.map((s) => s.file)).toEqual([join(moved, 'segments', 'seg-000.mp4'), join(moved, 'segments', 'seg-001.mp4')]);
    expect(JSON.parse(await readFile(manifestPath(moved), 'utf8')).version).toBe(2);
    // the folder had no journal: the first run on it journals what it took over, so losing the manifest now is recoverable
    await rm(manifestPath(moved));
    await rm(manifestBackupPath(moved));
    const b2 = paid();
    const log = eventLog();
    await runPipeline({ config: film(b2), registry: noRegistry, runDir: moved, onEvent: log.onEvent });
    expect(b2.submissions + b2.resumes).toBe(0);
    expect(log.warningText()).toMatch(/recovered from journal\.jsonl: 2 finished segment\(s\), 0 submitted job\(s\), 2 charge\(s\)/);
  });
});

describe('damaged or deleted manifest', { timeout: 180_000 }, () => {
  test('a truncated manifest.json resumes from manifest.json.bak: zero paid resubmissions', async () => {
    const { runDir } = await paidRun();
    await truncate(manifestPath(runDir), 100);
    const b = paid();
    const log = eventLog();
    const before = emulator.paidSubmissions;
    await runPipeline({ config: film(b), registry: noRegistry, runDir, onEvent: log.onEvent });
    expect(emulator.paidSubmissions - before).toBe(0);
    expect(b.submissions).toBe(0);
    expect(log.warningText()).toMatch(/not valid JSON.*resumed from manifest\.json\.bak/);
    expect((await readManifest(runDir))!.status).toBe('done');
  });

  test('a deleted manifest (and backup) resumes from the journal, re-attaching a submitted job: zero paid resubmissions', async () => {
    const runDir = await freshRunDir(assets);
    const snapshot = join(assets.dir, 'journal-snapshot.jsonl');
    // The journal as it stood right after segment 1's job was submitted (what a crash would leave).
    await runPipeline({
      config: film(paid()),
      registry: noRegistry,
      runDir,
      onEvent: (e) => {
        if (e.type === 'job' && e.segment === 1) void copyFile(journalPath(runDir), snapshot);
      },
    });
    await copyFile(snapshot, journalPath(runDir));
    await rm(manifestPath(runDir));
    await rm(manifestBackupPath(runDir));
    await rm(join(runDir, 'segments', 'seg-001.mp4'));
    await rm(join(runDir, 'final.mp4'));

    const b = paid();
    const log = eventLog();
    const before = emulator.paidSubmissions;
    const r = await runPipeline({ config: film(b), registry: noRegistry, runDir, onEvent: log.onEvent });
    expect(emulator.paidSubmissions - before).toBe(0);
    expect(b.submissions).toBe(0);
    expect(b.resumes).toBe(1); // segment 1's job re-attached and downloaded, not paid again
    expect(log.of('started').map((s) => [s.segment, s.resumedJob !== undefined])).toEqual([[1, true]]);
    expect(log.warningText()).toMatch(/recovered from journal\.jsonl: 1 finished segment\(s\), 1 submitted job\(s\)/);
    // the charges survive: segment 0 and segment 1 are each paid once in the ledger
    expect(r.manifest.ledger.filter((l) => l.actualUsd > 0).map((l) => l.segment)).toEqual([0, 1]);
  });

  test('with manifest, backup and journal gone, segment files that probe are adopted with a warning: zero paid resubmissions', async () => {
    const { runDir } = await paidRun();
    for (const f of [manifestPath(runDir), manifestBackupPath(runDir), journalPath(runDir)]) await rm(f);
    const b = paid();
    const log = eventLog();
    const before = emulator.paidSubmissions;
    const r = await runPipeline({ config: film(b), registry: noRegistry, runDir, onEvent: log.onEvent });
    expect(emulator.paidSubmissions - before).toBe(0);
    expect(b.submissions + b.resumes).toBe(0);
    expect(log.warningText()).toMatch(/adopted 2 segment file\(s\).*seg-000\.mp4, seg-001\.mp4/);
    expect(r.manifest.segments.every((s) => s.status === 'done' && !s.adopted)).toBe(true);
    // and a further run reuses them as ordinary finished segments
    const b2 = paid();
    await runPipeline({ config: film(b2), registry: noRegistry, runDir });
    expect(b2.submissions + b2.resumes).toBe(0);
  });

  test('a damaged manifest with nothing to recover from is refused (RUN_FOLDER_INVALID) unless restart; restart pays again', async () => {
    const { runDir } = await paidRun();
    // cut short in the middle of a record that still names a submitted job
    await writeFile(manifestPath(runDir), '{"version": 2, "segments": [{"index": 0, "job": {"backend": "paidjobs", "handle": {"id": "job-77-abc"}}, "segm');
    await rm(manifestBackupPath(runDir));
    await rm(journalPath(runDir));
    await writeFile(join(runDir, 'segments', 'seg-000.mp4'), 'not a video');
    await rm(join(runDir, 'segments', 'seg-001.mp4'));
    const b = paid();
    const before = emulator.paidSubmissions;
    const error = await rejection(runPipeline({ config: film(b), registry: noRegistry, runDir }));
    expect(error.code).toBe('RUN_FOLDER_INVALID');
    expect(error.message).toMatch(/manifest\.json is not valid JSON/);
    expect(error.message).toMatch(/seg-000\.mp4/);
    expect(error.message).toMatch(/pay for all 2 segment\(s\) again, including the remote job\(s\) already submitted \(job-77-abc\)/);
    expect(error.fix).toMatch(/--restart/);
    expect(b.submissions).toBe(0);
    expect(existsSync(lockPath(runDir))).toBe(false);

    const r = await runPipeline({ config: film(b), registry: noRegistry, runDir, restart: true });
    expect(emulator.paidSubmissions - before).toBe(2);
    expect(r.manifest.status).toBe('done');
    expect((await readdir(runDir)).some((f) => /^manifest\.json\..+\.old$/.test(f))).toBe(true);
  });

  test('segment files are not adopted when the damaged manifest names a submitted job that would be paid again', async () => {
    const { runDir } = await paidRun();
    await writeFile(manifestPath(runDir), '{"version": 2, "segments": [{"index": 2, "job": {"handle": {"id": "job-88-def"}}, "st');
    await rm(manifestBackupPath(runDir));
    await rm(journalPath(runDir));
    const b = paid();
    const error = await rejection(runPipeline({ config: film(b), registry: noRegistry, runDir }));
    expect(error.code).toBe('RUN_FOLDER_INVALID');
    expect(error.message).toMatch(/2 finished segment file\(s\) that could be adopted/);
    expect(error.message).toMatch(/\(job-88-def\), which would be submitted and paid for a second time/);
    expect(b.submissions + b.resumes).toBe(0);
  });

  test('a manifest from a newer ttv is refused, never overwritten', async () => {
    const runDir = await freshRunDir(assets);
    await writeFile(manifestPath(runDir), JSON.stringify({ version: 99, segments: [], ledger: [] }));
    const error = await rejection(runPipeline({ config: film(paid()), registry: noRegistry, runDir }));
    expect(error.code).toBe('RUN_FOLDER_INVALID');
    expect(error.message).toMatch(/newer ttv/);
    expect(JSON.parse(await readFile(manifestPath(runDir), 'utf8')).version).toBe(99);
  });
});

describe('lock', { timeout: 180_000 }, () => {
  test('a second run on the same folder fails at once with RUN_LOCKED naming the holder; the lock is released after', async () => {
    const runDir = await freshRunDir(assets);
    const slow = createScriptedBackend({ name: 'a', clip: assets.clip }, [{ ok: true, latencyMs: 300 }]);
    const other = createScriptedBackend({ name: 'a', clip: assets.clip });
    const first = runPipeline({ config: makeConfig({ assets, backends: [slow], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir });
    // wait until the first run holds the lock
    while (!existsSync(lockPath(runDir))) await new Promise((r) => setTimeout(r, 5));
    const error = await rejection(
      runPipeline({ config: makeConfig({ assets, backends: [other], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir }),
    );
    expect(error.code).toBe('RUN_LOCKED');
    expect(error.exitCode).toBe(11);
    expect(error.message).toContain(`process ${process.pid}`);
    expect(other.calls).toHaveLength(0);
    await first;
    expect(existsSync(lockPath(runDir))).toBe(false);
    const again = createScriptedBackend({ name: 'a', clip: assets.clip });
    await runPipeline({ config: makeConfig({ assets, backends: [again], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir });
    expect(again.calls).toHaveLength(0); // resumed, not locked out
  });

  test('a run that fails in its set-up (no usable backend) releases the lock', async () => {
    const runDir = await freshRunDir(assets);
    const a = createScriptedBackend({ name: 'a', clip: assets.clip });
    const broken = makeConfig({ assets, backends: [a], chain: ['auto'], core: chainingStoryboard(1, 1, assets) });
    expect((await rejection(runPipeline({ config: broken, registry: noRegistry, runDir }))).code).toBe('CONFIG_INVALID');
    expect(existsSync(lockPath(runDir))).toBe(false);
    await runPipeline({ config: makeConfig({ assets, backends: [a], core: chainingStoryboard(1, 1, assets) }), registry: noRegistry, runDir });
    expect(a.calls).toHaveLength(1);
  });

  test('a stale lock (its process is gone) is taken over with a warning', async () => {
    const runDir = await freshRunDir(assets);
    const { hostname } = await import('node:os');
    await writeFile(lockPath(runDir), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), startedAt: '2026-01-01T00:00:00Z', token: 'x' }));
    const log = eventLog();
    const a = createScriptedBackend({ name: 'a', clip: assets.clip });
    await runPipeline({
      config: makeConfig({ assets, backends: [a], core: chainingStoryboard(1, 1, assets) }),
      registry: noRegistry,
      runDir,
      onEvent: log.onEvent,
    });
    expect(a.calls).toHaveLength(1);
    expect(log.warningText()).toMatch(/took over a stale lock of process 4206649/);
    expect(existsSync(lockPath(runDir))).toBe(false);
  });
});

describe('run folder safety', () => {
  const one = () => makeConfig({ assets, backends: [createScriptedBackend({ name: 'a', clip: assets.clip })], core: chainingStoryboard(1, 1, assets) });

  test('a non-empty folder that is not a ttv run is refused, and nothing in it is touched', async () => {
    const dir = await freshRunDir(assets);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await writeFile(join(dir, '.draft.tmp'), 'mine too');
    await writeFile(join(dir, '.report.123.deadbeef.tmp.txt'), 'looks like ttv, but this is no ttv run');
    const error = await rejection(runPipeline({ config: one(), registry: noRegistry, runDir: dir }));
    expect(error.code).toBe('RUN_FOLDER_INVALID');
    expect(error.message).toContain(dir);
    expect(error.fix).toMatch(/new or empty folder/);
    expect((await readdir(dir)).sort()).toEqual(['.draft.tmp', '.report.123.deadbeef.tmp.txt', 'notes.txt']);
  });

  test('name ".." (the config folder) and --out / are refused', async () => {
    const config = { ...one(), name: '..' };
    const error = await rejection(runPipeline({ config, registry: noRegistry }));
    expect(error.code).toBe('RUN_FOLDER_INVALID');
    expect(error.message).toContain(assets.dir);
    expect((await rejection(runPipeline({ config: one(), registry: noRegistry, runDir: '/' }))).code).toBe('RUN_FOLDER_INVALID');
    expect(existsSync(join(assets.dir, 'manifest.json'))).toBe(false);
    expect(existsSync(join(assets.dir, 'clip.mp4'))).toBe(true);
  });

  test("in a ttv run folder only ttv's own temp files are removed", async () => {
    const runDir = await freshRunDir(assets);
    await runPipeline({ config: one(), registry: noRegistry, runDir });
    const ours = ['.manifest.json.4242.0badf00d.tmp.json', join('segments', '.seg-000.mp4.4242.cafebabe.tmp.mp4')];
    const theirs = ['.notes.tmp', '.my.tmp.txt', join('segments', '.keep.tmp')];
    for (const f of [...ours, ...theirs]) await writeFile(join(runDir, f), 'x');
    await mkdir(join(runDir, 'extra'), { recursive: true });
    await writeFile(join(runDir, 'extra', '.x.4242.0badf00d.tmp'), 'x');
    await runPipeline({ config: one(), registry: noRegistry, runDir });
    for (const f of ours) expect(existsSync(join(runDir, f))).toBe(false);
    for (const f of theirs) expect(existsSync(join(runDir, f))).toBe(true);
    expect(existsSync(join(runDir, 'extra', '.x.4242.0badf00d.tmp'))).toBe(true); // not a folder ttv made
  });
});

test('keyframe mode: a moved run folder makes zero backend calls', async () => {
  const runDir = await freshRunDir(assets);
  const core = keyframeStoryboard(2, assets);
  await runPipeline({
    config: makeConfig({ assets, backends: [createScriptedBackend({ name: 'a', clip: assets.clip })], core }),
    registry: noRegistry,
    runDir,
  });
  await rename(runDir, `${runDir}-k`);
  const a = createScriptedBackend({ name: 'a', clip: assets.clip });
  await runPipeline({ config: makeConfig({ assets, backends: [a], core }), registry: noRegistry, runDir: `${runDir}-k` });
  expect(a.calls).toHaveLength(0);
});
