/**
 * Stand-ins for local GPU video backends that cannot run here: Wan2.1's `generate.py` (+ `torchrun`) and
 * musubi-tuner's FramePack CLI `fpack_generate_video.py`. They are stdlib-only Python scripts that validate
 * arguments exactly like the real tools, crash where the real tools crash, and render real MP4s with ffmpeg.
 * See ./README.md for the env switches.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as media from '@ttv/core/media';
import type { EmulatorConfigSnippet } from '../snippet.js';
import { baseEnv } from './standin-env.js';

// src/emulators/wan21/index.ts and dist/emulators/wan21/index.js are both three levels below the package root.
const ASSETS = fileURLToPath(new URL('../../../assets/', import.meta.url));
export const WAN21_ASSETS_DIR = join(ASSETS, 'wan21');
export const FRAMEPACK_ASSETS_DIR = join(ASSETS, 'framepack');

export type WanTask = 't2v-14B' | 't2v-1.3B' | 'i2v-14B' | 't2i-14B' | 'flf2v-14B' | 'vace-1.3B' | 'vace-14B';
export type StandInFault = 'save_fail' | 'oom' | 'crash_mid_write' | 'hang' | 'sigkill';

export interface StandInEnvOptions {
  /** JSONL file the stand-ins append one record per invocation to. */
  record?: string;
  fault?: StandInFault;
  /** Apply the fault only in this torchrun RANK (Wan only). */
  faultRank?: number;
  /** Render at 1/scale of the real geometry (each side floored to even). Default 1. */
  scale?: number;
  /** Simulated import + model-load time (default 300 ms). */
  loadMs?: number;
  /** Time per sampling step (default 20 ms). */
  stepMs?: number;
  cudaVisibleDevices?: string;
}

interface FfmpegPaths {
  ffmpeg: string;
  ffprobe: string;
}

/** `resolveFfmpeg()` from @ttv/core/media; falls back to @ttv/core's bundled installer packages. */
export function standInFfmpeg(): FfmpegPaths {
  const resolve = (media as Record<string, unknown>).resolveFfmpeg;
  if (typeof resolve === 'function') {
    const bins = (resolve as () => FfmpegPaths)();
    return { ffmpeg: bins.ffmpeg, ffprobe: bins.ffprobe };
  }
  const req = createRequire(import.meta.resolve('@ttv/core'));
  const ffmpeg = process.env.FFMPEG_PATH ?? (req('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  const ffprobe = process.env.FFPROBE_PATH ?? (req('@ffprobe-installer/ffprobe') as { path: string }).path;
  try {
    chmodSync(ffprobe, 0o755);
  } catch {
    /* read-only install: hope it is executable */
  }
  return { ffmpeg, ffprobe };
}

export interface Wan21StandIn {
  /** A temporary "Wan2.1 checkout": generate.py, torchrun, standin_common.py and examples/. Use it as cwd. */
  wanDir: string;
  /** `${wanDir}/generate.py` (executable, `#!/usr/bin/env python3`). */
  generatePy: string;
  /** `${wanDir}/torchrun` (executable). */
  torchrun: string;
  /** Python interpreter to run generate.py with. */
  python: string;
  /** Env vars for a run: TTV_FFMPEG/TTV_FFPROBE plus the WAN_STANDIN_* switches. Merge over process.env. */
  env(opts?: StandInEnvOptions): Record<string, string>;
  /** Removes wanDir. */
  cleanup(): void;
  /**
   * The ttv.yaml lines that point ttv's wan21 backend at this stand-in: python, wanDir, torchrun, fake i2v and
   * flf2v checkpoints (created under wanDir on first call) and `env` with the stand-in's settings (`opts`).
   */
  configSnippet(opts?: StandInEnvOptions): EmulatorConfigSnippet;
}

/** Copies the Wan2.1 stand-in into a fresh temp dir (or `opts.dir`) laid out like a Wan2.1 checkout. */
export function wan21StandIn(opts: { dir?: string } = {}): Wan21StandIn {
  const wanDir = opts.dir ?? join(mkdtempSync(join(tmpdir(), 'ttv-wan21-')), 'Wan2.1');
  mkdirSync(wanDir, { recursive: true });
  cpSync(WAN21_ASSETS_DIR, wanDir, { recursive: true });
  const generatePy = join(wanDir, 'generate.py');
  const torchrun = join(wanDir, 'torchrun');
  chmodSync(generatePy, 0o755);
  chmodSync(torchrun, 0o755);
  return {
    wanDir,
    generatePy,
    torchrun,
    python: 'python3',
    env: (o = {}) => baseEnv('WAN_STANDIN', o),
    cleanup: () => rmSync(opts.dir ?? join(wanDir, '..'), { recursive: true, force: true }),
    configSnippet(o = {}) {
      return wan21ConfigSnippet(this, o);
    },
  };
}

/** See `Wan21StandIn.configSnippet`. */
export function wan21ConfigSnippet(standIn: Omit<Wan21StandIn, 'configSnippet'>, opts: StandInEnvOptions = {}): EmulatorConfigSnippet {
  const checkpoints = {
    'i2v-14B': makeFakeCheckpoint(join(standIn.wanDir, 'Wan2.1-I2V-14B-720P'), 'i2v-14B'),
    'flf2v-14B': makeFakeCheckpoint(join(standIn.wanDir, 'Wan2.1-FLF2V-14B-720P'), 'flf2v-14B'),
  };
  // The stand-in reads its settings (ffmpeg path, render scale, step time) from the environment: the wan21
  // section's `env` passes them to generate.py, so the snippet works as it is.
  const envLines = Object.entries(standIn.env(opts)).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`);
  const yaml = [
    'backend: wan21',
    'wan21:',
    `  python: ${standIn.python}`,
    `  wanDir: ${standIn.wanDir}`,
    `  torchrun: ${standIn.torchrun}`,
    '  checkpoints:',
    ...Object.entries(checkpoints).map(([task, dir]) => `    ${task}: ${dir}`),
    ...(envLines.length ? ['  env:', ...envLines] : []),
  ].join('\n');
  return {
    yaml,
    env: {},
    notes: ['The stand-in generate.py validates arguments like Wan2.1 and renders placeholder clips with ffmpeg (no GPU needed).'],
  };
}

const WAN_MODEL: Record<WanTask, { model_type: string; dim: number; num_heads: number; num_layers: number; clip: boolean }> = {
  't2v-14B': { model_type: 't2v', dim: 5120, num_heads: 40, num_layers: 40, clip: false },
  't2i-14B': { model_type: 't2v', dim: 5120, num_heads: 40, num_layers: 40, clip: false },
  't2v-1.3B': { model_type: 't2v', dim: 1536, num_heads: 12, num_layers: 30, clip: false },
  'i2v-14B': { model_type: 'i2v', dim: 5120, num_heads: 40, num_layers: 40, clip: true },
  'flf2v-14B': { model_type: 'flf2v', dim: 5120, num_heads: 40, num_layers: 40, clip: true },
  'vace-1.3B': { model_type: 'vace', dim: 1536, num_heads: 12, num_layers: 30, clip: false },
  'vace-14B': { model_type: 'vace', dim: 5120, num_heads: 40, num_layers: 40, clip: false },
};

/**
 * Creates a fake Wan2.1 checkpoint dir for `task`: the file names Wan loads (empty), tokenizer dirs and a
 * DiT `config.json` whose `model_type`/`dim` the stand-in checks against `--task`. Returns `dir`.
 */
export function makeFakeCheckpoint(dir: string, task: WanTask): string {
  const m = WAN_MODEL[task];
  mkdirSync(join(dir, 'google', 'umt5-xxl'), { recursive: true });
  writeFileSync(join(dir, 'models_t5_umt5-xxl-enc-bf16.pth'), '');
  writeFileSync(join(dir, 'Wan2.1_VAE.pth'), '');
  if (m.clip) {
    mkdirSync(join(dir, 'xlm-roberta-large'), { recursive: true });
    writeFileSync(join(dir, 'models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth'), '');
  }
  writeFileSync(join(dir, 'diffusion_pytorch_model.safetensors'), '');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify(
      {
        _class_name: m.model_type === 'vace' ? 'VaceWanModel' : 'WanModel',
        _diffusers_version: '0.30.0',
        model_type: m.model_type,
        dim: m.dim,
        num_heads: m.num_heads,
        num_layers: m.num_layers,
        ttv_standin_task: task,
      },
      null,
      2,
    ),
  );
  return dir;
}

export interface StandInRunRecord {
  tool: 'wan21-generate' | 'torchrun' | 'framepack-generate';
  argv: string[];
  script: string;
  cwd: string;
  pid: number;
  ppid: number;
  /** Selected env: CUDA_VISIBLE_DEVICES, RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, OMP_NUM_THREADS. */
  env: Record<string, string>;
  /** Epoch seconds. */
  start: number;
  end: number;
  /** ok | save_failed | argparse_error | error | signal | sigkill | crash_mid_write | child_failed | port_in_use | exit */
  outcome: string;
  exitCode?: number;
  signal?: string;
  error?: string;
  /** Inputs Wan silently replaced by its bundled examples (`prompt`, `image`, `first_frame`, `last_frame`). */
  fallbacks?: string[];
  rank?: number;
  worldSize?: number;
  task?: string;
  frameNum?: number;
  seed?: number;
  prompt?: string;
  /** Real-tool geometry and what the stand-in actually rendered (after WAN_STANDIN_SCALE). */
  geometry?: { width: number; height: number };
  rendered?: { width: number; height: number };
  saveFile?: string;
  saved?: boolean;
  /** torchrun: rendezvous port and worker count. */
  port?: number;
  nproc?: number;
  [key: string]: unknown;
}

/** Parses a WAN_STANDIN_RECORD / FRAMEPACK_STANDIN_RECORD JSONL file ([] when it does not exist). */
export function readRunRecords(file: string): StandInRunRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as StandInRunRecord);
}

export const WAN_MAX_AREA: Record<string, number> = {
  '720*1280': 720 * 1280,
  '1280*720': 1280 * 720,
  '480*832': 480 * 832,
  '832*480': 832 * 480,
};

/** Wan2.1 i2v/flf2v output geometry for a (first) image of width×height and a `--size` max area. */
export function wanOutputGeometry(image: { width: number; height: number }, size: string): { width: number; height: number } {
  const maxArea = WAN_MAX_AREA[size];
  if (maxArea === undefined) throw new Error(`no max area for size ${size}`);
  const ar = image.height / image.width;
  const latH = Math.round(Math.floor(Math.floor(Math.sqrt(maxArea * ar) / 8) / 2) * 2);
  const latW = Math.round(Math.floor(Math.floor(Math.sqrt(maxArea / ar) / 8) / 2) * 2);
  return { width: latW * 8, height: latH * 8 };
}

/** What the stand-in renders for a real geometry under `*_STANDIN_SCALE=scale`. */
export function standInScaled(geom: { width: number; height: number }, scale = 1): { width: number; height: number } {
  if (scale <= 1) return geom;
  const f = (v: number) => Math.max(16, Math.floor(Math.floor(v / scale) / 2) * 2);
  return { width: f(geom.width), height: f(geom.height) };
}

export interface FramepackStandIn {
  /** The stand-in `fpack_generate_video.py` (executable). */
  script: string;
  python: string;
  /** TTV_FFMPEG/TTV_FFPROBE plus FRAMEPACK_STANDIN_* switches. */
  env(opts?: StandInEnvOptions): Record<string, string>;
  /** Creates empty model files and returns the paths for --dit --vae --text_encoder1 --text_encoder2 --image_encoder. */
  makeFakeModels(dir: string): { dit: string; vae: string; textEncoder1: string; textEncoder2: string; imageEncoder: string };
  /** Flags for those models, ready to spread into argv. */
  modelArgs(models: ReturnType<FramepackStandIn['makeFakeModels']>): string[];
}

/** FramePack frame count as musubi-tuner computes it. */
export function framepackFrameCount(videoSeconds: number, fps = 30, latentWindowSize = 9, videoSections?: number): number {
  const sections = videoSections ?? Math.max(Math.round((videoSeconds * fps) / (latentWindowSize * 4)), 1);
  return (sections * latentWindowSize + 1) * 4 - 3;
}

export function framepackStandIn(): FramepackStandIn {
  const script = join(FRAMEPACK_ASSETS_DIR, 'fpack_generate_video.py');
  return {
    script,
    python: 'python3',
    env: (o = {}) => ({ ...baseEnv('FRAMEPACK_STANDIN', o), TTV_STANDIN_LIB: WAN21_ASSETS_DIR }),
    makeFakeModels(dir) {
      mkdirSync(dir, { recursive: true });
      const files = {
        dit: join(dir, 'FramePackI2V_HY_bf16.safetensors'),
        vae: join(dir, 'pytorch_model.pt'),
        textEncoder1: join(dir, 'llava_llama3_fp16.safetensors'),
        textEncoder2: join(dir, 'clip_l.safetensors'),
        imageEncoder: join(dir, 'model.safetensors'),
      };
      for (const f of Object.values(files)) writeFileSync(f, '');
      return files;
    },
    modelArgs: (m) => ['--dit', m.dit, '--vae', m.vae, '--text_encoder1', m.textEncoder1, '--text_encoder2', m.textEncoder2, '--image_encoder', m.imageEncoder],
  };
}
