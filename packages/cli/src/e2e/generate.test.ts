import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFirstFrame, extractFrame, imagePsnr, probeVideo, resolveFfmpeg } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import type { GenerateJson } from '@ttv/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { scratchDir, ttv, writeConfig } from './helpers.js';

const dir = scratchDir('generate');
const W = 320;
const H = 180;
const FPS = 24;

beforeAll(async () => {
  await makeTestImage(join(dir, 'a.png'), { width: W, height: H, pattern: 'testsrc2' });
  await makeTestImage(join(dir, 'b.png'), { width: W, height: H, pattern: 'mandelbrot' });
  await makeTestImage(join(dir, 'c.png'), { width: W, height: H, pattern: 'gradient' });
  await makeTestImage(join(dir, 'd.png'), { width: W, height: H, pattern: 'testsrc2' });
});

const base = `output: { width: ${W}, height: ${H}, fps: ${FPS} }\nsegmentDuration: 1\n`;

type JsonResult = GenerateJson;

describe('ttv generate on the embedded backend', () => {
  it('chaining: each segment starts from the exact last frame of the previous one, and the seams are dropped', async () => {
    const file = await writeConfig(
      dir,
      `name: chain\nmode: chaining\n${base}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n    - prompt: two\n      duration: 1.5\n    - prompt: three\n`,
      'chain.yaml',
    );
    const run = await ttv(['generate', '--config', file, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as JsonResult;
    expect(out.segments.map((s) => [s.index, s.backend, s.model, s.status, s.costUsd])).toEqual([
      [0, 'kenburns', 'kenburns', 'done', 0],
      [1, 'kenburns', 'kenburns', 'done', 0],
      [2, 'kenburns', 'kenburns', 'done', 0],
    ]);
    // 24 + 36 + 24 frames, minus one repeated seam frame for each of the two later segments.
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final.frames).toBe(24 + 36 + 24 - 2);
    expect(final.width).toBe(W);
    expect(final.height).toBe(H);
    expect(final.durationSec).toBeCloseTo((24 + 36 + 24 - 2) / FPS, 1);
    expect(out.durationSec).toBeCloseTo(final.durationSec, 2);
    // Continuity: segment 1's first frame is segment 0's extracted last frame.
    const last0 = join(out.runDir, 'frames', 'seg-000-last.png');
    const first1 = join(dir, 'first1.png');
    await extractFirstFrame(out.segments[1]!.file, first1);
    expect(await imagePsnr(last0, first1)).toBeGreaterThan(35);
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.status).toBe('done');
    // paths in the manifest are relative to the run folder (a moved run folder resumes)
    expect(manifest.segments[1].inputs.firstFrame.path).toBe('frames/seg-000-last.png');
    expect(join(out.runDir, manifest.segments[1].inputs.firstFrame.path)).toBe(last0);
    expect(manifest.segments.map((s: { prompt: string }) => s.prompt)).toEqual(['one', 'two', 'three']);
    for (const sub of ['segments', 'frames']) expect(existsSync(join(out.runDir, sub))).toBe(true);
  });

  it('keyframe: segments run between the given keyframes and end on them', async () => {
    const file = await writeConfig(
      dir,
      `name: keys\nmode: keyframe\nconcurrency: 2\n${base}storyboard:\n  image: a.png\n  segments:\n    - { prompt: one, keyframe: b.png }\n    - { prompt: two, keyframe: c.png }\n    - { prompt: three, keyframe: d.png }\n`,
      'keys.yaml',
    );
    const run = await ttv(['generate', '--config', file, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as JsonResult;
    const final = await probeVideo(out.video, { countFrames: true });
    expect(final.frames).toBe(3 * 24 - 2);
    // The frame where segment 1 ends is keyframe c.png.
    const seam = join(dir, 'seam.png');
    await extractFrame(out.video, 24 + 23 - 1, seam);
    expect(await imagePsnr(join(dir, 'c.png'), seam)).toBeGreaterThan(30);
  });

  it('a rerun reuses every finished segment', async () => {
    const file = join(dir, 'chain.yaml');
    const run = await ttv(['generate', '--config', file]);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr.match(/reused/g)?.length).toBe(3);
  });

  it('a missing image fails with INPUT_INVALID naming the file, and a non-zero exit', async () => {
    const file = await writeConfig(dir, `name: missing\n${base}storyboard:\n  image: nope.png\n  segments:\n    - prompt: one\n`, 'missing.yaml');
    const run = await ttv(['generate', '--config', file, '--json']);
    expect(run.exitCode).not.toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.ok).toBe(false);
    expect(out.error.code).toBe('INPUT_INVALID');
    expect(out.error.message).toContain(join(dir, 'nope.png'));
    // Named by its config key, and refused before the run folder exists (not a copy under runs/).
    expect(out.error.field).toBe('storyboard.image');
    expect(out.error.message).not.toContain(join('runs', 'missing'));
    expect(existsSync(join(dir, 'runs', 'missing'))).toBe(false);
  });

  it('an unknown backend fails with BACKEND_NOT_INSTALLED and the install command', async () => {
    const file = await writeConfig(dir, `backend: runway\n${base}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`, 'unknown.yaml');
    const run = await ttv(['generate', '--config', file]);
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain('[BACKEND_NOT_INSTALLED]');
    expect(run.stderr).toMatch(/fix: (npm install|pnpm add) @ttv\/backend-runway/);
  });

  it('a config error names the field, with exit code 2', async () => {
    const file = await writeConfig(dir, `output: { width: 321 }\nstoryboard:\n  image: a.png\n  segments:\n    - prompt: one\n`, 'bad.yaml');
    const run = await ttv(['generate', '--config', file]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('output.width: width must be even (found 321)');
  });

  it('text only, on the embedded backend (which cannot start from text): the first frame is made from text, then the film', async () => {
    const file = await writeConfig(dir, `name: text\n${base}storyboard:\n  segments:\n    - prompt: one\n    - prompt: two\n`, 'text.yaml');
    const run = await ttv(['generate', '--config', file, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as JsonResult;
    const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
    expect(manifest.images.first).toMatchObject({ generator: 'card', path: 'frames/input-000-first.png' });
    expect(manifest.segments[0].inputs.firstFrame.path).toBe('frames/input-000-first.png');
    expect((await probeVideo(out.video, { countFrames: true })).frames).toBe(24 + 24 - 1);
  });

  it('a secret never reaches the manifest, the log, the config copy or the output', async () => {
    const secret = 'sk-test-SECRET-0123456789abcdef';
    const plugin = join(dir, 'leaky-backend.mjs');
    const kit = new URL('../../../core/dist/backend.js', import.meta.url).href;
    const media = new URL('../../../core/dist/media/index.js', import.meta.url).href;
    await writeFile(
      plugin,
      `import { produceAtomic, TtvError } from ${JSON.stringify(kit)};
import { encodeStill, probeVideo } from ${JSON.stringify(media)};
import { z } from ${JSON.stringify(new URL('../../../core/node_modules/zod/index.js', import.meta.url).href)};
const info = (c) => ({ name: 'leaky', displayName: 'Leaky', kind: 'remote', defaultModel: 'm', models: [{ id: 'm', inputs: ['first-frame'], durations: { kind: 'range', min: 0.1, max: 10 }, resolutions: [{ width: ${W}, height: ${H} }], fps: ${FPS}, maxPromptLength: 1000, concurrency: 1 }] });
export default {
  specificationVersion: 2, name: 'leaky', displayName: 'Leaky', kind: 'remote', secretFields: ['apiKey'],
  configSchema: z.object({ apiKey: z.string(), failFirst: z.boolean().default(true) }).strict(),
  describe: info,
  create(config, ctx) {
    let calls = 0;
    return { specificationVersion: 2, ...info(config),
      async validate() {},
      estimateCost: () => ({ usd: 0.01 }),
      async generate(req, gctx) {
        gctx.log('using key ' + config.apiKey);
        if (calls++ === 0 && config.failFirst) throw new TtvError('UNAVAILABLE', 'upstream said: bad key ' + config.apiKey, { retryAfterMs: 1 });
        await produceAtomic(req.outputPath, (tmp) => encodeStill(req.firstFrame, tmp, { frames: 12, fps: ${FPS}, width: ${W}, height: ${H} }));
        const p = await probeVideo(req.outputPath);
        return { file: req.outputPath, durationSec: p.durationSec, frames: p.frames, width: p.width, height: p.height, fps: p.fps, costUsd: 0.01, warnings: [] };
      } };
  },
};`,
    );
    const file = await writeConfig(
      dir,
      `name: secret\nbackend: ./leaky-backend.mjs\nleaky:\n  apiKey: \${LEAKY_API_KEY}\n${base}storyboard:\n  image: a.png\n  segments:\n    - prompt: one\n`,
      'secret.yaml',
    );
    const run = await ttv(['generate', '--config', file, '--json'], { env: { LEAKY_API_KEY: secret } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(secret);
    const runDir = join(dir, 'runs', 'secret');
    const log = await readFile(join(runDir, 'run.log'), 'utf8');
    expect(log).toContain('using key ***');
    for (const name of await readdir(runDir)) {
      if (name.endsWith('.json') || name.endsWith('.log')) expect(await readFile(join(runDir, name), 'utf8')).not.toContain(secret);
    }
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8'));
    expect(manifest.segments[0].attempts[0].error).toContain('***');
  });

  it('ffmpeg.ffmpegPath and ffmpeg.ffprobePath are the binaries a generate run uses', async () => {
    const bins = resolveFfmpeg();
    const log = join(dir, 'wrapper-calls.log');
    // Wrappers that log each call and exec the real binary.
    for (const tool of ['ffmpeg', 'ffprobe'] as const) {
      const wrapper = join(dir, `my-${tool}.sh`);
      await writeFile(wrapper, `#!/bin/sh\necho "${tool} $*" >> '${log}'\nexec '${bins[tool]}' "$@"\n`);
      await chmod(wrapper, 0o755);
    }
    const file = await writeConfig(
      dir,
      `name: wrapped\nmode: chaining\n${base}ffmpeg:\n  ffmpegPath: my-ffmpeg.sh\n  ffprobePath: my-ffprobe.sh\nstoryboard:\n  image: a.png\n  segments:\n    - prompt: one\n`,
      'wrapped.yaml',
    );
    const run = await ttv(['generate', '--config', file, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    // The kenburns render (filter_complex), and at least one probe.
    expect(calls.some((c) => c.startsWith('ffmpeg ') && c.includes('-filter_complex'))).toBe(true);
    expect(calls.some((c) => c.startsWith('ffprobe '))).toBe(true);
    const out = JSON.parse(run.stdout) as JsonResult;
    expect((await probeVideo(out.video)).frames).toBe(24);
  });
});
