// Every Wan rule refuses a bad value before any process is spawned: INPUT_INVALID with field, value and fix;
// the backend's spawn counter stays 0 and the stand-in's run record stays empty.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GenerateContext, type GenerateRequest, TtvError } from '@ttv/core';
import { parseSection } from '@ttv/core/engine';
import { readRunRecords } from '@ttv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, wanFixture } from './standin.fixture.js';
import { configSchema } from './wan21-config.js';
import { taskSizes, describeWan21 as wanInfo } from './wan21-models.js';
import { backend as wan21Plugin } from './wan21-plugin.js';

let fx: WanFixture;
beforeAll(async () => {
  fx = await wanFixture();
});
afterAll(() => fx?.cleanup());

const ctx = (): GenerateContext => ({
  signal: new AbortController().signal,
  onProgress: () => {},

  log: () => {},
  workDir: fx.dir,
});

let n = 0;
const request = (o: Partial<GenerateRequest> = {}): GenerateRequest => fx.request({ seed: 3, ...o });
const flf = (o: Partial<GenerateRequest> = {}) =>
  request({ model: 'flf2v-14B', width: 1280, height: 720, durationSec: 5.0625, firstFrame: fx.images.wide, lastFrame: fx.images.wideLast, ...o });

type Case = [title: string, field: string, req: () => GenerateRequest, config?: Record<string, unknown>];

const cases: Case[] = [
  ['an unknown model', 'model', () => request({ model: 't2v-14B' })],
  ['wanDir unset', 'wan21.wanDir', () => request(), { wanDir: undefined }],
  ['wanDir without generate.py', 'wan21.wanDir', () => request(), { wanDir: '/nonexistent/Wan2.1' }],
  ['no checkpoint for the task', 'wan21.checkpoints.flf2v-14B', () => flf(), { checkpoints: { 'i2v-14B': '/x' } }],
  ['a checkpoint dir that does not exist', 'wan21.checkpoints.i2v-14B', () => request(), { checkpoints: { 'i2v-14B': '/nonexistent/ckpt' } }],
  ['the flf2v checkpoint configured for i2v', 'wan21.checkpoints.i2v-14B', () => request(), { checkpoints: { 'i2v-14B': '<flf>' } }],
  ['a size Wan does not support for the task (1024*1024 for i2v)', 'wan21.size.i2v-14B', () => request(), { size: { 'i2v-14B': '1024*1024' } }],
  ['a resolution Wan cannot make', 'resolution', () => request({ width: 1024, height: 576 })],
  [
    'a 720p resolution for i2v when the configured checkpoint is the 480P one',
    'resolution',
    () => request({ width: 1280, height: 720, firstFrame: fx.images.wide }),
  ],
  ['a 480p resolution for flf2v (720p checkpoint only, unless size says so)', 'resolution', () => flf({ width: 832, height: 464 })],
  ['a duration that is not whole frames at 16 fps', 'durationSec', () => request({ durationSec: 5.03 })],
  ['frame_num not 4n+1 (5 s = 80 frames)', 'durationSec', () => request({ durationSec: 5 })],
  ['flf2v with a frame count other than 81', 'durationSec', () => flf({ durationSec: 2.0625 })],
  ['i2v frame count outside wan21.i2vFrames', 'durationSec', () => request({ durationSec: 2.0625 }), { i2vFrames: [17, 81] }],
  ['gpusPerJob over the GPUs listed', 'wan21.gpusPerJob', () => request(), { gpus: [0], gpusPerJob: 2 }],
  ['a Ulysses size that does not divide 40 heads (3 GPUs per job)', 'wan21.gpusPerJob', () => request(), { gpus: [0, 1, 2], gpusPerJob: 3 }],
  ['an empty prompt (Wan would use its example prompt)', 'prompt', () => request({ prompt: '  ' })],
  ['a prompt over the limit', 'prompt', () => request({ prompt: 'x'.repeat(2001) })],
  ['i2v without a first frame (Wan would use its example image)', 'firstFrame', () => request({ firstFrame: undefined })],
  ['i2v with a last frame', 'lastFrame', () => request({ lastFrame: fx.images.last })],
  ['flf2v without a last frame', 'lastFrame', () => flf({ lastFrame: undefined })],
  ['flf2v without a first frame', 'firstFrame', () => flf({ firstFrame: undefined })],
  ['a first frame that does not exist', 'firstFrame', () => request({ firstFrame: '/nonexistent/first.png' })],
  ['a first frame that is not an image', 'firstFrame', () => request({ firstFrame: '<text>' })],
  ['a last frame that is not an image', 'lastFrame', () => flf({ lastFrame: '<text>' })],
];

describe('validate: every Wan rule, before spawning', () => {
  for (const [title, field, makeRequest, config] of cases) {
    it(`refuses ${title}`, async () => {
      const record = join(fx.dir, `rec-${++n}.jsonl`);
      const textFile = join(fx.dir, 'not-an-image.png');
      writeFileSync(textFile, 'not an image');
      const patched = config && JSON.parse(JSON.stringify(config).replaceAll('<flf>', fx.flfCkpt));
      const backend = fx.backend(patched ?? {}, { record });
      if (config && 'wanDir' in config && config.wanDir === undefined) (backend.config as { wanDir?: string }).wanDir = undefined;
      let req = makeRequest();
      req = JSON.parse(JSON.stringify(req).replaceAll('<text>', textFile)) as GenerateRequest;
      const t0 = Date.now();
      for (const call of [() => backend.validate(req), () => backend.generate(req, ctx())]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(TtvError.is(error), String(error)).toBe(true);
        const e = error as TtvError;
        expect(e.code, e.message).toBe('INPUT_INVALID');
        expect(e.field).toBe(field);
        expect(e.fix).toBeTruthy();
      }
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(backend.spawnCount).toBe(0);
      expect(readRunRecords(record)).toEqual([]);
    });
  }

  it('accepts the valid requests those cases were derived from (still without spawning)', async () => {
    const backend = fx.backend();
    await backend.validate(request());
    await backend.validate(flf());
    await fx.backend({ size: { 'i2v-14B': '1280*720' } }).validate(request({ durationSec: 10.0625, width: 1280, height: 720, firstFrame: fx.images.wide }));
    await fx.backend({ gpus: [0, 1, 2, 3, 4], gpusPerJob: 5 }).validate(request());
    await fx.backend({ size: { 'flf2v-14B': '832*480' } }).validate(flf({ width: 832, height: 464 }));
    expect(backend.spawnCount).toBe(0);
  });
});

describe('the size follows the configured i2v checkpoint (480P or 720P)', () => {
  it('without wan21.size, a 480P checkpoint offers only 480p sizes and a 720P one only 720p', async () => {
    const at = (ckpt: string) => configSchema.parse({ checkpoints: { 'i2v-14B': ckpt } });
    expect(taskSizes(at('/m/Wan2.1-I2V-14B-480P'), 'i2v-14B')).toEqual(['832*480']);
    expect(taskSizes(at('/m/Wan2.1-I2V-14B-720P/'), 'i2v-14B')).toEqual(['1280*720']);
    expect(taskSizes(at('/m/my-i2v'), 'i2v-14B')).toEqual(['1280*720', '832*480']);
    const i2v = wanInfo(at('/m/Wan2.1-I2V-14B-480P')).models.find((m) => m.id === 'i2v-14B')!;
    expect(i2v.resolutions.every((r) => Math.max(r.width, r.height) <= 832)).toBe(true);
    // The fixture's checkpoint is the 480P one: a 16:9 image becomes 832x464, and 1280x720 is refused before spawning.
    const backend = fx.backend();
    await backend.validate(request({ width: 832, height: 464, firstFrame: fx.images.wide }));
    await expect(backend.validate(request({ width: 1280, height: 720, firstFrame: fx.images.wide }))).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      field: 'resolution',
    });
    expect(backend.spawnCount).toBe(0);
  });
});

describe('config rules', () => {
  it('sampleSteps must be a whole number >= 1 (0.4 would round to 0 steps: no denoising)', () => {
    for (const bad of [0.4, 0, 40.5, { 'i2v-14B': 0.4 }]) expect(configSchema.safeParse({ sampleSteps: bad }).success).toBe(false);
    expect(configSchema.parse({ sampleSteps: { 'flf2v-14B': 30 } }).sampleSteps).toEqual({ 'flf2v-14B': 30 });
  });

  it('t5Cpu with gpusPerJob > 1 (which passes --t5_fsdp) is refused, naming both keys', () => {
    const r = configSchema.safeParse({ gpus: [0, 1], gpusPerJob: 2, t5Cpu: true });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['t5Cpu']);
    expect(r.error?.issues[0]?.message).toMatch(/wan21\.t5Cpu.*wan21\.gpusPerJob/);
    expect(configSchema.safeParse({ gpus: [0, 1], gpusPerJob: 1, t5Cpu: true }).success).toBe(true);
    expect(() => parseSection(wan21Plugin, { gpus: [0, 1], gpusPerJob: 2, t5Cpu: true })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/t5Cpu.*gpusPerJob/) }),
    );
  });
});
