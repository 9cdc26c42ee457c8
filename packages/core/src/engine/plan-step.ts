// The planning step: a script (`storyboard.prompt`) planned by a paid planner (`planner: ai`, or any plugin but the
// embedded deterministic one) becomes the run's storyboard. The answer is checked (checkPlanResult), saved at once
// to `plan.json` in the run folder (temp + rename) with its input key and cost, and reused while the key holds: a
// resumed run never asks the LLM again. The embedded planner needs none of this: its plan is computed, not paid.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { type CoreConfig, LIMITS } from '../config/schema.js';
import { type CheckedSegment, checkPlanResult } from '../plan/check-plan.js';
import { TtvError, toTtvError } from '../spec/errors.js';
import type { PlanRequest } from '../spec/planner.js';
import { fsError, sha256, writeFileAtomic } from '../util/fs.js';
import { Budget } from './budget.js';
import { withoutSecrets } from './settings-key.js';

/** What `plan.json` holds. */
export interface PlanningRecord {
  /** The planner's config name. */
  planner: string;
  /** Hash of the planner, its settings (secrets left out) and the request: the plan is reused while it holds. */
  key: string;
  request: PlanRequest;
  segments: CheckedSegment[];
  costUsd: number;
  warnings: string[];
  at: string;
}

export const PLAN_FILE = 'plan.json';
/** Paid planner calls that failed (a malformed answer is billed too): one JSON line each, booked by the run. */
export const PLAN_CHARGES_FILE = 'plan-charges.jsonl';

/** A failed planner call that was billed. */
export interface PlanCharge {
  planner: string;
  key: string;
  usd: number;
  code: string;
  at: string;
}

/** The billed failures of planning recorded in `runDir` (a damaged line is skipped). */
export function planCharges(runDir: string): PlanCharge[] {
  const file = join(runDir, PLAN_CHARGES_FILE);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        const c = JSON.parse(line) as PlanCharge;
        return typeof c.usd === 'number' && c.usd > 0 ? [c] : [];
      } catch {
        return [];
      }
    });
}

/** Whether the run's storyboard comes from a paid planner (a script, and a planner other than the embedded one). */
export function needsPlanner(config: Pick<LoadedConfig, 'core' | 'planner'>): boolean {
  const name = config.planner?.plugin.name ?? 'deterministic';
  return config.core.storyboard.prompt !== undefined && config.core.storyboard.segments === undefined && name !== 'deterministic';
}

/** What the planner is asked for this config. */
export function planRequestOf(core: CoreConfig): PlanRequest {
  const sb = core.storyboard;
  const keyframes = core.mode === 'keyframe' ? (sb.keyframes?.length ?? 0) : 0;
  return {
    script: sb.prompt ?? '',
    mode: core.mode,
    ...(sb.totalDuration ? { totalDurationSec: sb.totalDuration } : {}),
    segmentDurationSec: core.segmentDuration,
    minSegmentSec: Math.max(1, core.segmentDuration / 2),
    maxSegmentSec: core.segmentDuration * 2,
    ...(keyframes > 0 ? { segmentCount: keyframes } : {}),
    maxSegments: LIMITS.maxSegments,
    cast: core.cast.map((m) => ({ name: m.name, kind: m.kind, description: m.description })),
  };
}

/** The key a planning record is reused under. */
export function planningKey(config: Pick<LoadedConfig, 'core' | 'planner'>, request: PlanRequest): string {
  const { plugin, config: settings } = config.planner!;
  return sha256(JSON.stringify({ planner: plugin.name, settings: withoutSecrets(settings, plugin.secretFields), request }));
}

/** The saved plan of `runDir`, when it answers this config. */
export function savedPlanning(runDir: string, key: string): PlanningRecord | undefined {
  const file = join(runDir, PLAN_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as PlanningRecord;
    return record.key === key && Array.isArray(record.segments) ? record : undefined;
  } catch {
    return undefined; // a damaged plan.json is planned again (it is only ever replaced whole)
  }
}

export interface PlanStepOptions {
  runDir: string;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  budget: Budget;
  log: (line: string) => void;
}

/** Asks the configured planner for this config's plan, once, within `budget`: the checked answer (not saved). */
export async function askPlanner(
  config: LoadedConfig,
  options: Omit<PlanStepOptions, 'runDir' | 'budget'> & { workDir: string; budget?: Budget },
): Promise<PlanningRecord> {
  const budget = options.budget ?? new Budget(config.core.budget);
  const request = planRequestOf(config.core);
  const { plugin, config: settings } = config.planner!;
  const planner = await plugin.create(settings, { configDir: config.configDir, env: options.env });
  const estimate = planner.estimatePlanCost(request).usd;
  budget.reserve(estimate, `planning the script with ${plugin.name}`);
  let answer: Awaited<ReturnType<typeof planner.plan>>;
  try {
    answer = await planner.plan(request, { signal: options.signal, log: (line) => options.log(`planner: ${line}`), workDir: options.workDir });
  } finally {
    budget.release(estimate);
    await planner.dispose?.();
  }
  const checked = checkPlanResult(plugin.name, request, answer);
  return {
    planner: plugin.name,
    key: planningKey(config, request),
    request,
    segments: checked.segments,
    costUsd: answer.costUsd,
    warnings: [...(answer.warnings ?? []), ...checked.warnings],
    at: new Date().toISOString(),
  };
}

/** The planning step: the saved plan while its key holds, else the planner's answer, checked, budgeted and saved. */
export async function planStep(config: LoadedConfig, options: PlanStepOptions): Promise<{ record: PlanningRecord; paid: boolean }> {
  const key = planningKey(config, planRequestOf(config.core));
  const saved = savedPlanning(options.runDir, key);
  if (saved) return { record: saved, paid: false };
  let record: PlanningRecord;
  try {
    record = await askPlanner(config, { ...options, workDir: join(options.runDir, 'work') });
  } catch (e) {
    // A refused answer may have been billed (the tokens were spent): kept, for the run to book and budget.
    const error = toTtvError(e);
    if ((error.chargedUsd ?? 0) > 0) {
      const charge: PlanCharge = { planner: config.planner!.plugin.name, key, usd: error.chargedUsd!, code: error.code, at: new Date().toISOString() };
      await appendFile(join(options.runDir, PLAN_CHARGES_FILE), `${JSON.stringify(charge)}\n`).catch(() => {});
      options.budget.book(charge.usd);
    }
    throw error;
  }
  const file = join(options.runDir, PLAN_FILE);
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`).catch((e: unknown) => {
    throw fsError(e, file, 'the plan');
  });
  return { record, paid: true };
}

/** The config with the planned storyboard in place of the script (the segments as if written). */
export function plannedCore(core: CoreConfig, record: PlanningRecord): CoreConfig {
  const { prompt: _script, totalDuration: _total, ...storyboard } = core.storyboard;
  if (record.segments.length === 0) throw new TtvError('PLAN_INVALID', `${PLAN_FILE} has no segments`, { field: 'segments', fix: 'delete it to plan again' });
  return {
    ...core,
    storyboard: {
      ...storyboard,
      segments: record.segments.map((s) => ({ prompt: s.prompt, duration: s.durationSec, ...(s.keyframePrompt ? { keyframePrompt: s.keyframePrompt } : {}) })),
    },
  } as CoreConfig;
}
