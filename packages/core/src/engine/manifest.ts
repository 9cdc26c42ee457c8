import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Mode } from '../config/schema.js';
import type { VideoProbe } from '../media/probe.js';
import type { SeamMetrics } from '../media/seams.js';
import type { BackendWarning, JobHandle } from '../spec/backend.js';
import { fsError, writeFileAtomicSync } from '../util/fs.js';
import { stringifyRedacted } from '../util/secrets.js';
import type { ColourMatchRecord } from './colour-step.js';

/**
 * 2: file paths (segment files, inputs, last frames, the final film) are stored relative to the run folder, so a
 * moved or copied run folder resumes. 1: absolute paths (converted on read).
 */
export const MANIFEST_VERSION = 2;

export type SegmentStatus = 'pending' | 'running' | 'submitted' | 'done' | 'failed' | 'cancelled';

export interface ManifestInput {
  path: string;
  sha256: string;
  /** For a last frame made with a colour correction: the key of that correction (colour-step.ts). */
  colorKey?: string;
}

export interface AttemptRecord {
  backend: string;
  model: string;
  attempt: number;
  startedAt: string;
  finishedAt?: string;
  /** Unset while running; `interrupted` when the process died during the attempt (see the segment's `job`). */
  outcome?: 'ok' | 'error' | 'cancelled' | 'interrupted';
  errorCode?: string;
  error?: string;
  estimatedUsd: number;
  actualUsd?: number;
  jobId?: string;
  /** True when this attempt re-attached a job submitted by an earlier (crashed) run instead of submitting. */
  resumed?: boolean;
  /** Content key of the request (backend, model, prompt, inputs, negotiated parameters). */
  contentKey?: string;
}

export interface SkipRecord {
  backend: string;
  reason: string;
}

export interface SegmentRecord {
  index: number;
  prompt: string;
  status: SegmentStatus;
  /** Hash of everything that determines this segment's output except the backend (prompt, inputs, parameters). */
  inputKey?: string;
  /** Content key of the finished output: inputKey + backend + model + negotiated parameters. */
  contentKey?: string;
  backend?: string;
  model?: string;
  /** Hash of the producing backend's name and settings (secrets left out); a change invalidates the segment. */
  producerKey?: string;
  inputs?: { firstFrame?: ManifestInput; lastFrame?: ManifestInput; inputVideo?: ManifestInput };
  requested: { durationSec: number; width: number; height: number };
  file?: string;
  sha256?: string;
  durationSec?: number;
  frames?: number;
  width?: number;
  height?: number;
  fps?: number;
  /**
   * The full probe of `file` (codec, pixel format, time base, audio…) taken when the segment finished, for the
   * file whose hash is `sha256`: the join reuses it instead of probing every segment again.
   */
  probe?: VideoProbe;
  costUsd?: number;
  /** The remote/long job in flight, persisted before waiting so a crash never resubmits it. */
  job?: {
    backend: string;
    model: string;
    contentKey: string;
    handle: JobHandle;
    /** Already in the ledger from an attempt that failed after the job was paid (TtvError.jobReusable). */
    chargedUsd?: number;
  };
  /** Adopted from `segments/` after the manifest was lost (verified by probe): the next run takes its keys as they are. */
  adopted?: boolean;
  /** Each refused prompt rewritten under `onModeration: reword`: what was refused, why, and what replaced it. */
  rewords?: RewordRecord[];
  /** Extend mode: how the segment continued the previous clip (native extension, or chained from its last frame). */
  continuation?: 'extend' | 'chain';
  /** The cast pictures the segment has as references: which `backend`'s model got (`sent`) and which it could not take. */
  references?: { backend: string; sent: string[]; dropped: string[] };
  /** Last frame extracted from this segment (chaining mode): colour-corrected when `join.colorMatch` is on. */
  lastFrame?: ManifestInput;
  /** The colour correction of this segment (`join.colorMatch: on`), made from the file whose hash is `sha256`. */
  colorMatch?: ColourMatchRecord;
  warnings: BackendWarning[];
  skipped: SkipRecord[];
  attempts: AttemptRecord[];
  startedAt?: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

/** A prompt rewritten after a refusal (`onModeration: reword`). */
export interface RewordRecord {
  backend: string;
  attempt: number;
  /** The input the provider refused (its error's field, e.g. `prompt` or `firstFrame`). */
  refused: string;
  refusal: string;
  from: string;
  to: string;
  /** Who rewrote it: the backend's own hook, or the planner (`planner:<name>`). */
  by: string;
  costUsd: number;
}

/** An image ttv had generated for the run (a keyframe, or the film's first frame), and what decided it. */
export interface GeneratedImageRecord {
  /** Hash of the generator and its settings, the prompt, the seed, the size and the init image's key. */
  key: string;
  generator: string;
  prompt: string;
  path: string;
  sha256: string;
  costUsd: number;
  fit: 'exact' | 'crop' | 'pad';
}

export interface LedgerEntry {
  segment: number;
  backend: string;
  model: string;
  attempt: number;
  estimatedUsd: number;
  actualUsd: number;
  outcome: 'ok' | 'error' | 'cancelled';
  at: string;
}

export interface Manifest {
  version: number;
  name: string;
  mode: Mode;
  /** `stopped`: the run ended on request after a step (`generate --until keyframes`); re-run to go on. */
  status: 'running' | 'done' | 'failed' | 'cancelled' | 'stopped';
  createdAt: string;
  updatedAt: string;
  configFile: string;
  output: { width: number; height: number; fps: number };
  segments: SegmentRecord[];
  /** Keyframe mode: the images generated from text (`first`: the film's first frame; `keyframes[i]`: segment i's). */
  images?: { first?: GeneratedImageRecord; keyframes: Array<GeneratedImageRecord | null> };
  /** The script's plan by a paid planner (`planner:`), kept whole in `file` (plan.json) and reused while `key` holds. */
  planning?: { planner: string; key: string; file: string; segments: number; costUsd: number; warnings: string[] };
  ledger: LedgerEntry[];
  totalCostUsd: number;
  warnings: string[];
  final?: {
    file: string;
    sha256: string;
    durationSec: number;
    frames: number;
    width: number;
    height: number;
    fps: number;
    method: string;
    /** Whether the film has an audio track (join.audio and the segments' own sound). */
    audio?: boolean;
    /** How visible each seam is, measured on the film (luminance jump, ΔE2000 of the mean colours, SSIM). */
    seams?: SeamMetrics[];
    /** `final.srt` beside the film, when subtitles are on. */
    subtitles?: string;
    /** Hash of the joined segments' hashes and the join settings: an unchanged film is not re-joined. */
    key?: string;
  };
  error?: { code: string; message: string };
  /**
   * The `seq` of the last `journal.jsonl` line this snapshot holds. Journal lines with a higher `seq` were written
   * after it (segment changes are journaled at once and the snapshot follows): reading a run replays them.
   */
  journalSeq?: number;
}

export function manifestPath(runDir: string): string {
  return join(runDir, 'manifest.json');
}

export function manifestBackupPath(runDir: string): string {
  return join(runDir, 'manifest.json.bak');
}

export function journalPath(runDir: string): string {
  return join(runDir, 'journal.jsonl');
}

/** What `loadManifestFile` found: a manifest (paths absolute, in the given run folder) or why not. */
export type ManifestLoad = { ok: true; manifest: Manifest } | { ok: false; reason: 'missing' | 'damaged' | 'newer'; message: string; version?: number };

/** Maps the file paths of a manifest in place (every path the engine stores). */
function mapPaths(m: Manifest, f: (path: string) => string): Manifest {
  for (const s of m.segments ?? []) {
    if (s.file) s.file = f(s.file);
    if (s.inputs?.firstFrame) s.inputs.firstFrame.path = f(s.inputs.firstFrame.path);
    if (s.inputs?.lastFrame) s.inputs.lastFrame.path = f(s.inputs.lastFrame.path);
    if (s.lastFrame) s.lastFrame.path = f(s.lastFrame.path);
  }
  if (m.final?.file) m.final.file = f(m.final.file);
  if (m.final?.subtitles) m.final.subtitles = f(m.final.subtitles);
  for (const image of [m.images?.first, ...(m.images?.keyframes ?? [])]) if (image) image.path = f(image.path);
  return m;
}

const inside = (root: string, path: string) => {
  const r = relative(root, path);
  return r !== '' && !r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r);
};

/** A path inside the run folder becomes relative (with `/`); anything else stays as it is. */
export function toRunRelative(runDir: string, path: string): string {
  // Fast path (every snapshot maps every segment's paths): an absolute path spelled under the run folder, with no
  // `.`/`..` segment or doubled separator, is relative by dropping the prefix; anything else takes the slow path.
  const prefix = runDir.endsWith(sep) ? runDir : `${runDir}${sep}`;
  if (isAbsolute(runDir) && path.startsWith(prefix)) {
    const rest = path.slice(prefix.length);
    const parts = rest.split(sep);
    if (parts.every((p) => p !== '' && p !== '.' && p !== '..') && (sep === '/' || !rest.includes('/'))) return parts.join('/');
  }
  const abs = resolve(path);
  return inside(resolve(runDir), abs) ? relative(resolve(runDir), abs).split(sep).join('/') : path;
}

/** A copy of a segment record with its paths mapped (only the objects that hold paths are copied). */
function segmentWithPaths(s: SegmentRecord, f: (path: string) => string): SegmentRecord {
  const copy: SegmentRecord = { ...s };
  if (s.file) copy.file = f(s.file);
  if (s.lastFrame) copy.lastFrame = { ...s.lastFrame, path: f(s.lastFrame.path) };
  if (s.inputs) {
    const { firstFrame, lastFrame } = s.inputs;
    copy.inputs = {
      ...s.inputs,
      ...(firstFrame ? { firstFrame: { ...firstFrame, path: f(firstFrame.path) } } : {}),
      ...(lastFrame ? { lastFrame: { ...lastFrame, path: f(lastFrame.path) } } : {}),
    };
  }
  return copy;
}

function imagesWithPaths(images: NonNullable<Manifest['images']>, f: (path: string) => string): NonNullable<Manifest['images']> {
  const moved = (r: GeneratedImageRecord | null) => (r ? { ...r, path: f(r.path) } : null);
  return { ...(images.first ? { first: moved(images.first)! } : {}), keyframes: images.keyframes.map(moved) };
}

/** A manifest copy whose paths inside `runDir` are relative (what is written to disk); `m` is not changed. */
export function relativiseManifest(runDir: string, m: Manifest): Manifest {
  const root = resolve(runDir);
  const rel = (p: string) => toRunRelative(root, p);
  return {
    ...m,
    segments: m.segments.map((s) => segmentWithPaths(s, rel)),
    ...(m.images ? { images: imagesWithPaths(m.images, rel) } : {}),
    ...(m.final?.file ? { final: { ...m.final, file: rel(m.final.file), ...(m.final.subtitles ? { subtitles: rel(m.final.subtitles) } : {}) } } : {}),
  };
}

/** Resolves a v2 manifest's relative paths against `runDir`, in place. */
export function absolutiseManifest(runDir: string, m: Manifest): Manifest {
  return mapPaths(m, (p) => (isAbsolute(p) ? p : resolve(runDir, p)));
}

/**
 * The run folder a v1 manifest (absolute paths) was written in, from the engine's layout: `<run>/final.mp4`,
 * `<run>/segments/seg-NNN.mp4`, `<run>/frames/…`.
 */
function v1RunDir(m: Manifest): string | undefined {
  if (m.final?.file) return dirname(m.final.file);
  for (const s of m.segments ?? []) {
    for (const p of [s.file, s.lastFrame?.path, s.inputs?.firstFrame?.path, s.inputs?.lastFrame?.path]) {
      if (p && isAbsolute(p) && /^(segments|frames)$/.test(dirname(p).split(/[\\/]/).at(-1) ?? '')) return dirname(dirname(p));
    }
  }
  return undefined;
}

/** Converts a parsed manifest of any known version to the current one, with absolute paths in `runDir`. */
export function upgradeManifest(runDir: string, m: Manifest): Manifest {
  if (m.version === 1) {
    const oldDir = v1RunDir(m) ?? runDir;
    // Paths inside the run folder it was written in are moved to where the folder is now.
    mapPaths(m, (p) => (isAbsolute(p) && inside(oldDir, p) ? resolve(runDir, relative(oldDir, p)) : p));
    m.version = MANIFEST_VERSION;
    return m;
  }
  return absolutiseManifest(runDir, m);
}

function isManifestShape(m: unknown): m is Manifest {
  const o = m as Partial<Manifest> | null;
  return typeof o === 'object' && o !== null && typeof o.version === 'number' && Array.isArray(o.segments) && Array.isArray(o.ledger);
}

/** Reads one manifest file (`manifest.json` or its backup) of `runDir`, saying why it cannot be used. */
export async function loadManifestFile(file: string, runDir: string): Promise<ManifestLoad> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, reason: 'missing', message: `${file} does not exist` };
    return { ok: false, reason: 'damaged', message: `${file} cannot be read: ${(error as Error).message}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: 'damaged', message: `${file} is not valid JSON (${text.length} bytes): ${(error as Error).message}` };
  }
  if (!isManifestShape(parsed)) return { ok: false, reason: 'damaged', message: `${file} is not a ttv manifest` };
  if (parsed.version > MANIFEST_VERSION) {
    return { ok: false, reason: 'newer', version: parsed.version, message: `${file} has version ${parsed.version}; this ttv reads up to ${MANIFEST_VERSION}` };
  }
  return { ok: true, manifest: upgradeManifest(runDir, parsed) };
}

/**
 * The run's manifest with absolute paths (v1 manifests converted) and the journal lines written after it
 * replayed (what the run recorded last), or undefined when there is none usable.
 */
export async function readManifest(runDir: string): Promise<Manifest | undefined> {
  const r = await loadManifestFile(manifestPath(runDir), runDir);
  if (!r.ok) return undefined;
  await replayJournal(runDir, r.manifest);
  return r.manifest;
}

/**
 * One line of `journal.jsonl`, the append-only record written beside the manifest (before its snapshot): the
 * run's identity, every segment record whose job or result changed (job submitted with its handle, segment done
 * with file + sha256) or that the engine recorded without a snapshot (`ManifestWriter.record`), every ledger
 * entry (charges) and every run warning. Paths are relative to the run folder. `seq` numbers the lines of a run
 * folder (absent in journals of a ttv before 0.2's deferred snapshots); a snapshot holds every line up to its
 * `journalSeq`.
 */
export type JournalEntry = (
  | { type: 'run'; at: string; name: string; mode: Manifest['mode']; createdAt: string; configFile: string; output: Manifest['output'] }
  | { type: 'segment'; at: string; record: SegmentRecord }
  | { type: 'charge'; at: string; entry: LedgerEntry }
  | { type: 'warning'; at: string; message: string }
) & { seq?: number };

/** The parsed lines of `journal.jsonl` (in order) and how many could not be read. */
export async function readJournal(runDir: string): Promise<{ entries: JournalEntry[]; lines: number; bad: number }> {
  const text = await readFile(journalPath(runDir), 'utf8').catch(() => '');
  const lines = text.split('\n').filter((l) => l.trim());
  const entries: JournalEntry[] = [];
  let bad = 0;
  for (const line of lines) {
    try {
      const e = JSON.parse(line) as JournalEntry;
      if (e && typeof e === 'object') entries.push(e);
      else bad++;
    } catch {
      bad++; // a line cut short by a crash or a full disk
    }
  }
  return { entries, lines: lines.length, bad };
}

/** A journal segment record with its paths resolved against `runDir`. */
export function absoluteRecord(runDir: string, record: SegmentRecord): SegmentRecord {
  return segmentWithPaths(record, (p) => (isAbsolute(p) ? p : resolve(runDir, p)));
}

/**
 * Applies to a snapshot (paths absolute) the journal lines written after it (`seq` above its `journalSeq`), in
 * order: segment records replace the snapshot's, charges join the ledger (and the total), warnings are added.
 * Sets `journalSeq` to the highest `seq` in the journal, so a writer opened on the result numbers on from there.
 * Returns the number of lines applied.
 */
export async function replayJournal(runDir: string, m: Manifest): Promise<number> {
  const base = m.journalSeq ?? 0;
  const { entries } = await readJournal(runDir);
  let applied = 0;
  let top = base;
  for (const e of entries) {
    if (typeof e.seq !== 'number') continue; // written by a ttv whose snapshot always followed its journal
    top = Math.max(top, e.seq);
    if (e.seq <= base) continue;
    if (e.type === 'segment' && e.record && Number.isInteger(e.record.index)) m.segments[e.record.index] = absoluteRecord(runDir, e.record);
    else if (e.type === 'charge' && e.entry) {
      m.ledger.push(e.entry);
      m.totalCostUsd = Number(((m.totalCostUsd ?? 0) + (e.entry.actualUsd ?? 0)).toFixed(6));
    } else if (e.type === 'warning' && typeof e.message === 'string') {
      if (!m.warnings.includes(e.message)) m.warnings.push(e.message);
    } else continue;
    applied++;
  }
  m.journalSeq = top;
  return applied;
}

/** Whether `file` is empty or missing, or ends with a newline (a new journal line starts on a fresh line). */
function endsWithNewline(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const { size } = fstatSync(fd);
    if (size === 0) return true;
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, size - 1);
    return byte[0] === 0x0a;
  } catch {
    return true; // no journal yet
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What in a segment record is worth journaling: its job and its result. */
function journalSignature(s: SegmentRecord): string | undefined {
  if (s.status === 'done' && s.sha256) return `done:${s.sha256}:${s.contentKey}:${s.inputKey}`;
  if (s.job) return `job:${s.job.handle.id}:${s.job.contentKey}:${s.job.chargedUsd ?? 0}`;
  return undefined;
}

/** How long a change recorded without a snapshot (`ManifestWriter.record`) waits at most for one. */
export const SNAPSHOT_DELAY_MS = 1000;

/**
 * Serialises manifest writes: every snapshot is written atomically (temp + rename) and in order, even when
 * segments finish concurrently. `save()` resolves once a write that started after the call is on disk; saves
 * requested while a write is waiting to start share it (its snapshot is taken when it starts, so it holds every
 * change made before). Secrets are masked on the way out.
 *
 * Each write first appends what changed in paid work to `journal.jsonl`, then writes `manifest.json.bak` and
 * `manifest.json` (the same snapshot), so a damaged or deleted manifest is recovered (see run-folder.ts). Paths
 * inside the run folder are stored relative to it. File-system failures are mapped to DISK_FULL / NOT_WRITABLE /
 * PATH_INVALID naming the file; the files on disk then hold the last complete write.
 *
 * The engine writes `manifest.json` alone (`checkpoint()`) before each call, and a finished segment goes through
 * `record()`: its record (with any new charge or warning) is appended to the journal at once — a few kB, where a
 * snapshot rewrites every segment — and the snapshot follows (before the next call, within `SNAPSHOT_DELAY_MS`,
 * or at the run's end). Whoever reads the run replays the journal lines after the snapshot (`replayJournal`), so
 * a crash between the two loses nothing. `manifest.json.bak` is written by `save()` (the run's start and end).
 */
export class ManifestWriter {
  private chain: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private pendingBackup = false;
  private journaled = new Map<number, string>();
  private ledgerJournaled = 0;
  private warningsJournaled = 0;
  private runJournaled = false;
  private journalClean = false;
  private seq: number;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Number of snapshot writes actually made (for tests and benches). */
  writes = 0;
  constructor(
    readonly runDir: string,
    readonly manifest: Manifest,
  ) {
    this.seq = manifest.journalSeq ?? 0;
    this.warningsJournaled = manifest.warnings.length;
    // What the manifest held when it was opened is in the journal already (or was recovered from it); without a
    // journal (a new run, or a folder from a ttv that wrote none) the first write journals everything.
    if (!existsSync(journalPath(runDir))) return;
    for (const s of manifest.segments) {
      const sig = journalSignature(s);
      if (sig) this.journaled.set(s.index, sig);
    }
    this.ledgerJournaled = manifest.ledger.length;
  }

  /** Journal entries for what changed (paid work, charges, warnings), plus `forced` as it is now. */
  private journalEntries(forced?: SegmentRecord): JournalEntry[] {
    const at = new Date().toISOString();
    const m = this.manifest;
    const entries: JournalEntry[] = [];
    if (!this.runJournaled) {
      entries.push({ type: 'run', at, name: m.name, mode: m.mode, createdAt: m.createdAt, configFile: m.configFile, output: m.output });
    }
    for (const s of m.segments) {
      const sig = journalSignature(s);
      if (s === forced || (sig && this.journaled.get(s.index) !== sig)) entries.push({ type: 'segment', at, record: s });
    }
    for (const entry of m.ledger.slice(this.ledgerJournaled)) entries.push({ type: 'charge', at, entry });
    for (const message of m.warnings.slice(this.warningsJournaled)) entries.push({ type: 'warning', at, message });
    return entries;
  }

  /** Appends `entries` to the journal (numbered), synchronously; remembers what is journaled once it is. */
  private journal(entries: JournalEntry[]): void {
    const m = this.manifest;
    const journaledTo = {
      ledger: m.ledger.length,
      warnings: m.warnings.length,
      segments: m.segments.map((s) => [s.index, journalSignature(s)] as const),
    };
    if (entries.length > 0) {
      const target = journalPath(this.runDir);
      const rel = (p: string) => toRunRelative(this.runDir, p);
      let seq = this.seq;
      const lines = entries
        .map((e) => {
          seq++;
          if (e.type !== 'segment') return stringifyRedacted({ ...e, seq });
          return stringifyRedacted({ ...e, record: segmentWithPaths(e.record, rel), seq });
        })
        .map((l) => `${l}\n`)
        .join('');
      try {
        // A line cut short by a crash or a full disk must not swallow the next one: start on a fresh line.
        if (!this.journalClean) this.journalClean = endsWithNewline(target);
        appendFileSync(target, this.journalClean ? lines : `\n${lines}`);
      } catch (error) {
        this.journalClean = false;
        throw fsError(error, target, 'the run journal');
      }
      this.journalClean = true;
      this.seq = seq;
    }
    this.runJournaled = true;
    this.ledgerJournaled = journaledTo.ledger;
    this.warningsJournaled = journaledTo.warnings;
    for (const [i, sig] of journaledTo.segments) if (sig) this.journaled.set(i, sig);
  }

  private write(backup: boolean): void {
    const m = this.manifest;
    this.journal(this.journalEntries());
    let target = manifestPath(this.runDir);
    try {
      const snapshot = stringifyRedacted(
        { ...relativiseManifest(this.runDir, m), version: MANIFEST_VERSION, updatedAt: new Date().toISOString(), journalSeq: this.seq },
        2,
      );
      if (backup) {
        target = manifestBackupPath(this.runDir);
        writeFileAtomicSync(target, `${snapshot}\n`);
      }
      target = manifestPath(this.runDir);
      writeFileAtomicSync(target, `${snapshot}\n`);
    } catch (error) {
      throw fsError(error, target, 'the manifest');
    }
  }

  /** Queues a snapshot write (with the backup when `backup`); snapshots waiting to start share one write. */
  private snapshot(backup: boolean): Promise<void> {
    if (backup) this.pendingBackup = true;
    if (this.pending) return this.pending;
    const write = this.chain.then(() => {
      this.pending = undefined;
      const withBackup = this.pendingBackup;
      this.pendingBackup = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.writes++;
      this.write(withBackup);
    });
    this.pending = write;
    this.chain = write.catch(() => {});
    return write;
  }

  /** Journals what changed and writes `manifest.json.bak` and `manifest.json`; resolves once they are on disk. */
  save(): Promise<void> {
    return this.snapshot(true);
  }

  /**
   * Journals what changed and writes `manifest.json` (not the backup); resolves once it is on disk. The engine
   * calls it before every call that may be paid (a full or read-only disk stops the run there, not after paying)
   * and when a job is submitted or an attempt failed.
   */
  checkpoint(): Promise<void> {
    return this.snapshot(false);
  }

  /**
   * Records a change to segment `rec` (with any new charge or warning) in the journal, synchronously, and
   * resolves; the snapshot of `manifest.json` follows within `SNAPSHOT_DELAY_MS` or at the next write, whichever
   * comes first. A failure of that later write loses nothing (the journal holds the change, and the next awaited
   * write fails the same way).
   */
  record(rec: SegmentRecord): Promise<void> {
    try {
      this.journal(this.journalEntries(rec));
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.timer && !this.pending && !this.closed) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.snapshot(false).catch(() => {});
      }, SNAPSHOT_DELAY_MS);
      this.timer.unref();
    }
    return Promise.resolve();
  }

  /** Stops the delayed snapshot and waits for the writes under way (call before the run folder is unlocked). */
  async close(): Promise<void> {
    this.closed = true;
    const behind = this.timer !== undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // A change recorded after the last snapshot is in the journal; write it into manifest.json too (a failure
    // here loses nothing: readers replay the journal).
    if (behind) await this.snapshot(false).catch(() => {});
    await this.chain;
  }
}
