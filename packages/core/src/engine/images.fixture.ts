import { cardImages } from '../builtin/card-images.js';
import type { ImagesPlugin } from '../spec/images.js';

export type CardGenerator = Awaited<ReturnType<typeof cardImages.create>>;

/** An image plugin made from the card painter: other capabilities, and a generator changed by `wrap`. */
export function cardVariant(
  name: string,
  caps: { initImage: boolean; maxReferences: number },
  wrap: (card: CardGenerator) => Partial<CardGenerator>,
): ImagesPlugin {
  return {
    ...cardImages,
    name,
    describe: () => caps,
    async create(_config: unknown, ctx: Parameters<typeof cardImages.create>[1]) {
      const card = await cardImages.create({}, ctx);
      return { ...card, ...wrap(card) };
    },
  } as unknown as ImagesPlugin;
}
