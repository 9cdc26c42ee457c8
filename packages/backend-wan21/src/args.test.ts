// Golden argument vectors: exactly what ttv runs for each task, on one GPU and under torchrun.
import type { GenerateRequest } from '@ttv/core';
import { describe, expect, it } from 'vitest';
import { Wan21Backend, type WanJob } from './wan21-backend.js';
import { configSchema } from './wan21-config.js';

const cfg = (o: Record<string, unknown> = {}) =>
  configSchema.parse({
    python: '/opt/wan/.venv/bin/python',
    torchrun: '/opt/wan/.venv/bin/torchrun',
    wanDir: '/opt/Wan2.1',
    checkpoints: { 'i2v-14B': '/ckpt/i2v', 'flf2v-14B': '/ckpt/flf2v' },
    ...o,
  });

const i2vJob: WanJob = {
  task: 'i2v-14B',
  size: '832*480',
  frameNum: 81,
  geometry: { width: 832, height: 464 },
  seed: 1234,
  ckptDir: '/ckpt/i2v',
  wanDir: '/opt/Wan2.1',
  generatePy: '/opt/Wan2.1/generate.py',
};
const flfJob: WanJob = { ...i2vJob, task: 'flf2v-14B', size: '1280*720', geometry: { width: 1280, height: 720 }, ckptDir: '/ckpt/flf2v' };
const req = (o: Partial<GenerateRequest> = {}): GenerateRequest => ({
  model: 'i2v-14B',
  prompt: 'A red fox runs through snow, camera follows',
  durationSec: 5.0625,
  width: 832,
  height: 464,
  firstFrame: '/run/frames/first.png',
  outputPath: '/run/segments/seg-000.mp4',
  seed: 1234,
  ...o,
});
const SAVE = '/run/segments/.seg-000.mp4.tmp.mp4';

/** generate.py and its arguments up to --save_file: the golden vector of a one-GPU call. */
const PROMPT = 'A red fox runs through snow, camera follows';
const i2vArgs = (prompt = PROMPT) => [
  '/opt/Wan2.1/generate.py',
  '--task',
  'i2v-14B',
  '--size',
  '832*480',
  '--ckpt_dir',
  '/ckpt/i2v',
  '--frame_num',
  '81',
  `--prompt=${prompt}`,
  '--image',
  '/run/frames/first.png',
  '--base_seed',
  '1234',
  '--save_file',
  SAVE,
];
const flfArgs = (prompt = PROMPT) => [
  '/opt/Wan2.1/generate.py',
  '--task',
  'flf2v-14B',
  '--size',
  '1280*720',
  '--ckpt_dir',
  '/ckpt/flf2v',
  '--frame_num',
  '81',
  `--prompt=${prompt}`,
  '--first_frame',
  '/run/frames/first.png',
  '--last_frame',
  '/run/frames/kf-001.png',
  '--base_seed',
  '1234',
  '--save_file',
  SAVE,
];
/** torchrun's own arguments, and the sharding flags generate.py gets under it. */
const torchrun = (n: number, port: number) => [`--nproc_per_node=${n}`, `--rdzv_endpoint=localhost:${port}`];
const sharded = (n: number) => ['--dit_fsdp', '--t5_fsdp', '--ulysses_size', String(n)];

describe('argument vectors (golden)', () => {
  it('i2v-14B on one GPU: python generate.py with prompt, image, seed, absolute save_file; no sampler flags by default', () => {
    const b = new Wan21Backend(cfg());
    expect(b.command(i2vJob, req(), SAVE, 1)).toEqual({ file: '/opt/wan/.venv/bin/python', args: i2vArgs() });
  });

  it('flf2v-14B on one GPU: --first_frame and --last_frame', () => {
    const b = new Wan21Backend(cfg());
    const r = req({ model: 'flf2v-14B', width: 1280, height: 720, lastFrame: '/run/frames/kf-001.png' });
    expect(b.command(flfJob, r, SAVE, 1)).toEqual({ file: '/opt/wan/.venv/bin/python', args: flfArgs() });
  });

  it('i2v-14B on 2 GPUs: torchrun with a per-job rendezvous port, FSDP and Ulysses flags', () => {
    const b = new Wan21Backend(cfg({ gpus: [0, 1], gpusPerJob: 2 }));
    expect(b.command(i2vJob, req(), SAVE, 2, 41234)).toEqual({
      file: '/opt/wan/.venv/bin/torchrun',
      args: [...torchrun(2, 41234), ...i2vArgs(), ...sharded(2)],
    });
  });

  it('flf2v-14B on 4 GPUs with every sampler/offload option set', () => {
    const b = new Wan21Backend(
      cfg({
        gpus: [0, 1, 2, 3],
        gpusPerJob: 4,
        sampleSteps: { 'flf2v-14B': 30 },
        sampleShift: 8,
        guideScale: { 'i2v-14B': 4, 'flf2v-14B': 5.5 },
        sampleSolver: 'dpm++',
        offloadModel: false,
      }),
    );
    const r = req({ model: 'flf2v-14B', width: 1280, height: 720, lastFrame: '/run/frames/kf-001.png', prompt: 'it\'s a "quoted" prompt; $HOME *' });
    expect(b.command(flfJob, r, SAVE, 4, 50001)).toEqual({
      file: '/opt/wan/.venv/bin/torchrun',
      args: [
        ...torchrun(4, 50001),
        ...flfArgs('it\'s a "quoted" prompt; $HOME *'),
        '--sample_steps',
        '30',
        '--sample_shift',
        '8',
        '--sample_guide_scale',
        '5.5',
        '--sample_solver',
        'dpm++',
        '--offload_model',
        'False',
        ...sharded(4),
      ],
    });
  });

  it('per-task overrides apply only to their task; offloadModel true is spelled True', () => {
    const b = new Wan21Backend(cfg({ sampleSteps: { 'flf2v-14B': 30 }, offloadModel: true }));
    const args = b.command(i2vJob, req(), SAVE, 1).args;
    expect(args).not.toContain('--sample_steps');
    expect(args.slice(-2)).toEqual(['--offload_model', 'True']);
  });

  it('a prompt starting with -h is one --prompt=<text> element (argparse would read "-h" as a flag)', () => {
    const b = new Wan21Backend(cfg());
    const args = b.command(i2vJob, req({ prompt: '-h a fox, --size 1*1' }), SAVE, 1).args;
    expect(args).toContain('--prompt=-h a fox, --size 1*1');
    expect(args).not.toContain('--prompt');
    expect(args).not.toContain('-h a fox, --size 1*1');
  });

  it('torchrun defaults to the one beside python', () => {
    const b = new Wan21Backend(configSchema.parse({ python: 'python3' }));
    expect(b.torchrun).toBe('torchrun');
  });
});
