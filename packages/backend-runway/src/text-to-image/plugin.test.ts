// The plugin's surface (subpath export, strict config), and the pure pieces: tags and the ratio choice.
import { describe, expect, it } from 'vitest';
import { imagesConfigSchema } from './config.js';
import images from './index.js';
import { chooseRatio, IMAGE_MODELS } from './models.js';
import { TAG_PATTERN, tagFor, tagReferences } from './references.js';

describe('runway-images plugin', () => {
  it('is the default export of @ttv/backend-runway/images; the main export is still the video backend', async () => {
    const sub = await import('@ttv/backend-runway/images');
    expect(sub.default).toBe(images);
    expect(images).toMatchObject({ name: 'runway-images', kind: 'remote', secretFields: ['apiKey'] });
    const main = await import('@ttv/backend-runway');
    expect(main.default.name).toBe('runway');
  });

  it('has a strict config: unknown keys, unknown models and ratios are refused; an empty section is valid', () => {
    expect(imagesConfigSchema.parse({})).toMatchObject({ model: 'gen4_image', fit: 'crop', chain: true, rateLimitRetries: 3 });
    expect(imagesConfigSchema.safeParse({ modle: 'gen4_image' }).success).toBe(false);
    expect(imagesConfigSchema.safeParse({ model: 'gen4_turbo' }).success).toBe(false);
    expect(imagesConfigSchema.safeParse({ ratio: '1584:672' }).success).toBe(false);
    expect(imagesConfigSchema.safeParse({ fit: 'cover' }).success).toBe(false);
    expect(imagesConfigSchema.safeParse({ apiKey: 'key_x', baseUrl: 'http://127.0.0.1:9', contentModeration: { publicFigureThreshold: 'low' } }).success).toBe(
      true,
    );
  });
});

describe('tags', () => {
  it('sanitizes cast names into valid, unique Runway tags', () => {
    const cases: Array<[string, string]> = [
      ['Mara', 'Mara'],
      ['Mara Oyelaran', 'Mara_Oyelaran'],
      ['Zoë', 'Zoe'],
      ['Al', 'Al_ref'],
      ['42nd Street', 'r42nd_Street'],
      ['A very long name for a place', 'A_very_long_name'],
      ['--', 'r_ref'],
      ['猫', 'r_ref'],
    ];
    for (const [name, tag] of cases) {
      expect(tagFor(name, new Set()), name).toBe(tag);
      expect(tag).toMatch(TAG_PATTERN);
    }
    expect(tagFor('Previous', new Set(['previous']))).toBe('Previous_2');
    expect(tagFor('A very long name for a place', new Set(['a_very_long_name']))).toBe('A_very_long_na_2');
  });

  it('names every reference in the prompt once per mention, longer names first', () => {
    const { prompt, images: tagged } = tagReferences(
      {
        prompt: 'Mara Jones meets Mara. Maral is not Mara.',
        references: [
          { path: 'a.png', role: 'character', name: 'Mara' },
          { path: 'b.png', role: 'character', name: 'Mara Jones' },
        ],
      },
      undefined,
    );
    expect(prompt).toBe('@Mara_Jones meets @Mara. Maral is not @Mara.');
    expect(tagged.map((t) => [t.path, t.tag])).toEqual([
      ['a.png', 'Mara'],
      ['b.png', 'Mara_Jones'],
    ]);
  });
});

describe('chooseRatio', () => {
  const model = IMAGE_MODELS.gen4_image;
  it('takes the nearest aspect ratio, at the smallest size that covers the request', () => {
    expect(chooseRatio(model, 1280, 720)).toBe('1280:720');
    expect(chooseRatio(model, 1281, 721)).toBe('1920:1080');
    expect(chooseRatio(model, 3840, 2160)).toBe('1920:1080');
    expect(chooseRatio(model, 256, 256)).toBe('720:720');
    expect(chooseRatio(model, 1024, 1024)).toBe('1024:1024');
    expect(chooseRatio(model, 720, 1280)).toBe('720:1280');
    expect(chooseRatio(model, 600, 800)).toBe('720:960');
    expect(chooseRatio(model, 832, 1104)).toBe('1080:1440');
    expect(chooseRatio(model, 2100, 900)).toBe('1680:720');
    expect(chooseRatio(model, 1000, 500)).toBe('1280:720');
  });
});
