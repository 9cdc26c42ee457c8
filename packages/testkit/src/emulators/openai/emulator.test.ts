import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateImage, generateObject, generateText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sniffImage } from '../veo/render.js';
import { startOpenAIEmulator } from './emulator.js';
import type { OpenAIEmulator } from './types.js';

let emu: OpenAIEmulator;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ imageScale: 8 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const storyboard = z.object({
  segments: z.array(z.object({ prompt: z.string(), keyframePrompt: z.string(), durationSec: z.number(), cast: z.array(z.string()) })),
});
const SCRIPT =
  '<script>Mara walks to the lighthouse. The storm breaks. She lights the lamp. Ships turn home.</script> Write exactly 2 segments of 5 seconds each.\n<cast>\n- Mara (character): a tall woman in a yellow coat\n</cast>';
const provider = () => createOpenAI({ baseURL: emu.baseURL, apiKey: emu.apiKey });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${emu.apiKey}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, { message?: string; code?: string; param?: string }> };
}

describe('OpenAI emulator with @ai-sdk/openai', () => {
  it('responses API: a strict structured storyboard planned from the prompt, tokens booked', async () => {
    const { object, usage } = await generateObject({ model: provider()('gpt-4o-mini'), schema: storyboard, prompt: SCRIPT, maxRetries: 0 });
    expect(object.segments).toHaveLength(2);
    expect(object.segments[0]!.prompt).toContain('Mara: a tall woman in a yellow coat.');
    expect(object.segments[0]!.keyframePrompt).toMatch(/no camera movement: The storm breaks\./);
    expect(object.segments[1]!.durationSec).toBe(5);
    expect(usage.inputTokens).toBeGreaterThan(0);
    const stats = emu.stats();
    expect(stats.requests['/v1/responses']).toBe(1);
    expect(stats.answered).toBe(1);
    expect(stats.paidUsd).toBeGreaterThan(0);
    const sent = emu.requestsTo('POST', '/v1/responses')[0]!.json as { text: { format: { type: string; strict: boolean } } };
    expect(sent.text.format).toMatchObject({ type: 'json_schema', strict: true });
  });

  it('chat completions: the same through response_format json_schema', async () => {
    const { object } = await generateObject({ model: provider().chat('gpt-4o-mini'), schema: storyboard, prompt: SCRIPT, maxRetries: 0 });
    expect(object.segments).toHaveLength(2);
    expect(emu.stats().requests['/v1/chat/completions']).toBe(1);
  });

  it('a refusal ends with finish reason content-filter; a wrong key is 401; an unknown model is refused', async () => {
    emu.inject({ kind: 'refusal', match: { prompt: 'lighthouse' } });
    const r = await generateText({ model: provider()('gpt-4o-mini'), prompt: 'the lighthouse', maxRetries: 0 });
    expect(r.finishReason).toBe('content-filter');
    const bad = await generateText({ model: createOpenAI({ baseURL: emu.baseURL, apiKey: 'sk-wrong-key' })('gpt-4o-mini'), prompt: 'x', maxRetries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(APICallError.isInstance(bad) && bad.statusCode).toBe(401);
    const unknown = await post('/v1/chat/completions', { model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error!.code).toBe('model_not_found');
  });

  it('strict mode rules: an object without additionalProperties:false is refused as the API does', async () => {
    const r = await post('/v1/responses', {
      model: 'gpt-4o-mini',
      input: 'x',
      text: { format: { type: 'json_schema', name: 'plan', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] } } },
    });
    expect(r.status).toBe(400);
    expect(r.json.error!.message).toMatch(/'additionalProperties' is required to be supplied and to be false/);
  });

  it('429 with retry-after on the N-th matching request: the SDK waits and retries', async () => {
    emu.inject({ kind: 'status', status: 429, headers: { 'retry-after-ms': '50' }, nth: 2, match: { path: '/v1/responses' } });
    await generateText({ model: provider()('gpt-4o-mini'), prompt: 'one', maxRetries: 0 });
    const e = await generateText({ model: provider()('gpt-4o-mini'), prompt: 'two', maxRetries: 0 }).catch((x: unknown) => x);
    expect(APICallError.isInstance(e) && e.statusCode).toBe(429);
    expect(APICallError.isInstance(e) && e.responseHeaders?.['retry-after-ms']).toBe('50');
    await generateText({ model: provider()('gpt-4o-mini'), prompt: 'three', maxRetries: 0 });
    expect(emu.stats()).toMatchObject({ answered: 2, requests: { '/v1/responses': 3 } });
  });

  it('malformed structured output: invalid JSON and truncation fail to parse, schema violations fail validation', async () => {
    for (const kind of ['invalid-json', 'truncated', 'schema-violation'] as const) {
      emu.inject({ kind });
      const e = await generateObject({ model: provider()('gpt-4o-mini'), schema: storyboard, prompt: SCRIPT, maxRetries: 0 }).catch((x: unknown) => x);
      expect((e as Error).name, kind).toBe('AI_NoObjectGeneratedError');
    }
  });

  it('images: generations with a size from the enum give a PNG; edits take the picture as multipart; a bad size is 400', async () => {
    const { image } = await generateImage({ model: provider().image('gpt-image-1'), prompt: 'a lighthouse', size: '1536x1024', maxRetries: 0 });
    expect(sniffImage(image.uint8Array)).toBe('png');
    const edit = await generateImage({
      model: provider().image('gpt-image-1'),
      prompt: { text: 'at night', images: [image.uint8Array] },
      size: '1024x1024',
      maxRetries: 0,
    });
    expect(sniffImage(edit.image.uint8Array)).toBe('png');
    expect(String(emu.requestsTo('POST', '/v1/images/edits')[0]!.headers['content-type'])).toMatch(/^multipart\/form-data/);
    const bad = await post('/v1/images/generations', { model: 'gpt-image-1', prompt: 'x', size: '1280x720' });
    expect(bad.status).toBe(400);
    expect(bad.json.error!.param).toBe('size');
    expect(emu.stats()).toMatchObject({ images: 2, paidUsd: 0.417 });
  });

  it('an image refusal is 400 moderation_blocked', async () => {
    emu.inject({ kind: 'refusal', match: { path: '/v1/images/generations' } });
    const r = await post('/v1/images/generations', { model: 'gpt-image-1', prompt: 'x' });
    expect(r.status).toBe(400);
    expect(r.json.error!.code).toBe('moderation_blocked');
  });
});
