// Test helpers: CommandBackends for the ltx-2 and skyreels-v2-df presets against their stand-ins, and a way to run
// a stand-in with any argument vector.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerateContext } from '@ttv/core';
import { ltx2StandIn, type StandInEnvOptions, skyreelsDfStandIn } from '@ttv/testkit';
import { execa } from 'execa';
import { CommandBackend } from './command-backend.js';
import { configSchema } from './command-config.js';

export const ltx2 = ltx2StandIn();
export const skyreels = skyreelsDfStandIn();

/** `command:` sections for both presets, with fake weights under `dir`. */
export function localModelConfigs(dir: string, env: StandInEnvOptions = {}) {
  mkdirSync(dir, { recursive: true });
  const quick = { scale: 4, loadMs: 10, stepMs: 1, ...env };
  return {
    'ltx-2': { preset: 'ltx-2', command: ltx2.python, vars: ltx2.makeFakeModels(join(dir, 'ltx2')), env: ltx2.env(quick), timeoutMinutes: 2 },
    'skyreels-v2-df': {
      preset: 'skyreels-v2-df',
      command: skyreels.python,
      vars: { script: skyreels.script, modelId: skyreels.makeFakeModel(join(dir, 'SkyReels-V2-DF-1.3B-540P')) },
      env: skyreels.env(quick),
      timeoutMinutes: 2,
    },
  };
}

export function localModelBackend(dir: string, preset: 'ltx-2' | 'skyreels-v2-df', env: StandInEnvOptions = {}): CommandBackend {
  return new CommandBackend(configSchema.parse(localModelConfigs(dir, env)[preset]), { configDir: dir });
}

/** Runs a backend's tool with `args` as the stand-in would be run by ttv (same command, env and cwd). */
export async function runStandIn(backend: CommandBackend, args: string[]) {
  const tool = backend.tool;
  return execa(tool.command, args, { cwd: tool.cwd, env: tool.env, reject: false, timeout: 60_000, stdin: 'ignore' });
}

export const quietContext = (workDir: string): GenerateContext => ({ signal: new AbortController().signal, onProgress: () => {}, log: () => {}, workDir });
