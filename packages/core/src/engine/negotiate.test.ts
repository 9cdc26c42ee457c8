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

describe('negotiate: reference pictures', () => {
  const refs = [
    { name: 'Mara', role: 'character' as const, required: false },
    { name: 'Lighthouse', role: 'place' as const, required: false },
    { name: 'Boat', role: 'character' as const, required: true },
  ];
  const info = (models: ModelCapabilities[]): BackendInfo => ({ name: 'b', displayName: 'B', kind: 'remote', defaultModel: models[0]!.id, models });
  test.each([
    ['no references capability: the optional ones dropped, the required one refused', [model('m')], undefined, 'required reference picture(s) of Boat'],
    ['max 1: the required one only', [model('m', { references: { max: 1 } })], [2], 'Mara, Lighthouse are left out'],
    ['max 2: the required one and the first optional', [model('m', { references: { max: 2 } })], [0, 2], 'Lighthouse are left out'],
    ['max 3: all', [model('m', { references: { max: 3 } })], [0, 1, 2], undefined],
    ['characters only: the place dropped', [model('m', { references: { max: 3, roles: ['character'] } })], [0, 2], 'Lighthouse'],
    ['places only: the required character refused', [model('m', { references: { max: 3, roles: ['place'] } })], undefined, 'required reference'],
  ])('%s', (_what, models, accepted, message) => {
    const deal = negotiate({ name: 'b', info: info(models) }, { ...needs, input: 'first-frame', references: refs });
    if (accepted === undefined) {
      expect(deal.ok).toBe(false);
      expect(!deal.ok && deal.reason).toContain(message);
      return;
    }
    expect(deal.ok && deal.references).toEqual(accepted);
    const w = deal.ok ? deal.warnings.find((x) => x.field === 'references') : undefined;
    if (message) expect(w?.message).toContain(message);
    else expect(w).toBeUndefined();
  });

  test('the default model cannot take a required reference: another model of the backend that can is chosen, and said', () => {
    const deal = negotiate(
      { name: 'b', info: info([model('plain'), model('refs', { references: { max: 1 } })]) },
      { ...needs, input: 'first-frame', references: [{ name: 'Boat', role: 'character', required: true }] },
    );
    expect(deal.ok && deal.model.id).toBe('refs');
    expect(deal.ok && deal.warnings.find((w) => w.field === 'model')?.message).toContain('does not take the required reference pictures');
  });
});

describe('negotiate: limits of one input mode', () => {
  const veoLike = (o: Partial<ModelCapabilities> = {}): BackendInfo => ({
    name: 'veo',
    displayName: 'Veo',
    kind: 'remote',
    defaultModel: 'v31',
    models: [
      model('v31', {
        inputs: ['text', 'first-frame', 'extend'],
        durations: { kind: 'discrete', values: [4, 6, 8] },
        resolutions: [
          { width: 1280, height: 720 },
          { width: 1920, height: 1080 },
        ],
        byInput: { extend: { durations: { kind: 'discrete', values: [7] }, resolutions: [{ width: 1280, height: 720 }] } },
        references: { max: 3, inputs: ['text'] },
        ...o,
      }),
    ],
  });
  const refs = [{ name: 'Mara', role: 'character' as const, required: false }];

  test('an extension of a 1080p, 8 s film: 7 s at 720p, said', () => {
    const deal = negotiate({ name: 'veo', info: veoLike() }, { ...needs, width: 1920, height: 1080, durationSec: 8, input: 'extend' });
    expect(deal.ok && [deal.durationSec, deal.width, deal.height]).toEqual([7, 1280, 720]);
    expect(deal.ok && deal.warnings.map((w) => w.message).join('\n')).toMatch(/cannot make 8 s with extend input \(allowed: 7\)/);
  });

  test('a first-frame clip of the same model keeps the model-wide limits', () => {
    const deal = negotiate({ name: 'veo', info: veoLike() }, { ...needs, width: 1920, height: 1080, durationSec: 8, input: 'first-frame' });
    expect(deal.ok && [deal.durationSec, deal.width]).toEqual([8, 1920]);
  });

  test.each([
    ['text: the reference is sent', 'text' as const, [0]],
    ['first frame: left out, and the warning says why', 'first-frame' as const, []],
  ])('references only with text input — %s', (_what, input, sent) => {
    const deal = negotiate({ name: 'veo', info: veoLike() }, { ...needs, durationSec: 8, input, references: refs });
    expect(deal.ok && deal.references).toEqual(sent);
    if (sent.length === 0) expect(deal.ok && deal.warnings.find((w) => w.field === 'references')?.message).toMatch(/only with text input, not first-frame/);
  });
});

describe('negotiate: reference-to-video models and conditional reference audio', () => {
  const info = (models: ModelCapabilities[]): BackendInfo => ({ name: 'b', displayName: 'B', kind: 'remote', defaultModel: models[0]!.id, models });
  const r2v = model('r2v', { inputs: ['text'], references: { max: 3, min: 1 } });
  const t2v = model('t2v', { inputs: ['text'] });
  const mara = [{ name: 'Mara', role: 'character' as const, required: false }];

  test.each([
    ['a segment with a picture goes to the reference-to-video default', mara, 'r2v'],
    ['a segment with none goes to another model of the backend', [], 't2v'],
  ])('%s', (_what, references, id) => {
    const deal = negotiate({ name: 'b', info: info([r2v, t2v]) }, { ...needs, input: 'text', references });
    expect(deal.ok && deal.model.id).toBe(id);
  });

  test('a reference-to-video model alone cannot take a segment without pictures, and says so', () => {
    const deal = negotiate({ name: 'b', info: info([r2v]) }, { ...needs, input: 'text', references: [] });
    expect(!deal.ok && deal.reason).toMatch(/no model of b takes a segment with 0 reference picture\(s\) \(models: r2v: 1–3 references\)/);
  });

  test.each([
    ['always', true, 'first-frame', [], true],
    ['text only, with a first frame', { inputs: ['text'] }, 'first-frame', [], false],
    ['text only, with text', { inputs: ['text'] }, 'text', [], true],
    ['beside references only, without', { withReferences: true }, 'text', [], false],
    ['beside references only, with', { withReferences: true }, 'text', mara, true],
  ])('reference audio: %s', (_what, referenceAudio, input, references, sent) => {
    const m = model('m', { inputs: ['text', 'first-frame'], references: { max: 3 }, referenceAudio: referenceAudio as ModelCapabilities['referenceAudio'] });
    const deal = negotiate({ name: 'b', info: info([m]) }, { ...needs, input: input as 'text', references, referenceAudio: true });
    expect(deal.ok && deal.referenceAudio).toBe(sent);
  });
});
