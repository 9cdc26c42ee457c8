import type { ConformanceOptions } from '../../conformance/types.js';
import type { JobsEmulator } from './emulator.js';

/**
 * The conformance suite's counters and controls for a backend tested against the paid-job emulator:
 * `describeBackendConformance({ name, create, ...jobsConformanceOptions(emulator), remote: { resume: true } })`.
 */
export function jobsConformanceOptions(emulator: JobsEmulator): Required<Pick<ConformanceOptions, 'spend' | 'network' | 'cancels' | 'jobs' | 'faults'>> {
  return {
    spend: { count: () => emulator.paidSubmissions },
    network: { count: () => emulator.server.requests.length },
    cancels: { count: () => emulator.cancels.length },
    jobs: {
      holdJobs: () => {
        emulator.holdJobs = true;
      },
      releaseJobs: () => {
        emulator.holdJobs = false;
      },
      holdSubmissions: () => {
        emulator.holdSubmissions = true;
      },
      releaseSubmissions: () => {
        emulator.holdSubmissions = false;
      },
    },
    faults: {
      failNextRequest: () => {
        emulator.server.faults.inject({ kind: 'reset' });
      },
      echoSecretInError: () => emulator.echoCredentialsInNextError(),
    },
  };
}
