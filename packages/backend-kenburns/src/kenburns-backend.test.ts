import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendRegistry, type GenerateContext, type GenerateRequest, parseConfig, runPipeline, TtvError } from '@ttv/core';
import { sha256File } from '@ttv/core/backend';
import { capabilityProblems } from '@ttv/core/engine';
import { extractFirstFrame, extractFrame, extractLastFrame, fitImage, imagePsnr, probeVideo, runFfmpeg } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import backendDefault, { backend } from './index.js';
import { KenBurnsBackend } from './kenburns-backend.js';
import { configSchema, defaultConfig, type KenBurnsConfig } from './kenburns-config.js';

let dir: string;
/** 320x180 smooth gradient (PNG). */
let imgA: string;
/** 400x300 different smooth picture (JPEG): exercises cover-fitting and the JPEG path. */
let imgB: string;

function ctx(overrides: Partial<GenerateContext> = {}): GenerateContext {
  return { signal: new AbortController().signal, onProgress: () => {}, log: () => {}, workDir: dir, ...overrides };
}

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    model: 'kenburns',
    prompt: 'a slow look around',
    durationSec: 1,
    width: 320,
    height: 180,
    firstFrame: imgA,
    outputPath: join(dir, 'out.mp4'),
    ...overrides,
  };
}

function kb(config: Partial<KenBurnsConfig> = {}): KenBurnsBackend {
  return new KenBurnsBackend(configSchema.parse(config));
}

async function fitted(image: string, name: string, width = 320, height = 180): Promise<string> {
  const out = join(dir, name);
  await fitImage(image, out, { width, height, fit: 'cover', format: 'png' });
  return out;
}

/** The first and last frames of a clip, extracted to `<prefix>-first.png` and `<prefix>-last.png`. */
async function endFrames(clip: string, prefix: string): Promise<{ first: string; last: string }> {
  const first = join(dir, `${prefix}-first.png`);
  const last = join(dir, `${prefix}-last.png`);
  await extractFirstFrame(clip, first);
  await extractLastFrame(clip, last);
  return { first, last };
}

async function rejection(promise: Promise<unknown>): Promise<TtvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(TtvError.is(error), `expected a TtvError, got ${String(error)}`).toBe(true);
  return error as TtvError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-kenburns-'));
  imgA = join(dir, 'a.png');
  await makeTestImage(imgA, { width: 320, height: 180 });
  imgB = join(dir, 'b.jpg');
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', 'color=c=black:s=400x300', '-vf'],
    ["format=gbrp,geq=r='200-Y/2':g='60+X/3':b='90+40*sin(X/37)'", 'scale=flags=spline+accurate_rnd+full_chroma_int', 'format=yuvj444p'].join(','),
    ...['-frames:v', '1', '-q:v', '1', '-f', 'image2', imgB],
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('plugin', () => {
  it('exports the plugin as default and as `backend`, with a valid static description', () => {
    expect(backendDefault).toBe(backend);
    expect(backend).toMatchObject({ specificationVersion: 2, name: 'kenburns', kind: 'embedded', secretFields: [] });
    const info = backend.describe(defaultConfig);
    expect(info.defaultModel).toBe('kenburns');
    expect(info.models).toHaveLength(1);
    expect(capabilityProblems(info.models[0]!)).toEqual([]);
    expect(info.models[0]!.inputs).toEqual(['first-frame', 'first-last-frame']);
    expect(info.models[0]!.fps).toBe(24);
  });

  it('config: defaults, strict keys, ranges', () => {
    expect(configSchema.parse({})).toEqual({ motion: 'auto', zoom: 1.15, fps: 24, crf: 18, preset: 'veryfast' });
    expect(configSchema.safeParse({ zoomm: 1.2 }).success).toBe(false);
    expect(configSchema.safeParse({ motion: 'spin' }).success).toBe(false);
    expect(configSchema.safeParse({ zoom: 0.5 }).success).toBe(false);
    expect(backend.describe(configSchema.parse({ fps: 30 })).models[0]!.fps).toBe(30);
  });

  it('create() gives a backend that costs nothing', async () => {
    const b = await backend.create(defaultConfig, { configDir: dir, env: {} });
    expect(b.estimateCost(request())).toEqual({ usd: 0, basis: 'local ffmpeg render' });
    const checks = await b.doctor!();
    expect(
      checks.every((c) => c.ok),
      JSON.stringify(checks),
    ).toBe(true);
    // Unprefixed: `ttv doctor` groups the checks under the backend's name.
    expect(checks.map((c) => c.name)).toEqual(['ffmpeg', 'filters']);
  });
});

describe('validate', () => {
  const b = kb();

  it('refuses text-only requests, asking for an initial image', async () => {
    const e = await rejection(b.validate(request({ firstFrame: undefined })));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.field).toBe('firstFrame');
    expect(e.message).toMatch(/kenburns needs a first frame: set storyboard\.image \(a PNG or JPEG\)/);
  });

  it('names the field and the path of a missing image', async () => {
    const missing = join(dir, 'nope.png');
    let e = await rejection(b.validate(request({ firstFrame: missing })));
    expect([e.code, e.field, e.value]).toEqual(['INPUT_INVALID', 'firstFrame', missing]);
    expect(e.message).toContain(missing);
    e = await rejection(b.validate(request({ lastFrame: missing })));
    expect([e.code, e.field, e.value]).toEqual(['INPUT_INVALID', 'lastFrame', missing]);
  });

  it('refuses a file that is not an image', async () => {
    const e = await rejection(b.validate(request({ firstFrame: join(import.meta.dirname, 'index.ts') })));
    expect([e.code, e.field]).toEqual(['INPUT_INVALID', 'firstFrame']);
  });

  it('refuses durations outside 0.5–60 s, unknown sizes, models and overlong prompts', async () => {
    for (const durationSec of [0.2, 61, 0]) {
      const e = await rejection(b.validate(request({ durationSec })));
      expect([e.code, e.field, e.value]).toEqual(['INPUT_INVALID', 'durationSec', durationSec]);
      expect(e.fix).toBeTruthy();
    }
    expect((await rejection(b.validate(request({ width: 321 })))).field).toBe('resolution');
    expect((await rejection(b.validate(request({ model: 'sora' })))).field).toBe('model');
    expect((await rejection(b.validate(request({ prompt: 'x'.repeat(100_001) })))).field).toBe('prompt');
  });

  it('accepts PNG and JPEG keyframes', async () => {
    await expect(b.validate(request({ lastFrame: imgB, firstFrame: imgB, durationSec: 0.5 }))).resolves.toBeUndefined();
  });
});

describe('generate: first frame', () => {
  it('renders exact frames, size and fps; frame 0 reproduces the fitted picture; the camera moves', async () => {
    const fractions: number[] = [];
    const out = join(dir, 'ff.mp4');
    const result = await kb({ motion: 'zoom-in' }).generate(
      request({ firstFrame: imgB, durationSec: 2, outputPath: out }),
      ctx({ onProgress: (p) => fractions.push(p.fraction ?? -1) }),
    );
    expect(result).toMatchObject({ file: out, frames: 48, width: 320, height: 180, fps: 24, costUsd: 0, warnings: [] });
    expect(result.durationSec).toBeCloseTo(2, 1);
    const probe = await probeVideo(out, { countFrames: true });
    expect(probe).toMatchObject({ frames: 48, width: 320, height: 180, fps: 24, codec: 'h264', pixFmt: 'yuv420p', timeBase: '1/90000', hasAudio: false });
    expect(fractions.at(-1)).toBe(1);
    expect(fractions).toEqual([...fractions].sort((x, y) => x - y));

    const ref = await fitted(imgB, 'ff-ref.png');
    const { first, last } = await endFrames(out, 'ff');
    expect(await imagePsnr(first, ref)).toBeGreaterThanOrEqual(40);
    expect(await imagePsnr(last, ref)).toBeLessThan(32);
  });

  it.each(['pan', 'zoom-out', 'auto'] as const)('motion %s: frame 0 is the picture, later frames move', async (motion) => {
    const out = join(dir, `m-${motion}.mp4`);
    const result = await kb({ motion }).generate(request({ outputPath: out, segmentIndex: 3 }), ctx());
    expect(result.frames).toBe(24);
    const first = join(dir, `m-${motion}-first.png`);
    const mid = join(dir, `m-${motion}-12.png`);
    await extractFirstFrame(out, first);
    await extractFrame(out, 12, mid);
    expect(await imagePsnr(first, imgA)).toBeGreaterThanOrEqual(40);
    expect(await imagePsnr(mid, imgA)).toBeLessThan(35);
  });

  it('is deterministic: the same request twice gives the same bytes', async () => {
    const b = kb();
    const one = join(dir, 'det1.mp4');
    const two = join(dir, 'det2.mp4');
    await b.generate(request({ outputPath: one, seed: 7, segmentIndex: 2 }), ctx());
    await b.generate(request({ outputPath: two, seed: 7, segmentIndex: 2 }), ctx());
    expect(await sha256File(one)).toBe(await sha256File(two));
  });
});

describe('generate: first and last frame', () => {
  it('starts on the first picture and ends exactly on the (fitted) last picture', async () => {
    const out = join(dir, 'flf.mp4');
    const result = await kb().generate(request({ lastFrame: imgB, durationSec: 1.5, outputPath: out }), ctx());
    expect(result).toMatchObject({ frames: 36, width: 320, height: 180, fps: 24 });
    const refB = await fitted(imgB, 'flf-ref-b.png');
    const { first, last } = await endFrames(out, 'flf');
    expect(await imagePsnr(first, imgA)).toBeGreaterThanOrEqual(40);
    expect(await imagePsnr(last, refB)).toBeGreaterThanOrEqual(40);
    expect(await imagePsnr(first, refB)).toBeLessThan(25);
  });
});

describe('cancellation', () => {
  it('rejects with CANCELLED within seconds of the abort (the render would take far longer) and leaves no file behind', async () => {
    const sub = join(dir, 'cancel');
    const out = join(sub, 'c.mp4');
    const controller = new AbortController();
    let abortedAt = 0;
    const promise = kb().generate(
      request({ width: 1280, height: 720, durationSec: 60, outputPath: out }),
      ctx({
        signal: controller.signal,
        onProgress: (p) => {
          if (!abortedAt && (p.fraction ?? 0) > 0) {
            abortedAt = Date.now();
            controller.abort(new Error('user pressed ctrl-c'));
          }
        },
      }),
    );
    const e = await rejection(promise);
    expect(e.code).toBe('CANCELLED');
    expect(abortedAt).toBeGreaterThan(0);
    // 5 s, not 1: on a loaded 2-core CI machine killing ffmpeg and cleaning up took 2 s; the 60 s render takes ~20 s.
    expect(Date.now() - abortedAt).toBeLessThan(5000);
    expect(existsSync(out)).toBe(false);
    expect(await readdir(sub)).toEqual([]);
  });

  it('does not start when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const out = join(dir, 'never.mp4');
    expect((await rejection(kb().generate(request({ outputPath: out }), ctx({ signal: controller.signal })))).code).toBe('CANCELLED');
    expect(existsSync(out)).toBe(false);
  });
});

describe('chaining through the backend', () => {
  it('10 hops: each clip starts on the previous clip’s last frame (PSNR ≥ 45 dB)', async () => {
    const b = kb();
    let seed = imgA;
    const scores: number[] = [];
    for (let hop = 0; hop < 10; hop++) {
      const out = join(dir, `chain-${hop}.mp4`);
      await b.generate(request({ firstFrame: seed, durationSec: 0.5, outputPath: out, segmentIndex: hop }), ctx());
      if (hop > 0) {
        const first = join(dir, `chain-${hop}-first.png`);
        await extractFirstFrame(out, first);
        scores.push(await imagePsnr(first, seed));
      }
      const last = join(dir, `chain-${hop}-last.png`);
      await extractLastFrame(out, last);
      seed = last;
    }
    console.log(`kenburns chain seam PSNR (dB): ${scores.map((x) => x.toFixed(1)).join(' ')}`);
    expect(scores).toHaveLength(9);
    expect(Math.min(...scores), scores.map((s) => s.toFixed(1)).join(' ')).toBeGreaterThanOrEqual(45);
  });
});

describe('the run log', () => {
  it('one channel: every backend line carries the segment and the backend name once', async () => {
    const runDir = join(dir, 'run-log');
    const registry = {
      load: async () => ({ plugin: backend, specifier: '@ttv/backend-kenburns', url: 'memory:kenburns' }),
      listInstalled: () => [],
      isInstalled: () => true,
    } as unknown as BackendRegistry;
    const yaml = `backend: kenburns\nkenburns: { fps: 8, preset: ultrafast }\noutput: { width: 320, height: 180, fps: 8 }\nsegmentDuration: 1\nstoryboard:\n  image: ${imgA}\n  segments: [{ prompt: one }, { prompt: two }]\n`;
    const config = await parseConfig(yaml, join(dir, 'ttv.yaml'), { registry });
    await runPipeline({ config, registry, runDir });
    const lines = (await readFile(join(runDir, 'run.log'), 'utf8')).split('\n').filter((l) => l.includes('kenburns:'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.includes('kenburns: kenburns:'))).toEqual([]);
    for (const seg of [0, 1]) expect(lines.some((l) => l.includes(`[seg ${seg}] kenburns: first-frame`))).toBe(true);
  });
});

describe('speed', () => {
  it('renders 5 s of 1280x720 in a few seconds', async () => {
    const image = join(dir, 'hd.png');
    await makeTestImage(image, { width: 1280, height: 720, pattern: 'mandelbrot' });
    const started = performance.now();
    const result = await kb().generate(request({ firstFrame: image, width: 1280, height: 720, durationSec: 5, outputPath: join(dir, 'hd.mp4') }), ctx());
    const seconds = (performance.now() - started) / 1000;
    console.log(`kenburns: 5 s of 1280x720@24 rendered in ${seconds.toFixed(2)} s (${(5 / seconds).toFixed(2)} s of video per second)`);
    expect(result.frames).toBe(120);
    expect(seconds).toBeLessThan(12);
  });
});
