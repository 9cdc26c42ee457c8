// A script planned by a paid planner (issue #12): the answer is checked, kept in plan.json and booked once, so a
// resumed run — even one killed while making its keyframes — never asks the planner again and never pays again for
// a keyframe it has; a malformed answer is refused with PLAN_INVALID and leaves nothing half-written.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect, it } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { sentencePlan } from '../builtin/deterministic-planner.js';
import { SPECIFICATION_VERSION } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import { definePlanner, type PlannerPlugin, type PlanRequest } from '../spec/planner.js';
import { freshRunDir, makeConfig, noRegistry, useAssets } from './harness.fixture.js';
import { cardVariant } from './images.fixture.js';
import type { Manifest } from './manifest.js';
import { runPipeline } from './pipeline.js';
import { PLAN_FILE } from './plan-step.js';

const assets = useAssets();

const SCRIPT =
  'Mara climbs the lighthouse stairs at dawn. She lights the great lamp. The beam sweeps the dark sea. ' +
  'A small boat turns toward the light. It reaches the harbour. Mara waves from the gallery.';

/** A paid planner (the sentence plan underneath, $0.03 a plan) counting its calls; `answer` may break the plan. */
function paidPlanner(calls: PlanRequest[], answer: (request: PlanRequest) => unknown = (r) => sentencePlan(r)): PlannerPlugin {
  return definePlanner({
    specificationVersion: SPECIFICATION_VERSION,
    name: 'llm',
    displayName: 'a paid planner (test)',
    kind: 'remote',
    configSchema: { safeParse: (v: unknown) => ({ success: true, data: v }) } as never,
    create: () => ({
      specificationVersion: SPECIFICATION_VERSION,
      estimateCost: () => ({ usd: 0.01 }),
      estimatePlanCost: () => ({ usd: 0.05 }),
      async plan(request) {
        calls.push(request);
        return { ...(answer(request) as object), costUsd: 0.03 } as never;
      },
      async reword(request) {
        return { prompt: request.prompt, costUsd: 0 };
      },
    }),
  });
}

/** Card keyframes at $0.02 each, counting the stills made; `onGenerate` may interfere (e.g. kill the run). */
function paidImages(made: string[], onGenerate: (name: string) => void = () => {}) {
  const plugin = cardVariant('paidimg', { initImage: true, maxReferences: 0 }, (card) => ({
    estimateCost: () => ({ usd: 0.02 }),
    async generate(request, c) {
      const name = basename(request.outputPath, '.png');
      onGenerate(name);
      if (c.signal.aborted) throw new TtvError('CANCELLED', 'stopped');
      made.push(name);
      return { ...(await card.generate(request, c)), costUsd: 0.02 };
    },
  }));
  return { plugin, config: {} };
}

/** What the ledger says was paid to `backend`. */
const usd = (m: Manifest, backend: string) => m.ledger.filter((l) => l.backend === backend).reduce((a, l) => a + l.actualUsd, 0);

function run(runDir: string, planner: PlannerPlugin, images: ReturnType<typeof paidImages>, extra: { signal?: AbortSignal; maxUsd?: number } = {}) {
  const backend = createScriptedBackend({ name: 'flf', clip: assets.clip, inputs: ['first-last-frame'], submitsJobs: false });
  const config = makeConfig({
    assets,
    backends: [backend],
    core: {
      mode: 'keyframe',
      segmentDuration: 1,
      storyboard: { prompt: SCRIPT, totalDuration: 3 },
      cast: [{ name: 'Mara', description: 'a tall lighthouse keeper in a red coat' }],
      ...(extra.maxUsd !== undefined ? { budget: { maxUsd: extra.maxUsd } } : {}),
    },
  });
  config.planner = { plugin: planner, config: {} };
  config.images = images;
  return { backend, run: runPipeline({ config, registry: noRegistry, runDir, ...(extra.signal ? { signal: extra.signal } : {}) }) };
}

it('the planned storyboard makes the film; a re-run asks the planner nothing, pays for no still and books the plan once', async () => {
  const runDir = await freshRunDir(assets);
  const calls: PlanRequest[] = [];
  const made: string[] = [];
  const first = await run(runDir, paidPlanner(calls), paidImages(made)).run;
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({ script: SCRIPT, mode: 'keyframe', totalDurationSec: 3, segmentDurationSec: 1 });
  expect(calls[0]!.cast).toEqual([{ name: 'Mara', kind: 'character', description: 'a tall lighthouse keeper in a red coat' }]);
  // The storyboard is the planner's: 3 segments of 1 s, its prompts (with Mara's description repeated where she is).
  const plan = JSON.parse(await readFile(join(runDir, PLAN_FILE), 'utf8'));
  expect(plan.segments).toHaveLength(3);
  expect(first.manifest.segments.map((s) => s.prompt)).toEqual(plan.segments.map((s: { prompt: string }) => s.prompt));
  expect(first.manifest.images!.keyframes.map((k) => k!.prompt)).toEqual(plan.segments.map((s: { keyframePrompt: string }) => s.keyframePrompt));
  // Mara's description is repeated where she is, once (the planner wrote it; core does not add it again).
  const mara = 'a tall lighthouse keeper in a red coat';
  expect(first.manifest.segments.map((s) => s.prompt.split(mara).length - 1)).toEqual([1, 0, 1]);
  expect(first.manifest.planning).toMatchObject({ planner: 'llm', file: PLAN_FILE, segments: 3, costUsd: 0.03 });
  const planEntries = (m: typeof first.manifest) => m.ledger.filter((l) => l.backend === 'planner:llm');
  expect(planEntries(first.manifest)).toHaveLength(1);
  expect(usd(first.manifest, 'images:paidimg')).toBeCloseTo(4 * 0.02, 6); // the first frame and 3 keyframes
  expect(first.totalCostUsd).toBeCloseTo(0.03 + 4 * 0.02 + usd(first.manifest, 'flf'), 6); // + the plan + the clips
  expect(first.durationSec).toBeCloseTo(3 - 2 / 8, 2); // 3 segments of 1 s, less the 2 seam frames dropped at 8 fps

  const again = run(runDir, paidPlanner(calls), paidImages(made));
  const second = await again.run;
  expect(calls).toHaveLength(1);
  expect(made).toHaveLength(4);
  expect(again.backend.calls).toHaveLength(0);
  expect(planEntries(second.manifest)).toHaveLength(1);
  expect(second.totalCostUsd).toBeCloseTo(first.totalCostUsd, 6);
});

it('killed while making keyframes, then run again: no second plan, no still made twice', async () => {
  const runDir = await freshRunDir(assets);
  const calls: PlanRequest[] = [];
  const made: string[] = [];
  const controller = new AbortController();
  const killed = run(
    runDir,
    paidPlanner(calls),
    paidImages(made, (name) => name === 'keyframe-001' && controller.abort()),
    { signal: controller.signal },
  );
  await expect(killed.run).rejects.toMatchObject({ code: 'CANCELLED' });
  expect(made).toEqual(['input-000-first', 'keyframe-000']);
  expect(killed.backend.calls).toHaveLength(0);

  const resumed = await run(runDir, paidPlanner(calls), paidImages(made)).run;
  expect(calls).toHaveLength(1);
  expect(made).toEqual(['input-000-first', 'keyframe-000', 'keyframe-001', 'keyframe-002']);
  expect(resumed.manifest.ledger.filter((l) => l.backend === 'planner:llm')).toHaveLength(1);
  expect(usd(resumed.manifest, 'images:paidimg')).toBeCloseTo(4 * 0.02, 6);
  expect(resumed.totalCostUsd).toBeCloseTo(0.03 + 4 * 0.02 + usd(resumed.manifest, 'flf'), 6);
  expect(resumed.manifest.status).toBe('done');
});

it('a malformed answer: PLAN_INVALID naming what was wrong, no plan.json, no manifest pretending a plan', async () => {
  const runDir = await freshRunDir(assets);
  const calls: PlanRequest[] = [];
  const broken = paidPlanner(calls, (r) => ({ segments: sentencePlan(r).segments.map((s, i) => (i === 1 ? { ...s, prompt: '' } : s)) }));
  const { run: failed, backend } = run(runDir, broken, paidImages([]));
  const error = await failed.catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'PLAN_INVALID', field: 'segments[1].prompt' });
  expect((error as Error).message).toMatch(/the planner "llm" answered with an unusable storyboard: segment 1 has no prompt/);
  expect(existsSync(join(runDir, PLAN_FILE))).toBe(false);
  expect(backend.calls).toHaveLength(0);
});

it('a budget below the plan estimate: refused before the planner is asked', async () => {
  const runDir = await freshRunDir(assets);
  const calls: PlanRequest[] = [];
  await expect(run(runDir, paidPlanner(calls), paidImages([]), { maxUsd: 0.04 }).run).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  expect(calls).toHaveLength(0);
});

it('a billed malformed answer is booked once, by the next run, and counts against the budget', async () => {
  const runDir = await freshRunDir(assets);
  const calls: PlanRequest[] = [];
  const billedRefusal = paidPlanner(calls, () => {
    throw new TtvError('PLAN_INVALID', 'the model answered with no JSON', { field: 'segments', chargedUsd: 0.02 });
  });
  await expect(run(runDir, billedRefusal, paidImages([])).run).rejects.toMatchObject({ code: 'PLAN_INVALID' });
  expect(calls).toHaveLength(1);

  const r = await run(runDir, paidPlanner(calls), paidImages([])).run;
  const planning = r.manifest.ledger.filter((l) => l.backend === 'planner:llm');
  expect(planning.map((l) => [l.outcome, l.actualUsd])).toEqual([
    ['ok', 0.03],
    ['error', 0.02],
  ]);
  expect(r.totalCostUsd).toBeCloseTo(0.05 + usd(r.manifest, 'images:paidimg') + usd(r.manifest, 'flf'), 6);

  const again = await run(runDir, paidPlanner(calls), paidImages([])).run;
  expect(again.manifest.ledger.filter((l) => l.backend === 'planner:llm')).toHaveLength(2);
  expect(again.totalCostUsd).toBeCloseTo(r.totalCostUsd, 6);
  expect(calls).toHaveLength(2);
});
