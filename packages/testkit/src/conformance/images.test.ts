// The image-generator suite on the embedded storyboard-card generator, and the same checks against deliberately
// broken generators: each must fail the check that guards it, every time.
import { copyFile } from 'node:fs/promises';
import { defineImages, type ImageGenerator, SPECIFICATION_VERSION, TtvError } from '@ttv/core/backend';
import { cardImages } from '@ttv/core/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeImagesConformance, runImagesCheck } from './images.js';

describeImagesConformance({ name: 'card (embedded)', plugin: cardImages });

/** A generator built on the card one, with one fault. */
function broken(fault: (card: ImageGenerator) => Partial<ImageGenerator>) {
  return defineImages({
    specificationVersion: SPECIFICATION_VERSION,
    name: 'broken',
    displayName: 'Broken',
    kind: 'remote',
    configSchema: z.object({ apiKey: z.string().default('sk-broken-secret-77') }).strict(),
    describe: () => ({ initImage: false, maxReferences: 0 }),
    async create(config, ctx) {
      const card = await cardImages.create({}, ctx);
      void config;
      return { ...card, ...fault(card) } as ImageGenerator;
    },
  });
}

describe('broken image generators fail the check that guards them', () => {
  const cases: Array<[string, string, (card: ImageGenerator) => Partial<ImageGenerator>]> = [
    [
      'always 64x64 (the model size, not the requested one)',
      'exact-size',
      (card) => ({ generate: (r, c) => card.generate({ ...r, width: 64, height: 64 }, c).then((x) => ({ ...x, width: r.width, height: r.height })) }),
    ],
    [
      'an estimate of 0 for a call that costs $0.04',
      'estimate-covers-cost',
      (card) => ({ generate: (r, c) => card.generate(r, c).then((x) => ({ ...x, costUsd: 0.04 })) }),
    ],
    ['ignores the abort signal', 'abort', (card) => ({ generate: (r, c) => card.generate(r, { ...c, signal: new AbortController().signal }) })],
    [
      'a plain Error from a failed request',
      'error-codes',
      (card) => ({
        generate: async (r, c) => {
          if (r.width === 0) throw new Error('HTTP 400');
          return card.generate(r, c);
        },
      }),
    ],
    [
      'the API key echoed in an error',
      'secrets',
      (card) => ({
        generate: async (r, c) => {
          if (r.width === 0) throw new TtvError('INPUT_INVALID', 'bad size (key sk-broken-secret-77)');
          return card.generate(r, c);
        },
      }),
    ],
    [
      'writes beside the output and leaves the temp file',
      'atomic-and-clean',
      (card) => ({
        generate: async (r, c) => {
          const x = await card.generate(r, c);
          await copyFile(x.file, `${x.file}.part`);
          return x;
        },
      }),
    ],
  ];
  it.each(cases)('%s → fails [%s]', async (_what, id, fault) => {
    await expect(runImagesCheck(id, { name: 'broken', plugin: broken(fault), secrets: ['sk-broken-secret-77'] })).rejects.toThrow(/images conformance/);
    // …and the card generator itself passes the same check.
    await runImagesCheck(id, { name: 'card', plugin: cardImages });
  });
});
