/**
 * Opening a run folder for a run: checks that it is a ttv run folder (or empty/new), takes its lock, removes the
 * temp files ttv left in it, and finds the previous state — `manifest.json`, else `manifest.json.bak`, else the
 * paid-work journal, else the segment files that still probe as videos (adopted with a warning). A folder that
 * shows paid work it cannot account for is never silently started over: that needs `restart`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { probeVideo } from '../media/index.js';
import { TtvError } from '../spec/errors.js';
import { fsError, sha256File } from '../util/fs.js';
import { acquireRunLock, type RunLock } from './lock.js';
import {
  absolutiseManifest,
  type JournalEntry,
  journalPath,
  loadManifestFile,
  MANIFEST_VERSION,
  type Manifest,
  manifestBackupPath,
  manifestPath,
  readJournal,
  replayJournal,
  type SegmentRecord,
} from './manifest.js';

export interface OpenRunFolderOptions {
  /** Start over even when the folder shows paid work (`ttv generate --restart`); the old manifest and journal are kept aside. */
  restart?: boolean;
  /** Number of segments the run plans (said in the refusal: what would be paid again). */
  segments?: number;
  /** Told about every recovery step (a damaged manifest, a backup used, segments adopted). */
  onWarning?: (message: string) => void;
}

export interface OpenedRunFolder {
  runDir: string;
  /** The previous run's manifest (paths absolute), recovered when needed; undefined for a new run or a restart. */
  previous: Manifest | undefined;
  /** Where `previous` came from. */
  source: 'manifest' | 'backup' | 'journal' | 'segments' | 'none';
  warnings: string[];
  lock: RunLock;
  /** Releases the lock; idempotent. */
  release(): Promise<void>;
  /** `work`, releasing the lock if it fails (for the set-up steps between opening the folder and the run's own try/finally). */
  guard<T>(work: Promise<T>): Promise<T>;
}

/** Names that mark a folder as a ttv run folder. */
// plan.json: `ttv plan` keeps a paid planner's answer in the run folder before any run, for `generate` to reuse.
const MARKERS = ['manifest.json', 'manifest.json.bak', 'journal.jsonl', 'run.lock', 'plan.json'];

/** ttv's temp files (`tempPathFor`): `.<name>.<pid>.<8 hex>.tmp<ext>`. Nothing else is ever removed. */
export const TTV_TEMP = /^\..+\.\d+\.[0-9a-f]{8}\.tmp(\.[A-Za-z0-9]+)?$/;

const SEGMENT_FILE = /^seg-(\d{3,})\.mp4$/;

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

/** Whether `runDir` holds a ttv run: a manifest, its backup, the journal or the lock; or the engine's layout. */
export async function isRunFolder(runDir: string): Promise<boolean> {
  const names = new Set(await entries(runDir));
  if (MARKERS.some((m) => names.has(m))) return true;
  return names.has('segments') && (names.has('config.json') || names.has('run.log'));
}

/**
 * Refuses a path that is not a folder, and a non-empty folder that is not a ttv run folder (`--out .`, `--out /`,
 * `name: ".."`): ttv would write into it and clean it.
 */
async function checkFolder(runDir: string): Promise<void> {
  const s = await stat(runDir).catch(() => undefined);
  if (!s) return;
  if (!s.isDirectory()) {
    throw new TtvError('RUN_FOLDER_INVALID', `the run folder ${runDir} is a file, not a folder`, {
      field: 'runDir',
      value: runDir,
      fix: 'choose another run folder (--out, output.dir or name)',
    });
  }
  const names = await entries(runDir);
  if (names.length === 0 || (await isRunFolder(runDir))) return;
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', …' : '');
  throw new TtvError('RUN_FOLDER_INVALID', `the run folder ${runDir} is not empty and is not a ttv run folder (it holds ${shown})`, {
    field: 'runDir',
    value: runDir,
    fix: 'choose a new or empty folder for the run (--out runs/<name>, output.dir, or a plain name without "/" or ".."); ttv writes and cleans files in its run folder',
  });
}

/** Removes ttv's own temp files left by a killed run, in the run folder and its subfolders ttv made. */
async function cleanTemps(runDir: string): Promise<void> {
  for (const dir of [runDir, join(runDir, 'segments'), join(runDir, 'frames'), join(runDir, 'segments', 'normalised')]) {
    for (const entry of await entries(dir)) {
      if (TTV_TEMP.test(entry)) await rm(join(dir, entry), { force: true });
    }
  }
}

/** Rebuilds a manifest from the journal; undefined when it holds nothing usable. */
async function fromJournal(runDir: string): Promise<{ manifest?: Manifest; lines: number; bad: number }> {
  const journal = await readJournal(runDir);
  let { bad } = journal;
  const { lines } = journal;
  let run: Extract<JournalEntry, { type: 'run' }> | undefined;
  const segments: SegmentRecord[] = [];
  const ledger: Manifest['ledger'] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  let journalSeq = 0;
  for (const e of journal.entries) {
    if (typeof e.seq === 'number') journalSeq = Math.max(journalSeq, e.seq);
    if (e.type === 'run') run ??= e;
    else if (e.type === 'segment' && e.record && Number.isInteger(e.record.index)) segments[e.record.index] = e.record;
    else if (e.type === 'charge' && e.entry) {
      const key = JSON.stringify(e.entry);
      if (!seen.has(key)) ledger.push(e.entry);
      seen.add(key);
    } else if (e.type === 'warning' && typeof e.message === 'string') {
      if (!warnings.includes(e.message)) warnings.push(e.message);
    } else bad++;
  }
  if (!run && segments.length === 0 && ledger.length === 0) return { lines, bad };
  for (const s of segments) {
    if (!s) continue;
    // A job that was in flight is re-attached (its handle is kept); an attempt left open was interrupted.
    if (s.status === 'running' || s.status === 'submitted') s.status = s.job ? 'submitted' : 'pending';
  }
  const at = new Date().toISOString();
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    name: run?.name ?? '',
    mode: run?.mode ?? 'chaining',
    status: 'failed',
    createdAt: run?.createdAt ?? at,
    updatedAt: at,
    configFile: run?.configFile ?? '',
    output: run?.output ?? { width: 0, height: 0, fps: 0 },
    segments,
    ledger,
    totalCostUsd: Number(ledger.reduce((sum, l) => sum + (l.actualUsd ?? 0), 0).toFixed(6)),
    warnings,
    journalSeq,
  };
  return { manifest: absolutiseManifest(runDir, manifest), lines, bad };
}

/** Adopts the segment files that still probe as videos; reports the ones that do not. */
async function fromSegments(runDir: string): Promise<{ manifest?: Manifest; adopted: number[]; unusable: string[] }> {
  const dir = join(runDir, 'segments');
  const segments: SegmentRecord[] = [];
  const adopted: number[] = [];
  const unusable: string[] = [];
  for (const name of (await entries(dir)).sort()) {
    const m = SEGMENT_FILE.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    const index = Number(m[1]);
    try {
      const p = await probeVideo(file);
      const sha256 = await sha256File(file);
      segments[index] = {
        index,
        prompt: '',
        status: 'done',
        adopted: true,
        contentKey: `adopted:${sha256}`,
        requested: { durationSec: p.durationSec, width: p.width, height: p.height },
        file,
        sha256,
        durationSec: p.durationSec,
        frames: p.frames,
        width: p.width,
        height: p.height,
        fps: p.fps,
        warnings: [],
        skipped: [],
        attempts: [],
      };
      adopted.push(index);
    } catch {
      unusable.push(name);
    }
  }
  if (adopted.length === 0) return { adopted, unusable };
  const at = new Date().toISOString();
  return {
    manifest: {
      version: MANIFEST_VERSION,
      name: '',
      mode: 'chaining',
      status: 'failed',
      createdAt: at,
      updatedAt: at,
      configFile: '',
      output: { width: 0, height: 0, fps: 0 },
      segments,
      ledger: [],
      totalCostUsd: 0,
      warnings: [],
    },
    adopted,
    unusable,
  };
}

/** Job ids still legible in damaged files (`"handle": { "id": … }`), to say which paid jobs a restart would repeat. */
async function jobIdsIn(files: string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const m of text.matchAll(/"handle"\s*:\s*\{\s*"id"\s*:\s*"([^"]{1,200})"/g)) ids.add(m[1]!);
  }
  return [...ids];
}

/** Moves the previous run's manifest, backup and journal aside (`<name>.<time>.old`) for a restart. */
async function setAside(runDir: string): Promise<string[]> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const moved: string[] = [];
  for (const file of [manifestPath(runDir), manifestBackupPath(runDir), journalPath(runDir)]) {
    if (!existsSync(file)) continue;
    try {
      await rename(file, `${file}.${stamp}.old`);
      moved.push(`${file}.${stamp}.old`);
    } catch (error) {
      throw fsError(error, file, 'the previous manifest');
    }
  }
  return moved;
}

/**
 * Opens `runDir` for a run: see the module comment. Throws RUN_FOLDER_INVALID (not a run folder, a manifest
 * from a newer ttv, or paid work that cannot be recovered without `restart`), RUN_LOCKED (another process holds
 * it), or DISK_FULL / NOT_WRITABLE / PATH_INVALID.
 */
export async function openRunFolder(runDir: string, options: OpenRunFolderOptions = {}): Promise<OpenedRunFolder> {
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  await checkFolder(runDir);
  for (const dir of [runDir, join(runDir, 'segments'), join(runDir, 'frames')]) {
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw fsError(error, dir, 'the run folder');
    });
  }
  const lock = await acquireRunLock(runDir, {
    onTakeOver: (stale) => warn(`took over a stale lock${stale ? ` of process ${stale.pid} (started ${stale.startedAt}), which is no longer running` : ''}`),
  });
  try {
    await cleanTemps(runDir);
    const { previous, source } = options.restart ? await restartFolder(runDir, warn) : await recoverManifest(runDir, options, warn);
    if (previous) previous.warnings = [...(previous.warnings ?? []), ...warnings];
    return {
      runDir,
      previous,
      source,
      warnings,
      lock,
      release: () => lock.release(),
      guard: (work) =>
        work.catch(async (error: unknown) => {
          await lock.release();
          throw error;
        }),
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** What a run folder held from earlier runs, and where it was found. */
interface Recovered {
  previous: Manifest | undefined;
  source: OpenedRunFolder['source'];
}

/** `--restart`: the previous manifest and journal are set aside (kept), and the run starts from nothing. */
async function restartFolder(runDir: string, warn: (message: string) => void): Promise<Recovered> {
  const moved = await setAside(runDir);
  if (moved.length) warn(`--restart: starting over; the previous manifest and journal are kept as ${moved.join(', ')}`);
  return { previous: undefined, source: 'none' };
}

/** The earlier run's manifest, from the first source that holds it: manifest.json, its backup, the journal. */
async function recoverManifest(runDir: string, options: OpenRunFolderOptions, warn: (message: string) => void): Promise<Recovered> {
  const main = await loadManifestFile(manifestPath(runDir), runDir);
  if (main.ok) {
    await replayJournal(runDir, main.manifest);
    return { previous: main.manifest, source: 'manifest' };
  }
  const problems: string[] = [];
  if (main.reason === 'newer') {
    throw new TtvError('RUN_FOLDER_INVALID', `the run folder ${runDir} was written by a newer ttv (${main.message})`, {
      field: 'runDir',
      value: runDir,
      fix: 'update ttv to resume this run, or pass --restart to start it over (every segment would be generated and paid for again)',
    });
  }
  if (main.reason === 'damaged') problems.push(main.message);

  const backup = await loadManifestFile(manifestBackupPath(runDir), runDir);
  if (backup.ok) {
    await replayJournal(runDir, backup.manifest);
    warn(`${main.reason === 'missing' ? 'manifest.json is missing' : main.message}; resumed from manifest.json.bak`);
    return { previous: backup.manifest, source: 'backup' };
  }
  if (backup.reason !== 'missing') problems.push(backup.message);

  const journal = await fromJournal(runDir);
  if (journal.manifest) {
    const done = journal.manifest.segments.filter((s) => s?.status === 'done').length;
    const jobs = journal.manifest.segments.filter((s) => s?.job).length;
    warn(
      `manifest.json and its backup are ${main.reason === 'missing' && backup.reason === 'missing' ? 'missing' : 'unusable'}; recovered from journal.jsonl: ${done} finished segment(s), ${jobs} submitted job(s), ${journal.manifest.ledger.length} charge(s)${journal.bad ? ` (${journal.bad} damaged line(s) skipped)` : ''}`,
    );
    return { previous: journal.manifest, source: 'journal' };
  }
  if (journal.lines) problems.push(`journal.jsonl holds ${journal.lines} line(s), none usable`);
  return adoptSegments(runDir, options, warn, problems);
}

/**
 * The last resort: segment files that probe as videos, adopted when nothing names a submitted job. When earlier
 * work shows but cannot be recovered, throws RUN_FOLDER_INVALID rather than pay for it again unasked.
 */
async function adoptSegments(runDir: string, options: OpenRunFolderOptions, warn: (message: string) => void, problems: string[]): Promise<Recovered> {
  const scanned = await fromSegments(runDir);
  // Submitted jobs named in the damaged files cannot be re-attached without their records: adopting the segment
  // files and going on would submit (and pay for) them again, so that needs the user's word, like a restart.
  const lostJobs = problems.length ? await jobIdsIn([manifestPath(runDir), manifestBackupPath(runDir), journalPath(runDir)]) : [];
  if (scanned.manifest && lostJobs.length === 0) {
    warn(
      `no usable manifest, backup or journal; adopted ${scanned.adopted.length} segment file(s) from segments/ that probe as videos (${scanned.adopted.map((i) => `seg-${String(i).padStart(3, '0')}.mp4`).join(', ')}): they are assumed to match the current prompts and backend${scanned.unusable.length ? `; ${scanned.unusable.join(', ')} did not probe and will be generated again` : ''}`,
    );
    return { previous: scanned.manifest, source: 'segments' };
  }
  if (scanned.adopted.length) problems.push(`segments/ holds ${scanned.adopted.length} finished segment file(s) that could be adopted`);
  if (scanned.unusable.length) problems.push(`segments/ holds ${scanned.unusable.length} file(s) that do not probe as videos (${scanned.unusable.join(', ')})`);
  if (problems.length === 0) return { previous: undefined, source: 'none' };
  const jobs = lostJobs;
  const every = options.segments === undefined ? 'every segment' : `all ${options.segments} segment(s)`;
  throw new TtvError(
    'RUN_FOLDER_INVALID',
    `the run folder ${runDir} shows earlier work that cannot be recovered: ${problems.join('; ')}. Starting over would generate and pay for ${every} again${jobs.length ? `, including the remote job(s) already submitted (${jobs.join(', ')}), which would be submitted and paid for a second time` : ', and any remote job already submitted would be submitted and paid for a second time'}`,
    {
      field: 'runDir',
      value: runDir,
      fix: 'restore manifest.json (or manifest.json.bak / journal.jsonl) from a backup and run the same command again, or pass --restart to start the run over and pay again',
      details: { problems, jobs },
    },
  );
}

/**
 * A segment adopted from `segments/` (no manifest, backup or journal survived) has no keys: it takes the ones of
 * the run that finds it, so it is reused as it is. Call it in the engine before the reuse check.
 */
export function adoptSegment(rec: SegmentRecord, inputKey: string, producerKeys: ReadonlyMap<string, string>): void {
  if (!rec.adopted) return;
  delete rec.adopted;
  if (rec.status !== 'done') return;
  const name = rec.backend && producerKeys.has(rec.backend) ? rec.backend : producerKeys.keys().next().value;
  if (name === undefined) return;
  rec.inputKey = inputKey;
  rec.backend = name;
  rec.model ??= 'adopted';
  rec.producerKey = producerKeys.get(name);
}
