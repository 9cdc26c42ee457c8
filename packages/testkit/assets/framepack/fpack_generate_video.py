#!/usr/bin/env python3
# ttv test stand-in for kohya-ss/musubi-tuner `fpack_generate_video.py` (FramePack / FramePack-F1 inference).
# NOT FramePack: no model, no GPU. Same core flags, required paths, frame count and output naming:
#   - --text_encoder1, --text_encoder2, --image_encoder, --save_path are required (argparse exit 2);
#   - no --prompt → ValueError; video_size not divisible by 8 → ValueError (exit 1, traceback);
#   - model / image paths are opened after a simulated load → FileNotFoundError (exit 1);
#   - sections = --video_sections or max(round(video_seconds * fps / (latent_window_size * 4)), 1);
#     frames = (sections * latent_window_size + 1) * 4 - 3  (5 s at 30 fps, window 9 → 4 sections, 145 frames);
#   - output: --save_path is a DIRECTORY (created); the file is {save_path}/{%Y%m%d-%H%M%S}_{seed}.mp4, logged as
#     "Video saved to: <path>"; libx264 yuv420p crf 16 at --fps, no audio, H×W = --video_size (the image is
#     resized to cover and centre-cropped); with --end_image_path the clip ends on that image.
# Stand-in env: FRAMEPACK_STANDIN_{SCALE,LOAD_MS,STEP_MS,RECORD,FAULT}, each falling back to the WAN_STANDIN_*
# variable of the same suffix; TTV_FFMPEG / TTV_FFPROBE. Faults: save_fail (exception, exit 1), oom,
# crash_mid_write, hang, sigkill.
import argparse
from datetime import datetime
import logging
import os
import random
import sys
import time

_here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.environ.get("TTV_STANDIN_LIB") or os.path.join(_here, "..", "wan21"))
sys.dont_write_bytecode = True
import standin_common as sc  # noqa: E402

logger = logging.getLogger(__name__)
RECORD = sc.RunRecord('framepack-generate', ('FRAMEPACK_STANDIN_RECORD', 'WAN_STANDIN_RECORD'))


def _env(suffix):
    return ('FRAMEPACK_STANDIN_' + suffix, 'WAN_STANDIN_' + suffix)


class OutOfMemoryError(RuntimeError):
    pass


OutOfMemoryError.__module__ = 'torch'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Framepack inference script")
    parser.add_argument("--sample_solver", type=str, default="unipc", choices=["unipc", "dpm++", "vanilla"])
    parser.add_argument("--dit", type=str, default=None, help="DiT directory or path")
    parser.add_argument("--vae", type=str, default=None, help="VAE directory or path")
    parser.add_argument("--text_encoder1", type=str, required=True, help="Text Encoder 1 directory or path")
    parser.add_argument("--text_encoder2", type=str, required=True, help="Text Encoder 2 directory or path")
    parser.add_argument("--image_encoder", type=str, required=True, help="Image Encoder directory or path")
    parser.add_argument("--f1", action="store_true", help="Use F1 sampling method")
    parser.add_argument("--lora_weight", type=str, nargs="*", required=False, default=None)
    parser.add_argument("--lora_multiplier", type=float, nargs="*", default=1.0)
    parser.add_argument("--include_patterns", type=str, nargs="*", default=None)
    parser.add_argument("--exclude_patterns", type=str, nargs="*", default=None)
    parser.add_argument("--save_merged_model", type=str, default=None)
    parser.add_argument("--prompt", type=str, default=None)
    parser.add_argument("--negative_prompt", type=str, default=None)
    parser.add_argument("--custom_system_prompt", type=str, default=None)
    parser.add_argument("--video_size", type=int, nargs=2, default=[256, 256], help="video size, height and width")
    parser.add_argument("--video_seconds", type=float, default=5.0, help="video length, default is 5.0 seconds")
    parser.add_argument("--video_sections", type=int, default=None)
    parser.add_argument("--one_frame_inference", type=str, default=None)
    parser.add_argument("--control_image_path", type=str, default=None, nargs="*")
    parser.add_argument("--control_image_mask_path", type=str, default=None, nargs="*")
    parser.add_argument("--fps", type=int, default=30, help="video fps, default is 30")
    parser.add_argument("--infer_steps", type=int, default=25, help="number of inference steps, default is 25")
    parser.add_argument("--save_path", type=str, required=True, help="path to save generated video")
    parser.add_argument("--seed", type=str, default=None, help="Seed for evaluation.")
    parser.add_argument("--latent_window_size", type=int, default=9)
    parser.add_argument("--embedded_cfg_scale", type=float, default=10.0)
    parser.add_argument("--guidance_scale", type=float, default=1.0)
    parser.add_argument("--guidance_rescale", type=float, default=0.0)
    parser.add_argument("--image_path", type=str, default=None)
    parser.add_argument("--end_image_path", type=str, default=None)
    parser.add_argument("--latent_paddings", type=str, default=None)
    parser.add_argument("--flow_shift", type=float, default=None)
    parser.add_argument("--fp8", action="store_true")
    parser.add_argument("--fp8_scaled", action="store_true")
    parser.add_argument("--fp8_llm", action="store_true")
    parser.add_argument("--rope_scaling_factor", type=float, default=0.5)
    parser.add_argument("--rope_scaling_timestep_threshold", type=int, default=None)
    parser.add_argument("--device", type=str, default=None)
    parser.add_argument("--attn_mode", type=str, default="torch", choices=["flash", "torch", "sageattn", "xformers", "sdpa"])
    parser.add_argument("--vae_chunk_size", type=int, default=None)
    parser.add_argument("--vae_spatial_tile_sample_min_size", type=int, default=None)
    parser.add_argument("--bulk_decode", action="store_true")
    parser.add_argument("--blocks_to_swap", type=int, default=0)
    parser.add_argument("--output_type", type=str, default="video",
                        choices=["video", "images", "latent", "both", "latent_images"])
    parser.add_argument("--no_metadata", action="store_true")
    parser.add_argument("--latent_path", type=str, nargs="*", default=None)
    parser.add_argument("--lycoris", action="store_true")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--from_file", type=str, default=None)
    parser.add_argument("--interactive", action="store_true")
    args = parser.parse_args()

    if args.from_file and args.interactive:
        raise ValueError("Cannot use both --from_file and --interactive at the same time")
    if args.latent_path is None or len(args.latent_path) == 0:
        if args.prompt is None and not args.from_file and not args.interactive:
            raise ValueError("Either --prompt, --from_file or --interactive must be specified")
    return args


def check_inputs(args):
    height, width = args.video_size
    if height % 8 != 0 or width % 8 != 0:
        raise ValueError(f"`height` and `width` have to be divisible by 8 but are {height} and {width}.")
    return height, width


def _fault():
    return sc.env_str(_env('FAULT'))


def generate(args):
    height, width = check_inputs(args)
    seed = int(args.seed) if args.seed is not None else random.randint(0, 2 ** 32 - 1)
    args.seed = seed
    fault = _fault()
    time.sleep(sc.env_int(_env('LOAD_MS'), 300) / 1000.0)
    for name in ("dit", "vae", "text_encoder1", "text_encoder2", "image_encoder"):
        path = getattr(args, name)
        if path is None:
            raise ValueError(f"--{name} is required for inference")
        logger.info(f"Loading {name} from {path}")
        if not os.path.exists(path):
            raise FileNotFoundError(2, 'No such file or directory', path)
    for path in (args.image_path, args.end_image_path):
        if path is not None:
            sc.image_size(path)  # FileNotFoundError like PIL.Image.open
    sections = args.video_sections or int(max(round(args.video_seconds * args.fps / (args.latent_window_size * 4)), 1))
    frames = (sections * args.latent_window_size + 1) * 4 - 3
    RECORD.set(seed=seed, sections=sections, frames=frames, fps=args.fps, geometry={'width': width, 'height': height})
    logger.info(f"Video size: {height}x{width}@{args.video_seconds} (HxW@seconds), fps: {args.fps}, "
                f"infer_steps: {args.infer_steps}, sections: {sections}")
    if fault == 'hang':
        sc.sleep_forever()
    step_ms = sc.env_int(_env('STEP_MS'), 20)
    for section in range(sections):
        logger.info(f"Section {section + 1}/{sections}")

        def on_step(i):
            if fault == 'oom' and i == 1:
                sys.stderr.write("\n")
                raise OutOfMemoryError(
                    "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of "
                    "which 1.12 GiB is free.")
            if fault == 'sigkill' and i == 1:
                sc.die_by_sigkill(RECORD)

        sc.progress(args.infer_steps, step_ms, on_step)
    logger.info("Decoding video...")

    os.makedirs(args.save_path, exist_ok=True)
    time_flag = datetime.fromtimestamp(time.time()).strftime("%Y%m%d-%H%M%S")
    video_path = f"{args.save_path}/{time_flag}_{seed}.mp4"
    scale = sc.env_int(_env('SCALE'), 1)
    w, h = sc.scaled_dims(width, height, scale)
    RECORD.set(saveFile=os.path.abspath(video_path), rendered={'width': w, 'height': h}, scale=scale)
    if fault == 'save_fail':
        raise OSError(28, 'No space left on device', video_path)
    code, err = sc.render_video(video_path, frames, args.fps, w, h, seed,
                                first=os.path.abspath(args.image_path) if args.image_path else None,
                                last=os.path.abspath(args.end_image_path) if args.end_image_path and args.image_path else None,
                                first_fit='cover', crf=16)
    if code != 0:
        raise RuntimeError(f"ffmpeg failed: {err.strip()}")
    if fault == 'crash_mid_write':
        size = os.path.getsize(video_path)
        with open(video_path, 'r+b') as f:
            f.truncate(max(1, size // 2))
        sc.die_by_sigkill(RECORD, 'crash_mid_write')
    logger.info(f"Video saved to: {video_path}")
    return video_path


def main():
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:%(name)s:%(message)s",
                        handlers=[logging.StreamHandler(stream=sys.stdout)])
    sc.install_signal_handlers(RECORD)
    try:
        args = parse_args()
        logger.info(f"Generation args: {args}")
        generate(args)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
        RECORD.write('argparse_error' if code == 2 else 'exit', exit_code=code)
        raise
    except BaseException as e:
        RECORD.write('error', exit_code=1, error=f"{type(e).__name__}: {e}")
        raise
    RECORD.write('ok', exit_code=0)
    logger.info("Done!")


if __name__ == "__main__":
    main()
