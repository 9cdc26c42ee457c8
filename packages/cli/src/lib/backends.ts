import { dirname } from 'node:path';
import type { BackendInfo, BackendRegistry } from '@ttv/core';
import { findConfig, searchDirs } from './context.js';

export interface InstalledBackend {
  name: string;
  packageName: string;
  version?: string;
  from: string;
  displayName?: string;
  kind?: BackendInfo['kind'];
  defaultModel?: string;
  models: BackendInfo['models'];
  /** Set when the package is present but cannot be loaded or described. */
  problem?: string;
}

export interface KnownBackend {
  name: string;
  packageName: string;
  description: string;
  installCommand: string;
  pluginCommand: string;
}

/** A registry looking where `generate` looks: the config's directory (or cwd), the CLI install, the plugin dir. */
export async function registryFor(configFlag: string | undefined, dataDir: string): Promise<BackendRegistry> {
  const core = await import('@ttv/core');
  return new core.BackendRegistry({ searchDirs: searchDirs(dirname(findConfig(configFlag)), dataDir) });
}

/** Installed backends, described with an empty (default) section; known first-party ones that are missing. */
export async function listBackends(registry: BackendRegistry, cwd = process.cwd()): Promise<{ installed: InstalledBackend[]; available: KnownBackend[] }> {
  const core = await import('@ttv/core');
  const engine = await import('@ttv/core/engine');
  const installed: InstalledBackend[] = [];
  for (const found of registry.listInstalled()) {
    const entry: InstalledBackend = { name: found.name, packageName: found.packageName, from: found.dir, models: [] };
    try {
      const loaded = await registry.load(found.name);
      if (loaded.version) entry.version = loaded.version;
      entry.displayName = loaded.plugin.displayName;
      entry.kind = loaded.plugin.kind;
      try {
        const info = loaded.plugin.describe(engine.parseSection(loaded.plugin, {}));
        entry.models = info.models;
        entry.defaultModel = info.defaultModel;
      } catch (e) {
        entry.problem = `needs a config section to describe its models: ${core.toTtvError(e).message}`;
      }
    } catch (e) {
      entry.problem = core.toTtvError(e).message;
    }
    installed.push(entry);
  }
  installed.sort((a, b) => a.name.localeCompare(b.name));
  const available = Object.entries(engine.FIRST_PARTY_BACKENDS)
    .filter(([name]) => !installed.some((i) => i.name === name))
    .map(([name, description]) => ({
      name,
      packageName: engine.candidatePackages(name)[0]!,
      description,
      installCommand: engine.installCommand(name, cwd),
      pluginCommand: `ttv plugins install ${name}`,
    }));
  return { installed, available };
}
