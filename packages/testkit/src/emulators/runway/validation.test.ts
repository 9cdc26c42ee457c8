import RunwayML, { type APIError } from '@runwayml/sdk';
import { describe, expect, it } from 'vitest';
import { client, useRunwayEmulator } from './fixtures.js';
import { type RunwayEmulator, startRunwayEmulator } from './index.js';

let emu: RunwayEmulator;
let image: string;

useRunwayEmulator({ source: 'testsrc2=size=64x36', taskDurationMs: 100_000 }, (emulator, prompt) => {
  emu = emulator;
  image = prompt;
});

/** Sends a raw create body through the SDK (bypassing its types) and returns the 400 message. */
async function rejected(body: Record<string, unknown>, route: 'imageToVideo' | 'textToVideo' = 'imageToVideo'): Promise<string> {
  const c = client(emu);
  const err = (await (c[route].create as (b: unknown) => Promise<unknown>)(body).then(
    () => undefined,
    (e: unknown) => e,
  )) as APIError | undefined;
  expect(err).toBeInstanceOf(RunwayML.BadRequestError);
  expect(err!.status).toBe(400);
  return (err!.error as { error: string }).error;
}

const gen4 = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'gen4_turbo',
  promptImage: image,
  ratio: '1280:720',
  duration: 2,
  ...extra,
});
const veo = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'veo3.1',
  promptImage: image,
  ratio: '1280:720',
  duration: 4,
  ...extra,
});

describe('Runway emulator validation (through @runwayml/sdk)', () => {
  it('401 AuthenticationError for a wrong or missing key; 400 for a wrong X-Runway-Version', async () => {
    const bad = new RunwayML({ apiKey: 'key_wrong', baseURL: emu.url, maxRetries: 0 });
    const err = await bad.imageToVideo.create(gen4() as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunwayML.AuthenticationError);
    expect((err as APIError).error).toEqual({ error: expect.any(String) });
    await expect(bad.tasks.retrieve('x')).rejects.toBeInstanceOf(RunwayML.AuthenticationError);
    const noAuth = await fetch(`${emu.url}/v1/organization`, { headers: { 'x-runway-version': '2024-11-06' } });
    expect(noAuth.status).toBe(401);

    const oldVersion = new RunwayML({ apiKey: 'key_test', baseURL: emu.url, maxRetries: 0, runwayVersion: '2023-01-01' as never });
    const verr = await oldVersion.organization.retrieve().catch((e: unknown) => e);
    expect(verr).toBeInstanceOf(RunwayML.BadRequestError);
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 1 });
  });

  it('ratio must be in the model enum', async () => {
    expect(await rejected(gen4({ ratio: '1920:1080' }))).toMatch(/^Invalid parameter 'ratio'/);
    expect(await rejected(veo({ ratio: '960:960' }))).toMatch(/^Invalid parameter 'ratio'/);
    expect(await rejected(gen4({ ratio: undefined }))).toMatch(/^Invalid parameter 'ratio'/);
    expect(await rejected({ model: 'gen4.5', promptText: 'x', ratio: '960:960', duration: 5 }, 'textToVideo')).toMatch(/^Invalid parameter 'ratio'/);
  });

  it('duration per model: gen4_turbo 2–10, gen4.5 integer 2–10 (required), veo3.1* 4|6|8', async () => {
    expect(await rejected(gen4({ duration: 1 }))).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected(gen4({ duration: 11 }))).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected(gen4({ duration: '5' }))).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected({ model: 'gen4.5', promptImage: image, promptText: 'x', ratio: '1280:720', duration: 5.5 })).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected({ model: 'gen4.5', promptImage: image, promptText: 'x', ratio: '1280:720' })).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected(veo({ duration: 5 }))).toMatch(/^Invalid parameter 'duration'/);
    expect(await rejected({ ...veo({ duration: 10 }), model: 'veo3.1_fast' })).toMatch(/^Invalid parameter 'duration'/);
    // Accepted: gen4_turbo 2.5 s, gen4.5 10 s, veo default duration (8 s → 160 credits).
    const c = client(emu);
    await expect(c.imageToVideo.create(gen4({ duration: 2.5 }) as never)).resolves.toHaveProperty('id');
    const v = await c.imageToVideo.create(veo({ duration: undefined }) as never);
    expect(emu.tasks.get(v.id)?.request).toMatchObject({ duration: 8, credits: 160 });
  });

  it('promptText: at most 1000 characters, required where the model requires it', async () => {
    expect(await rejected(gen4({ promptText: 'x'.repeat(1001) }))).toMatch(/^Invalid parameter 'promptText'/);
    expect(await rejected({ model: 'gen4.5', promptImage: image, ratio: '1280:720', duration: 5 })).toBe("Invalid parameter 'promptText': required");
    expect(await rejected({ model: 'veo3.1_fast', ratio: '1280:720' }, 'textToVideo')).toMatch(/^Invalid parameter 'promptText'/);
    expect(await rejected(gen4({ promptText: 42 }))).toMatch(/^Invalid parameter 'promptText'/);
    await expect(client(emu).imageToVideo.create(gen4({ promptText: 'é'.repeat(1000) }) as never)).resolves.toHaveProperty('id');
  });

  it('last frame only on models that accept it (not gen4_turbo / gen4.5); a last needs a first', async () => {
    const both = [
      { uri: image, position: 'first' },
      { uri: image, position: 'last' },
    ];
    expect(await rejected(gen4({ promptImage: both }))).toMatch(/^Invalid parameter 'promptImage\[1\]\.position'.*last frame/);
    expect(await rejected({ model: 'gen4.5', promptImage: both, promptText: 'x', ratio: '1280:720', duration: 5 })).toMatch(
      /^Invalid parameter 'promptImage\[1\]\.position'/,
    );
    expect(await rejected(veo({ promptImage: [{ uri: image, position: 'last' }] }))).toMatch(/^Invalid parameter 'promptImage'/);
    expect(await rejected(veo({ promptImage: [{ uri: image, position: 'middle' }] }))).toMatch(/^Invalid parameter 'promptImage\[0\]\.position'/);
    await expect(client(emu).imageToVideo.create(veo({ promptImage: both }) as never)).resolves.toHaveProperty('id');
  });

  it('removed models (gen3a_turbo, veo3) and unknown or wrong-route models are rejected', async () => {
    expect(await rejected({ model: 'gen3a_turbo', promptImage: image, promptText: 'x', ratio: '1280:768', duration: 5 })).toMatch(
      /^Invalid parameter 'model'.*no longer available/,
    );
    expect(await rejected({ ...veo(), model: 'veo3' })).toMatch(/^Invalid parameter 'model'.*no longer available/);
    expect(await rejected({ ...gen4(), model: 'gen5_imaginary' })).toMatch(/^Invalid parameter 'model'/);
    expect(await rejected({ model: 'gen4_turbo', promptText: 'x', ratio: '1280:720' }, 'textToVideo')).toMatch(/^Invalid parameter 'model'/);
  });

  it('promptImage: data URIs need an image media type and at most 5 MB; URLs must be https; runway:// must be uploaded', async () => {
    expect(await rejected(gen4({ promptImage: undefined }))).toBe("Invalid parameter 'promptImage': required");
    expect(await rejected(gen4({ promptImage: 'data:text/plain;base64,aGVsbG8=' }))).toMatch(/^Invalid parameter 'promptImage'.*media type/);
    expect(await rejected(gen4({ promptImage: 'data:image/gif;base64,R0lGODlh' }))).toMatch(/^Invalid parameter 'promptImage'/);
    expect(await rejected(gen4({ promptImage: 'data:;base64,aGVsbG8=' }))).toMatch(/^Invalid parameter 'promptImage'/);
    const big = `data:image/png;base64,${'A'.repeat(5 * 1024 * 1024)}`;
    expect(await rejected(gen4({ promptImage: big }))).toMatch(/^Invalid parameter 'promptImage'.*limit/);
    expect(await rejected(gen4({ promptImage: 'http://example.com/a.png' }))).toMatch(/^Invalid parameter 'promptImage'/);
    expect(await rejected(gen4({ promptImage: [{ uri: 'runway://nope', position: 'first' }] }))).toMatch(/^Invalid parameter 'promptImage\[0\]\.uri'/);
    expect(await rejected(gen4({ promptImage: [] }))).toMatch(/^Invalid parameter 'promptImage'/);
  });

  it('parameters a model does not take are rejected by name (audio on gen4_turbo, promptImage on text_to_video)', async () => {
    expect(await rejected(gen4({ audio: true }))).toMatch(/^Invalid parameter 'audio'/);
    expect(await rejected({ model: 'veo3.1', promptText: 'x', ratio: '1280:720', promptImage: image }, 'textToVideo')).toMatch(
      /^Invalid parameter 'promptImage'/,
    );
    expect(await rejected(veo({ seed: -1 }))).toMatch(/^Invalid parameter 'seed'/);
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 3 });
  });

  it('rejects a task the credit balance cannot cover', async () => {
    const poor = await startRunwayEmulator({ creditBalance: 15, taskDurationMs: 100_000 });
    try {
      const c = client(poor);
      await c.imageToVideo.create(gen4({ duration: 2 }) as never); // 10 credits
      const err = await c.imageToVideo.create(gen4({ duration: 2 }) as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RunwayML.BadRequestError);
      expect((await c.organization.retrieve()).creditBalance).toBe(5);
    } finally {
      await poor.close();
    }
  });
});
