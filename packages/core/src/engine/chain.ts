import type { LimitFunction } from 'p-limit';
import type { ConfiguredBackend, LoadedConfig } from '../config/load.js';
import { parseSection } from '../config/load.js';
import type { BackendRegistry } from '../registry/registry.js';
import { type BackendInfo, describeBackend, type GenerateRequest, type VideoBackend } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import type { GpuPool } from './leases.js';
import { type Negotiation, negotiate, type SegmentNeeds } from './negotiate.js';

/** One backend of the fallback chain, as the engine and the estimator use it. */
export interface BackendSlot {
  configured: ConfiguredBackend;
  /** True when the slot came from expanding `auto` (ordered per segment by capability, cost, locality). */
  auto: boolean;
  instance?: Promise<VideoBackend>;
  limit?: LimitFunction;
  gpus?: GpuPool;
}

/**
 * Loads the chain's backends in the written order. `auto` expands, at its position, to every installed backend
 * whose config section validates (a remote backend without its API key fails validation and is left out) and
 * that the chain does not already name.
 */
export async function resolveChain(config: LoadedConfig, registry: Pick<BackendRegistry, 'listInstalled' | 'load'>): Promise<BackendSlot[]> {
  const slots: BackendSlot[] = [];
  const explicit = new Set(config.backends.map((b) => b.name));
  for (const name of config.chain) {
    if (name !== 'auto') {
      const configured = config.backends.find((b) => b.name === name || b.loaded.specifier === name || b.loaded.specifier.endsWith(`backend-${name}`));
      if (configured && !slots.some((s) => s.configured === configured)) slots.push({ configured, auto: false });
      continue;
    }
    for (const installed of registry.listInstalled()) {
      if (explicit.has(installed.name) || slots.some((s) => s.configured.name === installed.name)) continue;
      try {
        const loaded = await registry.load(installed.name);
        if (explicit.has(loaded.plugin.name) || slots.some((s) => s.configured.name === loaded.plugin.name)) continue;
        const sectionConfig = parseSection(loaded.plugin, config.sections[loaded.plugin.name]);
        const configured: ConfiguredBackend = {
          name: loaded.plugin.name,
          plugin: loaded.plugin,
          config: sectionConfig,
          info: describeBackend(loaded.plugin, sectionConfig),
          loaded,
        };
        slots.push({ configured, auto: true });
      } catch {
        // not configured (e.g. no API key) or broken: auto leaves it out
      }
    }
  }
  if (slots.length === 0) {
    throw new TtvError(
      'CONFIG_INVALID',
      `no usable backend: the chain ${JSON.stringify(config.chain)} is empty${config.chain.includes('auto') ? ' after expanding "auto" (no installed backend has a valid config section)' : ''}`,
      {
        field: 'backend',
        value: config.chain,
        fix: 'name a backend (e.g. backend: kenburns) or install and configure one',
      },
    );
  }
  return slots;
}

const KIND_RANK: Record<BackendInfo['kind'], number> = { embedded: 0, local: 1, remote: 2 };

/** A request as the backend would get it, for cost estimates (outputPath is a placeholder). */
export function requestFor(deal: Extract<Negotiation, { ok: true }>, needs: SegmentNeeds, extra: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: deal.model.id,
    prompt: needs.prompt,
    durationSec: deal.durationSec,
    width: deal.width,
    height: deal.height,
    outputPath: extra.outputPath ?? '/dev/null/estimate.mp4',
    ...extra,
  };
}

/**
 * Orders the chain for one segment. Explicitly named backends keep their written order; each run of slots that
 * came from `auto` is sorted by: capability (a backend that can take the segment before one that cannot), then
 * estimated cost (`costOf`, cheapest first; unknown last), then locality (embedded, local, remote). Stable.
 */
export async function orderForSegment(
  slots: BackendSlot[],
  needs: SegmentNeeds,
  costOf: (slot: BackendSlot, deal: Extract<Negotiation, { ok: true }>) => Promise<number | undefined>,
): Promise<BackendSlot[]> {
  if (!slots.some((s) => s.auto)) return slots;
  const out: BackendSlot[] = [];
  let group: BackendSlot[] = [];
  const flush = async () => {
    if (group.length === 0) return;
    const keyed = await Promise.all(
      group.map(async (slot, i) => {
        const deal = negotiate(slot.configured, needs);
        const usd = deal.ok ? await costOf(slot, deal).catch(() => undefined) : undefined;
        return { slot, i, capable: deal.ok ? 0 : 1, usd: usd ?? Number.POSITIVE_INFINITY, kind: KIND_RANK[slot.configured.info.kind] ?? 3 };
      }),
    );
    keyed.sort((a, b) => a.capable - b.capable || a.usd - b.usd || a.kind - b.kind || a.i - b.i);
    out.push(...keyed.map((k) => k.slot));
    group = [];
  };
  for (const slot of slots) {
    if (slot.auto) group.push(slot);
    else {
      await flush();
      out.push(slot);
    }
  }
  await flush();
  return out;
}
