/**
 * The end of a job as `experimental_getVideoStatus` reports it, as ttv's `JobStatus`. A finished job costs what
 * the provider reports in its metadata (a `cost`/`costUsd` figure, when a provider sends one), else the list
 * price. A failed job is mapped from the reply the provider package could not pass on: fal answers a failed
 * request's result with 422 (`content_policy_violation`: MODERATION; else INPUT_INVALID naming the field) or 5xx
 * (a model failure when fal's status route says the request is COMPLETED, else a passing outage to poll through);
 * Replicate's failed prediction carries its `error` text (E005: MODERATION).
 */
import { type BackendWarning, type JobStatus, redact, TtvError } from '@ttv/core/backend';
import type { GetVideoStatusResult, JSONValue } from 'ai';
import { type CallSite, fromReply } from './ai-sdk-errors.js';
import { authHeaders, type Connection, type Reply, reachable } from './ai-sdk-providers.js';

type Completed = Extract<GetVideoStatusResult, { status: 'completed' }>;

/** A cost the provider reported in its metadata (USD), if any. */
export function reportedCostUsd(metadata: Completed['providerMetadata'], provider: string): number | undefined {
  const own = (metadata?.[provider] ?? {}) as Record<string, unknown>;
  for (const key of ['costUsd', 'cost']) {
    const value = own[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return undefined;
}

export function succeededJob(connection: Connection, result: Completed, listUsd: number, warnings: BackendWarning[] | undefined): JobStatus {
  const video = result.videos[0];
  const reported = reportedCostUsd(result.providerMetadata, connection.provider);
  const costUsd = reported ?? listUsd;
  const extra = warnings?.length ? { warnings } : {};
  if (video?.type === 'url') return { state: 'succeeded', costUsd, output: { url: reachable(connection, video.url) }, ...extra };
  if (video?.type === 'base64') return { state: 'succeeded', costUsd, output: { data: Buffer.from(video.data, 'base64') }, ...extra };
  if (video?.type === 'binary') return { state: 'succeeded', costUsd, output: { data: video.data }, ...extra };
  return {
    state: 'failed',
    error: new TtvError('GENERATION_FAILED', `${connection.provider}: the job finished without a video`, { retryable: true, chargedUsd: costUsd }),
  };
}

interface FailedContext {
  connection: Connection;
  site: CallSite & { abortSignal: AbortSignal };
  operation: JSONValue;
}

/** Whether fal's status route says the request has ended (so a 5xx result is the model's failure, not an outage). */
async function falRequestEnded(f: FailedContext): Promise<boolean> {
  const op = f.operation as { responseUrl?: string };
  try {
    const response = await fetch(reachable(f.connection, `${op.responseUrl}/status`), { headers: authHeaders(f.connection), signal: f.site.abortSignal });
    const body = (await response.json()) as { status?: unknown };
    return response.ok && body.status === 'COMPLETED';
  } catch {
    return false;
  }
}

/** A failed look: `failed` when the job has ended without a clip, a thrown retryable error when the look itself failed. */
export async function failedJob(message: string, reply: Reply | undefined, f: FailedContext): Promise<JobStatus> {
  const { site } = f;
  if (reply && reply.status >= 400) {
    if (reply.status === 422) return { state: 'failed', error: fromReply(reply, site) };
    if (reply.status === 400 && /cancel/i.test(reply.errorBody ?? '')) {
      return { state: 'failed', error: new TtvError('CANCELLED', `${site.provider} job was cancelled (outside this run)`) };
    }
    if (reply.status >= 500 && f.connection.provider === 'fal' && (await falRequestEnded(f))) {
      return {
        state: 'failed',
        error: fromReply(reply, site, { retryable: true, fix: 'the model failed; the segment is started again (fal bills only finished requests)' }),
      };
    }
    throw fromReply(reply, site);
  }
  const text = redact(message);
  if (/flagged as sensitive|\(E005\)|nsfw|content_policy/i.test(text)) {
    return {
      state: 'failed',
      error: new TtvError('MODERATION', `${site.provider} (${site.model}) refused the job: ${text}`, {
        fix: 'reword the prompt or change the image (onModeration: reword or next)',
      }),
    };
  }
  if (/cancel/i.test(text)) return { state: 'failed', error: new TtvError('CANCELLED', `${site.provider} job was cancelled (outside this run)`) };
  return { state: 'failed', error: new TtvError('GENERATION_FAILED', `${site.provider} (${site.model}): ${text}`, { retryable: true }) };
}
