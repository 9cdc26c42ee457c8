import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GenerateContext, type GenerateRequest, TtvError } from '@ttv/core';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { framepackFrameCount, framepackStandIn, readRunRecords, standInScaled } from '@ttv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandBackend } from './command-backend.js';
import { configSchema } from './command-config.js';
import { framepackDurations, framepackFrames, resolveTool } from './command-models.js';
import { framepackVars } from './framepack.fixture.js';
import { expandArgs } from './template.js';

const fp = framepackStandIn();
let tmp: string;
let models: ReturnType<typeof fp.makeFakeModels>;
let first: string;
let last: string;
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ttv-command-'));
  models = fp.makeFakeModels(join(tmp, 'models'));
  first = join(tmp, 'first.png');
  last = join(tmp, 'last.png');
  await makeTestImage(first, { width: 832, height: 480, pattern: 'gradient' });
  await makeTestImage(last, { width: 832, height: 480, pattern: 'testsrc2' });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const framepack = (o: Record<string, unknown> = {}, env: Parameters<typeof fp.env>[0] = {}) =>
  new CommandBackend(
    configSchema.parse({
      preset: 'framepack',
      command: fp.python,
      vars: framepackVars(fp, models),
      env: fp.env({ scale: 4, loadMs: 20, stepMs: 1, ...env }),
      timeoutMinutes: 2,
      ...o,
    }),
    { configDir: tmp },
  );

let n = 0;
const request = (o: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'framepack',
  prompt: 'a paper boat drifts down a stream',
  durationSec: framepackDurations()[1]!,
  width: 832,
  height: 480,
  firstFrame: first,
  seed: 1234,
  outputPath: join(tmp, `out-${++n}`, 'clip.mp4'),
  ...o,
});
const ctx = (): GenerateContext & { logs: string[] } => {
  const logs: string[] = [];
  return { signal: new AbortController().signal, onProgress: () => {}, log: (l) => logs.push(l), workDir: tmp, logs };
};

describe('templates', () => {
  it('expands placeholders per argument (no splitting) and drops optional groups without a value', () => {
    const args = expandArgs(['--prompt', '{prompt}', ['--end', '{lastImage}'], '--size={width}x{height}'], {
      prompt: 'a b "c"',
      width: '8',
      height: '6',
      lastImage: undefined,
    });
    expect(args).toEqual(['--prompt', 'a b "c"', '--size=8x6']);
    expect(() => expandArgs(['{lastImage}'], {})).toThrow(/lastImage/);
  });

  it('refuses incomplete configs offline with CONFIG_INVALID', () => {
    const err = (c: Record<string, unknown>) => {
      try {
        resolveTool(configSchema.parse(c));
      } catch (e) {
        return e as TtvError;
      }
      throw new Error('no error');
    };
    expect(err({ preset: 'framepack', vars: { script: 'x' } })).toMatchObject({ code: 'CONFIG_INVALID', field: 'command.vars.dit' });
    expect(err({ args: ['{prompt}', '{nope}', '{output}'] })).toMatchObject({ code: 'CONFIG_INVALID', field: 'command.args', value: '{nope}' });
    expect(err({ args: ['{prompt}'] }).message).toContain('never passes {output}');
    expect(err({})).toMatchObject({ field: 'command.args' });
    expect(err({ args: ['{output}'], vars: { prompt: 'x' } }).message).toContain('shadows');
  });

  it('framepack durations are exactly the clip lengths the section formula makes', () => {
    for (const d of framepackDurations()) expect(framepackFrames(d, 30)).toBe(Math.round(d * 30));
    for (const s of [1, 2, 5, 8.5]) expect(framepackFrames(s)).toBe(framepackFrameCount(s, 30));
  });
});

describe('framepack preset (musubi-tuner fpack_generate_video.py)', () => {
  it('golden argument vector; last frame and negative prompt only when given', () => {
    const b = framepack();
    const r = request({ lastFrame: last, negativePrompt: 'blurry' });
    expect(b.buildArgs(r, { output: '/o/x.mp4', outputDir: '/o/dir' })).toEqual([
      fp.script,
      '--dit',
      models.dit,
      '--vae',
      models.vae,
      '--text_encoder1',
      models.textEncoder1,
      '--text_encoder2',
      models.textEncoder2,
      '--image_encoder',
      models.imageEncoder,
      '--image_path',
      first,
      '--end_image_path',
      last,
      '--prompt',
      'a paper boat drifts down a stream',
      '--negative_prompt',
      'blurry',
      '--video_size',
      '480',
      '832',
      '--video_seconds',
      String(73 / 30),
      '--fps',
      '30',
      '--infer_steps',
      '25',
      '--latent_window_size',
      '9',
      '--seed',
      '1234',
      '--save_path',
      '/o/dir',
      '--output_type',
      'video',
    ]);
    const plain = b.buildArgs(request(), { output: '/o/x.mp4', outputDir: '/o/dir' });
    expect(plain).not.toContain('--end_image_path');
    expect(plain).not.toContain('--negative_prompt');
    expect(
      framepack({ extraArgs: ['--fp8', '--blocks_to_swap', '16'] })
        .buildArgs(request(), { output: '/o', outputDir: '/d' })
        .slice(-3),
    ).toEqual(['--fp8', '--blocks_to_swap', '16']);
  });

  it('generates from the stand-in: newest mp4 in a private save_path dir, 73 frames @30 fps, moved to outputPath', async () => {
    const record = join(tmp, 'rec-gen.jsonl');
    const b = framepack({ gpus: [3], gpusPerJob: 1 }, { record });
    const req = request({ lastFrame: last });
    const c = ctx();
    const result = await b.generate(req, c);
    const probe = await probeVideo(req.outputPath);
    expect(probe).toMatchObject({ frames: 73, fps: 30, ...standInScaled({ width: 832, height: 480 }, 4) });
    expect(result).toMatchObject({ frames: 73, fps: 30, costUsd: 0 });
    expect(readdirSync(join(req.outputPath, '..'))).toEqual(['clip.mp4']);
    const [rec] = readRunRecords(record);
    expect(rec).toMatchObject({ tool: 'framepack-generate', outcome: 'ok', frames: 73, seed: 1234 });
    expect(rec!.env.CUDA_VISIBLE_DEVICES).toBe('3');
  });

  it('failures: OOM (with the FramePack memory options), no output, wrong frame count', async () => {
    const oom = await b_fail(framepack({}, { fault: 'oom' }));
    expect(oom).toMatchObject({ code: 'GENERATION_FAILED', retryable: false });
    expect(oom.fix).toContain('--blocks_to_swap');
    // A template whose tool writes elsewhere: exit 0, nothing in {outputDir}.
    const script = join(tmp, 'noop.py');
    writeFileSync(script, 'print("done")\n');
    const none = await b_fail(
      new CommandBackend(
        configSchema.parse({
          command: 'python3',
          args: [script, '{outputDir}'],
          output: { kind: 'directory', glob: '*.mp4' },
          durations: { kind: 'range', min: 1, max: 5 },
          resolutions: [{ width: 832, height: 480 }],
          model: 'noop',
        }),
        { configDir: tmp },
      ),
      { model: 'noop', durationSec: 2 },
    );
    expect(none.message).toContain('wrote no file matching *.mp4');
    // The tool makes 37 frames but the preset expects 73.
    const short = await b_fail(framepack({ extraArgs: ['--video_sections', '1'] }));
    expect(short.message).toMatch(/wrote 37 frames; expected 73/);
  });
});

async function b_fail(b: CommandBackend, o: Partial<GenerateRequest> = {}): Promise<TtvError> {
  const req = request(o);
  const e = await b.generate(req, ctx()).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(TtvError.is(e), String(e)).toBe(true);
  mkdirSync(join(req.outputPath, '..'), { recursive: true });
  expect(readdirSync(join(req.outputPath, '..'))).toEqual([]);
  return e as TtvError;
}
