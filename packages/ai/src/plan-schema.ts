/**
 * The storyboard the model must answer with (OpenAI's strict structured output: every property required, no
 * others), its safe repairs, and what a broken answer says in PLAN_INVALID.
 */
import type { PlanRequest } from '@ttv/core/backend';
import { TtvError } from '@ttv/core/backend';
import { JSONParseError, NoObjectGeneratedError, TypeValidationError } from 'ai';
import { z } from 'zod';

const segment = z.object({
  prompt: z.string().describe('What happens, for the video model: action and camera, self-contained, cast described in full'),
  durationSec: z.number().describe('Seconds'),
  cast: z.array(z.string()).describe('Names of the cast members present'),
});
const keyframeSegment = segment.extend({
  keyframePrompt: z.string().describe('The still frame the segment ends on: no camera movement'),
});

/** The schema for a mode: keyframe mode asks for a keyframe prompt in every segment. */
export function storyboardSchema(mode: PlanRequest['mode']) {
  return z.object({ segments: z.array(mode === 'keyframe' ? keyframeSegment : segment) });
}

export type ModelStoryboard = { segments: Array<z.infer<typeof keyframeSegment> | z.infer<typeof segment>> };

/**
 * The AI SDK's repairText hook: an answer that is almost JSON (a Markdown fence or a sentence around the object,
 * trailing commas) is cut to its object; anything else is left to fail. Schema violations are not repaired here.
 */
export async function repairJson({ text, error }: { text: string; error: unknown }): Promise<string | null> {
  if (!JSONParseError.isInstance(error)) return null;
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return null;
  const candidate = text.slice(start, end + 1).replace(/,\s*([}\]])/g, '$1');
  try {
    JSON.parse(candidate);
    return candidate;
  } catch {
    return null;
  }
}

/** `segments[2].keyframePrompt` from a zod issue path. */
function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || 'storyboard';
}

/** What was wrong with an answer that the SDK could not turn into a storyboard, as PLAN_INVALID (or undefined). */
export function planInvalid(error: unknown, model: string, chargedUsd: number, maxOutputTokens: number): TtvError | undefined {
  if (!NoObjectGeneratedError.isInstance(error) || error.finishReason === 'content-filter') return undefined;
  const base = `the planner "ai-planner" (${model}) answered with an unusable storyboard`;
  const excerpt = (error.text ?? '').slice(0, 120);
  if (error.finishReason === 'length') {
    return new TtvError('PLAN_INVALID', `${base}: it was cut off at ai-planner.maxOutputTokens (${maxOutputTokens})`, {
      field: 'ai-planner.maxOutputTokens',
      value: maxOutputTokens,
      fix: 'raise ai-planner.maxOutputTokens, or shorten the script',
      chargedUsd,
    });
  }
  const cause = error.cause;
  if (TypeValidationError.isInstance(cause)) {
    const issue = (cause.cause as { issues?: Array<{ path: PropertyKey[]; message: string }> } | undefined)?.issues?.[0];
    const field = issue ? fieldOf(issue.path) : 'storyboard';
    return new TtvError('PLAN_INVALID', `${base}: ${field}: ${issue?.message ?? 'does not match the storyboard schema'}`, {
      field,
      value: excerpt,
      fix: 'run again, or use a model with structured output (e.g. openai:gpt-4o-mini)',
      chargedUsd,
    });
  }
  return new TtvError('PLAN_INVALID', `${base}: it is not JSON (${JSON.stringify(excerpt)}…)`, {
    field: 'storyboard',
    value: excerpt,
    fix: 'run again, or use a model with structured output (e.g. openai:gpt-4o-mini)',
    chargedUsd,
  });
}
