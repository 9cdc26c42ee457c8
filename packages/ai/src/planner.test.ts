import { TtvError } from '@ttv/core/backend';
import { describe, expect, it } from 'vitest';
import { plannerConfigSchema } from './config.js';
import { context, planRequest, useEmulators } from './helpers.fixture.js';
import plugin from './planner.js';
import { loadProvider } from './providers.js';

const emus = useEmulators();

function openaiPlanner(overrides: Record<string, unknown> = {}) {
  const config = plannerConfigSchema.parse({ model: 'openai:gpt-4o-mini', baseURL: emus.openai.baseURL, apiKey: emus.openai.apiKey, ...overrides });
  return plugin.create(config, { configDir: emus.dir, env: {} }) as ReturnType<typeof plugin.create> & Awaited<ReturnType<typeof plugin.create>>;
}

async function failure(promise: Promise<unknown>): Promise<TtvError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!TtvError.is(error)) throw new Error(`expected a TtvError, got ${String(error)}`);
  return error;
}

describe('ai-planner against the OpenAI emulator (@ai-sdk/openai, Responses API)', () => {
  it('plans the script into the asked number of segments with keyframe prompts and full cast descriptions; cost within the estimate', async () => {
    const planner = await openaiPlanner();
    const request = planRequest();
    const log: string[] = [];
    const plan = await planner.plan(request, context(undefined, log));
    expect(plan.segments).toHaveLength(3);
    for (const s of plan.segments) {
      expect(s.keyframePrompt).toMatch(/no camera movement/);
      expect(s.durationSec).toBe(5);
    }
    expect(plan.segments[0]!.prompt).toContain('a tall woman of forty in a yellow oilskin coat');
    expect(plan.segments[0]!.cast).toEqual(['Mara']);
    expect(plan.costUsd).toBeGreaterThan(0);
    expect(plan.costUsd).toBeLessThanOrEqual(planner.estimatePlanCost(request).usd);
    expect(plan.costUsd).toBeCloseTo(emus.openai.stats().paidUsd, 9);
    expect(emus.openai.stats().requests).toEqual({ '/v1/responses': 1 });
    const body = emus.openai.requests[0]!.json as { text: { format: Record<string, unknown> }; input: unknown };
    expect(body.text.format).toMatchObject({ type: 'json_schema', strict: true, name: 'storyboard' });
    expect(JSON.stringify(body.input)).toMatch(/full description word for word/);
    expect(log[0]).toMatch(/gpt-4o-mini: \d+ input \+ \d+ output tokens/);
  });

  it('durations out of range are clamped (with a warning); chaining mode asks for no keyframe prompt', async () => {
    const planner = await openaiPlanner();
    const plan = await planner.plan(planRequest({ mode: 'chaining', segmentDurationSec: 5, minSegmentSec: 2, maxSegmentSec: 4 }), context());
    expect(plan.segments.every((s) => s.durationSec === 4 && s.keyframePrompt === undefined)).toBe(true);
    expect(plan.warnings?.join('\n')).toMatch(/outside 2–4 s: 4 s used/);
  });

  it('a fenced answer (almost JSON) is repaired by the repairText hook: one request, a plan', async () => {
    emus.openai.inject({ kind: 'fenced-json' });
    const plan = await (await openaiPlanner()).plan(planRequest(), context());
    expect(plan.segments).toHaveLength(3);
    expect(emus.openai.stats().requests['/v1/responses']).toBe(1);
  });

  it('malformed answers are PLAN_INVALID saying what was wrong, charged once, never retried', async () => {
    const planner = await openaiPlanner();
    const cases = [
      ['invalid-json', /it is not JSON/, 'storyboard'],
      ['truncated', /cut off at ai-planner\.maxOutputTokens/, 'ai-planner.maxOutputTokens'],
      ['schema-violation', /segments\[0\]\.keyframePrompt/, 'segments[0].keyframePrompt'],
    ] as const;
    for (const [kind, message, field] of cases) {
      emus.openai.reset();
      emus.openai.inject({ kind });
      const e = await failure(planner.plan(planRequest(), context()));
      expect(e.code, kind).toBe('PLAN_INVALID');
      expect(e.message, kind).toMatch(message);
      expect(e.field, kind).toBe(field);
      expect(e.chargedUsd, kind).toBeCloseTo(emus.openai.stats().paidUsd, 9);
      expect(emus.openai.stats().requests['/v1/responses'], kind).toBe(1);
    }
  });

  it('a plan with the wrong count (one segment a keyframe image) is PLAN_INVALID from the shared check, with its charge', async () => {
    const e = await failure((await openaiPlanner()).plan(planRequest({ script: 'One sentence. Two sentences.', segmentCount: 3 }), context()));
    expect(e.code).toBe('PLAN_INVALID');
    expect(e.message).toMatch(/2 segment\(s\) where exactly 3 were asked for/);
    expect(e.chargedUsd).toBeGreaterThan(0);
  });

  it('429: the SDK honours retry-after-ms and retries (the refused call is not billed); with maxRetries 0 it is RATE_LIMITED with retryAfterMs', async () => {
    emus.openai.inject({ kind: 'status', status: 429, headers: { 'retry-after-ms': '30' } });
    const plan = await (await openaiPlanner()).plan(planRequest(), context());
    expect(plan.segments).toHaveLength(3);
    expect(emus.openai.stats()).toMatchObject({ answered: 1, requests: { '/v1/responses': 2 } });
    emus.openai.inject({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
    const e = await failure((await openaiPlanner({ maxRetries: 0 })).plan(planRequest(), context()));
    expect(e).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 7000, retryable: true });
  });

  it('5xx after the retries is UNAVAILABLE; a wrong key is AUTH without the key in the message', async () => {
    emus.openai.inject({ kind: 'status', status: 503, times: 2, headers: { 'retry-after-ms': '1' } });
    const e = await failure((await openaiPlanner({ maxRetries: 1 })).plan(planRequest(), context()));
    expect(e.code).toBe('UNAVAILABLE');
    expect(emus.openai.stats().requests['/v1/responses']).toBe(2);
    const auth = await failure((await openaiPlanner({ apiKey: 'sk-wrong-secret-key' })).plan(planRequest(), context()));
    expect(auth.code).toBe('AUTH');
    expect(JSON.stringify(auth) + auth.message).not.toContain('sk-wrong-secret-key');
  });

  it('a refusal is MODERATION (the refusal is billed), matched by prompt', async () => {
    emus.openai.inject({ kind: 'refusal', match: { prompt: 'lighthouse' }, refusal: 'I cannot help with storms.' });
    const e = await failure((await openaiPlanner()).plan(planRequest(), context()));
    expect(e.code).toBe('MODERATION');
    expect(e.message).toMatch(/I cannot help with storms/);
    expect(e.chargedUsd).toBeGreaterThan(0);
  });

  it('abort before or during the call is CANCELLED; a slow answer past timeoutMs is TIMEOUT', async () => {
    const planner = await openaiPlanner();
    const before = new AbortController();
    before.abort();
    expect((await failure(planner.plan(planRequest(), context(before.signal)))).code).toBe('CANCELLED');
    expect(emus.openai.requests).toHaveLength(0);
    emus.openai.faults.inject({ kind: 'delay', ms: 3000 });
    const during = new AbortController();
    setTimeout(() => during.abort(), 100);
    expect((await failure(planner.plan(planRequest(), context(during.signal)))).code).toBe('CANCELLED');
    emus.openai.faults.inject({ kind: 'delay', ms: 3000 });
    const slow = await openaiPlanner({ timeoutMs: 1000, maxRetries: 0 });
    expect((await failure(slow.plan(planRequest(), context()))).code).toBe('TIMEOUT');
  });

  it('reword asks the model to rewrite the refused prompt, keeping the story, within its estimate', async () => {
    const planner = await openaiPlanner();
    const request = { prompt: 'Mara fights the smugglers with a knife, blood on the rocks.', refusal: "flagged: 'blood'", attempt: 1 };
    const result = await planner.reword(request, context());
    expect(result.prompt).toMatch(/Mara fights the smugglers/);
    expect(result.prompt).not.toMatch(/blood/);
    expect(result.costUsd).toBeGreaterThan(0);
    expect(result.costUsd).toBeLessThanOrEqual(planner.estimateCost(request).usd);
    const body = emus.openai.requests[0]!.json as Record<string, unknown>;
    expect(body['text']).toBeUndefined();
    expect(body['max_output_tokens']).toBe(1024);
  });
});

describe('ai-planner on other providers', () => {
  it('openai-compatible (an Ollama-style server): chat completions with a json_schema response_format; free unless priced', async () => {
    const config = plannerConfigSchema.parse({ model: 'openai-compatible:gpt-4o-mini', baseURL: emus.openai.baseURL, apiKey: emus.openai.apiKey });
    const planner = await plugin.create(config, { configDir: emus.dir, env: {} });
    const plan = await planner.plan(planRequest(), context());
    expect(plan.segments).toHaveLength(3);
    expect(plan.costUsd).toBe(0);
    const body = emus.openai.requestsTo('POST', '/v1/chat/completions')[0]!.json as { response_format: { type: string } };
    expect(body.response_format.type).toBe('json_schema');
  });

  it('google (Gemini API): generateContent with responseJsonSchema; a Gemini refusal is MODERATION', async () => {
    const config = plannerConfigSchema.parse({ model: 'google:gemini-2.5-flash', baseURL: emus.gemini.baseURL, apiKey: emus.gemini.apiKey });
    const planner = await plugin.create(config, { configDir: emus.dir, env: {} });
    const plan = await planner.plan(planRequest(), context());
    expect(plan.segments).toHaveLength(3);
    expect(plan.costUsd).toBeCloseTo(emus.gemini.stats().paidUsd, 9);
    emus.gemini.inject({ kind: 'refusal' });
    expect((await failure(planner.plan(planRequest(), context()))).code).toBe('MODERATION');
  });

  it('the key comes from the provider variable when the section has none', async () => {
    const config = plannerConfigSchema.parse({ model: 'google:gemini-2.5-flash', baseURL: emus.gemini.baseURL });
    const planner = await plugin.create(config, { configDir: emus.dir, env: { GOOGLE_GENERATIVE_AI_API_KEY: emus.gemini.apiKey } });
    expect((await planner.plan(planRequest(), context())).segments).toHaveLength(3);
    const none = await plugin.create(config, { configDir: emus.dir, env: {} });
    expect((await failure(none.plan(planRequest(), context()))).code).toBe('AUTH');
    const checks = await none.doctor!();
    expect(checks.find((c) => c.name.endsWith('API key'))).toMatchObject({ ok: false, fix: expect.stringMatching(/GOOGLE_GENERATIVE_AI_API_KEY/) });
  });
});

describe('ai-planner config and packaging', () => {
  it('rejects an unknown provider, an unpriced model and an openai-compatible model without baseURL', () => {
    const issues = (value: unknown) => plannerConfigSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ model: 'mistral:large' })[0]).toMatch(/^model: expected "provider:model-id"/);
    expect(issues({ model: 'openai:gpt-99' })[0]).toMatch(/^pricing: no list price is known for openai:gpt-99/);
    expect(issues({ model: 'openai:gpt-99', pricing: { inputPerMTok: 1, outputPerMTok: 2 } })).toEqual([]);
    expect(issues({ model: 'openai-compatible:llama3.1' })[0]).toMatch(/^baseURL: an openai-compatible model needs/);
    expect(issues({ model: 'openai:gpt-4o-mini', key: 'x' })[0]).toMatch(/Unrecognized key/);
  });

  it('a provider package that is not installed is BACKEND_NOT_INSTALLED naming the install command', async () => {
    const missing = Object.assign(new Error("Cannot find package '@ai-sdk/anthropic' imported from x"), { code: 'ERR_MODULE_NOT_FOUND' });
    const e = await failure(loadProvider('anthropic', () => Promise.reject(missing)));
    expect(e).toMatchObject({ code: 'BACKEND_NOT_INSTALLED', fix: expect.stringMatching(/npm install @ai-sdk\/anthropic/) });
  });
});
