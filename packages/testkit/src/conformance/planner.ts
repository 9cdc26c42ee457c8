// The conformance suite of the planner plugin kind (`planner: <name>`, issue #12): what the engine relies on when
// it plans a script into a storyboard and rewords a refused prompt. Same pattern as the image generators' suite:
// checks as data, one test each, each runnable on its own (`runPlannerCheck`) so that a deliberately broken planner
// can be shown to fail it. Every plan is put through core's own check (`checkPlanResult`): a conformant planner
// needs no repair there.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlanResult, type Planner, type PlannerPlugin, type PlanRequest, SPECIFICATION_VERSION, TtvError } from '@ttv/core/backend';
import { describeKindSuite, type KindCheck, runKindCheck } from './kind-suite.js';
import type { TestApi } from './types.js';

export interface PlannerConformanceOptions {
  /** Name shown in the suite title. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: any plugin, whatever its config type
  plugin: PlannerPlugin<any>;
  /** The plugin's config section (e.g. an emulator's base URL and a test key). */
  config?: () => unknown;
  /** Values that must never appear in results, warnings or errors (API keys). */
  secrets?: string[];
  api?: TestApi;
  timeoutMs?: number;
}

interface PlannerContext {
  options: PlannerConformanceOptions;
  planner: Planner;
  dir: string;
  signal: AbortSignal;
}

export type PlannerCheck = KindCheck<PlannerContext>;

function fail(message: string): never {
  throw new Error(`planner conformance: ${message}`);
}

const callContext = (dir: string, signal: AbortSignal) => ({ signal, log: () => {}, workDir: dir });

/** The script the checks plan: six sentences, a named character who appears in some of them. */
export const CONFORMANCE_SCRIPT =
  'Mara climbs the spiral stairs of the lighthouse before dawn. At the top she lights the great lamp. ' +
  'The beam sweeps across the dark sea. Far out, a small fishing boat turns toward the light. ' +
  'The boat reaches the harbour as the sun rises. Mara waves from the gallery.';

const MARA = 'a tall lighthouse keeper with grey braids and a red wool coat';

/** A plan request for the checks (keyframe mode, 15 s in 5 s segments, Mara in the cast). */
export function conformanceRequest(overrides: Partial<PlanRequest> = {}): PlanRequest {
  return {
    script: CONFORMANCE_SCRIPT,
    mode: 'keyframe',
    totalDurationSec: 15,
    segmentDurationSec: 5,
    minSegmentSec: 2.5,
    maxSegmentSec: 10,
    maxSegments: 2000,
    cast: [{ name: 'Mara', kind: 'character', description: MARA }],
    ...overrides,
  };
}

/** Plans `request` and puts the answer through core's check; a repair core had to make fails the check. */
async function planChecked(ctx: PlannerContext, request: PlanRequest) {
  const answer = await ctx.planner.plan(request, callContext(ctx.dir, ctx.signal));
  let checked: ReturnType<typeof checkPlanResult>;
  try {
    checked = checkPlanResult(ctx.options.plugin.name, request, answer);
  } catch (e) {
    fail(`core refused the plan: ${(e as Error).message}`);
  }
  if (checked.warnings.length > 0) fail(`the plan needed repairs: ${checked.warnings.join('; ')}`);
  return { answer, checked };
}

async function rejection(promise: Promise<unknown>, what: string): Promise<unknown> {
  return promise.then(
    () => fail(`${what} resolved`),
    (e: unknown) => e,
  );
}

/** The checks, in the order they run. */
export const PLANNER_CHECKS: PlannerCheck[] = [
  {
    id: 'plugin-shape',
    title: 'the plugin states its spec version, name, display name and kind, and its schema takes the config',
    async run({ options }) {
      const p = options.plugin;
      if (p.specificationVersion !== SPECIFICATION_VERSION) fail(`specificationVersion ${p.specificationVersion}, expected ${SPECIFICATION_VERSION}`);
      if (!/^[a-z][a-z0-9-]*$/.test(p.name)) fail(`name "${p.name}" must be a lower-case config name`);
      if (!p.displayName) fail('displayName is empty');
      if (!['embedded', 'local', 'remote'].includes(p.kind)) fail(`kind "${p.kind}" is not embedded, local or remote`);
      p.configSchema.parse(options.config?.() ?? {});
    },
  },
  {
    id: 'keyframe-plan',
    title: 'a 15 s keyframe-mode plan: every segment has a prompt and a keyframe prompt, durations in range and adding up to 15 s',
    async run(ctx) {
      const { checked } = await planChecked(ctx, conformanceRequest());
      for (const [i, s] of checked.segments.entries()) if (!s.keyframePrompt) fail(`segment ${i} has no keyframe prompt`);
      const total = checked.segments.reduce((a, s) => a + s.durationSec, 0);
      if (Math.abs(total - 15) > 0.3) fail(`the segments last ${total} s, not 15 s`);
    },
  },
  {
    id: 'segment-count',
    title: 'asked for exactly 4 segments (one per keyframe image), it gives 4',
    async run(ctx) {
      const { checked } = await planChecked(ctx, conformanceRequest({ segmentCount: 4 }));
      if (checked.segments.length !== 4) fail(`${checked.segments.length} segments`);
    },
  },
  {
    id: 'cast-repeated',
    title: "every segment that shows a cast member names it in `cast` and repeats the member's full description",
    async run(ctx) {
      const { checked } = await planChecked(ctx, conformanceRequest());
      const withMara = checked.segments.filter((s) => /\bmara\b/i.test(s.prompt));
      if (withMara.length === 0) fail('no segment shows Mara, who is in the script');
      for (const s of withMara) {
        if (!s.cast.includes('Mara')) fail(`a segment shows Mara but its cast is ${JSON.stringify(s.cast)}: "${s.prompt}"`);
        if (!s.prompt.toLowerCase().includes(MARA)) fail(`a segment shows Mara without her description: "${s.prompt}"`);
      }
    },
  },
  {
    id: 'estimate-covers-cost',
    title: 'estimatePlanCost and estimateCost (reword) are offline, ≥ 0, the same twice, and never below what the call cost',
    async run(ctx) {
      const request = conformanceRequest();
      const a = ctx.planner.estimatePlanCost(request).usd;
      if (!(Number.isFinite(a) && a >= 0) || a !== ctx.planner.estimatePlanCost(request).usd) fail(`estimatePlanCost gave ${a}, then another figure`);
      const { answer } = await planChecked(ctx, request);
      if (!(answer.costUsd >= 0)) fail(`costUsd ${answer.costUsd}`);
      if (answer.costUsd > a + 1e-9) fail(`the plan cost $${answer.costUsd} but was estimated at $${a}: budgets would be crossed`);
      const reword = { prompt: 'A knight is wounded in a bloody duel.', refusal: 'the prompt was flagged: "bloody"', attempt: 1 };
      const r = ctx.planner.estimateCost(reword).usd;
      const result = await ctx.planner.reword(reword, callContext(ctx.dir, ctx.signal));
      if (result.costUsd > r + 1e-9) fail(`the rewording cost $${result.costUsd} but was estimated at $${r}`);
    },
  },
  {
    id: 'reword',
    title: 'reword gives a non-empty prompt other than the refused one',
    async run(ctx) {
      const prompt = 'A knight is wounded in a bloody duel at the castle gate.';
      const result = await ctx.planner.reword({ prompt, refusal: 'the prompt was flagged: "bloody"', attempt: 1 }, callContext(ctx.dir, ctx.signal));
      if (typeof result.prompt !== 'string' || result.prompt.trim() === '') fail('reword gave an empty prompt');
      if (result.prompt.trim() === prompt) fail('reword gave back the refused prompt unchanged');
    },
  },
  {
    id: 'abort',
    title: 'an aborted plan or reword rejects with CANCELLED',
    async run(ctx) {
      const controller = new AbortController();
      controller.abort(new Error('test'));
      const c = callContext(ctx.dir, controller.signal);
      for (const [what, call] of [
        ['plan', () => ctx.planner.plan(conformanceRequest(), c)],
        ['reword', () => ctx.planner.reword({ prompt: 'A duel.', refusal: 'flagged', attempt: 1 }, c)],
      ] as const) {
        const error = await rejection(call(), `an aborted ${what}`);
        if (!TtvError.is(error) || error.code !== 'CANCELLED') fail(`an aborted ${what} rejected with ${String(error)}, not a TtvError CANCELLED`);
      }
    },
  },
  {
    id: 'error-codes',
    title: 'a script it cannot plan (no words) is a TtvError with a stable code, not a plain Error',
    async run(ctx) {
      const error = await rejection(ctx.planner.plan(conformanceRequest({ script: '   ' }), callContext(ctx.dir, ctx.signal)), 'planning an empty script');
      if (!TtvError.is(error)) fail(`an empty script rejected with a plain ${String(error)}`);
    },
  },
  {
    id: 'secrets',
    title: 'no secret of the config appears in a plan, a rewording or an error',
    async run(ctx) {
      const secrets = ctx.options.secrets ?? [];
      if (secrets.length === 0) return;
      const plan = await ctx.planner.plan(conformanceRequest(), callContext(ctx.dir, ctx.signal));
      const reword = await ctx.planner.reword({ prompt: 'A duel.', refusal: 'flagged', attempt: 1 }, callContext(ctx.dir, ctx.signal));
      const bad = await ctx.planner.plan(conformanceRequest({ script: '   ' }), callContext(ctx.dir, ctx.signal)).catch((e: unknown) => e);
      const text = JSON.stringify([plan, reword, bad]) + String((bad as Error)?.message);
      for (const s of secrets) if (text.includes(s)) fail('a secret of the config appears in what the planner returned or threw');
    },
  },
];

async function openContext(options: PlannerConformanceOptions): Promise<PlannerContext & { dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-planner-conformance-'));
  const config = options.plugin.configSchema.parse(options.config?.() ?? {});
  const planner = await options.plugin.create(config, { configDir: dir, env: process.env });
  return {
    options,
    planner,
    dir,
    signal: new AbortController().signal,
    async dispose() {
      await planner.dispose?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one check against a planner (rejects with what failed): for tests that show a broken planner fails it. */
export async function runPlannerCheck(id: string, options: PlannerConformanceOptions): Promise<void> {
  await runKindCheck('planner', PLANNER_CHECKS, id, openContext, options);
}

/**
 * Registers the planner conformance suite: one `describe` with one test per check. Call it at the top level of a
 * test file: `describePlannerConformance({ name: 'myplanner', plugin, config: () => ({ … }) })`.
 */
export function describePlannerConformance(options: PlannerConformanceOptions): void {
  describeKindSuite('planner', 'describePlannerConformance', PLANNER_CHECKS, runPlannerCheck, options);
}
