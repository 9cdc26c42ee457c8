// The HTTP API against a real redis-server, one in-process worker and the embedded kenburns backend: a film
// submitted over JSON (and multipart) is made and downloadable; the same submission twice is one film; bad
// requests get a 4xx with a stable code; tokens see only their own films.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES } from '@ttv/core';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, submissionBody } from './client.js';
import { directoryRunStore } from './run-store.js';
import { type RunningServer, startServer } from './serve.js';
import { startRedis, type TestRedis, waitForFilm } from './testing.js';
import { newToken, tokenCheck } from './tokens.js';
import { type RunningWorker, startWorker } from './worker.js';

let redis: TestRedis;
let server: RunningServer;
let worker: RunningWorker;
let dir: string;
let png: Buffer;
const alice = newToken('alice');
const bob = newToken('bob');

const CONFIG = (name: string) =>
  [
    `name: ${name}`,
    'mode: chaining',
    'backend: kenburns',
    'output: { width: 160, height: 90, fps: 12 }',
    'segmentDuration: 1',
    'storyboard:',
    '  image: start.png',
    '  segments:',
    '    - prompt: Dawn over the valley.',
    '    - prompt: The mist lifts.',
    '',
  ].join('\n');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-server-api-'));
  await makeTestImage(join(dir, 'start.png'), { width: 160, height: 90 });
  png = await readFile(join(dir, 'start.png'));
  redis = await startRedis();
  const tokens = tokenCheck([alice, bob].map((t) => JSON.parse(t.line)));
  server = await startServer({ redisUrl: redis.url, storeDir: join(dir, 'store'), tokens, port: 0 });
  worker = await startWorker({ redisUrl: redis.url, store: directoryRunStore(join(dir, 'store')), queues: ['films'] });
});

afterAll(async () => {
  await worker?.close();
  await server?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const request = (path: string, init: RequestInit & { token?: string | null } = {}) => {
  const { token = alice.token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(`${server.url}${path}`, { ...rest, headers, signal: AbortSignal.timeout(30_000) });
};
const postJson = (body: unknown, token?: string | null) =>
  request('/v1/films', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    ...(token === undefined ? {} : { token }),
  });
const image = (name = 'start.png', data = png) => ({ name, data: data.toString('base64') });

describe('a film through the API', () => {
  let id: string;

  it('is made and downloadable; the same submission twice is one film', async () => {
    const first = await postJson({ config: CONFIG('valley'), images: [image()] });
    expect(first.status).toBe(202);
    const body = (await first.json()) as { created: boolean; film: { id: string; status: string } };
    expect(body).toMatchObject({ created: true, film: { status: 'queued' } });
    id = body.film.id;
    const again = await postJson({ config: CONFIG('valley'), images: [image()] });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ created: false, film: { id } });

    expect(await waitForFilm(redis.url, id, ['done', 'failed'])).toBe('done');
    const status = (await (await request(`/v1/films/${id}`)).json()) as { film: { segments: Array<{ state: string; backend: string }> } };
    expect(status.film.segments.map((s) => [s.state, s.backend])).toEqual([
      ['done', 'kenburns'],
      ['done', 'kenburns'],
    ]);
    const video = await request(`/v1/films/${id}/video`);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const file = join(dir, 'download.mp4');
    await writeFile(file, Buffer.from(await video.arrayBuffer()));
    expect(await probeVideo(file)).toMatchObject({ width: 160, height: 90 });
    const report = (await (await request(`/v1/films/${id}/report`)).json()) as { report: { status: string; segments: unknown[]; final: { file: string } } };
    expect(report.report).toMatchObject({ status: 'done', final: { file: 'final.mp4' } });
    expect(JSON.stringify(report)).not.toContain(dir); // no server paths
    // one job for the film, whatever the number of submissions
    const list = (await (await request('/v1/films')).json()) as { films: Array<{ id: string }> };
    expect(list.films.map((f) => f.id)).toEqual([id]);
  });

  it('a multipart submission of the same film is the same film; the client reads images beside the config', async () => {
    const form = new FormData();
    form.set('config', CONFIG('valley'));
    form.append('images', new Blob([png], { type: 'image/png' }), 'start.png');
    const res = await request('/v1/films', { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ created: false, film: { id, status: 'done' } });
    await writeFile(join(dir, 'valley.yaml'), CONFIG('valley'));
    const client = apiClient({ url: server.url, token: alice.token });
    expect(await client.submit(join(dir, 'valley.yaml'))).toMatchObject({ created: false, film: { id } });
    expect((await client.status(id)).segments).toHaveLength(2);
  });

  it('no token is 401; another token sees no film of alice (404), and its list is empty', async () => {
    for (const token of [null, 'ttv_wrong_token_0000000000']) {
      const res = await request('/v1/films', { token });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'AUTH' } });
    }
    for (const [path, method] of [
      [`/v1/films/${id}`, 'GET'],
      [`/v1/films/${id}/video`, 'GET'],
      [`/v1/films/${id}/report`, 'GET'],
      [`/v1/films/${id}/cancel`, 'POST'],
    ] as const) {
      const res = await request(path, { method, token: bob.token });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } });
    }
    expect(await (await request('/v1/films', { token: bob.token })).json()).toMatchObject({ films: [] });
  });
});

describe('bad requests', () => {
  const yaml = (extra: string) => `${CONFIG('bad')}${extra}`;
  const text = Buffer.from('not a picture');
  const cases: Array<[string, () => Promise<Response>, number]> = [
    ['no content type', () => request('/v1/films', { method: 'POST', body: 'x' }), 415],
    ['text body', () => request('/v1/films', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }), 415],
    ['broken JSON', () => request('/v1/films', { method: 'POST', body: '{"config":', headers: { 'content-type': 'application/json' } }), 400],
    ['no config', () => postJson({ images: [] }), 400],
    ['unknown field', () => postJson({ config: CONFIG('x'), images: [image()], extra: 1 }), 400],
    ['config not YAML', () => postJson({ config: 'a: [', images: [image()] }), 400],
    ['config a list', () => postJson({ config: '- 1\n- 2', images: [image()] }), 400],
    ['backend not served', () => postJson({ config: CONFIG('x').replace('kenburns', 'command'), images: [image()] }), 400],
    ['backend by module path', () => postJson({ config: CONFIG('x').replace('kenburns', './evil.js'), images: [image()] }), 400],
    ['output.dir', () => postJson({ config: CONFIG('x').replace('fps: 12 }', 'fps: 12, dir: /tmp/x }'), images: [image()] }), 400],
    ['ffmpeg path', () => postJson({ config: yaml('ffmpeg: { ffmpegPath: /bin/sh }\n'), images: [image()] }), 400],
    ['${VAR} in a prompt', () => postJson({ config: CONFIG('x').replace('Dawn', '${HOME}'), images: [image()] }), 400],
    ['a backend section', () => postJson({ config: yaml('runway: { baseUrl: http://example.com }\n'), images: [image()] }), 400],
    ['image not uploaded', () => postJson({ config: CONFIG('x'), images: [] }), 400],
    ['image path traversal', () => postJson({ config: CONFIG('x').replace('start.png', '../../etc/passwd'), images: [image()] }), 400],
    ['image name with a folder', () => postJson({ config: CONFIG('x'), images: [image('../start.png')] }), 400],
    ['image not base64', () => postJson({ config: CONFIG('x'), images: [{ name: 'start.png', data: '***' }] }), 400],
    ['image content not PNG', () => postJson({ config: CONFIG('x'), images: [image('start.png', text)] }), 400],
    ['empty image', () => postJson({ config: CONFIG('x'), images: [image('start.png', Buffer.alloc(0))] }), 400],
    ['image twice', () => postJson({ config: CONFIG('x'), images: [image(), image()] }), 400],
    ['image too large', () => postJson({ config: CONFIG('x'), images: [image('start.png', Buffer.concat([png, Buffer.alloc(11 * 1024 * 1024)]))] }), 400],
    ['schema: unknown mode', () => postJson({ config: CONFIG('x').replace('chaining', 'sideways'), images: [image()] }), 400],
    ['unknown queue', () => postJson({ config: CONFIG('x'), images: [image()], queue: 'nope' }), 400],
    ['planner by module path', () => postJson({ config: yaml('planner: ./evil.js\n'), images: [image()] }), 400],
    ['multipart: unknown field', () => request('/v1/films', { method: 'POST', body: form({ config: CONFIG('x'), other: 'x' }) }), 400],
    ['multipart: no config', () => request('/v1/films', { method: 'POST', body: form({}) }), 400],
    ['multipart: image as text', () => request('/v1/films', { method: 'POST', body: form({ config: CONFIG('x'), images: 'x' }) }), 400],
    ['film id not an id', () => request('/v1/films/..%2F..%2Fetc'), 400],
    ['film id unknown', () => request(`/v1/films/f${'0'.repeat(20)}`), 404],
    ['no such endpoint', () => request('/v1/nothing'), 404],
  ];

  function form(fields: Record<string, string>): FormData {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    return f;
  }

  it(`${cases.length} bad requests: each a 4xx with a stable code, and no film made`, async () => {
    const seen: string[] = [];
    for (const [what, send, status] of cases) {
      const res = await send();
      const body = (await res.json()) as { ok: boolean; error: { code: string; message: string } };
      expect([what, res.status]).toEqual([what, status]);
      expect(body.ok, what).toBe(false);
      expect(Object.keys(ERROR_CODES), what).toContain(body.error.code);
      seen.push(body.error.code);
    }
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(seen)).toEqual(new Set(['INPUT_INVALID', 'CONFIG_INVALID']));
    expect(await (await request('/v1/films')).json()).toMatchObject({ films: [expect.anything()] });
  });

  it('probes, OpenAPI and metrics answer without a token', async () => {
    expect((await request('/healthz', { token: null })).status).toBe(200);
    expect((await request('/readyz', { token: null })).status).toBe(200);
    const doc = (await (await request('/openapi.json', { token: null })).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/films/{id}/video');
    const metrics = await (await request('/metrics', { token: null })).text();
    expect(metrics).toMatch(/ttv_jobs\{queue="films",state="completed"\} 1/);
    expect(metrics).toMatch(/ttv_segment_latency_seconds_count\{backend="kenburns"\} 2/);
    expect(metrics).not.toContain(alice.token);
  });

  it('the client body names images by their file names', async () => {
    await writeFile(join(dir, 'c.yaml'), CONFIG('c'));
    const body = await submissionBody(join(dir, 'c.yaml'));
    expect(body).toMatchObject({ images: [{ name: 'start.png' }] });
  });
});
