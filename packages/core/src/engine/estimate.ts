import type { LoadedConfig } from '../config/load.js';
import type { Mode } from '../config/schema.js';
import { chainTakesText } from '../plan/inputs.js';
import { type FirstFrameSource, type Plan, type PlannedSegment, planStoryboard } from '../plan/planner.js';
import { BUILT_IN_IMAGES } from '../registry/kinds.js';
import type { BackendRegistry } from '../registry/registry.js';
import type { BackendInfo, InputMode, VideoBackend } from '../spec/backend.js';
import { toTtvError } from '../spec/errors.js';
import { Budget, type BudgetLimits } from './budget.js';
import { type BackendSlot, orderForSegment, requestFor, resolveChain } from './chain.js';
import { extraNeeds, type Negotiation, negotiate } from './negotiate.js';
import { needsPlanner, plannedCore, planningKey, planRequestOf, savedPlanning } from './plan-step.js';

/** Where a backend's prices come from in an estimate. */
export type CostSource = 'estimateCost' | 'describe' | 'unknown';

export interface BackendEstimate {
  backend: string;
  kind: BackendInfo['kind'];
  /** Set when the backend can take the segment. */
  model?: string;
  durationSec?: number;
  width?: number;
  height?: number;
  /** Estimated USD for one call (undefined when the backend publishes no price). */
  usd?: number;
  basis?: string;
  /** Why the engine would skip this backend for this segment. */
  skipped?: string;
  /** Negotiation warnings (nearest supported duration/size). */
  warnings: string[];
}

export interface SegmentEstimate {
  index: number;
  prompt: string;
  requestedSec: number;
  input: InputMode;
  /** Where the segment's first frame comes from (the planned segment's `firstFrame`). */
  firstFrame: FirstFrameSource;
  /** Keyframe mode: absolute path of the image the segment ends on (from `segments[i].keyframe` or `keyframes[i]`). */
  keyframe?: string;
  /** Every backend of the chain, in the order the engine would try them for this segment. */
  chain: BackendEstimate[];
  /** The first backend that can take it: what the engine would call first. */
  chosen?: { backend: string; model: string; usd?: number };
}

export interface RunEstimate {
  mode: Mode;
  segments: SegmentEstimate[];
  /** Keyframe mode: the stills the image generator would make (first frame and keyframes not given as files). */
  images: { generator: string; count: number; usd: number };
  /**
   * A script planned by a paid planner (`planner:`): its saved plan when the run folder has one for this config
   * (`saved`: the segments are the planned ones, nothing more to pay), else the planner's estimate (the segments are
   * then the sentence split of the script to the same length: the planner's own may differ in number and wording).
   */
  planning?: { planner: string; usd: number; saved: boolean };
  /** Sum of the chosen backends' estimates, the planning and the stills (unknown prices count as 0; see `unpricedSegments`). */
  totalUsd: number;
  /** Segments no backend can take (the run would fail there). */
  impossibleSegments: number[];
  /** Segments whose chosen backend publishes no price. */
  unpricedSegments: number[];
  budget: {
    maxUsd?: number;
    warnUsd?: number;
    /** Whether the whole run fits `maxUsd` (true without a limit). */
    withinBudget: boolean;
    /** The stills alone would cross `maxUsd`: the run would stop while making them, before any segment. */
    stopsDuringImages?: boolean;
    /** First segment whose call would cross `maxUsd`: the run would stop with BUDGET_EXCEEDED before it. */
    stopsBeforeSegment?: number;
    /** First segment after which the running total passes `warnUsd`. */
    warnsAfterSegment?: number;
  };
  backends: Array<{ name: string; kind: BackendInfo['kind']; costSource: CostSource; note?: string }>;
  /** What the estimate assumes. */
  assumptions: string[];
}

export interface EstimateRunOptions {
  env?: NodeJS.ProcessEnv;
  /** The run folder, where a paid planner's saved plan (`plan.json`) is looked for. */
  runDir?: string;
}

/**
 * A dry estimate of a whole run without generating anything: per segment and per backend of the (ordered)
 * chain, the negotiated model, duration and size, the estimated cost or the skip reason; the backend the engine
 * would call first; the total against the budget.
 *
 * Zero network calls. Prices come from the backend's own `estimateCost` (the estimator the engine's budget check
 * uses): the backend is created for that, which the spec requires to be offline (`BackendPlugin.create` must
 * not do network I/O). When `create` fails (typically a missing API key), the estimate falls back to the
 * model's published `usdPerSecond` from `describe` × the negotiated duration, and says so (`costSource`).
 * Assumes every segment succeeds on its first call (retries of charged failures would cost more) and ignores
 * segments a previous run already finished.
 */
export async function estimateRun(
  config: LoadedConfig,
  registry: Pick<BackendRegistry, 'listInstalled' | 'load'>,
  options: EstimateRunOptions = {},
): Promise<RunEstimate> {
  const planning = await estimatePlanning(config, options);
  const core = planning.core;
  const plan = planStoryboard(core, { textToVideo: chainTakesText(config) });
  const slots = await resolveChain(config, registry);
  const pricer = new Pricer(config, options.env ?? process.env);
  try {
    const segments: SegmentEstimate[] = [];
    for (const planned of plan.segments) segments.push(await estimateSegment(core, planned, slots, pricer));
    const images = await estimateImages(config, plan, options.env ?? process.env);
    const outlook = budgetOutlook(segments, core.budget, images.usd + (planning.estimate?.usd ?? 0));
    return {
      mode: plan.mode,
      segments,
      images,
      ...(planning.estimate ? { planning: planning.estimate } : {}),
      totalUsd: outlook.totalUsd,
      impossibleSegments: segments.filter((s) => !s.chosen).map((s) => s.index),
      unpricedSegments: segments.filter((s) => s.chosen && s.chosen.usd === undefined).map((s) => s.index),
      budget: outlook.budget,
      backends: slots.map((slot) => pricer.summary(slot)),
      assumptions: [
        'every segment succeeds on its first call with the first backend that can take it (retries and charged failures cost more)',
        'segments a previous run already finished are counted again (a re-run reuses them for free)',
      ],
    };
  } finally {
    await pricer.dispose();
  }
}

/** The planning of a script by a paid planner: the saved plan of the run folder, else the planner's estimate. */
async function estimatePlanning(
  config: LoadedConfig,
  options: EstimateRunOptions,
): Promise<{ core: LoadedConfig['core']; estimate?: RunEstimate['planning'] }> {
  if (!needsPlanner(config)) return { core: config.core };
  const request = planRequestOf(config.core);
  const planner = config.planner!.plugin.name;
  const saved = options.runDir ? savedPlanning(options.runDir, planningKey(config, request)) : undefined;
  if (saved) return { core: plannedCore(config.core, saved), estimate: { planner, usd: 0, saved: true } };
  const instance = await config.planner!.plugin.create(config.planner!.config, { configDir: config.configDir, env: options.env ?? process.env });
  try {
    return { core: config.core, estimate: { planner, usd: instance.estimatePlanCost(request).usd, saved: false } };
  } finally {
    await instance.dispose?.();
  }
}

/** The stills keyframe mode would generate, priced offline with the image generator's own `estimateCost`. */
async function estimateImages(config: LoadedConfig, plan: Plan, env: NodeJS.ProcessEnv): Promise<RunEstimate['images']> {
  const { plugin, config: section } = config.images ?? { plugin: BUILT_IN_IMAGES.card!, config: {} };
  const prompts = [
    ...(plan.imagePrompt ? [plan.imagePrompt] : []),
    ...(plan.mode === 'keyframe' ? plan.segments.flatMap((s) => (s.keyframe ? [] : [s.keyframePrompt ?? s.prompt])) : []),
  ];
  if (prompts.length === 0) return { generator: plugin.name, count: 0, usd: 0 };
  const generator = await plugin.create(section, { configDir: config.configDir, env });
  try {
    const { width, height } = config.core.output;
    const usd = prompts.reduce((sum, prompt) => sum + generator.estimateCost({ prompt, width, height, outputPath: '/dev/null/estimate.png' }).usd, 0);
    return { generator: plugin.name, count: prompts.length, usd: Number(usd.toFixed(6)) };
  } finally {
    await generator.dispose?.();
  }
}

type Deal = Extract<Negotiation, { ok: true }>;

/** Prices calls offline: with the backend's own `estimateCost` when it can be created, else its published rate. */
class Pricer {
  private readonly instances = new Map<BackendSlot, VideoBackend | undefined>();
  private readonly notes = new Map<BackendSlot, string>();

  constructor(
    private readonly config: LoadedConfig,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private async instanceOf(slot: BackendSlot): Promise<VideoBackend | undefined> {
    if (!this.instances.has(slot)) {
      try {
        this.instances.set(slot, await slot.configured.plugin.create(slot.configured.config, { configDir: this.config.configDir, env: this.env }));
      } catch (e) {
        this.instances.set(slot, undefined);
        this.notes.set(slot, `could not be created offline (${toTtvError(e).message}); priced from its published usdPerSecond`);
      }
    }
    return this.instances.get(slot);
  }

  async price(slot: BackendSlot, deal: Deal, prompt: string, input: InputMode): Promise<{ usd?: number; basis?: string }> {
    const backend = await this.instanceOf(slot);
    if (backend) {
      const e = backend.estimateCost(requestFor(deal, { input, prompt, durationSec: deal.durationSec, width: deal.width, height: deal.height }));
      return { usd: e.usd, ...(e.basis ? { basis: e.basis } : {}) };
    }
    if (deal.model.usdPerSecond !== undefined) {
      return {
        usd: Number((deal.model.usdPerSecond * deal.durationSec).toFixed(6)),
        basis: `${deal.model.usdPerSecond} USD/s × ${deal.durationSec} s (published rate)`,
      };
    }
    return {};
  }

  /** Where this backend's prices came from. */
  summary(slot: BackendSlot): RunEstimate['backends'][number] {
    let costSource: CostSource = 'unknown';
    if (this.instances.get(slot)) costSource = 'estimateCost';
    else if (this.instances.has(slot) && slot.configured.info.models.some((m) => m.usdPerSecond !== undefined)) costSource = 'describe';
    const note = this.notes.get(slot) ?? (this.instances.has(slot) ? undefined : 'not priced: no segment can use it');
    return { name: slot.configured.name, kind: slot.configured.info.kind, costSource, ...(note ? { note } : {}) };
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.instances.values()].map((b) => b?.dispose?.().catch(() => {})));
  }
}

/** One segment: every backend of its (ordered) chain with its deal and price or skip reason, and the one chosen. */
async function estimateSegment(core: LoadedConfig['core'], planned: PlannedSegment, slots: BackendSlot[], pricer: Pricer): Promise<SegmentEstimate> {
  const input: InputMode = planned.input;
  const needs = {
    input,
    prompt: planned.prompt,
    durationSec: planned.durationSec,
    width: core.output.width,
    height: core.output.height,
    ...extraNeeds(core, planned),
  };
  const ordered = await orderForSegment(slots, needs, async (slot, deal) => (await pricer.price(slot, deal, planned.prompt, input)).usd);
  const chain: BackendEstimate[] = [];
  for (const slot of ordered) {
    const deal = negotiate(slot.configured, needs);
    const base = { backend: slot.configured.name, kind: slot.configured.info.kind };
    if (!deal.ok) {
      chain.push({ ...base, skipped: deal.reason, warnings: [] });
      continue;
    }
    chain.push({
      ...base,
      model: deal.model.id,
      durationSec: deal.durationSec,
      width: deal.width,
      height: deal.height,
      ...(await pricer.price(slot, deal, planned.prompt, input)),
      warnings: deal.warnings.map((w) => w.message),
    });
  }
  const first = chain.find((c) => !c.skipped);
  return {
    index: planned.index,
    prompt: planned.prompt,
    requestedSec: planned.durationSec,
    input,
    firstFrame: planned.firstFrame,
    ...(planned.keyframe ? { keyframe: planned.keyframe } : {}),
    chain,
    ...(first ? { chosen: { backend: first.backend, model: first.model!, ...(first.usd !== undefined ? { usd: first.usd } : {}) } } : {}),
  };
}

/**
 * The chosen calls against the budget, with the engine's own `Budget`: the first segment whose call it would
 * refuse (BUDGET_EXCEEDED before that segment) and the first after which it would give the warnUsd warning.
 */
export function budgetOutlook(
  segments: Pick<SegmentEstimate, 'index' | 'chosen'>[],
  limits: BudgetLimits,
  imagesUsd = 0,
): { totalUsd: number; budget: RunEstimate['budget'] } {
  const budget = new Budget(limits);
  // The stills are made first (keyframe step), then the segments.
  const stopsDuringImages = budget.wouldCross(imagesUsd);
  if (imagesUsd > 0) budget.book(imagesUsd);
  let stopsBeforeSegment: number | undefined = stopsDuringImages ? segments[0]?.index : undefined;
  let warnsAfterSegment: number | undefined;
  for (const s of segments) {
    const usd = s.chosen?.usd ?? 0;
    if (stopsBeforeSegment === undefined && budget.wouldCross(usd)) stopsBeforeSegment = s.index;
    // A free call changes nothing, and the estimate reports the warning after a segment that cost something.
    if (usd > 0 && budget.book(usd).warning && warnsAfterSegment === undefined) warnsAfterSegment = s.index;
  }
  return {
    totalUsd: budget.spentUsd,
    budget: {
      ...(limits.maxUsd !== undefined ? { maxUsd: limits.maxUsd } : {}),
      ...(limits.warnUsd !== undefined ? { warnUsd: limits.warnUsd } : {}),
      withinBudget: stopsBeforeSegment === undefined && !stopsDuringImages,
      ...(stopsDuringImages ? { stopsDuringImages } : {}),
      ...(stopsBeforeSegment !== undefined ? { stopsBeforeSegment } : {}),
      ...(warnsAfterSegment !== undefined ? { warnsAfterSegment } : {}),
    },
  };
}
