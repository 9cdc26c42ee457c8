import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFakeCheckpoint, readRunRecords, type StandInEnvOptions, standInScaled, wan21StandIn, wanOutputGeometry } from './index.js';
import { firstFrame, lastFrame, makeImage, probe, psnrY } from './standin.fixture.js';

const SCALE = 8;
const wan = wan21StandIn();
let tmp: string;
let i2vCkpt: string;
let flfCkpt: string;
let wide: string; // 1280×720 pattern
let square: string; // 1024×1024 JPEG
let smoothA: string; // 1280×720 gradient
let smoothB: string; // 1024×576 gradient (different size: cover + crop)
let n = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ttv-wan-test-'));
  i2vCkpt = makeFakeCheckpoint(join(tmp, 'Wan2.1-I2V-14B-480P'), 'i2v-14B');
  flfCkpt = makeFakeCheckpoint(join(tmp, 'Wan2.1-FLF2V-14B-720P'), 'flf2v-14B');
  wide = await makeImage(join(tmp, 'wide.png'), 1280, 720, 'pattern');
  square = await makeImage(join(tmp, 'square.jpg'), 1024, 1024, 'pattern');
  smoothA = await makeImage(join(tmp, 'a.png'), 1280, 720, 'a');
  smoothB = await makeImage(join(tmp, 'b.png'), 1024, 576, 'b');
});
afterAll(() => {
  wan.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[], opts: StandInEnvOptions & { record?: string } = {}) {
  const record = opts.record ?? join(tmp, `rec-${++n}.jsonl`);
  const proc = execa(wan.python, [wan.generatePy, ...args], {
    cwd: wan.wanDir,
    env: { ...wan.env({ scale: SCALE, loadMs: 50, stepMs: 1, ...opts, record }) },
    reject: false,
  });
  const done = proc.then((r) => Object.assign(r, { record }));
  /** Resolves once the stand-in has logged `text` (e.g. it reached generation, its signal handlers installed). */
  const logged = (text: string) =>
    new Promise<void>((resolve) => {
      let out = '';
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(text)) resolve();
      });
      setTimeout(resolve, 20_000);
    });
  return Object.assign(done, { record, logged, kill: (sig: NodeJS.Signals) => proc.kill(sig) });
}

const i2vArgs = (extra: string[] = [], { prompt = 'a cat', seed = '42', frames = '17' } = {}) => [
  '--task',
  'i2v-14B',
  '--size',
  '832*480',
  '--ckpt_dir',
  i2vCkpt,
  '--image',
  wide,
  '--prompt',
  prompt,
  '--base_seed',
  seed,
  '--frame_num',
  frames,
  ...extra,
];

/** flf2v-14B at 1280*720 from smoothA to smoothB. */
const flfArgs = (prompt: string, seed: string, extra: string[] = []) => [
  '--task',
  'flf2v-14B',
  '--size',
  '1280*720',
  '--ckpt_dir',
  flfCkpt,
  '--first_frame',
  smoothA,
  '--last_frame',
  smoothB,
  '--prompt',
  prompt,
  '--base_seed',
  seed,
  ...extra,
];

describe('Wan2.1 generate.py stand-in: argparse and asserts', () => {
  it('rejects a size that is not valid for the task with Wan’s assert message (exit 1, traceback)', async () => {
    const r = await run(['--task', 'i2v-14B', '--size', '1024*1024', '--ckpt_dir', i2vCkpt]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Traceback (most recent call last):');
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'AssertionError: Unsupport size 1024*1024 for task i2v-14B, supported sizes are: 720*1280, 1280*720, 480*832, 832*480',
    );
    const r2 = await run(['--task', 't2v-1.3B', '--size', '1280*720', '--ckpt_dir', i2vCkpt]);
    expect(r2.stderr).toContain('AssertionError: Unsupport size 1280*720 for task t2v-1.3B, supported sizes are: 480*832, 832*480');
    const [rec] = readRunRecords(r.record);
    expect(rec).toMatchObject({ outcome: 'error', exitCode: 1 });
  });

  it('requires --ckpt_dir', async () => {
    const r = await run(['--task', 'i2v-14B']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/AssertionError: Please specify the checkpoint directory\.\s*$/);
  });

  it('t2i needs frame_num 1', async () => {
    const r = await run(['--task', 't2i-14B', '--ckpt_dir', i2vCkpt, '--frame_num', '5']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('AssertionError: Unsupport frame_num 5 for task t2i-14B');
  });

  it('exits 2 with usage for unknown flags, bad choices, bad bools and "x" sizes', async () => {
    for (const [args, msg] of [
      [['--ckpt_dir', i2vCkpt, '--frames', '81'], 'generate.py: error: unrecognized arguments: --frames 81'],
      [['--ckpt_dir', i2vCkpt, '--offload_model', 'maybe'], 'generate.py: error: argument --offload_model: Boolean value expected (True/False)'],
      [['--ckpt_dir', i2vCkpt, '--size', '1280x720'], "generate.py: error: argument --size: invalid choice: '1280x720'"],
      [['--ckpt_dir', i2vCkpt, '--task', 'i2v-1.3B'], "generate.py: error: argument --task: invalid choice: 'i2v-1.3B'"],
      [['--ckpt_dir', i2vCkpt, '--frame_num', 'abc'], "generate.py: error: argument --frame_num: invalid int value: 'abc'"],
    ] as const) {
      const r = await run([...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('usage: generate.py');
      expect(r.stderr).toContain(msg);
      expect(readRunRecords(r.record)[0]).toMatchObject({ outcome: 'argparse_error', exitCode: 2 });
    }
  });

  it('accepts every str2bool spelling', async () => {
    for (const v of ['yes', 'True', 't', 'Y', '1', 'no', 'FALSE', 'f', 'n', '0']) {
      // Fails later (size) but not in argparse.
      const r = await run(['--ckpt_dir', i2vCkpt, '--task', 't2v-1.3B', '--size', '1280*720', '--offload_model', v]);
      expect(r.exitCode, v).toBe(1);
    }
  });

  it('rejects fsdp and context parallel with one process, checks ulysses×ring == WORLD_SIZE and 40 % ulysses', async () => {
    const fsdp = await run(i2vArgs(['--dit_fsdp']));
    expect(fsdp.exitCode).toBe(1);
    expect(fsdp.stderr).toContain('AssertionError: t5_fsdp and dit_fsdp are not supported in non-distributed environments.');
    const usp = await run(i2vArgs(['--ulysses_size', '2']));
    expect(usp.stderr).toContain('AssertionError: context parallel are not supported in non-distributed environments.');

    // As rank 0 of 3 processes (the env torchrun gives each rank).
    const asRankOfThree = (args: string[]) =>
      execa(wan.python, [wan.generatePy, ...args], {
        cwd: wan.wanDir,
        env: { ...wan.env({ loadMs: 10 }), RANK: '0', LOCAL_RANK: '0', WORLD_SIZE: '3' },
        reject: false,
      });
    const mism = await asRankOfThree(i2vArgs(['--ulysses_size', '2']));
    expect(mism.exitCode).toBe(1);
    expect(mism.stderr).toContain('AssertionError: The number of ulysses_size and ring_size should be equal to the world size.');
    const heads = await asRankOfThree(i2vArgs(['--ulysses_size', '3']));
    expect(heads.exitCode).toBe(1);
    expect(heads.stderr).toContain('AssertionError: `cfg.num_heads=40` cannot be divided evenly by `args.ulysses_size=3`.');
  });
});

describe('Wan2.1 generate.py stand-in: crashes after loading', () => {
  it('frame_num not 4n+1 crashes with a tensor size mismatch only after the model load', async () => {
    const t0 = Date.now();
    const r = await run(i2vArgs(['--frame_num', '80']), { loadMs: 400 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('Creating WanI2V pipeline.');
    expect(r.stderr).toMatch(/RuntimeError: Sizes of tensors must match/);
  });

  it('flf2v with frame_num != 81 crashes the same way (hard-coded 81-frame mask)', async () => {
    const r = await run(flfArgs('x', '1', ['--frame_num', '33']));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/RuntimeError: Sizes of tensors must match/);
  });

  it('missing input image → FileNotFoundError after loading, exit 1', async () => {
    const t0 = Date.now();
    const r = await run(i2vArgs(['--image', join(tmp, 'nope.png')]), { loadMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`FileNotFoundError: [Errno 2] No such file or directory: '${join(tmp, 'nope.png')}'`);
  });

  it('checks the checkpoint: missing dir and wrong task', async () => {
    const missing = await run(i2vArgs(['--ckpt_dir', join(tmp, 'no-ckpt')]));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain(`FileNotFoundError: [Errno 2] No such file or directory: '${join(tmp, 'no-ckpt', 'models_t5_umt5-xxl-enc-bf16.pth')}'`);
    const wrong = await run(i2vArgs(['--ckpt_dir', flfCkpt]));
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/RuntimeError: Error\(s\) in loading state_dict for WanModel:[\s\S]*model_type='flf2v'/);
  });

  it('missing --prompt/--image fall back to Wan’s examples (recorded)', async () => {
    const save = join(tmp, 'fallback.mp4');
    const r = await run(['--task', 'i2v-14B', '--size', '832*480', '--ckpt_dir', i2vCkpt, '--frame_num', '5', '--base_seed', '1', '--save_file', save]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Input image: examples/i2v_input.JPG');
    expect(r.stdout).toContain('Input prompt: Summer beach vacation style');
    expect(readRunRecords(r.record)[0]!.fallbacks).toEqual(['prompt', 'image']);
    // flf2v: one missing frame replaces both.
    const f = await run([
      '--task',
      'flf2v-14B',
      '--size',
      '832*480',
      '--ckpt_dir',
      flfCkpt,
      '--first_frame',
      smoothA,
      '--prompt',
      'p',
      '--base_seed',
      '1',
      '--save_file',
      join(tmp, 'fb2.mp4'),
    ]);
    expect(f.exitCode).toBe(0);
    expect(f.stdout).toContain('Input first frame: examples/flf2v_input_first_frame.png');
    expect(readRunRecords(f.record)[0]!.fallbacks).toEqual(['first_frame', 'last_frame']);
  });
});

describe('Wan2.1 generate.py stand-in: output', () => {
  it('i2v 16:9 at 832*480: exactly frame_num frames at 16 fps, Wan geometry, first frame = input', async () => {
    const save = join(tmp, 'i2v-wide.mp4');
    const r = await run(i2vArgs(['--save_file', save]));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] INFO: Generation job args: Namespace\(task='i2v-14B'/m);
    expect(r.stdout).toContain('Input prompt: a cat');
    expect(r.stdout).toContain('Generating video ...');
    expect(r.stdout).toContain(`Saving generated video to ${save}`);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/INFO: Finished\.$/);
    expect(r.stderr).toContain('\r100%|██████████| 40/40 [');
    expect(r.stderr).toMatch(/\r 40%\|████ {6}\| 16\/40 \[/);

    const geom = wanOutputGeometry({ width: 1280, height: 720 }, '832*480');
    expect(geom).toEqual({ width: 832, height: 464 });
    const p = await probe(save);
    expect(p).toMatchObject({ frames: 17, fps: '16/1', codec: 'h264', pixFmt: 'yuv420p', audioStreams: 0, ...standInScaled(geom, SCALE) });
    const rec = readRunRecords(r.record)[0]!;
    expect(rec).toMatchObject({ outcome: 'ok', geometry: geom, rendered: standInScaled(geom, SCALE), saveFile: save, fallbacks: [] });
    expect(rec.argv).toEqual(i2vArgs(['--save_file', save]));
  });

  it('i2v square input at 1280*720 → 960×960 (full scale, 5 frames)', async () => {
    const save = join(tmp, 'i2v-square.mp4');
    const r = await run(
      [
        '--task',
        'i2v-14B',
        '--size',
        '1280*720',
        '--ckpt_dir',
        i2vCkpt,
        '--image',
        square,
        '--prompt',
        'p',
        '--base_seed',
        '3',
        '--frame_num',
        '5',
        '--save_file',
        save,
      ],
      { scale: 1 },
    );
    expect(r.exitCode).toBe(0);
    expect(wanOutputGeometry({ width: 1024, height: 1024 }, '1280*720')).toEqual({ width: 960, height: 960 });
    expect(await probe(save)).toMatchObject({ frames: 5, fps: '16/1', width: 960, height: 960 });
    expect(await psnrY(await firstFrame(save, join(tmp, 'sq0.png')), square, 'scale=960:960:flags=bicubic')).toBeGreaterThan(30);
  });

  it('matches the reference geometry table', () => {
    const table: [number, number, string, number, number][] = [
      [1920, 1080, '1280*720', 1280, 720],
      [1024, 576, '832*480', 832, 464],
      [1024, 1024, '832*480', 624, 624],
      [1536, 1024, '1280*720', 1168, 768],
      [1536, 1024, '832*480', 768, 512],
      [832, 480, '1280*720', 1248, 720],
      [720, 1280, '832*480', 464, 832],
      [720, 1280, '1280*720', 720, 1280],
    ];
    for (const [w, h, size, ew, eh] of table) expect(wanOutputGeometry({ width: w, height: h }, size)).toEqual({ width: ew, height: eh });
  });

  it('flf2v: 81 frames, starts on the first image and ends exactly on the fitted last image', async () => {
    const save = join(tmp, 'flf.mp4');
    const r = await run(flfArgs('fly', '9', ['--save_file', save]));
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('50/50'); // flf2v defaults to 50 steps
    const { width, height } = standInScaled({ width: 1280, height: 720 }, SCALE);
    expect(await probe(save)).toMatchObject({ frames: 81, fps: '16/1', width, height });
    const last = await lastFrame(save, join(tmp, 'flf-last.png'));
    const fitB = `scale=${width}:${height}:force_original_aspect_ratio=increase:flags=bicubic,crop=${width}:${height}`;
    const fitA = `scale=${width}:${height}:flags=bicubic`;
    expect(await psnrY(last, smoothB, fitB)).toBeGreaterThan(35);
    expect(await psnrY(last, smoothA, fitA)).toBeLessThan(20);
    const first = await firstFrame(save, join(tmp, 'flf-first.png'));
    expect(await psnrY(first, smoothA, fitA)).toBeGreaterThan(35);
  });

  it('is deterministic per seed and differs across seeds', async () => {
    const [a, b, c] = ['s1a', 's1b', 's2'].map((s) => join(tmp, `${s}.mp4`));
    await run(i2vArgs(['--base_seed', '1', '--save_file', a!]));
    await run(i2vArgs(['--base_seed', '1', '--save_file', b!]));
    await run(i2vArgs(['--base_seed', '2', '--save_file', c!]));
    const la = await lastFrame(a!, join(tmp, 's1a.png'));
    expect(await psnrY(la, await lastFrame(b!, join(tmp, 's1b.png')), 'null')).toBe(Infinity);
    expect(await psnrY(la, await lastFrame(c!, join(tmp, 's2.png')), 'null')).toBeLessThan(40);
  });

  it('without --save_file writes Wan’s default name into the cwd', async () => {
    const r = await run(i2vArgs([], { prompt: 'a red/blue fox', seed: '1', frames: '5' }));
    expect(r.exitCode).toBe(0);
    const m = /Saving generated video to (i2v-14B_832\*480_1_1_a_red_blue_fox_\d{8}_\d{6}\.mp4)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(existsSync(join(wan.wanDir, m![1]!))).toBe(true);
    rmSync(join(wan.wanDir, m![1]!));
  });
});

describe('Wan2.1 generate.py stand-in: faults and signals', () => {
  it('save_fail: "cache_video failed", no file, still Finished and exit 0', async () => {
    const save = join(tmp, 'savefail.mp4');
    const r = await run(i2vArgs(['--save_file', save]), { fault: 'save_fail' });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('cache_video failed, error: [Errno 28] No space left on device');
    expect(r.stdout).toMatch(/INFO: Finished\.\s*$/);
    expect(existsSync(save)).toBe(false);
    expect(readRunRecords(r.record)[0]).toMatchObject({ outcome: 'save_failed', exitCode: 0, saved: false });
  });

  it('a save_file in a missing directory fails the same silent way', async () => {
    const save = join(tmp, 'no-such-dir', 'x.mp4');
    const r = await run(i2vArgs(['--save_file', save]));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('cache_video failed, error: [Errno 2] No such file or directory');
    expect(existsSync(save)).toBe(false);
  });

  it('oom: torch.OutOfMemoryError traceback, exit 1', async () => {
    const r = await run(i2vArgs(['--save_file', join(tmp, 'oom.mp4')]), { fault: 'oom' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Traceback (most recent call last):');
    expect(r.stderr).toMatch(/torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.00 GiB\. GPU 0 has a total capacity of 23\.65 GiB/);
    expect(existsSync(join(tmp, 'oom.mp4'))).toBe(false);
  });

  it('sigkill: killed by SIGKILL like the host OOM killer', async () => {
    const r = await run(i2vArgs(['--save_file', join(tmp, 'k.mp4')]), { fault: 'sigkill' });
    expect(r.signal).toBe('SIGKILL');
    expect(readRunRecords(r.record)[0]).toMatchObject({ outcome: 'sigkill' });
  });

  it('crash_mid_write: leaves a truncated, unplayable file and dies', async () => {
    const save = join(tmp, 'partial.mp4');
    const r = await run(i2vArgs(['--save_file', save]), { fault: 'crash_mid_write' });
    expect(r.signal).toBe('SIGKILL');
    expect(statSync(save).size).toBeGreaterThan(0);
    await expect(probe(save)).rejects.toThrow();
  });

  it('hang + SIGTERM: dies promptly by SIGTERM', async () => {
    const proc = run(i2vArgs(['--save_file', join(tmp, 'hang.mp4')]), { fault: 'hang', loadMs: 10 });
    await proc.logged('Generating video'); // up and hanging (a fixed delay is outrun by a loaded machine)
    const t0 = Date.now();
    proc.kill('SIGTERM');
    const r = await proc;
    expect(Date.now() - t0).toBeLessThan(10_000); // it hangs forever otherwise; generous for a loaded machine
    expect(r.signal).toBe('SIGTERM');
    expect(readRunRecords(proc.record)[0]).toMatchObject({ outcome: 'signal', signal: 'SIGTERM' });
  });

  it('SIGTERM during rendering stops ffmpeg too', async () => {
    const proc = run(i2vArgs(['--frame_num', '81', '--save_file', join(tmp, 'term.mp4')]), { scale: 1, loadMs: 10, stepMs: 1 });
    await new Promise((r) => setTimeout(r, 900));
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.signal).toBe('SIGTERM');
    const { stdout } = await execa('ps', ['-eo', 'args']);
    expect(stdout).not.toContain(join(tmp, 'term.mp4'));
  });
});
