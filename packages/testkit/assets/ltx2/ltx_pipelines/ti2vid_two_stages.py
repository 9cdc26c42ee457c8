#!/usr/bin/env python3
# ttv test stand-in for Lightricks/LTX-2 `python -m ltx_pipelines.ti2vid_two_stages` (LTX-2 at 400fd31, 2026-08-16).
# NOT LTX-2: no model, no GPU. The same argument parser (ltx_pipelines/utils/args.py: basic_arg_parser,
# new_video_gen_arg_parser, default_1_stage/2_stage_arg_parser, add_generated_keyframes_arg) and the same checks:
#   - --checkpoint-path is read before the parser is built: absent → SystemExit "Missing --checkpoint-path …" (exit 1);
#   - every path flag must exist → argparse "error: Path not found: …" (exit 2); unknown flags, bad ints/floats,
#     missing --prompt / --output-path / --distilled-lora / --spatial-upsampler-path → argparse (exit 2);
#   - --image takes PATH FRAME_IDX STRENGTH [CRF] (3 or 4 values, repeatable; a non-integer index is a ValueError);
#   - monolith mode needs --gemma-root (SystemExit, exit 1);
#   - height/width not multiples of 64 (two-stage) → ValueError; num_frames not 8k+1 → ValueError (exit 1);
#   - output: --output-path, libx264 at int(--frame-rate), num_frames frames of height×width, and an AAC stereo
#     sound track (LTX-2 always makes one).
# Stand-in env: LTX2_STANDIN_{RECORD,LOAD_MS,STEP_MS,SCALE} (falling back to WAN_STANDIN_*), TTV_FFMPEG.
import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
_here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.environ.get("TTV_STANDIN_LIB") or os.path.join(_here, "..", "..", "wan21"))
import standin_common as sc  # noqa: E402

RECORD = sc.RunRecord("ltx2-ti2vid-two-stages", ("LTX2_STANDIN_RECORD", "WAN_STANDIN_RECORD"))
DEFAULTS = dict(seed=10, height=1024, width=1536, frame_rate=24.0, num_inference_steps=30)


def _env(suffix):
    return ("LTX2_STANDIN_" + suffix, "WAN_STANDIN_" + suffix)


def resolve_path(path):
    return str(Path(path).expanduser().resolve().as_posix())


def resolve_existing_path(path):
    resolved = resolve_path(path)
    if not Path(resolved).exists():
        raise argparse.ArgumentError(None, f"Path not found: {resolved}")
    return resolved


class ImageAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) not in (3, 4):
            msg = f"{option_string} requires 3 or 4 arguments (PATH FRAME_IDX STRENGTH [CRF]), got {len(values)}"
            raise argparse.ArgumentError(self, msg)
        item = (resolve_existing_path(values[0]), int(values[1]), float(values[2]), int(values[3]) if len(values) > 3 else None)
        current = getattr(namespace, self.dest) or []
        current.append(item)
        setattr(namespace, self.dest, current)


class LoraAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        if len(values) > 2:
            raise argparse.ArgumentError(self, f"{option_string} accepts at most 2 arguments (PATH and optional STRENGTH), got {len(values)} values")
        current = getattr(namespace, self.dest) or []
        current.append((resolve_existing_path(values[0]), float(values[1]) if len(values) > 1 else 1.0))
        setattr(namespace, self.dest, current)


class AutoDurationAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        lo, hi = float(values[0]), float(values[1])
        if lo > hi:
            raise argparse.ArgumentError(self, f"{option_string} MIN_SECONDS ({lo}) must be <= MAX_SECONDS ({hi})")
        setattr(namespace, self.dest, (lo, hi))


def detect_checkpoint_path():
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--checkpoint-path", type=resolve_existing_path, required=False, default=None)
    pre.add_argument("--transformer-path", type=resolve_existing_path, required=False, default=None)
    known, _ = pre.parse_known_args()
    path = known.checkpoint_path or known.transformer_path
    if path is None:
        raise SystemExit("Missing --checkpoint-path (monolith) or --transformer-path (split). "
                         "Pass one of them before building the argument parser.")
    return path


def _basic(p):
    p.add_argument("--checkpoint-path", type=resolve_existing_path, default=None)
    p.add_argument("--num-inference-steps", type=int, default=DEFAULTS["num_inference_steps"])
    for flag in ("--gemma-root", "--transformer-path", "--text-encoder-path", "--video-vae-path", "--audio-vae-path",
                 "--duration-head-path", "--prompt-enhancer-gemma-root"):
        p.add_argument(flag, type=resolve_existing_path, default=None)
    p.add_argument("--prompt", type=str, required=True)
    p.add_argument("--output-path", type=resolve_path, required=True)
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"])
    p.add_argument("--lora", dest="lora", action=LoraAction, nargs="+", metavar=("PATH", "STRENGTH"), default=[])
    p.add_argument("--enhance-prompt", action="store_true")
    p.add_argument("--enhance-static-cache", action="store_true")
    p.add_argument("--offload", dest="offload_mode", default="none", choices=["none", "cpu", "disk"])
    p.add_argument("--max-batch-size", type=int, default=1, metavar="N")
    p.add_argument("--quantization", choices=("fp8-cast", "fp8-scaled-mm", "nvfp4-cast", "nvfp4-prequant"), default=None)
    p.add_argument("--compile", nargs="*", default=None, metavar="KEY=VALUE")
    p.add_argument("--diffvae-optimization", default="chunked_eager",
                   choices=["chunked_eager", "chunked_compile", "combined_compile", "blackwell_dsl"])


def _video_gen(p):
    p.add_argument("--height", type=int, default=DEFAULTS["height"])
    p.add_argument("--width", type=int, default=DEFAULTS["width"])
    p.add_argument("--num-frames", type=int, default=None)
    p.add_argument("--auto-duration", dest="auto_duration", action=AutoDurationAction, nargs=2,
                   metavar=("MIN_SECONDS", "MAX_SECONDS"), default=None)
    p.add_argument("--frame-rate", type=float, default=DEFAULTS["frame_rate"])
    p.add_argument("--image", dest="images", action=ImageAction, nargs="+", metavar="ARG", default=[])
    p.add_argument("--hdr", type=str.upper, choices=["SRGB_LINEAR", "ACESCG", "ACESCCT"], default=None)


def _guidance(p):
    p.add_argument("--negative-prompt", type=str, default="worst quality, inconsistent motion, blurry, jittery, distorted")
    for flag in ("--video-cfg-guidance-scale", "--video-stg-guidance-scale", "--video-rescale-scale",
                 "--a2v-guidance-scale", "--audio-cfg-guidance-scale", "--audio-stg-guidance-scale",
                 "--audio-rescale-scale", "--v2a-guidance-scale"):
        p.add_argument(flag, type=float, default=1.0)
    for flag in ("--video-skip-step", "--audio-skip-step"):
        p.add_argument(flag, type=int, default=0)
    for flag in ("--video-stg-blocks", "--audio-stg-blocks"):
        p.add_argument(flag, type=int, nargs="*", default=[28])


def build_parser():
    p = argparse.ArgumentParser()
    _basic(p)
    _video_gen(p)
    _guidance(p)
    p.add_argument("--distilled-lora", dest="distilled_lora", action=LoraAction, nargs="+",
                   metavar=("PATH", "STRENGTH"), required=True)
    p.add_argument("--spatial-upsampler-path", type=resolve_existing_path, required=True)
    p.add_argument("--num-generated-keyframes", type=int, default=0)
    return p


def check_model_paths(args):
    if args.checkpoint_path is None or args.gemma_root is None:
        raise SystemExit("Provide either monolith args (--checkpoint-path or --distilled-checkpoint-path "
                         "+ --gemma-root) or one or more split pack flags "
                         "(--transformer-path, --text-encoder-path, --audio-vae-path, "
                         "--duration-head-path). --video-vae-path fills the video VAE slot in either mode.")


def generate(args):
    if args.height % 64 != 0 or args.width % 64 != 0:
        raise ValueError(f"Resolution ({args.height}x{args.width}) is not divisible by 64. "
                         "For two-stage pipelines, height and width must be multiples of 64.")
    if args.num_frames is None:
        raise ValueError("num_frames is AutoDuration but no DurationHead is available: pass --num-frames "
                         "(DurationHead ships from LTX-2.5 onward)")
    if (args.num_frames - 1) % 8 != 0:
        raise ValueError(f"video frames {args.num_frames} must satisfy (frames - 1) % 8 == 0")
    for path, _idx, _strength, _crf in args.images:
        sc.image_size(path)
    RECORD.set(seed=args.seed, frames=args.num_frames, fps=args.frame_rate, prompt=args.prompt,
               negativePrompt=args.negative_prompt, geometry={"width": args.width, "height": args.height},
               images=[{"path": p, "frameIdx": i, "strength": s} for p, i, s, _c in args.images])
    import time
    time.sleep(sc.env_int(_env("LOAD_MS"), 300) / 1000.0)
    sc.progress(args.num_inference_steps, sc.env_int(_env("STEP_MS"), 20))
    first = next((p for p, i, _s, _c in args.images if i == 0), None)
    last = next((p for p, i, _s, _c in args.images if i == args.num_frames - 1), None)
    w, h = sc.scaled_dims(args.width, args.height, sc.env_int(_env("SCALE"), 1))
    fps = int(args.frame_rate)
    silent = args.output_path + ".video.mp4"
    code, err = sc.render_video(silent, args.num_frames, fps, w, h, args.seed, first=first, last=last, first_fit="cover")
    if code != 0:
        raise RuntimeError(f"ffmpeg failed: {err.strip()}")
    mux = [sc.ffmpeg_bin(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", silent, "-f", "lavfi", "-i",
           f"sine=frequency=440:sample_rate=48000:duration={args.num_frames / fps:.6f}", "-map", "0:v", "-map", "1:a",
           "-c:v", "copy", "-c:a", "aac", "-ac", "2", "-f", "mp4", args.output_path]
    p = sc.spawn(mux, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, merr = p.communicate()
    os.remove(silent)
    if p.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {(merr or b'').decode('utf-8', 'replace').strip()}")
    RECORD.set(saveFile=args.output_path, rendered={"width": w, "height": h})


def main():
    logging.basicConfig(level=logging.INFO)
    sc.install_signal_handlers(RECORD)
    try:
        detect_checkpoint_path()
        args = build_parser().parse_args()
        check_model_paths(args)
        generate(args)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
        RECORD.write("argparse_error" if code == 2 else "exit", exit_code=code)
        raise
    except BaseException as e:
        RECORD.write("error", exit_code=1, error=f"{type(e).__name__}: {e}")
        raise
    RECORD.write("ok", exit_code=0)


if __name__ == "__main__":
    main()
