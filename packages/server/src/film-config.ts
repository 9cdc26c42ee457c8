import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendRegistry, type LoadedConfig, parseConfig } from '@ttv/core';
import { coreConfigSchema } from '@ttv/core/engine';
import { parse as parseYaml } from 'yaml';
import { configText } from './submission.js';

/** This package's root: backends installed with the server (the embedded kenburns) resolve from here. */
export const SERVER_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The keys a ttv.yaml may have besides backend sections. */
export const CORE_KEYS: readonly string[] = Object.keys(coreConfigSchema.shape);

/** The server's settings of backends (their config sections: keys as `${VAR}`, models, base URLs), by backend name. */
export type BackendSections = Readonly<Record<string, Record<string, unknown>>>;

export interface FilmConfigOptions {
  sections: BackendSections;
  /** Where backends are installed, besides the server's own folder. */
  searchDirs: readonly string[];
  /** The environment `${VAR}` in `sections` is read from. */
  env: NodeJS.ProcessEnv;
}

/** The submitted config (core keys only) with the server's backend sections added. */
export function withSections(config: Record<string, unknown>, sections: BackendSections): Record<string, unknown> {
  return { ...config, ...sections };
}

/** A film's config as a run loads it: the stored ttv.yaml plus the server's backend sections, parsed by core. */
export async function loadFilmConfig(file: string, options: FilmConfigOptions): Promise<{ config: LoadedConfig; registry: BackendRegistry }> {
  const submitted = parseYaml(await readFile(file, 'utf8')) as Record<string, unknown>;
  return parseFilmConfig(submitted, file, options);
}

/** Parses a film config (as it will be stored at `file`) with core's checks: the server checks it at submit time. */
export async function parseFilmConfig(submitted: Record<string, unknown>, file: string, options: FilmConfigOptions) {
  const registry = new BackendRegistry({ searchDirs: [dirname(file), ...options.searchDirs, SERVER_ROOT] });
  const config = await parseConfig(configText(withSections(submitted, options.sections)), file, { registry, env: options.env });
  return { config, registry };
}
