import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run, tmp, write } from './oclif.js';

describe('ttv init', () => {
  it('writes a commented starter for kenburns that plans as is, and its schema', async () => {
    const dir = tmp('init');
    const r = await run(['init', '--json'], dir);
    expect(r.exit, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: true, file: join(dir, 'ttv.yaml'), backends: ['kenburns'], mode: 'chaining', toInstall: [] });
    const yaml = readFileSync(join(dir, 'ttv.yaml'), 'utf8');
    expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=./ttv.schema.json');
    expect(yaml).toMatch(/^backend: kenburns$/m);
    expect(yaml).toMatch(/^kenburns:$/m);
    expect(yaml).toMatch(/^ {2}# motion: auto$/m);
    expect(JSON.parse(readFileSync(join(dir, 'ttv.schema.json'), 'utf8')).properties.kenburns).toBeDefined();
    expect(readdirSync(dir).sort()).toEqual(['ttv.schema.json', 'ttv.yaml']); // no temp files left
    // The plan checks the input images: first the starter says where the first frame goes, then it plans as is.
    const before = await run(['plan', '--json'], dir);
    expect(before.exit).toBe(2);
    expect(JSON.parse(before.stdout).error).toMatchObject({ code: 'INPUT_INVALID', field: 'storyboard.image', value: join(dir, 'images', 'first.png') });
    const { makeTestImage } = await import('@ttv/core/testing');
    await makeTestImage(join(dir, 'images', 'first.png'), { width: 64, height: 36 });
    const plan = await run(['plan', '--json'], dir);
    expect(plan.exit, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).segments).toHaveLength(3);
  });

  it('refuses to overwrite without --force (exit 2), overwrites with it', async () => {
    const dir = tmp('init-force');
    await write(dir, 'ttv.yaml', 'mine: true\n');
    const r = await run(['init'], dir);
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(/\[INPUT_INVALID\] .*ttv\.yaml already exists/);
    expect(r.stderr).toMatch(/--force/);
    expect(readFileSync(join(dir, 'ttv.yaml'), 'utf8')).toBe('mine: true\n');
    const f = await run(['init', '--force', '--mode', 'keyframe', '--no-schema'], dir);
    expect(f.exit).toBe(0);
    expect(readFileSync(join(dir, 'ttv.yaml'), 'utf8')).toMatch(/^mode: keyframe$/m);
    expect(existsSync(join(dir, 'ttv.schema.json'))).toBe(false);
  });

  it('a chain with a backend that is not installed: fallback chain, commented section with the install command', async () => {
    const dir = tmp('init-chain');
    const r = await run(['init', '--backend', 'veo3,kenburns', '-c', 'film.yaml', '--json'], dir);
    expect(r.exit, r.stderr).toBe(0);
    const yaml = readFileSync(join(dir, 'film.yaml'), 'utf8');
    expect(yaml).toMatch(/^backends: \[veo3, kenburns\]$/m);
    if (JSON.parse(r.stdout).toInstall.length > 0)
      expect(yaml).toMatch(/# Not installed yet: (npm install|pnpm add) @ttv\/backend-veo3 {3}\(global CLI: ttv plugins install veo3\)/);
  });

  it('unknown backend and bad --mode are refused', async () => {
    const dir = tmp('init-bad');
    const r = await run(['init', '--backend', 'nope'], dir);
    expect(r.exit).toBe(3);
    expect(r.stderr).toMatch(/\[BACKEND_NOT_INSTALLED\] unknown backend "nope"/);
    expect(existsSync(join(dir, 'ttv.yaml'))).toBe(false);
    const m = await run(['init', '--mode', 'sideways'], dir);
    expect(m.exit).toBe(2);
  });
});

describe('ttv config schema', () => {
  it('prints the JSON Schema of core + installed backend sections', async () => {
    const r = await run(['config', 'schema']);
    expect(r.exit, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.$schema).toMatch(/json-schema\.org/);
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual(expect.arrayContaining(['mode', 'backend', 'backends', 'storyboard', 'budget', 'output', 'kenburns']));
    expect(s.properties.mode.enum).toEqual(['chaining', 'keyframe', 'extend']);
    expect(s.properties.kenburns.properties.motion).toBeDefined();
  });

  it('--out writes the file; the committed ttv.schema.json covers the same core keys', async () => {
    const dir = tmp('schema');
    const r = await run(['config', 'schema', '--out', 'x.schema.json'], dir);
    expect(r.exit).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'x.schema.json'), 'utf8'));
    const committed = JSON.parse(readFileSync(join(ROOT, 'ttv.schema.json'), 'utf8'));
    for (const key of Object.keys(written.properties)) expect(Object.keys(committed.properties)).toContain(key);
  });

  it('rejects a wrong flag', async () => {
    expect((await run(['config', 'schema', '--what'])).exit).toBe(2);
  });
});
