import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { TtvError } from '@ttv/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { BackendSections } from './film-config.js';
import type { BackendLimits } from './leases.js';
import { DEFAULT_POLICY, type SubmitPolicy } from './submission.js';

/**
 * The settings `ttv serve` and `ttv worker` share (a YAML file): the backends films may use, their config sections
 * (keys as `${VAR}`, read from the environment of the process that runs the film), their limits across all
 * workers, and where more backends are installed.
 */
export interface ServerSettings {
  policy: SubmitPolicy;
  sections: BackendSections;
  limits: BackendLimits;
  searchDirs: string[];
}

const schema = z
  .object({
    backends: z
      .array(z.string().min(1))
      .min(1)
      .default([...DEFAULT_POLICY.backends]),
    images: z.array(z.string().min(1)).default([...DEFAULT_POLICY.images]),
    sections: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    limits: z.record(z.string(), z.number().int().min(1)).default({}),
    searchDirs: z.array(z.string()).default([]),
  })
  .strict();

export const DEFAULT_SETTINGS: ServerSettings = { policy: DEFAULT_POLICY, sections: {}, limits: {}, searchDirs: [] };

/** Reads the settings file (paths in it are relative to it); no file: kenburns only, no limits. */
export async function loadServerSettings(file: string | undefined): Promise<ServerSettings> {
  if (!file) return DEFAULT_SETTINGS;
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, 'utf8')) ?? {};
  } catch (cause) {
    throw new TtvError('CONFIG_INVALID', `cannot read the server settings ${file}: ${(cause as Error).message.split('\n')[0]}`, { field: '--settings', cause });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TtvError('CONFIG_INVALID', `server settings ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { field: issue.path.join('.') });
  }
  const s = parsed.data;
  return {
    policy: { backends: s.backends, images: s.images },
    sections: s.sections,
    limits: s.limits,
    searchDirs: s.searchDirs.map((d) => resolve(dirname(file), d)),
  };
}
