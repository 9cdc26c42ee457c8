import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand as oclifRun } from '@oclif/test';

/** The CLI package root (its package.json holds the oclif config; commands load from the built dist). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a command in-process through @oclif/test, from `cwd`. */
export async function run(args: string[], cwd?: string) {
  const before = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const r = await oclifRun(args, { root: ROOT });
    const exit = r.error ? ((r.error as { oclif?: { exit?: number } }).oclif?.exit ?? 1) : 0;
    return { ...r, exit };
  } finally {
    process.chdir(before);
  }
}

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ttv-${prefix}-`));
}

export async function write(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/**
 * A "remote" backend as a local module (no dependencies): offline estimate, and a generate/doctor that would call
 * `baseUrl`. Used to prove that plan/estimate never reach the network.
 */
export const FAKE_REMOTE = `
const schema = { safeParse: (v) => (v && typeof v.baseUrl === 'string' ? { success: true, data: v } : { success: false, error: { issues: [{ code: 'custom', path: ['baseUrl'], message: 'baseUrl is required' }] } }) };
const model = { id: 'cloud-1', inputs: ['first-frame', 'first-last-frame'], durations: { kind: 'discrete', values: [5, 10] }, resolutions: [{ width: 1280, height: 720 }], fps: 24, maxPromptLength: 1000, concurrency: 2, usdPerSecond: 0.05 };
const info = { name: 'fakeremote', displayName: 'Fake remote', kind: 'remote', models: [model], defaultModel: 'cloud-1' };
export default {
  specificationVersion: 2, name: 'fakeremote', displayName: 'Fake remote', kind: 'remote', configSchema: schema, secretFields: ['apiKey'],
  describe: () => info,
  create: (config) => ({
    ...info, specificationVersion: 2,
    async validate() {},
    estimateCost: (r) => ({ usd: 0.05 * r.durationSec, basis: '$0.05/s × ' + r.durationSec + ' s' }),
    async generate() { await fetch(config.baseUrl + '/v1/generate', { method: 'POST' }); throw new Error('not in tests'); },
    async doctor() { const r = await fetch(config.baseUrl + '/v1/health').catch(() => undefined); return [{ name: 'endpoint', ok: !!r && r.ok, detail: config.baseUrl + ' answered ' + (r ? r.status : 'nothing'), fix: 'check baseUrl' }, { name: 'api key', ok: !!config.apiKey, detail: config.apiKey ? 'set' : 'missing', fix: 'set fakeremote.apiKey' }]; },
  }),
};
`;
