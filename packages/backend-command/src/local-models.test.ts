// The ltx-2 and skyreels-v2-df presets against their stand-ins: the argument vectors ttv builds are accepted and
// make the clip ttv expects (frames, size, sound; an extension trimmed to its continuation), and the vectors the real
// CLIs refuse are refused (the stand-ins are strict).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest } from '@ttv/core';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { readRunRecords } from '@ttv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyframeValues } from './command-backend.js';
import { localModelBackend, quietContext, runStandIn } from './local-models.fixture.js';

let dir: string;
const img: Record<'first' | 'last' | 'mid' | 'mid2', string> = { first: '', last: '', mid: '', mid2: '' };
let clip: string; // a 41-frame 24 fps clip to extend
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ttv-local-models-'));
  for (const [k, pattern] of [
    ['first', 'gradient'],
    ['last', 'testsrc2'],
    ['mid', 'testsrc2'],
    ['mid2', 'gradient'],
  ] as const) {
    img[k] = join(dir, `${k}.png`);
    await makeTestImage(img[k], { width: 768, height: 512, pattern });
  }
  const sky = localModelBackend(join(dir, 'm'), 'skyreels-v2-df');
  clip = join(dir, 'prev.mp4');
  await sky.generate(skyRequest({ durationSec: 40 / 24, outputPath: clip }), quietContext(dir));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const out = () => join(dir, `out-${++n}`, 'clip.mp4');
const ltxRequest = (o: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'ltx-2',
  prompt: 'a lighthouse at dusk',
  durationSec: 49 / 24,
  width: 768,
  height: 512,
  seed: 7,
  outputPath: out(),
  ...o,
});
const skyRequest = (o: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'skyreels-v2-df',
  prompt: 'a lighthouse at dusk',
  durationSec: 1,
  width: 960,
  height: 544,
  seed: 7,
  outputPath: out(),
  ...o,
});

describe('ltx-2: the vectors ttv builds are accepted', () => {
  const cases: Array<[string, Partial<GenerateRequest>, { images: Array<[string, number]>; audio: boolean }]> = [
    ['text', {}, { images: [], audio: true }],
    ['first frame', { firstFrame: 'first' }, { images: [['first', 0]], audio: true }],
    [
      'first + last frame',
      { firstFrame: 'first', lastFrame: 'last' },
      {
        images: [
          ['first', 0],
          ['last', 48],
        ],
        audio: true,
      },
    ],
    [
      'timed keyframes between first and last',
      {
        firstFrame: 'first',
        lastFrame: 'last',
        keyframes: [
          { path: 'mid', atSec: 0.5 },
          { path: 'mid2', atSec: 1.5 },
        ] as never,
      },
      {
        images: [
          ['first', 0],
          ['mid', 12],
          ['mid2', 36],
          ['last', 48],
        ],
        audio: true,
      },
    ],
    ['sound asked for', { generateAudio: true }, { images: [], audio: true }],
    ['sound turned off: ttv removes the track LTX-2 always makes', { generateAudio: false }, { images: [], audio: false }],
  ];
  it.each(cases)('%s', async (_name, o, want) => {
    const record = join(dir, `ltx-${n}.jsonl`);
    const backend = localModelBackend(join(dir, 'm'), 'ltx-2', { record });
    const paths = (p?: string) => (p ? img[p as keyof typeof img] : undefined);
    const request = ltxRequest({
      ...o,
      ...(o.firstFrame ? { firstFrame: paths(o.firstFrame) } : {}),
      ...(o.lastFrame ? { lastFrame: paths(o.lastFrame) } : {}),
      ...(o.keyframes ? { keyframes: o.keyframes.map((k) => ({ ...k, path: paths(k.path)! })) } : {}),
    });
    const result = await backend.generate(request, quietContext(dir));
    const probe = await probeVideo(result.file, { countFrames: true });
    expect(probe).toMatchObject({ frames: 49, fps: 24, hasAudio: want.audio });
    const [run] = readRunRecords(record);
    expect(run).toMatchObject({ outcome: 'ok', frames: 49, geometry: { width: 768, height: 512 }, seed: 7 });
    expect((run!.images as Array<{ path: string; frameIdx: number }>).map((i) => [i.path, i.frameIdx])).toEqual(want.images.map(([k, i]) => [paths(k), i]));
  });
});

describe('skyreels-v2-df: the vectors ttv builds are accepted', () => {
  it.each([
    ['text', {}, 25],
    ['first frame', { firstFrame: 'first' }, 25],
    ['first + last frame', { firstFrame: 'first', lastFrame: 'last' }, 25],
  ] as const)('%s: 4k+1 frames', async (_name, o, frames) => {
    const backend = localModelBackend(join(dir, 'm'), 'skyreels-v2-df');
    const request = skyRequest({
      ...('firstFrame' in o ? { firstFrame: img.first } : {}),
      ...('lastFrame' in o ? { lastFrame: img.last } : {}),
    });
    const result = await backend.generate(request, quietContext(dir));
    expect(await probeVideo(result.file, { countFrames: true })).toMatchObject({ frames, fps: 24, hasAudio: false });
  });

  it('extend: --video_path with num_frames = continuation + overlap; ttv keeps only the new frames, none repeating the input', async () => {
    const record = join(dir, 'sky-extend.jsonl');
    const backend = localModelBackend(join(dir, 'm'), 'skyreels-v2-df', { record });
    const request = skyRequest({ inputVideo: clip, durationSec: 2 });
    const args = backend.buildArgs(request, { output: 'x', outputDir: 'd' });
    expect(args.slice(args.indexOf('--num_frames'), args.indexOf('--num_frames') + 2)).toEqual(['--num_frames', String(48 + 17)]);
    expect(args[args.indexOf('--video_path') + 1]).toBe(clip);
    const result = await backend.generate(request, quietContext(dir));
    expect(await probeVideo(result.file, { countFrames: true })).toMatchObject({ frames: 48, fps: 24 });
    expect(readRunRecords(record)[0]).toMatchObject({ outcome: 'ok', extend: true, inputFrames: 41, added: 48, frames: 89 });
  });
});

describe('the stand-ins refuse what the real CLIs refuse', () => {
  const ltxBase = () => {
    const b = localModelBackend(join(dir, 'm'), 'ltx-2');
    return { b, args: b.buildArgs(ltxRequest(), { output: join(dir, 'refused.mp4'), outputDir: dir }) };
  };
  const set = (args: string[], flag: string, value: string) => args.map((a, i) => (args[i - 1] === flag ? value : a));
  const drop = (args: string[], flag: string, count = 1) => {
    const i = args.indexOf(flag);
    return [...args.slice(0, i), ...args.slice(i + 1 + count)];
  };
  it.each([
    ['an unknown flag', (a: string[]) => [...a, '--fps', '24'], 2, /unrecognized arguments: --fps/],
    ['num_frames not 8k+1', (a: string[]) => set(a, '--num-frames', '48'), 1, /must satisfy \(frames - 1\) % 8 == 0/],
    ['a width not a multiple of 64', (a: string[]) => set(a, '--width', '800'), 1, /not divisible by 64/],
    ['a missing conditioning image', (a: string[]) => [...a, '--image', join(dir, 'nope.png'), '0', '1.0'], 2, /Path not found/],
    ['--image with two values', (a: string[]) => [...a, '--image', img.first, '0'], 2, /requires 3 or 4 arguments/],
    ['a frame index that is no integer', (a: string[]) => [...a, '--image', img.first, 'one', '1.0'], 1, /invalid literal for int/],
    ['no --checkpoint-path', (a: string[]) => drop(a, '--checkpoint-path'), 1, /Missing --checkpoint-path/],
    ['no --gemma-root', (a: string[]) => drop(a, '--gemma-root'), 1, /Provide either monolith args/],
    ['no --distilled-lora', (a: string[]) => drop(a, '--distilled-lora', 2), 2, /the following arguments are required: --distilled-lora/],
    ['a seed that is no integer', (a: string[]) => set(a, '--seed', '1.5'), 2, /argument --seed: invalid int value/],
  ])('ltx-2: %s', async (_name, change, code, message) => {
    const { b, args } = ltxBase();
    const r = await runStandIn(b, change(args));
    expect(r.exitCode, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  const skyBase = (o: Partial<GenerateRequest> = { inputVideo: '' }) => {
    const b = localModelBackend(join(dir, 'm'), 'skyreels-v2-df');
    return { b, args: b.buildArgs(skyRequest(o.inputVideo === '' ? { inputVideo: clip } : o), { output: 'x', outputDir: join(dir, 'sky-refused') }) };
  };
  it.each([
    ['an unknown flag', (a: string[]) => [...a, '--negative_prompt', 'blur'], 2, /unrecognized arguments: --negative_prompt/],
    ['a resolution it does not know', (a: string[]) => set(a, '--resolution', '1080P'), 2, /argument --resolution: invalid choice/],
    ['no resolution', (a: string[]) => drop(a, '--resolution'), 1, /Invalid resolution: None/],
    ['extension without --overlap_history', (a: string[]) => drop(a, '--overlap_history'), 1, /'>=' not supported/],
    ['an input shorter than the overlap', (a: string[]) => set(a, '--overlap_history', '57'), 1, /The input video is too short/],
    ['a model that is not on disk (offline download)', (a: string[]) => set(a, '--model_id', join(dir, 'none')), 1, /couldn't connect/],
    ['num_frames that is no integer', (a: string[]) => set(a, '--num_frames', '41.5'), 2, /argument --num_frames: invalid int value/],
    ['--end_image without --image', (a: string[]) => [...drop(a, '--video_path'), '--end_image', img.last], 1, /has no attribute 'convert'/],
  ])('skyreels-v2-df: %s', async (_name, change, code, message) => {
    const { b, args } = skyBase();
    const r = await runStandIn(b, change(args));
    expect(r.exitCode, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});

it('timed keyframes land on the nearest frame strictly inside the clip', () => {
  expect(
    keyframeValues(
      [
        { path: 'a', atSec: 0.5 },
        { path: 'b', atSec: 0.01 },
        { path: 'c', atSec: 2.04 },
      ],
      24,
      49,
    ).map((k) => k.keyframeIndex),
  ).toEqual(['12', '1', '47']);
});
