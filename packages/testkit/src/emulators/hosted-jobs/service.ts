/**
 * The paid-job core the fal and Replicate emulators share: a job store whose jobs run for a while (real time),
 * render a real MP4 with ffmpeg (the Runway emulator's renderer: the first frame zoomed and panned, cross-fading
 * into the last frame and ending on it; a test pattern for text-to-video), and end succeeded, failed (a
 * moderation refusal or a model error) or cancelled. Each emulator keeps its own wire protocol and validation and
 * asks this store to accept, look at and cancel jobs.
 *
 * Money: every accepted submission is counted (`submissions`: what `spend` counters read); a job is billed its
 * price when it succeeds (`paidUsd`), as fal and Replicate bill finished outputs.
 *
 * Controls shared by both emulators: `holdJobs` (running jobs do not finish), `holdSubmissions` (a submission is
 * accepted and counted at once, its reply waits), `echoCredentialsInNextError()`, and a script of job outcomes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeImage } from '@ttv/core/media';
import { type FrameSource, renderClip } from '../runway/render.js';
import { sniffImage } from '../veo/render.js';

export type HostedJobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type HostedJobFailure = 'moderation' | 'error' | 'invalid';

/** What a wire protocol asks the store to run, after it validated the request. */
export interface HostedJobSpec {
  model: string;
  prompt: string;
  /** Output size before `outputScale`, frames at 24 fps. */
  width: number;
  height: number;
  durationSec: number;
  audio: boolean;
  /** Image bytes (decoded data URIs); an https URL the emulator cannot fetch becomes a flat colour. */
  first?: Uint8Array | 'url';
  last?: Uint8Array | 'url';
  /** List price of the finished job. */
  usd: number;
  /** How many reference pictures the request carried. */
  references?: number;
  idempotencyKey?: string;
  /** The job is accepted but ends failed this way (e.g. `invalid`: fal reports input errors as the result). */
  failure?: HostedJobFailure;
  /** What the protocol reports with that failure (e.g. fal's 422 `detail`). */
  detail?: unknown;
  /** The output takes the first frame's aspect: the size of the nearest of these ratios (Kling image-to-video). */
  sizesByRatio?: Record<string, { width: number; height: number }>;
}

/** Shapes the next job(s) (`script.nextJob`). */
export interface HostedJobScript {
  /** End failed: a moderation refusal or a model error. */
  fail?: HostedJobFailure;
  /** Real ms from acceptance to the end (default: the emulator's `jobMs`). */
  runMs?: number;
}

export interface HostedJob extends HostedJobSpec {
  id: string;
  createdAt: number;
  runMs: number;
  status: HostedJobStatus;
  failure?: HostedJobFailure;
  /** The moderated word the prompt contained, when that is why it was refused. */
  flagged?: string;
  polls: number;
  outputFile: string;
  rendered: boolean;
  renderError?: string;
  render: Promise<void>;
}

export interface HostedJobsOptions {
  /** Real ms a job runs (default 300). */
  jobMs?: number;
  /** Outputs are rendered at 1/outputScale of the real size (default 1: the exact size). */
  outputScale?: number;
  /** A prompt containing one of these words (case-insensitive) ends in a moderation refusal (default `['forbidden']`). */
  moderatedWords?: string[];
}

export interface HostedJobsStats {
  /** Accepted (billable) submissions: what a `spend` counter reads. */
  submissions: number;
  succeeded: number;
  failed: number;
  cancels: number;
  /** What finished jobs were billed, USD. */
  paidUsd: number;
  /** Reference pictures the accepted submissions carried, in all. */
  references: number;
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

export class HostedJobs {
  readonly jobs = new Map<string, HostedJob>();
  holdJobs = false;
  echoNext = false;
  cancels = 0;
  readonly script: HostedJobScript[] = [];
  private heldReplies: Array<() => void> = [];
  private hold = false;
  private workDir?: string;

  constructor(
    private readonly name: string,
    readonly options: HostedJobsOptions = {},
  ) {}

  get holdSubmissions(): boolean {
    return this.hold;
  }

  set holdSubmissions(hold: boolean) {
    this.hold = hold;
    if (!hold) for (const release of this.heldReplies.splice(0)) release();
  }

  /** Accepts a validated job (counted at once); resolves when its reply may be sent (see `holdSubmissions`). */
  async accept(spec: HostedJobSpec): Promise<HostedJob> {
    const id = randomBytes(12).toString('hex');
    const script = spec.failure ? {} : (this.script.shift() ?? {});
    const flagged = (this.options.moderatedWords ?? ['forbidden']).find((w) => spec.prompt.toLowerCase().includes(w.toLowerCase()));
    const moderated = flagged !== undefined;
    const dir = await this.dir();
    const job: HostedJob = {
      ...spec,
      id,
      createdAt: Date.now(),
      runMs: script.runMs ?? this.options.jobMs ?? 300,
      status: 'running',
      polls: 0,
      outputFile: join(dir, `${id}.mp4`),
      rendered: false,
      render: Promise.resolve(),
    };
    const failure = spec.failure ?? script.fail ?? (moderated ? 'moderation' : undefined);
    if (failure) job.failure = failure;
    if (flagged !== undefined) job.flagged = flagged;
    job.render = failure ? Promise.resolve() : this.renderJob(job, dir);
    this.jobs.set(id, job);
    if (this.hold) await new Promise<void>((resolve) => this.heldReplies.push(resolve));
    return job;
  }

  /** One look at a job: it ends once its time is up and its clip is rendered (never while `holdJobs`). */
  look(id: string): HostedJob | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    job.polls++;
    if (job.status !== 'running' || this.holdJobs || Date.now() - job.createdAt < job.runMs) return job;
    if (job.failure) job.status = 'failed';
    else if (job.renderError) {
      job.status = 'failed';
      job.failure = 'error';
    } else if (job.rendered) job.status = 'succeeded';
    return job;
  }

  /** Cancels a running job; false when it had already ended. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    this.cancels++;
    if (job?.status !== 'running') return false;
    job.status = 'cancelled';
    return true;
  }

  stats(): HostedJobsStats {
    const all = [...this.jobs.values()];
    const succeeded = all.filter((j) => j.status === 'succeeded');
    return {
      submissions: all.length,
      succeeded: succeeded.length,
      failed: all.filter((j) => j.status === 'failed').length,
      cancels: this.cancels,
      paidUsd: Number(succeeded.reduce((sum, j) => sum + j.usd, 0).toFixed(6)),
      references: all.reduce((sum, j) => sum + (j.references ?? 0), 0),
    };
  }

  /** Whether the next reply must echo the credentials (and clears the flag). */
  takeEcho(): boolean {
    const echo = this.echoNext;
    this.echoNext = false;
    return echo;
  }

  reset(): void {
    this.jobs.clear();
    this.script.length = 0;
    this.cancels = 0;
    this.holdJobs = false;
    this.holdSubmissions = false;
    this.echoNext = false;
  }

  async close(): Promise<void> {
    this.holdSubmissions = false;
    await Promise.allSettled([...this.jobs.values()].map((j) => j.render));
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true, maxRetries: 3 });
  }

  private async dir(): Promise<string> {
    if (!this.workDir) {
      this.workDir = await mkdtemp(join(tmpdir(), `ttv-${this.name}-emu-`));
      await mkdir(this.workDir, { recursive: true });
    }
    return this.workDir;
  }

  private async frame(job: HostedJob, which: 'first' | 'last', dir: string): Promise<FrameSource | undefined> {
    const data = job[which];
    if (data === undefined) return undefined;
    if (data === 'url') return { color: which === 'first' ? 'navy' : 'darkred' };
    const file = join(dir, `${job.id}-${which}.${sniffImage(data) ?? 'png'}`);
    await writeFile(file, data);
    return { file };
  }

  private renderJob(job: HostedJob, dir: string): Promise<void> {
    const scale = this.options.outputScale ?? 1;
    return (async () => {
      const first = await this.frame(job, 'first', dir);
      const last = await this.frame(job, 'last', dir);
      if (job.sizesByRatio && first && 'file' in first) {
        const image = await probeImage(first.file);
        Object.assign(job, job.sizesByRatio[nearestRatio(image.width, image.height, Object.keys(job.sizesByRatio))]);
      }
      await renderClip({
        output: job.outputFile,
        width: even(job.width / scale),
        height: even(job.height / scale),
        duration: job.durationSec,
        ...(first ? { first } : {}),
        ...(last ? { last } : {}),
        promptText: job.prompt,
        audio: job.audio,
      });
      job.rendered = true;
    })().catch((error: unknown) => {
      job.renderError = error instanceof Error ? error.message : String(error);
    });
  }
}

/** Decodes a `data:<type>;base64,…` URI; undefined when it is not one. */
export function decodeDataUri(value: string): Uint8Array | undefined {
  const match = /^data:([\w/+.-]+)?(;base64)?,(.*)$/s.exec(value);
  if (!match) return undefined;
  return match[2] ? Buffer.from(match[3] ?? '', 'base64') : Buffer.from(decodeURIComponent(match[3] ?? ''));
}

/** An image input as the store takes it: decoded data-URI bytes, `'url'` for an https URL, undefined otherwise. */
export function imageInput(value: unknown): Uint8Array | 'url' | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^https:\/\//.test(value)) return 'url';
  const data = decodeDataUri(value);
  return data && sniffImage(data) ? data : undefined;
}

const RATIOS: Record<string, number> = { '16:9': 16 / 9, '9:16': 9 / 16, '1:1': 1 };

/** The ratio in `allowed` nearest the picture's aspect (log distance). */
export function nearestRatio(width: number, height: number, allowed: readonly string[]): string {
  const aspect = Math.log(width / height);
  return [...allowed].sort((a, b) => Math.abs(Math.log(RATIOS[a] ?? 1) - aspect) - Math.abs(Math.log(RATIOS[b] ?? 1) - aspect))[0]!;
}
