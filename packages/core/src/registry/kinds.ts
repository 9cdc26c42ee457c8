// Finds the plugins of the kinds beside video backends (image generators, planners) by their config name
// (`images: <name>`, `planner: <name>`), as the backend registry finds video backends: an embedded one, a module
// path (relative to the config file), or a package. For kind K and name N the packages tried are `@ttv/K-N`,
// `ttv-K-N`, then a family package's subpath: `@ttv/backend-N/K` (a video backend that also ships this kind, e.g.
// `images: runway`) and `@ttv/N/K` (a package of several kinds, e.g. `planner: ai`). A name with a `/` or the
// `ttv-K-` prefix is taken as written (e.g. `ttv-backend-solid/images`).
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve as resolveModule } from 'import-meta-resolve';
import { cardImages } from '../builtin/card-images.js';
import { deterministicPlanner } from '../builtin/deterministic-planner.js';
import { SPECIFICATION_VERSION } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import type { ImagesPlugin } from '../spec/images.js';
import type { PlannerPlugin } from '../spec/planner.js';

/** The plugin kinds found by config name besides video backends. */
export interface PluginKinds {
  images: ImagesPlugin;
  planner: PlannerPlugin;
}
export type PluginKind = keyof PluginKinds;

/** The image generators ttv ships. */
export const BUILT_IN_IMAGES: Record<string, ImagesPlugin> = { card: cardImages as ImagesPlugin };
/** The planners ttv ships. */
export const BUILT_IN_PLANNERS: Record<string, PlannerPlugin> = { deterministic: deterministicPlanner as PlannerPlugin };

const KINDS: { [K in PluginKind]: { builtIn: Record<string, PluginKinds[K]>; what: string; define: string } } = {
  images: { builtIn: BUILT_IN_IMAGES, what: 'image generator', define: 'defineImages' },
  planner: { builtIn: BUILT_IN_PLANNERS, what: 'planner', define: 'definePlanner' },
};

/** Module specifiers tried for `<kind>: <name>`, in order. */
export function kindCandidates(kind: PluginKind, name: string): string[] {
  if (name.startsWith('.') || isAbsolute(name) || name.startsWith('file:')) return [name];
  if (name.includes('/') || name.startsWith(`ttv-${kind}-`)) return [name];
  return [`@ttv/${kind}-${name}`, `ttv-${kind}-${name}`, `@ttv/backend-${name}/${kind}`, `@ttv/${name}/${kind}`];
}

function looksLike(kind: PluginKind, value: unknown): boolean {
  const v = value as Record<string, unknown> | undefined;
  if (!v || typeof v.name !== 'string' || typeof v.create !== 'function' || !('configSchema' in v)) return false;
  return kind === 'images' ? typeof v.describe === 'function' : true;
}

/** The first candidate that resolves from one of `searchDirs`, as a file URL. */
function resolveFirst(tried: readonly string[], searchDirs: readonly string[]): string | undefined {
  for (const specifier of tried) {
    for (const dir of searchDirs) {
      try {
        if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolvePath(dir, specifier)).href;
        return specifier.startsWith('file:') ? specifier : resolveModule(specifier, pathToFileURL(join(dir, 'noop.js')).href);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Loads the plugin `<kind>: <name>` names, looking from each of `searchDirs` (the config file's folder first). */
export async function loadKindPlugin<K extends PluginKind>(kind: K, name: string, searchDirs: readonly string[]): Promise<PluginKinds[K]> {
  const { builtIn, what, define } = KINDS[kind];
  const embedded = builtIn[name];
  if (embedded) return embedded as PluginKinds[K];
  const tried = kindCandidates(kind, name);
  const fail = (code: 'CONFIG_INVALID' | 'BACKEND_INVALID', message: string, fix: string, cause?: unknown) =>
    new TtvError(code, `${kind}: ${message}`, { field: kind, value: name, fix, ...(cause ? { cause } : {}) });
  const notFound = () =>
    fail(
      'CONFIG_INVALID',
      `the ${what} "${name}" is not installed: looked for ${tried.join(', ')} from ${searchDirs.join(', ')}`,
      `use an embedded one (${kind}: ${Object.keys(builtIn).join(' | ')}), or install the package that provides "${name}"`,
    );
  const url = resolveFirst(tried, searchDirs);
  if (!url) throw notFound();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    if ((cause as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((cause as Error).message).includes(url.replace('file://', ''))) throw notFound();
    throw fail(
      'BACKEND_INVALID',
      `"${name}" failed to load: ${(cause as Error).message}`,
      `reinstall the package that provides "${name}" (or fix the module at that path)`,
      cause,
    );
  }
  const plugin = [mod.default, mod[kind], (mod.default as Record<string, unknown> | undefined)?.default].find((v) => looksLike(kind, v));
  if (!plugin) {
    throw fail(
      'BACKEND_INVALID',
      `"${name}" does not export a ttv ${what} (a default export made with ${define})`,
      'check the name, or export the plugin as the default export',
    );
  }
  const version = (plugin as { specificationVersion?: unknown }).specificationVersion;
  if (version !== SPECIFICATION_VERSION) {
    throw fail(
      'BACKEND_INVALID',
      `"${name}" implements spec v${String(version)}, this @ttv/core speaks v${SPECIFICATION_VERSION}`,
      `install a version of it built for spec v${SPECIFICATION_VERSION}`,
    );
  }
  return plugin as PluginKinds[K];
}

/** Loads the image generator `images: <name>` names. */
export const loadImagesPlugin = (name: string, searchDirs: readonly string[]): Promise<ImagesPlugin> => loadKindPlugin('images', name, searchDirs);
/** Loads the planner `planner: <name>` names. */
export const loadPlannerPlugin = (name: string, searchDirs: readonly string[]): Promise<PlannerPlugin> => loadKindPlugin('planner', name, searchDirs);
