/** Runway's `GET /v1/organization`: credit balance, tier limits and today's usage per model. */
import type { RunwayState } from './types.js';

const MODELS = ['gen4_turbo', 'gen4.5', 'veo3.1', 'veo3.1_fast', 'gen4_image', 'gen4_image_turbo'];

export function organizationJson(state: RunwayState): Record<string, unknown> {
  const models: Record<string, { maxConcurrentGenerations: number | null; maxDailyGenerations: number | null }> = {};
  const usage: Record<string, { dailyGenerations: number }> = {};
  for (const m of MODELS) {
    models[m] = { maxConcurrentGenerations: 2, maxDailyGenerations: 200 };
    usage[m] = { dailyGenerations: [...state.tasks.values()].filter((t) => t.request.model === m).length };
  }
  return { creditBalance: state.emulator.creditBalance(), tier: { maxMonthlyCreditSpend: 100_000, models }, usage: { models: usage } };
}
