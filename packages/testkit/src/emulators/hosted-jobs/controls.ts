/** Fault scripts and conformance wiring shared by the fal and Replicate emulators (both built on `HostedJobs`). */
import type { FaultMatch } from '../faults.js';
import type { EmulatorServer } from '../http.js';
import type { HostedJobFailure, HostedJobs, HostedJobsStats } from './service.js';

export interface HostedJobsScript {
  /** The next `count` accepted jobs end this way (default: succeed after the emulator's `jobMs`). */
  nextJob(shape: { fail?: HostedJobFailure; runMs?: number }, count?: number): void;
  /** The next submission(s) get 429 with `retry-after` (seconds) and `retry-after-ms`. */
  rateLimited(options?: { times?: number; retryAfterMs?: number; match?: FaultMatch }): void;
  /** The next request(s) get a 5xx. */
  serverError(options?: { status?: number; times?: number; match?: FaultMatch }): void;
  /** The next request(s) lose their connection. */
  connectionReset(options?: { times?: number; match?: FaultMatch }): void;
}

/** The error body each protocol sends for an injected status. */
export type ErrorBodyOf = (status: number, detail: string) => unknown;

export function hostedJobsScript(jobs: HostedJobs, server: EmulatorServer, submit: FaultMatch, errorBody: ErrorBodyOf): HostedJobsScript {
  return {
    nextJob(shape, count = 1) {
      for (let i = 0; i < count; i++) jobs.script.push({ ...shape });
    },
    rateLimited({ times = 1, retryAfterMs = 1000, match } = {}) {
      server.faults.inject({
        kind: 'status',
        status: 429,
        body: errorBody(429, 'Request was throttled.'),
        headers: { 'retry-after': String(Math.ceil(retryAfterMs / 1000)), 'retry-after-ms': String(retryAfterMs) },
        times,
        match: match ?? submit,
      });
    },
    serverError({ status = 503, times = 1, match } = {}) {
      server.faults.inject({ kind: 'status', status, body: errorBody(status, 'Internal server error'), times, ...(match ? { match } : {}) });
    },
    connectionReset({ times = 1, match } = {}) {
      server.faults.inject({ kind: 'reset', times, ...(match ? { match } : {}) });
    },
  };
}

/** What `emulator.stats()` adds to the store's figures: the requests seen. */
export interface HostedEmulatorStats extends HostedJobsStats {
  submitAttempts: number;
  polls: number;
  downloads: number;
}

/** The emulator surface `hostedConformanceOptions` needs. */
export interface HostedEmulatorLike {
  requests: EmulatorServer['requests'];
  faults: EmulatorServer['faults'];
  jobs: HostedJobs;
  stats(): HostedEmulatorStats;
}

/**
 * The conformance suite's counters and controls for a backend tested against the fal or Replicate emulator:
 * `describeBackendConformance({ …, ...hostedConformanceOptions(() => emulator), remote: { resume: true } })`.
 */
export function hostedConformanceOptions(of: () => HostedEmulatorLike) {
  return {
    spend: { count: () => of().stats().submissions },
    network: { count: () => of().requests.length },
    cancels: { count: () => of().stats().cancels },
    jobs: {
      holdJobs: () => {
        of().jobs.holdJobs = true;
      },
      releaseJobs: () => {
        of().jobs.holdJobs = false;
      },
      holdSubmissions: () => {
        of().jobs.holdSubmissions = true;
      },
      releaseSubmissions: () => {
        of().jobs.holdSubmissions = false;
      },
    },
    faults: {
      failNextRequest: () => {
        of().faults.inject({ kind: 'reset' });
      },
      echoSecretInError: () => {
        of().jobs.echoNext = true;
      },
    },
  };
}
