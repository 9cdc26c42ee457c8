// The dashboard of ttv serve in headless Chromium (playwright-core, Debian's /usr/bin/chromium), against a real
// redis-server, one worker, kenburns and the Runway emulator. The page is opened before any film exists; a film
// submitted then must appear and its segments must change state in the page while it runs (recorded by a
// MutationObserver in the page): a page that stopped updating fails. The figures (spend per day, refusals,
// latency percentiles, budgets, queues and workers) and the seams' frames are checked in the page too; the live
// stream of another token carries none of these films. TTV_DASHBOARD_PNG=<file> saves a screenshot.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestImage } from '@ttv/core/testing';
import { type RunwayEmulator, startRunwayEmulator } from '@ttv/testkit/emulators';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryRunStore } from './run-store.js';
import { type RunningServer, startServer } from './serve.js';
import { startRedis, type TestRedis, waitForFilm } from './testing.js';
import { newToken, tokenCheck } from './tokens.js';
import { type RunningWorker, startWorker } from './worker.js';

// What the callbacks that run in the page use of it (this package is compiled without the DOM library).
interface PageElement {
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  innerText: string;
  complete: boolean;
  naturalWidth: number;
}
declare const document: PageElement;
declare const window: { __seen: string[] };
declare const Element: new () => PageElement;
declare class MutationObserver {
  constructor(callback: (mutations: Array<{ addedNodes: Iterable<unknown> }>) => void);
  observe(target: unknown, options: { childList: boolean; subtree: boolean }): void;
}

const CHROMIUM = '/usr/bin/chromium';
const alice = newToken('alice');
const bob = newToken('bob');
let redis: TestRedis;
let runway: RunwayEmulator;
let server: RunningServer;
let worker: RunningWorker;
let browser: Browser;
let page: Page;
let dir: string;
const images: Record<string, string> = {};

const KENBURNS = [
  'name: valley',
  'mode: keyframe',
  'backend: kenburns',
  'concurrency: 1',
  'output: { width: 320, height: 180, fps: 24 }',
  'segmentDuration: 1',
  'storyboard:',
  '  image: a.png',
  '  segments:',
  '    - { prompt: Dawn over the valley, keyframe: b.png }',
  '    - { prompt: The mist lifts, keyframe: c.png }',
  '    - { prompt: Noon, keyframe: a.png }',
  '    - { prompt: Dusk, keyframe: b.png }',
  '',
].join('\n');

const RUNWAY = [
  'name: harbour',
  'mode: chaining',
  'backends: [runway, kenburns]',
  'onModeration: next',
  'budget: { maxUsd: 5 }',
  'output: { width: 320, height: 180, fps: 24 }',
  'segmentDuration: 5',
  'storyboard:',
  '  image: a.png',
  '  segments:',
  '    - prompt: A forbidden harbour',
  '    - prompt: Boats at rest',
  '',
].join('\n');

if (!existsSync(CHROMIUM)) console.warn(`SKIPPED: the dashboard browser test needs Debian's chromium at ${CHROMIUM} (apt-get install -y chromium)`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-server-dashboard-'));
  for (const [name, pattern] of [
    ['a.png', 'testsrc2'],
    ['b.png', 'mandelbrot'],
    ['c.png', 'gradient'],
  ] as const) {
    await makeTestImage(join(dir, name), { width: 320, height: 180, pattern });
    images[name] = (await readFile(join(dir, name))).toString('base64');
  }
  redis = await startRedis();
  runway = await startRunwayEmulator({ outputScale: 8, taskDurationMs: 300 });
  const sections = { runway: { baseUrl: runway.url, apiKey: runway.apiKey, polling: { intervalMs: 20, maxIntervalMs: 60 } } };
  const tokens = tokenCheck([alice, bob].map((t) => JSON.parse(t.line)));
  const storeDir = join(dir, 'store');
  const policy = { backends: ['kenburns', 'runway'], images: ['card'] };
  server = await startServer({ redisUrl: redis.url, storeDir, tokens, port: 0, policy, sections });
  worker = await startWorker({ redisUrl: redis.url, store: directoryRunStore(storeDir), queues: ['films'], sections });
  if (!existsSync(CHROMIUM)) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Every state a segment or a film shows in the page, in order (elements are re-rendered: new ones count too).
  await page.addInitScript(() => {
    const seen: string[] = [];
    window.__seen = seen;
    const last = new Map<string, string | null>();
    const record = (e: PageElement) => {
      const film = e.getAttribute('data-film') ?? e.closest('[data-film]')?.getAttribute('data-film');
      const segment = e.hasAttribute('data-segment');
      const key = segment ? `seg:${film}:${e.getAttribute('data-segment')}` : `film:${film}`;
      const value = e.getAttribute(segment ? 'data-state' : 'data-status');
      if (last.get(key) !== value) seen.push(`${key}:${value}`);
      last.set(key, value);
    };
    new MutationObserver((mutations) => {
      for (const m of mutations)
        for (const node of m.addedNodes) if (node instanceof Element) for (const e of node.querySelectorAll('.seg[data-state], [data-status]')) record(e);
    }).observe(document, { childList: true, subtree: true });
  });
});

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await server?.close();
  await runway?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const submit = async (config: string, token = alice.token) => {
  const res = await fetch(`${server.url}/v1/films`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ config, images: Object.entries(images).map(([name, data]) => ({ name, data })) }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { film: { id: string } }).film.id;
};

/** The text the page renders for an element: innerText, where a table row's cells are separated by tabs. */
const rendered = (sel: string) =>
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text (cells apart) is what is checked
  document.querySelector(sel)?.innerText;

/** Waits until the page's element shows text that matches (the page updates live), then checks it. */
async function shows(selector: string, pattern: RegExp): Promise<void> {
  const matches = ({ sel, re }: { sel: string; re: string }) =>
    // biome-ignore lint/performance/useDomNodeTextContent: as in `rendered` (a function given to the page cannot call another)
    new RegExp(re).test(document.querySelector(sel)?.innerText ?? '');
  await page.waitForFunction(matches, { sel: selector, re: pattern.source }, { timeout: 15_000 }).catch(() => {}); // the check below says what is shown
  expect((await page.evaluate(rendered, selector)) ?? '(missing)').toMatch(pattern);
}

/** Reads a token's live stream into `text` until `stop` is aborted. */
function readStream(token: string, stop: AbortSignal): { text: () => string; done: Promise<void> } {
  let text = '';
  const done = (async () => {
    const res = await fetch(`${server.url}/v1/events`, { headers: { authorization: `Bearer ${token}` }, signal: stop });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  })().catch((e: Error) => {
    if (!stop.aborted) throw e;
  });
  return { text: () => text, done };
}

describe('the live stream', () => {
  it('needs a token (401 with a code); the page itself holds no data and no token', async () => {
    const res = await fetch(`${server.url}/v1/events`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ ok: false, error: { code: 'AUTH' } });
    const html = await fetch(`${server.url}/dashboard`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    const redirect = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(redirect.headers.get('location')).toBe('/dashboard');
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/films/{id}/frames/{segment}/{which}', '/dashboard']));
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the dashboard in Chromium', () => {
  let valley: string;

  it('shows a film submitted after it opened, its segments changing state live while it runs', async () => {
    await page.goto(`${server.url}/dashboard#token=${alice.token}`);
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    expect(page.url()).toBe(`${server.url}/dashboard`); // the token left the address bar
    expect(await page.locator('#films tbody tr').count()).toBe(0);
    const stopBob = new AbortController();
    const bobStream = readStream(bob.token, stopBob.signal);

    valley = await submit(KENBURNS);
    expect(await waitForFilm(redis.url, valley, ['done', 'failed'])).toBe('done');
    await page.waitForFunction(
      (id) =>
        document.querySelector(`tr[data-film="${id}"] [data-status]`)?.getAttribute('data-status') === 'done' &&
        [...document.querySelectorAll(`.seg[data-film="${id}"]`)].map((e) => e.getAttribute('data-state')).join() === 'done,done,done,done',
      valley,
      { timeout: 15_000 },
    );
    const seen = await page.evaluate(() => window.__seen);
    const mine = seen.filter((s) => s.includes(valley));
    // The film appeared while not yet done, and went on to done in the page.
    const filmStates = mine.filter((s) => s.startsWith('film:')).map((s) => s.split(':')[2]);
    expect(filmStates[0], mine.join('\n')).not.toBe('done');
    expect(filmStates.at(-1)).toBe('done');
    // Segments were seen working (running or submitted to the backend), and then done.
    const seg = (i: number, state: RegExp) => mine.findIndex((s) => s.startsWith(`seg:${valley}:${i}:`) && state.test(s.split(':')[3]!));
    const live = [0, 1, 2, 3].filter((i) => seg(i, /^(running|submitted)$/) >= 0 && seg(i, /^done$/) > seg(i, /^(running|submitted)$/));
    expect(live.length, mine.join('\n')).toBeGreaterThanOrEqual(2);

    stopBob.abort();
    await bobStream.done;
    expect(bobStream.text()).toContain('event: snapshot');
    expect(bobStream.text()).not.toContain(valley);
  });

  it('shows spend per day and per film against its budget, refusals, latency percentiles, queues, workers and seams', async () => {
    runway.script.nextTask({ failureCode: 'SAFETY.INPUT.TEXT' });
    const harbour = await submit(RUNWAY);
    expect(await waitForFilm(redis.url, harbour, ['done', 'failed'])).toBe('done');
    await shows('#backends tr[data-backend="runway"]', /^runway\t2\t1 \(50\.0 %\)\t0 \(0\.0 %\)\t[\d.]+ s\t[\d.]+ s\t[\d.]+ s$/);
    await shows('#backends tr[data-backend="kenburns"]', /^kenburns\t5\t0 \(0\.0 %\)\t0 \(0\.0 %\)\t[\d.]+ s/);
    await shows('#spend-day tbody', new RegExp(`${new Date().toISOString().slice(0, 10)}\\trunway\\t\\$0\\.[1-9]\\d`));
    await shows(`tr[data-film="${harbour}"] td.num`, /^\$0\.[1-9]\d \/ \$5\.00/);
    await shows('#queues tr[data-queue="films"]', /^films\t0\t0\t0\t0\t2\t1, alive$/);
    // The seams of the made films: each a last and a first frame, loaded through the API with the token.
    for (const [id, count] of [
      [valley, 6],
      [harbour, 2],
    ] as const) {
      const loaded = ({ film, n }: { film: string; n: number }) => {
        const imgs = [...document.querySelectorAll(`.film-seams[data-film="${film}"] img`)];
        return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0);
      };
      await page.waitForFunction(loaded, { film: id, n: count }, { timeout: 30_000 }).catch(() => {});
      if (await page.evaluate(loaded, { film: id, n: count })) continue;
      for (const url of [`${id}/frames/0/last`, `${id}/frames/1/first`]) {
        const res = await fetch(`${server.url}/v1/films/${url}`, { headers: { authorization: `Bearer ${alice.token}` } });
        expect([url, res.status, res.status === 200 ? '' : await res.text()]).toEqual([url, 200, '']);
      }
      expect.fail(`the seams of ${id} did not load in the page`);
    }
    await shows(`.film-seams[data-film="${valley}"] .seam p`, /^0 → 1: luminance jump [\d.]+ %, ΔE2000 [\d.]+, SSIM [\d.]+$/);
    const shot = process.env['TTV_DASHBOARD_PNG'];
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  });
});
