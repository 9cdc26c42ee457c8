import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig, RunEstimate } from '@ttv/core';
import type { PlanningRecord } from '@ttv/core/engine';

/** What `ttv plan` and `ttv estimate` render: core's estimate of the run, as is, and the input checks' warnings. */
export interface DryRun {
  config: LoadedConfig;
  /** A script planned by a paid planner: its plan (asked now, or saved in the run folder by an earlier call). */
  planning?: { record: PlanningRecord; paid: boolean; file: string };
  estimate: RunEstimate;
  /** From `validatePlanInputs` (e.g. a symlink leading outside the config folder). */
  warnings: string[];
}

type SegmentEstimate = RunEstimate['segments'][number];

/** The chain option the run would use for a segment (undefined when no backend of the chain can take it). */
export function chosenOption(segment: SegmentEstimate): SegmentEstimate['chain'][number] | undefined {
  return segment.chosen ? segment.chain.find((c) => c.backend === segment.chosen!.backend) : undefined;
}

/** Exit codes of `ttv plan` / `ttv estimate` when they say the run would not go through (see docs/user-guide.md). */
export const EXIT_WOULD_FAIL = 2;
export const EXIT_OVER_BUDGET = 9;

/**
 * Loads the project named by `--config`, checks its input images (core's `validatePlanInputs`: the same checks the
 * engine makes before the first paid call) and estimates it with core's `estimateRun`. Zero network calls, except
 * with `askPlanner` for a script planned by a paid planner (`ttv plan`): the planner is asked once and its answer
 * kept in the run folder's plan.json, where `generate` finds it (and books its cost) instead of asking again.
 */
export async function loadDryRun(configFlag: string | undefined, dataDir: string, options: { askPlanner?: boolean } = {}): Promise<DryRun> {
  const { loadProject } = await import('./context.js');
  const core = await import('@ttv/core');
  const engine = await import('@ttv/core/engine');
  const { resolveFfmpeg } = await import('@ttv/core/media');
  const { config, registry } = await loadProject(configFlag, dataDir);
  const runDir = engine.defaultRunDir(config);
  const planning = await plannedBy(config, runDir, options.askPlanner === true);
  const planned = planning ? { ...config, core: engine.plannedCore(config.core, planning.record) } : config;
  const plan = engine.planStoryboard(planned.core, { textToVideo: engine.chainTakesText(config) });
  const ffmpeg = config.core.ffmpeg;
  const binaries = engine.planImages(plan).length
    ? resolveFfmpeg({
        ...(ffmpeg.ffmpegPath ? { ffmpegPath: ffmpeg.ffmpegPath } : {}),
        ...(ffmpeg.ffprobePath ? { ffprobePath: ffmpeg.ffprobePath } : {}),
      })
    : undefined;
  const { warnings } = await engine.validatePlanInputs(plan, { configDir: config.configDir, ...(binaries ? { binaries } : {}) });
  const estimate = await core.estimateRun(config, registry, { runDir });
  return {
    config: planned,
    estimate,
    warnings: [...warnings, ...(planning?.record.warnings ?? []).map((w) => `planner: ${w}`)],
    ...(planning ? { planning } : {}),
  };
}

/** The paid planner's plan for this config: saved in the run folder, else (with `ask`) asked now and saved there. */
async function plannedBy(config: LoadedConfig, runDir: string, ask: boolean): Promise<DryRun['planning']> {
  const engine = await import('@ttv/core/engine');
  if (!engine.needsPlanner(config)) return undefined;
  const file = join(runDir, engine.PLAN_FILE);
  const saved = engine.savedPlanning(runDir, engine.planningKey(config, engine.planRequestOf(config.core)));
  if (saved) return { record: saved, paid: false, file };
  if (!ask) return undefined;
  const { writeFileAtomic } = await import('@ttv/core/backend');
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  try {
    const record = await engine.askPlanner(config, { signal: controller.signal, env: process.env, log: () => {}, workDir: tmpdir() });
    // A generate holding the folder plans for itself; otherwise the answer waits here for it.
    if (!existsSync(join(runDir, 'run.lock'))) {
      await mkdir(runDir, { recursive: true });
      await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
    }
    return { record, paid: true, file };
  } finally {
    process.off('SIGINT', stop);
  }
}

/**
 * Makes text safe to print on a terminal: control characters (ESC, CR, BEL, …, C1) and bidirectional overrides are
 * shown as escapes (`\n`, `\x1b`, `\u202e`) instead of being interpreted.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    if (named[c]) return named[c];
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
