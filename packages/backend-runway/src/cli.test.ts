/**
 * End to end: the real `ttv` binary (built dist) with `backend: runway` resolved by name from a config inside
 * this package (`.test-runs/`, gitignored), against the Runway emulator running in this process. The API key
 * reaches the CLI only through RUNWAYML_API_SECRET.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFrame, imagePsnr, probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type GenerateJson, type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const PKG = resolve(fileURLToPath(import.meta.url), '../..');
const ROOT = resolve(PKG, '../..');
const CLI_BIN = join(ROOT, 'packages/cli/bin/run.js');
const RUNS = join(PKG, '.test-runs');

let emu: RunwayEmulator;
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (kill: () => void) => void } = {},
): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    opts.onSpawn?.(() => child.kill('SIGKILL'));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** `ttv generate --config <file> --json` with the emulator's key in the environment (and nowhere else). */
function ttv(file: string, extra: { onSpawn?: (kill: () => void) => void; apiKey?: string } = {}): Promise<Run> {
  const env = { RUNWAYML_API_SECRET: extra.apiKey ?? emu.apiKey, RUNWAYML_BASE_URL: '' };
  return run(process.execPath, [CLI_BIN, 'generate', '--config', file, '--json'], { env, ...extra });
}

beforeAll(async () => {
  // Fresh dist of this package (the CLI imports it by name); the CLI, core and kenburns are built once.
  const needCli = !existsSync(join(ROOT, 'packages/cli/dist/commands/generate.js')) || !existsSync(join(ROOT, 'packages/backend-kenburns/dist/index.js'));
  if (needCli) {
    const b = await run('pnpm', ['turbo', 'run', 'build', '--filter', '@ttv/cli...'], { timeoutMs: 300_000 });
    if (b.code !== 0) throw new Error(`building the CLI failed:\n${b.stdout}\n${b.stderr}`);
  }
  const own = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PKG, 'tsconfig.build.json')], { timeoutMs: 300_000 });
  if (own.code !== 0) throw new Error(`building @ttv/backend-runway failed:\n${own.stdout}\n${own.stderr}`);
  await mkdir(RUNS, { recursive: true });
  dir = await mkdtemp(join(RUNS, 'cli-'));
  await makeTestImage(join(dir, 'a.png'), { width: 320, height: 180, pattern: 'testsrc2' });
  await makeTestImage(join(dir, 'b.png'), { width: 320, height: 180, pattern: 'mandelbrot' });
  await makeTestImage(join(dir, 'c.png'), { width: 320, height: 180, pattern: 'gradient' });
  emu = await startRunwayEmulator({ outputScale: 8, taskDurationMs: 300 });
}, 600_000);

afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => emu.reset());

const W = 320;
const H = 180;

function runwaySection(extra = ''): string {
  return `runway:\n  baseUrl: ${emu.url}\n  polling: { intervalMs: 20, maxIntervalMs: 60 }\n${extra}`;
}

async function config(name: string, yaml: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `name: ${name}\noutput: { width: ${W}, height: ${H}, fps: 24 }\n${yaml}`);
  return file;
}

type JsonResult = GenerateJson;

function parse(r: Run): JsonResult {
  try {
    return JSON.parse(r.stdout) as JsonResult;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Writes the config, runs `ttv generate` on it, expects success and returns its JSON. */
async function generateOk(name: string, yaml: string): Promise<JsonResult> {
  const r = await ttv(await config(name, yaml));
  expect(r.code, r.stderr).toBe(0);
  return parse(r);
}

async function noSecretIn(runDir: string): Promise<void> {
  for (const name of await readdir(runDir)) {
    if (/\.(json|log|ya?ml)$/.test(name)) expect(await readFile(join(runDir, name), 'utf8')).not.toContain(emu.apiKey);
  }
}

describe('ttv generate with backend: runway (emulator)', () => {
  it('chaining: three gen4_turbo segments, each from the previous last frame, joined into a correct final.mp4', async () => {
    const out = await generateOk(
      'chain',
      `mode: chaining\nbackend: runway\nsegmentDuration: 2\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n    - prompt: two\n    - prompt: three\n`,
    );
    expect(out.segments.map((s) => [s.backend, s.model, s.status])).toEqual([
      ['runway', 'gen4_turbo', 'done'],
      ['runway', 'gen4_turbo', 'done'],
      ['runway', 'gen4_turbo', 'done'],
    ]);
    expect(out.totalCostUsd).toBeCloseTo(3 * 0.1, 6);
    expect(emu.stats()).toMatchObject({ created: 3, createAttempts: 3, cancels: 0 });
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 3 * 48 - 2 });
    expect(final.durationSec).toBeCloseTo((3 * 48 - 2) / 24, 1);
    // Segments 2 and 3 started from a data URI of the previous clip's last frame (fitted to 1280x720).
    const bodies = emu.requestsTo('POST', '/v1/image_to_video').map((q) => q.json as Record<string, unknown>);
    expect(bodies.map((b) => b['promptText'])).toEqual(['one', 'two', 'three']);
    expect(new Set(bodies.map((b) => b['promptImage'])).size).toBe(3);
    await noSecretIn(out.runDir);
  });

  it('keyframe: veo3.1_fast with first and last frames; the clips end on the keyframes', async () => {
    const out = await generateOk(
      'keys',
      `mode: keyframe\nbackend: runway\nsegmentDuration: 4\nconcurrency: 2\n${runwaySection('  model: veo3.1_fast\n')}storyboard:\n  image: a.png\n  segments:\n    - { prompt: one, keyframe: b.png }\n    - { prompt: two, keyframe: c.png }\n`,
    );
    expect(out.segments.map((s) => [s.backend, s.model, s.status])).toEqual([
      ['runway', 'veo3.1_fast', 'done'],
      ['runway', 'veo3.1_fast', 'done'],
    ]);
    expect(out.totalCostUsd).toBeCloseTo(2 * 0.4, 6);
    const bodies = emu.requestsTo('POST', '/v1/image_to_video').map((q) => q.json as { promptImage: { position: string }[]; duration: number });
    expect(bodies).toHaveLength(2);
    for (const b of bodies) {
      expect(b.promptImage.map((i) => i.position)).toEqual(['first', 'last']);
      expect(b.duration).toBe(4);
    }
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 2 * 96 - 1 });
    // The film ends on the last keyframe (the emulator renders 1/8 scale; the join scales it back up).
    const end = join(dir, 'end.png');
    await extractFrame(out.video, final.frames - 1, end);
    expect(await imagePsnr(join(dir, 'c.png'), end)).toBeGreaterThan(18);
  });

  it('references: a Seedance clip from text gets the cast picture as references[]; the chained clip and gen4_turbo leave it out, said in the manifest', async () => {
    const cast = 'cast:\n  - { name: Mara, description: a keeper in a red coat, image: b.png }\n';
    const out = await generateOk(
      'refs',
      `mode: chaining\nbackend: runway\nsegmentDuration: 5\n${runwaySection('  model: seedance2_fast\n')}${cast}storyboard:\n  segments:\n    - prompt: Mara walks to the harbour.\n    - prompt: Mara waves.\n`,
    );
    expect(out.segments.map((s) => [s.model, s.status])).toEqual([
      ['seedance2_fast', 'done'],
      ['seedance2_fast', 'done'],
    ]);
    const [fromText] = emu.requestsTo('POST', '/v1/text_to_video').map((q) => q.json as { references: { uri: string }[]; promptText: string });
    expect(fromText!.references).toEqual([{ uri: expect.stringMatching(/^data:image\/png;base64,/) }]);
    expect(fromText!.promptText).toContain('Mara walks to the harbour.');
    const [chained] = emu.requestsTo('POST', '/v1/image_to_video').map((q) => q.json as Record<string, unknown>);
    expect([chained!['references'], (chained!['promptImage'] as { position: string }[]).map((p) => p.position)]).toEqual([undefined, ['first']]);
    expect(emu.stats()).toMatchObject({ created: 2, referenceImages: 1 });
    expect(out.totalCostUsd).toBeCloseTo(2 * 1.45, 6);
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.segments.map((s: { references?: unknown }) => s.references)).toEqual([
      { backend: 'runway', sent: ['Mara'], dropped: [] },
      { backend: 'runway', sent: [], dropped: ['Mara'] },
    ]);
    expect(JSON.stringify(manifest.segments[1].warnings)).toMatch(/only with text input, not first-frame/);

    emu.reset();
    const gen4 = await generateOk(
      'refs-gen4',
      `backend: runway\nsegmentDuration: 2\n${runwaySection()}${cast}storyboard:\n  image: a.png\n  segments:\n    - prompt: Mara waves.\n`,
    );
    expect(gen4.segments[0]).toMatchObject({ model: 'gen4_turbo', status: 'done' });
    const m2 = JSON.parse(await readFile(join(gen4.runDir, 'manifest.json'), 'utf8'));
    expect(m2.segments[0].references).toEqual({ backend: 'runway', sent: [], dropped: ['Mara'] });
    expect(JSON.stringify(m2.segments[0].warnings)).toMatch(/gen4_turbo takes 0 reference picture/);
    expect(emu.stats()).toMatchObject({ created: 1, referenceImages: 0 });
  });

  it('fallback: the daily limit (429) is QUOTA on runway and each segment falls through to kenburns', async () => {
    emu.script.dailyLimit({ times: 100 });
    const out = await generateOk(
      'fallback',
      `mode: chaining\nbackends: [runway, kenburns]\nsegmentDuration: 2\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n    - prompt: two\n`,
    );
    expect(out.segments.map((s) => [s.backend, s.status])).toEqual([
      ['kenburns', 'done'],
      ['kenburns', 'done'],
    ]);
    expect(out.totalCostUsd).toBe(0);
    // QUOTA is not retried: exactly one create attempt per segment, none created.
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 2 });
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.segments[0].attempts[0]).toMatchObject({ backend: 'runway', errorCode: 'QUOTA' });
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 2 * 48 - 1 });
  });

  it('a refused API key (401) ends the run as AUTH, exit 4 (not GENERATION_FAILED, 7)', async () => {
    const file = await config('badkey', `backend: runway\nsegmentDuration: 2\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`);
    const r = await ttv(file, { apiKey: 'key_wrong' });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(parse(r).error?.code).toBe('AUTH');
    expect(emu.stats()).toMatchObject({ created: 0 });
  });

  it('the daily limit (429) with no fallback ends the run as QUOTA, exit 4 (not GENERATION_FAILED, 7)', async () => {
    emu.script.dailyLimit({ times: 100 });
    const file = await config('daily', `backend: runway\nsegmentDuration: 2\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`);
    const r = await ttv(file);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(parse(r).error?.code).toBe('QUOTA');
    expect(emu.stats()).toMatchObject({ created: 0 });
  });

  it('the engine does not retry a SAFETY failure (one task, exit code 5) but retries INTERNAL', async () => {
    emu.script.nextTask({ failureCode: 'SAFETY.INPUT.TEXT' });
    const safety = await config(
      'safety',
      `backend: runway\nsegmentDuration: 2\nretries: { baseDelayMs: 10 }\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`,
    );
    const r1 = await ttv(safety);
    expect(r1.code).toBe(5);
    expect(parse(r1).error?.code).toBe('MODERATION');
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 0 });

    emu.reset();
    emu.script.nextTask({ failureCode: 'INTERNAL' });
    const internal = await config(
      'internal',
      `backend: runway\nsegmentDuration: 2\nretries: { baseDelayMs: 10 }\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`,
    );
    const r2 = await ttv(internal);
    expect(r2.code, r2.stderr).toBe(0);
    expect(emu.stats()).toMatchObject({ created: 2, cancels: 0 });
  });

  it('a run killed while its task runs resumes that task on the next run, never creating a second one', async () => {
    emu.script.nextTask({ durationMs: 6000 });
    const file = await config('resume', `backend: runway\nsegmentDuration: 2\n${runwaySection()}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`);
    let kill: () => void = () => {};
    const first = ttv(file, { onSpawn: (k) => (kill = k) });
    // Wait until the task exists and has been polled (the engine has recorded the job), then crash the CLI.
    const deadline = Date.now() + 60_000;
    while (!(emu.stats().created === 1 && emu.stats().polls >= 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    kill();
    const killed = await first;
    expect(killed.code).not.toBe(0);
    expect(emu.stats()).toMatchObject({ created: 1, cancels: 0 });

    const second = await ttv(file);
    expect(second.code, second.stderr).toBe(0);
    const out = parse(second);
    expect(out.segments[0]).toMatchObject({ backend: 'runway', status: 'done' });
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 1, cancels: 0 });
    expect((await probeVideo(out.video)).frames).toBe(48);
    expect(readFileSync(join(out.runDir, 'manifest.json'), 'utf8')).toContain([...emu.tasks.keys()][0]!);
  });
});
