import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFakeCheckpoint, readRunRecords, wan21StandIn } from './index.js';
import { makeImage, probe } from './standin.fixture.js';

const wan = wan21StandIn();
let tmp: string;
let ckpt: string;
let img: string;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ttv-torchrun-test-'));
  ckpt = makeFakeCheckpoint(join(tmp, 'ckpt'), 'i2v-14B');
  img = await makeImage(join(tmp, 'in.png'), 1280, 720, 'pattern');
});
afterAll(() => {
  wan.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const genArgs = (save: string, extra: string[] = []) => [
  'generate.py',
  '--task',
  'i2v-14B',
  '--size',
  '832*480',
  '--ckpt_dir',
  ckpt,
  '--image',
  img,
  '--prompt',
  'p',
  '--base_seed',
  '5',
  '--frame_num',
  '9',
  '--save_file',
  save,
  '--dit_fsdp',
  '--t5_fsdp',
  '--ulysses_size',
  '2',
  ...extra,
];

function torchrun(port: number, args: string[], record: string, extraEnv: Record<string, string> = {}, opts = {}) {
  return execa(wan.torchrun, ['--nproc_per_node=2', `--rdzv_endpoint=localhost:${port}`, ...args], {
    cwd: wan.wanDir,
    env: { ...wan.env({ scale: 8, loadMs: 50, stepMs: 2, record, cudaVisibleDevices: '2,3', ...opts }), ...extraEnv },
    reject: false,
  });
}

describe('torchrun stand-in', () => {
  it('runs 2 ranks with RANK/LOCAL_RANK/WORLD_SIZE/MASTER_PORT; only rank 0 logs and writes the video', async () => {
    const port = await freePort();
    const record = join(tmp, 'ok.jsonl');
    const save = join(tmp, 'multi.mp4');
    const r = await torchrun(port, genArgs(save), record);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('Setting OMP_NUM_THREADS environment variable for each process to be 1');
    expect(r.stdout.match(/Generation job args/g)).toHaveLength(1);
    expect(r.stdout).toContain(`Saving generated video to ${save}`);
    expect(await probe(save)).toMatchObject({ frames: 9, fps: '16/1' });

    const recs = readRunRecords(record);
    const gens = recs.filter((x) => x.tool === 'wan21-generate').sort((a, b) => a.rank! - b.rank!);
    expect(gens.map((g) => g.env)).toEqual([
      {
        CUDA_VISIBLE_DEVICES: '2,3',
        RANK: '0',
        LOCAL_RANK: '0',
        WORLD_SIZE: '2',
        LOCAL_WORLD_SIZE: '2',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(port),
        OMP_NUM_THREADS: '1',
      },
      {
        CUDA_VISIBLE_DEVICES: '2,3',
        RANK: '1',
        LOCAL_RANK: '1',
        WORLD_SIZE: '2',
        LOCAL_WORLD_SIZE: '2',
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(port),
        OMP_NUM_THREADS: '1',
      },
    ]);
    expect(gens.map((g) => g.saved)).toEqual([true, undefined]);
    expect(gens.every((g) => g.offloadModel === false)).toBe(true); // WORLD_SIZE > 1 → offload default False
    // The ranks ran concurrently.
    expect(gens[1]!.start).toBeLessThan(gens[0]!.end);
    const tr = recs.find((x) => x.tool === 'torchrun')!;
    expect(tr).toMatchObject({ outcome: 'ok', port, nproc: 2, exitCode: 0 });
  });

  it('the 40 % ulysses rule applies per rank under torchrun', async () => {
    const port = await freePort();
    const r = await execa(wan.torchrun, ['--nproc_per_node=3', `--rdzv_endpoint=localhost:${port}`, ...genArgs(join(tmp, 'u3.mp4'), ['--ulysses_size', '3'])], {
      cwd: wan.wanDir,
      env: wan.env({ loadMs: 10, record: join(tmp, 'u3.jsonl') }),
      reject: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('AssertionError: `cfg.num_heads=40` cannot be divided evenly by `args.ulysses_size=3`.');
    expect(r.stderr).toContain('torch.distributed.elastic.multiprocessing.errors.ChildFailedError:');
    expect(r.stderr).toContain('generate.py FAILED');
    expect(r.stderr).toMatch(/exitcode\s+: 1 \(pid: \d+\)/);
  });

  it('fails with EADDRINUSE when the rendezvous port is taken (two jobs, one port)', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    try {
      const record = join(tmp, 'clash.jsonl');
      const r = await torchrun(port, genArgs(join(tmp, 'clash.mp4')), record);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`torch.distributed.DistNetworkError: The server socket has failed to listen on any local network address. port: ${port}`);
      expect(readRunRecords(record).map((x) => [x.tool, x.outcome])).toEqual([['torchrun', 'port_in_use']]);
    } finally {
      blocker.close();
    }
    // Two concurrent stand-in jobs on the same port: the second one fails while the first holds the port.
    const record = join(tmp, 'pair.jsonl');
    const first = torchrun(port, genArgs(join(tmp, 'p1.mp4')), record, {}, { loadMs: 800 });
    await new Promise((r) => setTimeout(r, 300));
    const second = await torchrun(port, genArgs(join(tmp, 'p2.mp4')), record);
    expect(second.exitCode).toBe(1);
    expect((await first).exitCode).toBe(0);
    expect(existsSync(join(tmp, 'p2.mp4'))).toBe(false);
  });

  it('a worker failure (oom on rank 1) terminates the others and prints ChildFailedError, exit 1', async () => {
    const port = await freePort();
    const record = join(tmp, 'fail.jsonl');
    const r = await torchrun(port, genArgs(join(tmp, 'fail.mp4')), record, {}, { fault: 'oom', faultRank: 1 });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('torch.OutOfMemoryError: CUDA out of memory.');
    expect(r.stderr).toMatch(/Root Cause \(first observed failure\):\n\[0\]:\n(.*\n){2}\s+rank\s+: 1 \(local_rank: 1\)/);
    expect(readRunRecords(record).find((x) => x.tool === 'torchrun')).toMatchObject({ outcome: 'child_failed' });
  });

  it('forwards SIGTERM to the workers', async () => {
    const port = await freePort();
    const record = join(tmp, 'term.jsonl');
    const proc = torchrun(port, genArgs(join(tmp, 'term.mp4')), record, {}, { fault: 'hang', loadMs: 10 });
    // Both ranks must be up (signal handlers installed) before the SIGTERM: wait for rank 0 to reach generation,
    // then give rank 1, started with it, time to get there too — not a fixed delay, which a loaded machine outruns.
    let out = '';
    await new Promise<void>((resolve) => {
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Generating video')) resolve();
      });
      setTimeout(resolve, 20_000);
    });
    await new Promise((r) => setTimeout(r, 1500));
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('SignalException: Process');
    const gens = readRunRecords(record).filter((x) => x.tool === 'wan21-generate');
    expect(gens.map((g) => g.signal)).toEqual(['SIGTERM', 'SIGTERM']);
  });
});
