import { expect, test, vi } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { cardImages } from '../builtin/card-images.js';
import type { VideoBackend } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import type { ImagesPlugin } from '../spec/images.js';
import { budgetOutlook, estimateRun } from './estimate.js';
import { chainingStoryboard, configured, keyframeStoryboard, makeConfig, noRegistry, pluginFor, useAssets } from './harness.fixture.js';

const assets = useAssets();

test('per segment and backend: model, negotiated duration/size, USD or skip reason; chosen backend; total against the budget; no calls', async () => {
  const flf = createScriptedBackend({ name: 'flf', inputs: ['first-last-frame'], usdPerSecond: 0.5, durations: [2, 4] });
  const i2v = createScriptedBackend({ name: 'i2v', inputs: ['first-frame'], usdPerSecond: 0.1 });
  const fetchSpy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('no network in estimates'));
  try {
    const core = { ...keyframeStoryboard(3, assets, 3), budget: { maxUsd: 4, warnUsd: 1 } };
    const e = await estimateRun(makeConfig({ assets, backends: [i2v, flf], core }), noRegistry);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(flf.calls.length + i2v.calls.length + flf.validations + i2v.validations).toBe(0);
    expect(e.mode).toBe('keyframe');
    const s0 = e.segments[0]!;
    expect(s0.input).toBe('first-last-frame');
    expect(s0.chain[0]).toMatchObject({ backend: 'i2v', skipped: expect.stringMatching(/a first and a last frame/) });
    // 3 s is not allowed: the nearest (ties → longer) is 4 s, at 0.5 USD/s
    expect(s0.chain[1]).toMatchObject({ backend: 'flf', model: 'flf-model', durationSec: 4, width: 320, height: 180, usd: 2 });
    expect(s0.chain[1]!.warnings[0]).toMatch(/cannot make 3 s/);
    expect(s0.chosen).toEqual({ backend: 'flf', model: 'flf-model', usd: 2 });
    expect(e.totalUsd).toBe(6);
    // 2 + 2 = 4 fits; the third call would cross 4
    expect(e.budget).toMatchObject({ maxUsd: 4, withinBudget: false, stopsBeforeSegment: 2, warnsAfterSegment: 0 });
    expect(e.impossibleSegments).toEqual([]);
  } finally {
    fetchSpy.mockRestore();
  }
});

test('a backend that cannot be created offline is priced from its published usdPerSecond, and says so', async () => {
  const remote = createScriptedBackend({ name: 'remote', usdPerSecond: 0.25 }) as unknown as VideoBackend;
  const c = configured(remote);
  const plugin = pluginFor(remote, {
    create: () => {
      throw new TtvError('AUTH', 'REMOTE_API_KEY is not set');
    },
  });
  const config = makeConfig({ assets, backends: [], core: chainingStoryboard(2, 2, assets) });
  config.backends = [{ ...c, plugin, loaded: { ...c.loaded, plugin } }];
  config.chain = ['remote'];
  const e = await estimateRun(config, noRegistry);
  expect(e.segments.map((s) => s.chosen?.usd)).toEqual([0.5, 0.5]);
  expect(e.segments[0]!.chain[0]!.basis).toMatch(/published rate/);
  expect(e.backends).toEqual([{ name: 'remote', kind: 'remote', costSource: 'describe', note: expect.stringMatching(/REMOTE_API_KEY is not set/) }]);
  expect(e.budget.withinBudget).toBe(true);
});

test('a segment no backend can take is reported, with the reasons', async () => {
  const tiny = createScriptedBackend({ name: 'tiny', maxPromptLength: 2 });
  const core = chainingStoryboard(2, 1, assets);
  (core.storyboard as { segments: { prompt: string }[] }).segments[1]!.prompt = 'a much longer prompt';
  const e = await estimateRun(makeConfig({ assets, backends: [tiny], core }), noRegistry);
  expect(e.impossibleSegments).toEqual([1]);
  expect(e.segments[1]!.chain[0]!.skipped).toMatch(/prompt is 20 characters; tiny\/tiny-model accepts at most 2/);
  expect(e.totalUsd).toBe(0.1);
});

test.each([
  // [chosen USD per segment, limits, stopsBeforeSegment, warnsAfterSegment, total]
  [[2, 2, 2], { maxUsd: 4, warnUsd: 1 }, 2, 0, 6],
  [[1, 1], {}, undefined, undefined, 2],
  [[0, 0.5, 0.5], { warnUsd: 0 }, undefined, 1, 1],
  [[undefined, 3], { maxUsd: 2.5 }, 1, undefined, 3],
  [[0.1, 0.2], { maxUsd: 0.3, warnUsd: 0.3 }, undefined, 1, 0.3],
] as const)('budgetOutlook %j %j: stops before %s, warns after %s, total %s', (usds, limits, stops, warns, total) => {
  const segments = usds.map((usd, index) => ({ index, chosen: { backend: 'a', model: 'm', ...(usd === undefined ? {} : { usd }) } }));
  const outlook = budgetOutlook(segments, limits);
  expect(outlook.totalUsd).toBe(total);
  expect(outlook.budget.stopsBeforeSegment).toBe(stops);
  expect(outlook.budget.warnsAfterSegment).toBe(warns);
  expect(outlook.budget.withinBudget).toBe(stops === undefined);
});

test('each segment estimate carries its keyframe and first-frame source, also for a prompt + keyframes storyboard', async () => {
  const flf = createScriptedBackend({ name: 'flf', inputs: ['first-last-frame'], usdPerSecond: 0.1 });
  const core = { mode: 'keyframe', storyboard: { image: assets.image, prompt: 'One. Two.', keyframes: assets.keyframes.slice(0, 2) } };
  const e = await estimateRun(makeConfig({ assets, backends: [flf], core }), noRegistry);
  expect(e.segments.map((s) => [s.input, s.firstFrame, s.keyframe])).toEqual([
    ['first-last-frame', 'image', assets.keyframes[0]],
    ['first-last-frame', 'previous-keyframe', assets.keyframes[1]],
  ]);
});

test('keyframe mode from a script: the stills the image generator would make are counted and priced, and budgeted before the segments', async () => {
  const flf = createScriptedBackend({ name: 'flf', inputs: ['first-last-frame'], usdPerSecond: 0.1 });
  const paidImages = {
    plugin: {
      ...cardImages,
      name: 'paidimg',
      create: async (...args: Parameters<typeof cardImages.create>) => ({ ...(await cardImages.create(...args)), estimateCost: () => ({ usd: 0.05 }) }),
    } as unknown as ImagesPlugin,
    config: {},
  };
  const core = (maxUsd: number) => ({
    mode: 'keyframe',
    segmentDuration: 1,
    budget: { maxUsd },
    storyboard: { segments: [{ prompt: 'One.' }, { prompt: 'Two.', keyframe: assets.keyframes[0] }, { prompt: 'Three.' }] },
  });
  const e = await estimateRun({ ...makeConfig({ assets, backends: [flf], core: core(1) }), images: paidImages }, noRegistry);
  // The first frame and the keyframes of segments 0 and 2 (segment 1 gives its own file).
  expect(e.images).toEqual({ generator: 'paidimg', count: 3, usd: 0.15 });
  expect(e.totalUsd).toBeCloseTo(0.15 + 3 * 0.1, 6);
  expect(e.budget).toMatchObject({ withinBudget: true });
  const tight = await estimateRun({ ...makeConfig({ assets, backends: [flf], core: core(0.1) }), images: paidImages }, noRegistry);
  expect(tight.budget).toMatchObject({ withinBudget: false, stopsDuringImages: true });
  // Chaining mode makes no stills.
  const chained = await estimateRun(makeConfig({ assets, backends: [flf], core: chainingStoryboard(2, 1, assets) }), noRegistry);
  expect(chained.images).toEqual({ generator: 'card', count: 0, usd: 0 });
});
