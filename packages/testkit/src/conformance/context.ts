import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendCreateContext, type BackendInfo, describeBackend, type GenerateRequest, type ModelCapabilities, type VideoBackend } from '@ttv/core';
import { nearestDuration, produceAtomic } from '@ttv/core/backend';
import { runFfmpeg } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import type { ConformanceContext, ConformanceOptions, Counter } from './types.js';

/** A failed conformance check: the message says what is wrong and what to fix. */
export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceError';
  }
}

export function fail(message: string): never {
  throw new ConformanceError(message);
}

export async function readCounter(counter: Counter | undefined): Promise<number | undefined> {
  return counter ? await counter.count() : undefined;
}

async function disposeQuietly(backend: VideoBackend | undefined): Promise<void> {
  try {
    await backend?.dispose?.();
  } catch {
    // dispose failures are not what a check is about
  }
}

/** The smallest declared resolution (cheapest to render). */
export function smallestResolution(model: ModelCapabilities): { width: number; height: number } {
  const sorted = [...model.resolutions].sort((a, b) => a.width * a.height - b.width * b.height);
  const r = sorted[0];
  if (!r) fail(`model ${model.id} declares no resolutions: list the output sizes it produces in capabilities.resolutions`);
  return { width: r.width, height: r.height };
}

/**
 * A smooth picture unlike the first one (mirrored gradient, other hues): smooth, so that a clip ending on it can
 * be compared by PSNR without chroma subsampling of sharp edges dominating the error.
 */
async function makeLastImage(out: string, { width, height }: { width: number; height: number }): Promise<void> {
  const geq = "r='255*(1-X/W)':g='127.5+127.5*cos(6.2832*Y/H)':b='255*Y/H'";
  await produceAtomic(out, async (tmp) => {
    await runFfmpeg(
      [
        '-f',
        'lavfi',
        '-i',
        `color=c=black:s=${width}x${height}`,
        '-vf',
        `format=gbrp,geq=${geq}`,
        '-frames:v',
        '1',
        '-pix_fmt',
        'rgb24',
        '-c:v',
        'png',
        '-f',
        'image2',
        tmp,
      ],
      {
        timeoutMs: 60_000,
      },
    );
  });
}

/** The parsed config and what the plugin declares for it (`describeBackend`): the capabilities the suite checks the backend against. */
export async function describePlugin(options: ConformanceOptions): Promise<{ config: unknown; info: BackendInfo; context: BackendCreateContext }> {
  const { plugin } = options;
  if (!plugin || typeof plugin.describe !== 'function' || typeof plugin.create !== 'function') {
    fail('the suite needs the plugin (`plugin`: the default export made with defineBackend): capabilities come from plugin.describe(config)');
  }
  const raw = typeof options.config === 'function' ? await (options.config as () => unknown)() : (options.config ?? {});
  const parsed = plugin.configSchema.safeParse(raw);
  if (!parsed.success) fail(`the suite's config does not parse with plugin.configSchema: ${parsed.error.message}`);
  let info: BackendInfo;
  try {
    info = describeBackend(plugin, parsed.data);
  } catch (error) {
    fail(
      `plugin.describe(config) threw: ${error instanceof Error ? error.message : String(error)}; describe must be static and never throw for a parsed config`,
    );
  }
  const context: BackendCreateContext = { configDir: process.cwd(), env: process.env, ...options.context };
  return { config: parsed.data, info, context };
}

/**
 * Creates the fixtures and reads the capabilities from `plugin.describe(config)`. Throws a ConformanceError when
 * the config does not parse or the plugin declares no usable model.
 */
export async function createConformanceContext(options: ConformanceOptions): Promise<ConformanceContext> {
  const { config, info: described, context } = await describePlugin(options);
  const create = () => (options.create ? options.create(config, context) : options.plugin.create(config, context));
  const info = { ...described, models: Array.isArray(described.models) ? described.models : [] };
  const modelId = options.model ?? info.defaultModel;
  const model = info.models.find((m) => m.id === modelId) ?? info.models[0];
  if (!model) fail(`backend ${info.name} declares no models: list at least one ModelCapabilities in models`);

  const size = options.requestSize ?? smallestResolution(model);
  const dir = await mkdtemp(join(tmpdir(), 'ttv-conformance-'));
  const fixtures = join(dir, 'fixtures');
  await mkdir(fixtures, { recursive: true });
  const images = {
    first: join(fixtures, 'first.png'),
    last: join(fixtures, 'last.png'),
    unreadable: join(fixtures, 'not-an-image.png'),
    missing: join(fixtures, 'does-not-exist.png'),
  };
  await Promise.all([
    makeTestImage(images.first, { ...size, pattern: 'gradient' }),
    makeLastImage(images.last, size),
    writeFile(images.unreadable, 'this is a text file with a .png name, not an image\n'),
  ]);

  let outputs = 0;
  return {
    options,
    tier: options.tier ?? 'unit',
    info,
    model,
    dir,
    images,
    async withBackend(fn) {
      let backend: VideoBackend;
      try {
        backend = await create();
      } catch (error) {
        fail(`create threw: ${error instanceof Error ? error.message : String(error)}; the plugin (or the suite's create) must return a backend`);
      }
      try {
        return await fn(backend);
      } finally {
        await disposeQuietly(backend);
      }
    },
    async request(overrides = {}, forModel = model) {
      const out = join(dir, `out-${++outputs}`);
      await mkdir(out, { recursive: true });
      const same = forModel.id === model.id;
      const { width, height } = same ? size : smallestResolution(forModel);
      const durationSec = same && options.duration !== undefined ? options.duration : nearestDuration(forModel.durations, 1);
      const images_: Partial<GenerateRequest> = forModel.inputs.includes('first-frame')
        ? { firstFrame: images.first }
        : forModel.inputs.includes('first-last-frame')
          ? { firstFrame: images.first, lastFrame: images.last }
          : {};
      const request: GenerateRequest = {
        model: forModel.id,
        prompt: 'A slow camera push across a calm, colourful test card',
        durationSec,
        width,
        height,
        ...images_,
        seed: 7,
        segmentIndex: 0,
        outputPath: join(out, 'clip.mp4'),
        ...overrides,
      };
      // An override of `undefined` removes the field (e.g. `{ firstFrame: undefined }` for a text-only request).
      for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete (request as unknown as Record<string, unknown>)[key];
      return request;
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
