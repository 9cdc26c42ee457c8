import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { type Manifest, ManifestWriter, manifestPath, readManifest } from './manifest.js';

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
