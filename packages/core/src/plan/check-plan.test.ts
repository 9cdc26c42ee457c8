import { describe, expect, it } from 'vitest';
import { TtvError } from '../spec/errors.js';
import type { PlanRequest } from '../spec/planner.js';
import { checkPlanResult } from './check-plan.js';

const request: PlanRequest = {
  script: 'A script.',
  mode: 'keyframe',
  totalDurationSec: 15,
  segmentDurationSec: 5,
  minSegmentSec: 2.5,
  maxSegmentSec: 10,
  maxSegments: 4,
  cast: [{ name: 'Mara', kind: 'character', description: 'a tall keeper in a red coat' }],
};
const seg = (over: Record<string, unknown> = {}) => ({ prompt: 'She walks.', keyframePrompt: 'She stands still.', durationSec: 5, cast: ['Mara'], ...over });

describe('refused: PLAN_INVALID naming the field', () => {
  it.each([
    ['not an object', null, 'segments', /no segments/],
    ['segments not a list', { segments: 'three' }, 'segments', /no segments/],
    ['no segments', { segments: [] }, 'segments', /no segments/],
    ['too many', { segments: [seg(), seg(), seg(), seg(), seg()] }, 'segments', /5 segments, at most 4/],
    ['a blank prompt', { segments: [seg(), seg({ prompt: '  ' }), seg()] }, 'segments[1].prompt', /segment 1 has no prompt/],
    ['a missing prompt', { segments: [seg({ prompt: undefined })] }, 'segments[0].prompt', /segment 0 has no prompt/],
    ['a prompt that is not text', { segments: [seg({ prompt: 42 })] }, 'segments[0].prompt', /no prompt/],
  ])('%s', (_what, raw, field, message) => {
    let error: unknown;
    try {
      checkPlanResult('llm', request, raw);
    } catch (e) {
      error = e;
    }
    expect(TtvError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PLAN_INVALID', field });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/the planner "llm"/);
  });

  it('the wrong count when one segment per keyframe image is asked for', () => {
    expect(() => checkPlanResult('llm', { ...request, segmentCount: 2 }, { segments: [seg(), seg(), seg()] })).toThrow(/3 segment\(s\) where exactly 2/);
  });
});

describe('repaired, and said', () => {
  it.each([
    ['a duration that is not a number → the preferred length', [seg({ durationSec: 'five' }), seg(), seg()], [5, 5, 5], /durationSec "five" is not a duration/],
    ['a duration below the range → clamped', [seg({ durationSec: 1 }), seg({ durationSec: 6.5 }), seg({ durationSec: 6 })], [2.5, 6.5, 6], /outside 2.5–10 s/],
    [
      'a film too long → scaled to the target',
      [seg({ durationSec: 10 }), seg({ durationSec: 10 }), seg({ durationSec: 10 })],
      [5, 5, 5],
      /30.0 s in all, not the 15 s/,
    ],
    [
      'a missing keyframe prompt → the last sentence as a still',
      [seg({ keyframePrompt: undefined, prompt: 'She walks. She stops.' }), seg(), seg()],
      [5, 5, 5],
      /keyframePrompt is missing/,
    ],
    ['a stranger in the cast → left out', [seg({ cast: ['Mara', 'Bob'] }), seg(), seg()], [5, 5, 5], /"Bob", who is not in the cast/],
  ])('%s', (_what, segments, durations, warning) => {
    const checked = checkPlanResult('llm', request, { segments });
    expect(checked.segments.map((s) => s.durationSec)).toEqual(durations);
    expect(checked.warnings.join('\n')).toMatch(warning);
  });

  it('a good answer passes unchanged, cast names in the cast spelling, without warnings', () => {
    const checked = checkPlanResult('llm', request, { segments: [seg({ cast: ['mara'] }), seg(), seg({ prompt: ' She waves. ' })] });
    expect(checked.warnings).toEqual([]);
    expect(checked.segments[0]).toEqual({ prompt: 'She walks.', keyframePrompt: 'She stands still.', durationSec: 5, cast: ['Mara'] });
    expect(checked.segments[2]!.prompt).toBe('She waves.');
  });

  it('the derived keyframe prompt is the still of the last sentence', () => {
    const checked = checkPlanResult('llm', request, { segments: [seg({ keyframePrompt: '', prompt: 'She walks. She stops.' }), seg(), seg()] });
    expect(checked.segments[0]!.keyframePrompt).toBe('Still frame, no camera movement: She stops.');
  });

  it('chaining mode needs no keyframe prompts', () => {
    const checked = checkPlanResult('llm', { ...request, mode: 'chaining' }, { segments: [seg({ keyframePrompt: undefined }), seg(), seg()] });
    expect(checked.warnings).toEqual([]);
    expect(checked.segments[0]!.keyframePrompt).toBeUndefined();
  });
});
