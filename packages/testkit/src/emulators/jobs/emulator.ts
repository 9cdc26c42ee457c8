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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeStill, runFfmpeg } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type EmulatorServer, sendBody, sendJson, startHttpEmulator } from '../http.js';

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
  let jobMs = options.jobMs ?? 200;
  const usdPerSecond = options.usdPerSecond ?? 0.1;
  const dir = await mkdtemp(join(tmpdir(), 'ttv-jobs-emulator-'));
  const jobs = new Map<string, PaidJob>();
  const renders = new Map<string, Promise<Buffer>>();
  const byKey = new Map<string, string>();
  const cancels: string[] = [];
  let paid = 0;
  let deduplicated = 0;
  let counter = 0;
  let holdJobs = false;
  let holdSubmissions = false;
  let echoNext = false;
  let submitGate: { promise: Promise<void>; open: () => void } | undefined;
  let heldSubmissions = 0;
  const paidWaiters: Array<{ n: number; resolve: () => void }> = [];
  const notifyPaid = () => {
    for (const w of [...paidWaiters]) {
      if (paid >= w.n) {
        paidWaiters.splice(paidWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const gate = () => {
    if (!submitGate) {
      let open!: () => void;
      const promise = new Promise<void>((r) => {
        open = r;
      });
      submitGate = { promise, open };
    }
    return submitGate.promise;
  };

  const render = async (job: PaidJob, image: Buffer | undefined, lastImage: Buffer | undefined): Promise<Buffer> => {
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
    const data = await readFile(mp4);
    job.outputSha256 = createHash('sha256').update(data).digest('hex');
    return data;
  };

  const state = (job: PaidJob) => {
    if (job.status === 'running' && !holdJobs && Date.now() - job.createdAt >= job.runMs && job.outputSha256) job.status = 'succeeded';
    const progress = job.status === 'succeeded' ? 1 : Math.min(0.99, (Date.now() - job.createdAt) / Math.max(1, job.runMs));
    return { id: job.id, status: job.status, progress, costUsd: job.costUsd };
  };

  const server = await startHttpEmulator({
    name: 'jobs',
    handler: async (req, res, rec) => {
      const method = rec.method.toUpperCase();
      const auth = req.headers.authorization;
      if (echoNext) {
        echoNext = false;
        return sendJson(res, 401, { error: `invalid credentials: ${auth ?? '(no Authorization header)'}` });
      }
      if (options.apiKey !== undefined && auth !== `Bearer ${options.apiKey}`) return sendJson(res, 401, { error: 'missing or invalid API key' });
      if (method === 'POST' && rec.path === '/v1/jobs') {
        const body = (rec.json ?? {}) as {
          prompt?: string;
          durationSec?: number;
          width?: number;
          height?: number;
          fps?: number;
          image?: string;
          lastImage?: string;
        };
        if (!body.prompt || !(Number(body.durationSec) > 0) || !(Number(body.width) > 0) || !(Number(body.height) > 0) || !(Number(body.fps) > 0)) {
          return sendJson(res, 400, { error: 'prompt, durationSec, width, height and fps are required' });
        }
        const key = req.headers['idempotency-key'];
        const idempotencyKey = typeof key === 'string' && key ? key : undefined;
        if (idempotencyKey && byKey.has(idempotencyKey)) {
          deduplicated++;
          return sendJson(res, 200, state(jobs.get(byKey.get(idempotencyKey)!)!));
        }
        const image = body.image ? Buffer.from(body.image, 'base64') : undefined;
        const lastImage = body.lastImage ? Buffer.from(body.lastImage, 'base64') : undefined;
        const job: PaidJob = {
          id: `job-${++counter}-${randomBytes(3).toString('hex')}`,
          prompt: body.prompt,
          durationSec: Number(body.durationSec),
          width: Number(body.width),
          height: Number(body.height),
          fps: Number(body.fps),
          ...(image ? { imageSha256: createHash('sha256').update(image).digest('hex') } : {}),
          ...(idempotencyKey ? { idempotencyKey } : {}),
          createdAt: Date.now(),
          runMs: options.jobMsFor?.(counter) ?? jobMs,
          status: 'running',
          costUsd: Number((usdPerSecond * Number(body.durationSec)).toFixed(6)),
          downloads: 0,
        };
        jobs.set(job.id, job);
        if (idempotencyKey) byKey.set(idempotencyKey, job.id);
        paid++;
        const rendering = render(job, image, lastImage);
        rendering.catch(() => {
          job.status = 'failed';
        });
        renders.set(job.id, rendering);
        notifyPaid();
        if (holdSubmissions) {
          heldSubmissions++;
          await gate();
          heldSubmissions--;
        }
        return sendJson(res, 201, state(job));
      }
      const m = /^\/v1\/jobs\/([^/]+)(\/output|\/cancel)?$/.exec(rec.path);
      const job = m ? jobs.get(m[1]!) : undefined;
      if (!m || !job) return sendJson(res, 404, { error: `no such job: ${rec.path}` });
      if (method === 'GET' && !m[2]) return sendJson(res, 200, state(job));
      if (method === 'POST' && m[2] === '/cancel') {
        if (job.status === 'running') {
          job.status = 'cancelled';
          cancels.push(job.id);
        }
        return sendJson(res, 200, state(job));
      }
      if (method === 'GET' && m[2] === '/output') {
        if (state(job).status !== 'succeeded') return sendJson(res, 409, { error: `job ${job.id} is ${job.status}` });
        job.downloads++;
        return sendBody(res, 200, await renders.get(job.id)!, 'video/mp4');
      }
      return sendJson(res, 405, { error: `${method} ${rec.path} is not supported` });
    },
  });

  return {
    url: server.url,
    server,
    jobs,
    get paidSubmissions() {
      return paid;
    },
    get deduplicated() {
      return deduplicated;
    },
    get jobMs() {
      return jobMs;
    },
    set jobMs(ms: number) {
      jobMs = ms;
    },
    cancels,
    get holdJobs() {
      return holdJobs;
    },
    set holdJobs(hold: boolean) {
      holdJobs = hold;
    },
    get holdSubmissions() {
      return holdSubmissions;
    },
    set holdSubmissions(hold: boolean) {
      holdSubmissions = hold;
      if (!hold && submitGate) {
        submitGate.open();
        submitGate = undefined;
      }
    },
    get heldSubmissions() {
      return heldSubmissions;
    },
    echoCredentialsInNextError: () => {
      echoNext = true;
    },
    waitForPaidSubmissions: (n) =>
      new Promise<void>((resolve) => {
        paidWaiters.push({ n, resolve });
        notifyPaid();
      }),
    totalUsd: () => Number([...jobs.values()].reduce((a, j) => a + j.costUsd, 0).toFixed(6)),
    close: async () => {
      holdSubmissions = false;
      submitGate?.open();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
