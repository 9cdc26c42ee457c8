import { ApiError } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { type Fixtures, useVeoEmulator, vertexClient, waitForOperation } from './clients.fixture.js';
import { FRAME_INTERPOLATION_NOT_ALLOWLISTED, type VeoEmulator } from './index.js';

let fx: Fixtures;
let emu: VeoEmulator;

useVeoEmulator((fixtures, emulator) => {
  fx = fixtures;
  emu = emulator;
});

interface GoogleErrorBody {
  name?: string;
  error: { code: number; message: string; status: string };
}

const modelPath = (model: string): string => `/v1/projects/test-project/locations/us-central1/publishers/google/models/${model}`;

async function submit(
  model: string,
  instance: Record<string, unknown>,
  parameters: Record<string, unknown> = {},
  headers: Record<string, string> = { authorization: 'Bearer fake' },
  path = `${modelPath(model)}:predictLongRunning`,
): Promise<{ status: number; body: GoogleErrorBody }> {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ instances: [instance], parameters }),
  });
  return { status: res.status, body: (await res.json()) as GoogleErrorBody };
}

function expectGoogleError(r: { status: number; body: GoogleErrorBody }, code: number, status: string, message?: string | RegExp): void {
  expect(r.status).toBe(code);
  expect(r.body.error).toMatchObject({ code, status });
  expect(typeof r.body.error.message).toBe('string');
  if (message) expect(r.body.error.message).toMatch(message);
}

describe('auth and routing', () => {
  it('401 UNAUTHENTICATED without credentials or with a wrong bearer token', async () => {
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, {}, {}), 401, 'UNAUTHENTICATED', /missing/);
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, {}, { authorization: 'Bearer nope' }), 401, 'UNAUTHENTICATED', /invalid/);
    const ai = vertexClient(emu, 'wrong-token');
    const err = await ai.models
      .generateVideos({ model: 'veo-3.1-generate-001', source: { prompt: 'x' }, config: { durationSeconds: 4 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
  });

  it('403 PERMISSION_DENIED for another project', async () => {
    const path = '/v1/projects/other/locations/us-central1/publishers/google/models/veo-3.1-generate-001:predictLongRunning';
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, {}, undefined, path), 403, 'PERMISSION_DENIED');
  });

  it('404 NOT_FOUND for an unknown model, GET on an operation name, and an unknown operation', async () => {
    expectGoogleError(await submit('veo-9-generate-001', { prompt: 'x' }), 404, 'NOT_FOUND', /veo-9-generate-001/);
    const ok = await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4 });
    expect(ok.status).toBe(200);
    const get = await fetch(`${emu.url}/v1/${ok.body.name}`, { headers: { authorization: 'Bearer fake' } });
    expect(get.status).toBe(404);
    const poll = await fetch(`${emu.url}${modelPath('veo-3.1-generate-001')}:fetchPredictOperation`, {
      method: 'POST',
      headers: { authorization: 'Bearer fake', 'content-type': 'application/json' },
      body: JSON.stringify({ operationName: `${ok.body.name}x` }),
    });
    expect(poll.status).toBe(404);
    expect(((await poll.json()) as GoogleErrorBody).error.status).toBe('NOT_FOUND');
  });

  it('v1beta1 with a GA 3.1 model fails like the real service (RESOURCE_PROJECT_INVALID)', async () => {
    const path = `/v1beta1/projects/test-project/locations/us-central1/publishers/google/models/veo-3.1-generate-001:predictLongRunning`;
    expectGoogleError(
      await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4 }, undefined, path),
      400,
      'INVALID_ARGUMENT',
      /RESOURCE_PROJECT_INVALID/,
    );
  });
});

describe('parameter validation per model', () => {
  it('durationSeconds: allowed set per model', async () => {
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 5 }), 400, 'INVALID_ARGUMENT', /duration/);
    expectGoogleError(await submit('veo-3.0-fast-generate-001', { prompt: 'x' }, { durationSeconds: 4 }), 400, 'INVALID_ARGUMENT', /duration/);
    expectGoogleError(await submit('veo-2.0-generate-001', { prompt: 'x' }, { durationSeconds: 4 }), 400, 'INVALID_ARGUMENT');
    expect((await submit('veo-2.0-generate-001', { prompt: 'x' }, { durationSeconds: 7 })).status).toBe(200);
    expect(emu.stats().submits).toBe(4);
  });

  it('aspectRatio, resolution, sampleCount, seed, generateAudio', async () => {
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4, aspectRatio: '1:1' }), 400, 'INVALID_ARGUMENT', /aspect/);
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4, resolution: '4k' }), 400, 'INVALID_ARGUMENT', /resolution/);
    expectGoogleError(
      await submit('veo-2.0-generate-001', { prompt: 'x' }, { durationSeconds: 8, resolution: '1080p' }),
      400,
      'INVALID_ARGUMENT',
      /resolution/,
    );
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4, sampleCount: 5 }), 400, 'INVALID_ARGUMENT', /sampleCount/);
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4, sampleCount: 0 }), 400, 'INVALID_ARGUMENT', /sampleCount/);
    expectGoogleError(await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4, seed: -1 }), 400, 'INVALID_ARGUMENT', /seed/);
    expectGoogleError(
      await submit('veo-2.0-generate-001', { prompt: 'x' }, { durationSeconds: 8, generateAudio: true }),
      400,
      'INVALID_ARGUMENT',
      /generateAudio/,
    );
    expectGoogleError(await submit('veo-3.1-generate-001', {}, { durationSeconds: 4 }), 400, 'INVALID_ARGUMENT', /prompt/);
  });

  it('personGeneration allow_all needs an allowlisted project: 403 PERMISSION_DENIED', async () => {
    expectGoogleError(
      await submit('veo-3.1-generate-001', { prompt: 'x' }, { durationSeconds: 4, personGeneration: 'allow_all' }),
      403,
      'PERMISSION_DENIED',
      /allowlist/,
    );
  });
});

describe('images', () => {
  it('rejects a mislabelled image (JPEG bytes sent as image/png) with 400 INVALID_ARGUMENT', async () => {
    const r = await submit(
      'veo-3.1-generate-001',
      { prompt: 'x', image: { bytesBase64Encoded: fx.jpeg.toString('base64'), mimeType: 'image/png' } },
      { durationSeconds: 4 },
    );
    expectGoogleError(r, 400, 'INVALID_ARGUMENT', /image\/jpeg/);
    const ai = vertexClient(emu);
    await expect(
      ai.models.generateVideos({
        model: 'veo-3.1-generate-001',
        source: { prompt: 'x', image: { imageBytes: fx.png.toString('base64'), mimeType: 'image/jpeg' } },
        config: { durationSeconds: 4 },
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('rejects non-image bytes and a missing mimeType', async () => {
    expectGoogleError(
      await submit(
        'veo-3.1-generate-001',
        { prompt: 'x', image: { bytesBase64Encoded: Buffer.from('hello').toString('base64'), mimeType: 'image/png' } },
        { durationSeconds: 4 },
      ),
      400,
      'INVALID_ARGUMENT',
    );
    expectGoogleError(
      await submit('veo-3.1-generate-001', { prompt: 'x', image: { bytesBase64Encoded: fx.png.toString('base64') } }, { durationSeconds: 4 }),
      400,
      'INVALID_ARGUMENT',
      /mimeType/,
    );
  });

  it('reads gcsUri images from its own buckets; a missing object is 404 NOT_FOUND', async () => {
    expectGoogleError(
      await submit('veo-3.1-generate-001', { prompt: 'x', image: { gcsUri: 'gs://in/missing.png', mimeType: 'image/png' } }, { durationSeconds: 4 }),
      404,
      'NOT_FOUND',
      /gs:\/\/in\/missing\.png/,
    );
    emu.buckets.put('in', 'frames/first.png', fx.png, { contentType: 'image/png' });
    const ai = vertexClient(emu);
    const op = await waitForOperation(
      ai,
      await ai.models.generateVideos({
        model: 'veo-3.1-lite-generate-001',
        source: { prompt: 'x', image: { gcsUri: 'gs://in/frames/first.png', mimeType: 'image/png' } },
        config: { durationSeconds: 4 },
      }),
      20,
    );
    expect(op.response?.generatedVideos?.[0]?.video?.videoBytes).toBeTruthy();
  });
});

describe('lastFrame (frame interpolation)', () => {
  const withLast = (): Record<string, unknown> => ({
    prompt: 'x',
    image: { bytesBase64Encoded: fx.png.toString('base64'), mimeType: 'image/png' },
    lastFrame: { bytesBase64Encoded: fx.last.toString('base64'), mimeType: 'image/png' },
  });

  it('on a 3.0 model: HTTP 400 FAILED_PRECONDITION on submit by default', async () => {
    expectGoogleError(
      await submit('veo-3.0-generate-001', withLast(), { durationSeconds: 4 }),
      400,
      'FAILED_PRECONDITION',
      FRAME_INTERPOLATION_NOT_ALLOWLISTED,
    );
    expect(emu.operations()).toHaveLength(0);
  });

  it('on a 3.0 model with the operation switch: done:true + error code 9 (genai does not throw)', async () => {
    emu.script.lastFrameRejection('operation');
    const ai = vertexClient(emu);
    const op = await waitForOperation(
      ai,
      await ai.models.generateVideos({
        model: 'veo-3.0-generate-001',
        source: { prompt: 'x', image: { imageBytes: fx.png.toString('base64'), mimeType: 'image/png' } },
        config: { durationSeconds: 4, lastFrame: { imageBytes: fx.last.toString('base64'), mimeType: 'image/png' } },
      }),
      20,
    );
    expect(op.done).toBe(true);
    expect(op.error).toMatchObject({ code: 9, message: FRAME_INTERPOLATION_NOT_ALLOWLISTED });
    expect(op.response?.generatedVideos).toBeUndefined();
  });

  it('lastFrame without image is 400', async () => {
    const { image: _image, ...noImage } = withLast();
    expectGoogleError(await submit('veo-3.1-generate-001', noImage, { durationSeconds: 4 }), 400, 'INVALID_ARGUMENT', /lastFrame/);
  });
});
