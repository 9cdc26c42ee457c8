import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_BIN } from './helpers.js';

/** Starts `ttv emulate <service> --json`, waits for its JSON, returns it and the process. */
async function start(service: string) {
  const child = execa(process.execPath, [CLI_BIN, 'emulate', service, '--json', '--task-ms', '200'], { reject: false, stdin: 'ignore', timeout: 60_000 });
  let buf = '';
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      try {
        resolve(JSON.parse(buf) as Record<string, unknown>);
      } catch {
        // incomplete
      }
    });
    child.then(() => reject(new Error(`exited early: ${buf}`)), reject);
  });
  return { child, info };
}

describe('ttv emulate (subprocess, runs until Ctrl-C)', () => {
  it('runway: prints the URL and config snippet, serves the API, stops cleanly on SIGINT', async () => {
    const { child, info } = await start('runway');
    expect(info).toMatchObject({ ok: true, service: 'runway' });
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.snippet).toContain(`baseUrl: ${info.url}`);
    const res = await fetch(`${info.url}/v1/organization`, { headers: { authorization: 'Bearer key_test', 'x-runway-version': '2024-11-06' } });
    expect(res.status).toBe(200);
    child.kill('SIGINT');
    const done = await child;
    expect(done.exitCode).toBe(0);
    expect(done.stderr).toMatch(/runway emulator stopped/);
  });

  it('veo and wan21 start too', async () => {
    for (const service of ['veo', 'wan21']) {
      const { child, info } = await start(service);
      expect(info).toMatchObject({ ok: true, service });
      expect(String(info.snippet)).toMatch(service === 'veo' ? /baseUrl: http:\/\/127\.0\.0\.1:\d+/ : /wanDir: \//);
      child.kill('SIGINT');
      expect((await child).exitCode).toBe(0);
    }
  });

  it('an unknown service is refused with exit 2', async () => {
    const r = await execa(process.execPath, [CLI_BIN, 'emulate', 'sora'], { reject: false, stdin: 'ignore' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Expected sora to be one of: runway, veo, wan21/);
  });
});
