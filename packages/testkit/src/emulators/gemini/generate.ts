/**
 * `POST /v1beta/models/{model}:generateContent` of the Gemini API as `@ai-sdk/google` sends it: `contents` with
 * text and `inlineData` parts, `systemInstruction`, `generationConfig` (JSON output through `responseMimeType` +
 * `responseJsonSchema`/`responseSchema`; pictures through `responseModalities: ['IMAGE']` and
 * `imageConfig.aspectRatio` on the image models). Answers from the emulated model, books the tokens and pictures.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from '../http.js';
import { type JsonSchema, type ModelAnswer, modelAnswer, tokensOf } from '../openai/answer.js';
import type { ModelLedger } from '../openai/ledger.js';
import type { ModelFault, ModelFaultQueue } from '../openai/model-faults.js';
import { renderPng } from '../openai/png.js';
import { sendStatusFault } from '../openai/text.js';
import { googleErrorBody, HttpError } from '../veo/errors.js';
import { sniffImage } from '../veo/render.js';
import { GEMINI_IMAGE_SIZES, GEMINI_MODELS, type GeminiModelSpec, nearestGeminiRatio } from './models.js';

export interface GenerateState {
  ledger: ModelLedger;
  modelFaults: ModelFaultQueue;
  imageScale: number;
}

const KNOWN_KEYS = new Set(['contents', 'systemInstruction', 'generationConfig', 'safetySettings', 'tools', 'toolConfig', 'cachedContent']);
const MODALITIES = new Set(['TEXT', 'IMAGE', 'AUDIO']);

interface Parsed {
  model: string;
  spec: GeminiModelSpec;
  prompt: string;
  images: Uint8Array[];
  config: Record<string, unknown>;
}

/** The request's text and inline pictures, in order. */
function readContents(body: Record<string, unknown>): { prompt: string; images: Uint8Array[] } {
  const contents = body['contents'];
  if (!Array.isArray(contents) || contents.length === 0) throw new HttpError(400, '* GenerateContentRequest.contents: contents is not specified');
  const texts: string[] = [];
  const images: Uint8Array[] = [];
  const system = (body['systemInstruction'] as { parts?: Array<{ text?: string }> } | undefined)?.parts ?? [];
  for (const p of system) if (typeof p.text === 'string') texts.push(p.text);
  contents.forEach((content: { parts?: unknown }, i) => {
    if (!Array.isArray(content?.parts) || content.parts.length === 0)
      throw new HttpError(400, `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`);
    for (const part of content.parts as Array<Record<string, unknown>>) {
      if (typeof part['text'] === 'string') texts.push(part['text']);
      const inline = part['inlineData'] as { mimeType?: string; data?: string } | undefined;
      if (inline) {
        const bytes = Buffer.from(inline.data ?? '', 'base64');
        if (!inline.mimeType || (inline.mimeType.startsWith('image/') && !sniffImage(bytes)))
          throw new HttpError(400, 'Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting');
        images.push(bytes);
      }
    }
  });
  return { prompt: texts.join('\n'), images };
}

function parseRequest(model: string, body: unknown): Parsed {
  const spec = GEMINI_MODELS[model];
  if (!spec) {
    throw new HttpError(
      404,
      `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    );
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'Invalid JSON payload received.');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b))
    if (!KNOWN_KEYS.has(key)) throw new HttpError(400, `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`);
  const config = (b['generationConfig'] ?? {}) as Record<string, unknown>;
  const modalities = (config['responseModalities'] ?? ['TEXT']) as string[];
  for (const m of modalities)
    if (!MODALITIES.has(m))
      throw new HttpError(
        400,
        `Invalid value at 'generation_config.response_modalities' (type.googleapis.com/google.ai.generativelanguage.v1beta.GenerationConfig.Modality), "${m}"`,
      );
  if (modalities.includes('IMAGE') && spec.perImageUsd === undefined) {
    throw new HttpError(400, `The requested combination of response modalities (${modalities.join(', ')}) is not supported by the model models/${model}.`);
  }
  const ratio = (config['imageConfig'] as { aspectRatio?: string } | undefined)?.aspectRatio;
  if (ratio !== undefined && !GEMINI_IMAGE_SIZES[ratio])
    throw new HttpError(400, `Unsupported aspect ratio: ${ratio}. Supported: ${Object.keys(GEMINI_IMAGE_SIZES).join(', ')}.`);
  const mime = config['responseMimeType'];
  if (mime !== undefined && !['text/plain', 'application/json', 'text/x.enum'].includes(String(mime))) {
    throw new HttpError(
      400,
      `* GenerateContentRequest.generation_config.response_mime_type: allowed mimetypes are \`text/plain\`, \`application/json\`, \`text/x.enum\`. ${String(mime)} is not supported.`,
    );
  }
  if ((config['responseJsonSchema'] || config['responseSchema']) && mime !== 'application/json') {
    throw new HttpError(
      400,
      '* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json when response_schema is set.',
    );
  }
  return { model, spec, ...readContents(b), config };
}

/** Size of a PNG from its header (undefined for other formats). */
function pngSize(bytes: Uint8Array): [number, number] | undefined {
  if (sniffImage(bytes) !== 'png' || bytes.length < 24) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.readUInt32BE(16), view.readUInt32BE(20)];
}

async function imageCandidate(state: GenerateState, p: Parsed): Promise<Record<string, unknown>> {
  const asked = (p.config['imageConfig'] as { aspectRatio?: string } | undefined)?.aspectRatio;
  const inputSize = p.images[0] ? pngSize(p.images[0]) : undefined;
  const ratio = asked ?? (inputSize ? nearestGeminiRatio(inputSize[0], inputSize[1]) : '1:1');
  const [w, h] = GEMINI_IMAGE_SIZES[ratio]!;
  const png = await renderPng({
    width: Math.max(16, Math.round(w / state.imageScale)),
    height: Math.max(16, Math.round(h / state.imageScale)),
    prompt: p.prompt,
    ...(p.images[0] ? { input: p.images[0] } : {}),
  });
  return { content: { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: png.toString('base64') } }] }, finishReason: 'STOP', index: 0 };
}

function textCandidate(answer: ModelAnswer): Record<string, unknown> {
  if (answer.finish === 'refusal') return { finishReason: 'SAFETY', index: 0 };
  return { content: { role: 'model', parts: [{ text: answer.text }] }, finishReason: answer.finish === 'length' ? 'MAX_TOKENS' : 'STOP', index: 0 };
}

/** The handler of one generateContent call (the model id from the path). */
export async function handleGenerateContent(state: GenerateState, model: string, rec: RecordedRequest, res: ServerResponse): Promise<void> {
  if (!/application\/json/i.test(String(rec.headers['content-type'] ?? '')))
    throw new HttpError(400, 'Invalid JSON payload received. Content-Type must be application/json.');
  const p = parseRequest(model, rec.json);
  const fault: ModelFault | undefined = state.modelFaults.take(rec.path, p.prompt);
  if (sendStatusFault(res, fault, (s) => googleErrorBody(s, s === 429 ? 'Resource has been exhausted (e.g. check quota).' : `Injected error ${s}`))) return;
  const wantsImage = ((p.config['responseModalities'] ?? []) as string[]).includes('IMAGE');
  const inputTokens = tokensOf(p.prompt) + 258 * p.images.length;
  let candidate: Record<string, unknown>;
  let outputTokens: number;
  let usd: number;
  if (wantsImage) {
    candidate = fault?.kind === 'refusal' ? { finishReason: 'IMAGE_SAFETY', index: 0 } : await imageCandidate(state, p);
    outputTokens = fault?.kind === 'refusal' ? 0 : 1290;
    usd = (inputTokens * p.spec.inputPerMTok) / 1e6 + (outputTokens ? p.spec.perImageUsd! : 0);
  } else {
    const schema = (p.config['responseJsonSchema'] ?? p.config['responseSchema']) as JsonSchema | undefined;
    const answer = modelAnswer(p.prompt, { json: p.config['responseMimeType'] === 'application/json', ...(schema ? { schema } : {}) }, fault);
    candidate = textCandidate(answer);
    outputTokens = answer.finish === 'refusal' ? 0 : tokensOf(answer.text);
    usd = (inputTokens * p.spec.inputPerMTok + outputTokens * p.spec.outputPerMTok) / 1e6;
  }
  const refused = fault?.kind === 'refusal';
  state.ledger.answer({ inputTokens, outputTokens, images: wantsImage && !refused ? 1 : 0, usd, refusal: refused });
  sendJson(res, 200, {
    candidates: [candidate],
    usageMetadata: { promptTokenCount: inputTokens, candidatesTokenCount: outputTokens, totalTokenCount: inputTokens + outputTokens },
    modelVersion: model,
    responseId: randomBytes(8).toString('hex'),
  });
}
