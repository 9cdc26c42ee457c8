import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestClip } from '../media/testing.js';
import type { CallContext, GenerateRequest, JobHandle, JobOutput, JobStatus, RemoteVideoBackend } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';
import { callBackend } from './call.js';

let dir: string;
let clip: Uint8Array;
let server: Server;
let baseUrl: string;
/** Responses of the output server: each request takes the next status code (200 when the list is empty). */
const outputCodes: number[] = [];
let outputRequests = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-call-'));
  await makeTestClip(join(dir, 'clip.mp4'), { width: 64, height: 36, fps: 8, frames: 8 });
  clip = await readFile(join(dir, 'clip.mp4'));
  server = createServer((_req, res) => {
    outputRequests++;
    const code = outputCodes.shift() ?? 200;
    res.writeHead(code, { 'content-type': 'video/mp4' });
    res.end(code === 200 ? clip : 'expired');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
function request(): GenerateRequest {
  return { model: 'm', prompt: 'p', durationSec: 1, width: 64, height: 36, outputPath: join(dir, `out-${++n}.mp4`) };
}

/** A scripted service: `polls` pending answers, then the final state; it counts what the engine sent. */
function service(
  script: {
    polls?: number;
    final?: 'succeeded' | 'failed';
    output?: () => JobOutput;
    cancel?: boolean;
    cancelFails?: boolean;
    statusErrors?: number;
    submitMs?: number;
  } = {},
) {
  const calls = { submit: 0, status: 0, cancel: 0, release: 0, submitSignalAborted: false };
  let pending = script.polls ?? 2;
  let statusErrors = script.statusErrors ?? 0;
  const backend: RemoteVideoBackend = {
    specificationVersion: 2,
    jobPolicy: { intervalMs: 1, maxIntervalMs: 2, jitter: 0, maxErrors: 3, requestTimeoutMs: 2000 },
    validate: async () => {},
    estimateCost: () => ({ usd: 0.5 }),
    async submit(_req, ctx) {
      calls.submit++;
      if (script.submitMs) await new Promise((r) => setTimeout(r, script.submitMs));
      calls.submitSignalAborted = ctx.signal.aborted;
      return { id: `job-${calls.submit}`, data: { note: 'x' } };
    },
    async status(job: JobHandle, _ctx: CallContext): Promise<JobStatus> {
      calls.status++;
      if (statusErrors > 0) {
        statusErrors--;
        throw new TtvError('UNAVAILABLE', 'status call failed');
      }
      if (pending-- > 0) return { state: 'pending', progress: { fraction: 0.5 } };
      if (script.final === 'failed') return { state: 'failed', error: new TtvError('MODERATION', `job ${job.id} refused`, { chargedUsd: 0 }) };
      return { state: 'succeeded', costUsd: 0.42, output: script.output?.() ?? { data: clip } };
    },
    async release() {
      calls.release++;
    },
    ...(script.cancel === false
      ? {}
      : {
          async cancel() {
            calls.cancel++;
            if (script.cancelFails) throw new TtvError('UNAVAILABLE', 'cancel failed');
          },
        }),
  };
  return { backend, calls };
}

function context(overrides: Partial<Parameters<typeof callBackend>[2]> = {}) {
  const events: string[] = [];
  const controller = new AbortController();
  const options = {
    signal: controller.signal,
    workDir: dir,
    log: (line: string) => events.push(`log ${line}`),
    onProgress: () => {},
    onJob: async (job: JobHandle) => {
      events.push(`job ${job.id}`);
    },
    ...overrides,
  };
  return { options, controller, events };
}

describe('callBackend: the remote job lifecycle', () => {
  it('submits once, records the job before the first status, polls, fetches and probes the clip', async () => {
    const { backend, calls } = service({ polls: 2 });
    const order: string[] = [];
    const wrapped: RemoteVideoBackend = {
      ...backend,
      status: (job, ctx) => {
        order.push('status');
        return backend.status(job, ctx);
      },
    };
    const { options } = context({ onJob: async () => void order.push('onJob') });
    const req = request();
    const result = await callBackend(wrapped, req, options);
    expect(calls.submit).toBe(1);
    expect(order[0]).toBe('onJob');
    expect(order.filter((o) => o === 'status')).toHaveLength(3);
    expect(result).toMatchObject({ file: req.outputPath, frames: 8, width: 64, height: 36, costUsd: 0.42, jobId: 'job-1' });
    expect(calls.release).toBe(1);
  });

  it('a resumed job is re-attached: no submission, status at once', async () => {
    const { backend, calls } = service({ polls: 0 });
    const { options, events } = context({ resumeJob: { id: 'job-earlier' } });
    const result = await callBackend(backend, request(), options);
    expect(calls.submit).toBe(0);
    expect(calls.status).toBe(1);
    expect(events.some((e) => e.startsWith('job '))).toBe(false);
    expect(result.jobId).toBe('job-earlier');
  });

  it('abort while polling a cancellable job: cancelled at the service once, not kept', async () => {
    const { backend, calls } = service({ polls: 1000 });
    const { options, controller } = context({ onJob: async () => void setTimeout(() => controller.abort(), 20) });
    const error = (await callBackend(backend, request(), options).catch((e: unknown) => e)) as TtvError;
    expect(error.code).toBe('CANCELLED');
    expect(error.jobReusable).toBeUndefined();
    expect(calls.cancel).toBe(1);
  });

  it.each([
    ['has no cancel', { cancel: false }],
    ['cannot confirm the cancel', { cancelFails: true }],
  ])('abort while polling a job whose service %s: the job is kept and booked at its estimate', async (_what, script) => {
    const { backend, calls } = service({ polls: 1000, ...script });
    const { options, controller } = context({ onJob: async () => void setTimeout(() => controller.abort(), 20) });
    const error = (await callBackend(backend, request(), options).catch((e: unknown) => e)) as TtvError;
    expect(error.code).toBe('CANCELLED');
    expect(error.jobReusable).toBe(true);
    expect(error.chargedUsd).toBe(0.5);
    expect(calls.release).toBe(0);
  });

  it('abort during submit: the submission is not cut off; the job is recorded, then cancelled', async () => {
    const { backend, calls } = service({ polls: 1000, submitMs: 100 });
    const { options, controller, events } = context();
    const running = callBackend(backend, request(), options);
    setTimeout(() => controller.abort(), 10);
    const error = (await running.catch((e: unknown) => e)) as TtvError;
    expect(error.code).toBe('CANCELLED');
    expect(calls.submitSignalAborted).toBe(false);
    expect(events).toContain('job job-1');
    expect(calls.cancel).toBe(1);
  });

  it('an already aborted signal submits nothing', async () => {
    const { backend, calls } = service();
    const { options, controller } = context();
    controller.abort();
    await expect(callBackend(backend, request(), options)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(calls.submit).toBe(0);
  });

  it('tolerates transient status failures up to maxErrors', async () => {
    const ok = service({ polls: 0, statusErrors: 2 });
    await expect(callBackend(ok.backend, request(), context().options)).resolves.toMatchObject({ costUsd: 0.42 });
    const broken = service({ polls: 0, statusErrors: 3 });
    await expect(callBackend(broken.backend, request(), context().options)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('a failed job throws its error and is released', async () => {
    const { backend, calls } = service({ polls: 0, final: 'failed' });
    const req = request();
    await expect(callBackend(backend, req, context().options)).rejects.toMatchObject({ code: 'MODERATION' });
    expect(calls.release).toBe(1);
    expect(existsSync(req.outputPath)).toBe(false);
  });

  it('the deadline cancels a cancellable job (TIMEOUT) and keeps one that cannot be cancelled', async () => {
    let clock = 0;
    const slow = service({ polls: 1000 });
    const timed = { ...slow.backend, jobPolicy: { ...slow.backend.jobPolicy, timeoutMs: 100 } };
    const opts = context({ now: () => (clock += 30) }).options;
    await expect(callBackend(timed, request(), opts)).rejects.toMatchObject({ code: 'TIMEOUT', jobReusable: undefined });
    expect(slow.calls.cancel).toBe(1);
    const stuck = service({ polls: 1000, cancel: false });
    const timed2 = { ...stuck.backend, jobPolicy: { ...stuck.backend.jobPolicy, timeoutMs: 100 } };
    await expect(callBackend(timed2, request(), context({ now: () => (clock += 30) }).options)).rejects.toMatchObject({
      code: 'TIMEOUT',
      jobReusable: true,
      chargedUsd: 0.5,
    });
  });

  it('downloads a URL output, asking for a fresh status after an expired URL', async () => {
    outputCodes.push(403, 410);
    const before = outputRequests;
    const { backend, calls } = service({ polls: 0, output: () => ({ url: `${baseUrl}/clip.mp4?token=secret` }) });
    const result = await callBackend(backend, request(), context().options);
    expect(outputRequests - before).toBe(3);
    expect(calls.status).toBe(3);
    expect(result.frames).toBe(8);
  });

  it('an output that cannot be fetched keeps the paid job (jobReusable, charged once) and leaves no file', async () => {
    outputCodes.push(500, 500, 500, 500);
    const { backend } = service({ polls: 0, output: () => ({ url: `${baseUrl}/clip.mp4` }) });
    const req = request();
    const error = (await callBackend(backend, req, context().options).catch((e: unknown) => e)) as TtvError;
    expect(error).toMatchObject({ code: 'UNAVAILABLE', jobReusable: true, chargedUsd: 0.42 });
    expect(existsSync(req.outputPath)).toBe(false);
  });

  it('a broken output (not a video) is retried, then kept', async () => {
    const { backend } = service({ polls: 0, output: () => ({ data: new TextEncoder().encode('not a video') }) });
    await expect(callBackend(backend, request(), context().options)).rejects.toMatchObject({ code: 'UNAVAILABLE', jobReusable: true });
  });

  it('a local backend gets generate with the call context only', async () => {
    let seen: string[] = [];
    const local = {
      specificationVersion: 2 as const,
      name: 'loc',
      displayName: 'Local',
      kind: 'local' as const,
      models: [],
      defaultModel: 'm',
      validate: async () => {},
      estimateCost: () => ({ usd: 0 }),
      generate: async (req: GenerateRequest, ctx: object) => {
        seen = Object.keys(ctx).sort();
        return { file: req.outputPath, durationSec: 1, frames: 8, width: 64, height: 36, fps: 8, costUsd: 0, warnings: [] };
      },
    };
    await callBackend(local, request(), context({ estimatedUsd: 1, sleep: async () => {} }).options);
    expect(seen).toEqual(['log', 'onProgress', 'signal', 'workDir']);
  });
});

describe('callBackend: giving up on a job never leaves it running unrecorded', () => {
  it('too many failed status calls: a cancellable job is cancelled, an uncancellable one is kept and booked', async () => {
    const cancellable = service({ polls: 0, statusErrors: 10 });
    await expect(callBackend(cancellable.backend, request(), context().options)).rejects.toMatchObject({ code: 'UNAVAILABLE', jobReusable: undefined });
    expect(cancellable.calls.cancel).toBe(1);
    const stuck = service({ polls: 0, statusErrors: 10, cancel: false });
    await expect(callBackend(stuck.backend, request(), context().options)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      jobReusable: true,
      chargedUsd: 0.5,
    });
  });

  it('an abort between the SUBMITTING progress and the submission submits nothing', async () => {
    const { backend, calls } = service();
    const controller = new AbortController();
    const { options } = context({ signal: controller.signal, onProgress: () => controller.abort() });
    await expect(callBackend(backend, request(), options)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(calls.submit).toBe(0);
  });

  it('an output that can never be fetched fails with its own code, booked, not kept', async () => {
    const gone = new TtvError('GENERATION_FAILED', 'the output object was deleted');
    const { backend, calls } = service({ polls: 0, output: () => ({ write: async () => Promise.reject(gone) }) });
    const error = (await callBackend(backend, request(), context().options).catch((e: unknown) => e)) as TtvError;
    expect(error).toMatchObject({ code: 'GENERATION_FAILED', chargedUsd: 0.42 });
    expect(error.jobReusable).toBeUndefined();
    expect(calls.release).toBe(1);
  });
});
