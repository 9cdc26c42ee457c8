// @ts-check
/**
 * ttv-backend-solid/planner: a minimal third-party ttv planner (`planner: ttv-backend-solid/planner`), written from
 * docs/writing-a-planner.md alone. It plans by paragraphs and sentences (a stand-in for an LLM): one segment per
 * `totalDuration / segmentDuration`, the keyframe the segment's last sentence as a still, the cast described in
 * every segment that shows them. `reword` puts the refused words in brackets out of the prompt.
 */
import { definePlanner, SPECIFICATION_VERSION, TtvError } from '@ttv/core/backend';
import { z } from 'zod';

/** The `beats:` section of a ttv config for this planner. */
export const configSchema = z.object({ style: z.string().default('cinematic') }).strict();

/** @param {AbortSignal} signal */
function checkAborted(signal) {
  if (signal.aborted) throw new TtvError('CANCELLED', 'the planning was cancelled');
}

/** @param {string} text */
const sentencesOf = (text) => (text.match(/[^.!?]+[.!?]*/g) ?? []).map((s) => s.trim()).filter(Boolean);

/**
 * @param {import('@ttv/core/backend').PlanRequest} request
 * @param {string} style
 */
function planBeats(request, style) {
  const sentences = sentencesOf(request.script);
  if (sentences.length === 0) {
    throw new TtvError('INPUT_INVALID', 'the script has no sentences', { field: 'storyboard.prompt', fix: 'write the script as sentences' });
  }
  const n =
    request.segmentCount ?? Math.max(1, Math.round((request.totalDurationSec ?? sentences.length * request.segmentDurationSec) / request.segmentDurationSec));
  const durationSec = request.totalDurationSec ? request.totalDurationSec / n : request.segmentDurationSec;
  return Array.from({ length: n }, (_, i) => {
    const text = sentences
      .slice(Math.floor((i * sentences.length) / n), Math.max(Math.floor(((i + 1) * sentences.length) / n), Math.floor((i * sentences.length) / n) + 1))
      .join(' ');
    const cast = request.cast.filter((m) => new RegExp(`\\b${m.name}\\b`, 'i').test(text));
    const described = cast.map((m) => `${m.name} is ${m.description}.`).join(' ');
    const last = sentencesOf(text).at(-1) ?? text;
    return {
      prompt: [`${style} shot:`, text, described].filter(Boolean).join(' '),
      keyframePrompt: [`Still frame, no camera movement:`, last, described].filter(Boolean).join(' '),
      durationSec,
      cast: cast.map((m) => m.name),
    };
  });
}

export default definePlanner({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'beats',
  displayName: 'Beats planner (example)',
  kind: 'embedded',
  configSchema,
  create: (config) => ({
    specificationVersion: SPECIFICATION_VERSION,
    estimatePlanCost: () => ({ usd: 0 }),
    estimateCost: () => ({ usd: 0 }),
    async plan(request, context) {
      checkAborted(context.signal);
      return { segments: planBeats(request, config.style), costUsd: 0 };
    },
    async reword(request, context) {
      checkAborted(context.signal);
      const quoted = [...request.refusal.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '');
      let prompt = request.prompt;
      for (const word of quoted) prompt = prompt.split(word).join('');
      return { prompt: `A gentle, non-graphic scene: ${prompt.replace(/\s{2,}/g, ' ').trim()}`, costUsd: 0 };
    },
  }),
});
