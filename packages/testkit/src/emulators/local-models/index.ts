/**
 * Stand-ins for two continuation-era open models that cannot run here (issue #14): Lightricks/LTX-2's
 * `python -m ltx_pipelines.ti2vid_two_stages` and SkyReels-V2's diffusion-forcing `generate_video_df.py`. Like the
 * Wan2.1 and FramePack stand-ins: stdlib-only Python with the real argument parsers and checks, rendering real MP4s
 * with ffmpeg (LTX-2's with a sound track; SkyReels' extension as the input followed by the new frames).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StandInEnvOptions, WAN21_ASSETS_DIR } from '../wan21/index.js';
import { baseEnv } from '../wan21/standin-env.js';

// src/emulators/local-models/index.ts and dist/emulators/local-models/index.js are three levels below the package root.
const ASSETS = fileURLToPath(new URL('../../../assets/', import.meta.url));
export const LTX2_ASSETS_DIR = join(ASSETS, 'ltx2');
export const SKYREELS_ASSETS_DIR = join(ASSETS, 'skyreels-v2');

export interface Ltx2StandIn {
  python: string;
  /** TTV_FFMPEG/TTV_FFPROBE, LTX2_STANDIN_* and PYTHONPATH so that `python -m ltx_pipelines.…` finds the stand-in. */
  env(opts?: StandInEnvOptions): Record<string, string>;
  /** Empty weight files and a Gemma directory: the paths for --checkpoint-path, --gemma-root, --distilled-lora, --spatial-upsampler-path. */
  makeFakeModels(dir: string): { checkpoint: string; gemmaRoot: string; distilledLora: string; spatialUpsampler: string };
}

export function ltx2StandIn(): Ltx2StandIn {
  return {
    python: 'python3',
    env: (o = {}) => ({ ...baseEnv('LTX2_STANDIN', o), TTV_STANDIN_LIB: WAN21_ASSETS_DIR, PYTHONPATH: LTX2_ASSETS_DIR }),
    makeFakeModels(dir) {
      const gemmaRoot = join(dir, 'gemma-3-12b-it-qat-q4_0-unquantized');
      mkdirSync(gemmaRoot, { recursive: true });
      const files = {
        checkpoint: join(dir, 'ltx-2.3-22b-dev.safetensors'),
        distilledLora: join(dir, 'ltx-2.3-22b-distilled-lora-384.safetensors'),
        spatialUpsampler: join(dir, 'ltx-2.3-spatial-upscaler-x2.safetensors'),
      };
      for (const f of Object.values(files)) writeFileSync(f, '');
      return { ...files, gemmaRoot };
    },
  };
}

export interface SkyreelsDfStandIn {
  /** The stand-in `generate_video_df.py`. */
  script: string;
  python: string;
  /** TTV_FFMPEG/TTV_FFPROBE and SKYREELS_STANDIN_*. */
  env(opts?: StandInEnvOptions): Record<string, string>;
  /** A model directory for --model_id (config.json and an empty weight file). */
  makeFakeModel(dir: string): string;
}

export function skyreelsDfStandIn(): SkyreelsDfStandIn {
  return {
    script: join(SKYREELS_ASSETS_DIR, 'generate_video_df.py'),
    python: 'python3',
    env: (o = {}) => ({ ...baseEnv('SKYREELS_STANDIN', o), TTV_STANDIN_LIB: WAN21_ASSETS_DIR }),
    makeFakeModel(dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 't2v', dim: 1536, num_layers: 30 }));
      writeFileSync(join(dir, 'model.safetensors'), '');
      return dir;
    },
  };
}
