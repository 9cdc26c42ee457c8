// The planner suite on the embedded deterministic planner, and the same checks against deliberately broken planners:
// each must fail the check that guards it, every time.
import { definePlanner, type Planner, SPECIFICATION_VERSION, TtvError } from '@ttv/core/backend';
import { deterministicPlanner } from '@ttv/core/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describePlannerConformance, runPlannerCheck } from './planner.js';

describePlannerConformance({ name: 'deterministic (embedded)', plugin: deterministicPlanner });

/** A planner built on the deterministic one, with one fault. */
function broken(fault: (inner: Planner) => Partial<Planner>) {
  return definePlanner({
    specificationVersion: SPECIFICATION_VERSION,
    name: 'broken',
    displayName: 'Broken',
    kind: 'remote',
    configSchema: z.object({ apiKey: z.string().default('sk-broken-secret-88') }).strict(),
    async create(_config, ctx) {
      const inner = await deterministicPlanner.create({}, ctx);
      return { ...inner, ...fault(inner) } as Planner;
    },
  });
}

const dropKeyframes = (inner: Planner): Partial<Planner> => ({
  plan: (r, c) => inner.plan(r, c).then((p) => ({ ...p, segments: p.segments.map(({ keyframePrompt: _k, ...s }) => s) })),
});

describe('broken planners fail the check that guards them', () => {
  const cases: Array<[string, string, (inner: Planner) => Partial<Planner>]> = [
    ['no keyframe prompts in keyframe mode', 'keyframe-plan', dropKeyframes],
    [
      'every segment 10 s (the film twice too long)',
      'keyframe-plan',
      (inner) => ({ plan: (r, c) => inner.plan(r, c).then((p) => ({ ...p, segments: p.segments.map((s) => ({ ...s, durationSec: 10 })) })) }),
    ],
    ['ignores the asked segment count', 'segment-count', (inner) => ({ plan: (r, c) => inner.plan({ ...r, segmentCount: undefined }, c) })],
    [
      'names the cast but drops the descriptions',
      'cast-repeated',
      (inner) => ({ plan: (r, c) => inner.plan({ ...r, cast: r.cast.map((m) => ({ ...m, description: 'x' })) }, c) }),
    ],
    [
      'a plan estimated at 0 that costs $0.01',
      'estimate-covers-cost',
      (inner) => ({ plan: (r, c) => inner.plan(r, c).then((p) => ({ ...p, costUsd: 0.01 })) }),
    ],
    ['reword gives the refused prompt back', 'reword', () => ({ reword: async (r) => ({ prompt: r.prompt, costUsd: 0 }) })],
    ['ignores the abort signal', 'abort', (inner) => ({ plan: (r, c) => inner.plan(r, { ...c, signal: new AbortController().signal }) })],
    [
      'a plain Error for an empty script',
      'error-codes',
      (inner) => ({
        plan: async (r, c) => {
          if (!r.script.trim()) throw new Error('HTTP 400');
          return inner.plan(r, c);
        },
      }),
    ],
    [
      'the API key echoed in an error',
      'secrets',
      (inner) => ({
        plan: async (r, c) => {
          if (!r.script.trim()) throw new TtvError('INPUT_INVALID', 'empty script (key sk-broken-secret-88)');
          return inner.plan(r, c);
        },
      }),
    ],
  ];
  it.each(cases)('%s → fails [%s]', async (_what, id, fault) => {
    await expect(runPlannerCheck(id, { name: 'broken', plugin: broken(fault), secrets: ['sk-broken-secret-88'] })).rejects.toThrow(/planner conformance/);
    // …and the deterministic planner itself passes the same check.
    await runPlannerCheck(id, { name: 'deterministic', plugin: deterministicPlanner });
  });
});
