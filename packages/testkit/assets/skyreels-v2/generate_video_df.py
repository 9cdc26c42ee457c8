#!/usr/bin/env python3
# ttv test stand-in for SkyworkAI/SkyReels-V2 `generate_video_df.py` (diffusion forcing; SkyReels-V2 at abed76f).
# NOT SkyReels: no model, no GPU. The same argparse flags and the same checks, in the same order:
#   - unknown flags, bad ints/floats, --resolution not 540P/720P → argparse (exit 2);
#   - --model_id that is not a directory → snapshot_download, which fails offline (exit 1);
#   - --use_usp without --seed, no --resolution ("Invalid resolution: None"), num_frames > base_num_frames
#     without --overlap_history → AssertionError / ValueError (exit 1);
#   - --video_path that exists: extension. Without --overlap_history the assert compares an int with None
#     (TypeError); an input shorter than overlap_history → AssertionError "The input video is too short.".
#     A --video_path that does not exist is silently ignored (a clip from text/image), as in the real script;
#   - --image missing → load_image ValueError; --end_image without --image → AttributeError (exit 1);
#   - output: result/<outdir>/<prompt[:100] without '/'>_<seed>_<time>.mp4 (an absolute --outdir is used as is),
#     --fps (int), no sound. From text/image: ((num_frames-1)//4)*4+1 frames of 960x544 (540P) / 1280x720 (720P),
#     portrait when the image is. Extension: the whole input (resized) followed by the frames the iterations add.
# Stand-in env: SKYREELS_STANDIN_{RECORD,LOAD_MS,STEP_MS,SCALE} (falling back to WAN_STANDIN_*), TTV_FFMPEG.
import argparse
import os
import random
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
_here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.environ.get("TTV_STANDIN_LIB") or os.path.join(_here, "..", "wan21"))
import standin_common as sc  # noqa: E402

RECORD = sc.RunRecord("skyreels-df-generate", ("SKYREELS_STANDIN_RECORD", "WAN_STANDIN_RECORD"))


def _env(suffix):
    return ("SKYREELS_STANDIN_" + suffix, "WAN_STANDIN_" + suffix)


def build_parser():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outdir", type=str, default="diffusion_forcing")
    parser.add_argument("--model_id", type=str, default="Skywork/SkyReels-V2-DF-1.3B-540P")
    parser.add_argument("--resolution", type=str, choices=["540P", "720P"])
    parser.add_argument("--num_frames", type=int, default=97)
    parser.add_argument("--image", type=str, default=None)
    parser.add_argument("--end_image", type=str, default=None)
    parser.add_argument("--video_path", type=str, default='')
    parser.add_argument("--ar_step", type=int, default=0)
    parser.add_argument("--causal_attention", action="store_true")
    parser.add_argument("--causal_block_size", type=int, default=1)
    parser.add_argument("--base_num_frames", type=int, default=97)
    parser.add_argument("--overlap_history", type=int, default=None)
    parser.add_argument("--addnoise_condition", type=int, default=0)
    parser.add_argument("--guidance_scale", type=float, default=6.0)
    parser.add_argument("--shift", type=float, default=8.0)
    parser.add_argument("--inference_steps", type=int, default=30)
    parser.add_argument("--use_usp", action="store_true")
    parser.add_argument("--offload", action="store_true")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--prompt", type=str, default="A woman in a leather jacket and sunglasses riding a vintage motorcycle.")
    parser.add_argument("--prompt_enhancer", action="store_true")
    parser.add_argument("--teacache", action="store_true")
    parser.add_argument("--teacache_thresh", type=float, default=0.2)
    parser.add_argument("--use_ret_steps", action="store_true")
    return parser


def download_model(model_id):
    if not os.path.exists(model_id):
        raise OSError(f"We couldn't connect to 'https://huggingface.co' to load the files of {model_id}, "
                      "and couldn't find them in the cached files.")
    return model_id


def extension_frames(num_frames, overlap_history, base_num_frames):
    """Frames extend_video appends to the input (its loop, with the Wan VAE's 1+4k latent arithmetic)."""
    latent_length = (num_frames - 1) // 4 + 1
    base = (base_num_frames - 1) // 4 + 1
    overlap = (overlap_history - 1) // 4 + 1
    n_iter = 1 + (latent_length - base - 1) // (base - overlap) + 1
    added = 0
    for i in range(n_iter):
        finished = i * (base - overlap) + overlap
        iter_frames = min(latent_length - finished + overlap, base)
        added += max(0, (iter_frames - 1) * 4 + 1 - overlap_history)
    return added


def count_frames(path):
    out = subprocess.run([sc.ffprobe_bin(), "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", path], capture_output=True, text=True)
    return int(out.stdout.strip().split(",")[0])


def concat(out, prefix, added, fps, w, h, seed):
    """The input resized to w×h, then `added` new frames (a seeded pattern that does not repeat the input's last)."""
    with tempfile.TemporaryDirectory() as tmp:
        new = os.path.join(tmp, "new.mp4")
        code, err = sc.render_video(new, added, fps, w, h, seed)
        if code != 0:
            raise RuntimeError(f"ffmpeg failed: {err.strip()}")
        graph = (f"[0:v]scale={w}:{h},setsar=1,fps={fps},format=yuv420p,settb=1/{fps},setpts=N[a];"
                 f"[1:v]setsar=1,format=yuv420p,settb=1/{fps},setpts=N[b];[a][b]concat=n=2:v=1:a=0[v]")
        cmd = [sc.ffmpeg_bin(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-i", prefix, "-i", new,
               "-filter_complex", graph, "-map", "[v]", "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "10",
               "-r", str(fps), "-f", "mp4", out]
        p = sc.spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"ffmpeg failed: {(err or b'').decode('utf-8', 'replace').strip()}")


def geometry(args):
    if args.resolution == "540P":
        return 544, 960
    if args.resolution == "720P":
        return 720, 1280
    raise ValueError(f"Invalid resolution: {args.resolution}")


def generate(args):
    args.model_id = download_model(args.model_id)
    print("model_id:", args.model_id)
    assert (args.use_usp and args.seed is not None) or (not args.use_usp), "usp mode need seed"
    if args.seed is None:
        random.seed(time.time())
        args.seed = int(random.randrange(4294967294))
    height, width = geometry(args)
    if args.num_frames > args.base_num_frames:
        assert args.overlap_history is not None, 'You are supposed to specify the "overlap_history" to support the long video generation. 17 and 37 are recommanded to set.'
    save_dir = os.path.join("result", args.outdir)
    os.makedirs(save_dir, exist_ok=True)
    time.sleep(sc.env_int(_env("LOAD_MS"), 300) / 1000.0)
    extending = os.path.exists(args.video_path)
    RECORD.set(seed=args.seed, prompt=args.prompt, numFrames=args.num_frames, fps=args.fps, extend=extending,
               fallbacks=[] if extending or not args.video_path else ["video_path"])
    scale = sc.env_int(_env("SCALE"), 1)
    current_time = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime())
    out = os.path.join(save_dir, f"{args.prompt[:100].replace('/', '')}_{args.seed}_{current_time}.mp4")
    if extending:
        input_frames = count_frames(args.video_path)
        assert input_frames >= args.overlap_history, "The input video is too short."
        added = extension_frames(args.num_frames, args.overlap_history, args.base_num_frames)
        sc.progress(args.inference_steps, sc.env_int(_env("STEP_MS"), 20))
        w, h = sc.scaled_dims(width, height, scale)
        RECORD.set(inputFrames=input_frames, added=added, frames=input_frames + added, rendered={"width": w, "height": h})
        concat(out, args.video_path, added, args.fps, w, h, args.seed)
        return out
    first = last = None
    if args.image:
        iw, ih = sc.image_size(args.image) if os.path.exists(args.image) else (None, None)
        if iw is None:
            raise ValueError(f"Incorrect path or url, URLs must start with `http://` or `https://`, and {args.image} is not a valid path.")
        if ih > iw:
            height, width = width, height
        first = os.path.abspath(args.image)
        if args.end_image:
            if not os.path.exists(args.end_image):
                raise ValueError(f"Incorrect path or url, URLs must start with `http://` or `https://`, and {args.end_image} is not a valid path.")
            last = os.path.abspath(args.end_image)
    elif args.end_image:
        raise AttributeError("'str' object has no attribute 'convert'")
    frames = ((args.num_frames - 1) // 4) * 4 + 1
    sc.progress(args.inference_steps, sc.env_int(_env("STEP_MS"), 20))
    w, h = sc.scaled_dims(width, height, scale)
    RECORD.set(frames=frames, rendered={"width": w, "height": h})
    code, err = sc.render_video(out, frames, args.fps, w, h, args.seed, first=first, last=last, first_fit="cover")
    if code != 0:
        raise RuntimeError(f"ffmpeg failed: {err.strip()}")
    return out


def main():
    sc.install_signal_handlers(RECORD)
    try:
        args = build_parser().parse_args()
        out = generate(args)
        RECORD.set(saveFile=os.path.abspath(out))
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
