/** The OpenAPI 3.1 document of the HTTP API, served at /openapi.json. */
const error = { $ref: '#/components/responses/Error' };
const film = { $ref: '#/components/schemas/Film' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^f[0-9a-f]{20}$' } };
const ok = (schema: Record<string, unknown>, description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object', properties: { ok: { const: true }, ...schema } } } },
});
const authed = (op: Record<string, unknown>) => ({
  security: [{ bearer: [] }],
  ...op,
  responses: { ...(op['responses'] as object), 400: error, 401: error, 404: error },
});

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'ttv serve', version: '0.1.0', description: "Films made by ttv workers on BullMQ/Redis. Errors carry ttv's stable codes." },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    responses: {
      Error: {
        description: 'An error with a stable code (CONFIG_INVALID, INPUT_INVALID, AUTH, …)',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['ok', 'error'],
              properties: {
                ok: { const: false },
                error: {
                  type: 'object',
                  required: ['code', 'message'],
                  properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' }, fix: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
    schemas: {
      Film: {
        type: 'object',
        required: ['id', 'name', 'status', 'queue', 'createdAt', 'totalCostUsd'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          queue: { type: 'string' },
          status: { enum: ['queued', 'running', 'done', 'failed', 'cancelled'] },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          totalCostUsd: { type: 'number' },
          segments: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: { type: 'integer' },
                state: { type: 'string' },
                backend: { type: 'string' },
                fraction: { type: 'number' },
                costUsd: { type: 'number' },
                attempts: { type: 'integer' },
              },
            },
          },
        },
      },
      Submission: {
        type: 'object',
        required: ['config'],
        properties: {
          config: { description: "The ttv.yaml (text or object); backend settings are the server's", oneOf: [{ type: 'string' }, { type: 'object' }] },
          images: {
            type: 'array',
            maxItems: 64,
            items: {
              type: 'object',
              required: ['name', 'data'],
              properties: { name: { type: 'string' }, data: { type: 'string', contentEncoding: 'base64' } },
            },
          },
          queue: { type: 'string' },
        },
      },
    },
  },
  paths: {
    '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
    '/readyz': { get: { summary: 'Readiness (Redis and the run store)', responses: { 200: { description: 'ready' }, 503: error } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
    '/v1/films': {
      post: authed({
        summary: 'Submit a film (JSON with base64 images, or multipart: config + images files). The same submission again is the same film.',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/Submission' } },
            'multipart/form-data': {
              schema: { type: 'object', properties: { config: { type: 'string' }, images: { type: 'array', items: { type: 'string', format: 'binary' } } } },
            },
          },
        },
        responses: {
          202: ok({ film, created: { const: true } }, 'queued'),
          200: ok({ film, created: { const: false } }, 'already submitted'),
          413: error,
          415: error,
        },
      }),
      get: authed({ summary: "The token's films", responses: { 200: ok({ films: { type: 'array', items: film } }, 'films') } }),
    },
    '/v1/films/{id}': { get: authed({ summary: 'Status, per segment', parameters: [idParam], responses: { 200: ok({ film }, 'status') } }) },
    '/v1/films/{id}/cancel': { post: authed({ summary: 'Cancel', parameters: [idParam], responses: { 202: ok({ film }, 'cancelling') } }) },
    '/v1/films/{id}/report': {
      get: authed({ summary: 'The run report (segments, attempts, ledger, seams)', parameters: [idParam], responses: { 200: ok({}, 'report') } }),
    },
    '/v1/events': {
      get: authed({
        summary:
          "Live events of the token's films (server-sent events): `snapshot` (films with segments, spend per backend per day, refusal and failure rates, latency percentiles per backend, queue depths and workers) at once, after events and every 5 s; `segment`, `film` and `spend` as workers report them",
        responses: {
          200: {
            description: 'text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string', description: 'event: snapshot|segment|film|spend, data: JSON' } } },
          },
        },
      }),
    },
    '/v1/films/{id}/frames/{segment}/{which}': {
      get: authed({
        summary: "The first or last frame of a made segment's clip (the two sides of a seam), PNG",
        parameters: [
          idParam,
          { name: 'segment', in: 'path', required: true, schema: { type: 'integer', minimum: 0 } },
          { name: 'which', in: 'path', required: true, schema: { enum: ['first', 'last'] } },
        ],
        responses: { 200: { description: 'image/png', content: { 'image/png': {} } }, 409: error },
      }),
    },
    '/dashboard': {
      get: {
        summary: 'The live dashboard (HTML; it holds no data: open /dashboard#token=… and it asks /v1/events with the token)',
        responses: { 200: { description: 'text/html' } },
      },
    },
    '/v1/films/{id}/video': {
      get: authed({
        summary: 'The film (final.mp4)',
        parameters: [idParam],
        responses: { 200: { description: 'video/mp4', content: { 'video/mp4': {} } }, 409: error },
      }),
    },
  },
} as const;
