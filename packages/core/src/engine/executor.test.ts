import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { TtvError } from '../spec/errors.js';
import { type Executor, type ExecutorTask, inProcessExecutor } from './executor.js';
import { type Assets, chainingStoryboard, freshRunDir, keyframeStoryboard, makeAssets, makeConfig, noRegistry } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

const signal = new AbortController().signal;
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('inProcessExecutor.run', () => {
  test('a chain runs in order; a failed task skips its dependents; the failure is thrown', async () => {
    const ran: number[] = [];
    const tasks: ExecutorTask[] = [0, 1, 2, 3].map((index) => ({ index, dependsOn: index ? [index - 1] : [] }));
    const boom = new TtvError('GENERATION_FAILED', 'boom');
    const run = inProcessExecutor({ concurrency: 4 }).run(
      tasks,
      async (i) => {
        await tick();
        ran.push(i);
        if (i === 1) throw boom;
      },
      { signal },
    );
    await expect(run).rejects.toBe(boom);
    expect(ran).toEqual([0, 1]);
  });

  test('independent tasks all run; the first failure that is not a cancellation wins', async () => {
    const ran: number[] = [];
    const tasks: ExecutorTask[] = [0, 1, 2].map((index) => ({ index, dependsOn: [] }));
    const run = inProcessExecutor({ concurrency: 1 }).run(
      tasks,
      async (i) => {
        await tick();
        ran.push(i);
        if (i === 0) throw new TtvError('CANCELLED', 'stopped');
        if (i === 2) throw new TtvError('QUOTA', 'out of credit');
      },
      { signal },
    );
    await expect(run).rejects.toMatchObject({ code: 'QUOTA' });
    expect(ran.sort()).toEqual([0, 1, 2]);
  });
});

describe('inProcessExecutor.slot', () => {
  test('at most `concurrency` calls at once', async () => {
    const executor = inProcessExecutor({ concurrency: 2 });
    let active = 0;
    let peak = 0;
    const call = async () => {
      peak = Math.max(peak, ++active);
      await tick();
      active--;
    };
    await Promise.all(Array.from({ length: 6 }, () => executor.slot(call, () => false)));
    expect(peak).toBe(2);
  });

  test('a call whose error ends the run stops the queue before its slot is handed on', async () => {
    const executor = inProcessExecutor({ concurrency: 1 });
    const calls: number[] = [];
    const results = await Promise.allSettled(
      [0, 1, 2].map((i) =>
        executor.slot(
          async () => {
            calls.push(i);
            throw new TtvError(i === 0 ? 'INPUT_INVALID' : 'UNAVAILABLE', 'x');
          },
          (e) => TtvError.is(e) && e.code === 'INPUT_INVALID',
        ),
      ),
    );
    expect(calls).toEqual([0]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as TtvError).code)).toEqual(['INPUT_INVALID', 'CANCELLED', 'CANCELLED']);
  });
});

describe('runPipeline with an injected executor', () => {
  let assets: Assets;
  beforeAll(async () => {
    assets = await makeAssets();
  });
  afterAll(async () => {
    if (assets) await rm(assets.dir, { recursive: true, force: true });
  });

  /** Wraps the in-process executor and records what the engine asks of it. */
  function recording(concurrency: number) {
    const inner = inProcessExecutor({ concurrency });
    const seen = { tasks: [] as ExecutorTask[], slots: 0, infos: [] as unknown[] };
    const executor: Executor = {
      run: (tasks, runTask, options) => {
        seen.tasks = tasks;
        return inner.run(tasks, runTask, options);
      },
      slot: (call, endsRun, info) => {
        seen.slots++;
        seen.infos.push(info);
        return inner.slot(call, endsRun, info);
      },
    };
    return { executor, seen };
  }

  test('chaining: each segment depends on the previous one; every backend call goes through a slot', async () => {
    const a = createScriptedBackend({ name: 'a', clip: assets.clip });
    const { executor, seen } = recording(1);
    await runPipeline({
      config: makeConfig({ assets, backends: [a], core: chainingStoryboard(3, 1, assets) }),
      registry: noRegistry,
      runDir: await freshRunDir(assets),
      executor,
    });
    expect(seen.tasks).toEqual([
      { index: 0, dependsOn: [] },
      { index: 1, dependsOn: [0] },
      { index: 2, dependsOn: [1] },
    ]);
    expect(seen.slots).toBe(3);
    expect(a.calls).toHaveLength(3);
    // every slot names its call, so a distributed executor can limit calls per backend
    expect(seen.infos).toEqual([0, 1, 2].map((segment) => ({ segment, backend: 'a', model: expect.any(String) })));
  });

  test('keyframe: independent segments', async () => {
    const a = createScriptedBackend({ name: 'a', clip: assets.clip });
    const { executor, seen } = recording(2);
    await runPipeline({
      config: makeConfig({ assets, backends: [a], core: keyframeStoryboard(3, assets) }),
      registry: noRegistry,
      runDir: await freshRunDir(assets),
      executor,
    });
    expect(seen.tasks.map((t) => t.dependsOn)).toEqual([[], [], []]);
    expect(seen.slots).toBe(3);
  });
});
