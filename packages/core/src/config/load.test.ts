import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackendRegistry } from '../registry/registry.js';
import { TtvError } from '../spec/errors.js';
import { redact } from '../util/secrets.js';
import { loadConfig, parseConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'ttv-config-'));
// A minimal plugin module the registry can load by path; its section has a secret field.
writeFileSync(
  join(dir, 'fake-backend.mjs'),
  `import { z } from 'zod';
export default {
  specificationVersion: 2, name: 'fake', displayName: 'Fake', kind: 'remote', secretFields: ['apiKey'],
  configSchema: z.object({ apiKey: z.string().optional(), model: z.enum(['m1', 'm2']).default('m1') }).strict(),
  describe: (c) => ({ name: 'fake', displayName: 'Fake', kind: 'remote', defaultModel: c.model, models: [] }),
  create: () => { throw new Error('not used'); },
};`,
);
writeFileSync(join(dir, 'old-spec.mjs'), `export default { specificationVersion: 0, name: 'old', create() {}, describe() {} };`);
writeFileSync(join(dir, 'v1-spec.mjs'), `export default { specificationVersion: 1, name: 'v1', create() {}, describe() {} };`);
writeFileSync(join(dir, 'not-a-backend.mjs'), `export const x = 1;`);
// An image-generator plugin module (no imports): its section has a secret and a number.
writeFileSync(
  join(dir, 'fake-images.mjs'),
  `const schema = { safeParse: (x) => typeof (x.size ?? 1) === 'number' ? { success: true, data: { size: 1, ...x } } : { success: false, error: { issues: [{ path: ['size'], message: 'size must be a number' }] } } };
export default {
  specificationVersion: 2, name: 'fakeimg', displayName: 'Fake images', kind: 'remote', secretFields: ['apiKey'], configSchema: schema,
  describe: () => ({ initImage: true, maxReferences: 2 }),
  create: () => { throw new Error('not used'); },
};`,
);
// zod must resolve from the fixture dir: point the registry's search at this package too.
const registry = new BackendRegistry({ searchDirs: [dir, new URL('../..', import.meta.url).pathname] });
const file = join(dir, 'ttv.yaml');

async function fails(yaml: string, env: NodeJS.ProcessEnv = {}): Promise<TtvError> {
  try {
    await parseConfig(yaml, file, { registry, env });
  } catch (e) {
    expect(TtvError.is(e)).toBe(true);
    return e as TtvError;
  }
  throw new Error('expected the config to be rejected');
}

const story = 'backend: ./fake-backend.mjs\nstoryboard:\n  image: a.png\n  segments:\n    - prompt: hello\n';

describe('loadConfig', () => {
  it('applies defaults and resolves paths from the config directory', async () => {
    const c = await parseConfig(story, file, { registry, env: {} });
    expect(c.core.mode).toBe('chaining');
    expect(c.core.output).toEqual({ width: 1280, height: 720, fps: 24 });
    expect(c.core.storyboard.image).toBe(join(dir, 'a.png'));
    expect(c.backends.map((b) => b.name)).toEqual(['fake']);
    expect(c.name).toBe('ttv');
  });

  it('names the field, the value and the fix for a wrong value', async () => {
    const e = await fails(`mode: chained\n${story}`);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.field).toBe('mode');
    expect(e.message).toContain('mode');
    expect(e.message).toContain('"chained"');
    expect(e.fix).toContain('"chaining"');
  });

  it('names nested paths with indexes', async () => {
    const e = await fails('storyboard:\n  segments:\n    - prompt: a\n    - prompt: b\n      duration: -3\n');
    expect(e.field).toBe('storyboard.segments[1].duration');
    expect(e.message).toContain('-3');
  });

  it('rejects unknown keys with a suggestion', async () => {
    const e = await fails(`segmentDurration: 4\n${story}`);
    expect(e.message).toContain('unknown key "segmentDurration"');
    expect(e.message).toContain('did you mean "segmentDuration"');
    const nested = await fails(`output:\n  widht: 640\n${story}`);
    expect(nested.message).toContain('output.widht');
    expect(nested.message).toContain('"width"');
  });

  it('validates a backend section with the backend schema, prefixed by its name', async () => {
    const e = await fails(`fake:\n  model: m3\n${story}`);
    expect(e.field).toBe('fake.model');
    expect(e.fix).toContain('"m1"');
  });

  it('interpolates ${VAR} and ${VAR:-default}', async () => {
    const c = await parseConfig(`name: \${RUN_NAME}\noutput:\n  dir: \${OUT:-out}\n${story}`, file, {
      registry,
      env: { RUN_NAME: 'film' },
    });
    expect(c.name).toBe('film');
    expect(c.core.output.dir).toBe(join(dir, 'out'));
  });

  it('fails clearly on a missing ${VAR}', async () => {
    const e = await fails(`fake:\n  apiKey: \${FAKE_API_KEY}\n${story}`);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.field).toBe('fake.apiKey');
    expect(e.message).toContain('FAKE_API_KEY is not set');
    expect(e.fix).toContain('export FAKE_API_KEY=');
  });

  it('registers secrets from secret fields and secret-looking variables, and redacts the copy', async () => {
    const key = 'sk-live-0123456789abcdef';
    const c = await parseConfig(`fake:\n  apiKey: \${FAKE_API_KEY}\n${story}`, file, { registry, env: { FAKE_API_KEY: key } });
    expect(JSON.stringify(c.redacted)).not.toContain(key);
    expect(redact(`token ${key} leaked`)).toBe('token *** leaked');
  });

  it('reports invalid YAML, a non-mapping document and a missing file', async () => {
    expect((await fails('storyboard: [unclosed\n')).message).toContain('invalid YAML');
    expect((await fails('- just\n- a list\n')).message).toContain('YAML mapping');
    await expect(loadConfig(join(dir, 'nope.yaml'), { registry })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: '--config' });
  });

  it('rejects backend and backends together, and a storyboard without segments or prompt', async () => {
    expect((await fails(`backends: [b]\n${story}`)).field).toBe('backends');
    expect((await fails('storyboard:\n  image: a.png\n')).message).toContain('either segments');
  });

  it('rejects an unknown top-level key that is not an installed backend', async () => {
    const e = await fails(`runwy:\n  model: x\n${story}`);
    expect(e.message).toContain('unknown key "runwy"');
  });
});

describe('BackendRegistry', () => {
  it('fails with BACKEND_NOT_INSTALLED and the exact install command', async () => {
    const e = (await registry.load('runway').catch((x: unknown) => x)) as TtvError;
    expect(e).toMatchObject({ code: 'BACKEND_NOT_INSTALLED' });
    expect(e.message).toContain('@ttv/backend-runway, ttv-backend-runway');
    expect(e.fix).toMatch(/(npm install|pnpm add) @ttv\/backend-runway/);
    expect(e.fix).toContain('ttv plugins install runway');
    const scoped = (await registry.load('@acme/fancy').catch((x: unknown) => x)) as TtvError;
    expect(scoped.message).toContain('@acme/ttv-backend-fancy');
  });

  it('loads a plugin by module path and checks its spec version and shape', async () => {
    expect((await registry.load('./fake-backend.mjs')).plugin.name).toBe('fake');
    await expect(registry.load('./old-spec.mjs')).rejects.toMatchObject({ code: 'BACKEND_INVALID', message: expect.stringContaining('spec v0') });
    await expect(registry.load('./not-a-backend.mjs')).rejects.toMatchObject({ code: 'BACKEND_INVALID' });
  });

  it('a plugin built for spec v1 is refused with what changed in v2 and how to fix it', async () => {
    const e = (await registry.load('./v1-spec.mjs').catch((x: unknown) => x)) as TtvError;
    expect(e.code).toBe('BACKEND_INVALID');
    expect(e.message).toContain('spec v1');
    expect(e.message).toContain('job protocol (submit → status');
    expect(e.fix).toContain('spec v2');
  });

  it('the config names BACKEND_NOT_INSTALLED for an unknown backend', async () => {
    const e = await fails(story.replace('./fake-backend.mjs', 'nosuchthing'));
    expect(e.code).toBe('BACKEND_NOT_INSTALLED');
    expect(e.fix).toContain('@ttv/backend-nosuchthing');
  });
});

describe('validation before the first paid call (Hardening 4, 10)', () => {
  it.each([
    ['output:\n  width: 100000\n  height: 100000\n', 'output.width', /at most 7680/, /set output.width to at most 7680/],
    ['output:\n  height: 8\n', 'output.height', /at least 16/, /set output.height to at least 16/],
    ['output:\n  fps: 0.001\n', 'output.fps', /fps must be at least 1/, /at least 1/],
    ['output:\n  fps: 100000\n', 'output.fps', /fps must be at most 240/, /at most 240/],
    ['join:\n  preset: superslow\n', 'join.preset', /superslow/, /"veryslow"/],
    ['storyboard:\n  totalDuration: 1e7\n  prompt: One.\n', 'storyboard.totalDuration', /at most 36000/, /at most 36000/],
  ])('rejects %j naming the key, the value and the fix', async (yaml, field, message, fix) => {
    const e = await fails(`${yaml}${yaml.startsWith('storyboard') ? 'backend: ./fake-backend.mjs\n' : story}`);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.fix).toMatch(fix);
  });

  it('an unknown key in a backend section suggests the right one', async () => {
    const e = await fails(`fake:\n  modle: m2\n${story}`);
    expect(e.message).toContain('fake.modle: unknown key "modle" (did you mean "model"?)');
    expect(e.fix).toBe('rename "modle" to "model"');
  });

  it('subtitles from narration name the segments without a narration line', async () => {
    const e = await fails(
      `subtitles: { from: narration }\nbackend: ./fake-backend.mjs\nstoryboard:\n  segments:\n    - { prompt: a, narration: Hello }\n    - { prompt: b }\n`,
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain('subtitles.from');
    expect(e.message).toContain('storyboard.segments[1] have none');
  });

  it('a crossfade too long for the shortest segment is refused before anything runs, with the longest that fits', async () => {
    const e = await fails(
      `join: { crossfadeFrames: 30 }\noutput: { fps: 24 }\nbackend: ./fake-backend.mjs\nstoryboard:\n  segments:\n    - { prompt: a }\n    - { prompt: b, duration: 2 }\n`,
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toContain('join.crossfadeFrames');
    expect(e.message).toContain('too long for a 2 s segment (48 frames at 24 fps): use at most 23');
  });

  it('images: a module path loads that image generator, its section is validated and its secrets are masked; an unknown name is refused', async () => {
    const loaded = await parseConfig(`images: ./fake-images.mjs\nfakeimg: { size: 3, apiKey: sk-img-secret-1 }\n${story}`, file, { registry, env: {} });
    expect(loaded.images!.plugin.name).toBe('fakeimg');
    expect(loaded.images!.config).toEqual({ size: 3, apiKey: 'sk-img-secret-1' });
    expect(JSON.stringify(loaded.redacted)).not.toContain('sk-img-secret-1');
    const bad = await fails(`images: ./fake-images.mjs\nfakeimg: { size: big }\n${story}`);
    expect(bad).toMatchObject({ code: 'CONFIG_INVALID', field: 'fakeimg.size' });
    const missing = await fails(`images: nope\n${story}`);
    expect(missing).toMatchObject({ code: 'CONFIG_INVALID', field: 'images', value: 'nope' });
    expect(missing.message).toContain('@ttv/images-nope, ttv-images-nope');
    // The embedded default needs no section.
    expect((await parseConfig(story, file, { registry, env: {} })).images!.plugin.name).toBe('card');
  });

  it('a YAML alias bomb is CONFIG_INVALID, not INTERNAL', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      '',
    ].join('\n');
    const e = await fails(bomb);
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.field).toBe('(yaml)');
    expect(e.fix).toMatch(/aliases/);
  });

  it('a password inside a URL is redacted in the config copy and in any text', async () => {
    const secretUrl = 'https://alice:hunter2-pass@example.com/v1';
    const yaml = `backend: ./fake-backend.mjs\nstoryboard:\n  image: a.png\n  segments:\n    - prompt: "at \${BASE_URL}"\n`;
    const r = await parseConfig(yaml, file, { registry, env: { BASE_URL: secretUrl } });
    expect(JSON.stringify(r.redacted)).not.toContain('hunter2-pass');
    expect(JSON.stringify(r.redacted)).toContain('https://alice:***@example.com/v1');
    expect(redact('failed: hunter2-pass rejected')).toBe('failed: *** rejected');
    expect(redact('GET http://u:short@host/x')).toBe('GET http://u:***@host/x');
  });
});

describe('BackendRegistry suggestions', () => {
  it('a typo of a first-party backend says "did you mean", not "install a package that does not exist"', async () => {
    const e = (await registry.load('kenburn').catch((x: unknown) => x)) as TtvError;
    expect(e.code).toBe('BACKEND_NOT_INSTALLED');
    expect(e.message).toContain('did you mean "kenburns"?');
    expect(e.fix).toMatch(/^write kenburns instead of kenburn/);
    expect(e.fix).not.toContain('ttv-backend-kenburn ');
    expect(e.fix).not.toContain('@ttv/backend-kenburn ');
    const chained = await fails(story.replace('backend: ./fake-backend.mjs', 'backends: [./fake-backend.mjs, kenburn]'));
    expect(chained.message).toContain('did you mean "kenburns"?');
  });
});
