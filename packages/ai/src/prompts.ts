/**
 * What the planner tells the model. The rules are those the predecessor's planner worked by (prior art §1.2):
 * standalone segments, the full description of every cast member present repeated in each prompt, precise
 * camera terms, keyframe prompts that describe a still with no camera movement, and segment N's keyframe being
 * segment N+1's first frame. The script goes between `<script>` tags and the cast between `<cast>` tags.
 */
import type { PlanRequest, RewordRequest } from '@ttv/core/backend';

const RULES = [
  'You are a film storyboard planner. You split a script into segments for an AI video model that generates each segment on its own, with no knowledge of the others.',
  'Rules:',
  '1. Every segment is standalone: its prompt says who is there, where, what happens and how the camera films it, without referring to other segments ("again", "he", "continues").',
  '2. Each time a cast member appears, repeat their full description word for word in that prompt (and in the keyframe prompt): never just a name or a pronoun.',
  '3. Use precise camera terms: wide / medium / close-up shot, eye-level, low angle, static camera, dolly in, pan left, tracking shot, crane up.',
  "4. Keep the script's order and story; invent no event it does not imply. Write in the script's language.",
];

const KEYFRAME_RULES = [
  '5. keyframePrompt describes the still frame the segment ends on, for an image model: subjects, pose, setting, composition, light and palette. A static frame: no camera movement, no motion verbs.',
  "6. Segment N's keyframe is segment N+1's first frame: segment N+1 begins exactly where segment N's keyframe leaves off.",
];

/** The system prompt of `plan`. */
export function planSystemPrompt(request: PlanRequest): string {
  return [...RULES, ...(request.mode === 'keyframe' ? KEYFRAME_RULES : [])].join('\n');
}

/** How many segments to write, as the request allows. */
function countLine(request: PlanRequest): string {
  if (request.segmentCount !== undefined) return `Write exactly ${request.segmentCount} segments.`;
  if (request.totalDurationSec !== undefined) {
    const about = Math.max(1, Math.min(request.maxSegments, Math.round(request.totalDurationSec / request.segmentDurationSec)));
    return `Write about ${about} segments (at most ${request.maxSegments} segments), together ${request.totalDurationSec} seconds long.`;
  }
  return `Write one segment per beat of the script, at most ${request.maxSegments} segments.`;
}

/** The user prompt of `plan`: the script, the counts and durations, the cast. */
export function planUserPrompt(request: PlanRequest): string {
  const cast = request.cast.map((m) => `- ${m.name} (${m.kind}): ${m.description}`);
  return [
    `<script>${request.script}</script>`,
    countLine(request),
    `Aim for ${request.segmentDurationSec} seconds per segment; each durationSec between ${request.minSegmentSec} and ${request.maxSegmentSec}.`,
    `Mode: ${request.mode}${request.mode === 'keyframe' ? ' (every segment needs its keyframePrompt)' : ''}.`,
    ...(cast.length > 0
      ? ['<cast>', ...cast, '</cast>', "List in each segment's cast the names of those present."]
      : ['There is no named cast: leave cast empty.']),
  ].join('\n');
}

export const REWORD_SYSTEM =
  'You rewrite prompts for AI video and image models that a provider refused. Keep the story, the people, the place, the camera and the length; remove or soften only what the refusal is about (graphic violence, real people, brands, explicit content). Answer with the rewritten prompt alone, no preamble, no quotes.';

/** The user prompt of `reword`. */
export function rewordUserPrompt(request: RewordRequest): string {
  return [
    `The provider refused this prompt (attempt ${request.attempt}):`,
    `<prompt>${request.prompt}</prompt>`,
    `Its refusal: ${request.refusal}`,
    request.attempt > 1 ? 'Earlier rewrites were refused too: soften it further.' : 'Rewrite it.',
  ].join('\n');
}
