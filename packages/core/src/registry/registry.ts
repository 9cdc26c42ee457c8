import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve as resolveModule } from 'import-meta-resolve';
import { type BackendPlugin, SPECIFICATION_VERSION } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import { suggest } from '../util/suggest.js';

/** First-party backends published as `@ttv/backend-<name>`. */
export const FIRST_PARTY_BACKENDS: Record<string, string> = {
  kenburns: 'ttv’s embedded default: pan/zoom and keyframe moves with ffmpeg (no GPU, no key, free)',
  runway: 'Runway image-to-video (gen4_turbo, gen4.5, veo3.1) through @runwayml/sdk',
  veo3: 'Google Veo on Vertex AI (3.0, 3.1 with first+last frame)',
  wan21: 'Wan2.1 I2V / FLF2V on your own GPUs (generate.py)',
  command: 'any local generator CLI through a command template (FramePack, HunyuanVideo, LTX-Video)',
  'ai-sdk': 'any Vercel AI SDK video model (fal, Replicate) through its provider package',
};

/** What changed since each older spec version, for the error a plugin built for it gets. */
const SPEC_CHANGES: Record<string, string> = {
  '1':
    'since v2 a remote backend implements the job protocol (submit → status, optional cancel/release) and core runs the poll loop, the download and resume; ' +
    '`generate` is for local backends only and its context no longer has onJob/resumeJob/idempotencyKey',
};

export interface LoadedBackend {
  plugin: BackendPlugin;
  /** The package or path it came from. */
  specifier: string;
  /** Resolved file URL of the module. */
  url: string;
  version?: string;
}

export interface RegistryOptions {
  /**
   * Directories to resolve backend packages from, in order: the config file's directory first, then e.g. the
   * CLI's install and its plugin directory.
   */
  searchDirs: string[];
}

function isPathLike(name: string): boolean {
  return name.startsWith('.') || isAbsolute(name) || name.startsWith('file:');
}

/** Package names tried for a config name, in order. */
export function candidatePackages(name: string): string[] {
  if (isPathLike(name)) return [name];
  if (name.startsWith('@')) {
    const [scope, rest] = name.split('/', 2);
    if (!rest) return [name];
    return rest.startsWith('ttv-backend-') ? [name] : [`${scope}/ttv-backend-${rest}`, name];
  }
  if (name.startsWith('ttv-backend-')) return [name];
  return [`@ttv/backend-${name}`, `ttv-backend-${name}`];
}

/** The install command we recommend for a missing backend. */
export function installCommand(name: string, cwd: string): string {
  const pkg = candidatePackages(name)[0]!;
  let dir = resolvePath(cwd);
  let pm = 'npm install';
  for (;;) {
    if (existsSync(join(dir, 'pnpm-lock.yaml')) || existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      pm = 'pnpm add';
      break;
    }
    if (existsSync(join(dir, 'yarn.lock'))) {
      pm = 'yarn add';
      break;
    }
    if (existsSync(join(dir, 'package-lock.json'))) break;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return `${pm} ${pkg}`;
}

function looksLikePlugin(value: unknown): value is BackendPlugin {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.create === 'function' && 'specificationVersion' in v;
}

function readPackageVersion(url: string): string | undefined {
  try {
    let dir = dirname(new URL(url).pathname);
    for (let i = 0; i < 6; i++) {
      const pj = join(dir, 'package.json');
      if (existsSync(pj)) return (JSON.parse(readFileSync(pj, 'utf8')) as { version?: string }).version;
      dir = dirname(dir);
    }
  } catch {
    // version is informational only
  }
  return undefined;
}

/**
 * Finds and loads backend plugins by their config name. Resolution order: `@ttv/backend-<name>`, then
 * `ttv-backend-<name>` (or `@scope/ttv-backend-<name>` for `@scope/<name>`), then an explicit module path;
 * each looked up from every search directory in order. Modules are imported lazily, on first use.
 */
export class BackendRegistry {
  private readonly cache = new Map<string, Promise<LoadedBackend>>();
  private readonly searchDirs: string[];

  constructor(options: RegistryOptions) {
    this.searchDirs = options.searchDirs.filter((d, i, all) => d && all.indexOf(d) === i);
  }

  /** Where the registry looks, first first. */
  get directories(): readonly string[] {
    return this.searchDirs;
  }

  load(name: string): Promise<LoadedBackend> {
    let entry = this.cache.get(name);
    if (!entry) {
      entry = this.doLoad(name);
      this.cache.set(name, entry);
      entry.catch(() => this.cache.delete(name));
    }
    return entry;
  }

  /** Whether a backend can be resolved (without importing it). */
  isInstalled(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  private resolve(name: string): { specifier: string; url: string } | undefined {
    for (const specifier of candidatePackages(name)) {
      for (const dir of this.searchDirs) {
        const parent = pathToFileURL(join(dir, 'noop.js')).href;
        try {
          if (isPathLike(specifier)) {
            const url = specifier.startsWith('file:') ? specifier : pathToFileURL(resolvePath(dir, specifier)).href;
            if (existsSync(new URL(url))) return { specifier, url };
            continue;
          }
          return { specifier, url: resolveModule(specifier, parent) };
        } catch {
          // not resolvable from this directory; try the next
        }
      }
    }
    return undefined;
  }

  private async doLoad(name: string): Promise<LoadedBackend> {
    const found = this.resolve(name);
    if (!found) {
      const tried = candidatePackages(name).join(', ');
      const cmd = installCommand(name, this.searchDirs[0] ?? process.cwd());
      const known = FIRST_PARTY_BACKENDS[name] !== undefined;
      // A typo of a first-party or installed backend: suggest that name rather than installing a package that does not exist.
      const hint =
        known || isPathLike(name) ? undefined : suggest(name, new Set([...Object.keys(FIRST_PARTY_BACKENDS), ...this.listInstalled().map((b) => b.name)]));
      if (hint) {
        const installed = this.isInstalled(hint);
        throw new TtvError(
          'BACKEND_NOT_INSTALLED',
          `backend "${name}" is not installed (did you mean "${hint}"?): looked for ${tried} from ${this.searchDirs.join(', ')}`,
          {
            field: 'backend',
            value: name,
            fix: `write ${hint} instead of ${name} in backend/backends${installed ? '' : ` and install it: ${installCommand(hint, this.searchDirs[0] ?? process.cwd())}`}`,
            details: { suggestion: hint },
          },
        );
      }
      throw new TtvError(
        'BACKEND_NOT_INSTALLED',
        `backend "${name}" is not installed: looked for ${tried} from ${this.searchDirs.join(', ')}${known ? '' : ` (first-party backends: ${Object.keys(FIRST_PARTY_BACKENDS).join(', ')})`}`,
        {
          field: 'backend',
          value: name,
          fix:
            known || isPathLike(name)
              ? `${cmd}   (global CLI: ttv plugins install ${name})`
              : `check the name (first-party: ${Object.keys(FIRST_PARTY_BACKENDS).join(', ')}; installed: ${
                  this.listInstalled()
                    .map((b) => b.name)
                    .join(', ') || 'none'
                }); for a third-party backend published as ${candidatePackages(name).join(' or ')}: ${cmd}   (global CLI: ttv plugins install ${name})`,
          details: { installCommand: cmd },
        },
      );
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(found.url)) as Record<string, unknown>;
    } catch (cause) {
      throw new TtvError('BACKEND_INVALID', `backend "${name}" (${found.specifier}) failed to load: ${(cause as Error).message}`, {
        cause,
        field: 'backend',
        value: name,
        fix: `reinstall ${found.specifier}`,
      });
    }
    const plugin = [mod.default, mod.backend, (mod.default as Record<string, unknown> | undefined)?.default].find(looksLikePlugin);
    if (!plugin) {
      throw new TtvError('BACKEND_INVALID', `${found.specifier} does not export a ttv backend (a default export made with defineBackend)`, {
        field: 'backend',
        value: name,
        fix: 'check the package name, or export the plugin as the default export',
      });
    }
    if (plugin.specificationVersion !== SPECIFICATION_VERSION) {
      const changed = SPEC_CHANGES[String(plugin.specificationVersion)];
      throw new TtvError(
        'BACKEND_INVALID',
        `${found.specifier} implements ttv backend spec v${String(plugin.specificationVersion)}, but this @ttv/core speaks v${SPECIFICATION_VERSION}${changed ? `: ${changed}` : ''}`,
        {
          field: 'backend',
          value: name,
          fix: `install a version of ${found.specifier} built for @ttv/core with spec v${SPECIFICATION_VERSION} (its author: see docs/decisions/0003-backend-spec-v2.md), or a @ttv/core that speaks v${String(plugin.specificationVersion)}`,
        },
      );
    }
    const version = readPackageVersion(found.url);
    return { plugin, specifier: found.specifier, url: found.url, ...(version ? { version } : {}) };
  }

  /** Backend packages visible from the search directories (by package naming convention). */
  listInstalled(): Array<{ name: string; packageName: string; dir: string }> {
    const out = new Map<string, { name: string; packageName: string; dir: string }>();
    for (const base of this.searchDirs) {
      let dir = resolvePath(base);
      for (;;) {
        const nm = join(dir, 'node_modules');
        if (existsSync(nm)) {
          for (const entry of safeReaddir(nm)) {
            if (entry.startsWith('ttv-backend-')) add(entry.slice('ttv-backend-'.length), entry, nm);
            if (entry.startsWith('@')) {
              for (const sub of safeReaddir(join(nm, entry))) {
                if (entry === '@ttv' && sub.startsWith('backend-')) add(sub.slice('backend-'.length), `@ttv/${sub}`, nm);
                else if (sub.startsWith('ttv-backend-')) add(`${entry}/${sub.slice('ttv-backend-'.length)}`, `${entry}/${sub}`, nm);
              }
            }
          }
        }
        const parent = dirname(dir);
        if (parent === dir) break;
        dir = parent;
      }
    }
    return [...out.values()];
    function add(name: string, packageName: string, dir: string) {
      if (!out.has(name)) out.set(name, { name, packageName, dir });
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
