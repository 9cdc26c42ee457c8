import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { TtvError } from '@ttv/core';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ServerMetrics } from '../metrics.js';
import { checkFilmId } from '../run-store.js';
import type { FilmService } from '../service.js';
import { submissionFromJson, UPLOAD_LIMITS } from '../submission.js';
import type { Principal, TokenCheck } from '../tokens.js';
import { errorReply } from './errors.js';
import { type LiveDeps, liveRoutes } from './live.js';
import { submissionFromForm } from './multipart.js';
import { OPENAPI } from './openapi.js';

export interface AppDeps {
  service: FilmService;
  tokens: TokenCheck;
  metrics: ServerMetrics;
  /** Whether the server can take work (Redis answers, the run store is writable). */
  ready: () => Promise<boolean>;
  /** The dashboard and the live event stream. */
  live: LiveDeps;
}

type Env = { Variables: { principal: Principal } };

const fail = (c: Context, error: unknown) => {
  const { status, body } = errorReply(error);
  return c.body(body, status as 400, { 'content-type': 'application/json' });
};

/** The HTTP API of `ttv serve` (see `OPENAPI`). */
export function createApp(deps: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((error, c) => fail(c, error));
  app.notFound((c) =>
    fail(c, new TtvError('INPUT_INVALID', `no endpoint ${c.req.method} ${c.req.path.slice(0, 100)}`, { details: { status: 404 }, fix: 'see /openapi.json' })),
  );
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', async (c) =>
    (await deps.ready().catch(() => false))
      ? c.json({ ok: true })
      : fail(c, new TtvError('UNAVAILABLE', 'not ready: Redis or the run store cannot be reached')),
  );
  app.get('/openapi.json', (c) => c.json(OPENAPI));
  app.get('/metrics', async (c) => c.body(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }));
  app.use('/v1/*', async (c, next) => {
    const principal = deps.tokens.verify(c.req.header('authorization'));
    if (!principal) {
      c.header('www-authenticate', 'Bearer');
      return fail(c, new TtvError('AUTH', 'a valid bearer token is required', { fix: 'send Authorization: Bearer <token>' }));
    }
    c.set('principal', principal);
    await next();
  });
  filmRoutes(app, deps.service);
  liveRoutes(app, deps.live);
  return app;
}

const tooLarge = (c: Context) =>
  fail(c, new TtvError('INPUT_INVALID', `the request body is larger than ${UPLOAD_LIMITS.maxBodyBytes} bytes`, { details: { status: 413 } }));

function filmRoutes(app: Hono<Env>, service: FilmService): void {
  const owner = (c: Context<Env>) => c.get('principal').id;
  const id = (c: Context<Env>) => checkFilmId(c.req.param('id') ?? '');
  app.post('/v1/films', bodyLimit({ maxSize: UPLOAD_LIMITS.maxBodyBytes, onError: tooLarge }), async (c) => {
    const { film, created } = await service.submit(owner(c), await readSubmission(c));
    return c.json({ ok: true, created, film }, created ? 202 : 200);
  });
  app.get('/v1/films', async (c) => c.json({ ok: true, films: await service.list(owner(c)) }));
  app.get('/v1/films/:id', async (c) => c.json({ ok: true, film: await service.status(owner(c), id(c)) }));
  app.post('/v1/films/:id/cancel', async (c) => c.json({ ok: true, film: await service.cancel(owner(c), id(c)) }, 202));
  app.get('/v1/films/:id/report', async (c) => c.json({ ok: true, ...(await service.report(owner(c), id(c))) }));
  app.get('/v1/films/:id/video', async (c) => {
    const file = await service.video(owner(c), id(c));
    const { size } = await stat(file);
    const body = Readable.toWeb(createReadStream(file)) as ReadableStream;
    return c.body(body, 200, { 'content-type': 'video/mp4', 'content-length': String(size), 'content-disposition': 'attachment; filename="final.mp4"' });
  });
}

/** The submission from a JSON or multipart body; anything else is 415. */
async function readSubmission(c: Context<Env>) {
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('application/json')) {
    const body = await c.req.json().catch((cause: unknown) => {
      throw new TtvError('INPUT_INVALID', 'the request body is not valid JSON', { field: 'body', cause });
    });
    return submissionFromJson(body);
  }
  if (type.startsWith('multipart/form-data')) {
    const form = await c.req.parseBody({ all: true }).catch((cause: unknown) => {
      throw new TtvError('INPUT_INVALID', 'the multipart body cannot be read', { field: 'body', cause });
    });
    return submissionFromForm(form as Record<string, string | File | Array<string | File>>);
  }
  throw new TtvError('INPUT_INVALID', `unsupported content type ${JSON.stringify(type.slice(0, 60))}`, {
    field: 'content-type',
    fix: 'send application/json or multipart/form-data',
    details: { status: 415 },
  });
}
