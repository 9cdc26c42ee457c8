/**
 * A loopback emulator of Google Veo on Vertex AI (`:predictLongRunning` / `:fetchPredictOperation`, project
 * and express-mode routes) plus the Cloud Storage JSON API subset that Veo's `storageUri` output and
 * `@google-cloud/storage` need. Videos are real MP4s rendered with ffmpeg (see render.ts).
 *
 * Point the real clients at it:
 * - genai: `new GoogleGenAI({ vertexai: true, project, location, apiVersion: 'v1', httpOptions: { baseUrl: emu.url },
 *   googleAuthOptions: { authClient } })` (an OAuth2Client holding the access token, default `fake`), or express
 *   mode `new GoogleGenAI({ vertexai: true, apiKey, apiVersion: 'v1', httpOptions: { baseUrl: emu.url } })`.
 * - storage: `new Storage({ apiEndpoint: emu.url, projectId })`.
 *
 * One module per resource: operations.ts (+ requests.ts), outputs.ts, control.ts, and gcs.ts for Cloud Storage;
 * this file routes requests and composes them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RecordedRequest, startHttpEmulator } from '../http.js';
import type { EmulatorConfigSnippet } from '../snippet.js';
import { createVeoScript, renderSlots, resetVeoState, veoOperations } from './control.js';
import { googleErrorBody, HttpError, sendGoogleError } from './errors.js';
import { createGcsHandler, InMemoryBuckets } from './gcs.js';
import { VEO_MODELS } from './models.js';
import { poll, submit } from './operations.js';
import { checkAuth, matchVeoRoute, resourceName } from './requests.js';
import type { VeoEmulator, VeoEmulatorOptions, VeoState } from './types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The Vertex AI routes: authentication, project/location, model and API version checked, then submit or poll. */
async function handleVertex(state: VeoState, req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
  const route = matchVeoRoute(rec.path);
  if (!route) throw new HttpError(404, `The requested URL ${rec.path} was not found on this server.`, 'NOT_FOUND');
  if (rec.method !== 'POST') throw new HttpError(405, `Method ${rec.method} not allowed.`, 'INVALID_ARGUMENT');
  checkAuth(state, req, rec);
  if (route.project !== undefined && (route.project !== state.project || route.location !== state.location)) {
    throw new HttpError(
      403,
      `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resourceName(route)}' (or it may not exist).`,
      'PERMISSION_DENIED',
    );
  }
  const spec = VEO_MODELS[route.model];
  if (!spec) throw new HttpError(404, `Publisher Model \`${resourceName(route)}\` was not found or your project does not have access to it.`, 'NOT_FOUND');
  if (route.version === 'v1beta1' && spec.id.startsWith('veo-3.1-')) {
    throw new HttpError(400, `Request contains an invalid argument: RESOURCE_PROJECT_INVALID (${spec.id} is served on v1; set apiVersion: 'v1').`);
  }
  if (route.verb === 'predictLongRunning') return submit(state, res, route, spec, rec);
  if (route.verb === 'fetchPredictOperation') return poll(state, res, rec);
  throw new HttpError(404, `Method ${route.verb} not found for ${spec.id}.`, 'NOT_FOUND');
}

/** The ttv.yaml lines that point the veo3 backend at this emulator (Vertex and Cloud Storage on the same URL). */
export function veoConfigSnippet(emulator: Pick<VeoEmulator, 'url' | 'project' | 'location'>, accessToken = 'fake'): EmulatorConfigSnippet {
  return {
    yaml: [
      'backend: veo3',
      'veo3:',
      '  auth: access-token',
      `  accessToken: ${accessToken}       # the emulator's token (not a secret)`,
      `  project: ${emulator.project}`,
      `  location: ${emulator.location}`,
      `  baseUrl: ${emulator.url}`,
      `  storageEndpoint: ${emulator.url}`,
    ].join('\n'),
    env: {},
    notes: [],
  };
}

function createVeoState(options: VeoEmulatorOptions): VeoState {
  const outputScale = options.outputScale ?? 1;
  if (!(outputScale >= 1)) throw new RangeError(`outputScale must be >= 1 (got ${outputScale})`);
  return {
    options,
    project: options.project ?? 'test-project',
    location: options.location ?? 'us-central1',
    accessToken: options.accessToken ?? 'fake',
    operationDurationMs: options.operationDurationMs ?? 1500,
    outputScale,
    lastFrameRejection: options.lastFrameRejection ?? 'submit',
    buckets: new InMemoryBuckets(),
    counters: { submits: 0, polls: 0, uploads: 0, downloads: 0, deletes: 0, extensions: 0, referenceImages: 0 },
    operations: new Map(),
    scripts: [],
    pendingRenders: new Set(),
    withRenderSlot: renderSlots(Math.max(1, options.renderConcurrency ?? 2)),
  };
}

export async function startVeoEmulator(options: VeoEmulatorOptions = {}): Promise<VeoEmulator> {
  const state = createVeoState(options);
  const handleGcs = createGcsHandler(state.buckets, state.counters);
  const handler = async (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> => {
    try {
      if (handleGcs(req, res, rec)) return;
      await handleVertex(state, req, res, rec);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      sendGoogleError(res, error.code, error.message, error.status);
    }
  };
  const server = await startHttpEmulator({
    name: 'veo',
    handler,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    faultBody: (status) => googleErrorBody(status, status === 429 ? 'Resource has been exhausted (e.g. check quota).' : `Injected HTTP ${status}.`),
    onReset: () => resetVeoState(state),
  });

  const baseClose = server.close;
  const emulator = server as VeoEmulator;
  emulator.close = async () => {
    await baseClose();
    // Let running ffmpeg processes finish so that no temp files are left behind.
    await Promise.race([Promise.allSettled([...state.pendingRenders]), sleep(30_000)]);
  };
  emulator.project = state.project;
  emulator.location = state.location;
  emulator.buckets = state.buckets;
  emulator.stats = () => ({ ...state.counters });
  emulator.operations = () => veoOperations(state);
  emulator.script = createVeoScript(state);
  emulator.configSnippet = () => veoConfigSnippet(emulator, state.accessToken);
  return emulator;
}
