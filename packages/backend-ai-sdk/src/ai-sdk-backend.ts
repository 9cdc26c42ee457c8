/**
 * The AI SDK backend: any AI SDK video model whose provider implements the SDK's start/status flow, as a ttv
 * remote job (backend spec v2). It maps the SDK's calls onto ttv's job protocol and nothing else:
 *
 *   submit: validate → fit the frames to the size → `experimental_startVideo` with the SDK's retries off (a replayed
 *     paid start could bill twice) and `ctx.idempotencyKey` as the `idempotency-key` header (the SDK's own key
 *     otherwise) → the SDK's JSON `operation` as the handle;
 *   status: `experimental_getVideoStatus(operation)` → pending / succeeded (the clip's URL or bytes, the provider's
 *     reported cost or the list price) / failed (mapped, with the detail the package drops read from the reply);
 *   cancel: the provider's own cancel route (the SDK has none): fal `PUT …/requests/{id}/cancel`, Replicate
 *     `POST /v1/predictions/{id}/cancel`.
 *
 * Core owns the rest: recording the operation before waiting, polling, the deadline, cancel on abort, re-attaching
 * on resume, the download with retries, the probe and the atomic rename.
 */
import {
  type BackendCreateContext,
  type BackendWarning,
  type CallContext,
  type CostEstimate,
  checkImage,
  checkRequest,
  type DoctorCheck,
  type GenerateRequest,
  invalidInput,
  type JobHandle,
  type JobPolicy,
  type JobStatus,
  jobPolicyOf,
  type RemoteVideoBackend,
  registerSecret,
  type SubmitContext,
  TtvError,
} from '@ttv/core/backend';
import { experimental_getVideoStatus, experimental_startVideo, type JSONValue } from 'ai';
import type { AiSdkConfig } from './ai-sdk-config.js';
import { type CallSite, callSignals, fromReply, toAiSdkError } from './ai-sdk-errors.js';
import { describeAiSdk, findModel, type ProviderId, priceOf, usdPerSecond, type VideoModelInfo, withSound } from './ai-sdk-models.js';
import {
  authHeaders,
  type Connection,
  KEY_VARIABLES,
  PROVIDER_PACKAGES,
  type Reply,
  recordingFetch,
  resolveConnection,
  videoModelOf,
} from './ai-sdk-providers.js';
import { referencesFor, startArguments } from './ai-sdk-request.js';
import { failedJob, succeededJob } from './ai-sdk-status.js';

/** What the engine records with a job (JSON, no secrets): the SDK's operation and what its price needs. */
export interface AiSdkJobData {
  provider: ProviderId;
  model: string;
  operation: JSONValue;
  durationSec: number;
  audio: boolean;
  warnings?: BackendWarning[];
}

export class AiSdkBackend implements RemoteVideoBackend {
  readonly specificationVersion = 2 as const;
  readonly jobPolicy: Partial<JobPolicy>;

  constructor(
    readonly config: AiSdkConfig,
    private readonly connection: Connection,
  ) {
    const { polling, timeouts } = config;
    this.jobPolicy = jobPolicyOf(polling, { requestMs: timeouts.requestMs, jobMs: timeouts.jobMs, downloadMs: timeouts.downloadMs });
    if (connection.apiKey) registerSecret(connection.apiKey);
  }

  private model(id: string): VideoModelInfo {
    const model = findModel(this.config, id);
    if (!model) throw invalidInput(`ai-sdk (${this.config.provider}) has no model "${id}"`, 'model', id, 'use a model ai-sdk describes (ttv backends)');
    return model;
  }

  private site(what: string, model: string, signal: AbortSignal): CallSite & { abortSignal: AbortSignal } {
    const { timeout, abortSignal } = callSignals(signal, this.config.timeouts.requestMs);
    return { provider: this.config.provider, model, what, signal, timeout, timeoutMs: this.config.timeouts.requestMs, abortSignal };
  }

  async validate(request: GenerateRequest): Promise<void> {
    checkRequest('ai-sdk', describeAiSdk(this.config), request);
    const seed = request.seed ?? this.config.seed;
    if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295)) {
      throw invalidInput(`ai-sdk seeds are integers 0–4294967295, not ${seed}`, 'seed', seed, 'use a smaller seed');
    }
    await Promise.all([
      request.firstFrame !== undefined ? checkImage(request.firstFrame, 'firstFrame', { backend: 'ai-sdk' }) : undefined,
      request.lastFrame !== undefined ? checkImage(request.lastFrame, 'lastFrame', { backend: 'ai-sdk' }) : undefined,
      ...(request.references ?? []).map((r) => checkImage(r.path, 'references', { backend: 'ai-sdk' })),
    ]);
  }

  /** The list price: the config's override, else the model's own or the default table; at the sound rate when the clip has sound. */
  estimateCost(request: GenerateRequest): CostEstimate {
    const model = findModel(this.config, request.model) ?? this.model(this.config.model ?? describeAiSdk(this.config).defaultModel);
    return listPrice(this.config, model.id, withSound(model, request.generateAudio, this.config.audio), request.durationSec);
  }

  async submit(request: GenerateRequest, ctx: SubmitContext): Promise<JobHandle> {
    await this.validate(request);
    if (!this.connection.apiKey) throw missingKey(this.config.provider);
    const model = this.model(request.model);
    const warnings: BackendWarning[] = [];
    const site = this.site('submit', model.id, ctx.signal);
    const replies: Reply[] = [];
    const references = referencesFor(model, request);
    if (references.leftOut) {
      warnings.push({ type: 'unsupported', field: 'references', message: references.leftOut });
      ctx.log(references.leftOut);
    }
    let operation: JSONValue;
    try {
      const settings = { audio: this.config.audio, seed: this.config.seed, workDir: ctx.workDir, signal: ctx.signal };
      const args = await startArguments(model, request, settings, warnings, references.sent);
      const videoModel = await videoModelOf(this.connection, model.id, recordingFetch(this.connection, replies));
      const started = await experimental_startVideo({
        model: videoModel,
        ...args,
        maxRetries: 0,
        abortSignal: site.abortSignal,
        headers: { 'idempotency-key': ctx.idempotencyKey },
      });
      operation = started.operation;
      for (const w of started.warnings) warnings.push({ type: 'unsupported', message: `${model.id}: ${JSON.stringify(w)}` });
    } catch (error) {
      throw toAiSdkError(error, site, replies.at(-1));
    }
    const data: AiSdkJobData = {
      provider: model.provider,
      model: model.id,
      operation,
      durationSec: request.durationSec,
      audio: withSound(model, request.generateAudio, this.config.audio),
    };
    if (warnings.length > 0) data.warnings = warnings;
    const id = jobIdOf(operation);
    const sent = references.sent.length > 0 ? `, ${references.sent.length} reference picture(s)` : '';
    ctx.log(
      `job ${id} started (${model.id} ${request.width}x${request.height} ${request.durationSec} s${data.audio ? ' with sound' : ''}${sent}, ~$${this.estimateCost(request).usd})`,
    );
    return { id, data: data as unknown as Record<string, unknown> };
  }

  async status(job: JobHandle, ctx: CallContext): Promise<JobStatus> {
    const data = jobData(job);
    const site = this.site('status', data.model, ctx.signal);
    const replies: Reply[] = [];
    let result: Awaited<ReturnType<typeof experimental_getVideoStatus>>;
    try {
      const videoModel = await videoModelOf(this.connection, data.model, recordingFetch(this.connection, replies));
      result = await experimental_getVideoStatus(videoModel, { operation: data.operation, abortSignal: site.abortSignal, maxRetries: 0 });
    } catch (error) {
      throw toAiSdkError(error, site, replies.at(-1));
    }
    if (result.status === 'pending') return { state: 'pending' };
    const list = listPrice(this.config, data.model, data.audio, data.durationSec).usd;
    if (result.status === 'completed') return succeededJob(this.connection, result, list, data.warnings);
    return failedJob(result.error, replies.at(-1), { connection: this.connection, site, operation: data.operation });
  }

  /** Cancels the job through the provider's own route (the AI SDK has no cancel); one that already ended needs none. */
  async cancel(job: JobHandle, ctx: CallContext): Promise<void> {
    const data = jobData(job);
    const site = this.site('cancel', data.model, ctx.signal);
    const url = cancelUrl(data);
    const replies: Reply[] = [];
    try {
      const response = await recordingFetch(this.connection, replies)(url, {
        method: this.connection.provider === 'fal' ? 'PUT' : 'POST',
        headers: authHeaders(this.connection),
        signal: site.abortSignal,
      });
      await response.body?.cancel();
    } catch (error) {
      throw toAiSdkError(error, site);
    }
    const reply = replies.at(-1)!;
    // fal answers 400 ALREADY_COMPLETED for a request that ended: nothing left to stop.
    if (reply.status >= 400 && !(reply.status === 400 && /ALREADY_COMPLETED/.test(reply.errorBody ?? ''))) throw fromReply(reply, site);
    ctx.log(`job ${job.id} cancelled`);
  }

  async doctor(): Promise<DoctorCheck[]> {
    const { provider } = this.config;
    const pkg = PROVIDER_PACKAGES[provider];
    const installed = await videoModelOf(this.connection, this.config.model ?? describeAiSdk(this.config).defaultModel, fetch).then(
      () => true,
      () => false,
    );
    return [
      { name: pkg, ok: installed, detail: installed ? 'installed' : 'not installed', ...(installed ? {} : { fix: `npm install ${pkg}` }) },
      {
        name: 'API key',
        ok: Boolean(this.connection.apiKey),
        detail: this.connection.apiKey ? 'set' : 'missing',
        ...(this.connection.apiKey ? {} : { fix: `set ai-sdk.apiKey or ${KEY_VARIABLES[provider].join(' / ')}` }),
      },
    ];
  }
}

export function listPrice(config: AiSdkConfig, model: string, audio: boolean, durationSec: number): CostEstimate {
  const price = priceOf(config, model, config.prices);
  if (!price) {
    throw new TtvError('CONFIG_INVALID', `ai-sdk has no price for ${config.provider} model "${model}"`, {
      field: `ai-sdk.prices.${model}`,
      fix: `add ai-sdk.prices: { "${model}": { usdPerSecond: <USD per second> } }`,
    });
  }
  const perSecond = usdPerSecond(price, audio);
  // Rounded up to 1/100 cent, after the float noise (0.112 × 5 is 0.5600000000000001, not more than $0.56).
  const usd = Math.ceil(Number((perSecond * durationSec * 10_000).toFixed(6))) / 10_000;
  return { usd, basis: `${model}: $${perSecond}/s${audio ? ' (with audio)' : ''} × ${durationSec} s` };
}

function missingKey(provider: ProviderId): TtvError {
  return new TtvError('AUTH', `ai-sdk (${provider}): no API key`, {
    field: 'ai-sdk.apiKey',
    fix: `set ${KEY_VARIABLES[provider].join(' or ')} (or ai-sdk.apiKey: \${${KEY_VARIABLES[provider][0]}})`,
  });
}

function jobData(job: JobHandle): AiSdkJobData {
  const data = job.data as Partial<AiSdkJobData> | undefined;
  if (!data || typeof data.model !== 'string' || data.operation === undefined || typeof data.durationSec !== 'number') {
    throw new TtvError('INTERNAL', `ai-sdk job ${job.id} has no operation recorded`, { fix: 'run with --restart to start the segment again' });
  }
  return data as AiSdkJobData;
}

/** The provider's job id, from the operation's URL (fal `responseUrl`, Replicate `getUrl`). */
function jobIdOf(operation: JSONValue): string {
  const op = operation as { responseUrl?: string; getUrl?: string };
  const url = op.responseUrl ?? op.getUrl ?? '';
  return url.split('/').filter(Boolean).at(-1) ?? 'unknown';
}

function cancelUrl(data: AiSdkJobData): string {
  const op = data.operation as { responseUrl?: string; getUrl?: string };
  return `${op.responseUrl ?? op.getUrl}/cancel`;
}

/** Resolves the key and the base URL from the config and the environment, and builds the backend. */
export function createAiSdkBackend(config: AiSdkConfig, ctx: Pick<BackendCreateContext, 'env'>): AiSdkBackend {
  const model = config.model ?? describeAiSdk(config).defaultModel;
  listPrice(config, model, false, 1); // an unpriced model is refused before any call
  return new AiSdkBackend(config, resolveConnection(config, ctx.env));
}
