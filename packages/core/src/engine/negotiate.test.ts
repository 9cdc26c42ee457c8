import { describe, expect, test } from 'vitest';
import type { BackendInfo, ModelCapabilities } from '../spec/backend.js';
import { negotiate } from './negotiate.js';
import { concurrencyWarning } from './run-state.js';

const model = (id: string, o: Partial<ModelCapabilities> = {}): ModelCapabilities => ({
  id,
  inputs: ['first-frame'],
  durations: { kind: 'discrete', values: [5] },
  resolutions: [{ width: 1280, height: 720 }],
  fps: 24,
  maxPromptLength: 1000,
  concurrency: 2,
  ...o,
});
const runwayLike: BackendInfo = {
  name: 'runway',
  displayName: 'Runway',
  kind: 'remote',
  defaultModel: 'gen4_turbo',
  models: [model('gen4_turbo', { usdPerSecond: 0.05 }), model('veo3.1_fast', { inputs: ['first-frame', 'first-last-frame'], usdPerSecond: 0.1 })],
};
const needs = { prompt: 'a fox', durationSec: 5, width: 1280, height: 720 };

describe('negotiate: the model', () => {
  test('keyframe mode switching from the default model to another one says so, with both models and prices', () => {
    const deal = negotiate({ name: 'runway', info: runwayLike }, { ...needs, input: 'first-last-frame' });
    expect(deal.ok).toBe(true);
    if (!deal.ok) return;
    expect(deal.model.id).toBe('veo3.1_fast');
    const w = deal.warnings.find((x) => x.field === 'model');
    expect(w).toMatchObject({ type: 'negotiated', field: 'model' });
    expect(w?.message).toContain('gen4_turbo ($0.05/s)');
    expect(w?.message).toContain('veo3.1_fast ($0.1/s)');
  });

  test('the default model taking the input: no model warning', () => {
    const deal = negotiate({ name: 'runway', info: runwayLike }, { ...needs, input: 'first-frame' });
    expect(deal.ok && deal.model.id).toBe('gen4_turbo');
    expect(deal.ok && deal.warnings).toEqual([]);
  });
});

describe('concurrencyWarning: keyframe mode with fewer slots than GPU jobs', () => {
  const local = { models: [model('flf2v-14B', { concurrency: 4 })], resourcePool: { gpus: [0, 1, 2, 3] } };
  test('concurrency 2 with GPUs for 4 jobs: a warning saying to raise concurrency to 4', () => {
    const w = concurrencyWarning({ mode: 'keyframe', concurrency: 2 }, 'wan21', local);
    expect(w).toContain('raise concurrency to 4');
    expect(w).toContain('wan21');
  });

  test('no warning when concurrency covers the GPUs, in chaining mode, or for a backend without GPUs', () => {
    expect(concurrencyWarning({ mode: 'keyframe', concurrency: 4 }, 'wan21', local)).toBeUndefined();
    expect(concurrencyWarning({ mode: 'chaining', concurrency: 1 }, 'wan21', local)).toBeUndefined();
    expect(concurrencyWarning({ mode: 'keyframe', concurrency: 1 }, 'runway', { models: [model('gen4_turbo', { concurrency: 5 })] })).toBeUndefined();
  });
});
