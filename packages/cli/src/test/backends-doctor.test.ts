import { beforeAll, describe, expect, it } from 'vitest';
import { FAKE_REMOTE, run, tmp, write } from './oclif.js';

const dir = tmp('doctor');
beforeAll(async () => {
  await write(dir, 'fake-remote.mjs', FAKE_REMOTE);
  await write(dir, 'ok.yaml', 'backend: kenburns\nstoryboard: { segments: [{ prompt: a }] }\n');
  await write(
    dir,
    'remote.yaml',
    'backends: [./fake-remote.mjs, kenburns]\nfakeremote: { baseUrl: "http://127.0.0.1:9" }\nstoryboard: { segments: [{ prompt: a }] }\n',
  );
  await write(
    dir,
    'secret.yaml',
    'backends: [./fake-remote.mjs]\nfakeremote: { baseUrl: "http://127.0.0.1:9", apiKey: sk-top-secret-999 }\nstoryboard: { segments: [{ prompt: a }] }\n',
  );
  await write(
    dir,
    'keyless-planner.mjs',
    `export default { specificationVersion: 2, name: 'keyless', displayName: 'Keyless planner', kind: 'remote',
      configSchema: { safeParse: (v) => ({ success: true, data: v ?? {} }) },
      create: () => ({ specificationVersion: 2, estimateCost: () => ({ usd: 0 }), estimatePlanCost: () => ({ usd: 0 }),
        plan: async () => ({ segments: [], costUsd: 0 }), reword: async (r) => ({ prompt: r.prompt, costUsd: 0 }),
        doctor: async () => [{ name: 'api key', ok: false, detail: 'missing', fix: 'set keyless.apiKey' }] }) };\n`,
  );
  await write(dir, 'planner.yaml', 'backend: kenburns\nplanner: ./keyless-planner.mjs\nstoryboard: { segments: [{ prompt: a }] }\n');
  await write(dir, 'bad.yaml', 'mode: [oops\n');
  await write(dir, 'nope.yaml', 'backend: nope\nstoryboard: { segments: [{ prompt: a }] }\n');
});

describe('ttv backends', () => {
  it('lists installed backends with models and capabilities, and the known missing ones with install commands (--json)', async () => {
    const r = await run(['backends', '--json'], dir);
    expect(r.exit, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    const kb = out.installed.find((b: { name: string }) => b.name === 'kenburns');
    expect(kb).toMatchObject({ packageName: '@ttv/backend-kenburns', kind: 'embedded', defaultModel: 'kenburns' });
    expect(kb.models[0]).toMatchObject({ id: 'kenburns', inputs: expect.arrayContaining(['first-frame', 'first-last-frame']) });
    const names = out.available.map((a: { name: string }) => a.name);
    for (const n of ['runway', 'veo3', 'wan21', 'command']) if (!out.installed.some((b: { name: string }) => b.name === n)) expect(names).toContain(n);
    for (const a of out.available) {
      expect(a.installCommand).toMatch(new RegExp(`(npm install|pnpm add|yarn add) @ttv/backend-${a.name}$`));
      expect(a.pluginCommand).toBe(`ttv plugins install ${a.name}`);
    }
  });

  it('prints a readable list', async () => {
    const r = await run(['backends'], dir);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/Installed backends:\n {2}kenburns/);
    expect(r.stdout).toMatch(/kenburns \(default\): inputs first-frame\/first-last-frame/);
  });

  it('rejects a wrong flag', async () => {
    const r = await run(['backends', '--nope'], dir);
    expect(r.exit).toBe(2);
  });
});

describe('ttv doctor', () => {
  it('checks Node, ffmpeg/ffprobe (-version, source) and the configured backend (--json), exit 0 when all is well', async () => {
    const r = await run(['doctor', '-c', 'ok.yaml', '--json'], dir);
    expect(r.exit, r.stdout).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    const byName = Object.fromEntries(out.checks.map((c: { group: string; name: string }) => [`${c.group}/${c.name}`, c]));
    expect(byName['system/node'].detail).toBe(`Node ${process.versions.node}`);
    expect(byName['system/ffmpeg'].detail).toMatch(/ffmpeg version .* at .* \(from .+\)/);
    expect(byName['system/ffprobe'].ok).toBe(true);
    expect(byName['kenburns/installed'].detail).toMatch(/@ttv\/backend-kenburns/);
  });

  it('exits 1 and prints a fix for each broken check; never prints a key', async () => {
    const r = await run(['doctor', '-c', 'remote.yaml'], dir);
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(/✗ fakeremote: endpoint: http:\/\/127\.0\.0\.1:9 answered nothing\n {4}fix: check baseUrl/);
    expect(r.stdout).toMatch(/✗ fakeremote: api key: missing\n {4}fix: set fakeremote.apiKey/);
    expect(r.stdout).toMatch(/2 problems found/);
    const s = await run(['doctor', '-c', 'secret.yaml', '--json'], dir);
    expect(s.stdout).not.toContain('sk-top-secret-999');
    expect(JSON.parse(s.stdout).checks.find((c: { name: string }) => c.name === 'api key').ok).toBe(true);
  });

  it('checks the image generator and the planner too, with their own checks and fixes', async () => {
    const r = await run(['doctor', '-c', 'planner.yaml', '--json'], dir);
    expect(r.exit).toBe(1);
    const byName = Object.fromEntries(JSON.parse(r.stdout).checks.map((c: { group: string; name: string }) => [`${c.group}/${c.name}`, c]));
    expect(byName['images:card/installed']).toMatchObject({ ok: true });
    expect(byName['planner:keyless/installed']).toMatchObject({ ok: true, detail: 'Keyless planner (remote)' });
    expect(byName['planner:keyless/api key']).toMatchObject({ ok: false, detail: 'missing', fix: 'set keyless.apiKey' });
  });

  it('reports an invalid YAML or an unknown backend as a failed config check with its fix', async () => {
    const bad = await run(['doctor', '-c', 'bad.yaml', '--json'], dir);
    expect(bad.exit).toBe(1);
    expect(JSON.parse(bad.stdout).checks.find((c: { name: string }) => c.name === 'config').detail).toMatch(/CONFIG_INVALID.*invalid YAML/);
    const nope = await run(['doctor', '-c', 'nope.yaml'], dir);
    expect(nope.exit).toBe(1);
    expect(nope.stdout).toMatch(/✗ config: \[BACKEND_NOT_INSTALLED\][^\n]*\n {4}fix: .*@ttv\/backend-nope/);
  });

  it('without a config: checks the system only and says so', async () => {
    const r = await run(['doctor'], tmp('doctor-empty'));
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/backends not checked/);
  });
});
