"""One decode of a video feeds everything that needs its pictures.

Decoding is the floor of every visual stage (feasibility.md §4: ~8 s for 60 s of 1080x1920 on two
cores), and the naive pipeline decodes twice (scene detection, then keyframe seeks). Here one ffmpeg
process decodes once and splits the picture three ways:
- small frames (shorter side `analysis_size` px, constant rate) piped to Python for cut detection and
  motion energy;
- the keyframes, selected by time at full resolution (capped at 1080x1920) and written as JPEGs;
- the 0-3 s hook strip, tiled by ffmpeg into one image.
Never a full frame dump: only the keyframes touch disk.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tiktok_pipelines.lib.media.probe import MediaError, MediaProbe

DECODE_VERSION = "decode-1"

# (label, kind, value): seconds from the start, a share of the duration, or the end card (duration - 1 s,
# because feasibility.md §5 found the fixed schedule never samples the last quarter, where CTAs sit).
KEYFRAME_MARKS: tuple[tuple[str, str, float], ...] = (
    ("t0", "s", 0.0), ("t1", "s", 1.0), ("t2", "s", 2.0), ("t3", "s", 3.0), ("t5", "s", 5.0),
    ("p10", "p", 0.10), ("p25", "p", 0.25), ("p50", "p", 0.50), ("p75", "p", 0.75), ("end", "end", 1.0),
)
HOOK_SECONDS = 3.0
HOOK_STRIP_FRAMES = 6  # 0, 0.5, ... 2.5 s
MAX_KEYFRAME_BOX = (1080, 1920)  # 4K uploads are scaled down: OCR and CLIP gain nothing above this


@dataclass(frozen=True)
class KeyframeMark:
    label: str
    t: float
    aliases: tuple[str, ...] = ()  # later labels that fell on the same frame


@dataclass
class DecodedKeyframe:
    label: str
    t: float
    path: Path
    width: int
    height: int
    aliases: tuple[str, ...] = ()


@dataclass
class DecodeResult:
    keyframes: list[DecodedKeyframe]
    hook_strip: Path | None
    analysis_fps: float
    frames: int  # small frames delivered to the consumers
    analysed_seconds: float
    decode_seconds: float
    complete: bool  # False: the stream ended early (truncated file) or the analysis window cut it
    notes: list[str] = field(default_factory=list)


FrameConsumer = Callable[[int, np.ndarray], None]  # (frame index at analysis_fps, HxWx3 BGR uint8)


def keyframe_marks(duration_s: float, analysed_s: float, fps: float = 30.0) -> tuple[list[KeyframeMark], list[str]]:
    """The keyframe instants inside the analysed window, in time order; labels whose instant falls on
    the same frame as an earlier one (10 % of a 30-s video is 3 s) are kept once, under the first label."""
    marks: list[KeyframeMark] = []
    skipped: list[str] = []
    last_frame = max(0.0, duration_s - 0.05)
    for label, kind, value in KEYFRAME_MARKS:
        t = value if kind == "s" else value * duration_s if kind == "p" else max(0.0, duration_s - 1.0)
        t = min(round(t, 3), last_frame)
        if kind == "s" and value > last_frame:
            continue  # a 4-s video has no 5-s keyframe
        if t > analysed_s:
            skipped.append(label)
            continue
        same = next((i for i, m in enumerate(marks) if abs(m.t - t) < 1.0 / fps + 1e-3), None)
        if same is not None:
            marks[same] = KeyframeMark(marks[same].label, marks[same].t, (*marks[same].aliases, label))
            continue
        marks.append(KeyframeMark(label, t))
    # ffmpeg writes the selected frames in time order; the labels must follow the same order.
    return sorted(marks, key=lambda m: m.t), skipped


def analysis_geometry(width: int, height: int, short_side: int) -> tuple[int, int]:
    scale = short_side / min(width, height)
    even = lambda v: max(2, int(round(v * scale / 2)) * 2)
    return even(width), even(height)


def _keyframe_scale(width: int, height: int) -> str:
    box_w, box_h = MAX_KEYFRAME_BOX if height >= width else MAX_KEYFRAME_BOX[::-1]
    if width <= box_w and height <= box_h:
        return "null"
    return f"scale={box_w}:{box_h}:force_original_aspect_ratio=decrease:force_divisible_by=2"


def _select_expr(marks: list[KeyframeMark]) -> str:
    terms = []
    for m in marks:
        terms.append("eq(n\\,0)" if m.t == 0 else f"gte(t\\,{m.t:.3f})*lt(prev_t\\,{m.t:.3f})")
    return "+".join(terms) or "0"


def decode_pass(
    media: Path,
    probe: MediaProbe,
    out_dir: Path,
    *,
    consumers: list[FrameConsumer] = (),  # type: ignore[assignment]
    max_seconds: float = 180.0,
    analysis_size: int = 144,
    analysis_max_fps: float = 30.0,
    keyframes: bool = True,
    hook_strip: bool = True,
    timeout_s: float = 600.0,
) -> DecodeResult:
    """Decode `media` once; stream small frames to `consumers`, write keyframes and the hook strip."""
    if not probe.width or not probe.height:
        raise MediaError(f"{media.name}: the video stream has no frame size")
    out_dir.mkdir(parents=True, exist_ok=True)
    analysed_s = min(probe.duration_s, max_seconds)
    fps = min(probe.fps or 30.0, analysis_max_fps)
    marks, skipped = keyframe_marks(probe.duration_s, analysed_s, probe.fps or fps) if keyframes else ([], [])
    sw, sh = analysis_geometry(probe.width, probe.height, analysis_size)
    graph = [f"[0:v]split={1 + bool(marks) + hook_strip}[small]{'[keys]' if marks else ''}{'[hook]' if hook_strip else ''}",
             f"[small]fps={fps:.6f},scale={sw}:{sh}:flags=fast_bilinear,format=bgr24[smallout]"]
    outputs = ["-map", "[smallout]", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"]
    kf_dir = out_dir / "keyframes"
    if marks:
        kf_dir.mkdir(exist_ok=True)
        for old in kf_dir.glob("kf_*.jpg"):
            old.unlink()
        graph.append(f"[keys]select='{_select_expr(marks)}',{_keyframe_scale(probe.width, probe.height)}[keysout]")
        outputs += ["-map", "[keysout]", "-fps_mode", "passthrough", "-q:v", "2", str(kf_dir / "kf_%03d.jpg")]
    strip_path = out_dir / "hook_strip.jpg"
    if hook_strip:
        n = HOOK_STRIP_FRAMES
        graph.append(f"[hook]trim=0:{HOOK_SECONDS},fps={n / HOOK_SECONDS},scale=-2:320,tile={n}x1[hookout]")
        outputs += ["-map", "[hookout]", "-frames:v", "1", "-q:v", "3", "-update", "1", str(strip_path)]
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-threads", "2", "-t", f"{analysed_s:.3f}", "-i", str(media),
           "-filter_complex", ";".join(graph), *outputs]

    frame_bytes = sw * sh * 3
    started = time.perf_counter()
    count = 0
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        try:
            assert proc.stdout is not None
            while True:
                if time.perf_counter() - started > timeout_s:
                    proc.kill()
                    raise MediaError(f"{media.name}: decoding took longer than {timeout_s:.0f} s; stopped")
                buf = proc.stdout.read(frame_bytes)
                if len(buf) < frame_bytes:
                    break
                frame = np.frombuffer(buf, np.uint8).reshape(sh, sw, 3)
                for consume in consumers:
                    consume(count, frame)
                count += 1
            rc = proc.wait(timeout=max(5.0, timeout_s - (time.perf_counter() - started)))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace").strip()
    elapsed = time.perf_counter() - started
    if count == 0:
        tail = stderr.splitlines()[-1][-160:] if stderr else f"ffmpeg exit {rc}"
        raise MediaError(f"{media.name}: no frame could be decoded ({tail}); the file is damaged or truncated")

    notes: list[str] = []
    decoded_s = count / fps
    complete = decoded_s >= analysed_s - max(0.5, 2.0 / fps)
    if not complete:
        notes.append(f"decoded {decoded_s:.1f} s of {analysed_s:.1f} s: the file ends early (truncated or damaged)")
    if analysed_s < probe.duration_s:
        complete = False
        notes.append(f"analysed the first {analysed_s:.0f} s of {probe.duration_s:.0f} s (TIKTOK_MEDIA_MAX_SECONDS)")
    if skipped:
        notes.append(f"keyframes outside the analysed window: {', '.join(skipped)}")

    written = sorted(kf_dir.glob("kf_*.jpg")) if marks else []
    found: list[DecodedKeyframe] = []
    for mark, path in zip(marks, written):
        final = kf_dir / f"{mark.label}.jpg"
        path.replace(final)
        w, h = _jpeg_size(final)
        found.append(DecodedKeyframe(mark.label, mark.t, final, w, h, mark.aliases))
    if len(written) < len(marks):
        missing = [m.label for m in marks[len(written):]]
        notes.append(f"keyframes not decoded: {', '.join(missing)}")
    return DecodeResult(
        keyframes=found,
        hook_strip=strip_path if hook_strip and strip_path.exists() else None,
        analysis_fps=fps,
        frames=count,
        analysed_seconds=round(min(decoded_s, analysed_s), 3),
        decode_seconds=round(elapsed, 3),
        complete=complete,
        notes=notes,
    )


def _jpeg_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size


def decode_floor_seconds(media: Path, *, timeout_s: float = 600.0) -> float:
    """`ffmpeg -i f -f null -`: the time a single full decode takes, the floor for any visual stage."""
    started = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(media), "-f", "null", "-"],
                   capture_output=True, timeout=timeout_s, check=False)
    return time.perf_counter() - started
