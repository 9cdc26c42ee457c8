/** Ready-made faults of the Veo emulator (and the paths they match), for `emulator.faults.inject(...)`. */
import type { Fault } from '../faults.js';
import { googleErrorBody } from './errors.js';

export const VEO_SUBMIT_PATH = /:predictLongRunning$/;
export const VEO_POLL_PATH = /:fetchPredictOperation$/;
/** GCS object paths (metadata and media; faults match paths without the query). */
export const GCS_OBJECT_PATH = /^\/(?:download\/storage\/v1\/|storage\/v1\/)?b\/[^/]+\/o\/.+$/;
export const GCS_UPLOAD_PATH = /^\/upload\/storage\/v1\/b\/[^/]+\/o\/?$/;

type Target = 'submit' | 'poll';
const pathOf = (t: Target): RegExp => (t === 'submit' ? VEO_SUBMIT_PATH : VEO_POLL_PATH);

/** Ready-made faults for `emulator.faults.inject(...)`. */
export const veoFaults = {
  /** 429 RESOURCE_EXHAUSTED on submit (per-minute quota). */
  quotaExceeded(times = 1, model = 'veo-3.1-generate'): Fault {
    return {
      kind: 'status',
      status: 429,
      times,
      match: { method: 'POST', path: VEO_SUBMIT_PATH },
      body: googleErrorBody(
        429,
        `Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: ${model}. Please submit a quota increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai.`,
      ),
    };
  },
  /** A 5xx (default 503 UNAVAILABLE) on submit or poll. */
  serverError(target: Target = 'submit', status = 503, times = 1): Fault {
    return {
      kind: 'status',
      status,
      times,
      match: { method: 'POST', path: pathOf(target) },
      body: googleErrorBody(status, status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.'),
    };
  },
  /** 403 PERMISSION_DENIED on submit (missing IAM permission / not allowlisted). */
  permissionDenied(message = "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist).", times = 1): Fault {
    return { kind: 'status', status: 403, times, match: { method: 'POST', path: VEO_SUBMIT_PATH }, body: googleErrorBody(403, message) };
  },
  /** Waits `ms` before handling a submit or poll. */
  slow(target: Target, ms: number, times = 1): Fault {
    return { kind: 'delay', ms, times, match: { method: 'POST', path: pathOf(target) } };
  },
  /** Destroys the connection without a reply. */
  connectionReset(target: Target = 'submit', times = 1): Fault {
    return { kind: 'reset', times, match: { method: 'POST', path: pathOf(target) } };
  },
  /** The next GCS object GET (a download) ends after `bytes` body bytes although Content-Length promised more. */
  truncatedDownload(bytes = 1024, times = 1): Fault {
    return { kind: 'truncate', bytes, times, match: { method: 'GET', path: GCS_OBJECT_PATH } };
  },
  /** A GCS upload request answered with `status`. */
  uploadError(status = 503, times = 1): Fault {
    return {
      kind: 'status',
      status,
      times,
      match: { path: GCS_UPLOAD_PATH },
      body: { error: { code: status, message: 'Backend Error', errors: [{ reason: 'backendError', message: 'Backend Error' }] } },
    };
  },
} as const;
