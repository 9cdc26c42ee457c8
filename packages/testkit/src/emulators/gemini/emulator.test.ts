import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { APICallError, generateImage, generateObject, generateText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sniffImage } from '../veo/render.js';
import { startGeminiEmulator } from './emulator.js';
import type { GeminiEmulator } from './types.js';

let emu: GeminiEmulator;
beforeAll(async () => {
  emu = await startGeminiEmulator({ imageScale: 8 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const google = (apiKey = emu.apiKey) => createGoogleGenerativeAI({ baseURL: emu.baseURL, apiKey });
const schema = z.object({ segments: z.array(z.object({ prompt: z.string(), keyframePrompt: z.string(), durationSec: z.number() })) });

describe('Gemini emulator with @ai-sdk/google', () => {
  it('generateContent with JSON output: a storyboard from the prompt, tokens and cost booked', async () => {
    const { object } = await generateObject({
      model: google()('gemini-2.5-flash'),
      schema,
      prompt: '<script>One. Two. Three. Four.</script> exactly 2 segments',
      maxRetries: 0,
    });
    expect(object.segments.map((s) => s.prompt)).toEqual([expect.stringContaining('One. Two.'), expect.stringContaining('Three. Four.')]);
    const sent = emu.requests[0]!.json as { generationConfig: Record<string, unknown> };
    expect(sent.generationConfig['responseMimeType']).toBe('application/json');
    expect(emu.stats()).toMatchObject({ answered: 1, requests: { '/v1beta/models/gemini-2.5-flash:generateContent': 1 } });
  });

  it('image output: responseModalities IMAGE and the aspect ratio give a PNG of the listed size; an input picture is edited', async () => {
    const model = google().image('gemini-2.5-flash-image');
    const { image } = await generateImage({ model, prompt: 'a lighthouse', aspectRatio: '16:9', maxRetries: 0 });
    expect(sniffImage(image.uint8Array)).toBe('png');
    const view = Buffer.from(image.uint8Array);
    expect([view.readUInt32BE(16), view.readUInt32BE(20)]).toEqual([168, 96]); // 1344x768 / 8
    const edit = await generateImage({ model, prompt: { text: 'at night', images: [image.uint8Array] }, maxRetries: 0 });
    expect(sniffImage(edit.image.uint8Array)).toBe('png');
    const parts = (emu.requests[1]!.json as { contents: Array<{ parts: Array<Record<string, unknown>> }> }).contents[0]!.parts;
    expect(parts.some((p) => 'inlineData' in p)).toBe(true);
    expect(emu.stats()).toMatchObject({ images: 2 });
  });

  it('refusals, keys and models are answered as the real API does', async () => {
    emu.inject({ kind: 'refusal' });
    const r = await generateText({ model: google()('gemini-2.5-flash'), prompt: 'x', maxRetries: 0 });
    expect(r.finishReason).toBe('content-filter');
    const wrongKey = await generateText({ model: google('nope-nope')('gemini-2.5-flash'), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(wrongKey) && wrongKey.statusCode).toBe(400);
    expect((wrongKey as Error).message).toMatch(/API key not valid/);
    const unknown = await generateText({ model: google()('gemini-9'), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(unknown) && unknown.statusCode).toBe(404);
    const textModelImage = await generateImage({ model: google().image('gemini-2.5-flash'), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect((textModelImage as Error).message).toMatch(/response modalities/);
  });

  it('a 503 then success: the SDK retries on its own when maxRetries allows', async () => {
    emu.inject({ kind: 'status', status: 503, headers: { 'retry-after': '0' } });
    const r = await generateText({ model: google()('gemini-2.5-flash'), prompt: 'hello', maxRetries: 1 });
    expect(r.text).toMatch(/hello/);
    expect(emu.stats()).toMatchObject({ answered: 1, requests: { '/v1beta/models/gemini-2.5-flash:generateContent': 2 } });
  });
});
