// The checks for what costs money: a job reported late, an abort that neither cancels nor keeps the job, a
// submission cut off by the run's signal, network errors (codes, secrets), an estimate below the bill. Each one
// synchronises on the emulator (the spend counter, held jobs and submissions), never on a timer racing the backend.

import { ERROR_CODES, type GenerateRequest, type GenerateResult, isRemoteBackend, type JobHandle, TtvError, type VideoBackend } from '@ttv/core';
import { callBackend } from '@ttv/core/backend';
import { fail, readCounter } from '../context.js';
import { assertClip, delay, describeError, findSecret, mask, type Recorder, recorder, settle, until } from '../helpers.js';
import type { ConformanceCheck, ConformanceContext, JobControls } from '../types.js';

/** Once the service has accepted a job, onJob must follow within this many ms (the job itself is held running). */
export const JOB_REPORT_LIMIT_MS = 10_000;
/** How long the suite keeps a submission open after the abort, so that a backend cutting it off has done so. */
const SUBMIT_HOLD_AFTER_ABORT_MS = 1500;
/** Limit for a whole step that waits on the service (submission seen, a call settling). */
const STEP_LIMIT_MS = 30_000;

const NO_SIGNAL_TO_SUBMIT =
  "never pass the run's signal (a legacy generate's ctx.signal, or a controller you abort on cancel or on a short timer) to the submit request: " +
  "let a started submission finish and report the job (v2: return it from submit; core's submit signal fires only on the job policy's requestTimeoutMs), " +
  'then the engine cancels or keeps it; send SubmitContext.idempotencyKey with the submission so a repeated one is not charged twice';

/** Holds the emulator's jobs for the duration of `fn` (when the suite has job controls). */
async function withHeldJobs<T>(jobs: JobControls | undefined, fn: () => Promise<T>): Promise<T> {
  await jobs?.holdJobs();
  try {
    return await fn();
  } finally {
    await jobs?.releaseJobs();
  }
}

/** Resolves when `running` settles (never rejects). */
const settled = (running: Promise<unknown>): Promise<'settled'> =>
  running.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );

/** Re-attaches a fresh instance to `job`: must give a valid clip without a new paid submission. */
async function resumeWithoutPaying(ctx: ConformanceContext, job: JobHandle, why: string): Promise<void> {
  const request = await ctx.request();
  await ctx.withBackend(async (backend) => {
    const spend0 = await readCounter(ctx.options.spend);
    const rec = await recorder(ctx, { resumeJob: job });
    let result: GenerateResult;
    try {
      result = await callBackend(backend, request, rec.context);
    } catch (error) {
      fail(`${why}, but re-attaching to job ${job.id} with resumeJob failed with ${describeError(error)}: status(job) must work on a fresh instance`);
    }
    const spend1 = await readCounter(ctx.options.spend);
    if (spend1 !== spend0) fail(`${why}, but re-attaching to job ${job.id} paid again (spend counter ${spend0} → ${spend1}): with resumeJob, never submit`);
    await assertClip(ctx.model, request, result, rec);
  });
}

const remoteApplies = (ctx: ConformanceContext): true | string =>
  !ctx.options.remote?.resume ? 'not a resumable remote backend (set remote: { resume: true })' : !ctx.options.spend ? 'no spend counter given' : true;

const remoteWithJobsApplies = (ctx: ConformanceContext): true | string =>
  remoteApplies(ctx) !== true ? remoteApplies(ctx) : ctx.options.jobs ? true : 'no job controls given (set `jobs`)';

/**
 * Runs `fn` on a backend while the emulator holds its jobs running, with the check's request and the spend counter
 * read before anything was submitted.
 */
async function onHeldJobs(
  ctx: ConformanceContext,
  fn: (backend: VideoBackend, run: { jobs: JobControls; request: GenerateRequest; spend0: number }) => Promise<void>,
): Promise<void> {
  const jobs = ctx.options.jobs!;
  const request = await ctx.request();
  await withHeldJobs(jobs, () =>
    ctx.withBackend(async (backend) => {
      const spend0 = Number(await readCounter(ctx.options.spend));
      await fn(backend, { jobs, request, spend0 });
    }),
  );
}

export const jobReportedEarly: ConformanceCheck = {
  id: 'job-reported-early',
  title: 'remote: the job is reported (onJob) while it is still running, and a crashed run re-attaches without paying',
  description:
    'With the emulator holding the job running, onJob must be called within 10 s of the service accepting it (v2: submit returns at once, it never ' +
    'waits for the job; legacy generate: await ctx.onJob right after submitting). Then, as if the process had crashed, a fresh instance re-attaches ' +
    'with the recorded handle while the job still runs: a valid clip, spend +0.',
  applies: remoteWithJobsApplies,
  async run(ctx) {
    await onHeldJobs(ctx, async (backend, { jobs, request, spend0 }) => {
      let reported!: (job: JobHandle) => void;
      const jobSeen = new Promise<JobHandle>((r) => {
        reported = r;
      });
      // The "crashed" first call: frozen after onJob (its waits never end until the check lets go).
      let thaw!: () => void;
      const thawed = new Promise<void>((r) => {
        thaw = r;
      });
      const rec = await recorder(ctx, {
        onJob: (job) => reported(job),
        call: {
          sleep: async (_ms, signal) => {
            await Promise.race([thawed, new Promise((r) => signal?.addEventListener('abort', r, { once: true }))]);
            if (signal?.aborted) throw new TtvError('CANCELLED', 'cancelled');
          },
        },
      });
      const running = (async () => callBackend(backend, request, rec.context))();
      const late = (async () => {
        if (!(await until(async () => Number(await readCounter(ctx.options.spend)) > spend0, STEP_LIMIT_MS))) return 'never-submitted' as const;
        await delay(JOB_REPORT_LIMIT_MS);
        return 'late' as const;
      })();
      try {
        const first = await Promise.race([jobSeen, settled(running), late]);
        if (first === 'never-submitted') fail(`no paid submission reached the service within ${STEP_LIMIT_MS / 1000} s: the call did not submit a job`);
        if (first === 'late' || first === 'settled') {
          const spend = await readCounter(ctx.options.spend);
          const ended = first === 'settled' ? await settle(running, 0) : undefined;
          const how =
            ended === undefined
              ? `onJob was not called within ${JOB_REPORT_LIMIT_MS / 1000} s`
              : `the call ended (${'error' in ended ? describeError(ended.error) : 'resolved'}) without calling onJob`;
          fail(
            `the service accepted the job (spend counter ${spend0} → ${spend}) but ${how} while the job kept running: a crash now loses the job ` +
              'and the next run pays again — return the job handle from submit as soon as the service accepts it and never wait for the job ' +
              'inside submit (legacy generate: await ctx.onJob(job) right after submitting, before polling)',
          );
        }
        const job = JSON.parse(JSON.stringify(first)) as JobHandle;
        const entry = rec.jobs[0];
        if (entry) await until(() => entry.persistedAt !== undefined, STEP_LIMIT_MS);
        // The process "crashed" here. The next run re-attaches while the job still runs, then the job finishes.
        const resumed = (async () => resumeWithoutPaying(ctx, job, 'the job was reported while running'))();
        await jobs.releaseJobs();
        await resumed;
        const spend1 = Number(await readCounter(ctx.options.spend));
        if (spend1 !== spend0 + 1)
          fail(`one job with a crash in between cost ${spend1 - spend0} paid submissions: re-attach with resumeJob, never submit again`);
      } finally {
        thaw();
        rec.controller.abort(new Error('conformance: done'));
        await settle(running, STEP_LIMIT_MS);
      }
    });
  },
};

export const abortPaidJob: ConformanceCheck = {
  id: 'abort-paid-job',
  title: 'remote: an abort after the service accepted the job cancels it at the service, or keeps it to re-attach without paying',
  description:
    'The run is aborted only once the job is reported (onJob) or the spend counter moved, with the job held running. The call must reject with ' +
    'CANCELLED and either have cancelled the job at the service (the cancels counter moves) or keep it (jobReusable, chargedUsd > 0) so that a ' +
    'resume re-attaches with spend +0.',
  applies: remoteApplies,
  async run(ctx) {
    const request = await ctx.request();
    await withHeldJobs(ctx.options.jobs, () =>
      ctx.withBackend(async (backend) => {
        const spend0 = Number(await readCounter(ctx.options.spend));
        const cancels0 = await readCounter(ctx.options.cancels);
        let rec!: Recorder;
        const abort = () => rec.controller.abort(new Error('conformance: abort after submission'));
        rec = await recorder(ctx, { onJob: abort });
        const running = (async () => callBackend(backend, request, rec.context))();
        const submitted = await Promise.race([
          settled(running),
          until(async () => rec.controller.signal.aborted || Number(await readCounter(ctx.options.spend)) > spend0, STEP_LIMIT_MS),
        ]);
        abort();
        const outcome = await settle(running, STEP_LIMIT_MS);
        const spend1 = Number(await readCounter(ctx.options.spend));
        if (submitted === false || spend1 === spend0) fail(`no paid submission reached the service within ${STEP_LIMIT_MS / 1000} s: the call did not submit`);
        if ('timedOut' in outcome) fail(`the call did not settle within ${STEP_LIMIT_MS / 1000} s of the abort: honour ctx.signal`);
        if (outcome.ok) fail('the call resolved although the run was aborted while the job was running: reject with CANCELLED');
        const error = outcome.error;
        if (!TtvError.is(error) || error.code !== 'CANCELLED') fail(`the aborted call rejected with ${describeError(error)}: an abort rejects with CANCELLED`);
        const job = rec.jobs[0]?.job;
        if (error.jobReusable) {
          if (!(typeof error.chargedUsd === 'number' && error.chargedUsd > 0)) {
            fail(
              `the interrupted job was kept with chargedUsd ${String(error.chargedUsd)}: a job that runs on is billed — book it at its estimate ` +
                '(estimateCost must return what the job costs, never 0 for a paid job)',
            );
          }
          if (!job) fail('the interrupted job was kept (jobReusable) but never reported through onJob: the next run cannot re-attach to it');
          await ctx.options.jobs?.releaseJobs();
          await resumeWithoutPaying(ctx, JSON.parse(JSON.stringify(job)) as JobHandle, 'the interrupted job was kept');
          return;
        }
        if (!ctx.options.cancels) {
          fail(
            'the aborted job was neither kept (jobReusable) nor can the suite see a remote cancel: pass a `cancels` counter (the emulator’s cancellations), ' +
              'or leave cancel out of the backend so the engine keeps the job',
          );
        }
        const moved = await until(async () => (await readCounter(ctx.options.cancels)) !== cancels0, 3000);
        if (!moved) {
          fail(
            `the run was aborted after the service accepted job ${job?.id ?? '(unreported)'}, but the job was neither cancelled at the service ` +
              `(cancels counter ${cancels0} → ${await readCounter(ctx.options.cancels)}) nor kept (jobReusable): it runs on and is billed. Make cancel(job) ` +
              "call the service's cancel endpoint and throw when that fails — or, if the service cannot cancel, leave cancel out so the engine keeps " +
              'the job, books its estimate and re-attaches on the next run',
          );
        }
      }),
    );
  },
};

export const abortDuringSubmit: ConformanceCheck = {
  id: 'abort-during-submit',
  title: 'remote: an abort while the submission is in flight leaves no paid job the engine does not know',
  description:
    'The emulator accepts (charges) the submission but holds its response; the run is aborted, then the response is released. Every paid ' +
    'submission the spend counter saw must have been reported through onJob: a submission cut off by the run’s signal leaves a billed job nobody knows.',
  applies: remoteWithJobsApplies,
  async run(ctx) {
    await onHeldJobs(ctx, async (backend, { jobs, request, spend0 }) => {
      const rec = await recorder(ctx);
      await jobs.holdSubmissions();
      let running: Promise<GenerateResult> | undefined;
      try {
        running = (async () => callBackend(backend, request, rec.context))();
        await Promise.race([settled(running), until(async () => Number(await readCounter(ctx.options.spend)) > spend0, STEP_LIMIT_MS)]);
        if (Number(await readCounter(ctx.options.spend)) === spend0) {
          const outcome = await settle(running, 0);
          fail(
            `no paid submission reached the service (${'error' in outcome ? `the call failed with ${describeError(outcome.error)}` : 'the call did not submit'})`,
          );
        }
        rec.controller.abort(new Error('conformance: abort during submit'));
        // Keep the response held a while: a backend that cuts its submission off on the abort does it now.
        await Promise.race([settled(running), delay(SUBMIT_HOLD_AFTER_ABORT_MS)]);
      } finally {
        await jobs.releaseSubmissions();
      }
      const outcome = await settle(running, STEP_LIMIT_MS);
      if ('timedOut' in outcome) fail(`the call did not settle within ${STEP_LIMIT_MS / 1000} s after the submission was answered`);
      const paid = Number(await readCounter(ctx.options.spend)) - spend0;
      const known = new Set(rec.jobs.map((j) => j.job.id)).size;
      if (paid > known) {
        fail(
          `the service accepted ${paid} paid submission(s) during a run cancelled mid-submission, but onJob reported ${known}` +
            `${'error' in outcome ? ` (the call failed with ${describeError(outcome.error)})` : ''}: that job runs on and is billed, and no run will ` +
            `re-attach to it — ${NO_SIGNAL_TO_SUBMIT}`,
        );
      }
    });
  },
};

/** One provoked network-path failure. */
interface NetworkFailure {
  what: string;
  error: unknown;
  /** A failed status look must be retryable: the job is still running and paid for. */
  transient?: boolean;
}

async function expectRejection(what: string, call: () => Promise<unknown>, transient = false): Promise<NetworkFailure | undefined> {
  const outcome = await settle(Promise.resolve().then(call), STEP_LIMIT_MS);
  if ('timedOut' in outcome) fail(`${what} did not settle within ${STEP_LIMIT_MS / 1000} s: give every request a timeout`);
  return outcome.ok ? undefined : { what, error: outcome.error, transient };
}

function judgeNetworkFailure(ctx: ConformanceContext, { what, error, transient }: NetworkFailure): void {
  const leak = findSecret(
    error,
    (ctx.options.secrets ?? []).filter((s) => s.length > 0),
  );
  if (leak) {
    fail(
      `the error from ${what} contains the secret ${mask(leak.secret)} in its ${leak.where}: services echo credentials in error bodies — ` +
        'never copy a response body, request headers or a URL carrying the key into an error unredacted (replace the key with ***)',
    );
  }
  if (!TtvError.is(error)) {
    fail(
      `${what} threw a plain ${describeError(error)} without a code: map failed requests to a TtvError with a stable code — UNAVAILABLE (retryable) ` +
        "for network failures and 5xx, AUTH for 401/403, RATE_LIMITED for 429… (toTtvError(e, 'UNAVAILABLE') from @ttv/core wraps the rest)",
    );
  }
  if (!Object.hasOwn(ERROR_CODES, error.code)) fail(`${what} threw code ${JSON.stringify(error.code)}, which is not one of ERROR_CODES: use a stable code`);
  if (!error.message.trim()) fail(`${what} threw a ${error.code} with an empty message: say what went wrong`);
  if (transient && !error.retryable) {
    fail(
      `${what} threw a non-retryable ${error.code}: a failed status request is a passing failure of the look, not of the job — throw a retryable ` +
        'TtvError (UNAVAILABLE) so the engine asks again instead of abandoning a paid job',
    );
  }
}

export const networkErrors: ConformanceCheck = {
  id: 'network-errors',
  title: 'remote: failed submit and status requests are TtvErrors with stable codes and no secrets',
  description:
    'Through the `faults` hooks: the next request is answered with an HTTP error echoing the credentials, or fails at the network level — for submit ' +
    'and (v2) for status. Every error is a TtvError with a code from ERROR_CODES, contains none of `secrets`, and a failed status request is retryable.',
  applies: (ctx) =>
    ctx.tier !== 'unit'
      ? 'needs emulator faults (unit tier)'
      : ctx.options.faults
        ? ctx.info.kind === 'remote'
          ? true
          : 'not a remote backend'
        : 'no fault hooks given (set `faults`)',
  async run(ctx) {
    const faults = ctx.options.faults!;
    const submitOnce = async (backend: VideoBackend, request: GenerateRequest): Promise<JobHandle> => {
      if (isRemoteBackend(backend)) {
        return backend.submit(request, {
          signal: AbortSignal.timeout(STEP_LIMIT_MS),
          log: () => {},
          workDir: ctx.dir,
          idempotencyKey: `conformance-${Math.random().toString(36).slice(2)}`,
        });
      }
      const rec = await recorder(ctx);
      await callBackend(backend, request, rec.context);
      return { id: 'legacy' };
    };
    await ctx.withBackend(async (backend) => {
      for (const [fault, label] of [
        [faults.echoSecretInError, 'an HTTP error echoing the credentials'],
        [faults.failNextRequest, 'a network failure'],
      ] as const) {
        const request = await ctx.request();
        await fault();
        const failure = await expectRejection(`submit (${label})`, () => submitOnce(backend, request));
        if (failure) judgeNetworkFailure(ctx, failure);
      }
      if (!isRemoteBackend(backend)) return;
      const remote = backend;
      await withHeldJobs(ctx.options.jobs, async () => {
        const job = await submitOnce(remote, await ctx.request());
        const context = { signal: AbortSignal.timeout(STEP_LIMIT_MS), log: () => {}, workDir: ctx.dir };
        const failures: NetworkFailure[] = [];
        try {
          for (const [fault, label, transient] of [
            [faults.echoSecretInError, 'an HTTP error echoing the credentials', false],
            [faults.failNextRequest, 'a network failure', true],
          ] as const) {
            await fault();
            const failure = await expectRejection(`status (${label})`, () => remote.status(job, context), transient);
            if (failure) failures.push(failure);
          }
        } finally {
          await remote.cancel?.(job, context).catch(() => {});
        }
        for (const failure of failures) judgeNetworkFailure(ctx, failure);
      });
    });
  },
};

export const estimateCoversCost: ConformanceCheck = {
  id: 'estimate-covers-cost',
  title: 'estimateCost is never below what the call booked',
  description: 'One generation: estimateCost(request).usd ≥ result.costUsd. Budgets, `ttv estimate` and kept interrupted jobs are booked from the estimate.',
  applies: () => true,
  async run(ctx) {
    const request = await ctx.request();
    await ctx.withBackend(async (backend) => {
      const estimate = backend.estimateCost(request);
      const rec = await recorder(ctx);
      let result: GenerateResult;
      try {
        result = await callBackend(backend, request, rec.context);
      } catch (error) {
        fail(`generate rejected a valid request with ${describeError(error)}`);
      }
      await assertClip(ctx.model, request, result, rec);
      if (!(estimate.usd + 1e-9 >= result.costUsd)) {
        fail(
          `estimateCost said $${estimate.usd} but the call booked $${result.costUsd}: the estimate is the upper bound budgets, \`ttv estimate\` and ` +
            'kept interrupted jobs are booked at — price every charge (per-second price × duration, rounded up to the billing unit, plus fixed fees)',
        );
      }
    });
  },
};

export const MONEY_CHECKS: readonly ConformanceCheck[] = [estimateCoversCost, jobReportedEarly, abortPaidJob, abortDuringSubmit, networkErrors];
