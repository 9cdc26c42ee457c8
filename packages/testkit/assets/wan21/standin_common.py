# Shared helpers for the ttv test stand-ins (Wan2.1 generate.py, torchrun, FramePack CLI).
# Standard library only. Not part of Wan2.1: lives beside the stand-in generate.py.
import ctypes
import json
import os
import signal
import struct
import subprocess
import sys
import time

_LIBC = None


def _set_pdeathsig():
    """Child processes die with their parent (also when the parent is SIGKILLed)."""
    global _LIBC
    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def ffmpeg_bin():
    return os.environ.get("TTV_FFMPEG") or "ffmpeg"


def ffprobe_bin():
    return os.environ.get("TTV_FFPROBE") or "ffprobe"


def env_int(names, default):
    for name in names:
        v = os.environ.get(name)
        if v not in (None, ""):
            try:
                return int(float(v))
            except ValueError:
                pass
    return default


def env_str(names, default=None):
    for name in names:
        v = os.environ.get(name)
        if v not in (None, ""):
            return v
    return default


# ----------------------------------------------------------------------------------------------------------
# Image dimensions (PNG IHDR / JPEG SOF), ffprobe as a fallback for other formats.


class UnidentifiedImageError(OSError):
    pass


UnidentifiedImageError.__module__ = "PIL"


def image_size(path):
    """(width, height) of a PNG or JPEG. Raises FileNotFoundError like PIL.Image.open."""
    with open(path, "rb") as f:
        head = f.read(32)
        if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
            w, h = struct.unpack(">II", head[16:24])
            return w, h
        if head[:2] == b"\xff\xd8":
            f.seek(2)
            while True:
                b = f.read(1)
                while b and b != b"\xff":
                    b = f.read(1)
                while b == b"\xff":
                    b = f.read(1)
                if not b:
                    break
                marker = b[0]
                if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                    continue
                seg = f.read(2)
                if len(seg) < 2:
                    break
                (length,) = struct.unpack(">H", seg)
                if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                    data = f.read(5)
                    h, w = struct.unpack(">HH", data[1:5])
                    return w, h
                f.seek(length - 2, 1)
    # Other formats (webp, bmp, ...): ask ffprobe.
    try:
        out = subprocess.run(
            [ffprobe_bin(), "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
             "-of", "csv=p=0:s=x", path],
            capture_output=True, text=True, timeout=30)
        w, h = out.stdout.strip().split("x")[:2]
        return int(w), int(h)
    except Exception:
        raise UnidentifiedImageError(f"cannot identify image file {path!r}")


# ----------------------------------------------------------------------------------------------------------
# Run record (one JSON line per invocation).

RECORD_ENV = ("CUDA_VISIBLE_DEVICES", "RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
              "MASTER_PORT", "OMP_NUM_THREADS")


class RunRecord:
    def __init__(self, tool, record_env_names):
        self.path = env_str(record_env_names)
        self.written = False
        self.data = {
            "tool": tool,
            "argv": sys.argv[1:],
            "script": os.path.abspath(sys.argv[0]),
            "cwd": os.getcwd(),
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "env": {k: os.environ[k] for k in RECORD_ENV if k in os.environ},
            "start": time.time(),
            "outcome": "running",
        }

    def set(self, **kw):
        self.data.update(kw)

    def write(self, outcome=None, exit_code=None, **kw):
        if self.written:
            return
        self.written = True
        if outcome is not None:
            self.data["outcome"] = outcome
        if exit_code is not None:
            self.data["exitCode"] = exit_code
        self.data.update(kw)
        self.data["end"] = time.time()
        if not self.path:
            return
        line = (json.dumps(self.data, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


# ----------------------------------------------------------------------------------------------------------
# Child process tracking + signals.

_children = []


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, preexec_fn=_set_pdeathsig, **kw)
    _children.append(p)
    return p


def kill_children(sig=signal.SIGKILL):
    for p in list(_children):
        if p.poll() is None:
            try:
                p.send_signal(sig)
            except ProcessLookupError:
                pass


def install_signal_handlers(record):
    """SIGTERM/SIGINT/SIGHUP: stop ffmpeg, write the record, then die by the same signal (like an unhandled
    signal in real Python: SIGTERM → exit status 143 in a shell, `signal: 'SIGTERM'` in execa)."""

    def handler(signum, _frame):
        kill_children()
        try:
            record.write("signal", signal=signal.Signals(signum).name)
        except Exception:
            pass
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, handler)


def die_by_sigkill(record, outcome="sigkill"):
    kill_children()
    record.write(outcome, signal="SIGKILL")
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)


def sleep_forever():
    while True:
        time.sleep(3600)


# ----------------------------------------------------------------------------------------------------------
# tqdm-like progress on stderr.


def _fmt_interval(t):
    t = int(t)
    m, s = divmod(t, 60)
    h, m = divmod(m, 60)
    return f"{h:d}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def tqdm_line(n, total, elapsed):
    frac = n / total if total else 1.0
    width = 10
    fill = int(frac * width * 8)
    full, part = divmod(fill, 8)
    bar = "█" * full
    if full < width:
        bar += (" ▏▎▍▌▋▊▉"[part] if part else " ") + " " * (width - full - 1)
    if n == 0 or elapsed <= 0:
        rest = "?"
        rate = "?it/s"
    else:
        r = n / elapsed
        rest = _fmt_interval((total - n) / r)
        rate = f"{r:.2f}it/s" if r >= 1 else f"{1 / r:.2f}s/it"
    return f"{frac * 100:3.0f}%|{bar}| {n}/{total} [{_fmt_interval(elapsed)}<{rest}, {rate}]"


def progress(total, step_ms, on_step=None):
    start = time.time()
    sys.stderr.write("\r" + tqdm_line(0, total, 0))
    sys.stderr.flush()
    for i in range(1, total + 1):
        time.sleep(step_ms / 1000.0)
        if on_step is not None:
            on_step(i)
        sys.stderr.write("\r" + tqdm_line(i, total, time.time() - start))
        sys.stderr.flush()
    sys.stderr.write("\n")
    sys.stderr.flush()


# ----------------------------------------------------------------------------------------------------------
# Rendering with ffmpeg.


def scaled_dims(w, h, scale):
    """Stand-in fast mode: render at 1/scale, each side floored to an even number (>= 16)."""
    if scale <= 1:
        return w, h
    return max(16, int(w // scale) // 2 * 2), max(16, int(h // scale) // 2 * 2)


def _fe(x):
    return f"{x:.6f}"


def render_video(out, frames, fps, width, height, seed, first=None, last=None, first_fit="stretch",
                 crf=10, image=False):
    """Writes `frames` frames at `fps` (libx264, yuv420p, no audio) to `out`.

    Frame 0 is `first` fitted to width×height (stretched like Wan's bicubic resize, or cover+centre-crop);
    a slow zoom whose rate and centre depend on `seed`; with `last`, a linear blend that reaches `last`
    (cover+centre-crop, like Wan's flf2v) exactly on the final frame. Without images: a seeded test pattern.
    Returns the ffmpeg Popen result code (0 on success) and stderr text."""
    seed = int(seed) & 0x7FFFFFFF
    total_zoom = 0.04 + (seed % 5) * 0.02
    rate = total_zoom / max(1, frames - 1)
    cx = ((seed >> 3) % 11) / 10.0
    cy = ((seed >> 7) % 11) / 10.0
    size = f"{width}x{height}"
    cmd = [ffmpeg_bin(), "-hide_banner", "-nostdin", "-y", "-v", "error"]
    if first is not None:
        cmd += ["-loop", "1", "-framerate", str(fps), "-i", first]
        if first_fit == "cover":
            fit = f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,crop={width}:{height}"
        else:
            fit = f"scale={width}:{height}:flags=bicubic"
        chain = (f"[0:v]{fit},setsar=1,format=yuv420p,"
                 f"zoompan=z='1+{_fe(rate)}*on':x='(iw-iw/zoom)*{cx}':y='(ih-ih/zoom)*{cy}':d=1:s={size}:fps={fps},"
                 f"format=yuv420p,setsar=1")
        if last is not None:
            cmd += ["-loop", "1", "-framerate", str(fps), "-i", last]
            den = max(1, frames - 1)
            graph = (f"{chain}[a];"
                     f"[1:v]scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,"
                     f"crop={width}:{height},setsar=1,format=yuv420p[b];"
                     f"[a][b]blend=all_expr='A*(1-min(1,N/{den}))+B*min(1,N/{den})',format=yuv420p[v]")
        else:
            graph = chain + "[v]"
    else:
        hue = seed % 360
        cmd += ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={fps}"]
        graph = f"[0:v]hue=h={hue},format=yuv420p,setsar=1[v]"
    cmd += ["-filter_complex", graph, "-map", "[v]", "-frames:v", str(frames)]
    if image:
        cmd += ["-f", "image2", "-update", "1", out]
    else:
        cmd += ["-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", str(crf), "-r", str(fps),
                "-f", "mp4", out]
    p = spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = p.communicate()
    return p.returncode, (err or b"").decode("utf-8", "replace")
