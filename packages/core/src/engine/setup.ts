import { join } from 'node:path';
import { deterministicPlanner } from '../builtin/deterministic-planner.js';
import type { LoadedConfig } from '../config/load.js';
import { preflightRun } from '../plan/inputs.js';
import type { Plan } from '../plan/planner.js';
import type { BackendRegistry } from '../registry/registry.js';
import type { PlannerPlugin } from '../spec/planner.js';
import { fsError, sha256, writeFileAtomic } from '../util/fs.js';
import { sleep as abortableSleep } from '../util/sleep.js';
import { Budget, WARN_PREFIX } from './budget.js';
import { type BackendSlot, resolveChain } from './chain.js';
import type { PipelineEvent } from './events.js';
import { type Executor, inProcessExecutor } from './executor.js';
import { checkSoundtrack } from './join-step.js';
import { MANIFEST_VERSION, type Manifest, ManifestWriter, type SegmentRecord } from './manifest.js';
import { needsPlanner, PLAN_FILE, type PlanCharge, type PlanningRecord, planCharges, plannedCore, planStep } from './plan-step.js';
import { openRunFolder } from './run-folder.js';
import { createReporter, now, type RunState } from './run-state.js';
import { withoutSecrets } from './settings-key.js';

export interface RunPipelineOptions {
  config: LoadedConfig;
  /** Used to expand `backend: auto` (explicit chains are already loaded by loadConfig). */
  registry: Pick<BackendRegistry, 'listInstalled' | 'load'>;
  /** Run folder; default `output.dir`, else `runs/<name>` beside the config file. */
  runDir?: string;
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /** Injectable for tests (fake timers). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injectable jitter source, 0..1. */
  random?: () => number;
  env?: NodeJS.ProcessEnv;
  /**
   * Where segment tasks and backend calls run (one executor per run). Default: in this process, with
   * `concurrency` call slots.
   */
  executor?: Executor;
  /**
   * Start over in a run folder whose manifest is damaged beyond recovery although it shows paid work (otherwise
   * refused with RUN_FOLDER_INVALID, saying what would be paid again).
   */
  restart?: boolean;
  /**
   * Stop after a step instead of making the film: `keyframes` makes (or reuses) the keyframes of keyframe mode,
   * records them and ends the run as `stopped`; running again without it goes on from there.
   */
  until?: 'keyframes';
}

/** A function that runs `make` once and then returns its promise. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

export function defaultRunDir(config: LoadedConfig): string {
  return config.core.output.dir ?? join(config.configDir, 'runs', config.name);
}

/**
 * The set-up step: plans the film, prepares the run folder (sub-folders, stale temp files, the redacted config
 * copy), loads and merges the manifest of an earlier run (saved at once, status `running`), emits `run-start`,
 * resolves the fallback chain and opens the budget. Errors here end the run before anything is recorded as failed.
 */
export async function setUpRun(options: RunPipelineOptions): Promise<RunState> {
  const core = options.config.core;
  const signal = options.signal ?? new AbortController().signal;
  const env = options.env ?? process.env;
  await checkSoundtrack({ core, config: options.config }, signal); // a bad soundtrack is found before anything is paid, not at the join
  const runDir = options.runDir ?? defaultRunDir(options.config);
  const reporter = createReporter(runDir, options.onEvent);
  // Every prompt and input image is checked before the run folder exists or anything is paid; a script planned by
  // a paid planner is planned inside the (locked) run folder first, so that its answer is kept (plan-step.ts).
  const early = needsPlanner(options.config) ? undefined : await preflight(options.config, signal, reporter);
  // The folder is checked (a ttv run folder, or empty), locked, cleaned of ttv's temp files, and the previous
  // manifest recovered (backup, journal, or the segment files themselves).
  const folder = await openRunFolder(runDir, {
    restart: options.restart === true,
    ...(early ? { segments: early.plan.segments.length } : {}),
    onWarning: (message) => reporter.emit({ type: 'warning', message }),
  });
  const configCopy = join(runDir, 'config.json');
  await folder.guard(
    writeFileAtomic(configCopy, `${JSON.stringify(options.config.redacted, null, 2)}\n`).catch((e: unknown) => {
      throw fsError(e, configCopy, 'the run config');
    }),
  );
  const charges = unbookedCharges(runDir, folder.previous);
  const budget = new Budget(core.budget, { spentUsd: (folder.previous?.totalCostUsd ?? 0) + charges.reduce((a, c) => a + c.usd, 0) });
  const planned = early ? undefined : await folder.guard(planStep(options.config, { runDir, signal, env, budget, log: (line) => reporter.log(line) }));
  const config = planned ? { ...options.config, core: plannedCore(core, planned.record) } : options.config;
  const { plan } = early ?? (await folder.guard(preflight(config, signal, reporter)));
  const previous = folder.previous;
  const manifest = mergeManifest(config, plan, previous);
  if (planned) bookPlanning(manifest, planned.record, reporter);
  bookPlanCharges(manifest, charges);
  const writer = new ManifestWriter(runDir, manifest);
  await folder.guard(writer.save());
  reporter.emit({ type: 'run-start', runDir, mode: core.mode, segments: plan.segments.length, resumed: previous !== undefined });
  const slots = await folder.guard(resolveChain(config, options.registry));
  // run.log exists from the start of every run, whether or not a backend logs.
  reporter.log(
    `run starting: mode ${core.mode}, ${plan.segments.length} segment(s), backends ${slots.map((s) => s.configured.name).join(', ')}${previous ? ' (resumed)' : ''}`,
  );
  await reporter.flushLog();
  return Object.assign(reporter, {
    config,
    core: config.core,
    runDir,
    folder,
    signal,
    sleep: options.sleep ?? abortableSleep,
    random: options.random ?? Math.random,
    env,
    plan,
    manifest,
    writer,
    slots,
    // A finished segment stays valid while the backend that made it is still in the chain with the same settings
    // (adding a fallback or reordering the chain does not re-pay finished segments).
    producerKeys: new Map(slots.map((s) => [s.configured.name, producerKey(s)])),
    budget: new Budget(core.budget, { spentUsd: manifest.totalCostUsd, warned: manifest.warnings.some((w) => w.startsWith(WARN_PREFIX)) }),
    executor: options.executor ?? inProcessExecutor({ concurrency: core.concurrency }),
    inputs: { keyframes: [] },
    planner: once(async () => {
      const { plugin, config: settings } = config.planner ?? { plugin: deterministicPlanner as PlannerPlugin, config: {} };
      return plugin.create(settings, { configDir: config.configDir, env });
    }),
    ...(options.until ? { until: options.until } : {}),
  });
}

/** The input preflight, its warnings told. */
async function preflight(config: LoadedConfig, signal: AbortSignal, reporter: { emit: RunState['emit'] }): Promise<{ plan: Plan }> {
  const { plan, warnings } = await preflightRun(config, { signal });
  for (const message of warnings) reporter.emit({ type: 'warning', message });
  return { plan };
}

/**
 * Puts the plan into the manifest (`planning`) and, once, its cost into the ledger (`planner:<name>`): a plan saved
 * by a run that was killed before its manifest was written is still counted, and a reused one is not counted twice.
 */
function bookPlanning(manifest: Manifest, record: PlanningRecord, reporter: { emit: RunState['emit'] }): void {
  const backend = `planner:${record.planner}`;
  const model = `plan:${record.key.slice(0, 16)}`;
  manifest.planning = {
    planner: record.planner,
    key: record.key,
    file: PLAN_FILE,
    segments: record.segments.length,
    costUsd: record.costUsd,
    warnings: record.warnings,
  };
  if (manifest.ledger.some((e) => e.backend === backend && e.model === model)) return;
  for (const message of record.warnings) reporter.emit({ type: 'warning', message: `planner: ${message}` });
  manifest.ledger.push({ segment: 0, backend, model, attempt: 1, estimatedUsd: record.costUsd, actualUsd: record.costUsd, outcome: 'ok', at: record.at });
  manifest.totalCostUsd += record.costUsd;
}

const chargeModel = (c: PlanCharge) => `plan-failed:${c.at}`;

/** Billed planner failures (plan-charges.jsonl) the manifest does not have yet. */
function unbookedCharges(runDir: string, previous: Manifest | undefined): PlanCharge[] {
  const booked = new Set((previous?.ledger ?? []).map((e) => `${e.backend} ${e.model}`));
  return planCharges(runDir).filter((c) => !booked.has(`planner:${c.planner} ${chargeModel(c)}`));
}

/** Books billed planner failures into the ledger (once: keyed by when they happened). */
function bookPlanCharges(manifest: Manifest, charges: readonly PlanCharge[]): void {
  for (const c of charges) {
    manifest.ledger.push({
      segment: 0,
      backend: `planner:${c.planner}`,
      model: chargeModel(c),
      attempt: 1,
      estimatedUsd: c.usd,
      actualUsd: c.usd,
      outcome: 'error',
      at: c.at,
    });
    manifest.totalCostUsd += c.usd;
  }
}

/** This run's manifest: the plan's segments, keeping what an earlier run of the folder recorded for each. */
export function mergeManifest(config: LoadedConfig, plan: Plan, previous: Manifest | undefined): Manifest {
  const core = config.core;
  return {
    version: MANIFEST_VERSION,
    name: config.name,
    mode: core.mode,
    status: 'running',
    createdAt: previous?.createdAt ?? now(),
    updatedAt: now(),
    configFile: config.file,
    output: { width: core.output.width, height: core.output.height, fps: core.output.fps },
    segments: plan.segments.map((s) => {
      const old = previous?.segments[s.index];
      if (old) {
        // Attempts a killed run left open never finished: say so (their job, if any, is still in `job`).
        for (const a of old.attempts) if (a.outcome === undefined) a.outcome = 'interrupted';
        return { ...old, prompt: s.prompt };
      }
      return {
        index: s.index,
        prompt: s.prompt,
        status: 'pending',
        requested: { durationSec: s.durationSec, width: core.output.width, height: core.output.height },
        warnings: [],
        skipped: [],
        attempts: [],
      } satisfies SegmentRecord;
    }),
    ledger: previous?.ledger ?? [],
    totalCostUsd: previous?.totalCostUsd ?? 0,
    warnings: previous?.warnings ?? [],
    ...(previous?.final ? { final: previous.final } : {}),
    // Generated stills are kept whatever changed: each is reused only while its own key holds (keyframe-step.ts).
    ...(previous?.images ? { images: previous.images } : {}),
    // The journal's numbering goes on where the earlier run's (replayed) journal ends.
    ...(previous?.journalSeq !== undefined ? { journalSeq: previous.journalSeq } : {}),
  };
}

/** Hash of a backend's name and config section, secret fields left out. */
function producerKey(slot: BackendSlot): string {
  return sha256(JSON.stringify([slot.configured.name, withoutSecrets(slot.configured.config, slot.configured.plugin.secretFields)]));
}
