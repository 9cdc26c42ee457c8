import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendRegistry, LoadedConfig } from '@ttv/core';

/** This package's root (where its own node_modules, with the embedded backend, lives). */
export const CLI_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Directories backends are resolved from, in order: the config file's directory (a project's own
 * `pnpm add @ttv/backend-x`), the CLI's own install (the embedded backend), then the directory where
 * `ttv plugins install` puts packages for a global CLI.
 */
export function searchDirs(configDir: string, dataDir?: string): string[] {
  const dirs = [configDir, CLI_ROOT];
  if (dataDir) dirs.push(dataDir);
  return dirs;
}

export function findConfig(flag: string | undefined, cwd = process.cwd()): string {
  if (flag) return resolve(cwd, flag);
  for (const name of ['ttv.yaml', 'ttv.yml']) {
    const candidate = join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return join(cwd, 'ttv.yaml');
}

export async function loadProject(configFlag: string | undefined, dataDir?: string): Promise<{ config: LoadedConfig; registry: BackendRegistry }> {
  const core = await import('@ttv/core');
  const file = findConfig(configFlag);
  const registry = new core.BackendRegistry({ searchDirs: searchDirs(dirname(file), dataDir) });
  const config = await core.loadConfig(file, { registry });
  // ffmpeg.ffmpegPath / ffprobePath apply to every media call of this process (generate, backends, the join),
  // not only to what `ttv doctor` reports.
  (await import('@ttv/core/media')).useFfmpegBinaries(config.core.ffmpeg);
  return { config, registry };
}
