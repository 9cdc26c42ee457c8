// The embedded planner: no model, no key, free, the same answer every time. Its `reword` softens a refused prompt
// without an LLM: the words the refusal quotes are taken out, and the prompt is framed as a non-graphic depiction.
// An LLM planner (issue #12) rewrites better; this one keeps `onModeration: reword` working on a bare machine.
import { z } from 'zod';
import { castIn, groupSentences, keyframePromptOf, splitSentences, withDescriptions } from '../plan/planner.js';
import { SPECIFICATION_VERSION } from '../spec/backend.js';
import { TtvError, throwIfAborted } from '../spec/errors.js';
import { definePlanner, type PlanRequest, type PlanResult, type RewordRequest } from '../spec/planner.js';

const FRAME = 'A restrained, non-graphic, family-friendly depiction:';

/** The words a refusal names in quotes ('…', "…", “…”), lower case. */
function quotedWords(refusal: string): string[] {
  return [...refusal.matchAll(/['"“‘]([^'"”’]{2,40})['"”’]/g)].map((m) => m[1]!.trim().toLowerCase()).filter((w) => w.length > 1);
}

/** The deterministic rewording (pure; table-tested). */
export function softenPrompt({ prompt, refusal }: Pick<RewordRequest, 'prompt' | 'refusal'>): string {
  let text = prompt.startsWith(FRAME) ? prompt.slice(FRAME.length).trim() : prompt;
  for (const word of quotedWords(refusal)) {
    text = text.replace(new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'gi'), '').replace(/\s{2,}/g, ' ');
  }
  return [FRAME, text.trim()].filter(Boolean).join(' ');
}

/**
 * The deterministic plan (pure): the script's sentences grouped into segments with character counts as even as
 * possible, one per `segmentCount`, per `totalDuration / segmentDuration` or per sentence; the keyframe prompt is
 * the segment's last sentence as a still.
 */
export function sentencePlan(request: PlanRequest): Omit<PlanResult, 'costUsd'> {
  const sentences = splitSentences(request.script);
  if (sentences.length === 0) {
    throw new TtvError('INPUT_INVALID', 'the script has no sentences to plan from', {
      field: 'storyboard.prompt',
      value: request.script,
      fix: 'write the script as sentences ending in ".", "!" or "?"',
    });
  }
  const n =
    request.segmentCount ?? (request.totalDurationSec ? Math.max(1, Math.round(request.totalDurationSec / request.segmentDurationSec)) : sentences.length);
  const duration = request.totalDurationSec ? request.totalDurationSec / n : request.segmentDurationSec;
  return {
    // Each segment is generated alone: the full description of every cast member it shows is repeated in it.
    segments: groupSentences(sentences, Math.min(n, request.maxSegments)).map((text) => {
      const present = castIn(text, request.cast);
      return {
        prompt: withDescriptions(text, present),
        ...(request.mode === 'keyframe' ? { keyframePrompt: withDescriptions(keyframePromptOf(text), present) } : {}),
        durationSec: Number(duration.toFixed(3)),
        cast: present.map((m) => m.name),
      };
    }),
  };
}

export const deterministicPlanner = definePlanner({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'deterministic',
  displayName: 'Deterministic planner (embedded)',
  kind: 'embedded',
  configSchema: z.object({}).strict(),
  create: () => ({
    specificationVersion: SPECIFICATION_VERSION,
    estimateCost: () => ({ usd: 0 }),
    estimatePlanCost: () => ({ usd: 0 }),
    async plan(request, context) {
      throwIfAborted(context.signal);
      return { ...sentencePlan(request), costUsd: 0 };
    },
    async reword(request, context) {
      throwIfAborted(context.signal);
      return { prompt: softenPrompt(request), costUsd: 0 };
    },
  }),
});
