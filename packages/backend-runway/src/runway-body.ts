/**
 * The create body of one Runway task, from a request and its prepared inputs. Never sends a field the model does
 * not take (promptText, audio, negativePrompt, contentModeration, references): what is left out is said in a
 * warning. A request with a first frame goes to `POST /v1/image_to_video` (`promptImage`: a bare URI, or
 * `[{uri, position}]` for keyframes and for Seedance, where an entry without position would be a reference); one
 * without goes to `POST /v1/text_to_video`, where Seedance takes `references: [{uri}]` and, beside them,
 * `referenceAudio: [{type: 'audio', uri}]`.
 */
import type RunwayML from '@runwayml/sdk';
import type { BackendWarning, GenerateRequest } from '@ttv/core/backend';
import type { PreparedImage } from './images.js';
import type { PreparedAudio } from './reference-inputs.js';
import type { RunwayConfig } from './runway-config.js';
import type { RunwayModel } from './runway-models.js';

export type ImageToVideoBody = Parameters<RunwayML['imageToVideo']['create']>[0];
export type TextToVideoBody = Parameters<RunwayML['textToVideo']['create']>[0];
export type CreateBody = ImageToVideoBody | TextToVideoBody;
export type CreateRoute = 'image_to_video' | 'text_to_video';

/** What `submit` prepared: the frames, the reference pictures and the reference audio, ready to send. */
export interface PreparedInputs {
  first?: PreparedImage | undefined;
  last?: PreparedImage | undefined;
  references: PreparedImage[];
  referenceAudio?: PreparedAudio | undefined;
}

/** The route a request takes: image-to-video with a first frame, text-to-video without. */
export function routeOf(request: Pick<GenerateRequest, 'firstFrame'>): CreateRoute {
  return request.firstFrame !== undefined ? 'image_to_video' : 'text_to_video';
}

/** Whether the clip asks for sound: the request's `generateAudio` (audio.generate), else the config's `audio`. */
export function audioOf(request: Pick<GenerateRequest, 'generateAudio'>, config: Pick<RunwayConfig, 'audio'>, model: RunwayModel): boolean {
  return model.audio && (request.generateAudio ?? config.audio);
}

function promptImageOf(model: RunwayModel, first: PreparedImage, last: PreparedImage | undefined): ImageToVideoBody['promptImage'] {
  if (!last && !model.positionedFirstFrame) return first.uri;
  return [{ uri: first.uri, position: 'first' as const }, ...(last ? [{ uri: last.uri, position: 'last' as const }] : [])];
}

/** The text-to-video reference fields: the pictures, and the reference audio only beside them (else a warning). */
function referenceFields(model: RunwayModel, inputs: PreparedInputs, warnings: BackendWarning[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (inputs.references.length > 0) fields['references'] = inputs.references.map((r) => ({ uri: r.uri }));
  if (inputs.referenceAudio) {
    if (inputs.references.length > 0) fields['referenceAudio'] = [{ type: 'audio', uri: inputs.referenceAudio.uri }];
    else {
      const message = `runway ${model.id} takes reference audio only beside reference pictures (a clip from text with a cast picture); it was not sent`;
      warnings.push({ type: 'unsupported', field: 'referenceAudio', message });
    }
  }
  return fields;
}

/** The create body and its route. */
export function createBody(
  request: GenerateRequest,
  model: RunwayModel,
  ratio: string,
  inputs: PreparedInputs,
  config: Pick<RunwayConfig, 'seed' | 'audio' | 'contentModeration'>,
  warnings: BackendWarning[],
): { route: CreateRoute; body: CreateBody } {
  const route = routeOf(request);
  const body: Record<string, unknown> = { model: model.id, ratio, duration: request.durationSec };
  if (route === 'image_to_video') {
    body['promptImage'] = promptImageOf(model, inputs.first!, inputs.last);
    if (inputs.referenceAudio) {
      const message = `runway ${model.id} takes reference audio only with a clip made from text (keyframes and references cannot be mixed); it was not sent`;
      warnings.push({ type: 'unsupported', field: 'referenceAudio', message });
    }
  } else Object.assign(body, referenceFields(model, inputs, warnings));
  const prompt = request.prompt.trim();
  if (prompt !== '' && model.promptText) body['promptText'] = prompt;
  const seed = request.seed ?? config.seed;
  if (seed !== undefined) body['seed'] = seed;
  if (request.negativePrompt) {
    if (model.negativePrompt) body['negativePrompt'] = request.negativePrompt;
    else warnings.push({ type: 'unsupported', field: 'negativePrompt', message: `runway ${model.id} takes no negative prompt; it was not sent` });
  }
  if (model.audio) body['audio'] = audioOf(request, config, model);
  if (model.contentModeration && config.contentModeration) body['contentModeration'] = { ...config.contentModeration };
  return { route, body: body as unknown as CreateBody };
}
