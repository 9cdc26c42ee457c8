/**
 * Whole runs through the built `ttv` CLI (a subprocess) against the Veo + GCS emulator: `backend: veo3` is
 * resolved by the registry from a config folder inside this package. Needs the CLI and this package built
 * (pnpm turbo run build --filter @ttv/cli... --filter @ttv/backend-veo3); skipped with a note otherwise.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFirstFrame, extractLastFrame, fitImage, imagePsnr, probeVideo, runFfprobe } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type GenerateJson, startVeoEmulator, type VeoEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearGoogleEnv, TOKEN } from './test-helpers.fixture.js';

const PACKAGE_DIR = resolve(fileURLToPath(import.meta.url), '../..');
const CLI_BIN = resolve(PACKAGE_DIR, '../cli/bin/run.js');
const built = existsSync(join(PACKAGE_DIR, 'dist/index.js')) && existsSync(resolve(PACKAGE_DIR, '../cli/dist/commands/generate.js'));

let emu: VeoEmulator;
let dir: string;
const W = 320;
const H = 180;

type JsonResult = GenerateJson;

/** Starts `ttv` (a subprocess, so a test can send it signals); `done` settles when it exits. */
function ttvProcess(args: string[]): { child: ChildProcess; done: Promise<{ exitCode: number | null; stdout: string; stderr: string }> } {
  // Only what the run needs: no GOOGLE_* from the developer's shell; the token comes through env interpolation.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], TTV_TEST_VEO_TOKEN: TOKEN };
  for (const k of ['FFMPEG_PATH', 'FFPROBE_PATH']) if (process.env[k]) env[k] = process.env[k];
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
  const done = new Promise<{ exitCode: number | null; stdout: string; stderr: string }>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolvePromise({ exitCode, stdout, stderr }));
  });
  return { child, done };
}

function ttv(args: string[]): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return ttvProcess(args).done;
}

async function until(what: string, condition: () => boolean, timeoutMs = 180_000): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The parts of the run folder's manifest.json these tests read. */
interface RunManifest {
  status: string;
  totalCostUsd: number;
  ledger: Array<{ segment: number; attempt: number; estimatedUsd: number; actualUsd: number; outcome: string }>;
  segments: Array<{
    status: string;
    job?: { handle: { id: string }; chargedUsd?: number };
    attempts: Array<{ jobId?: string; resumed?: boolean; outcome?: string }>;
  }>;
}

const readManifest = async (runDir: string): Promise<RunManifest> => JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as RunManifest;

function veoSection(model: string): string {
  return [
    'veo3:',
    '  auth: access-token',
    '  accessToken: ${TTV_TEST_VEO_TOKEN}',
    `  project: ${emu.project}`,
    `  location: ${emu.location}`,
    `  model: ${model}`,
    `  baseUrl: ${emu.url}`,
    `  storageEndpoint: ${emu.url}`,
    '  outputGcsUri: gs://ttv-cli-out/runs/',
    '  deleteOutputAfterDownload: true',
    '  polling: { intervalMs: 20, maxIntervalMs: 100 }',
  ].join('\n');
}

beforeAll(async () => {
  clearGoogleEnv();
  if (!built) return;
  emu = await startVeoEmulator({ operationDurationMs: 200, outputScale: 8, accessToken: TOKEN, renderConcurrency: 2 });
  await mkdir(join(PACKAGE_DIR, '.test-runs'), { recursive: true });
  dir = await mkdtemp(join(PACKAGE_DIR, '.test-runs', 'cli-'));
  await Promise.all([
    makeTestImage(join(dir, 'a.png'), { width: W, height: H, pattern: 'gradient' }),
    makeTestImage(join(dir, 'b.png'), { width: W, height: H, pattern: 'testsrc2' }),
    makeTestImage(join(dir, 'c.png'), { width: W, height: H, pattern: 'mandelbrot' }),
  ]);
});

afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!built)('ttv generate with backend: veo3 (CLI against the emulator)', () => {
  it('chaining: a text-only first segment, then each segment starts from the previous last frame', async () => {
    const config = join(dir, 'chain.yaml');
    await writeFile(
      config,
      `name: veo-chain\nmode: chaining\nbackend: veo3\nsegmentDuration: 4\noutput: { width: ${W}, height: ${H}, fps: 24 }\n` +
        `storyboard:\n  segments:\n    - prompt: a lighthouse at dusk\n    - prompt: the camera rises over the sea\n    - prompt: night falls\n${veoSection('veo-3.1-fast-generate-001')}\n`,
    );
    const run = await ttv(['generate', '--config', config, '--out', join(dir, 'out-chain'), '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    const out = JSON.parse(run.stdout) as JsonResult;
    expect(out.segments.map((s) => [s.index, s.backend, s.model, s.status])).toEqual([
      [0, 'veo3', 'veo-3.1-fast-generate-001', 'done'],
      [1, 'veo3', 'veo-3.1-fast-generate-001', 'done'],
      [2, 'veo3', 'veo-3.1-fast-generate-001', 'done'],
    ]);
    // 3 × 4 s × $0.10/s.
    expect(out.totalCostUsd).toBeCloseTo(1.2, 6);
    expect(out.video).toBe(join(dir, 'out-chain', 'final.mp4'));

    // 3 × 96 frames, minus the repeated seam frame of segments 1 and 2; scaled to the film size.
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 3 * 96 - 2 });
    // The joined file's average rate comes out as 23.9987 (container duration rounding in the join), so ±0.01.
    expect(final.fps).toBeCloseTo(24, 2);
    expect(final.durationSec).toBeCloseTo((3 * 96 - 2) / 24, 1);

    // One operation per segment; the first is text-only, the next two start from a PNG first frame.
    const submits = emu
      .requestsTo('POST', /:predictLongRunning$/)
      .map((r) => r.json as { instances: Array<{ image?: { mimeType: string } }>; parameters: Record<string, unknown> });
    expect(submits).toHaveLength(3);
    expect(submits.map((s) => s.instances[0]!.image?.mimeType ?? 'text')).toEqual(['text', 'image/png', 'image/png']);
    expect(submits.every((s) => s.parameters['durationSeconds'] === 4 && s.parameters['aspectRatio'] === '16:9' && s.parameters['resolution'] === '720p')).toBe(
      true,
    );
    // gs:// outputs were downloaded once each, then deleted.
    expect(emu.stats()).toMatchObject({ submits: 3, downloads: 3, deletes: 3 });

    // Continuity: segment 1 starts on segment 0's last frame.
    const last0 = join(dir, 'chain-last0.png');
    const first1 = join(dir, 'chain-first1.png');
    await Promise.all([extractLastFrame(out.segments[0]!.file, last0), extractFirstFrame(out.segments[1]!.file, first1)]);
    expect(await imagePsnr(last0, first1)).toBeGreaterThan(28);

    // One log channel: the backend logs through each call's context, and the engine prefixes its lines with the
    // segment and the backend (once).
    const veoLines = (await readFile(join(out.runDir, 'run.log'), 'utf8')).split('\n').filter((l) => l.includes('veo3: '));
    for (const seg of [0, 1, 2])
      expect(
        veoLines.some((l) => l.includes(`[seg ${seg}] veo3: operation `)),
        veoLines.join('\n'),
      ).toBe(true);
    expect(veoLines.filter((l) => !/\[seg \d+\] veo3: /.test(l) || l.includes('veo3: veo3:'))).toEqual([]);
  });

  it('extend: a 30 s film of one clip and four Veo extensions, each sent the previous clip, joined without a repeated or lost frame', async () => {
    emu.reset();
    const config = join(dir, 'extend.yaml');
    const prompts = ['a lighthouse at dusk', 'the camera rises', 'over the sea', 'the lamp turns', 'night falls'];
    await writeFile(
      config,
      `name: veo-extend\nmode: extend\nbackend: veo3\nsegmentDuration: 6\noutput: { width: ${W}, height: ${H}, fps: 24 }\n` +
        `storyboard:\n  image: a.png\n  segments:\n${prompts.map((p) => `    - prompt: ${p}\n`).join('')}${veoSection('veo-3.1-fast-generate-001')}\n`,
    );
    const run = await ttv(['generate', '--config', config, '--out', join(dir, 'out-extend'), '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as JsonResult;
    expect(out.segments.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8')) as { segments: Array<{ continuation?: string }> };
    expect(manifest.segments.map((s) => s.continuation)).toEqual([undefined, 'extend', 'extend', 'extend', 'extend']);

    // Segments − 1 extensions, each given the clip before it (the very bytes of segments/seg-N.mp4).
    expect(emu.stats()).toMatchObject({ submits: 5, extensions: 4 });
    const sha = async (file: string) =>
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex');
    const inputs = emu.operations().flatMap((op) => (op.extension ? [op.extension.inputSha256] : []));
    expect(inputs).toEqual(await Promise.all(out.segments.slice(0, 4).map((s) => sha(s.file))));
    // One 6 s clip at $0.10/s, then four extensions billed 7 s each.
    expect(out.totalCostUsd).toBeCloseTo(6 * 0.1 + 4 * 7 * 0.1, 6);

    // Each clip is the 6 s continuation only; the film is their sum: 5 × 144 frames, no seam frame dropped or repeated.
    const clips = await Promise.all(out.segments.map((s) => probeVideo(s.file, { countFrames: true })));
    expect(clips.map((c) => c.frames)).toEqual([144, 144, 144, 144, 144]);
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 5 * 144 });
    expect(final.durationSec).toBeCloseTo(30, 1);

    // The joins are continuous: clip n+1 starts right after clip n's last frame (close to it, not a copy of it).
    for (let n = 0; n < 4; n++) {
      const [last, first] = [join(dir, `ext-last${n}.png`), join(dir, `ext-first${n + 1}.png`)];
      await Promise.all([extractLastFrame(out.segments[n]!.file, last), extractFirstFrame(out.segments[n + 1]!.file, first)]);
      const psnr = await imagePsnr(last, first);
      expect(psnr, `seam ${n}`).toBeGreaterThan(25);
      expect(psnr, `seam ${n}`).toBeLessThan(60);
    }
  });

  it('generateAudio: the clips keep their sound through the join, one track as long as the film', async () => {
    const config = join(dir, 'audio.yaml');
    await writeFile(
      config,
      `name: veo-audio\nmode: chaining\nbackend: veo3\nsegmentDuration: 4\noutput: { width: ${W}, height: ${H}, fps: 24 }\n` +
        `storyboard:\n  segments:\n    - prompt: waves on a beach\n    - prompt: gulls overhead\n    - prompt: the tide comes in\n${veoSection('veo-3.1-fast-generate-001')}\n  generateAudio: true\n`,
    );
    const run = await ttv(['generate', '--config', config, '--out', join(dir, 'out-audio'), '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as JsonResult;
    const segments = await Promise.all(out.segments.map((s) => probeVideo(s.file)));
    expect(segments.map((p) => p.hasAudio)).toEqual([true, true, true]);
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ frames: 3 * 96 - 2, hasAudio: true });
    const { stdout } = await runFfprobe(['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=duration', '-of', 'csv=p=0', out.video]);
    // The dropped seam frames take their audio with them: the track ends with the picture (within one frame).
    expect(Math.abs(Number(stdout.trim()) - (3 * 96 - 2) / 24)).toBeLessThan(1 / 24);
  });

  it('keyframe: veo-3.1 with first and last frames ends each segment on its keyframe', async () => {
    emu.reset();
    const config = join(dir, 'keys.yaml');
    await writeFile(
      config,
      `name: veo-keys\nmode: keyframe\nbackend: veo3\nconcurrency: 2\nsegmentDuration: 4\noutput: { width: ${W}, height: ${H}, fps: 24 }\n` +
        `storyboard:\n  image: a.png\n  segments:\n    - { prompt: into the pattern, keyframe: b.png }\n    - { prompt: into the fractal, keyframe: c.png }\n${veoSection('veo-3.1-generate-001')}\n`,
    );
    const run = await ttv(['generate', '--config', config, '--out', join(dir, 'out-keys'), '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as JsonResult;
    expect(out.segments.map((s) => [s.model, s.status])).toEqual([
      ['veo-3.1-generate-001', 'done'],
      ['veo-3.1-generate-001', 'done'],
    ]);
    expect(out.totalCostUsd).toBeCloseTo(2 * 4 * 0.2, 6);
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final).toMatchObject({ width: W, height: H, frames: 2 * 96 - 1 });
    expect(final.fps).toBeCloseTo(24, 2);

    const submits = emu
      .requestsTo('POST', /:predictLongRunning$/)
      .map((r) => r.json as { instances: Array<{ image?: { mimeType: string }; lastFrame?: { mimeType: string } }> });
    expect(submits).toHaveLength(2);
    for (const s of submits) expect([s.instances[0]!.image?.mimeType, s.instances[0]!.lastFrame?.mimeType]).toEqual(['image/png', 'image/png']);

    // Each segment ends on its keyframe (the emulator interpolates towards lastFrame).
    for (const [i, key] of [
      [0, 'b.png'],
      [1, 'c.png'],
    ] as const) {
      const seg = out.segments[i]!.file;
      const probe = await probeVideo(seg);
      const got = join(dir, `key-last-${i}.png`);
      const want = join(dir, `key-want-${i}.png`);
      await extractLastFrame(seg, got);
      await fitImage(join(dir, key), want, { width: probe.width, height: probe.height, fit: 'cover', format: 'png' });
      expect(await imagePsnr(got, want)).toBeGreaterThan(20);
    }
  });

  it('keyframe mode with veo-3.0 is refused at planning, with no request sent', async () => {
    emu.reset();
    const config = join(dir, 'keys30.yaml');
    await writeFile(
      config,
      `name: veo-keys30\nmode: keyframe\nbackend: veo3\nsegmentDuration: 4\noutput: { width: ${W}, height: ${H}, fps: 24 }\n` +
        `storyboard:\n  image: a.png\n  segments:\n    - { prompt: one, keyframe: b.png }\n${veoSection('veo-3.0-generate-001')}\n`,
    );
    const run = await ttv(['generate', '--config', config, '--out', join(dir, 'out-keys30'), '--json']);
    // A configuration the model cannot serve: exit 2 (CONFIG_INVALID), not GENERATION_FAILED (7).
    expect(run.exitCode, run.stdout + run.stderr).toBe(2);
    expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toMatch(/^(CONFIG_INVALID|INPUT_INVALID)$/);
    expect(run.stdout + run.stderr).toMatch(/first and a last frame/);
    expect(emu.requests).toHaveLength(0);
  });
  /**
   * The money bug (Hardening item 1): Veo cannot cancel an operation, so on Ctrl-C ttv used to forget it, book
   * $0 and submit again on the re-run (4 submissions for 3 segments, $1.60 billed against $1.20 reported under
   * maxUsd 1.2). Now the operation is kept, booked at its estimate, and the re-run re-attaches to it.
   */
  async function interruptDuringSegment1(name: string, budget: string): Promise<{ config: string; out: string; interruptedOp: string }> {
    emu.reset();
    // Segment 0 finishes on time; segment 1's operation is still running when Ctrl-C arrives, and finishes on its
    // 25th poll, i.e. during the re-run.
    emu.script.nextOperation({}, { pollsUntilDone: 25 });
    const config = join(dir, `${name}.yaml`);
    await writeFile(
      config,
      `name: ${name}\nmode: chaining\nbackend: veo3\nsegmentDuration: 4\n${budget}output: { width: ${W}, height: ${H}, fps: 24 }\n` +
        `storyboard:\n  segments:\n    - prompt: a lighthouse at dusk\n    - prompt: the camera rises over the sea\n    - prompt: night falls\n${veoSection('veo-3.1-fast-generate-001')}\n`,
    );
    const out = join(dir, `out-${name}`);
    const first = ttvProcess(['generate', '--config', config, '--out', out, '--json']);
    await until('segment 1 to be submitted and polled', () => emu.operations().length === 2 && emu.operations()[1]!.polls >= 1);
    first.child.kill('SIGINT');
    const interrupted = await first.done;
    expect(interrupted.exitCode, interrupted.stderr).toBe(130);
    const ops = emu.operations();
    expect(ops).toHaveLength(2);
    expect(ops[1]!.done).toBe(false);
    expect(emu.stats().submits).toBe(2);
    // Kept in the run folder, and booked once at its estimate (4 s × $0.10/s) on top of segment 0.
    const m = await readManifest(out);
    expect(m.segments[1]!.job?.handle.id).toBe(ops[1]!.name);
    expect(m.segments[1]!.job?.chargedUsd).toBeCloseTo(0.4, 6);
    expect(m.ledger.filter((l) => l.segment === 1).map((l) => [l.outcome, l.actualUsd])).toEqual([['cancelled', 0.4]]);
    expect(m.totalCostUsd).toBeCloseTo(0.8, 6);
    return { config, out, interruptedOp: ops[1]!.name };
  }

  it('Ctrl-C mid-operation, then the same command: submissions = segments, the operation re-attached and booked once (maxUsd 1.2)', async () => {
    const { config, out, interruptedOp } = await interruptDuringSegment1('veo-sigint', 'budget: { maxUsd: 1.2 }\n');
    const rerun = await ttv(['generate', '--config', config, '--out', out, '--json']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const result = JSON.parse(rerun.stdout) as JsonResult;
    expect(result.segments.map((s) => s.status)).toEqual(['done', 'done', 'done']);

    // 3 segments, 3 operations: segment 1's was re-attached (same name), only segment 2 was submitted anew.
    expect(emu.stats().submits).toBe(3);
    const ops = emu.operations();
    expect(ops).toHaveLength(3);
    expect(ops[1]!.name).toBe(interruptedOp);
    expect(ops.every((o) => o.done)).toBe(true);
    const m = await readManifest(out);
    expect(m.segments[1]!.attempts.at(-1)).toMatchObject({ jobId: interruptedOp, resumed: true, outcome: 'ok' });
    expect(m.segments[1]!.job).toBeUndefined();

    // The ledger: segments × price, not more (no second booking of the re-attached job), not less ($0 on Ctrl-C).
    const billed = ops.length * 4 * 0.1;
    expect(result.totalCostUsd).toBeCloseTo(3 * 4 * 0.1, 6);
    expect(result.totalCostUsd).toBeCloseTo(billed, 6);
    expect(m.ledger.filter((l) => l.segment === 1).reduce((sum, l) => sum + l.actualUsd, 0)).toBeCloseTo(0.4, 6);
    expect(m.ledger.reduce((sum, l) => sum + l.actualUsd, 0)).toBeCloseTo(m.totalCostUsd, 6);
    // The re-attached clip was downloaded (and its gs:// output deleted) like the others.
    expect(emu.stats()).toMatchObject({ downloads: 3, deletes: 3 });
  });

  it('maxUsd reached by the interrupted operation: the re-run re-attaches (no submission) and the reported total is what Veo billed', async () => {
    const { config, out, interruptedOp } = await interruptDuringSegment1('veo-sigint-budget', 'budget: { maxUsd: 0.8 }\n');
    const rerun = await ttv(['generate', '--config', config, '--out', out, '--json']);
    // Segment 1 is paid already and finishes; segment 2 would cross maxUsd and is refused before any request.
    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(9);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ ok: false, error: { code: 'BUDGET_EXCEEDED' } });
    expect(emu.stats().submits).toBe(2);
    const ops = emu.operations();
    expect(ops.map((o) => [o.name === interruptedOp, o.done])).toEqual([
      [false, true],
      [true, true],
    ]);
    const m = await readManifest(out);
    expect(m.segments.map((s) => s.status)).toEqual(['done', 'done', expect.not.stringMatching(/^done$/)]);
    expect(m.segments[1]!.attempts.at(-1)).toMatchObject({ jobId: interruptedOp, resumed: true, outcome: 'ok' });
    const billed = ops.length * 4 * 0.1;
    expect(m.totalCostUsd).toBeCloseTo(billed, 6);
    expect(m.totalCostUsd).toBeCloseTo(0.8, 6);
  });
});
