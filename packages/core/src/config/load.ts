import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { loadKindPlugin, type PluginKind, type PluginKinds } from '../registry/kinds.js';
import type { BackendRegistry, LoadedBackend } from '../registry/registry.js';
import { type BackendInfo, type BackendPlugin, describeBackend } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import type { ImagesPlugin } from '../spec/images.js';
import type { PlannerPlugin } from '../spec/planner.js';
import { redactDeep, registerSecret, registerUrlCredentials } from '../util/secrets.js';
import { suggest } from '../util/suggest.js';
import { interpolateEnv } from './interpolate.js';
import { CORE_CONFIG_KEYS, type CoreConfig, coreConfigSchema, coreConfigShape } from './schema.js';
import { zodToConfigError } from './zod-errors.js';

/** Most alias expansions a config may use (yaml's `maxAliasCount`). */
const MAX_ALIAS_COUNT = 100;

export interface ConfiguredBackend {
  name: string;
  plugin: BackendPlugin;
  /** The backend's parsed config section. */
  config: unknown;
  info: BackendInfo;
  loaded: LoadedBackend;
}

export interface LoadedConfig {
  /** Absolute path of the config file. */
  file: string;
  configDir: string;
  /** Core settings, with every path made absolute. */
  core: CoreConfig;
  /** Run name: `name`, else the config file's base name. */
  name: string;
  /** The fallback chain as written (`auto` not yet expanded). */
  chain: string[];
  /** Backends in the chain, loaded and with validated sections (empty for `auto` until expanded). */
  backends: ConfiguredBackend[];
  /** Raw (interpolated) sections of backends, by name. */
  sections: Record<string, unknown>;
  /** The config with secrets masked: safe to write into the run folder. */
  redacted: Record<string, unknown>;
  /** The image generator (`images:`) with its parsed section; absent when the config was built without one. */
  images?: { plugin: ImagesPlugin; config: unknown };
  /** The planner (`planner:`) with its parsed section; absent when the config was built without one. */
  planner?: { plugin: PlannerPlugin; config: unknown };
}

export interface LoadConfigOptions {
  registry: BackendRegistry;
  env?: NodeJS.ProcessEnv;
}

function absolutize(core: CoreConfig, dir: string): CoreConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(dir, p));
  const sb = core.storyboard;
  return {
    ...core,
    output: { ...core.output, ...(core.output.dir ? { dir: abs(core.output.dir) } : {}) },
    cast: core.cast.map((m) => (m.image ? { ...m, image: abs(m.image) } : m)),
    storyboard: {
      ...sb,
      ...(sb.image ? { image: abs(sb.image) } : {}),
      ...(sb.keyframes ? { keyframes: sb.keyframes.map(abs) } : {}),
      ...(sb.segments
        ? {
            segments: sb.segments.map((s) => ({
              ...s,
              ...(s.keyframe ? { keyframe: abs(s.keyframe) } : {}),
              ...(s.keyframesAt ? { keyframesAt: s.keyframesAt.map((k) => ({ ...k, image: abs(k.image) })) } : {}),
            })),
          }
        : {}),
    },
    audio: { ...core.audio, ...(core.audio.reference ? { reference: abs(core.audio.reference) } : {}) },
    ffmpeg: {
      ...(core.ffmpeg.ffmpegPath ? { ffmpegPath: abs(core.ffmpeg.ffmpegPath) } : {}),
      ...(core.ffmpeg.ffprobePath ? { ffprobePath: abs(core.ffmpeg.ffprobePath) } : {}),
    },
  };
}

/** Keys allowed at a path of a schema (an object shape, or a schema wrapping one), for "did you mean" suggestions. */
function keysAt(root: Record<string, unknown> | undefined, path: ReadonlyArray<PropertyKey>): string[] {
  let shape = root;
  for (const p of path) {
    if (typeof p === 'number') continue;
    shape = shapeOf(shape?.[String(p)]);
  }
  return shape ? Object.keys(shape) : [];
}

const nestedKeys = (path: ReadonlyArray<PropertyKey>): string[] => keysAt(coreConfigShape as unknown as Record<string, unknown>, path);

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as { shape?: Record<string, unknown>; unwrap?: () => unknown; def?: { innerType?: unknown; element?: unknown; in?: unknown } } | undefined;
  for (let i = 0; i < 8 && s; i++) {
    if (s.shape) return s.shape;
    const inner = s.def?.innerType ?? s.def?.element ?? s.def?.in;
    s = inner as typeof s;
  }
  return undefined;
}

/** Validates a backend's section with its own schema; errors are prefixed with the section name. */
export function parseSection(plugin: Pick<BackendPlugin, 'name' | 'configSchema' | 'secretFields'>, raw: unknown, file?: string): unknown {
  const result = (plugin.configSchema as z.ZodType).safeParse(raw ?? {});
  if (!result.success) {
    const root = shapeOf(plugin.configSchema);
    throw zodToConfigError(result.error, raw, { prefix: plugin.name, ...(file ? { file } : {}), knownKeys: (path) => keysAt(root, path) });
  }
  for (const field of plugin.secretFields ?? []) {
    const value = field.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), result.data);
    if (typeof value === 'string') registerSecret(value);
  }
  return result.data;
}

/**
 * Reads, interpolates and validates a ttv.yaml: the core keys with the core schema, each backend's section with
 * that backend's own schema (loaded lazily through the registry), and any other top-level key rejected with a
 * suggestion.
 */
export async function loadConfig(file: string, options: LoadConfigOptions): Promise<LoadedConfig> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (cause) {
    throw new TtvError('CONFIG_INVALID', `cannot read config file ${abs}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, {
      field: '--config',
      value: file,
      fix: 'pass an existing file with --config FILE, or create one with `ttv init`',
      cause,
    });
  }
  return parseConfig(text, abs, options);
}

export async function parseConfig(text: string, file: string, options: LoadConfigOptions): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const configDir = dirname(file);
  const raw = interpolateEnv(await readYamlMapping(text, file), env, file) as Record<string, unknown>;
  registerUrlCredentials(raw);
  const coreRaw: Record<string, unknown> = {};
  const others: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) (CORE_CONFIG_KEYS.includes(k) ? coreRaw : others)[k] = v;

  const parsedCore = parseCore(coreRaw, file);
  const chain = parsedCore.backends ?? [parsedCore.backend ?? 'kenburns'];
  const core = absolutize(parsedCore, configDir);
  const searchDirs = [configDir, ...(options.registry.directories ?? [])];
  const images = await configureKind('images', core.images, others, searchDirs, file);
  const planner = await configureKind('planner', core.planner, others, searchDirs, file);
  const { backends, sections, loadedPlugins } = await configureChain(chain, others, options.registry, file);
  await checkOtherSections(others, sections, loadedPlugins, options.registry, file);
  const secretKeys = new Set<string>(
    [...backends.flatMap((b) => b.plugin.secretFields ?? []), ...(images.plugin.secretFields ?? []), ...(planner.plugin.secretFields ?? [])].map(
      (f) => f.split('.').pop()!,
    ),
  );
  const name = core.name ?? basename(file, extname(file));
  return { file, configDir, core, name, chain, backends, sections, redacted: redactDeep(raw, secretKeys), images, planner };
}

/** Parses the YAML text into a mapping (no alias bombs, no scalars or lists at the root). */
async function readYamlMapping(text: string, file: string): Promise<Record<string, unknown>> {
  // Loaded on first use: commands that read no config (`ttv backends`, `ttv --help`) skip its ~70 modules.
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new TtvError('CONFIG_INVALID', `${file}: invalid YAML: ${e.message}`, {
      field: '(yaml)',
      fix: 'fix the YAML syntax at the line shown (indentation, a missing ":" or an unclosed quote)',
    });
  }
  let parsed: unknown;
  try {
    parsed = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
  } catch (cause) {
    // yaml refuses documents whose aliases expand beyond maxAliasCount (a "billion laughs" bomb).
    throw new TtvError('CONFIG_INVALID', `${file}: the YAML cannot be expanded: ${(cause as Error).message}`, {
      field: '(yaml)',
      fix: `use fewer YAML aliases (*name): at most ${MAX_ALIAS_COUNT} expansions; write repeated values out instead`,
      cause,
    });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TtvError('CONFIG_INVALID', `${file}: the config must be a YAML mapping (key: value lines)`, {
      field: '(root)',
      value: parsed === null ? 'empty file' : typeof parsed,
      fix: 'start from `ttv init`, or see the config reference in the README',
    });
  }
  return parsed as Record<string, unknown>;
}

/** The core keys, validated with the core schema. */
function parseCore(coreRaw: Record<string, unknown>, file: string): CoreConfig {
  const result = coreConfigSchema.safeParse(coreRaw);
  if (!result.success) throw zodToConfigError(result.error, coreRaw, { file, knownKeys: nestedKeys });
  const core = result.data;
  if (core.backend && core.backends) {
    throw new TtvError('CONFIG_INVALID', `${file}: set either backend or backends, not both`, {
      field: 'backends',
      value: core.backends,
      fix: 'keep `backends: [a, b]` for a fallback chain, or `backend: a` for one backend',
    });
  }
  return core;
}

/** Loads every backend of the chain and validates its section with its own schema. */
async function configureChain(chain: string[], others: Record<string, unknown>, registry: BackendRegistry, file: string) {
  const backends: ConfiguredBackend[] = [];
  const sections: Record<string, unknown> = {};
  const loadedPlugins = new Map<string, LoadedBackend>();
  for (const name of chain) {
    if (name === 'auto') continue;
    const loaded = await registry.load(name);
    loadedPlugins.set(loaded.plugin.name, loaded);
    const sectionRaw = others[loaded.plugin.name] ?? (name !== loaded.plugin.name ? others[name] : undefined);
    sections[loaded.plugin.name] = sectionRaw ?? {};
    const config = parseSection(loaded.plugin, sectionRaw, file);
    backends.push({ name: loaded.plugin.name, plugin: loaded.plugin, config, info: describeBackend(loaded.plugin, config), loaded });
  }
  return { backends, sections, loadedPlugins };
}

/** The plugin `<kind>: <name>` names (an image generator, a planner), with its section (taken out of `others`) validated by its schema. */
async function configureKind<K extends PluginKind>(
  kind: K,
  name: string,
  others: Record<string, unknown>,
  searchDirs: string[],
  file: string,
): Promise<{ plugin: PluginKinds[K]; config: unknown }> {
  const plugin = await loadKindPlugin(kind, name, searchDirs);
  const raw = others[plugin.name];
  delete others[plugin.name];
  return { plugin, config: parseSection(plugin, raw ?? {}, file) };
}

/** Remaining top-level keys must be sections of installed backends (kept for `auto` and quick switching). */
async function checkOtherSections(
  others: Record<string, unknown>,
  sections: Record<string, unknown>,
  loadedPlugins: Map<string, LoadedBackend>,
  registry: BackendRegistry,
  file: string,
): Promise<void> {
  for (const [key, value] of Object.entries(others)) {
    if (sections[key] !== undefined || [...loadedPlugins.values()].some((l) => l.plugin.name === key)) continue;
    if (registry.isInstalled(key)) {
      const loaded = await registry.load(key);
      parseSection(loaded.plugin, value, file);
      sections[key] = value;
      continue;
    }
    const hint = suggest(key, [...CORE_CONFIG_KEYS, ...Object.keys(sections), ...registry.listInstalled().map((b) => b.name)]);
    throw new TtvError(
      'CONFIG_INVALID',
      `${file}: unknown key "${key}": it is neither a ttv option nor the section of an installed backend${hint ? ` (did you mean "${hint}"?)` : ''}`,
      {
        field: key,
        value: key,
        fix: hint ? `rename "${key}" to "${hint}"` : `remove "${key}", or install the backend it configures`,
      },
    );
  }
}
