#!/usr/bin/env python3
# ttv test stand-in for Wan2.1's generate.py (Wan-Video/Wan2.1 HEAD 9737cba). NOT Wan: no model, no GPU.
#
# Same argparse (flags, types, defaults, choices, str2bool), the same asserts in the same order with the same
# messages, the same log lines, tqdm progress on stderr, and the same post-load crashes (frame_num not 4n+1,
# flf2v with frame_num != 81, missing input files, missing checkpoint files). The "video" is rendered with
# ffmpeg from the input image(s): exactly frame_num frames at 16 fps, libx264 yuv420p crf 10, no audio.
#
# Stand-in environment (see packages/testkit/src/emulators/wan21/README.md):
#   TTV_FFMPEG / TTV_FFPROBE   ffmpeg / ffprobe binaries (default: from PATH)
#   WAN_STANDIN_SCALE=N        render at 1/N of Wan's geometry (each side floored to even); default 1
#   WAN_STANDIN_LOAD_MS        simulated import + model loading time (default 300)
#   WAN_STANDIN_STEP_MS        time per sampling step (default 20)
#   WAN_STANDIN_RECORD=file    append one JSON line per invocation
#   WAN_STANDIN_FAULT          save_fail | oom | crash_mid_write | hang | sigkill
#   WAN_STANDIN_FAULT_RANK     apply the fault only on this RANK (default: every rank)
import argparse
from datetime import datetime
import logging
import math
import os
import random
import sys
import time
import warnings

warnings.filterwarnings('ignore')

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
sys.dont_write_bytecode = True
import standin_common as sc  # noqa: E402

# ---- wan/configs (only what generate.py uses) ------------------------------------------------------------
WAN_CONFIGS = {
    't2v-14B': dict(num_heads=40, dim=5120, model_type='t2v', sample_fps=16),
    't2v-1.3B': dict(num_heads=12, dim=1536, model_type='t2v', sample_fps=16),
    'i2v-14B': dict(num_heads=40, dim=5120, model_type='i2v', sample_fps=16),
    't2i-14B': dict(num_heads=40, dim=5120, model_type='t2v', sample_fps=16),
    'flf2v-14B': dict(num_heads=40, dim=5120, model_type='flf2v', sample_fps=16),
    'vace-1.3B': dict(num_heads=12, dim=1536, model_type='vace', sample_fps=16),
    'vace-14B': dict(num_heads=40, dim=5120, model_type='vace', sample_fps=16),
}

SIZE_CONFIGS = {
    '720*1280': (720, 1280),
    '1280*720': (1280, 720),
    '480*832': (480, 832),
    '832*480': (832, 480),
    '1024*1024': (1024, 1024),
}

MAX_AREA_CONFIGS = {
    '720*1280': 720 * 1280,
    '1280*720': 1280 * 720,
    '480*832': 480 * 832,
    '832*480': 832 * 480,
}

SUPPORTED_SIZES = {
    't2v-14B': ('720*1280', '1280*720', '480*832', '832*480'),
    't2v-1.3B': ('480*832', '832*480'),
    'i2v-14B': ('720*1280', '1280*720', '480*832', '832*480'),
    'flf2v-14B': ('720*1280', '1280*720', '480*832', '832*480'),
    't2i-14B': tuple(SIZE_CONFIGS.keys()),
    'vace-1.3B': ('480*832', '832*480'),
    'vace-14B': ('720*1280', '1280*720', '480*832', '832*480'),
}

# Checkpoint files each pipeline loads, in loading order (T5, VAE, CLIP, DiT config).
T5_CHECKPOINT = 'models_t5_umt5-xxl-enc-bf16.pth'
VAE_CHECKPOINT = 'Wan2.1_VAE.pth'
CLIP_CHECKPOINT = 'models_clip_open-clip-xlm-roberta-large-vit-huge-14.pth'

EXAMPLE_PROMPT = {
    "t2v-1.3B": {
        "prompt": "Two anthropomorphic cats in comfy boxing gear and bright gloves fight intensely on a spotlighted stage.",
    },
    "t2v-14B": {
        "prompt": "Two anthropomorphic cats in comfy boxing gear and bright gloves fight intensely on a spotlighted stage.",
    },
    "t2i-14B": {
        "prompt": "一个朴素端庄的美人",
    },
    "i2v-14B": {
        "prompt":
            "Summer beach vacation style, a white cat wearing sunglasses sits on a surfboard. The fluffy-furred feline gazes directly at the camera with a relaxed expression. Blurred beach scenery forms the background featuring crystal-clear waters, distant green hills, and a blue sky dotted with white clouds. The cat assumes a naturally relaxed posture, as if savoring the sea breeze and warm sunlight. A close-up shot highlights the feline's intricate details and the refreshing atmosphere of the seaside.",
        "image":
            "examples/i2v_input.JPG",
    },
    "flf2v-14B": {
        "prompt":
            "CG动画风格，一只蓝色的小鸟从地面起飞，煽动翅膀。小鸟羽毛细腻，胸前有独特的花纹，背景是蓝天白云，阳光明媚。镜跟随小鸟向上移动，展现出小鸟飞翔的姿态和天空的广阔。近景，仰视视角。",
        "first_frame":
            "examples/flf2v_input_first_frame.png",
        "last_frame":
            "examples/flf2v_input_last_frame.png",
    },
    "vace-1.3B": {
        "src_ref_images": 'examples/girl.png,examples/snake.png',
        "prompt":
            "在一个欢乐而充满节日气氛的场景中，穿着鲜艳红色春服的小女孩正与她的可爱卡通蛇嬉戏。她的春服上绣着金色吉祥图案，散发着喜庆的气息，脸上洋溢着灿烂的笑容。蛇身呈现出亮眼的绿色，形状圆润，宽大的眼睛让它显得既友善又幽默。小女孩欢快地用手轻轻抚摸着蛇的头部，共同享受着这温馨的时刻。周围五彩斑斓的灯笼和彩带装饰着环境，阳光透过洒在她们身上，营造出一个充满友爱与幸福的新年氛围。"
    },
    "vace-14B": {
        "src_ref_images": 'examples/girl.png,examples/snake.png',
        "prompt":
            "在一个欢乐而充满节日气氛的场景中，穿着鲜艳红色春服的小女孩正与她的可爱卡通蛇嬉戏。她的春服上绣着金色吉祥图案，散发着喜庆的气息，脸上洋溢着灿烂的笑容。蛇身呈现出亮眼的绿色，形状圆润，宽大的眼睛让它显得既友善又幽默。小女孩欢快地用手轻轻抚摸着蛇的头部，共同享受着这温馨的时刻。周围五彩斑斓的灯笼和彩带装饰着环境，阳光透过洒在她们身上，营造出一个充满友爱与幸福的新年氛围。"
    }
}

RECORD = sc.RunRecord('wan21-generate', ('WAN_STANDIN_RECORD',))
FALLBACKS = []


class OutOfMemoryError(RuntimeError):
    pass


OutOfMemoryError.__module__ = 'torch'
OutOfMemoryError.__qualname__ = 'OutOfMemoryError'


def str2bool(v):
    """
    Convert a string to a boolean.

    Supported true values: 'yes', 'true', 't', 'y', '1'
    Supported false values: 'no', 'false', 'f', 'n', '0'
    """
    if isinstance(v, bool):
        return v
    v_lower = v.lower()
    if v_lower in ('yes', 'true', 't', 'y', '1'):
        return True
    elif v_lower in ('no', 'false', 'f', 'n', '0'):
        return False
    else:
        raise argparse.ArgumentTypeError('Boolean value expected (True/False)')


def _validate_args(args):
    # Basic check
    assert args.ckpt_dir is not None, "Please specify the checkpoint directory."
    assert args.task in WAN_CONFIGS, f"Unsupport task: {args.task}"
    assert args.task in EXAMPLE_PROMPT, f"Unsupport task: {args.task}"

    # The default sampling steps are 40 for image-to-video tasks and 50 for text-to-video tasks.
    if args.sample_steps is None:
        args.sample_steps = 50
        if "i2v" in args.task:
            args.sample_steps = 40

    if args.sample_shift is None:
        args.sample_shift = 5.0
        if "i2v" in args.task and args.size in ["832*480", "480*832"]:
            args.sample_shift = 3.0
        elif "flf2v" in args.task or "vace" in args.task:
            args.sample_shift = 16

    # The default number of frames are 1 for text-to-image tasks and 81 for other tasks.
    if args.frame_num is None:
        args.frame_num = 1 if "t2i" in args.task else 81

    # T2I frame_num check
    if "t2i" in args.task:
        assert args.frame_num == 1, f"Unsupport frame_num {args.frame_num} for task {args.task}"

    args.base_seed = args.base_seed if args.base_seed >= 0 else random.randint(
        0, sys.maxsize)
    # Size check
    assert args.size in SUPPORTED_SIZES[
        args.
        task], f"Unsupport size {args.size} for task {args.task}, supported sizes are: {', '.join(SUPPORTED_SIZES[args.task])}"


def _parse_args():
    parser = argparse.ArgumentParser(
        description="Generate a image or video from a text prompt or image using Wan"
    )
    parser.add_argument(
        "--task",
        type=str,
        default="t2v-14B",
        choices=list(WAN_CONFIGS.keys()),
        help="The task to run.")
    parser.add_argument(
        "--size",
        type=str,
        default="1280*720",
        choices=list(SIZE_CONFIGS.keys()),
        help="The area (width*height) of the generated video. For the I2V task, the aspect ratio of the output video will follow that of the input image."
    )
    parser.add_argument(
        "--frame_num",
        type=int,
        default=None,
        help="How many frames to sample from a image or video. The number should be 4n+1"
    )
    parser.add_argument(
        "--ckpt_dir",
        type=str,
        default=None,
        help="The path to the checkpoint directory.")
    parser.add_argument(
        "--offload_model",
        type=str2bool,
        default=None,
        help="Whether to offload the model to CPU after each model forward, reducing GPU memory usage."
    )
    parser.add_argument(
        "--ulysses_size",
        type=int,
        default=1,
        help="The size of the ulysses parallelism in DiT.")
    parser.add_argument(
        "--ring_size",
        type=int,
        default=1,
        help="The size of the ring attention parallelism in DiT.")
    parser.add_argument(
        "--t5_fsdp",
        action="store_true",
        default=False,
        help="Whether to use FSDP for T5.")
    parser.add_argument(
        "--t5_cpu",
        action="store_true",
        default=False,
        help="Whether to place T5 model on CPU.")
    parser.add_argument(
        "--dit_fsdp",
        action="store_true",
        default=False,
        help="Whether to use FSDP for DiT.")
    parser.add_argument(
        "--save_file",
        type=str,
        default=None,
        help="The file to save the generated image or video to.")
    parser.add_argument(
        "--src_video",
        type=str,
        default=None,
        help="The file of the source video. Default None.")
    parser.add_argument(
        "--src_mask",
        type=str,
        default=None,
        help="The file of the source mask. Default None.")
    parser.add_argument(
        "--src_ref_images",
        type=str,
        default=None,
        help="The file list of the source reference images. Separated by ','. Default None.")
    parser.add_argument(
        "--prompt",
        type=str,
        default=None,
        help="The prompt to generate the image or video from.")
    parser.add_argument(
        "--use_prompt_extend",
        action="store_true",
        default=False,
        help="Whether to use prompt extend.")
    parser.add_argument(
        "--prompt_extend_method",
        type=str,
        default="local_qwen",
        choices=["dashscope", "local_qwen"],
        help="The prompt extend method to use.")
    parser.add_argument(
        "--prompt_extend_model",
        type=str,
        default=None,
        help="The prompt extend model to use.")
    parser.add_argument(
        "--prompt_extend_target_lang",
        type=str,
        default="zh",
        choices=["zh", "en"],
        help="The target language of prompt extend.")
    parser.add_argument(
        "--base_seed",
        type=int,
        default=-1,
        help="The seed to use for generating the image or video.")
    parser.add_argument(
        "--image",
        type=str,
        default=None,
        help="[image to video] The image to generate the video from.")
    parser.add_argument(
        "--first_frame",
        type=str,
        default=None,
        help="[first-last frame to video] The image (first frame) to generate the video from.")
    parser.add_argument(
        "--last_frame",
        type=str,
        default=None,
        help="[first-last frame to video] The image (last frame) to generate the video from.")
    parser.add_argument(
        "--sample_solver",
        type=str,
        default='unipc',
        choices=['unipc', 'dpm++'],
        help="The solver used to sample.")
    parser.add_argument(
        "--sample_steps", type=int, default=None, help="The sampling steps.")
    parser.add_argument(
        "--sample_shift",
        type=float,
        default=None,
        help="Sampling shift factor for flow matching schedulers.")
    parser.add_argument(
        "--sample_guide_scale",
        type=float,
        default=5.0,
        help="Classifier free guidance scale.")

    args = parser.parse_args()

    _validate_args(args)

    return args


def _init_logging(rank):
    # logging
    if rank == 0:
        # set format
        logging.basicConfig(
            level=logging.INFO,
            format="[%(asctime)s] %(levelname)s: %(message)s",
            handlers=[logging.StreamHandler(stream=sys.stdout)])
    else:
        logging.basicConfig(level=logging.ERROR)


# ---- stand-in internals ----------------------------------------------------------------------------------

def _fault():
    fault = os.environ.get('WAN_STANDIN_FAULT') or None
    only = os.environ.get('WAN_STANDIN_FAULT_RANK')
    if fault and only not in (None, '') and int(only) != int(os.getenv("RANK", 0)):
        return None
    return fault


def _simulate_loading():
    """Stands in for `import torch, wan` plus reading tens of GB of weights."""
    time.sleep(sc.env_int(('WAN_STANDIN_LOAD_MS',), 300) / 1000.0)


def _load_checkpoint(cfg, task, ckpt_dir, clip):
    """Checks the files Wan loads, in Wan's order (T5, VAE, [CLIP], DiT). Raises like torch.load would."""
    import json
    logging.info(f"loading {os.path.join(ckpt_dir, T5_CHECKPOINT)}")
    needed = [T5_CHECKPOINT, VAE_CHECKPOINT] + ([CLIP_CHECKPOINT] if clip else []) + ['config.json']
    for name in needed:
        path = os.path.join(ckpt_dir, name)
        if not os.path.isfile(path):
            raise FileNotFoundError(2, 'No such file or directory', path)
    logging.info(f"Creating WanModel from {ckpt_dir}")
    with open(os.path.join(ckpt_dir, 'config.json'), encoding='utf-8') as f:
        model_cfg = json.load(f)
    got_type, got_dim = model_cfg.get('model_type'), model_cfg.get('dim')
    if got_type != cfg['model_type'] or got_dim != cfg['dim']:
        raise RuntimeError(
            "Error(s) in loading state_dict for WanModel:\n\t"
            f"checkpoint {ckpt_dir} holds a model_type={got_type!r} dim={got_dim} model, "
            f"task {task} needs model_type={cfg['model_type']!r} dim={cfg['dim']}")
    RECORD.set(checkpoint={'model_type': got_type, 'dim': got_dim, 'task': model_cfg.get('ttv_standin_task')})


def _latent_geometry(img_w, img_h, max_area, vae_stride=8, patch=2):
    aspect_ratio = img_h / img_w
    lat_h = round(math.sqrt(max_area * aspect_ratio) // vae_stride // patch * patch)
    lat_w = round(math.sqrt(max_area / aspect_ratio) // vae_stride // patch * patch)
    return lat_h * vae_stride, lat_w * vae_stride


def _check_mask_shape(frame_num, hard_coded=None):
    """Wan builds the conditioning mask with `frame_num` frames (flf2v: a hard-coded 81) and concatenates
    it with the (frame_num - 1) // 4 + 1 latent frames: anything else fails here, after loading."""
    lat_f = (frame_num - 1) // 4 + 1
    msk_frames = hard_coded if hard_coded is not None else frame_num
    msk_lat = (msk_frames + 3) // 4
    if (msk_frames + 3) % 4 != 0 or msk_lat != lat_f:
        raise RuntimeError(
            f"Sizes of tensors must match except in dimension 0. Expected size {msk_lat} but got size {lat_f} "
            f"for tensor number 1 in the list.")


def _sample(steps, rank, fault):
    def on_step(i):
        if fault == 'oom' and i == 1:
            sys.stderr.write("\n")
            raise OutOfMemoryError(
                "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.65 GiB of which "
                "1.12 GiB is free. Including non-PyTorch memory, this process has 22.51 GiB memory in use. Of the "
                "allocated memory 21.87 GiB is allocated by PyTorch, and 312.45 MiB is reserved by PyTorch but "
                "unallocated. If reserved but unallocated memory is large try setting "
                "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for "
                "Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)")
        if fault == 'sigkill' and i == max(1, steps // 2):
            sc.die_by_sigkill(RECORD, 'sigkill')

    sc.progress(steps, sc.env_int(('WAN_STANDIN_STEP_MS',), 20), on_step)


def _render(args, spec):
    """spec: dict(width, height, first, last, fit). Returns (ok, error)."""
    scale = sc.env_int(('WAN_STANDIN_SCALE',), 1)
    w, h = sc.scaled_dims(spec['width'], spec['height'], scale)
    RECORD.set(geometry={'width': spec['width'], 'height': spec['height']},
               rendered={'width': w, 'height': h}, scale=scale)
    image = "t2i" in args.task
    code, err = sc.render_video(args.save_file, args.frame_num, 16, w, h, args.base_seed,
                                first=spec.get('first'), last=spec.get('last'),
                                first_fit=spec.get('fit', 'stretch'), image=image)
    if code != 0:
        return False, err.strip().splitlines()[-1] if err.strip() else f"ffmpeg exited with {code}"
    return True, None


def cache_video(args, spec, retry=5):
    fault = _fault()
    error = None
    for _ in range(retry):
        try:
            if fault == 'save_fail':
                raise OSError(28, 'No space left on device')
            parent = os.path.dirname(os.path.abspath(args.save_file))
            if not os.path.isdir(parent):
                raise FileNotFoundError(2, 'No such file or directory', args.save_file)
            if fault == 'crash_mid_write':
                ok, err = _render(args, spec)
                size = os.path.getsize(args.save_file) if os.path.exists(args.save_file) else 0
                with open(args.save_file, 'r+b') as f:
                    f.truncate(max(1, size // 2))
                sc.die_by_sigkill(RECORD, 'crash_mid_write')
            ok, err = _render(args, spec)
            if not ok:
                raise RuntimeError(err)
            return args.save_file
        except Exception as e:
            error = e
            continue
    else:
        print(f'cache_video failed, error: {error}', flush=True)
        return None


def generate(args):
    rank = int(os.getenv("RANK", 0))
    world_size = int(os.getenv("WORLD_SIZE", 1))
    local_rank = int(os.getenv("LOCAL_RANK", 0))
    _init_logging(rank)
    RECORD.set(rank=rank, worldSize=world_size)

    if args.offload_model is None:
        args.offload_model = False if world_size > 1 else True
        logging.info(
            f"offload_model is not specified, set to {args.offload_model}.")
    if world_size > 1:
        pass  # torch.cuda.set_device(local_rank); dist.init_process_group(backend="nccl", ...)
    else:
        assert not (
            args.t5_fsdp or args.dit_fsdp
        ), f"t5_fsdp and dit_fsdp are not supported in non-distributed environments."
        assert not (
            args.ulysses_size > 1 or args.ring_size > 1
        ), f"context parallel are not supported in non-distributed environments."

    if args.ulysses_size > 1 or args.ring_size > 1:
        assert args.ulysses_size * args.ring_size == world_size, f"The number of ulysses_size and ring_size should be equal to the world size."

    cfg = WAN_CONFIGS[args.task]
    if args.ulysses_size > 1:
        num_heads = cfg['num_heads']
        ulysses_size = args.ulysses_size
        assert num_heads % ulysses_size == 0, f"`cfg.num_heads={num_heads}` cannot be divided evenly by `args.ulysses_size={ulysses_size}`."

    logging.info(f"Generation job args: {args}")
    logging.info(f"Generation model config: {cfg}")

    fault = _fault()
    spec = {}
    if "t2v" in args.task or "t2i" in args.task or "vace" in args.task:
        if args.prompt is None:
            args.prompt = EXAMPLE_PROMPT[args.task]["prompt"]
            FALLBACKS.append('prompt')
        logging.info(f"Input prompt: {args.prompt}")
        _simulate_loading()
        logging.info(f"Creating {'WanVace' if 'vace' in args.task else 'WanT2V'} pipeline.")
        _load_checkpoint(cfg, args.task, args.ckpt_dir, clip=False)
        w, h = SIZE_CONFIGS[args.size]
        spec = dict(width=w, height=h)
        logging.info(f"Generating {'image' if 't2i' in args.task else 'video'} ...")
        if "t2i" not in args.task:
            _check_mask_shape(args.frame_num)
    elif "i2v" in args.task:
        if args.prompt is None:
            args.prompt = EXAMPLE_PROMPT[args.task]["prompt"]
            FALLBACKS.append('prompt')
        if args.image is None:
            args.image = EXAMPLE_PROMPT[args.task]["image"]
            FALLBACKS.append('image')
        logging.info(f"Input prompt: {args.prompt}")
        logging.info(f"Input image: {args.image}")
        _simulate_loading()
        img_w, img_h = sc.image_size(args.image)
        logging.info("Creating WanI2V pipeline.")
        _load_checkpoint(cfg, args.task, args.ckpt_dir, clip=True)
        logging.info("Generating video ...")
        h, w = _latent_geometry(img_w, img_h, MAX_AREA_CONFIGS[args.size])
        _check_mask_shape(args.frame_num)
        spec = dict(width=w, height=h, first=os.path.abspath(args.image), fit='stretch')
    else:
        if args.prompt is None:
            args.prompt = EXAMPLE_PROMPT[args.task]["prompt"]
            FALLBACKS.append('prompt')
        if args.first_frame is None or args.last_frame is None:
            FALLBACKS.extend(['first_frame', 'last_frame'])
            args.first_frame = EXAMPLE_PROMPT[args.task]["first_frame"]
            args.last_frame = EXAMPLE_PROMPT[args.task]["last_frame"]
        logging.info(f"Input prompt: {args.prompt}")
        logging.info(f"Input first frame: {args.first_frame}")
        logging.info(f"Input last frame: {args.last_frame}")
        _simulate_loading()
        img_w, img_h = sc.image_size(args.first_frame)
        sc.image_size(args.last_frame)
        logging.info("Creating WanFLF2V pipeline.")
        _load_checkpoint(cfg, args.task, args.ckpt_dir, clip=True)
        logging.info("Generating video ...")
        h, w = _latent_geometry(img_w, img_h, MAX_AREA_CONFIGS[args.size])
        _check_mask_shape(args.frame_num, hard_coded=81)
        spec = dict(width=w, height=h, first=os.path.abspath(args.first_frame),
                    last=os.path.abspath(args.last_frame), fit='stretch')
    RECORD.set(fallbacks=list(FALLBACKS), prompt=args.prompt, seed=args.base_seed, task=args.task,
               frameNum=args.frame_num, sampleSteps=args.sample_steps, sampleShift=args.sample_shift,
               offloadModel=args.offload_model)
    for name in FALLBACKS:
        # Real Wan says nothing: the substitution only shows in the "Input ..." lines above.
        sys.stderr.write(f"[wan-standin] --{name} not given: using Wan's built-in example\n")

    if fault == 'hang':
        sc.sleep_forever()
    _sample(args.sample_steps, rank, fault)

    saved = None
    if rank == 0:
        if args.save_file is None:
            formatted_time = datetime.now().strftime("%Y%m%d_%H%M%S")
            formatted_prompt = args.prompt.replace(" ", "_").replace("/",
                                                                     "_")[:50]
            suffix = '.png' if "t2i" in args.task else '.mp4'
            args.save_file = f"{args.task}_{args.size.replace('*','x') if sys.platform=='win32' else args.size}_{args.ulysses_size}_{args.ring_size}_{formatted_prompt}_{formatted_time}" + suffix

        if "t2i" in args.task:
            logging.info(f"Saving generated image to {args.save_file}")
        else:
            logging.info(f"Saving generated video to {args.save_file}")
        saved = cache_video(args, spec)
        RECORD.set(saveFile=os.path.abspath(args.save_file), saved=saved is not None)
    logging.info("Finished.")
    return saved is not None or rank != 0


def _main():
    sc.install_signal_handlers(RECORD)
    try:
        args = _parse_args()
        ok = generate(args)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        RECORD.write('argparse_error' if code == 2 else ('ok' if code == 0 else 'exit'), exit_code=code,
                     fallbacks=list(FALLBACKS))
        raise
    except BaseException as e:
        RECORD.write('error', exit_code=1, error=f"{type(e).__name__}: {e}", fallbacks=list(FALLBACKS))
        raise
    RECORD.write('ok' if ok else 'save_failed', exit_code=0, fallbacks=list(FALLBACKS))


if __name__ == "__main__":
    _main()
