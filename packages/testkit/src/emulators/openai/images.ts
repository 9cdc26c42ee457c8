/**
 * The OpenAI image routes: `POST /v1/images/generations` (JSON) and `POST /v1/images/edits` (multipart/form-data,
 * `image` or `image[]` parts), validated per model like the real API (size enum, quality, n, response_format,
 * edits only on the models that take them), answered with real PNGs as `b64_json`, and booked at list price.
 */
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from '../http.js';
import { sniffImage } from '../veo/render.js';
import { OpenAIHttpError, openaiErrorBody } from './errors.js';
import type { ModelLedger } from './ledger.js';
import { DEFAULT_REFUSAL, type ModelFaultQueue } from './model-faults.js';
import { type ImageModelSpec, OPENAI_IMAGE_MODELS, parseSize } from './models.js';
import { renderPng } from './png.js';
import { jsonBody, sendStatusFault } from './text.js';

export interface ImagesState {
  ledger: ModelLedger;
  modelFaults: ModelFaultQueue;
  imageScale: number;
}

interface ImageCall {
  model: string;
  spec: ImageModelSpec;
  prompt: string;
  size: string;
  quality: string;
  n: number;
  inputs: Uint8Array[];
}

function imageModel(value: unknown, edits: boolean): { model: string; spec: ImageModelSpec } {
  const model = typeof value === 'string' && value ? value : 'dall-e-2';
  const spec = OPENAI_IMAGE_MODELS[model];
  if (!spec)
    throw new OpenAIHttpError(400, `Invalid value: '${model}'. Value must be one of ${Object.keys(OPENAI_IMAGE_MODELS).join(', ')}.`, 'model', 'invalid_value');
  if (edits && !spec.edits)
    throw new OpenAIHttpError(400, `Invalid model ${model}. The model must be one of gpt-image-1, gpt-image-1-mini or dall-e-2.`, 'model', 'invalid_value');
  return { model, spec };
}

/** Size, quality, n and response_format checked against the model. */
function checkCall(raw: Record<string, unknown>, edits: boolean, inputs: Uint8Array[]): ImageCall {
  const { model, spec } = imageModel(raw['model'], edits);
  const prompt = raw['prompt'];
  if (typeof prompt !== 'string' || !prompt) throw new OpenAIHttpError(400, "Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  const size = raw['size'] === undefined ? 'auto' : String(raw['size']);
  const sizes = spec.sizes.includes('auto') ? spec.sizes : [...spec.sizes];
  if (size !== 'auto' && !sizes.includes(size)) {
    throw new OpenAIHttpError(400, `Invalid value: '${size}'. Supported values are: ${sizes.map((s) => `'${s}'`).join(', ')}.`, 'size', 'invalid_value');
  }
  const quality = raw['quality'] === undefined ? spec.defaultQuality : String(raw['quality']);
  if (!spec.qualities.includes(quality)) {
    throw new OpenAIHttpError(
      400,
      `Invalid value: '${quality}'. Supported values are: ${spec.qualities.map((q) => `'${q}'`).join(', ')}.`,
      'quality',
      'invalid_value',
    );
  }
  const n = raw['n'] === undefined ? 1 : Number(raw['n']);
  if (!Number.isInteger(n) || n < 1 || n > spec.maxN)
    throw new OpenAIHttpError(400, `Invalid 'n': expected an integer from 1 to ${spec.maxN} for ${model}.`, 'n', 'invalid_value');
  const format = raw['response_format'];
  if (format !== undefined && !spec.responseFormat)
    throw new OpenAIHttpError(400, "Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter');
  if (format !== undefined && format !== 'b64_json') {
    throw new OpenAIHttpError(400, "The emulator answers only response_format 'b64_json' (no hosted URLs).", 'response_format', 'invalid_value');
  }
  if (spec.responseFormat && format === undefined) {
    throw new OpenAIHttpError(
      400,
      "The emulator answers only response_format 'b64_json': send it (dall-e models default to 'url').",
      'response_format',
      'invalid_value',
    );
  }
  return { model, spec, prompt, size: size === 'auto' ? spec.defaultSize : size, quality, n, inputs };
}

/** The edit's pictures: `image` or `image[]` parts, each a PNG, JPEG or WebP file. */
async function editInputs(rec: RecordedRequest): Promise<{ fields: Record<string, unknown>; inputs: Uint8Array[] }> {
  const type = String(rec.headers['content-type'] ?? '');
  if (!/^multipart\/form-data/i.test(type)) {
    throw new OpenAIHttpError(400, "Invalid Content-Type header (expected 'multipart/form-data').", null, 'invalid_content_type');
  }
  const form = await new Response(new Uint8Array(rec.body), { headers: { 'content-type': type } }).formData();
  const fields: Record<string, unknown> = {};
  const inputs: Uint8Array[] = [];
  for (const [key, value] of form) {
    if (key === 'image' || key === 'image[]') {
      if (typeof value === 'string') throw new OpenAIHttpError(400, `Invalid '${key}': expected a file upload.`, key, 'invalid_value');
      const bytes = new Uint8Array(await value.arrayBuffer());
      if (!sniffImage(bytes))
        throw new OpenAIHttpError(400, `Invalid image file or mode for image ${inputs.length + 1}, please check your image file.`, key, 'invalid_image_file');
      inputs.push(bytes);
    } else if (typeof value === 'string') fields[key] = value;
  }
  if (inputs.length === 0) throw new OpenAIHttpError(400, "Missing required parameter: 'image'.", 'image', 'missing_required_parameter');
  if (inputs.length > 16) throw new OpenAIHttpError(400, 'Too many images: at most 16 may be sent.', 'image', 'invalid_value');
  return { fields, inputs };
}

async function answerImages(state: ImagesState, rec: RecordedRequest, res: ServerResponse, call: ImageCall): Promise<void> {
  const fault = state.modelFaults.take(rec.path, call.prompt);
  if (sendStatusFault(res, fault, (s) => openaiErrorBody(s, `Injected error ${s}`))) return;
  if (fault?.kind === 'refusal') {
    sendJson(
      res,
      400,
      openaiErrorBody(400, fault.refusal ?? `Your request was rejected as a result of our safety system. ${DEFAULT_REFUSAL}`, null, 'moderation_blocked'),
    );
    return;
  }
  const { width, height } = parseSize(call.size);
  const scale = state.imageScale;
  const data: Array<{ b64_json: string }> = [];
  for (let i = 0; i < call.n; i++) {
    const png = await renderPng({
      width: Math.max(16, Math.round(width / scale)),
      height: Math.max(16, Math.round(height / scale)),
      prompt: `${call.prompt}#${i}`,
      ...(call.inputs[0] ? { input: call.inputs[0] } : {}),
    });
    data.push({ b64_json: png.toString('base64') });
  }
  const usd = call.spec.price(call.quality, call.size) * call.n;
  state.ledger.answer({ images: call.n, inputTokens: Math.ceil(call.prompt.length / 4) + 323 * call.inputs.length, usd });
  sendJson(res, 200, {
    created: Math.floor(Date.now() / 1000),
    data,
    size: call.size,
    quality: call.quality,
    output_format: 'png',
    usage: { input_tokens: Math.ceil(call.prompt.length / 4), output_tokens: 1056 * call.n, total_tokens: Math.ceil(call.prompt.length / 4) + 1056 * call.n },
  });
}

/** `POST /v1/images/generations`. */
export async function handleGenerations(state: ImagesState, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const body = jsonBody(rec);
  await answerImages(state, rec, res, checkCall(body, false, []));
}

/** `POST /v1/images/edits`. */
export async function handleEdits(state: ImagesState, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  const { fields, inputs } = await editInputs(rec);
  await answerImages(state, rec, res, checkCall(fields, true, inputs));
}
