import { CHECKS } from './checks.js';
import { ConformanceError, createConformanceContext } from './context.js';
import type { ConformanceContext, ConformanceOptions } from './types.js';

/** The checks of the conformance suite: stable ids (for `skip`) and what each verifies. */
export const CONFORMANCE_CHECKS: ReadonlyArray<{ id: string; title: string; description: string }> = CHECKS.map(({ id, title, description }) => ({
  id,
  title,
  description,
}));

export type ConformanceCheckId = (typeof CHECKS)[number]['id'];

/** Skip reasons given by the caller, by check id. */
export function skipReasons(options: ConformanceOptions): Map<string, string> {
  const skip = options.skip ?? [];
  const entries = Array.isArray(skip) ? skip.map((id) => [id, 'skipped by the caller (no reason given)'] as const) : Object.entries(skip);
  const known = new Set(CHECKS.map((c) => c.id));
  for (const [id] of entries) {
    if (!known.has(id)) throw new ConformanceError(`skip names an unknown check "${id}"; known checks: ${[...known].join(', ')}`);
  }
  return new Map(entries);
}

/** `true` when the check runs for this backend, else why it is skipped. */
export function checkApplies(id: string, ctx: ConformanceContext): true | string {
  const check = CHECKS.find((c) => c.id === id);
  if (!check) throw new ConformanceError(`unknown conformance check "${id}"; known checks: ${CHECKS.map((c) => c.id).join(', ')}`);
  const reason = skipReasons(ctx.options).get(id);
  if (reason !== undefined) return `skipped: ${reason}`;
  const applies = check.applies(ctx);
  return applies === true ? true : `not applicable: ${applies}`;
}

/** Runs one check on an existing context. Rejects with a ConformanceError saying what to fix. */
export async function runCheck(id: string, ctx: ConformanceContext): Promise<{ status: 'passed' } | { status: 'skipped'; reason: string }> {
  const applies = checkApplies(id, ctx);
  if (applies !== true) return { status: 'skipped', reason: applies };
  await CHECKS.find((c) => c.id === id)!.run(ctx);
  return { status: 'passed' };
}

/**
 * Framework-agnostic: runs one check (creating and removing its fixtures). Resolves with `passed` or `skipped`
 * (and why); rejects with a ConformanceError whose message says what to fix.
 */
export async function runConformanceCheck(id: string, options: ConformanceOptions): Promise<{ status: 'passed' } | { status: 'skipped'; reason: string }> {
  const ctx = await createConformanceContext(options);
  try {
    return await runCheck(id, ctx);
  } finally {
    await ctx.dispose();
  }
}
