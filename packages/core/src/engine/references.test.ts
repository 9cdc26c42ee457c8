// Reference pictures (issue #14): the cast pictures of the members a segment shows reach the video models that take
// references, as many as each takes; the rest are left out with a warning, and a `required` one moves the segment
// to a backend that takes it. The manifest records what each segment actually got.
import { expect, it } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { freshRunDir, makeConfig, noRegistry, useAssets } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

const assets = useAssets();

const cast = (required: boolean) => [
  { name: 'Mara', description: 'a keeper in a red coat', image: assets.image },
  { name: 'Harbour', kind: 'place', description: 'a stone harbour at dusk', image: assets.image, required },
];

const storyboard = {
  image: assets.image,
  segments: [{ prompt: 'Mara walks to the Harbour.' }, { prompt: 'The sea is calm.' }, { prompt: 'Mara waves.', references: ['Harbour'] }],
};

it('a model taking one character reference gets Mara only; the Harbour is left out, said, and recorded', async () => {
  const backend = createScriptedBackend({ name: 'refs', clip: assets.clip, references: { max: 1, roles: ['character'] } });
  const r = await runPipeline({
    config: makeConfig({ assets, backends: [backend], core: { segmentDuration: 1, cast: cast(false), storyboard } }),
    registry: noRegistry,
    runDir: await freshRunDir(assets),
  });
  expect(backend.calls.map((c) => (c.request.references ?? []).map((x) => `${x.name}:${x.role}`))).toEqual([['Mara:character'], [], ['Mara:character']]);
  expect(backend.calls[0]!.request.references![0]!.path).toBe(assets.image);
  expect(r.manifest.segments.map((s) => s.references)).toEqual([
    { backend: 'refs', sent: ['Mara'], dropped: ['Harbour'] },
    undefined,
    { backend: 'refs', sent: ['Mara'], dropped: ['Harbour'] },
  ]);
  expect(r.manifest.segments[0]!.warnings.map((w) => w.message).join('\n')).toMatch(/the picture\(s\) of Harbour are left out/);
});

it('a required reference the first backend cannot take moves those segments to the next backend, which gets it', async () => {
  const plain = createScriptedBackend({ name: 'plain', clip: assets.clip });
  const refs = createScriptedBackend({ name: 'refs', clip: assets.clip, references: { max: 3 } });
  const r = await runPipeline({
    config: makeConfig({ assets, backends: [plain, refs], core: { segmentDuration: 1, cast: cast(true), storyboard } }),
    registry: noRegistry,
    runDir: await freshRunDir(assets),
  });
  expect(r.manifest.segments.map((s) => s.backend)).toEqual(['refs', 'plain', 'refs']);
  expect(plain.calls).toHaveLength(1);
  expect(refs.calls.map((c) => c.request.references!.map((x) => x.name))).toEqual([
    ['Mara', 'Harbour'],
    ['Mara', 'Harbour'],
  ]);
  expect(r.manifest.segments[0]!.skipped[0]).toMatchObject({ backend: 'plain', reason: expect.stringContaining('required reference picture(s) of Harbour') });
});

it('a segment naming someone outside the cast as a reference: CONFIG_INVALID naming the field, before anything is paid', async () => {
  const backend = createScriptedBackend({ name: 'refs', clip: assets.clip, references: { max: 3 } });
  const bad = { ...storyboard, segments: [{ prompt: 'Mara waves.', references: ['Bob'] }] };
  await expect(
    runPipeline({
      config: makeConfig({ assets, backends: [backend], core: { cast: cast(false), storyboard: bad } }),
      registry: noRegistry,
      runDir: await freshRunDir(assets),
    }),
  ).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'storyboard.segments[0].references[0]' });
  expect(backend.calls).toHaveLength(0);
});
