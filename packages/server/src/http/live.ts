import { TtvError } from '@ttv/core';
import type { Context, Hono } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import type { FrameWhich, SegmentFrames } from '../dashboard/frames.js';
import { DASHBOARD_HEADERS, type DashboardAssets } from '../dashboard/page.js';
import type { DashboardData } from '../dashboard/snapshot.js';
import type { EventHub, FilmEvent } from '../events.js';
import { checkFilmId } from '../run-store.js';
import type { Principal } from '../tokens.js';

/** What the dashboard and the live stream need. */
export interface LiveDeps {
  assets: DashboardAssets;
  data: DashboardData;
  frames: SegmentFrames;
  events: EventHub;
  /** A live stream's snapshot follows events by this much (several events, one snapshot); default 250 ms. */
  snapshotDelayMs?: number;
  /** A snapshot (queue depths, worker health) is sent at least this often, which also keeps the stream open; default 5 s. */
  tickMs?: number;
  /** Ends every live stream (the server is closing: an open stream would hold it open). */
  closing?: AbortSignal;
}

type Env = { Variables: { principal: Principal } };

/** The dashboard's files (public: they hold no data) and, behind the token, the live stream and the seams' frames. */
export function liveRoutes(app: Hono<Env>, live: LiveDeps): void {
  const file = (body: string, type: string) => (c: Context) => c.body(body, 200, { 'content-type': type, ...DASHBOARD_HEADERS });
  app.get('/', (c) => c.redirect('/dashboard'));
  app.get('/dashboard', file(live.assets.html, 'text/html; charset=utf-8'));
  app.get('/dashboard/app.js', file(live.assets.js, 'text/javascript; charset=utf-8'));
  app.get('/dashboard/app.css', file(live.assets.css, 'text/css; charset=utf-8'));
  app.get('/v1/events', (c) => {
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, (stream) => follow(stream, c.get('principal').id, live));
  });
  app.get('/v1/films/:id/frames/:segment/:which', async (c) => {
    const id = checkFilmId(c.req.param('id'));
    const segment = Number(c.req.param('segment'));
    const which = c.req.param('which');
    if (!Number.isInteger(segment) || segment < 0 || segment > 9_999 || (which !== 'first' && which !== 'last'))
      throw new TtvError('INPUT_INVALID', 'a frame is /frames/<segment index>/first or /last', { field: 'path' });
    const png = await live.frames(c.get('principal').id, id, segment, which as FrameWhich);
    return c.body(new Uint8Array(png), 200, { 'content-type': 'image/png', 'cache-control': 'private, max-age=3600' });
  });
}

/**
 * One live stream: a `snapshot` (the token's films and figures, the queues) at once, then each event of the token's
 * films as it comes (`segment`, `film`, `spend`), each followed by a fresh snapshot; a snapshot every tick besides.
 * Events of other tokens' films are never sent.
 */
async function follow(stream: SSEStreamingApi, owner: string, live: LiveDeps): Promise<void> {
  let writing: Promise<void> = Promise.resolve();
  const send = (event: string, data: () => Promise<unknown> | unknown) => {
    writing = writing.then(async () => stream.writeSSE({ event, data: JSON.stringify(await data()) })).catch(() => {}); // a snapshot that failed (Redis away) is simply sent at the next event or tick
    return writing;
  };
  let timer: NodeJS.Timeout | undefined;
  const snapshotSoon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      void send('snapshot', () => live.data.snapshot(owner));
    }, live.snapshotDelayMs ?? 250);
  };
  const onEvent = async (event: FilmEvent) => {
    if ((await live.data.ownerOf(event.film).catch(() => undefined)) !== owner) return;
    void send(event.type, () => event);
    snapshotSoon();
  };
  const unsubscribe = live.events.subscribe((event) => void onEvent(event));
  const tick = setInterval(snapshotSoon, live.tickMs ?? 5_000);
  try {
    await send('snapshot', () => live.data.snapshot(owner));
    await new Promise<void>((resolve) => {
      stream.onAbort(resolve);
      if (live.closing?.aborted) resolve();
      live.closing?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    unsubscribe();
    clearInterval(tick);
    clearTimeout(timer);
  }
}
