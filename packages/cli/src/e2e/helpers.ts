import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const CLI_BIN = resolve(fileURLToPath(import.meta.url), '../../../bin/run.js');

/** A scratch project folder inside the CLI package (so workspace packages resolve from it). */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ttv-${prefix}-`));
}

/** Runs the real `ttv` binary (built dist) as a subprocess. */
export function ttv(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return execa(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
    stdin: 'ignore',
  });
}

export async function writeConfig(dir: string, yaml: string, name = 'ttv.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return file;
}
