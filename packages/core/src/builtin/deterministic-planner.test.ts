import { expect, it } from 'vitest';
import { deterministicPlanner, softenPrompt } from './deterministic-planner.js';

it.each([
  [
    'no quoted words: the prompt is framed as a non-graphic depiction',
    'A duel at dawn',
    'content policy violation',
    'A restrained, non-graphic, family-friendly depiction: A duel at dawn',
  ],
  [
    'the words the refusal quotes are taken out (\'…\' and "…")',
    'A bloody duel with swords at dawn',
    `flagged terms: 'bloody', "swords"`,
    'A restrained, non-graphic, family-friendly depiction: A duel with at dawn',
  ],
  [
    'rewording twice does not stack the frame',
    'A restrained, non-graphic, family-friendly depiction: A duel',
    'refused',
    'A restrained, non-graphic, family-friendly depiction: A duel',
  ],
  ['whole words only, any case', 'Gunsmoke and a GUN', "contains 'gun'", 'A restrained, non-graphic, family-friendly depiction: Gunsmoke and a'],
])('%s', (_what, prompt, refusal, expected) => {
  expect(softenPrompt({ prompt, refusal })).toBe(expected);
});

it('reword honours an aborted signal and costs nothing', async () => {
  const planner = await deterministicPlanner.create({}, { configDir: '.', env: {} });
  const controller = new AbortController();
  controller.abort();
  await expect(planner.reword({ prompt: 'x', refusal: 'y', attempt: 1 }, { signal: controller.signal, log: () => {}, workDir: '.' })).rejects.toMatchObject({
    code: 'CANCELLED',
  });
  expect(planner.estimateCost({ prompt: 'x', refusal: 'y', attempt: 1 }).usd).toBe(0);
});
