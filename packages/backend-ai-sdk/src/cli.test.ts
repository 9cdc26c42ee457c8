/**
 * End to end: the real `ttv` binary (built dist) with `backend: ai-sdk` resolved by name from a config inside this
 * package (`.test-runs/`, gitignored), driving the real @ai-sdk/fal and @ai-sdk/replicate packages against the fal
 * and Replicate emulators running in this process. Keys reach the CLI only through FAL_KEY / REPLICATE_API_TOKEN.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFrame, imagePsnr, probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import type { GenerateJson } from '@ttv/testkit';
import { type FalEmulator, type ReplicateEmulator, startFalEmulator, startReplicateEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const PKG = resolve(fileURLToPath(import.meta.url), '../..');
const ROOT = resolve(PKG, '../..');
const CLI_BIN = join(ROOT, 'packages/cli/bin/run.js');
const W = 320;
const H = 180;

let fal: FalEmulator;
let replicate: ReplicateEmulator;
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onSpawn?: (kill: () => void) => void } = {}): Promise<Run> {
  return new Promise((done, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    opts.onSpawn?.(() => child.kill('SIGKILL'));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

type Provider = 'fal' | 'replicate';

function section(provider: Provider, extra = ''): string {
  const baseURL = provider === 'fal' ? fal.url : `${replicate.url}/v1`;
  return `ai-sdk:\n  provider: ${provider}\n  baseURL: ${baseURL}\n  polling: { intervalMs: 20, maxIntervalMs: 60 }\n${extra}`;
}

async function ttv(name: string, yaml: string, onSpawn?: (kill: () => void) => void): Promise<Run> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, `name: ${name}\noutput: { width: ${W}, height: ${H}, fps: 24 }\n${yaml}`);
  const env = { FAL_KEY: fal.apiKey, REPLICATE_API_TOKEN: replicate.apiToken };
  return run(process.execPath, [CLI_BIN, 'generate', '--config', file, '--json'], { env, ...(onSpawn ? { onSpawn } : {}) });
}

function parse(r: Run): GenerateJson {
  try {
    return JSON.parse(r.stdout) as GenerateJson;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

async function noSecretIn(runDir: string): Promise<void> {
  for (const name of await readdir(runDir)) {
    if (!/\.(json|jsonl|log|ya?ml)$/.test(name)) continue;
    const text = await readFile(join(runDir, name), 'utf8');
    expect(text).not.toContain(fal.apiKey);
    expect(text).not.toContain(replicate.apiToken);
  }
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'packages/cli/dist/commands/generate.js')) || !existsSync(join(ROOT, 'packages/backend-kenburns/dist/index.js'))) {
    const b = await run('pnpm', ['turbo', 'run', 'build', '--filter', '@ttv/cli...'], { timeoutMs: 300_000 });
    if (b.code !== 0) throw new Error(`building the CLI failed:\n${b.stdout}\n${b.stderr}`);
  }
  const own = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(PKG, 'tsconfig.build.json')], { timeoutMs: 300_000 });
  if (own.code !== 0) throw new Error(`building @ttv/backend-ai-sdk failed:\n${own.stdout}\n${own.stderr}`);
  await mkdir(join(PKG, '.test-runs'), { recursive: true });
  dir = await mkdtemp(join(PKG, '.test-runs', 'cli-'));
  await makeTestImage(join(dir, 'a.png'), { width: W, height: H, pattern: 'testsrc2' });
  await makeTestImage(join(dir, 'b.png'), { width: W, height: H, pattern: 'mandelbrot' });
  await makeTestImage(join(dir, 'c.png'), { width: W, height: H, pattern: 'gradient' });
  fal = await startFalEmulator({ outputScale: 6, jobMs: 200 });
  replicate = await startReplicateEmulator({ outputScale: 4, jobMs: 200 });
}, 600_000);

afterAll(async () => {
  await fal?.close();
  await replicate?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fal.reset();
  replicate.reset();
});

/** Per provider: the segment length its model makes, the price per second, and the emulator. */
const PROVIDERS = {
  fal: { seconds: 5, usdPerSecond: 0.098, model: 'fal-ai/kling-video/v2.1/pro/image-to-video', emu: () => fal as FalEmulator | ReplicateEmulator },
  replicate: { seconds: 4, usdPerSecond: 0.1, model: 'google/veo-3.1-fast', emu: () => replicate as FalEmulator | ReplicateEmulator },
} as const;

describe.each(['fal', 'replicate'] as const)('ttv generate with backend: ai-sdk, provider %s (emulator)', (provider) => {
  const p = PROVIDERS[provider];
  const frames = p.seconds * 24;

  it('chaining: two segments, the second from the first one’s last frame, joined into a correct final.mp4', async () => {
    const r = await ttv(
      `chain-${provider}`,
      `mode: chaining\nbackend: ai-sdk\nsegmentDuration: ${p.seconds}\n${section(provider)}storyboard:\n  image: a.png\n  segments:\n    - prompt: dawn over the valley\n    - prompt: the mist lifts\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(out.segments.map((s) => [s.backend, s.model, s.status])).toEqual([
      ['ai-sdk', p.model, 'done'],
      ['ai-sdk', p.model, 'done'],
    ]);
    expect(out.totalCostUsd).toBeCloseTo(2 * p.seconds * p.usdPerSecond, 6);
    const stats = p.emu().stats();
    expect(stats).toMatchObject({ submissions: 2, submitAttempts: 2, succeeded: 2, cancels: 0 });
    expect(stats.paidUsd).toBeCloseTo(out.totalCostUsd, 6);
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 2 * frames - 1 });
    expect(final.durationSec).toBeCloseTo((2 * frames - 1) / 24, 1);
    // Each start carried the engine's idempotency key for its attempt.
    const keys = p
      .emu()
      .requests.filter((q) => q.method === 'POST' && q.json !== undefined)
      .map((q) => q.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(2);
    for (const k of keys) expect(k).toMatch(/\S{8,}/);
    await noSecretIn(out.runDir);
  });

  it('keyframe: first and last frames reach the model; the clips end on the keyframes', async () => {
    const r = await ttv(
      `keys-${provider}`,
      `mode: keyframe\nbackend: ai-sdk\nsegmentDuration: ${p.seconds}\nconcurrency: 2\n${section(provider)}storyboard:\n  image: a.png\n  segments:\n    - { prompt: one, keyframe: b.png }\n    - { prompt: two, keyframe: c.png }\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(out.segments.map((s) => s.status)).toEqual(['done', 'done']);
    const bodies = p
      .emu()
      .requests.filter((q) => q.method === 'POST' && q.json !== undefined)
      .map((q) => q.json as Record<string, unknown>);
    const lastField = provider === 'fal' ? 'tail_image_url' : 'last_frame';
    expect(bodies.map((b) => String((provider === 'fal' ? b : (b['input'] as Record<string, unknown>))[lastField]).slice(0, 22))).toEqual([
      'data:image/png;base64,',
      'data:image/png;base64,',
    ]);
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 2 * frames - 1 });
    const end = join(dir, `end-${provider}.png`);
    await extractFrame(out.video, final.frames - 1, end);
    expect(await imagePsnr(join(dir, 'c.png'), end)).toBeGreaterThan(18);
  });
});

describe('resume and refusals', () => {
  it('a run killed (SIGKILL) while its fal job runs re-attaches on the next run: no second paid job', async () => {
    fal.script.nextJob({ runMs: 5000 });
    const yaml = `backend: ai-sdk\nsegmentDuration: 5\n${section('fal')}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`;
    let kill: () => void = () => {};
    const first = ttv('resume', yaml, (k) => (kill = k));
    const deadline = Date.now() + 60_000;
    while (!(fal.stats().submissions === 1 && fal.stats().polls >= 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    kill();
    expect((await first).code).not.toBe(0);
    expect(fal.stats()).toMatchObject({ submissions: 1, cancels: 0 });

    const second = await ttv('resume', yaml);
    expect(second.code, second.stderr).toBe(0);
    const out = parse(second);
    expect(out.segments[0]).toMatchObject({ backend: 'ai-sdk', status: 'done' });
    expect(fal.stats()).toMatchObject({ submissions: 1, submitAttempts: 1, succeeded: 1, cancels: 0 });
    expect(fal.stats().paidUsd).toBeCloseTo(0.49, 6);
    expect((await probeVideo(out.video, { countFrames: true })).frames).toBe(120);
  });

  it('a Replicate refusal (E005) is MODERATION: onModeration: next falls through to kenburns, one paid start', async () => {
    const r = await ttv(
      'moderation-next',
      `backends: [ai-sdk, kenburns]\nonModeration: next\nsegmentDuration: 4\n${section('replicate')}storyboard:\n  image: a.png\n  segments:\n    - prompt: a forbidden scene\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(out.segments[0]).toMatchObject({ backend: 'kenburns', status: 'done' });
    expect(replicate.stats()).toMatchObject({ submissions: 1, failed: 1, paidUsd: 0 });
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.segments[0].attempts[0]).toMatchObject({ backend: 'ai-sdk', errorCode: 'MODERATION' });
  });

  it('a fal refusal is MODERATION: onModeration: reword drops the flagged word and the second start succeeds', async () => {
    const r = await ttv(
      'moderation-reword',
      `backend: ai-sdk\nonModeration: reword\nsegmentDuration: 5\n${section('fal')}storyboard:\n  image: a.png\n  segments:\n    - prompt: a forbidden scene at dusk\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(out.segments[0]).toMatchObject({ backend: 'ai-sdk', status: 'done' });
    const prompts = fal.requests.filter((q) => q.method === 'POST' && q.json !== undefined).map((q) => (q.json as { prompt: string }).prompt);
    expect(prompts).toHaveLength(2);
    expect(prompts[0]).toContain('forbidden');
    expect(prompts[1]).not.toContain('forbidden');
    expect(fal.stats()).toMatchObject({ submissions: 2, succeeded: 1, failed: 1 });
    expect(out.totalCostUsd).toBeCloseTo(0.49, 6);
  });
});

describe('reference pictures, sound per clip and models declared in the config (emulator)', () => {
  const cast = 'cast:\n  - { name: Mira, kind: character, description: a girl in a red coat, image: b.png }\n';
  const bodies = (emu: FalEmulator | ReplicateEmulator) =>
    emu.requests.filter((q) => q.method === 'POST' && q.json !== undefined).map((q) => q.json as Record<string, unknown>);

  it("a cast member's picture reaches Kling O1 as an element; the chained segment's model cannot take it: left out, with a warning", async () => {
    const r = await ttv(
      'cast-fal',
      `mode: chaining\nbackend: ai-sdk\nsegmentDuration: 5\n${section('fal', '  model: fal-ai/kling-video/o1/reference-to-video\n')}${cast}storyboard:\n  segments:\n    - prompt: Mira walks along the harbor at dawn\n    - prompt: Mira waves\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(out.segments.map((s) => [s.model, s.status])).toEqual([
      ['fal-ai/kling-video/o1/reference-to-video', 'done'],
      ['fal-ai/kling-video/v2.1/pro/image-to-video', 'done'],
    ]);
    const [first, second] = bodies(fal);
    expect((first!['elements'] as Array<{ frontal_image_url: string }>).map((e) => e.frontal_image_url.slice(0, 22))).toEqual(['data:image/png;base64,']);
    expect(second).not.toHaveProperty('elements');
    expect(fal.stats()).toMatchObject({ submissions: 2, succeeded: 2, references: 1 });
    expect(out.totalCostUsd).toBeCloseTo(5 * 0.112 + 5 * 0.098, 6);
    expect(fal.stats().paidUsd).toBeCloseTo(out.totalCostUsd, 6);
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.segments.map((s: { references?: unknown }) => s.references)).toEqual([
      { backend: 'ai-sdk', sent: ['Mira'], dropped: [] },
      { backend: 'ai-sdk', sent: [], dropped: ['Mira'] },
    ]);
    expect(out.segments[1]!.warnings.join('\n')).toMatch(/Mira.*left out/);
  });

  it('audio.generate: on asks Veo for sound on each clip and books the sound rate though ai-sdk.audio is false', async () => {
    const r = await ttv(
      'sound-replicate',
      `backend: ai-sdk\nsegmentDuration: 4\naudio: { generate: on }\n${section('replicate', '  audio: false\n')}storyboard:\n  image: a.png\n  segments:\n    - prompt: waves\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(bodies(replicate).map((b) => (b['input'] as Record<string, unknown>)['generate_audio'])).toEqual([true]);
    expect(out.totalCostUsd).toBeCloseTo(4 * 0.15, 6);
    expect(replicate.stats().paidUsd).toBeCloseTo(out.totalCostUsd, 6);
  });

  it('a model declared under ai-sdk.models makes a chained film at its declared price', async () => {
    const model = [
      '  model: fal-ai/kling-video/v2.1/standard/image-to-video',
      '  models:',
      '    - id: fal-ai/kling-video/v2.1/standard/image-to-video',
      '      inputs: [first-frame]',
      '      durations: [5, 10]',
      '      duration: { via: option, field: duration, format: string }',
      '      sizes: [{ width: 1920, height: 1080 }, { width: 1080, height: 1920 }, { width: 1080, height: 1080 }]',
      '      fps: 24',
      '      fields: { negativePrompt: negative_prompt }',
      '      price: { usdPerSecond: 0.05 }',
      '',
    ].join('\n');
    const r = await ttv(
      'custom-fal',
      `mode: chaining\nbackend: ai-sdk\nsegmentDuration: 5\n${section('fal', model)}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n    - prompt: two\n`,
    );
    expect(r.code, r.stderr).toBe(0);
    const out = parse(r);
    expect(out.segments.map((s) => [s.model, s.status])).toEqual([
      ['fal-ai/kling-video/v2.1/standard/image-to-video', 'done'],
      ['fal-ai/kling-video/v2.1/standard/image-to-video', 'done'],
    ]);
    expect(out.totalCostUsd).toBeCloseTo(0.5, 6);
    expect(fal.stats()).toMatchObject({ submissions: 2, succeeded: 2 });
    expect(fal.stats().paidUsd).toBeCloseTo(0.5, 6);
    expect((await probeVideo(out.video, { countFrames: true })).frames).toBe(2 * 120 - 1);
  });
});
