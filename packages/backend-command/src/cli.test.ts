// FramePack through the real `ttv` binary: `backend: command` + `preset: framepack` resolved from the config's
// folder, a chaining run against the musubi-tuner stand-in, a correct final.mp4. Needs the built dist
// (`pnpm turbo run build --filter @ttv/cli... --filter @ttv/backend-command`; pnpm test builds first).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { framepackStandIn, readRunRecords } from '@ttv/testkit';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { framepackVars } from './framepack.fixture.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = resolve(PKG, '../cli/bin/run.js');
const built = existsSync(join(PKG, 'dist/index.js')) && existsSync(resolve(PKG, '../cli/dist'));
const fp = framepackStandIn();
let work: string;

beforeAll(async () => {
  work = join(PKG, '.test-runs', `fp-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  await makeTestImage(join(work, 'start.png'), { width: 1280, height: 720, pattern: 'gradient' });
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!built)('ttv generate with backend: command, preset: framepack (stand-in)', () => {
  it('chaining run: three FramePack clips from the previous exact last frame, joined into a correct final.mp4', async () => {
    const models = fp.makeFakeModels(join(work, 'models'));
    const record = join(work, 'fp.jsonl');
    const config = {
      name: 'framepack-chain',
      mode: 'chaining',
      backend: 'command',
      segmentDuration: 2,
      seed: 100,
      output: { width: 416, height: 240, fps: 30 },
      storyboard: {
        image: 'start.png',
        segments: [{ prompt: 'a paper boat sets off' }, { prompt: 'it passes a mossy stone' }, { prompt: 'it reaches the pond' }],
      },
      command: {
        preset: 'framepack',
        command: fp.python,
        vars: framepackVars(fp, models),
        env: fp.env({ record, scale: 4, loadMs: 50, stepMs: 2 }),
      },
    };
    const file = join(work, 'ttv.yaml');
    writeFileSync(file, JSON.stringify(config, null, 2));
    const r = await execa(process.execPath, [CLI, 'generate', '--config', file, '--out', join(work, 'run'), '--json', '--quiet'], {
      cwd: work,
      reject: false,
      timeout: 240_000,
      stdin: 'ignore',
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const out = JSON.parse(r.stdout) as { video: string; segments: Array<{ backend: string; model: string; status: string; warnings: string[] }> };
    expect(out.video).toBe(join(work, 'run', 'final.mp4'));
    expect(out.segments.map((s) => [s.backend, s.model, s.status])).toEqual(Array(3).fill(['command', 'framepack', 'done']));
    // 2 s negotiates to 73 frames (2 sections) = 2.4333 s; three clips minus the two repeated seam frames.
    const final = await probeVideo(out.video);
    expect(final).toMatchObject({ width: 416, height: 240, frames: 3 * 73 - 2 });
    expect(final.fps).toBeCloseTo(30, 1);

    const runs = readRunRecords(record);
    expect(runs).toHaveLength(3);
    for (const [i, run] of runs.entries()) {
      expect(run).toMatchObject({ tool: 'framepack-generate', outcome: 'ok', frames: 73, seed: 100 + i });
      const image = run.argv[run.argv.indexOf('--image_path') + 1]!;
      // Segment 0 starts from the storyboard image, later ones from the previous clip's extracted last frame.
      if (i === 0) expect(image).toMatch(/input-000-first\.png$/);
      else expect(image).not.toMatch(/input-000-first/);
      expect(run.argv).not.toContain('--end_image_path');
    }
  });
});
