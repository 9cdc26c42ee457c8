/**
 * `@ttv/ai/planner` (`planner: ai`, section `ai-planner:`): plans a script into a storyboard with any language
 * model of the AI SDK, through structured output (`generateObject` with a zod storyboard schema; OpenAI's strict
 * JSON schema), and rewrites refused prompts (`reword`). The answer is checked by core's `checkPlanResult`
 * (durations clamped, the film's length fitted, unknown cast names dropped; no segments, a wrong count or an empty
 * prompt refused); an answer that is not JSON, is cut off, or breaks the schema is PLAN_INVALID naming the field,
 * after the AI SDK's repairText hook had its chance on almost-JSON. Costs are the tokens used at list price.
 *
 * Retries: the AI SDK retries 429 and 5xx replies itself (`maxRetries`, default 2, honouring retry-after-ms and
 * retry-after): those replies are not billed. A malformed answer is billed and is never retried here (its cost is
 * on the error as `chargedUsd`): asking again is the caller's choice.
 */
import {
  checkPlanResult,
  definePlanner,
  type Planner,
  type PlanRequest,
  type PlanResult,
  type RewordRequest,
  registerSecret,
  SPECIFICATION_VERSION,
  TtvError,
  throwIfAborted,
} from '@ttv/core/backend';
import { generateObject, generateText, type LanguageModel, type LanguageModelUsage, NoObjectGeneratedError } from 'ai';
import { apiKeyOf, type PlannerConfig, plannerConfigSchema, textPriceOf } from './config.js';
import { type CallSite, callSignals, toAiError } from './errors.js';
import { planInvalid, repairJson, storyboardSchema } from './plan-schema.js';
import { tokenCost } from './pricing.js';
import { planSystemPrompt, planUserPrompt, REWORD_SYSTEM, rewordUserPrompt } from './prompts.js';
import { languageModelOf } from './providers.js';
import { doctorChecks, onceAsync } from './shared.js';

/** The longest rewording (tokens): what its estimate reserves. */
const REWORD_MAX_TOKENS = 1024;
/** Per-call overhead tokens (roles, schema framing) added to the estimate. */
const OVERHEAD_TOKENS = 200;

/** Input tokens at most: ≈ 3 characters a token (English averages 4), plus the overhead. */
const inputBound = (...texts: string[]) => Math.ceil(texts.reduce((n, t) => n + t.length, 0) / 3) + OVERHEAD_TOKENS;

function withCharge(error: TtvError, chargedUsd: number): TtvError {
  if (!(chargedUsd > 0)) return error;
  const { code, message, field, value, fix, retryAfterMs, details, retryable } = error;
  return new TtvError(code, message, { field, value, fix, retryAfterMs, details, retryable, chargedUsd, cause: error.cause });
}

class AiPlanner implements Planner {
  readonly specificationVersion = SPECIFICATION_VERSION;
  readonly #model: () => Promise<LanguageModel>;

  constructor(
    private readonly config: PlannerConfig,
    apiKey: string | undefined,
  ) {
    this.#model = onceAsync(() => languageModelOf({ model: config.model, apiKey, baseURL: config.baseURL }));
    this.doctor = () => doctorChecks('ai-planner', config, apiKey);
  }

  readonly doctor: () => ReturnType<typeof doctorChecks>;

  #cost(usage: LanguageModelUsage | undefined): number {
    return tokenCost(textPriceOf(this.config), usage?.inputTokens ?? 0, usage?.outputTokens ?? 0);
  }

  #site(signal: AbortSignal, timeout: AbortSignal): CallSite {
    return { section: 'ai-planner', model: this.config.model, signal, timeout, timeoutMs: this.config.timeoutMs };
  }

  estimatePlanCost(request: PlanRequest): { usd: number } {
    return { usd: tokenCost(textPriceOf(this.config), inputBound(planSystemPrompt(request), planUserPrompt(request)), this.config.maxOutputTokens) };
  }

  estimateCost(request: RewordRequest): { usd: number } {
    const output = Math.min(REWORD_MAX_TOKENS, this.config.maxOutputTokens);
    return { usd: tokenCost(textPriceOf(this.config), inputBound(REWORD_SYSTEM, rewordUserPrompt(request)), output) };
  }

  async plan(request: PlanRequest, context: Parameters<Planner['plan']>[1]): Promise<PlanResult> {
    throwIfAborted(context.signal);
    if (!request.script.trim()) {
      throw new TtvError('INPUT_INVALID', 'ai-planner: the script is empty: there is nothing to plan', {
        field: 'storyboard.prompt',
        value: request.script,
        fix: 'write the script',
      });
    }
    const model = await this.#model();
    const { timeout, abortSignal } = callSignals(context.signal, this.config.timeoutMs);
    let costUsd = 0;
    try {
      const result = await generateObject({
        model,
        schema: storyboardSchema(request.mode),
        schemaName: 'storyboard',
        system: planSystemPrompt(request),
        prompt: planUserPrompt(request),
        maxOutputTokens: this.config.maxOutputTokens,
        ...(this.config.temperature !== undefined ? { temperature: this.config.temperature } : {}),
        maxRetries: this.config.maxRetries,
        abortSignal,
        repairText: repairJson,
      });
      costUsd = this.#cost(result.usage);
      context.log(`${this.config.model}: ${result.usage.inputTokens ?? '?'} input + ${result.usage.outputTokens ?? '?'} output tokens, $${costUsd.toFixed(4)}`);
      const checked = checkPlanResult('ai-planner', request, result.object);
      return { segments: checked.segments, costUsd, warnings: checked.warnings };
    } catch (error) {
      if (NoObjectGeneratedError.isInstance(error)) costUsd = this.#cost(error.usage);
      const invalid = planInvalid(error, this.config.model, costUsd, this.config.maxOutputTokens);
      throw withCharge(invalid ?? toAiError(error, this.#site(context.signal, timeout)), costUsd);
    }
  }

  async reword(request: RewordRequest, context: Parameters<Planner['reword']>[1]): Promise<{ prompt: string; costUsd: number }> {
    throwIfAborted(context.signal);
    const model = await this.#model();
    const { timeout, abortSignal } = callSignals(context.signal, this.config.timeoutMs);
    try {
      const result = await generateText({
        model,
        system: REWORD_SYSTEM,
        prompt: rewordUserPrompt(request),
        maxOutputTokens: Math.min(REWORD_MAX_TOKENS, this.config.maxOutputTokens),
        ...(this.config.temperature !== undefined ? { temperature: this.config.temperature } : {}),
        maxRetries: this.config.maxRetries,
        abortSignal,
      });
      const costUsd = this.#cost(result.usage);
      const prompt = result.text.trim().replace(/^["“]|["”]$/g, '');
      if (result.finishReason === 'content-filter' || !prompt) {
        throw withCharge(
          new TtvError('MODERATION', `ai-planner (${this.config.model}) would not reword the prompt: ${prompt || 'no answer'}`, { fix: 'reword it by hand' }),
          costUsd,
        );
      }
      return { prompt, costUsd };
    } catch (error) {
      throw toAiError(error, this.#site(context.signal, timeout));
    }
  }
}

export const aiPlanner = definePlanner({
  specificationVersion: SPECIFICATION_VERSION,
  name: 'ai-planner',
  displayName: 'AI SDK planner (OpenAI, Anthropic, Google, OpenAI-compatible)',
  kind: 'remote',
  configSchema: plannerConfigSchema,
  secretFields: ['apiKey'],
  create(config, context) {
    const apiKey = apiKeyOf(config, context.env);
    registerSecret(apiKey);
    return new AiPlanner(config, apiKey);
  },
});

export default aiPlanner;
