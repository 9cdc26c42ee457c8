// The conformance suite of the image-generator plugin kind (`images: <name>`, issue #12): what the engine relies on
// when it makes keyframes from text. Same pattern as the video backends' suite: checks as data, one test each,
// each runnable on its own (`runImagesCheck`) so that a deliberately broken generator can be shown to fail it.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ImageGenerator, type ImageRequest, type ImagesPlugin, SPECIFICATION_VERSION, TtvError } from '@ttv/core/backend';
import { probeImage } from '@ttv/core/media';
import { describeKindSuite, type KindCheck, runKindCheck } from './kind-suite.js';
import type { TestApi } from './types.js';

export interface ImagesConformanceOptions {
  /** Name shown in the suite title. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: any plugin, whatever its config type
  plugin: ImagesPlugin<any>;
  /** The plugin's config section (e.g. an emulator's base URL and a test key). */
  config?: () => unknown;
  /** Values that must never appear in results, warnings or errors (API keys). */
  secrets?: string[];
  api?: TestApi;
  timeoutMs?: number;
}

interface ImagesContext {
  options: ImagesConformanceOptions;
  generator: ImageGenerator;
  dir: string;
  request(name: string, overrides?: Partial<ImageRequest>): ImageRequest;
  signal: AbortSignal;
}

export type ImagesCheck = KindCheck<ImagesContext>;

function fail(message: string): never {
  throw new Error(`images conformance: ${message}`);
}

const callContext = (dir: string, signal: AbortSignal) => ({ signal, log: () => {}, workDir: dir });

/** The checks, in the order they run. */
export const IMAGES_CHECKS: ImagesCheck[] = [
  {
    id: 'plugin-shape',
    title: 'the plugin states its spec version, name, kind and capabilities, and its schema takes the config',
    async run({ options }) {
      const p = options.plugin;
      if (p.specificationVersion !== SPECIFICATION_VERSION) fail(`specificationVersion ${p.specificationVersion}, expected ${SPECIFICATION_VERSION}`);
      if (!/^[a-z][a-z0-9-]*$/.test(p.name)) fail(`name "${p.name}" must be a lower-case config name`);
      if (!p.displayName) fail('displayName is empty');
      if (!['embedded', 'local', 'remote'].includes(p.kind)) fail(`kind "${p.kind}" is not embedded, local or remote`);
      const caps = p.describe(p.configSchema.parse(options.config?.() ?? {}));
      if (typeof caps.initImage !== 'boolean' || !Number.isInteger(caps.maxReferences) || caps.maxReferences < 0)
        fail(`describe() gave ${JSON.stringify(caps)}`);
    },
  },
  {
    id: 'exact-size',
    title: 'a 16:9 and a square request each give a PNG of exactly the requested size at outputPath, and say how it was fitted',
    async run(ctx) {
      for (const [name, width, height] of [
        ['wide.png', 320, 180],
        ['square.png', 256, 256],
      ] as const) {
        const request = ctx.request(name, { width, height });
        const result = await ctx.generator.generate(request, callContext(ctx.dir, ctx.signal));
        if (result.file !== request.outputPath) fail(`result.file ${result.file} is not the requested outputPath ${request.outputPath}`);
        const probe = await probeImage(request.outputPath);
        if (probe.width !== width || probe.height !== height) fail(`asked ${width}x${height}, the file is ${probe.width}x${probe.height}`);
        if (result.width !== width || result.height !== height) fail(`asked ${width}x${height}, the result says ${result.width}x${result.height}`);
        if (!['exact', 'crop', 'pad'].includes(result.fit)) fail(`fit "${result.fit}" is not exact, crop or pad`);
        if (!Array.isArray(result.warnings)) fail('warnings is not an array');
      }
    },
  },
  {
    id: 'estimate-covers-cost',
    title: 'estimateCost is offline, ≥ 0, the same twice, and never below what the call cost',
    async run(ctx) {
      const request = ctx.request('cost.png');
      const a = ctx.generator.estimateCost(request).usd;
      const b = ctx.generator.estimateCost(request).usd;
      if (!(Number.isFinite(a) && a >= 0)) fail(`estimateCost gave ${a}`);
      if (a !== b) fail(`estimateCost is not deterministic (${a}, then ${b})`);
      const result = await ctx.generator.generate(request, callContext(ctx.dir, ctx.signal));
      if (!(result.costUsd >= 0)) fail(`costUsd ${result.costUsd}`);
      if (result.costUsd > a + 1e-9) fail(`the call cost $${result.costUsd} but was estimated at $${a}: budgets would be crossed`);
    },
  },
  {
    id: 'abort',
    title: 'an aborted call rejects with CANCELLED and leaves no file at outputPath',
    async run(ctx) {
      const controller = new AbortController();
      controller.abort(new Error('test'));
      const request = ctx.request('aborted.png');
      const error = await ctx.generator.generate(request, callContext(ctx.dir, controller.signal)).then(
        () => fail('an aborted call resolved'),
        (e: unknown) => e,
      );
      if (!TtvError.is(error) || error.code !== 'CANCELLED') fail(`an aborted call rejected with ${String(error)}, not a TtvError CANCELLED`);
      if (existsSync(request.outputPath)) fail('an aborted call left a file at outputPath');
    },
  },
  {
    id: 'error-codes',
    title: 'a request it cannot make (a 0×0 picture) is a TtvError with a stable code, not a plain Error',
    async run(ctx) {
      const error = await ctx.generator.generate(ctx.request('zero.png', { width: 0, height: 0 }), callContext(ctx.dir, ctx.signal)).then(
        () => fail('a 0x0 request resolved'),
        (e: unknown) => e,
      );
      if (!TtvError.is(error)) fail(`a 0x0 request rejected with a plain ${String(error)}`);
    },
  },
  {
    id: 'atomic-and-clean',
    title: 'after the calls, the output folder holds only the finished PNGs (no temp files left)',
    async run(ctx) {
      await ctx.generator.generate(ctx.request('clean.png'), callContext(ctx.dir, ctx.signal));
      const left = (await readdir(ctx.dir)).filter((f) => !f.endsWith('.png'));
      if (left.length > 0) fail(`left behind: ${left.join(', ')}`);
    },
  },
  {
    id: 'secrets',
    title: 'no secret of the config appears in a result, a warning or an error',
    async run(ctx) {
      const secrets = ctx.options.secrets ?? [];
      if (secrets.length === 0) return;
      const ok = await ctx.generator.generate(ctx.request('secret.png'), callContext(ctx.dir, ctx.signal));
      const bad = await ctx.generator
        .generate(ctx.request('secret-bad.png', { width: 0, height: 0 }), callContext(ctx.dir, ctx.signal))
        .catch((e: unknown) => e);
      const text = JSON.stringify(ok) + String((bad as Error)?.message) + JSON.stringify(bad);
      for (const s of secrets) if (text.includes(s)) fail('a secret of the config appears in what the generator returned or threw');
    },
  },
];

async function openContext(options: ImagesConformanceOptions): Promise<ImagesContext & { dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-images-conformance-'));
  const config = options.plugin.configSchema.parse(options.config?.() ?? {});
  const generator = await options.plugin.create(config, { configDir: dir, env: process.env });
  const controller = new AbortController();
  return {
    options,
    generator,
    dir,
    signal: controller.signal,
    request: (name, overrides = {}) => ({
      prompt: 'A lighthouse on a cliff at dusk, still frame',
      width: 320,
      height: 180,
      seed: 1,
      outputPath: join(dir, name),
      ...overrides,
    }),
    async dispose() {
      await generator.dispose?.();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one check against a plugin (rejects with what failed): for tests that show a broken generator fails it. */
export async function runImagesCheck(id: string, options: ImagesConformanceOptions): Promise<void> {
  await runKindCheck('images', IMAGES_CHECKS, id, openContext, options);
}

/**
 * Registers the image-generator conformance suite: one `describe` with one test per check. Call it at the top
 * level of a test file: `describeImagesConformance({ name: 'myimages', plugin, config: () => ({ … }) })`.
 */
export function describeImagesConformance(options: ImagesConformanceOptions): void {
  describeKindSuite('images', 'describeImagesConformance', IMAGES_CHECKS, runImagesCheck, options);
}
