import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeFrame } from '../media/colour.js';
import { probeImage } from '../media/probe.js';
import { compareFrames } from '../media/seams.js';
import { cardImages } from './card-images.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ttv-card-test-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const ctx = () => ({ signal: new AbortController().signal, log: () => {}, workDir: dir });

it('a card is a PNG of exactly the requested size, the same for the same request, different for another seed', async () => {
  const gen = await cardImages.create({}, { configDir: dir, env: {} });
  const req = (seed: number, name: string) => ({
    prompt: 'A lighthouse keeper climbs the stairs at dusk',
    width: 640,
    height: 360,
    seed,
    outputPath: join(dir, name),
  });
  const a = await gen.generate(req(1, 'a.png'), ctx());
  const again = await gen.generate(req(1, 'a2.png'), ctx());
  const other = await gen.generate(req(2, 'b.png'), ctx());
  expect(a).toMatchObject({ width: 640, height: 360, fit: 'exact', costUsd: 0 });
  expect(await probeImage(a.file)).toMatchObject({ width: 640, height: 360 });
  expect((await readFile(a.file)).equals(await readFile(again.file))).toBe(true);
  const size = { width: 640, height: 360 };
  const diff = await compareFrames(await decodeFrame(a.file, 'first', size), await decodeFrame(other.file, 'first', size));
  expect(diff.deltaE2000 + diff.lumaJump * 100).toBeGreaterThan(2);
  expect(gen.estimateCost(req(1, 'x.png')).usd).toBe(0);
});

it('an aborted request leaves no file; a size below 16 is INPUT_INVALID naming the field', async () => {
  const gen = await cardImages.create({}, { configDir: dir, env: {} });
  const controller = new AbortController();
  controller.abort();
  const out = join(dir, 'aborted.png');
  await expect(gen.generate({ prompt: 'x', width: 320, height: 180, outputPath: out }, { ...ctx(), signal: controller.signal })).rejects.toMatchObject({
    code: 'CANCELLED',
  });
  await expect(readFile(out)).rejects.toThrow();
  await expect(gen.generate({ prompt: 'x', width: 8, height: 180, outputPath: join(dir, 'tiny.png') }, ctx())).rejects.toMatchObject({
    code: 'INPUT_INVALID',
    field: 'width',
  });
});
