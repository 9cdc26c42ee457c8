/**
 * Seedance 2.x in the Runway emulator, driven through the real `@runwayml/sdk` 4.20.1: the shapes its types
 * document are accepted, counted and priced by model and size; wrong ones are 400s in the real error format
 * naming the field; a clip with sound has an audio track.
 */
import { join } from 'node:path';
import RunwayML, { type APIError } from '@runwayml/sdk';
import { runFfprobe } from '@ttv/core/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, pollUntilDone, tempDir } from './fixtures.js';
import { type RunwayEmulator, startRunwayEmulator } from './index.js';

let emu: RunwayEmulator;
let image: string;
let dir: string;
let cleanup: () => Promise<void>;
/** A tiny MP3-typed data URI (the emulator checks its type and size, not its sound). */
const audio = `data:audio/mpeg;base64,${Buffer.from('ID3 not really an mp3').toString('base64')}`;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const { makePng, dataUri } = await import('./fixtures.js');
  image = dataUri(await makePng(join(dir, 'p.png'), 'testsrc2=size=64x36'));
  emu = await startRunwayEmulator({ outputScale: 16, taskDurationMs: 100 });
});
afterAll(async () => {
  await emu?.close();
  await cleanup?.();
});

type Route = 'imageToVideo' | 'textToVideo';

/** Sends a raw create body through the SDK (bypassing its types); the created task id, or the 400's `error`. */
async function send(body: Record<string, unknown>, route: Route = 'imageToVideo'): Promise<{ id?: string; credits?: number; error?: string }> {
  const created = await (client(emu)[route].create as (b: unknown) => Promise<{ id: string }>)(body).then(
    (r) => r,
    (e: unknown) => e as APIError,
  );
  if ('id' in created) {
    const task = await client(emu).tasks.retrieve(created.id);
    return { id: created.id, credits: (task as { estimatedCost?: { credits: number } }).estimatedCost?.credits ?? 0 };
  }
  expect(created).toBeInstanceOf(RunwayML.BadRequestError);
  return { error: (created.error as { error: string }).error };
}

const t2v = (extra: Record<string, unknown> = {}) => ({ model: 'seedance2', promptText: 'Mara at the harbour', ratio: '1280:720', duration: 5, ...extra });
const i2v = (extra: Record<string, unknown> = {}) => ({
  model: 'seedance2',
  ratio: '1280:720',
  duration: 5,
  promptImage: [{ uri: image, position: 'first' }],
  ...extra,
});
const refs = (n: number) => Array.from({ length: n }, () => ({ uri: image }));

describe('accepted: the documented shapes, counted and priced', () => {
  it('text-to-video with references and reference audio; image-to-video in reference mode; keyframes', async () => {
    expect((await send(t2v({ references: refs(9), referenceAudio: [{ type: 'audio', uri: audio }], audio: true }), 'textToVideo')).credits).toBe(180);
    expect((await send(i2v({ promptImage: refs(2), referenceAudio: [{ type: 'audio', uri: audio }] }))).credits).toBe(180);
    expect(
      (
        await send(
          i2v({
            promptImage: [
              { uri: image, position: 'first' },
              { uri: image, position: 'last' },
            ],
          }),
        )
      ).credits,
    ).toBe(180);
    expect((await send(t2v(), 'textToVideo')).id).toBeDefined();
    expect(emu.stats()).toMatchObject({ created: 4, referenceImages: 11, referenceAudio: 2, withAudio: 1 });
    const tasks = [...emu.tasks.values()].map((t) => t.request);
    expect(tasks[0]!.references!.map((r) => r.field)).toEqual(Array.from({ length: 9 }, (_, i) => `references[${i}].uri`));
    expect(tasks[1]!.references!.map((r) => r.field)).toEqual(['promptImage[0].uri', 'promptImage[1].uri']);
    expect([tasks[2]!.first?.position, tasks[2]!.last?.position, tasks[2]!.references]).toEqual(['first', 'last', undefined]);
  });

  it('prices by model and size: 36/s to 720p, 40/s at 1080p; fast 29/s, mini 16/s; 2.5 20/s at 480p with 80 minimum; sound at no extra price', async () => {
    const cases: Array<[Record<string, unknown>, number]> = [
      [t2v({ ratio: '1920:1080' }), 200],
      [t2v({ ratio: '640:640', audio: true }), 180],
      [t2v({ model: 'seedance2_fast' }), 145],
      [t2v({ model: 'seedance2_mini', duration: 10 }), 160],
      [t2v({ model: 'seedance2_5', ratio: '992:432', duration: 4 }), 80],
      [t2v({ model: 'seedance2_5', duration: 10 }), 300],
      [t2v({ duration: 'auto' }), 15 * 36], // billed at the variant maximum up front
    ];
    for (const [body, credits] of cases) expect((await send(body, 'textToVideo')).credits, JSON.stringify(body)).toBe(credits);
  });

  it('a clip with sound is a real MP4 with an audio track; the cost is the estimate', async () => {
    const c = client(emu);
    const { id } = await c.textToVideo.create({
      model: 'seedance2_mini',
      promptText: 'waves',
      ratio: '1280:720',
      duration: 5,
      audio: true,
      references: [{ uri: image }],
    });
    const done = (await pollUntilDone(c, id, 30)).at(-1) as { status: string; output: string[]; cost: { credits: number } };
    expect([done.status, done.cost.credits]).toEqual(['SUCCEEDED', 80]);
    const file = join(dir, 'sound.mp4');
    const res = await fetch(done.output[0]!);
    await import('node:fs/promises').then(async (fs) => fs.writeFile(file, Buffer.from(await res.arrayBuffer())));
    const { stdout } = await runFfprobe(['-show_streams', '-of', 'json', file]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_type: string; width?: number; duration?: string }> }).streams;
    expect(streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 80 });
    expect(Number(streams.find((s) => s.codec_type === 'video')!.duration)).toBeCloseTo(5, 1);
  });
});

describe('rejected: wrong shapes are 400s naming the field', () => {
  const cases: Array<[string, () => Record<string, unknown>, Route, RegExp]> = [
    [
      'keyframes mixed with references',
      () => i2v({ promptImage: [{ uri: image, position: 'first' }, { uri: image }] }),
      'imageToVideo',
      /^Invalid parameter 'promptImage': keyframe images .* cannot be mixed/,
    ],
    ['10 references on seedance2', () => t2v({ references: refs(10) }), 'textToVideo', /^Invalid parameter 'references': at most 9 reference images/],
    ['10 reference images in promptImage', () => i2v({ promptImage: refs(10) }), 'imageToVideo', /^Invalid parameter 'promptImage': at most 9/],
    [
      'a reference with a tag',
      () => t2v({ references: [{ uri: image, tag: 'Mara' }] }),
      'textToVideo',
      /^Invalid parameter 'references\[0\]\.tag': unrecognized key/,
    ],
    ['references as bare strings', () => t2v({ references: [image] }), 'textToVideo', /^Invalid parameter 'references\[0\]': expected \{uri\}/],
    ['an empty references array', () => t2v({ references: [] }), 'textToVideo', /^Invalid parameter 'references'/],
    [
      'a position of "middle"',
      () => i2v({ promptImage: [{ uri: image, position: 'middle' }] }),
      'imageToVideo',
      /^Invalid parameter 'promptImage\[0\]\.position'/,
    ],
    [
      'reference audio without reference images',
      () => t2v({ referenceAudio: [{ type: 'audio', uri: audio }] }),
      'textToVideo',
      /^Invalid parameter 'referenceAudio': .*require at least one reference image/,
    ],
    ['reference audio with keyframes', () => i2v({ referenceAudio: [{ type: 'audio', uri: audio }] }), 'imageToVideo', /^Invalid parameter 'referenceAudio'/],
    [
      'reference audio typed video',
      () => t2v({ references: refs(1), referenceAudio: [{ type: 'video', uri: audio }] }),
      'textToVideo',
      /^Invalid parameter 'referenceAudio\[0\]\.type'/,
    ],
    [
      'an image as reference audio',
      () => t2v({ references: refs(1), referenceAudio: [{ type: 'audio', uri: image }] }),
      'textToVideo',
      /^Invalid parameter 'referenceAudio\[0\]\.uri': unsupported media type 'image\/png'/,
    ],
    [
      '4 reference audio clips',
      () => t2v({ references: refs(1), referenceAudio: Array.from({ length: 4 }, () => ({ type: 'audio', uri: audio })) }),
      'textToVideo',
      /at most 3 audio references/,
    ],
    [
      'references on gen4.5 text-to-video',
      () => ({ model: 'gen4.5', promptText: 'x', ratio: '1280:720', duration: 5, references: refs(1) }),
      'textToVideo',
      /^Invalid parameter 'references': not accepted by model 'gen4\.5'/,
    ],
    [
      'a reference image on veo3.1',
      () => ({ model: 'veo3.1', ratio: '1280:720', promptImage: refs(1) }),
      'imageToVideo',
      /^Invalid parameter 'promptImage\[0\]\.position'/,
    ],
    [
      'reference audio on veo3.1',
      () => ({ model: 'veo3.1', ratio: '1280:720', promptImage: image, referenceAudio: [{ type: 'audio', uri: audio }] }),
      'imageToVideo',
      /^Invalid parameter 'referenceAudio': not accepted/,
    ],
    ['1080p on seedance2_fast', () => t2v({ model: 'seedance2_fast', ratio: '1920:1080' }), 'textToVideo', /^Invalid parameter 'ratio'/],
    ['16 s on seedance2', () => t2v({ duration: 16 }), 'textToVideo', /^Invalid parameter 'duration': expected an integer from 4 to 15/],
    ['5.5 s on seedance2', () => t2v({ duration: 5.5 }), 'textToVideo', /^Invalid parameter 'duration'/],
    [
      'duration auto on veo3.1',
      () => ({ model: 'veo3.1', ratio: '1280:720', promptImage: image, duration: 'auto' }),
      'imageToVideo',
      /^Invalid parameter 'duration'/,
    ],
    ['no prompt on text-to-video', () => t2v({ promptText: undefined }), 'textToVideo', /^Invalid parameter 'promptText': required/],
    ['a 3501-character prompt', () => t2v({ promptText: 'x'.repeat(3501) }), 'textToVideo', /^Invalid parameter 'promptText': must be at most 3500/],
    [
      'reference videos (not emulated)',
      () => t2v({ referenceVideos: [{ type: 'video', uri: 'https://example.com/a.mp4' }] }),
      'textToVideo',
      /^Invalid parameter 'referenceVideos'/,
    ],
  ];
  it.each(cases)('%s', async (_what, body, route, message) => {
    const before = emu.stats().created;
    expect((await send(body(), route)).error).toMatch(message);
    expect(emu.stats().created).toBe(before);
  });

  it('a raw fetch gets the same JSON error body and status', async () => {
    const res = await fetch(`${emu.url}/v1/text_to_video`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emu.apiKey}`, 'x-runway-version': '2024-11-06', 'content-type': 'application/json' },
      body: JSON.stringify(t2v({ references: refs(10) })),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Invalid parameter 'references': at most 9 reference images for model 'seedance2' (got 10)" });
  });
});
