/**
 * Seedance through the backend against the emulator, driven as the engine drives it (`callBackend`): reference
 * pictures reach `POST /v1/text_to_video` as `references: [{uri}]` (fitted whole), the reference audio as
 * `referenceAudio: [{type: 'audio', uri}]` beside them; frames go as positioned `promptImage` entries; sound is
 * asked per request and priced per model; the estimate is never below the charge; what the API would refuse is
 * refused before any request.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import RunwayML, { type APIError } from '@runwayml/sdk';
import { callBackend, type GenerateRequest, type ReferenceImage } from '@ttv/core/backend';
import { probeImage, probeVideo, runFfmpeg } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backendFor, baseRequest, recordingContext, rejection, tempDir } from './helpers.fixture.js';

let emu: RunwayEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let first: string;
let square: string;
let voice: string;
let n = 0;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  first = join(dir, 'first.png');
  square = join(dir, 'square.png');
  voice = join(dir, 'voice.wav');
  await makeTestImage(first, { width: 320, height: 180 });
  await makeTestImage(square, { width: 200, height: 200, pattern: 'testsrc2' });
  await runFfmpeg(['-f', 'lavfi', '-i', 'sine=frequency=220:duration=1', '-ac', '1', voice]);
  emu = await startRunwayEmulator({ outputScale: 16, taskDurationMs: 150 });
});
afterAll(async () => {
  await emu?.close();
  await cleanup?.();
});
beforeEach(() => emu.reset());

const cast = (): ReferenceImage[] => [
  { path: square, role: 'character', name: 'Mara' },
  { path: first, role: 'place', name: 'Harbour' },
];

async function run(config: Parameters<typeof backendFor>[1], overrides: Partial<GenerateRequest>) {
  n += 1;
  const workDir = join(dir, `w${n}`);
  await mkdir(workDir, { recursive: true });
  const backend = backendFor(emu, config);
  const rec = recordingContext(workDir);
  const request = baseRequest(dir, first, { outputPath: join(dir, `out-${n}.mp4`), ...overrides });
  const estimate = backend.estimateCost(request).usd;
  const result = await callBackend(backend, request, rec.ctx);
  return { backend, rec, request, result, estimate };
}

const bodies = (route: 'text_to_video' | 'image_to_video') => emu.requestsTo('POST', `/v1/${route}`).map((r) => r.json as Record<string, unknown>);
const seedance = { model: 'seedance2_fast', durationSec: 5, prompt: 'Mara walks along the Harbour' } as const;

describe('references reach Seedance in the documented shape', () => {
  it('from text: references [{uri}] fitted whole to the output size, in order; no promptImage', async () => {
    const { result, estimate, rec } = await run({ model: 'seedance2_fast' }, { ...seedance, firstFrame: undefined, references: cast() });
    expect(result.warnings ?? []).toEqual([]);
    const [body] = bodies('text_to_video');
    expect(body).toEqual({
      model: 'seedance2_fast',
      ratio: '1280:720',
      duration: 5,
      promptText: seedance.prompt,
      audio: false,
      references: [{ uri: expect.any(String) }, { uri: expect.any(String) }],
    });
    const refs = body!['references'] as Array<{ uri: string }>;
    for (const [i, ref] of refs.entries()) {
      expect(ref.uri).toMatch(/^data:image\/png;base64,/);
      const file = join(dir, `sent-ref-${i}.png`);
      await import('node:fs/promises').then((fs) => fs.writeFile(file, Buffer.from(ref.uri.split(',')[1]!, 'base64')));
      expect(await probeImage(file)).toMatchObject({ width: 1280, height: 720 }); // contain: padded, not cropped
    }
    expect(emu.stats()).toMatchObject({ created: 1, referenceImages: 2, referenceAudio: 0 });
    expect(rec.logs.join('\n')).toMatch(/reference Mara 1280x720 image\/png/);
    expect([result.costUsd, estimate]).toEqual([1.45, 1.45]); // 29 credits/s × 5 s
  });

  it('the reference audio goes beside them as referenceAudio [{type: audio, uri}]', async () => {
    await run({ model: 'seedance2_fast' }, { ...seedance, firstFrame: undefined, references: cast().slice(0, 1), referenceAudio: voice });
    const [body] = bodies('text_to_video');
    expect(body!['referenceAudio']).toEqual([{ type: 'audio', uri: expect.stringMatching(/^data:audio\/wav;base64,/) }]);
    expect(emu.stats()).toMatchObject({ referenceImages: 1, referenceAudio: 1 });
  });

  it('reference audio without a picture is refused before any request (the engine never sends it so: referenceAudio.withReferences)', async () => {
    const backend = backendFor(emu, { model: 'seedance2_fast' });
    const e = await rejection(backend.validate(baseRequest(dir, first, { ...seedance, firstFrame: undefined, referenceAudio: voice })));
    expect(e).toMatchObject({ code: 'INPUT_INVALID', field: 'referenceAudio' });
    expect(emu.requests).toHaveLength(0);
  });

  it('frames go as positioned promptImage entries (an entry without position would be a reference)', async () => {
    await run({ model: 'seedance2_fast' }, { ...seedance });
    await run({ model: 'seedance2_fast' }, { ...seedance, lastFrame: square });
    const [one, two] = bodies('image_to_video');
    expect((one!['promptImage'] as Array<{ position: string }>).map((p) => p.position)).toEqual(['first']);
    expect((two!['promptImage'] as Array<{ position: string }>).map((p) => p.position)).toEqual(['first', 'last']);
    expect(emu.stats()).toMatchObject({ created: 2, referenceImages: 0 });
  });

  it('a wrong shape sent straight through the SDK is refused by the emulator (400 naming the field)', async () => {
    const sdk = backendFor(emu, {}).sdk();
    const bad = { model: 'seedance2', promptText: 'x', ratio: '1280:720', duration: 5, references: ['https://example.com/mara.png'] };
    const error = (await sdk.textToVideo.create(bad as never, { maxRetries: 0 }).catch((e: unknown) => e)) as APIError;
    expect(error).toBeInstanceOf(RunwayML.BadRequestError);
    expect(error.error).toEqual({ error: "Invalid parameter 'references[0]': expected {uri}" });
    expect(emu.stats().created).toBe(0);
  });
});

describe('sound: asked per request, priced per model; the estimate is never below the charge', () => {
  it.each([
    ['veo3.1_fast with sound', { model: 'veo3.1_fast', durationSec: 4, generateAudio: true }, 0.6, true],
    ['veo3.1_fast silent', { model: 'veo3.1_fast', durationSec: 4, generateAudio: false }, 0.4, false],
    ['seedance2_mini with sound (same price)', { model: 'seedance2_mini', durationSec: 5, generateAudio: true }, 0.8, true],
    ['seedance2_mini silent', { model: 'seedance2_mini', durationSec: 5, generateAudio: false }, 0.8, false],
    ['seedance2 at 1080p', { model: 'seedance2', durationSec: 5, width: 1920, height: 1080 }, 2.0, false],
  ] as const)('%s', async (_what, overrides, usd, sound) => {
    const { result, estimate, request } = await run({}, overrides);
    expect(result.costUsd).toBeCloseTo(usd, 9);
    expect(estimate).toBeGreaterThanOrEqual(result.costUsd);
    expect(emu.stats().withAudio).toBe(sound ? 1 : 0);
    expect((await probeVideo(request.outputPath)).hasAudio).toBe(sound);
  });
});

describe('refused before any request', () => {
  it.each([
    ['references with a first frame', () => ({ ...seedance, references: cast() }), 'references', /only with text input, not with first-frame/],
    [
      '10 references',
      () => ({ ...seedance, firstFrame: undefined, references: Array.from({ length: 10 }, () => cast()[0]!) }),
      'references',
      /takes 9 reference picture\(s\), not 10/,
    ],
    ['references on gen4_turbo', () => ({ references: cast() }), 'references', /takes 0 reference/],
    ['reference audio on gen4_turbo', () => ({ referenceAudio: voice }), 'referenceAudio', /takes no reference audio/],
    ['sound on gen4_turbo', () => ({ generateAudio: true }), 'generateAudio', /makes no sound/],
    [
      'a reference audio that is not audio',
      () => ({ ...seedance, firstFrame: undefined, referenceAudio: first, references: cast() }),
      'referenceAudio',
      /takes reference audio as/,
    ],
    [
      'a missing reference audio file',
      () => ({ ...seedance, firstFrame: undefined, referenceAudio: join(dir, 'none.mp3'), references: cast() }),
      'referenceAudio',
      /missing or empty/,
    ],
    [
      'a missing reference picture',
      () => ({ ...seedance, firstFrame: undefined, references: [{ ...cast()[0]!, path: '/nonexistent/mara.png' }] }),
      'references',
      /mara\.png/,
    ],
    ['text on gen4.5 (no text-to-video here)', () => ({ model: 'gen4.5', firstFrame: undefined, durationSec: 5 }), 'firstFrame', /needs a first frame/],
    ['an empty prompt from text', () => ({ ...seedance, firstFrame: undefined, prompt: ' ' }), 'prompt', /needs a prompt to make a clip from text/],
    ['1080p on seedance2_fast', () => ({ ...seedance, width: 1920, height: 1080 }), 'resolution', /does not make 1920x1080/],
    ['16 s on seedance2', () => ({ ...seedance, model: 'seedance2', durationSec: 16 }), 'durationSec', /makes clips of 5–15/],
  ] as const)('%s', async (_what, overrides, field, message) => {
    const backend = backendFor(emu, {});
    const e = await rejection(backend.validate(baseRequest(dir, first, overrides() as Partial<GenerateRequest>)));
    expect([e.code, e.field, e.message]).toEqual(['INPUT_INVALID', field, expect.stringMatching(message)]);
    expect(emu.requests).toHaveLength(0);
  });
});
