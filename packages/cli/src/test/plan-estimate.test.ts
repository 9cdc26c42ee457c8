import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEmulators } from '../lib/testkit.js';
import { FAKE_REMOTE, ROOT, run, tmp, write } from './oclif.js';

type Emu = { url: string; requests: unknown[]; close(): Promise<void> };
const dir = tmp('plan');
let emu: Emu;

/** Writes `name` into the test folder and runs `ttv <command> -c <name> --json` on it. */
async function writeAndRunJson(command: 'plan' | 'estimate', name: string, yaml: string) {
  await write(dir, name, yaml);
  return run([command, '-c', name, '--json'], dir);
}

beforeAll(async () => {
  const { startRunwayEmulator } = await loadEmulators();
  emu = await startRunwayEmulator();
  const { makeTestImage } = await import('@ttv/core/testing');
  for (const name of ['first.png', 'a.png', 'k1.png', 'k2.png']) await makeTestImage(join(dir, name), { width: 64, height: 36 });
  await write(dir, 'fake-remote.mjs', FAKE_REMOTE);
  await write(
    dir,
    'ttv.yaml',
    `name: plan-test
mode: chaining
backends: [./fake-remote.mjs, kenburns]
segmentDuration: 5
budget: { maxUsd: 0.6, warnUsd: 0.2 }
fakeremote: { baseUrl: ${emu.url}, apiKey: sk-very-secret-123 }
storyboard:
  image: first.png
  segments:
    - prompt: one
    - prompt: two
      duration: 7
    - prompt: "${'x'.repeat(1200)}"
`,
  );
  await write(
    dir,
    'long.yaml',
    `backend: kenburns\nsegmentDuration: 4\nstoryboard:\n  image: a.png\n  totalDuration: 12\n  prompt: First sentence. Second one here. And a third. A fourth.\n`,
  );
  await write(dir, 'bad.yaml', 'name: [unclosed\nmode: chaining\n');
  await write(dir, 'nope.yaml', 'backend: nope\nstoryboard: { segments: [{ prompt: a }] }\n');
});
afterAll(() => emu?.close());

interface PlanJson {
  ok: boolean;
  chain: string[];
  segments: Array<{
    index: number;
    backend: string | null;
    model: string | null;
    clip: { durationSec: number } | null;
    skipped: Array<{ backend: string; reason: string }>;
    warnings: string[];
  }>;
}

describe('ttv plan', () => {
  it('shows each segment, the backend it would use and why others are skipped (--json)', async () => {
    const r = await run(['plan', '--json'], dir);
    expect(r.exit, `${r.stderr}\n${r.stdout}\n${r.error?.stack}`).toBe(0);
    const out = JSON.parse(r.stdout) as PlanJson;
    expect(out.ok).toBe(true);
    expect(out.chain).toEqual(['fakeremote', 'kenburns']);
    expect(out.segments.map((s) => [s.index, s.backend, s.model, s.clip?.durationSec])).toEqual([
      [0, 'fakeremote', 'cloud-1', 5],
      [1, 'fakeremote', 'cloud-1', 5],
      [2, 'kenburns', 'kenburns', 5],
    ]);
    expect(out.segments[1]!.warnings.join()).toMatch(/cannot make 7 s/);
    expect(out.segments[2]!.skipped[0]).toMatchObject({ backend: 'fakeremote' });
    expect(out.segments[2]!.skipped[0]!.reason).toMatch(/accepts at most 1000/);
  });

  it('prints a table and the reasons on a terminal', async () => {
    const r = await run(['plan', '-c', 'long.yaml'], dir);
    expect(r.exit).toBe(0);
    expect(r.stdout).toMatch(/long: chaining mode, 3 segments, 12\.0 s, chain kenburns/);
    expect(r.stdout).toMatch(/0\s+4s\s+first-frame\s+kenburns\/kenburns/);
  });
});

describe('ttv estimate', () => {
  it('prices every segment and each backend of the chain, against the budget, with zero network calls', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const r = await run(['estimate', '--json'], dir);
      expect(r.exit, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.segments.map((s: { backend: string; usd: number }) => [s.backend, s.usd])).toEqual([
        ['fakeremote', 0.25],
        ['fakeremote', 0.25],
        ['kenburns', 0],
      ]);
      expect(out.totalUsd).toBeCloseTo(0.5);
      expect(out.budget).toMatchObject({ maxUsd: 0.6, warnUsd: 0.2, withinBudget: true, overWarn: true });
      expect(out.costSources.map((c: { costSource: string }) => c.costSource)).toEqual(['estimateCost', 'estimateCost']);
      expect(out.perBackend).toEqual([
        { backend: 'fakeremote', kind: 'remote', usd: 0.5, segments: 2, skipped: 1 },
        { backend: 'kenburns', kind: 'embedded', usd: 0, segments: 3, skipped: 0 },
      ]);
      expect(out.segments[2].options[0]).toMatchObject({ backend: 'fakeremote', ok: false });
      const text = await run(['estimate'], dir);
      expect(text.stdout).toMatch(/Total: \$0\.50 for 3 segments/);
      expect(text.stdout).toMatch(/within budget/);
      expect(text.stdout).not.toContain('sk-very-secret-123');
      // Zero network: the emulator the remote backend points at saw nothing, and no socket was opened.
      expect(emu.requests).toHaveLength(0);
      expect(connect).not.toHaveBeenCalled();
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
      fetchSpy.mockRestore();
    }
  });

  const RUNWAY = join(ROOT, '..', 'backend-runway', 'dist', 'index.js');
  it.skipIf(!existsSync(RUNWAY))('the real runway backend pointed at the Runway emulator: priced, and the emulator sees 0 requests', async () => {
    const r = await writeAndRunJson(
      'estimate',
      'runway.yaml',
      `backend: ${RUNWAY}\nrunway: { baseUrl: ${emu.url}, apiKey: key_test }\nsegmentDuration: 5\nstoryboard:\n  image: first.png\n  segments: [{ prompt: one }, { prompt: two }]\n`,
    );
    expect(r.exit, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.segments.map((s: { backend: string }) => s.backend)).toEqual(['runway', 'runway']);
    expect(out.totalUsd).toBeGreaterThan(0);
    expect((await run(['plan', '-c', 'runway.yaml'], dir)).exit).toBe(0);
    expect(emu.requests).toHaveLength(0);
  });

  it('says when the run would cross budget.maxUsd, and exits 9', async () => {
    await write(dir, 'over.yaml', (await import('node:fs')).readFileSync(`${dir}/ttv.yaml`, 'utf8').replace('maxUsd: 0.6', 'maxUsd: 0.3'));
    const r = await run(['estimate', '-c', 'over.yaml'], dir);
    expect(r.exit).toBe(9);
    expect(r.stdout).toMatch(/OVER BUDGET/);
    const j = await run(['estimate', '-c', 'over.yaml', '--json'], dir);
    expect(j.exit).toBe(9);
    expect(JSON.parse(j.stdout)).toMatchObject({ overBudget: true, budget: { withinBudget: false } });
  });
});

describe('plan: one vocabulary, exit codes, safe output', () => {
  it('a prompt + keyframes storyboard shows the keyframes generate uses (was keyframe: undefined)', async () => {
    const r = await writeAndRunJson(
      'plan',
      'kf.yaml',
      'backend: kenburns\nmode: keyframe\nstoryboard:\n  image: first.png\n  prompt: One here. Two there.\n  keyframes: [k1.png, k2.png]\n',
    );
    expect(r.exit, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { segments: Array<{ keyframe?: string; input: string; firstFrame: string }> };
    expect(out.segments.map((s) => [s.keyframe, s.input, s.firstFrame])).toEqual([
      [join(dir, 'k1.png'), 'first-last-frame', 'image'],
      [join(dir, 'k2.png'), 'first-last-frame', 'previous-keyframe'],
    ]);
  });

  it('exits 2 when it says the run would fail (a segment no backend can take)', async () => {
    await write(
      dir,
      'impossible.yaml',
      `backend: ./fake-remote.mjs\nfakeremote: { baseUrl: ${emu.url} }\nstoryboard:\n  image: first.png\n  segments: [{ prompt: one }, { prompt: "${'y'.repeat(1200)}" }]\n`,
    );
    const r = await run(['plan', '-c', 'impossible.yaml'], dir);
    expect(r.exit).toBe(2);
    expect(r.stdout).toMatch(/the run would fail there/);
    const j = await run(['plan', '-c', 'impossible.yaml', '--json'], dir);
    expect(j.exit).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ runnable: false, unplaceable: [1] });
  });

  it('checks the input images up front, naming the config key', async () => {
    const r = await writeAndRunJson(
      'plan',
      'noimage.yaml',
      'backend: kenburns\nmode: keyframe\nstoryboard:\n  image: first.png\n  prompt: One. Two.\n  keyframes: [k1.png, missing.png]\n',
    );
    expect(r.exit).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'INPUT_INVALID', field: 'storyboard.keyframes[1]' });
    const e = await run(['estimate', '-c', 'noimage.yaml'], dir);
    expect(e.exit).toBe(2);
    expect(e.stderr).toMatch(/\[INPUT_INVALID\] storyboard\.keyframes\[1\]: image not found/);
  });

  it('escapes control characters of prompts and redacts ${…TOKEN} values', async () => {
    process.env.TTV_TEST_TOKEN = 'tok-0123456789-secret';
    try {
      await write(dir, 'ctrl.yaml', 'backend: kenburns\nstoryboard:\n  image: first.png\n  segments:\n    - prompt: "red\\e[31m alert\\a ${TTV_TEST_TOKEN}"\n');
      const r = await run(['plan', '-c', 'ctrl.yaml'], dir);
      expect(r.exit, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('\u001b');
      expect(r.stdout).not.toContain('\u0007');
      expect(r.stdout).toContain('red\\x1b[31m alert\\x07 ***');
      expect(r.stdout).not.toContain('tok-0123456789-secret');
      const j = await run(['plan', '-c', 'ctrl.yaml', '--json'], dir);
      expect(j.stdout).not.toContain('tok-0123456789-secret');
    } finally {
      delete process.env.TTV_TEST_TOKEN;
    }
  });
});

describe('bad input (plan and estimate)', () => {
  it('no config: CONFIG_INVALID with the fix, exit 2; --json gives {ok:false,error}', async () => {
    const empty = tmp('noconf');
    const r = await run(['plan'], empty);
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(/\[CONFIG_INVALID\].*cannot read config file/);
    expect(r.stderr).toMatch(/ttv init/);
    const j = await run(['estimate', '--json'], empty);
    expect(j.exit).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
  });

  it('invalid YAML: CONFIG_INVALID naming the file', async () => {
    const r = await run(['plan', '-c', 'bad.yaml'], dir);
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(/\[CONFIG_INVALID\].*bad\.yaml: invalid YAML/);
  });

  it('unknown backend: BACKEND_NOT_INSTALLED with the install command, exit 3', async () => {
    const r = await run(['estimate', '-c', 'nope.yaml', '--json'], dir);
    expect(r.exit).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.error.code).toBe('BACKEND_NOT_INSTALLED');
    expect(out.error.fix).toMatch(/install ttv-backend-nope|@ttv\/backend-nope/);
  });

  it('wrong flag: oclif rejects it with exit 2', async () => {
    const r = await run(['plan', '--bogus'], dir);
    expect(r.exit).toBe(2);
    expect(String(r.error?.message)).toMatch(/Nonexistent flag: --bogus/);
  });
});

describe('ttv plan --write', () => {
  it('writes the plan as an editable config: comments and ${VAR} references kept (not interpolated), the script replaced by segments with keyframe prompts, paths rebased; generate runs from it', async () => {
    const sub = join(dir, 'boards');
    await write(
      dir,
      'script.yaml',
      `# my film\nname: scripted\nmode: keyframe\nbackend: kenburns\noutput: { width: 320, height: 180, fps: 24, dir: "\${TTV_TEST_RUN_DIR}" }\nsegmentDuration: 1\nstoryboard:\n  image: first.png\n  totalDuration: 3\n  prompt: The keeper wakes. He climbs the stairs. He lights the lamp. The boat comes home.\n`,
    );
    process.env.TTV_TEST_RUN_DIR = 'runs/interpolated-value-42';
    const r = await run(['plan', '-c', 'script.yaml', '--write', 'boards/storyboard.yaml', '--json'], dir);
    expect(r.exit, r.stderr).toBe(0);
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(sub, 'storyboard.yaml'), 'utf8');
    expect(text).toContain('# my film');
    expect(text).toContain('${TTV_TEST_RUN_DIR}'); // copied, not interpolated: a secret reference stays a reference
    expect(text).not.toContain('interpolated-value-42');
    const { parse } = await import('yaml');
    const doc = parse(text);
    expect(doc.storyboard.image).toBe('../first.png');
    expect(doc.storyboard.prompt).toBeUndefined();
    expect(doc.storyboard.segments).toHaveLength(3);
    expect(doc.storyboard.segments[0]).toMatchObject({ duration: 1, keyframePrompt: expect.stringMatching(/^Still frame, no camera movement: /) });
    // The written file is a config that plans to the same segments.
    const again = await run(['plan', '-c', 'boards/storyboard.yaml', '--json'], dir);
    delete process.env.TTV_TEST_RUN_DIR;
    expect(again.exit, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).segments.map((s: { prompt: string }) => s.prompt)).toEqual(
      doc.storyboard.segments.map((s: { prompt: string }) => s.prompt),
    );
  });
});
