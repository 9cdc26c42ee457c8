// generate() against the Wan2.1 generate.py / torchrun stand-ins: real processes, real MP4s.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type GenerateContext, type GenerateRequest, type ProgressUpdate, TtvError } from '@ttv/core';
import { probeVideo } from '@ttv/core/media';
import { readRunRecords, type StandInEnvOptions } from '@ttv/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WanFixture, wanFixture } from './standin.fixture.js';

let fx: WanFixture;
beforeAll(async () => {
  fx = await wanFixture();
});
afterAll(() => fx?.cleanup());

interface Rec {
  ctx: GenerateContext;
  logs: string[];
  progress: ProgressUpdate[];
  controller: AbortController;
}
function context(lease?: number[]): Rec {
  const controller = new AbortController();
  const rec: Rec = {
    controller,
    logs: [],
    progress: [],
    ctx: {
      signal: controller.signal,
      onProgress: (p) => rec.progress.push(p),

      log: (l) => rec.logs.push(l),
      workDir: fx.dir,
      ...(lease ? { lease: { gpus: lease } } : {}),
    },
  };
  return rec;
}

let n = 0;
const request = (o: Partial<GenerateRequest> = {}): GenerateRequest => fx.request({ seed: 77, ...o }, 'gen');

function setup(config: Record<string, unknown> = {}, env: StandInEnvOptions = {}) {
  const record = join(fx.dir, `rec-${++n}.jsonl`);
  return { record, backend: fx.backend(config, { scale: 4, record, ...env }) };
}

async function failure(p: Promise<unknown>): Promise<TtvError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(TtvError.is(e), String(e)).toBe(true);
  return e as TtvError;
}

const onlyOutput = (req: GenerateRequest) => expect(readdirSync(join(req.outputPath, '..'))).toEqual(existsSync(req.outputPath) ? ['clip.mp4'] : []);

describe('wan21 generate against the stand-in', () => {
  it('one GPU: runs generate.py with the leased GPU, the seed and an absolute temp save_file, verifies 17 frames @16 fps', async () => {
    const { backend, record } = setup({ gpus: [0, 1, 2] });
    const rec = context([2]);
    const req = request();
    const result = await backend.generate(req, rec.ctx);
    const probe = await probeVideo(req.outputPath);
    expect(probe).toMatchObject({ frames: 17, fps: 16 });
    expect(result).toMatchObject({ file: req.outputPath, frames: 17, fps: 16, costUsd: 0, width: probe.width, height: probe.height });
    onlyOutput(req);
    const [r] = readRunRecords(record);
    expect(r).toMatchObject({
      tool: 'wan21-generate',
      outcome: 'ok',
      task: 'i2v-14B',
      frameNum: 17,
      seed: 77,
      prompt: 'a calm lake at dawn',
      geometry: { width: 832, height: 464 },
    });
    expect(r!.env.CUDA_VISIBLE_DEVICES).toBe('2');
    expect(r!.fallbacks ?? []).toEqual([]);
    expect(r!.cwd).toBe(fx.wanDir);
    const save = r!.argv[r!.argv.indexOf('--save_file') + 1]!;
    expect(save.startsWith(join(req.outputPath, '..'))).toBe(true);
    expect(save).toMatch(/\.tmp\.mp4$/);
    // Progress from tqdm on stderr; Wan's log lines in the run log.
    expect(rec.progress.some((p) => p.message === 'step 40/40')).toBe(true);
    expect(rec.progress.at(-1)).toEqual({ fraction: 1 });
    expect(rec.logs.some((l) => l.includes('[stdout]') && l.includes('Generating video'))).toBe(true);
  });

  it("a prompt starting with -h reaches generate.py as the prompt (Wan's argparse would otherwise print help and exit)", async () => {
    const { backend, record } = setup();
    const req = request({ prompt: '-h a heron lifts off the water' });
    await backend.generate(req, context([0]).ctx);
    expect(readRunRecords(record)[0]).toMatchObject({ outcome: 'ok', prompt: '-h a heron lifts off the water' });
  });

  it('two GPUs per job: torchrun with 2 ranks, CUDA_VISIBLE_DEVICES from the lease, a fresh rendezvous port per job', async () => {
    const { backend, record } = setup({ gpus: [0, 1, 2, 3], gpusPerJob: 2 });
    const a = request();
    const b = request({
      model: 'flf2v-14B',
      width: 1280,
      height: 720,
      durationSec: 5.0625,
      firstFrame: fx.images.wide,
      lastFrame: fx.images.wideLast,
      seed: 5,
    });
    await Promise.all([backend.generate(a, context([0, 1]).ctx), backend.generate(b, context([2, 3]).ctx)]);
    expect((await probeVideo(b.outputPath)).frames).toBe(81);
    const records = readRunRecords(record);
    const torchruns = records.filter((r) => r.tool === 'torchrun');
    const workers = records.filter((r) => r.tool === 'wan21-generate');
    expect(torchruns).toHaveLength(2);
    expect(workers).toHaveLength(4);
    expect(new Set(torchruns.map((r) => r.port)).size).toBe(2);
    for (const t of torchruns) expect(t).toMatchObject({ outcome: 'ok', nproc: 2 });
    const byTask = (task: string) => workers.filter((w) => w.task === task);
    expect(byTask('i2v-14B').map((w) => w.env.CUDA_VISIBLE_DEVICES)).toEqual(['0,1', '0,1']);
    expect(byTask('flf2v-14B').map((w) => w.env.CUDA_VISIBLE_DEVICES)).toEqual(['2,3', '2,3']);
    for (const w of workers) {
      expect(w.env.WORLD_SIZE).toBe('2');
      expect(w.argv).toEqual(expect.arrayContaining(['--dit_fsdp', '--t5_fsdp', '--ulysses_size', '2']));
      expect(w.outcome).toBe('ok');
    }
  });

  it('a failed save that exits 0 is a GENERATION_FAILED, not a success', async () => {
    const { backend, record } = setup({}, { fault: 'save_fail' });
    const req = request();
    const e = await failure(backend.generate(req, context().ctx));
    expect(e.code).toBe('GENERATION_FAILED');
    expect(e.message).toContain('exited 0 but saved no video');
    expect(e.message).toContain('cache_video failed');
    expect(readRunRecords(record)[0]).toMatchObject({ outcome: 'save_failed', exitCode: 0 });
    onlyOutput(req);
  });

  it('CUDA out of memory: GENERATION_FAILED, not retryable, with what to change', async () => {
    const { backend } = setup({}, { fault: 'oom' });
    const e = await failure(backend.generate(request(), context().ctx));
    expect(e).toMatchObject({ code: 'GENERATION_FAILED', retryable: false });
    expect(e.message).toContain('CUDA out of memory');
    expect(e.fix).toContain('offloadModel: true');
    expect(e.fix).toContain('t5Cpu: true');
    expect(e.fix).toContain('gpusPerJob');
  });

  it('OOM in one torchrun rank is still recognised (ChildFailedError around it)', async () => {
    const { backend } = setup({ gpus: [0, 1], gpusPerJob: 2 }, { fault: 'oom', faultRank: 1 });
    const e = await failure(backend.generate(request(), context().ctx));
    expect(e.code).toBe('GENERATION_FAILED');
    expect(e.details?.reason).toBe('cuda-oom');
  });

  it('killed by SIGKILL (host OOM killer) and a crash mid-write leave no output', async () => {
    for (const fault of ['sigkill', 'crash_mid_write'] as const) {
      const { backend } = setup({}, { fault });
      const req = request();
      const e = await failure(backend.generate(req, context().ctx));
      expect(e.code, fault).toBe('GENERATION_FAILED');
      expect(e.message).toContain('SIGKILL');
      onlyOutput(req);
    }
  });

  it('timeout kills the whole group (torchrun and its ranks) and maps to TIMEOUT', async () => {
    // 6 s: both ranks must be up and hanging before the timeout fires, also on a loaded CI machine
    // (at 1.8 s a slow second rank had not started yet, so only one record was written).
    const { backend, record } = setup({ gpus: [0, 1], gpusPerJob: 2, timeoutMinutes: 0.1, killGraceSeconds: 1 }, { fault: 'hang' });
    const req = request();
    const t0 = Date.now();
    const e = await failure(backend.generate(req, context().ctx));
    expect(e).toMatchObject({ code: 'TIMEOUT', field: 'wan21.timeoutMinutes' });
    expect(Date.now() - t0).toBeLessThan(25_000);
    await new Promise((r) => setTimeout(r, 300));
    const records = readRunRecords(record);
    expect(records.filter((r) => r.tool === 'wan21-generate')).toHaveLength(2);
    for (const r of records) expect(['signal', 'sigkill'], JSON.stringify(r)).toContain(r.outcome);
    onlyOutput(req);
  });

  it('abort mid-run kills the process and rejects with CANCELLED within the grace period', async () => {
    // 500 ms a sampling step: the run would take ~20 s; the abort must end it within the 2 s grace (+ load).
    const { backend } = setup({}, { stepMs: 500 });
    const rec = context();
    const req = request();
    const running = backend.generate(req, rec.ctx);
    await new Promise((r) => setTimeout(r, 800));
    const t0 = Date.now();
    rec.controller.abort();
    const e = await failure(running);
    expect(e.code).toBe('CANCELLED');
    expect(Date.now() - t0).toBeLessThan(8000);
    onlyOutput(req);
  });

  it('a python that does not exist is a CONFIG_INVALID naming wan21.python', async () => {
    const { backend } = setup({ python: '/nonexistent/python' });
    const e = await failure(backend.generate(request(), context().ctx));
    expect(e).toMatchObject({ code: 'CONFIG_INVALID', field: 'wan21.python' });
  });

  it('doctor: python, checkout and checkpoints pass; GPUs and flash-attn fail with a fix (no CUDA here)', async () => {
    const { backend } = setup({ nvidiaSmi: '/nonexistent/nvidia-smi', gpusPerJob: 2, gpus: [0, 1] });
    const checks = await backend.doctor();
    const by = Object.fromEntries(checks.map((c) => [c.name, c]));
    expect(by['python']?.ok).toBe(true);
    expect(by['Wan2.1 checkout']?.ok).toBe(true);
    expect(by['checkpoint i2v-14B']?.ok).toBe(true);
    expect(by['checkpoint flf2v-14B']?.ok).toBe(true);
    expect(by['GPUs']).toMatchObject({ ok: false });
    expect(by['GPUs']?.fix).toBeTruthy();
    expect(by['flash_attn']).toMatchObject({ ok: false });
    expect(by['flash_attn']?.fix).toContain('flash-attn');
    expect(by['xfuser']?.ok).toBe(false);
    expect(by['torchrun']?.ok).toBe(true);
    const broken = fx.backend({ checkpoints: { 'i2v-14B': fx.flfCkpt } });
    const c2 = Object.fromEntries((await broken.doctor()).map((c) => [c.name, c]));
    expect(c2['checkpoint i2v-14B']).toMatchObject({ ok: false });
    expect(c2['checkpoint i2v-14B']?.detail).toContain('"flf2v"');
    expect(c2['checkpoint flf2v-14B']?.detail).toContain('not set');
  });
});
