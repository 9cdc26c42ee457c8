// Test harness for the engine: builds a LoadedConfig around in-memory backend instances (no registry, no files).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { z } from 'zod';
import type { ConfiguredBackend, LoadedConfig } from '../config/load.js';
import { coreConfigSchema } from '../config/schema.js';
import { makeTestClip, makeTestImage } from '../media/testing.js';
import { type BackendInfo, type BackendPlugin, describeBackend, type VideoBackend } from '../spec/backend.js';
import type { PipelineEvent } from './events.js';

/**
 * A plugin around a test double. Capabilities come from `describe`: the testkit's doubles carry what their
 * plugin's `describe` declares as `info` (typed loosely: the testkit's types come from @ttv/core's built declarations).
 */
export function pluginFor(backend: object, extra: Partial<BackendPlugin> = {}): BackendPlugin {
  const info = (backend as { info?: BackendInfo }).info;
  if (!info) throw new Error('pluginFor needs a test double that carries its describe() result as `info` (the testkit doubles do)');
  return {
    specificationVersion: 2,
    name: info.name,
    displayName: info.displayName,
    kind: info.kind,
    configSchema: z.object({}).passthrough(),
    describe: () => info,
    create: () => backend as VideoBackend,
    ...extra,
  };
}

export function configured(backend: object): ConfiguredBackend {
  const plugin = pluginFor(backend);
  const { name } = plugin;
  return { name, plugin, config: {}, info: describeBackend(plugin, {}), loaded: { plugin, specifier: name, url: `memory:${name}` } };
}

export interface Assets {
  dir: string;
  clip: string;
  image: string;
  keyframes: string[];
}

/** A 1 s 320x180 clip at 8 fps, a first image and 8 keyframes, in a fresh temp folder. */
export async function makeAssets(): Promise<Assets> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-engine-'));
  const clip = join(dir, 'clip.mp4');
  await makeTestClip(clip, { width: 320, height: 180, fps: 8, frames: 8 });
  const image = join(dir, 'first.png');
  await makeTestImage(image, { width: 320, height: 180 });
  const keyframes: string[] = [];
  for (let i = 0; i < 8; i++) {
    const k = join(dir, `key-${i}.png`);
    await makeTestImage(k, { width: 320, height: 180, pattern: i % 2 ? 'mandelbrot' : 'gradient' });
    keyframes.push(k);
  }
  return { dir, clip, image, keyframes };
}

let runCounter = 0;
/**
 * The shared assets of a test file: made before its first test, removed after its last. The object is filled in by
 * `beforeAll`, so read its fields inside tests and hooks.
 */
export function useAssets(): Assets {
  const assets = {} as Assets;
  beforeAll(async () => {
    Object.assign(assets, await makeAssets());
  });
  afterAll(async () => {
    if (assets.dir) await rm(assets.dir, { recursive: true, force: true });
  });
  return assets;
}

export async function freshRunDir(assets: Assets): Promise<string> {
  const d = join(assets.dir, `run-${++runCounter}`);
  await mkdir(d, { recursive: true });
  return d;
}

export interface ConfigOptions {
  /** Core config keys (storyboard etc.); output defaults to 320x180 at 8 fps. */
  core?: Record<string, unknown>;
  /** Backend instances (typed loosely: the testkit's types come from @ttv/core's built declarations). */
  backends: readonly object[];
  chain?: string[];
  assets: Assets;
}

export function makeConfig(options: ConfigOptions): LoadedConfig {
  const raw = { output: { width: 320, height: 180, fps: 8 }, ...options.core } as Record<string, unknown>;
  const core = coreConfigSchema.parse(raw);
  const backends = options.backends.map((b) => configured(b));
  return {
    file: join(options.assets.dir, 'ttv.yaml'),
    configDir: options.assets.dir,
    core,
    name: 'test',
    chain: options.chain ?? backends.map((b) => b.name),
    backends,
    sections: {},
    redacted: raw,
  };
}

/** `n` chaining segments of `duration` s with prompts `p0`, `p1`, …. */
export function chainingStoryboard(n: number, duration = 1, assets?: Assets): Record<string, unknown> {
  return {
    mode: 'chaining',
    storyboard: { ...(assets ? { image: assets.image } : {}), segments: Array.from({ length: n }, (_, i) => ({ prompt: `p${i}`, duration })) },
  };
}

export function keyframeStoryboard(n: number, assets: Assets, duration = 1): Record<string, unknown> {
  return {
    mode: 'keyframe',
    storyboard: {
      image: assets.image,
      segments: Array.from({ length: n }, (_, i) => ({ prompt: `k${i}`, duration, keyframe: assets.keyframes[i % assets.keyframes.length] })),
    },
  };
}

export const noRegistry = {
  listInstalled: () => [],
  load: () => Promise.reject(new Error('no registry in this test')),
};

/** Collects events; `of(type)` filters them with the right type. */
export function eventLog() {
  const events: PipelineEvent[] = [];
  return {
    events,
    onEvent: (e: PipelineEvent) => events.push(e),
    of<T extends PipelineEvent['type']>(type: T): Extract<PipelineEvent, { type: T }>[] {
      return events.filter((e): e is Extract<PipelineEvent, { type: T }> => e.type === type);
    },
    /** Every warning's message, one a line. */
    warningText(): string {
      return events
        .filter((e) => e.type === 'warning')
        .map((e) => (e as Extract<PipelineEvent, { type: 'warning' }>).message)
        .join('\n');
    },
  };
}

/** A sleep that records the delays asked for and returns at once. */
export function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}
