import { ApiError } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { type Fixtures, storageClient, useVeoEmulator, vertexClient, waitForOperation } from './clients.fixture.js';
import { type VeoEmulator, veoFaults } from './index.js';

let fx: Fixtures;
let emu: VeoEmulator;

useVeoEmulator((fixtures, emulator) => {
  fx = fixtures;
  emu = emulator;
});

const MODEL = 'veo-3.1-fast-generate-001';

function generate(config: Record<string, unknown> = {}) {
  return vertexClient(emu).models.generateVideos({
    model: MODEL,
    source: { prompt: 'faults', image: { imageBytes: fx.png.toString('base64'), mimeType: 'image/png' } },
    config: { durationSeconds: 4, ...config },
  });
}

describe('HTTP faults (shared fault queue)', () => {
  it('429 RESOURCE_EXHAUSTED on submit, then success', async () => {
    emu.faults.inject(veoFaults.quotaExceeded());
    const err = await generate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    expect((err as ApiError).message).toContain('RESOURCE_EXHAUSTED');
    const op = await generate();
    expect(op.name).toContain('/operations/');
    expect(emu.requestsTo('POST', /:predictLongRunning$/)).toHaveLength(2);
    expect(emu.stats().submits).toBe(1);
  });

  it('5xx on poll: the operation survives and completes on the next poll', async () => {
    const ai = vertexClient(emu);
    const op = await generate();
    emu.faults.inject(veoFaults.serverError('poll', 503));
    const err = await ai.operations.getVideosOperation({ operation: op }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).message).toContain('UNAVAILABLE');
    const done = await waitForOperation(ai, op, 10);
    expect(done.response?.generatedVideos).toHaveLength(1);
  });

  it('slow responses: a delayed submit trips the client timeout', async () => {
    emu.faults.inject(veoFaults.slow('submit', 6000));
    const ai = vertexClient(emu);
    const started = Date.now();
    await expect(
      ai.models.generateVideos({
        model: MODEL,
        source: { prompt: 'slow' },
        config: { durationSeconds: 4, httpOptions: { timeout: 300 } },
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000); // the 300 ms client timeout, not the 6 s reply
  });

  it('connection reset on submit', async () => {
    emu.faults.inject(veoFaults.connectionReset('submit'));
    await expect(generate()).rejects.toThrow();
    expect(emu.requestsTo('POST', /:predictLongRunning$/)[0]?.fault).toBe('reset');
    expect(emu.operations()).toHaveLength(0);
  });

  it('403 PERMISSION_DENIED on submit', async () => {
    emu.faults.inject(veoFaults.permissionDenied());
    await expect(generate()).rejects.toMatchObject({ status: 403, message: expect.stringContaining('PERMISSION_DENIED') });
  });
});

describe('scripted operations', () => {
  it('RAI filtering: done, raiMediaFilteredCount, reasons with a support code, no videos, exactly 1 submit', async () => {
    emu.script.nextOperation({ raiFiltered: { count: 1, reasons: ['Blocked. Support codes: 29310472'] } });
    const ai = vertexClient(emu);
    const op = await waitForOperation(ai, await generate(), 10);
    expect(op.error).toBeUndefined();
    expect(op.response?.raiMediaFilteredCount).toBe(1);
    expect(op.response?.raiMediaFilteredReasons?.[0]).toMatch(/Support codes: \d+/);
    expect(op.response?.generatedVideos ?? []).toHaveLength(0);
    expect(emu.stats().submits).toBe(1);
    expect(emu.requestsTo('POST', /:predictLongRunning$/)).toHaveLength(1);
  });

  it('RAI filtering of some samples returns fewer videos', async () => {
    emu.script.nextOperation({ raiFiltered: { count: 1 } });
    const op = await waitForOperation(vertexClient(emu), await generate({ numberOfVideos: 2 }), 10);
    expect(op.response?.raiMediaFilteredCount).toBe(1);
    expect(op.response?.raiMediaFilteredReasons?.[0]).toMatch(/Support codes: 15236754/);
    expect(op.response?.generatedVideos).toHaveLength(1);
  });

  it('done:true + error', async () => {
    emu.script.nextOperation({ error: { code: 13, message: 'Video generation failed.' } });
    const op = await waitForOperation(vertexClient(emu), await generate(), 10);
    expect(op.done).toBe(true);
    expect(op.error).toMatchObject({ code: 13, message: 'Video generation failed.' });
    expect(op.response).toBeUndefined();
  });

  it('pollsUntilDone: done exactly on the Nth poll', async () => {
    emu.script.nextOperation({ pollsUntilDone: 3 });
    const op = await waitForOperation(vertexClient(emu), await generate(), 1);
    expect(op.response?.generatedVideos).toHaveLength(1);
    expect(emu.stats()).toMatchObject({ submits: 1, polls: 3 });
    expect(emu.operations()[0]).toMatchObject({ polls: 3, done: true });
  });

  it('missing output object: gcsUri reported, storage download 404s', async () => {
    emu.script.nextOperation({ missingOutputObject: true });
    const op = await waitForOperation(vertexClient(emu), await generate({ outputGcsUri: 'gs://out/x/' }), 10);
    const uri = op.response?.generatedVideos?.[0]?.video?.uri;
    expect(uri).toMatch(/^gs:\/\/out\/x\/.+\/sample_0\.mp4$/);
    const file = storageClient(emu).bucket('out').file(uri!.slice('gs://out/'.length));
    expect((await file.exists())[0]).toBe(false);
    await expect(file.download()).rejects.toMatchObject({ code: 404 });
  });

  it('truncated download of the gs:// output is an error, not a short file', async () => {
    const op = await waitForOperation(vertexClient(emu), await generate({ outputGcsUri: 'gs://out/y/' }), 10);
    const uri = op.response!.generatedVideos![0]!.video!.uri!;
    const file = storageClient(emu).bucket('out').file(uri.slice('gs://out/'.length));
    emu.faults.inject(veoFaults.truncatedDownload(100));
    await expect(file.download()).rejects.toThrow();
    const [bytes] = await file.download();
    expect(bytes.length).toBe(emu.buckets.getUri(uri)!.data.length);
    expect(emu.stats().downloads).toBe(2);
  });
});
