import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestImage } from '@ttv/core/testing';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, scratchDir } from './helpers.js';

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
  }, 120_000); // ~31 s on a quiet machine (two emulators started and stopped), more under load

  it('each printed snippet is a valid section of its backend: `ttv plan` accepts it as is', async () => {
    const dir = scratchDir('emulate-snippets');
    const image = join(dir, 'first.png');
    await makeTestImage(image, { width: 320, height: 180 });
    for (const [service, pkg] of [
      ['runway', 'backend-runway'],
      ['veo', 'backend-veo3'],
      ['wan21', 'backend-wan21'],
    ] as const) {
      const { child, info } = await start(service);
      try {
        // Load the backend by its built module path (the CLI package does not depend on it), keep the section.
        const modulePath = fileURLToPath(new URL(`../../../${pkg}/dist/index.js`, import.meta.url));
        const snippet = String(info.snippet).replace(/^backend: .*$/m, `backend: ${modulePath}`);
        const file = join(dir, `${service}.yaml`);
        await writeFile(file, `${snippet}\nstoryboard:\n  image: first.png\n  segments:\n    - prompt: one\n`);
        const plan = await execa(process.execPath, [CLI_BIN, 'plan', '--config', file, '--json'], { reject: false, stdin: 'ignore' });
        expect(plan.exitCode, `${service}: ${plan.stdout}${plan.stderr}`).toBe(0);
      } finally {
        child.kill('SIGINT');
        await child;
      }
    }
  }, 120_000); // three emulators and three `ttv plan` subprocesses, each decoding the first frame with ffprobe

  it('openai and gemini: the snippet points @ttv/ai at the emulator, and `ttv plan` plans the script through it (one LLM call)', async () => {
    const dir = scratchDir('emulate-ai');
    for (const service of ['openai', 'gemini'] as const) {
      const { child, info } = await start(service);
      try {
        expect(info).toMatchObject({ ok: true, service });
        const base = service === 'openai' ? `${info.url}/v1` : `${info.url}/v1beta`;
        expect(info.snippet).toContain(`baseURL: ${base}`);
        // @ttv/ai by its built module paths (the CLI package does not depend on it); the sections stay as printed.
        const ai = (entry: string) => fileURLToPath(new URL(`../../../ai/dist/${entry}.js`, import.meta.url));
        const snippet = String(info.snippet)
          .replace('planner: ai', `planner: ${ai('planner')}`)
          .replace('images: ai', `images: ${ai('images')}`);
        const file = join(dir, `${service}.yaml`);
        await writeFile(file, `${snippet}\nmode: keyframe\nbackend: kenburns\nstoryboard:\n  totalDuration: 10\n  prompt: One. Two. Three. Four.\n`);
        const plan = await execa(process.execPath, [CLI_BIN, 'plan', '--config', file, '--json'], { reject: false, stdin: 'ignore' });
        expect(plan.exitCode, `${service}: ${plan.stdout}${plan.stderr}`).toBe(0);
        const stats = (await (await fetch(`${info.url}/__emulator/${service}/stats`)).json()) as { answered: number };
        expect(stats.answered).toBe(1);
      } finally {
        child.kill('SIGINT');
        await child;
      }
    }
  }, 120_000);

  it('an unknown service is refused with exit 2', async () => {
    const r = await execa(process.execPath, [CLI_BIN, 'emulate', 'sora'], { reject: false, stdin: 'ignore' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Expected sora to be one of: runway, veo, wan21, openai, gemini/);
  });
});
