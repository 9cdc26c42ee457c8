import type { BackendRegistry, InputMode, LoadedConfig } from '@ttv/core';

/** One backend of the chain, judged for one segment. */
export interface DryOption {
  backend: string;
  ok: boolean;
  model?: string;
  durationSec?: number;
  width?: number;
  height?: number;
  usd?: number;
  basis?: string;
  /** Why the backend would be skipped for this segment. */
  reason?: string;
  warnings: string[];
}

export interface DrySegment {
  index: number;
  prompt: string;
  durationSec: number;
  input: InputMode;
  keyframe?: string;
  /** The backend the run would use (the first capable one of the chain), or undefined when none can. */
  chosen?: DryOption;
  /** Every backend of the chain in order, with the reason it would be skipped. */
  options: DryOption[];
}

export interface DryRun {
  name: string;
  mode: 'chaining' | 'keyframe';
  configFile: string;
  chain: string[];
  totalDurationSec: number;
  segments: DrySegment[];
  /** Cost of the run with the backend each segment would use. */
  totalUsd: number;
  /** Cost of the whole run on each backend of the chain alone (segments it cannot take are counted in `skipped`). */
  perBackend: Array<{ backend: string; kind: string; usd: number; segments: number; skipped: number }>;
  budget: { maxUsd?: number; warnUsd?: number; withinBudget: boolean; overWarn: boolean; stopsBeforeSegment?: number; warnsAfterSegment?: number };
  /** Segments no backend of the chain can take (the run would fail on them). */
  unplaceable: number[];
  /** Segments whose backend publishes no price (counted as 0). */
  unpriced: number[];
  /** Where each backend's prices come from (its estimateCost, or its published rate when it cannot be created offline). */
  costSources: Array<{ name: string; kind: string; costSource: string; note?: string }>;
  assumptions: string[];
}

/**
 * A dry run of the planner and the chain through core's `estimateRun`: per segment, the model, negotiated
 * duration/size and cost each backend of the (ordered) chain would give, and why a backend would be skipped.
 * Backends are created only to call `estimateCost` (the spec forbids network I/O in `create`): zero network calls.
 */
export async function dryRun(config: LoadedConfig, registry: BackendRegistry, env: NodeJS.ProcessEnv = process.env): Promise<DryRun> {
  const core = await import('@ttv/core');
  const est = await core.estimateRun(config, registry, { env });
  const segments: DrySegment[] = est.segments.map((s) => {
    // The CLI's shape: `ok` + `reason` instead of core's optional `skipped`; the backend kind is per backend.
    const options: DryOption[] = s.chain.map(({ skipped, kind: _kind, ...rest }) => ({
      ...rest,
      ok: skipped === undefined,
      ...(skipped !== undefined ? { reason: skipped } : {}),
    }));
    const chosen = s.chosen ? options.find((o) => o.backend === s.chosen!.backend) : undefined;
    const planned = config.core.storyboard.segments?.[s.index];
    return {
      index: s.index,
      prompt: s.prompt,
      durationSec: s.requestedSec,
      input: s.input,
      ...(planned?.keyframe ? { keyframe: planned.keyframe } : {}),
      ...(chosen ? { chosen } : {}),
      options,
    };
  });
  const names = est.backends.map((b) => b.name);
  const perBackend = names.map((name) => {
    const mine = segments.map((s) => s.options.find((o) => o.backend === name));
    const ok = mine.filter((o) => o?.ok);
    return {
      backend: name,
      kind: est.backends.find((b) => b.name === name)?.kind ?? '?',
      usd: round(ok.reduce((a, o) => a + (o?.usd ?? 0), 0)),
      segments: ok.length,
      skipped: mine.length - ok.length,
    };
  });
  return {
    name: config.name,
    mode: est.mode,
    configFile: config.file,
    chain: names,
    totalDurationSec: segments.reduce((a, s) => a + s.durationSec, 0),
    segments,
    totalUsd: round(est.totalUsd),
    perBackend,
    budget: { ...est.budget, overWarn: est.budget.warnsAfterSegment !== undefined },
    unplaceable: est.impossibleSegments,
    unpriced: est.unpricedSegments,
    costSources: est.backends,
    assumptions: est.assumptions,
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Loads the project named by `--config` and dry-runs it: what `ttv plan` and `ttv estimate` show. */
export async function loadDryRun(configFlag: string | undefined, dataDir: string): Promise<DryRun> {
  const { loadProject } = await import('./context.js');
  const { config, registry } = await loadProject(configFlag, dataDir);
  return dryRun(config, registry);
}
