/**
 * The `skyreels-v2-df` preset: SkyworkAI/SkyReels-V2 `generate_video_df.py` (diffusion forcing), which continues a
 * clip with `--video_path`. Checked against SkyworkAI/SkyReels-V2 at abed76f (2025-05-16): `generate_video_df.py`,
 * `skyreels_v2_infer/pipelines/diffusion_forcing_pipeline.py`.
 *
 * - `--resolution` 540P (960x544) or 720P (1280x720); no default (the script raises "Invalid resolution: None").
 * - The clip has `(⌊(num_frames−1)/4⌋)·4+1` frames at `--fps` (an int, default 24), written by imageio to
 *   `result/<outdir>/<prompt[:100]>_<seed>_<time>.mp4` (an absolute `--outdir` is used as it is). No sound.
 * - `--video_path` (only when the file exists: a missing one silently makes a clip from text) continues that
 *   clip: the last `--overlap_history` frames are re-encoded as the prefix, and the clip written is the WHOLE input
 *   followed by `num_frames − overlap_history` new frames. ttv passes `num_frames` = continuation + overlap and keeps
 *   only the new frames. The input needs at least `overlap_history` frames (asserted).
 * - `num_frames > base_num_frames` needs `--overlap_history` (asserted); 17 or 37 recommended, `--addnoise_condition`
 *   20. `--image`/`--end_image` start/end frames; `--end_image` without `--image` crashes (AttributeError).
 * - No `--negative_prompt` (the script hard-codes one).
 */
import type { Preset } from './command-models.js';
import { nearestMultiple, res } from './preset-kit.js';

/** Continuations are whole latent frames of 4 pixel frames: 4k frames, from 1 s to 10 s at 24 fps. */
const continuationDurations = (fps: number): number[] => Array.from({ length: 55 }, (_, i) => (24 + 4 * i) / fps);

export const SKYREELS_DF_PRESET: Preset = {
  description: 'SkyReels-V2 diffusion forcing generate_video_df.py (text, first frame, first+last, extend a clip with --video_path)',
  tested: true,
  command: 'python',
  args: [
    '{script}',
    '--model_id',
    '{modelId}',
    '--resolution',
    '{resolution}',
    '--num_frames',
    '{frames}',
    '--base_num_frames',
    '{baseNumFrames}',
    '--overlap_history',
    '{overlapHistory}',
    '--addnoise_condition',
    '{addnoiseCondition}',
    ['--image', '{image}'],
    ['--end_image', '{lastImage}'],
    ['--video_path', '{inputVideo}'],
    '--fps',
    '{fps}',
    '--seed',
    '{seed}',
    '--prompt',
    '{prompt}',
    '--outdir',
    '{outputDir}',
  ],
  requiredVars: ['script', 'modelId'],
  defaultVars: { resolution: '540P', baseNumFrames: '97', overlapHistory: '17', addnoiseCondition: '20' },
  output: { kind: 'directory', glob: '*.mp4' },
  fps: 24,
  inputs: ['text', 'first-frame', 'first-last-frame', 'extend'],
  durations: { kind: 'discrete', values: continuationDurations(24) },
  resolutions: res([[960, 544]]),
  // A clip from text or pictures: 4k+1 frames.
  frames: (seconds, fps) => nearestMultiple(seconds, fps, 4) + 1,
  maxPromptLength: 2000,
  checked: { date: '2026-12-02', against: 'SkyworkAI/SkyReels-V2 abed76f (2025-05-16): generate_video_df.py, diffusion_forcing_pipeline.py' },
  extend: {
    frames: (seconds, fps) => nearestMultiple(seconds, fps, 4),
    toolFrames: (continuation, vars) => continuation + Number(vars.overlapHistory),
    output: 'input+continuation',
    minInputFrames: (vars) => Number(vars.overlapHistory),
  },
};
