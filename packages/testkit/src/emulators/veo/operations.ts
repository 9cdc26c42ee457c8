/** Veo's long-running operations: `:predictLongRunning` starts one (and its render), `:fetchPredictOperation` polls it. */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from '../http.js';
import { HttpError, isObject } from './errors.js';
import { renderExtension } from './extension.js';
import { FRAME_INTERPOLATION_NOT_ALLOWLISTED, outputSize, type VeoModelSpec } from './models.js';
import { outputVideos } from './outputs.js';
import { renderVeoVideo } from './render.js';
import { parseSubmit, resourceName } from './requests.js';
import { GENERATE_VIDEO_RESPONSE_TYPE, type Operation, type RouteMatch, type VeoOperationScript, type VeoState } from './types.js';

/** The operation's video: an extension of its input video, or a clip from its image(s) or prompt. */
function render(state: VeoState, op: Operation): Promise<Buffer> {
  const { request } = op;
  const size = outputSize(request.aspectRatio, request.resolution, state.outputScale);
  // A different tone for each operation, so a joined film's seams can be heard (and checked).
  const toneHz = 220 + 110 * (state.counters.submits % 6);
  if (request.video) return renderExtension({ video: request.video, ...size, audio: request.generateAudio, toneHz });
  return renderVeoVideo({
    ...size,
    durationSeconds: request.durationSeconds,
    ...(request.image ? { image: request.image } : {}),
    ...(request.lastFrame ? { lastFrame: request.lastFrame } : {}),
    audio: request.generateAudio,
    toneHz,
  });
}

function startRender(state: VeoState, op: Operation): void {
  const promise = state
    .withRenderSlot(() => render(state, op))
    .then(
      (video) => ({ video }),
      (error: unknown) => ({ error: (error as Error)?.message ?? String(error) }),
    );
  op.render = promise;
  state.pendingRenders.add(promise);
  void promise.finally(() => {
    op.rendered = true;
    state.pendingRenders.delete(promise);
  });
}

/** `:predictLongRunning`: validates, creates the operation and starts its render. */
export async function submit(state: VeoState, res: ServerResponse, route: RouteMatch, spec: VeoModelSpec, rec: RecordedRequest): Promise<void> {
  state.counters.submits++;
  if (rec.json === undefined && rec.body.length > 0) throw new HttpError(400, 'Invalid JSON payload received.');
  const { request, lastFrameUnsupported } = await parseSubmit(state, spec, rec.json);
  if (lastFrameUnsupported && state.lastFrameRejection === 'submit') {
    throw new HttpError(400, FRAME_INTERPOLATION_NOT_ALLOWLISTED, 'FAILED_PRECONDITION');
  }
  const script: VeoOperationScript = { ...(state.scripts.shift() ?? {}) };
  if (lastFrameUnsupported) script.error ??= { code: 9, message: FRAME_INTERPOLATION_NOT_ALLOWLISTED };
  const id = randomUUID();
  const name = `${resourceName(route)}/operations/${id}`;
  const op: Operation = { name, id, model: route.model, createdAt: Date.now(), polls: 0, script, request, rendered: false };
  state.operations.set(name, op);
  if (request.video) state.counters.extensions++;
  state.counters.referenceImages += request.referenceImages?.length ?? 0;
  const filteredAll = (script.raiFiltered?.count ?? 0) >= request.sampleCount;
  if (!script.error && !filteredAll) startRender(state, op);
  sendJson(res, 200, { name });
}

/** The final state of a due operation: its scripted error, or the response with the (unfiltered) videos. */
async function complete(state: VeoState, op: Operation): Promise<Record<string, unknown>> {
  const { script, request } = op;
  if (script.error) {
    return {
      name: op.name,
      done: true,
      error: { code: script.error.code, message: script.error.message, ...(script.error.details ? { details: script.error.details } : {}) },
    };
  }
  const filtered = Math.min(request.sampleCount, Math.max(0, script.raiFiltered?.count ?? 0));
  const response: Record<string, unknown> = { '@type': GENERATE_VIDEO_RESPONSE_TYPE, raiMediaFilteredCount: filtered };
  if (filtered > 0) {
    response['raiMediaFilteredReasons'] = script.raiFiltered?.reasons ?? [
      "The video couldn't be generated because it may violate Vertex AI's usage guidelines. Support codes: 15236754",
    ];
  }
  const count = request.sampleCount - filtered;
  if (count > 0) {
    const result = op.render ? await op.render : { error: 'no render' };
    if (!result.video)
      return { name: op.name, done: true, error: { code: 13, message: `Internal error while generating the video: ${result.error ?? 'unknown'}` } };
    response['videos'] = outputVideos(state, op, result.video, count);
  }
  return { name: op.name, done: true, response };
}

/** `:fetchPredictOperation`. */
export async function poll(state: VeoState, res: ServerResponse, rec: RecordedRequest): Promise<void> {
  state.counters.polls++;
  const body = rec.json;
  const operationName = isObject(body) ? body['operationName'] : undefined;
  if (typeof operationName !== 'string' || !operationName) throw new HttpError(400, 'operationName is required.');
  const op = state.operations.get(operationName);
  if (!op) throw new HttpError(404, `Operation ${operationName} not found.`, 'NOT_FOUND');
  op.polls++;
  if (op.final) {
    sendJson(res, 200, op.final);
    return;
  }
  // Time-based: done once the duration has passed and the video exists (big renders take seconds).
  // Poll-count-based: done on exactly that poll, waiting for the render if needed.
  const due =
    op.script.pollsUntilDone !== undefined
      ? op.polls >= op.script.pollsUntilDone
      : Date.now() - op.createdAt >= state.operationDurationMs && (op.render === undefined || op.rendered);
  if (!due) {
    sendJson(res, 200, { name: op.name, done: false });
    return;
  }
  op.final = await complete(state, op);
  sendJson(res, 200, op.final);
}
