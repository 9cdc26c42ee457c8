import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CoreConfig, coreConfigSchema } from '../config/schema.js';
import { makeTestImage } from '../media/testing.js';
import type { ModelCapabilities } from '../spec/backend.js';
import { rejection } from '../spec/errors.fixture.js';
import { checkPlanPrompts, validatePlanInputs } from './inputs.js';
import { MAX_SEGMENTS, planStoryboard } from './planner.js';

const root = mkdtempSync(join(tmpdir(), 'ttv-inputs-'));
const dir = join(root, 'project');
const outside = join(root, 'elsewhere');

beforeAll(async () => {
  mkdirSync(dir);
  mkdirSync(outside);
  await makeTestImage(join(dir, 'a.png'), { width: 64, height: 36 });
  await makeTestImage(join(dir, 'b.png'), { width: 64, height: 36 });
  await makeTestImage(join(outside, 'c.png'), { width: 64, height: 36 });
  await makeTestImage(join(dir, 'tiny.png'), { width: 8, height: 8 });
  writeFileSync(join(dir, 'text.png'), 'this is not an image');
  writeFileSync(join(dir, 'empty.png'), '');
  execFileSync('mkfifo', [join(dir, 'fifo.png')]);
  symlinkSync(join(outside, 'c.png'), join(dir, 'link.png'));
  symlinkSync(join(dir, 'a.png'), join(dir, 'inner-link.png'));
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const core = (raw: Record<string, unknown>): CoreConfig => coreConfigSchema.parse(raw);
const p = (name: string) => join(dir, name);

const rejects = (promise: Promise<unknown>) => rejection(promise, 'expected a rejection');

describe('planStoryboard: one vocabulary for a plan', () => {
  it('a prompt + keyframes storyboard carries each keyframe, its config key, the input mode and the first-frame source', () => {
    const plan = planStoryboard(
      core({ mode: 'keyframe', storyboard: { image: p('a.png'), prompt: 'One. Two. Three.', keyframes: [p('a.png'), p('b.png'), p('a.png')] } }),
    );
    expect(plan.segments.map((s) => [s.keyframe, s.keyframeKey, s.input, s.firstFrame])).toEqual([
      [p('a.png'), 'storyboard.keyframes[0]', 'first-last-frame', 'image'],
      [p('b.png'), 'storyboard.keyframes[1]', 'first-last-frame', 'previous-keyframe'],
      [p('a.png'), 'storyboard.keyframes[2]', 'first-last-frame', 'previous-keyframe'],
    ]);
  });

  it('chaining: the film image, then the previous last frame; text-only without an image', () => {
    const withImage = planStoryboard(core({ storyboard: { image: p('a.png'), segments: [{ prompt: 'a' }, { prompt: 'b' }] } }));
    expect(withImage.segments.map((s) => [s.input, s.firstFrame, s.promptKey])).toEqual([
      ['first-frame', 'image', 'storyboard.segments[0].prompt'],
      ['first-frame', 'previous-last-frame', 'storyboard.segments[1].prompt'],
    ]);
    const text = planStoryboard(core({ storyboard: { segments: [{ prompt: 'a' }, { prompt: 'b' }] } }));
    expect(text.segments.map((s) => [s.input, s.firstFrame])).toEqual([
      ['text', 'none'],
      ['first-frame', 'previous-last-frame'],
    ]);
  });

  it('a blank later prompt is CONFIG_INVALID naming its key, in both modes', () => {
    for (const mode of ['chaining', 'keyframe'] as const) {
      const segments = [
        { prompt: 'a', keyframe: p('a.png') },
        { prompt: ' \t ', keyframe: p('b.png') },
      ];
      const c = core({ mode, storyboard: { image: p('a.png'), segments: mode === 'chaining' ? segments.map((s) => ({ prompt: s.prompt })) : segments } });
      expect(() => planStoryboard(c)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'storyboard.segments[1].prompt' }));
    }
  });

  it('a huge totalDuration or a tiny segmentDuration is refused before allocating the plan', () => {
    const e = coreConfigSchema.safeParse({ storyboard: { prompt: 'One.', totalDuration: 1e7 } });
    expect(e.success).toBe(false);
    expect(JSON.stringify(e.error?.issues)).toMatch(/totalDuration must be at most 36000/);
    const c = core({ segmentDuration: 0.01, storyboard: { prompt: 'One. Two.', totalDuration: 3600 } });
    expect(() => planStoryboard(c)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'storyboard.totalDuration' }));
    expect(() => planStoryboard(c)).toThrow(new RegExp(`at most ${MAX_SEGMENTS}`));
  });
});

describe('validatePlanInputs', () => {
  const keyframePlan = (image: string, keyframes: string[]) =>
    planStoryboard(
      core({ mode: 'keyframe', storyboard: { image: p(image), prompt: keyframes.map((_, i) => `S${i}.`).join(' '), keyframes: keyframes.map(p) } }),
    );
  const segmentsPlan = (image: string, keyframes: string[]) =>
    planStoryboard(core({ mode: 'keyframe', storyboard: { image: p(image), segments: keyframes.map((k, i) => ({ prompt: `s${i}`, keyframe: p(k) })) } }));

  it('accepts good images and reports their size', async () => {
    const r = await validatePlanInputs(keyframePlan('a.png', ['b.png', 'inner-link.png']), { configDir: dir });
    expect(r.images.map((i) => [i.key, i.width, i.height])).toEqual([
      ['storyboard.image', 64, 36],
      ['storyboard.keyframes[0]', 64, 36],
      ['storyboard.keyframes[1]', 64, 36],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it('names the config key, not a copy under runs/', async () => {
    const missing = await rejects(validatePlanInputs(segmentsPlan('a.png', ['a.png', 'b.png', 'a.png', 'nope.png']), { configDir: dir }));
    expect(missing).toMatchObject({ code: 'INPUT_INVALID', field: 'storyboard.segments[3].keyframe', value: p('nope.png') });
    expect(missing.message).toMatch(/not found/);
    const notImage = await rejects(validatePlanInputs(keyframePlan('a.png', ['a.png', 'b.png', 'text.png']), { configDir: dir }));
    expect(notImage).toMatchObject({ code: 'INPUT_INVALID', field: 'storyboard.keyframes[2]' });
    expect(notImage.message).not.toMatch(/runs\//);
    const first = await rejects(validatePlanInputs(keyframePlan('empty.png', ['a.png']), { configDir: dir }));
    expect(first).toMatchObject({ field: 'storyboard.image', message: expect.stringMatching(/empty/) });
    const folder = await rejects(validatePlanInputs(keyframePlan('a.png', ['.']), { configDir: dir }));
    expect(folder.message).toMatch(/folder/);
    const tiny = await rejects(validatePlanInputs(keyframePlan('tiny.png', ['a.png']), { configDir: dir }));
    expect(tiny.message).toMatch(/8x8/);
  });

  it('refuses a FIFO without opening it (does not hang)', async () => {
    const e = await rejects(validatePlanInputs(keyframePlan('a.png', ['fifo.png']), { configDir: dir }));
    expect(e).toMatchObject({ code: 'INPUT_INVALID', field: 'storyboard.keyframes[0]', message: expect.stringMatching(/FIFO/) });
  }, 5_000);

  it('a symlink leading outside the config folder: a warning, or a refusal with allowOutsideFiles: false', async () => {
    const plan = keyframePlan('a.png', ['link.png']);
    const r = await validatePlanInputs(plan, { configDir: dir });
    expect(r.warnings).toEqual([expect.stringMatching(/storyboard\.keyframes\[0\] is a symlink to .*elsewhere.*outside the config's folder/)]);
    const e = await rejects(validatePlanInputs(plan, { configDir: dir, allowOutsideFiles: false }));
    expect(e).toMatchObject({ code: 'INPUT_INVALID', field: 'storyboard.keyframes[0]' });
  });
});

describe('checkPlanPrompts', () => {
  const model = (maxPromptLength: number): ModelCapabilities => ({
    id: 'm',
    inputs: ['first-frame', 'text'],
    durations: { kind: 'range', min: 1, max: 10 },
    resolutions: [{ width: 1280, height: 720 }],
    fps: 24,
    maxPromptLength,
    concurrency: 1,
  });
  const backend = (name: string, max: number) => ({
    name,
    info: { name, displayName: name, kind: 'remote' as const, models: [model(max)], defaultModel: 'm' },
  });

  it('an over-long later prompt in chaining mode is caught up front, naming its key', () => {
    const plan = planStoryboard(core({ storyboard: { image: p('a.png'), segments: [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'x'.repeat(600) }] } }));
    expect(() => checkPlanPrompts(plan, [backend('small', 100), backend('medium', 500)], { width: 1280, height: 720 })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        field: 'storyboard.segments[2].prompt',
        message: expect.stringMatching(/600 characters.*more than 500/),
      }),
    );
    // one backend of the chain takes it: fine (the engine falls back)
    expect(() => checkPlanPrompts(plan, [backend('small', 100), backend('big', 1000)], { width: 1280, height: 720 })).not.toThrow();
  });
});
