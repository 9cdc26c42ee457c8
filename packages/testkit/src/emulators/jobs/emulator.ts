/**
 * A generic paid-job video API on loopback, for crash, cancellation and double-spend tests of the engine:
 *
 * - `POST /v1/jobs` `{ prompt, durationSec, width, height, fps, image?: base64 }` (+ `Idempotency-Key` header)
 *   → 201 `{ id, status }`. Every new job is a **paid submission** (charged `usdPerSecond × durationSec` at
 *   once). A known idempotency key returns the existing job (200) and charges nothing.
 * - `GET /v1/jobs/:id` → `{ id, status: running|succeeded|failed|cancelled, progress, costUsd }`. A job runs
 *   `jobMs`, then succeeds once its clip (a still of the uploaded image) is rendered.
 * - `GET /v1/jobs/:id/output` → the MP4 (409 while not finished).
 * - `POST /v1/jobs/:id/cancel` → `{ id, status: 'cancelled' }` (no refund).
 *
 * With `apiKey`, every request must carry `Authorization: Bearer <apiKey>` (else 401). `lastImage` (base64)
 * makes the clip end on that picture (first half the first image, second half the last one).
 *
 * Controls for deterministic money tests (the conformance suite's `jobs` and `faults` options, see
 * `jobsConformanceOptions`): `holdJobs` keeps jobs running until released; `holdSubmissions` accepts and charges
 * a submission at once but holds its response; `echoCredentialsInNextError()` answers the next request with a 401
 * whose body repeats the credentials it carried; `server.faults` fails requests at the HTTP or network level.
 *
 * The state lives in the test process, so it survives the CLI processes a test kills and restarts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeStill, runFfmpeg } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type EmulatorServer, type RecordedRequest, sendBody, sendJson, startHttpEmulator } from '../http.js';

export interface PaidJob {
  id: string;
  prompt: string;
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  /** sha256 of the uploaded first frame, when one was sent. */
  imageSha256?: string;
  idempotencyKey?: string;
  createdAt: number;
  /** How long this job runs. */
  runMs: number;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  costUsd: number;
  /** sha256 of the MP4 served for this job, once rendered. */
  outputSha256?: string;
  downloads: number;
}

export interface JobsEmulatorOptions {
  /** How long a job runs before it can succeed (default 200 ms). */
  jobMs?: number;
  /** Per job: how long the n-th submission (1-based) runs; overrides jobMs. */
  jobMsFor?: (n: number) => number | undefined;
  usdPerSecond?: number;
  /** Required as `Authorization: Bearer <apiKey>` on every request when set. */
  apiKey?: string;
}

export interface JobsEmulator {
  url: string;
  server: EmulatorServer;
  jobs: Map<string, PaidJob>;
  /** Number of new (charged) jobs. */
  readonly paidSubmissions: number;
  /** Submissions answered from an idempotency key (no charge). */
  readonly deduplicated: number;
  /** How long new jobs run (jobs already submitted keep theirs). */
  jobMs: number;
  /** Job ids cancelled through the API, in order. */
  cancels: string[];
  /** While true, running jobs do not finish (whatever their runMs); set false to let them. */
  holdJobs: boolean;
  /**
   * While true, a submission is accepted and charged when it arrives, but its response waits until this is set
   * false again (a slow network or a slow service: the job exists, the client does not know its id yet).
   */
  holdSubmissions: boolean;
  /** Submissions accepted and charged whose response is still held. */
  readonly heldSubmissions: number;
  /** The next request is answered 401 with a body that repeats its Authorization header (like some APIs do). */
  echoCredentialsInNextError(): void;
  /** Resolves once `paidSubmissions` reaches `n`. */
  waitForPaidSubmissions(n: number): Promise<void>;
  totalUsd(): number;
  close(): Promise<void>;
}

export async function startJobsEmulator(options: JobsEmulatorOptions = {}): Promise<JobsEmulator> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-jobs-emulator-'));
  const service = new JobsService(options, dir);
  const server = await startHttpEmulator({ name: 'jobs', handler: (req, res, rec) => service.handle(req, res, rec) });
  return {
    url: server.url,
    server,
    jobs: service.jobs,
    get paidSubmissions() {
      return service.paid;
    },
    get deduplicated() {
      return service.deduplicated;
    },
    get jobMs() {
      return service.jobMs;
    },
    set jobMs(ms: number) {
      service.jobMs = ms;
    },
    cancels: service.cancels,
    get holdJobs() {
      return service.holdJobs;
    },
    set holdJobs(hold: boolean) {
      service.holdJobs = hold;
    },
    get holdSubmissions() {
      return service.holdSubmissions;
    },
    set holdSubmissions(hold: boolean) {
      service.holdSubmissions = hold;
      if (!hold) service.releaseSubmissions();
    },
    get heldSubmissions() {
      return service.heldSubmissions;
    },
    echoCredentialsInNextError: () => {
      service.echoNext = true;
    },
    waitForPaidSubmissions: (n) => service.waitForPaid(n),
    totalUsd: () => Number([...service.jobs.values()].reduce((a, j) => a + j.costUsd, 0).toFixed(6)),
    close: async () => {
      service.holdSubmissions = false;
      service.releaseSubmissions();
      await server.close();
      // A clip still rendering into the folder would make its removal fail (ENOTEMPTY): let every render end first.
      await service.rendersSettled();
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** What a client may send to `POST /v1/jobs`. */
interface SubmitBody {
  prompt?: string;
  durationSec?: number;
  width?: number;
  height?: number;
  fps?: number;
  image?: string;
  lastImage?: string;
}

/** The emulated service: its jobs, its bill and the test controls, behind one HTTP handler. */
class JobsService {
  jobMs: number;
  readonly jobs = new Map<string, PaidJob>();
  readonly cancels: string[] = [];
  paid = 0;
  deduplicated = 0;
  holdJobs = false;
  holdSubmissions = false;
  heldSubmissions = 0;
  echoNext = false;
  private readonly renders = new Map<string, Promise<Buffer>>();

  /** Resolves when every clip started so far has finished rendering (or failed). */
  async rendersSettled(): Promise<void> {
    await Promise.allSettled([...this.renders.values()]);
  }
  private readonly byKey = new Map<string, string>();
  private counter = 0;
  private submitGate: { promise: Promise<void>; open: () => void } | undefined;
  private readonly paidWaiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(
    private readonly options: JobsEmulatorOptions,
    private readonly dir: string,
  ) {
    this.jobMs = options.jobMs ?? 200;
  }

  waitForPaid(n: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.paidWaiters.push({ n, resolve });
      this.notifyPaid();
    });
  }

  /** Lets every held submission answer. */
  releaseSubmissions(): void {
    this.submitGate?.open();
    this.submitGate = undefined;
  }

  async handle(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const method = rec.method.toUpperCase();
    const auth = req.headers.authorization;
    if (this.echoNext) {
      this.echoNext = false;
      return sendJson(res, 401, { error: `invalid credentials: ${auth ?? '(no Authorization header)'}` });
    }
    if (this.options.apiKey !== undefined && auth !== `Bearer ${this.options.apiKey}`) return sendJson(res, 401, { error: 'missing or invalid API key' });
    if (method === 'POST' && rec.path === '/v1/jobs') return this.submit(req, res, rec);
    const m = /^\/v1\/jobs\/([^/]+)(\/output|\/cancel)?$/.exec(rec.path);
    const job = m ? this.jobs.get(m[1]!) : undefined;
    if (!m || !job) return sendJson(res, 404, { error: `no such job: ${rec.path}` });
    if (method === 'GET' && !m[2]) return sendJson(res, 200, this.state(job));
    if (method === 'POST' && m[2] === '/cancel') {
      if (job.status === 'running') {
        job.status = 'cancelled';
        this.cancels.push(job.id);
      }
      return sendJson(res, 200, this.state(job));
    }
    if (method === 'GET' && m[2] === '/output') {
      if (this.state(job).status !== 'succeeded') return sendJson(res, 409, { error: `job ${job.id} is ${job.status}` });
      job.downloads++;
      return sendBody(res, 200, await this.renders.get(job.id)!, 'video/mp4');
    }
    return sendJson(res, 405, { error: `${method} ${rec.path} is not supported` });
  }

  /** `POST /v1/jobs`: a known idempotency key answers its job for free; anything else is a new, charged job. */
  private async submit(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const body = (rec.json ?? {}) as SubmitBody;
    if (!body.prompt || !(Number(body.durationSec) > 0) || !(Number(body.width) > 0) || !(Number(body.height) > 0) || !(Number(body.fps) > 0)) {
      return sendJson(res, 400, { error: 'prompt, durationSec, width, height and fps are required' });
    }
    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' && key ? key : undefined;
    if (idempotencyKey && this.byKey.has(idempotencyKey)) {
      this.deduplicated++;
      return sendJson(res, 200, this.state(this.jobs.get(this.byKey.get(idempotencyKey)!)!));
    }
    const job = this.charge(body, idempotencyKey);
    if (this.holdSubmissions) {
      this.heldSubmissions++;
      await this.gate();
      this.heldSubmissions--;
    }
    return sendJson(res, 201, this.state(job));
  }

  /** Creates and charges a job, and starts rendering its clip. */
  private charge(body: SubmitBody, idempotencyKey: string | undefined): PaidJob {
    const image = body.image ? Buffer.from(body.image, 'base64') : undefined;
    const lastImage = body.lastImage ? Buffer.from(body.lastImage, 'base64') : undefined;
    const job: PaidJob = {
      id: `job-${++this.counter}-${randomBytes(3).toString('hex')}`,
      prompt: body.prompt!,
      durationSec: Number(body.durationSec),
      width: Number(body.width),
      height: Number(body.height),
      fps: Number(body.fps),
      ...(image ? { imageSha256: createHash('sha256').update(image).digest('hex') } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
      createdAt: Date.now(),
      runMs: this.options.jobMsFor?.(this.counter) ?? this.jobMs,
      status: 'running',
      costUsd: Number(((this.options.usdPerSecond ?? 0.1) * Number(body.durationSec)).toFixed(6)),
      downloads: 0,
    };
    this.jobs.set(job.id, job);
    if (idempotencyKey) this.byKey.set(idempotencyKey, job.id);
    this.paid++;
    const rendering = renderJobClip(this.dir, job, image, lastImage).then((data) => {
      job.outputSha256 = createHash('sha256').update(data).digest('hex');
      return data;
    });
    rendering.catch(() => {
      job.status = 'failed';
    });
    this.renders.set(job.id, rendering);
    this.notifyPaid();
    return job;
  }

  private state(job: PaidJob) {
    if (job.status === 'running' && !this.holdJobs && Date.now() - job.createdAt >= job.runMs && job.outputSha256) job.status = 'succeeded';
    const progress = job.status === 'succeeded' ? 1 : Math.min(0.99, (Date.now() - job.createdAt) / Math.max(1, job.runMs));
    return { id: job.id, status: job.status, progress, costUsd: job.costUsd };
  }

  private notifyPaid(): void {
    for (const w of [...this.paidWaiters]) {
      if (this.paid >= w.n) {
        this.paidWaiters.splice(this.paidWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private gate(): Promise<void> {
    if (!this.submitGate) {
      let open!: () => void;
      const promise = new Promise<void>((r) => {
        open = r;
      });
      this.submitGate = { promise, open };
    }
    return this.submitGate.promise;
  }
}

/** A still clip of the uploaded image (or a test image); with `lastImage`, the second half shows that one. */
async function renderJobClip(dir: string, job: PaidJob, image: Buffer | undefined, lastImage: Buffer | undefined): Promise<Buffer> {
  const png = join(dir, `${job.id}.png`);
  if (image) await writeFile(png, image);
  else await makeTestImage(png, { width: job.width, height: job.height });
  const mp4 = join(dir, `${job.id}.mp4`);
  const frames = Math.max(1, Math.round(job.durationSec * job.fps));
  const still = { fps: job.fps, width: job.width, height: job.height };
  if (!lastImage) await encodeStill(png, mp4, { frames, ...still });
  else {
    // First half on the first image, second half on the last one: the clip ends on the last image.
    const lastPng = join(dir, `${job.id}-last.png`);
    await writeFile(lastPng, lastImage);
    const head = Math.floor(frames / 2);
    const parts: string[] = [];
    if (head > 0) {
      parts.push(join(dir, `${job.id}-a.mp4`));
      await encodeStill(png, parts[0]!, { frames: head, ...still });
    }
    parts.push(join(dir, `${job.id}-b.mp4`));
    await encodeStill(lastPng, parts[parts.length - 1]!, { frames: frames - head, ...still });
    const list = join(dir, `${job.id}.txt`);
    await writeFile(list, parts.map((p) => `file '${p}'\n`).join(''));
    await runFfmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', mp4], { timeoutMs: 120_000 });
  }
  return readFile(mp4);
}
