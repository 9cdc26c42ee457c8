/**
 * The `ltx-2` preset: Lightricks/LTX-2 `python -m ltx_pipelines.ti2vid_two_stages` (the two-stage text/image-to-video
 * pipeline with audio). Checked against Lightricks/LTX-2 at 400fd31 (2026-08-16): `ltx_pipelines/utils/args.py`,
 * `ti2vid_two_stages.py`, `utils/helpers.py`, `ltx_core/tiling.py`, `utils/media_io/encode.py`.
 *
 * - Images are conditioning at frame indices: `--image PATH FRAME_IDX STRENGTH [CRF]`, repeatable. Index 0 replaces
 *   the first latent (the first frame); any other index adds a keyframe at that pixel frame (the last frame is
 *   `num_frames − 1`, a timed keyframe `round(atSec · fps)`).
 * - `--num-frames` must be 8k+1 (`ltx_core/tiling.py` raises otherwise); `--height`/`--width` multiples of 64 in
 *   the two-stage pipelines (`assert_resolution`); `--frame-rate` default 24 (the encoder uses `int(fps)`).
 * - The clip always has an AAC stereo sound track (there is no flag to turn it off): a request with
 *   `generateAudio: false` gets it removed by ttv.
 * - Required: `--checkpoint-path` (read before the parser is built), `--gemma-root`, `--distilled-lora PATH
 *   [STRENGTH]`, `--spatial-upsampler-path`, `--prompt`, `--output-path`; every path flag must exist.
 */
import type { Preset } from './command-models.js';
import { knPlusOne, res } from './preset-kit.js';

/** LTX-2's frame count for a clip of `seconds`: the nearest 8k+1 (at least 9). */
export function ltx2Frames(seconds: number, fps: number): number {
  return Math.max(9, Math.round((seconds * fps - 1) / 8) * 8 + 1);
}

export const LTX2_PRESET: Preset = {
  description: 'LTX-2 ltx_pipelines.ti2vid_two_stages (text, first frame, first+last, timed keyframes at frame indices; sound)',
  tested: true,
  command: 'python',
  args: [
    '-m',
    'ltx_pipelines.ti2vid_two_stages',
    '--checkpoint-path',
    '{checkpoint}',
    '--gemma-root',
    '{gemmaRoot}',
    '--distilled-lora',
    '{distilledLora}',
    '{distilledLoraStrength}',
    '--spatial-upsampler-path',
    '{spatialUpsampler}',
    '--prompt',
    '{prompt}',
    ['--negative-prompt', '{negativePrompt}'],
    ['--image', '{image}', '0', '{imageStrength}'],
    { each: 'keyframes', args: ['--image', '{keyframe}', '{keyframeIndex}', '{imageStrength}'] },
    ['--image', '{lastImage}', '{lastFrameIndex}', '{imageStrength}'],
    '--height',
    '{height}',
    '--width',
    '{width}',
    '--num-frames',
    '{frames}',
    '--frame-rate',
    '{fps}',
    '--seed',
    '{seed}',
    '--output-path',
    '{output}',
  ],
  requiredVars: ['checkpoint', 'gemmaRoot', 'distilledLora', 'spatialUpsampler'],
  defaultVars: { distilledLoraStrength: '0.8', imageStrength: '1.0' },
  output: { kind: 'file' },
  fps: 24,
  inputs: ['text', 'first-frame', 'first-last-frame'],
  // 8k+1 frames from about 1 s to about 10.7 s (121 frames, 5 s, is the pipeline's default).
  durations: { kind: 'discrete', values: knPlusOne(8, 25, 257, 24) },
  // Multiples of 64 (two-stage pipelines); 1536x1024 is the pipeline's default size.
  resolutions: res([
    [1536, 1024],
    [1024, 1536],
    [1280, 704],
    [704, 1280],
    [1920, 1088],
    [1088, 1920],
    [1024, 576],
    [576, 1024],
    [768, 512],
    [512, 768],
  ]),
  frames: ltx2Frames,
  maxPromptLength: 2000,
  checked: { date: '2026-12-02', against: 'Lightricks/LTX-2 400fd31 (2026-08-16): ltx_pipelines/utils/args.py, ti2vid_two_stages.py' },
  audio: true,
  timedKeyframes: { max: 6 },
};
