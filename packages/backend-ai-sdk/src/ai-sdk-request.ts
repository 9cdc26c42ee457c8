/**
 * A ttv request as the arguments of the AI SDK's `experimental_startVideo`: the frames fitted to the requested
 * size (so a model that takes the first frame's aspect makes exactly that size) and sent as `frameImages`, the
 * reference pictures fitted whole into that size and sent as `inputReferences` (when there are no frames: the SDK
 * drops them beside frames) and in the model's own fields, plus the provider options for what the provider
 * package does not map (see ai-sdk-models.ts). Sound follows the request's `generateAudio`, else `ai-sdk.audio`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendWarning, GenerateRequest, ReferenceImage } from '@ttv/core/backend';
import { fitImage } from '@ttv/core/media';
import type { JSONValue } from 'ai';
import { type ModelSize, type VideoModelInfo, withSound } from './ai-sdk-models.js';

export interface StartArguments {
  prompt: string;
  frameImages?: Array<{ image: Uint8Array; frameType: 'first_frame' | 'last_frame' }>;
  inputReferences?: Array<{ data: Uint8Array; mediaType: string }>;
  aspectRatio?: `${number}:${number}`;
  duration?: number;
  providerOptions: Record<string, Record<string, JSONValue>>;
}

export interface RequestSettings {
  /** `ai-sdk.audio`: sound when the request does not say. */
  audio: boolean;
  seed: number | undefined;
  workDir: string;
  signal: AbortSignal;
}

async function fitted(file: string, size: ModelSize, name: string, o: RequestSettings, fit: 'cover' | 'contain' = 'cover'): Promise<Uint8Array> {
  const out = join(o.workDir, `${name}.png`);
  await fitImage(file, out, { width: size.width, height: size.height, fit, format: 'png', signal: o.signal });
  return readFile(out);
}

const dataUri = (png: Uint8Array): string => `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

/** The model's size entry for the request (the engine only asks for declared sizes). */
export function sizeOf(model: VideoModelInfo, request: Pick<GenerateRequest, 'width' | 'height'>): ModelSize | undefined {
  return model.sizes.find((s) => s.width === request.width && s.height === request.height);
}

/** The provider options of a request: duration, resolution, audio, seed, negative prompt in the model's own fields. */
function optionsOf(
  model: VideoModelInfo,
  request: GenerateRequest,
  size: ModelSize,
  o: RequestSettings,
  warnings: BackendWarning[],
): Record<string, JSONValue> {
  const options: Record<string, JSONValue> = {};
  const { fields } = model;
  if (model.duration.via === 'option') {
    options[model.duration.field] = model.duration.format === 'string' ? String(request.durationSec) : request.durationSec;
  }
  if (size.resolution) options['resolution'] = size.resolution;
  if (fields.audio) options[fields.audio] = withSound(model, request.generateAudio, o.audio);
  const seed = request.seed ?? o.seed;
  if (seed !== undefined) {
    if (fields.seed) options[fields.seed] = seed;
    else warnings.push({ type: 'unsupported', field: 'seed', message: `${model.id} takes no seed; it was not sent` });
  }
  if (request.negativePrompt) {
    if (fields.negativePrompt) options[fields.negativePrompt] = request.negativePrompt;
    else warnings.push({ type: 'unsupported', field: 'negativePrompt', message: `${model.id} takes no negative prompt; it was not sent` });
  }
  return options;
}

/**
 * The references the model gets, or why they are left out: core already checked count, roles and input; what the
 * table adds is the durations and aspect ratios at which the API takes them (e.g. Veo 3.1: 8 s 16:9 only).
 */
export function referencesFor(model: VideoModelInfo, request: GenerateRequest): { sent: ReferenceImage[]; leftOut?: string } {
  const refs = request.references ?? [];
  const wire = model.references;
  if (refs.length === 0 || !wire) return { sent: [] };
  const ratio = sizeOf(model, request)?.aspectRatio;
  const why =
    wire.durations && !wire.durations.includes(request.durationSec)
      ? `${model.id} takes reference pictures only for ${wire.durations.join(', ')} s clips (this one is ${request.durationSec} s)`
      : wire.aspectRatios && !(ratio && wire.aspectRatios.includes(ratio))
        ? `${model.id} takes reference pictures only at ${wire.aspectRatios.join(', ')} (this clip is ${request.width}x${request.height})`
        : undefined;
  if (!why) return { sent: refs };
  return { sent: [], leftOut: `the reference picture(s) of ${refs.map((r) => r.name).join(', ')} are left out: ${why}` };
}

/** The reference pictures in the model's own fields (the packages map no `inputReferences`), and as the SDK's references. */
async function addReferences(model: VideoModelInfo, refs: ReferenceImage[], size: ModelSize, o: RequestSettings, args: StartArguments): Promise<void> {
  const wire = model.references;
  if (!wire || refs.length === 0) return;
  const pictures = await Promise.all(refs.map((r, i) => fitted(r.path, size, `reference-${i}`, o, 'contain')));
  const options = args.providerOptions[model.provider]!;
  for (const [i, r] of refs.entries()) {
    const target = wire.fields[r.role]!;
    options[target.field] ??= [];
    (options[target.field] as JSONValue[]).push(target.as === 'element' ? { frontal_image_url: dataUri(pictures[i]!) } : dataUri(pictures[i]!));
  }
  if (!args.frameImages) args.inputReferences = pictures.map((data) => ({ data, mediaType: 'image/png' }));
}

/** Everything `experimental_startVideo` gets for this request, besides the model, the headers and the signal. */
export async function startArguments(
  model: VideoModelInfo,
  request: GenerateRequest,
  o: RequestSettings,
  warnings: BackendWarning[],
  references: ReferenceImage[],
): Promise<StartArguments> {
  const size = sizeOf(model, request)!;
  const options = optionsOf(model, request, size, o, warnings);
  const args: StartArguments = { prompt: request.prompt, providerOptions: { [model.provider]: options } };
  if (model.duration.via === 'sdk') args.duration = request.durationSec;
  if (size.aspectRatio) args.aspectRatio = size.aspectRatio;
  if (request.firstFrame) {
    const [first, last] = await Promise.all([
      fitted(request.firstFrame, size, 'first', o),
      request.lastFrame ? fitted(request.lastFrame, size, 'last', o) : undefined,
    ]);
    args.frameImages = [{ image: first, frameType: 'first_frame' }];
    if (last) {
      args.frameImages.push({ image: last, frameType: 'last_frame' });
      // The packages drop a last_frame frame image: the model's own field carries it.
      if (model.fields.lastFrame) options[model.fields.lastFrame] = dataUri(last);
    }
  }
  await addReferences(model, references, size, o, args);
  return args;
}
