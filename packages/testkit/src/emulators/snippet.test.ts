import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startRunwayEmulator, startVeoEmulator, wan21StandIn } from './index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('each emulator hands out its own config snippet', () => {
  it('runway: backend, baseUrl and the test key', async () => {
    const emu = await startRunwayEmulator({ apiKey: 'key_snippet' });
    cleanups.push(() => emu.close());
    const s = emu.configSnippet();
    expect(s.yaml).toMatch(/^backend: runway\nrunway:\n/);
    expect(s.yaml).toContain(`  baseUrl: ${emu.url}\n`);
    expect(s.yaml).toContain('  apiKey: key_snippet');
    expect(s.env).toEqual({});
  });

  it('veo: access-token auth, its project/location, Vertex and Cloud Storage on the emulator URL', async () => {
    const emu = await startVeoEmulator({ project: 'p1', location: 'europe-west4', accessToken: 'tok' });
    cleanups.push(() => emu.close());
    const s = emu.configSnippet();
    expect(s.yaml).toMatch(/^backend: veo3\nveo3:\n {2}auth: access-token\n/);
    for (const line of ['  accessToken: tok', '  project: p1', '  location: europe-west4', `  baseUrl: ${emu.url}`, `  storageEndpoint: ${emu.url}`]) {
      expect(s.yaml).toContain(line);
    }
  });

  it('wan21: the stand-in checkout, fake checkpoints (created) and the stand-in settings as env', () => {
    const standIn = wan21StandIn();
    cleanups.push(() => standIn.cleanup());
    const s = standIn.configSnippet({ scale: 4, stepMs: 5 });
    expect(s.yaml).toMatch(/^backend: wan21\nwan21:\n/);
    expect(s.yaml).toContain(`  wanDir: ${standIn.wanDir}`);
    expect(s.yaml).toContain('    WAN_STANDIN_SCALE: "4"');
    expect(s.yaml).toContain('    WAN_STANDIN_STEP_MS: "5"');
    const dir = /i2v-14B: (.+)/.exec(s.yaml)?.[1];
    expect(dir && existsSync(`${dir}/config.json`)).toBe(true);
    expect(s.notes.length).toBeGreaterThan(0);
  });
});
