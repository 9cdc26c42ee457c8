// The embedded planner: no model, no key, free, the same answer every time. Its `reword` softens a refused prompt
// without an LLM: the words the refusal quotes are taken out, and the prompt is framed as a non-graphic depiction.
// An LLM planner (issue #12) rewrites better; this one keeps `onModeration: reword` working on a bare machine.
import { z } from 'zod';
import { SPECIFICATION_VERSION } from '../spec/backend.js';
import { throwIfAborted } from '../spec/errors.js';
import { definePlanner, type RewordRequest } from '../spec/planner.js';

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

export const deterministicPlanner = definePlanner({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'deterministic',
  displayName: 'Deterministic planner (embedded)',
  kind: 'embedded',
  configSchema: z.object({}).strict(),
  create: () => ({
    specificationVersion: SPECIFICATION_VERSION,
    estimateCost: () => ({ usd: 0 }),
    async reword(request, context) {
      throwIfAborted(context.signal);
      return { prompt: softenPrompt(request), costUsd: 0 };
    },
  }),
});
