// File-system failures while writing the manifest: a fault injected into node:fs (root ignores chmod). The
// manifest writer uses the synchronous calls (small files on the engine's hot path).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { expect, test, vi } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { TtvError } from '../spec/errors.js';
import { chainingStoryboard, freshRunDir, makeConfig, noRegistry, useAssets } from './harness.fixture.js';
import { lockPath } from './lock.js';
import { journalPath, manifestPath, readManifest } from './manifest.js';
import { runPipeline } from './pipeline.js';

const fault = vi.hoisted(() => ({ on: false, hits: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
  return {
    ...real,
    writeFileSync: ((file: Parameters<typeof real.writeFileSync>[0], ...rest: unknown[]) => {
      if (fault.on && String(file).includes('manifest.json')) {
        fault.hits++;
        throw enospc();
      }
      return (real.writeFileSync as (...a: unknown[]) => void)(file, ...rest);
    }) as typeof real.writeFileSync,
  };
});

const assets = useAssets();

test('a full disk while writing the manifest fails with DISK_FULL naming the file; the run folder resumes', async () => {
  const runDir = await freshRunDir(assets);
  const a = createScriptedBackend({ name: 'a', clip: assets.clip });
  const config = () => makeConfig({ assets, backends: [a], core: chainingStoryboard(3, 1, assets) });
  let error: unknown;
  try {
    await runPipeline({
      config: config(),
      registry: noRegistry,
      runDir,
      onEvent: (e) => {
        if (e.type === 'done' && e.segment === 0) fault.on = true;
      },
    });
  } catch (e) {
    error = e;
  } finally {
    fault.on = false;
  }
  expect(TtvError.is(error)).toBe(true);
  const t = error as TtvError;
  expect(t.code).toBe('DISK_FULL');
  expect(t.exitCode).toBe(10);
  expect(t.message).toMatch(/cannot write the manifest at .*manifest\.json(\.bak)?: the disk is full \(ENOSPC\)/);
  expect(t.fix).toMatch(/free disk space/);
  expect(fault.hits).toBeGreaterThan(0);
  // what is on disk is the last complete write: it parses, and segment 0 is in it (or in the journal)
  expect(await readManifest(runDir)).toBeDefined();
  expect(await readFile(journalPath(runDir), 'utf8')).toContain('"status":"done"');
  expect(existsSync(lockPath(runDir))).toBe(false);
  expect((await readdir(runDir)).filter((f) => f.includes('.tmp'))).toEqual([]);

  const calls = a.calls.length;
  const r = await runPipeline({ config: config(), registry: noRegistry, runDir });
  expect(a.calls.slice(calls).map((c) => c.request.segmentIndex)).toEqual([1, 2]); // segment 0 is not made again
  expect(r.manifest.status).toBe('done');
  expect(JSON.parse(await readFile(manifestPath(runDir), 'utf8')).status).toBe('done');
});
