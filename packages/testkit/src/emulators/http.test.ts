import { afterEach, describe, expect, it } from 'vitest';
import { type EmulatorServer, sendBody, sendJson, startHttpEmulator } from './http.js';

let emu: EmulatorServer | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(): Promise<EmulatorServer> {
  emu = await startHttpEmulator({
    name: 'test',
    handler: (_req, res, rec) => {
      if (rec.path === '/blob') return sendBody(res, 200, Buffer.alloc(10_000, 7), 'application/octet-stream');
      sendJson(res, 200, { ok: true, path: rec.path, got: rec.json ?? null });
    },
  });
  return emu;
}

describe('startHttpEmulator', () => {
  it('records requests before handling and matches path patterns', async () => {
    const e = await start();
    const r = await fetch(`${e.url}/v1/tasks/abc?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await r.json()).toEqual({ ok: true, path: '/v1/tasks/abc', got: { a: 1 } });
    expect(e.requests).toHaveLength(1);
    expect(e.requests[0]).toMatchObject({ method: 'POST', path: '/v1/tasks/abc', query: { x: '1' }, json: { a: 1 } });
    expect(e.requestsTo('POST', '/v1/tasks/:id')).toHaveLength(1);
    expect(e.requestsTo('GET', '/v1/tasks/:id')).toHaveLength(0);
    expect(e.requestsTo('*', /^\/v1\//)).toHaveLength(1);
    e.reset();
    expect(e.requests).toHaveLength(0);
  });

  it('applies status, delay, reset, truncate and crash faults in order, counting times', async () => {
    const e = await start();
    e.faults.inject({ kind: 'status', status: 503, headers: { 'retry-after-ms': '1' }, times: 2, match: { path: '/a' } });
    expect((await fetch(`${e.url}/b`)).status).toBe(200);
    const r1 = await fetch(`${e.url}/a`);
    expect(r1.status).toBe(503);
    expect(r1.headers.get('retry-after-ms')).toBe('1');
    expect(await r1.json()).toEqual({ error: 'test: injected HTTP 503' });
    expect((await fetch(`${e.url}/a`)).status).toBe(503);
    expect((await fetch(`${e.url}/a`)).status).toBe(200);

    e.faults.inject({ kind: 'delay', ms: 200 });
    const t0 = Date.now();
    expect((await fetch(`${e.url}/a`)).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);

    e.faults.inject({ kind: 'reset' });
    await expect(fetch(`${e.url}/a`)).rejects.toThrow();

    e.faults.inject({ kind: 'truncate', bytes: 100, match: { method: 'GET', path: '/blob' } });
    const r2 = await fetch(`${e.url}/blob`);
    expect(r2.headers.get('content-length')).toBe('10000');
    await expect(r2.arrayBuffer()).rejects.toThrow();

    e.faults.inject({ kind: 'crash', match: { path: '/blob' } });
    const r3 = await fetch(`${e.url}/blob`);
    await expect(r3.arrayBuffer()).rejects.toThrow();

    const ok = await fetch(`${e.url}/blob`);
    expect((await ok.arrayBuffer()).byteLength).toBe(10_000);
    expect(e.requests.map((r) => r.fault ?? '-')).toEqual(['-', 'status', 'status', '-', 'delay', 'reset', 'truncate', 'crash', '-']);
  });

  it('serves the control API over HTTP', async () => {
    const e = await start();
    const add = await fetch(`${e.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify([{ kind: 'status', status: 429, body: { error: 'slow down' }, match: { pathRegex: '^/x' }, times: -1 }]),
    });
    expect(add.status).toBe(200);
    expect(await add.json()).toMatchObject([{ kind: 'status', remaining: -1, match: { pathRegex: '^\\/x' } }]);
    expect((await fetch(`${e.url}/x1`)).status).toBe(429);
    expect((await fetch(`${e.url}/x2`)).status).toBe(429);
    expect((await fetch(`${e.url}/y`)).status).toBe(200);
    const reqs = (await (await fetch(`${e.url}/__emulator/requests`)).json()) as Array<{ path: string }>;
    expect(reqs.map((r) => r.path)).toEqual(['/x1', '/x2', '/y']);
    expect((await fetch(`${e.url}/__emulator/faults`, { method: 'POST', body: '{"kind":"nope"}' })).status).toBe(400);
    await fetch(`${e.url}/__emulator/faults`, { method: 'DELETE' });
    expect((await fetch(`${e.url}/x3`)).status).toBe(200);
    await fetch(`${e.url}/__emulator/reset`, { method: 'POST' });
    expect(e.requests).toHaveLength(0);
  });
});
