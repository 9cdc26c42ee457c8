import type { ConformanceOptions } from '../../conformance/types.js';
import type { JobsEmulator } from './emulator.js';

/**
 * The conformance suite's counters and controls for a backend tested against the paid-job emulator:
 * `describeBackendConformance({ name, create, ...jobsConformanceOptions(() => emulator), remote: { resume: true } })`.
 * Pass a function when the emulator starts in a `beforeAll`, after the suite is registered.
 */
export function jobsConformanceOptions(
  of: JobsEmulator | (() => JobsEmulator),
): Required<Pick<ConformanceOptions, 'spend' | 'network' | 'cancels' | 'jobs' | 'faults'>> {
  const emu = typeof of === 'function' ? of : () => of;
  return {
    spend: { count: () => emu().paidSubmissions },
    network: { count: () => emu().server.requests.length },
    cancels: { count: () => emu().cancels.length },
    jobs: {
      holdJobs: () => {
        emu().holdJobs = true;
      },
      releaseJobs: () => {
        emu().holdJobs = false;
      },
      holdSubmissions: () => {
        emu().holdSubmissions = true;
      },
      releaseSubmissions: () => {
        emu().holdSubmissions = false;
      },
    },
    faults: {
      failNextRequest: () => {
        emu().server.faults.inject({ kind: 'reset' });
      },
      echoSecretInError: () => emu().echoCredentialsInNextError(),
    },
  };
}
