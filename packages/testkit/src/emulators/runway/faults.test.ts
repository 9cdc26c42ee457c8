import RunwayML, { type APIError } from '@runwayml/sdk';
import { describe, expect, it, vi } from 'vitest';
import { client, pollUntilDone, useRunwayEmulator } from './fixtures.js';
import { DAILY_LIMIT_MESSAGE, type RunwayEmulator } from './index.js';

let emu: RunwayEmulator;
let image: string;
const body = (): never => ({ model: 'gen4_turbo', promptImage: image, ratio: '1280:720', duration: 2 }) as never;

useRunwayEmulator({ source: 'testsrc2=size=160x90', taskDurationMs: 200 }, (emulator, prompt) => {
  emu = emulator;
  image = prompt;
});

async function succeeded(c: RunwayML): Promise<{ id: string; url: string }> {
  const { id } = await c.imageToVideo.create(body());
  const done = (await pollUntilDone(c, id, 50)).at(-1)!;
  if (done.status !== 'SUCCEEDED') throw new Error(`expected SUCCEEDED, got ${done.status}`);
  return { id, url: done.output[0]! };
}

describe('Runway emulator fault switches (through @runwayml/sdk)', () => {
  it('dailyLimit: 429 RateLimitError with Retry-After and the daily-limit message; the SDK retries it', async () => {
    emu.script.dailyLimit({ retryAfterSeconds: 7 });
    const err = (await client(emu)
      .imageToVideo.create(body())
      .catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(RunwayML.RateLimitError);
    expect(err.status).toBe(429);
    expect(err.error).toEqual({ error: DAILY_LIMIT_MESSAGE });
    expect(err.message).toBe(`429 {"error":"${DAILY_LIMIT_MESSAGE}"}`);
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(emu.stats()).toMatchObject({ created: 0, createAttempts: 1 });

    // With retries on, the SDK honours Retry-After and its second attempt creates the task.
    emu.script.dailyLimit({ retryAfterSeconds: 0 });
    const c = client(emu, { maxRetries: 1 });
    await expect(c.imageToVideo.create(body())).resolves.toHaveProperty('id');
    expect(emu.stats()).toMatchObject({ created: 1, createAttempts: 3 });
    const retried = emu.requestsTo('POST', '/v1/image_to_video').at(-1)!;
    expect(retried.headers['x-stainless-retry-count']).toBe('1');
  });

  it('serverError: 5xx InternalServerError with retry-after-ms, retried by the SDK when allowed', async () => {
    emu.script.serverError({ status: 503, retryAfterMs: 1, match: { path: '/v1/tasks/:id' } });
    const c = client(emu);
    const { id } = await c.imageToVideo.create(body());
    const err = (await c.tasks.retrieve(id).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(RunwayML.InternalServerError);
    expect(err.status).toBe(503);
    expect(err.headers?.get('retry-after-ms')).toBe('1');
    await expect(c.tasks.retrieve(id)).resolves.toHaveProperty('id', id);

    emu.script.serverError({ times: 2 });
    const retrying = client(emu, { maxRetries: 2 });
    await expect(retrying.organization.retrieve()).resolves.toHaveProperty('creditBalance');
    expect(emu.requestsTo('GET', '/v1/organization')).toHaveLength(3);
  });

  it('slow: delayed replies trip the client timeout (APIConnectionTimeoutError), then answer normally', async () => {
    emu.script.slow(700, { match: { method: 'POST', path: '/v1/image_to_video' } });
    const c = client(emu, { timeout: 300 });
    const err = await c.imageToVideo.create(body()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunwayML.APIConnectionTimeoutError);
    expect(err).toBeInstanceOf(RunwayML.APIConnectionError);
    // The server still finishes the work after the client gave up.
    await vi.waitFor(() => expect(emu.tasks.size).toBe(1), { timeout: 2000 });
    const t0 = Date.now();
    emu.script.slow(200);
    await expect(client(emu).organization.retrieve()).resolves.toHaveProperty('creditBalance');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('slow create + SDK retry: the timed-out request still creates a task, so the retry bills a second one', async () => {
    emu.script.slow(800, { match: { method: 'POST', path: '/v1/image_to_video' } });
    const c = client(emu, { timeout: 300, maxRetries: 1 });
    const { id } = await c.imageToVideo.create(body());
    await new Promise((r) => setTimeout(r, 900));
    expect(emu.tasks.size).toBe(2);
    expect(emu.tasks.has(id)).toBe(true);
    expect(emu.stats()).toMatchObject({ created: 2, createAttempts: 2 });
  });

  it('connectionReset: the socket is destroyed without a reply (APIConnectionError)', async () => {
    emu.script.connectionReset({ match: { method: 'POST', path: '/v1/image_to_video' } });
    const err = await client(emu)
      .imageToVideo.create(body())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunwayML.APIConnectionError);
    expect(err).not.toBeInstanceOf(RunwayML.APIConnectionTimeoutError);
    expect(emu.requests.at(-1)?.fault).toBe('reset');
    expect(emu.requests.at(-1)?.status).toBeUndefined();
    // The request reached the emulator but no task was created.
    expect(emu.tasks.size).toBe(0);
  });

  it('THROTTLED: the next task is queued for N polls before it starts', async () => {
    emu.script.nextTask({ throttledPolls: 3 });
    const c = client(emu);
    const { id } = await c.imageToVideo.create(body());
    const seen = await pollUntilDone(c, id, 20);
    expect(seen.slice(0, 3).map((t) => t.status)).toEqual(['THROTTLED', 'THROTTLED', 'THROTTLED']);
    expect(seen[0]).toMatchObject({ estimatedCost: { credits: 10 } });
    expect(seen[3]!.status).toMatch(/PENDING|RUNNING/);
    expect(seen.at(-1)!.status).toBe('SUCCEEDED');
    expect(emu.stats().polls).toBe(seen.length);
  });

  it.each([
    'SAFETY.INPUT.TEXT',
    'SAFETY.OUTPUT.VIDEO',
    'INPUT_PREPROCESSING.SAFETY.TEXT',
    'INPUT_PREPROCESSING.INTERNAL',
    'INTERNAL.BAD_OUTPUT.CODE01',
    'ASSET.INVALID',
    'INTERNAL',
  ])('FAILED with failureCode %s', async (failureCode) => {
    emu.script.nextTask({ failureCode });
    const c = client(emu);
    const { id } = await c.imageToVideo.create(body());
    const done = (await pollUntilDone(c, id, 50)).at(-1)!;
    expect(done).toMatchObject({ status: 'FAILED', failureCode, failure: expect.any(String), cost: { credits: 0 } });
    expect(emu.creditBalance()).toBe(100_000);
  });

  it('expired output URL: the first download is 403 (S3-style XML); re-reading the task gives a fresh URL', async () => {
    emu.script.nextTask({ expiredOutputUrl: true });
    const c = client(emu);
    const { id, url } = await succeeded(c);
    const first = await fetch(url);
    expect(first.status).toBe(403);
    expect(first.headers.get('content-type')).toBe('application/xml');
    expect(await first.text()).toMatch(/<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    const again = await c.tasks.retrieve(id);
    if (again.status !== 'SUCCEEDED') throw new Error(again.status);
    expect(again.output[0]).not.toBe(url);
    const ok = await fetch(again.output[0]!);
    expect(ok.status).toBe(200);
    expect((await ok.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    // expireOutputs(): every URL handed out so far expires; tampered signatures are refused too.
    emu.script.expireOutputs();
    expect((await fetch(again.output[0]!)).status).toBe(403);
    const fresh = await c.tasks.retrieve(id);
    if (fresh.status !== 'SUCCEEDED') throw new Error(fresh.status);
    expect((await fetch(fresh.output[0]!.replace(/sig=[0-9a-f]/, 'sig=z'))).status).toBe(403);
    expect((await fetch(fresh.output[0]!)).status).toBe(200);
    expect(emu.stats().downloads).toBe(5);
  });

  it('truncateDownload: Content-Length of the full file but the body is cut short', async () => {
    const { url } = await succeeded(client(emu));
    const full = (await (await fetch(url)).arrayBuffer()).byteLength;
    emu.script.truncateDownload({ bytes: 500 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBe(full);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect((await (await fetch(url)).arrayBuffer()).byteLength).toBe(full);
    expect(emu.stats().downloads).toBe(3);
  });

  it('crashDownload: the connection is destroyed mid-body', async () => {
    const { url } = await succeeded(client(emu));
    emu.script.crashDownload();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let got = 0;
    const err = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        got += value.byteLength;
      }
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(got).toBeLessThan(Number(res.headers.get('content-length')));
    expect(emu.requests.at(-1)?.fault).toBe('crash');
    expect(emu.requests.at(-1)?.status).toBeUndefined();
  });

  it('faults can be scripted over HTTP (POST /__emulator/faults) for command-line use', async () => {
    const r = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'status', status: 502, match: { path: '/v1/organization' }, headers: { 'retry-after-ms': '1' } }),
    });
    expect(r.status).toBe(200);
    const err = await client(emu)
      .organization.retrieve()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunwayML.InternalServerError);
    expect((err as APIError).error).toEqual({ error: expect.any(String) });
  });
});
