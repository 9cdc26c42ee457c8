import type { BackendRegistry, ConfiguredBackend, InputMode, LoadedConfig, VideoBackend } from '@ttv/core';

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
  budget: { maxUsd?: number; warnUsd?: number; withinBudget: boolean; overWarn: boolean };
  /** Segments no backend of the chain can take (the run would fail on them). */
  unplaceable: number[];
}

/**
 * A dry run of the planner and the chain: per segment, the model, negotiated duration/size and cost each backend
 * of the chain would give, and why a backend would be skipped. Creates backends only to call `estimateCost`
 * (the spec forbids network I/O in `create`), so it makes zero network calls.
 */
export async function dryRun(config: LoadedConfig, registry: BackendRegistry, env: NodeJS.ProcessEnv = process.env): Promise<DryRun> {
  const core = await import('@ttv/core');
  const plan = core.planStoryboard(config.core);
  const chain = await expandChain(config, registry);
  const instances = new Map<string, Promise<VideoBackend>>();
  const instance = (b: ConfiguredBackend) => {
    let p = instances.get(b.name);
    if (!p) {
      p = Promise.resolve(b.plugin.create(b.config, { configDir: config.configDir, env, log: () => {} }));
      instances.set(b.name, p);
    }
    return p;
  };
  const { width, height } = config.core.output;
  const segments: DrySegment[] = [];
  for (const s of plan.segments) {
    const input: InputMode =
      config.core.mode === 'keyframe'
        ? s.keyframe && (s.index > 0 || plan.image)
          ? 'first-last-frame'
          : 'first-frame'
        : s.index > 0 || plan.image
          ? 'first-frame'
          : 'text';
    const needs = { input, prompt: s.prompt, durationSec: s.durationSec, width, height };
    const options: DryOption[] = [];
    for (const b of chain) {
      const deal = core.negotiate(b, needs);
      if (!deal.ok) {
        options.push({ backend: b.name, ok: false, reason: deal.reason, warnings: [] });
        continue;
      }
      const base = { backend: b.name, model: deal.model.id, durationSec: deal.durationSec, width: deal.width, height: deal.height, warnings: deal.warnings.map((w) => w.message) };
      try {
        const backend = await instance(b);
        const est = backend.estimateCost({ model: deal.model.id, prompt: s.prompt, durationSec: deal.durationSec, width: deal.width, height: deal.height, outputPath: '/dev/null/estimate.mp4', segmentIndex: s.index });
        options.push({ ...base, ok: true, usd: est.usd, ...(est.basis ? { basis: est.basis } : {}) });
      } catch (e) {
        const err = core.toTtvError(e);
        options.push({ ...base, ok: false, reason: `cannot be created: [${err.code}] ${err.message}${err.fix ? ` (fix: ${err.fix})` : ''}` });
      }
    }
    const chosen = options.find((o) => o.ok);
    segments.push({ index: s.index, prompt: s.prompt, durationSec: s.durationSec, input, ...(s.keyframe ? { keyframe: s.keyframe } : {}), ...(chosen ? { chosen } : {}), options });
  }
  const totalUsd = round(segments.reduce((a, s) => a + (s.chosen?.usd ?? 0), 0));
  const perBackend = chain.map((b) => {
    const mine = segments.map((s) => s.options.find((o) => o.backend === b.name));
    const ok = mine.filter((o) => o?.ok);
    return { backend: b.name, kind: b.info.kind, usd: round(ok.reduce((a, o) => a + (o?.usd ?? 0), 0)), segments: ok.length, skipped: mine.length - ok.length };
  });
  const { maxUsd, warnUsd } = config.core.budget;
  await Promise.all([...instances.values()].map(async (p) => (await p.catch(() => undefined))?.dispose?.().catch(() => {})));
  return {
    name: config.name,
    mode: config.core.mode,
    configFile: config.file,
    chain: chain.map((b) => b.name),
    totalDurationSec: plan.totalDurationSec,
    segments,
    totalUsd,
    perBackend,
    budget: {
      ...(maxUsd !== undefined ? { maxUsd } : {}),
      ...(warnUsd !== undefined ? { warnUsd } : {}),
      withinBudget: maxUsd === undefined || totalUsd <= maxUsd,
      overWarn: warnUsd !== undefined && totalUsd > warnUsd,
    },
    unplaceable: segments.filter((s) => !s.chosen).map((s) => s.index),
  };
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** The chain with `auto` expanded to every installed backend whose section validates (as the engine does). */
async function expandChain(config: LoadedConfig, registry: BackendRegistry): Promise<ConfiguredBackend[]> {
  const core = await import('@ttv/core');
  const out: ConfiguredBackend[] = [];
  for (const name of config.chain) {
    if (name !== 'auto') {
      const b = config.backends.find((c) => c.name === name || c.loaded.specifier === name || c.loaded.specifier.endsWith(`backend-${name}`));
      if (b && !out.includes(b)) out.push(b);
      continue;
    }
    for (const installed of registry.listInstalled()) {
      if (out.some((b) => b.name === installed.name) || config.chain.includes(installed.name)) continue;
      try {
        const loaded = await registry.load(installed.name);
        const section = core.parseSection(loaded.plugin, config.sections[loaded.plugin.name]);
        out.push({ name: loaded.plugin.name, plugin: loaded.plugin, config: section, info: loaded.plugin.describe(section), loaded });
      } catch {
        // not configured or broken: auto leaves it out
      }
    }
  }
  return out;
}
