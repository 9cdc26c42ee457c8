import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { type Manifest, ManifestWriter, manifestPath, readManifest, type SegmentRecord } from './manifest.js';

function manifest(): Manifest {
  return {
    version: 1,
    name: 't',
    mode: 'chaining',
    status: 'running',
    createdAt: '',
    updatedAt: '',
    configFile: '',
    output: { width: 2, height: 2, fps: 1 },
    segments: [],
    ledger: [],
    totalCostUsd: 0,
    warnings: [],
  };
}

test('every save resolves once a write holding its change is on disk; saves waiting to start share one write', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-manifest-'));
  try {
    const m = manifest();
    const w = new ManifestWriter(dir, m);
    const seen: number[] = [];
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 20; i++) {
      m.totalCostUsd = i;
      const value = i;
      saves.push(
        w.save().then(async () => {
          const onDisk = JSON.parse(await readFile(manifestPath(dir), 'utf8')) as Manifest;
          seen.push(onDisk.totalCostUsd - value);
        }),
      );
    }
    await Promise.all(saves);
    expect(seen.every((d) => d >= 0)).toBe(true); // never older than the state at the call
    expect(w.writes).toBeLessThan(20);
    expect((await readManifest(dir))?.totalCostUsd).toBe(20);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('record(): the change is in the journal at once and readers replay it over the older snapshot; the snapshot follows at close', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-manifest-'));
  try {
    const m = manifest();
    const rec: SegmentRecord = {
      index: 0,
      prompt: 'p',
      status: 'running',
      requested: { durationSec: 1, width: 2, height: 2 },
      warnings: [],
      skipped: [],
      attempts: [],
    };
    m.segments.push(rec);
    const w = new ManifestWriter(dir, m);
    await w.save();
    Object.assign(rec, { status: 'done', file: join(dir, 'segments', 'seg-000.mp4'), sha256: 'abc', contentKey: 'k', inputKey: 'i' });
    m.ledger.push({ segment: 0, backend: 'a', model: 'a', attempt: 1, estimatedUsd: 0.5, actualUsd: 0.5, outcome: 'ok', at: '' });
    m.totalCostUsd = 0.5;
    m.warnings.push('a warning');
    await w.record(rec);
    const onDisk = JSON.parse(await readFile(manifestPath(dir), 'utf8')) as Manifest;
    expect(onDisk.segments[0]!.status).toBe('running'); // no snapshot yet
    const read = (await readManifest(dir))!;
    expect(read.segments[0]).toMatchObject({ status: 'done', sha256: 'abc', file: join(dir, 'segments', 'seg-000.mp4') });
    expect(read.ledger).toHaveLength(1);
    expect(read.totalCostUsd).toBe(0.5);
    expect(read.warnings).toEqual(['a warning']);
    expect(read.journalSeq).toBeGreaterThan(onDisk.journalSeq!);
    await w.close();
    const closed = JSON.parse(await readFile(manifestPath(dir), 'utf8')) as Manifest;
    expect(closed.segments[0]!.status).toBe('done');
    expect(closed.segments[0]!.file).toBe('segments/seg-000.mp4');
    expect(closed.journalSeq).toBe(read.journalSeq);
    // replaying a journal the snapshot already holds changes nothing
    expect((await readManifest(dir))!.ledger).toHaveLength(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
