import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tmp, write } from './oclif.js';

const BIN = join(ROOT, 'bin', 'run.js');

/** A Node binary on this machine older than the CLI supports (the image ships Node 20 besides the toolchain's). */
function oldNode(): string | undefined {
  const found = spawnSync('sh', ['-c', 'which -a node'], { encoding: 'utf8' }).stdout.split('\n');
  for (const candidate of ['/usr/local/bin/node', '/usr/bin/node', ...found].filter(Boolean)) {
    if (!existsSync(candidate)) continue;
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major, minor] = v.split('.').map(Number) as [number, number];
    if (major && !((major === 22 && minor >= 12) || major === 24 || major >= 26)) return candidate;
  }
  return undefined;
}

describe('bin/run.js on an unsupported Node', () => {
  const node = oldNode();
  it.skipIf(!node)('refuses at start with the required version and a non-zero exit, before loading anything or creating a run folder', async () => {
    const dir = tmp('oldnode');
    await write(dir, 'ttv.yaml', 'backend: kenburns\nstoryboard:\n  segments: [{ prompt: one }]\n');
    const r = spawnSync(node!, [BIN, 'generate'], { cwd: dir, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('ttv needs Node.js ^22.12 || ^24 || >=26');
    expect(r.stderr).toMatch(/this is Node\.js 2[0-1]\./);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual(['ttv.yaml']);
  });

  it('runs on this (supported) Node', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^@ttv\/cli\//);
  });
});
