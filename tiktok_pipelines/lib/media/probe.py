"""What a media file is, before anything decodes it: ffprobe, a checksum, and the reasons to refuse it.

Files come from creators' drop folders and the open web, so every one can be wrong: empty, cut off
mid-upload, a text file named .mp4, audio with no picture. `probe_media` says which in words a person
can act on (`MediaError`), instead of letting a decoder fail later with a codec message.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path


class MediaError(ValueError):
    """This file cannot be used; the message names the file and says what is wrong with it."""


@dataclass(frozen=True)
class MediaProbe:
    size_bytes: int
    container: str
    duration_s: float
    has_video: bool
    has_audio: bool
    width: int | None = None  # as displayed (rotation applied)
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    bit_rate: int | None = None
    rotation: int = 0

    @property
    def aspect(self) -> str | None:
        if not self.width or not self.height:
            return None
        ratio = Fraction(self.width, self.height).limit_denominator(20)
        return f"{ratio.numerator}:{ratio.denominator}"

    def as_dict(self) -> dict:
        return {**asdict(self), "aspect": self.aspect}


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _rate(value: str | None) -> float | None:
    try:
        rate = float(Fraction(value)) if value else None
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate and rate > 0 else None


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(side["rotation"]) % 360
    return int((stream.get("tags") or {}).get("rotate", 0)) % 360


def probe_media(path: Path, *, timeout_s: float = 30, name: str | None = None) -> MediaProbe:
    """ffprobe the file; raise `MediaError` when it is not a usable video. `name` is how the error
    names the file (the creator's file name rather than a work copy's path)."""
    name = name or path.name
    if not path.is_file():
        raise MediaError(f"{name}: file not found")
    size = path.stat().st_size
    if size == 0:
        raise MediaError(f"{name}: the file is empty (0 bytes); the upload may not have finished")
    try:
        proc = subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
    except subprocess.TimeoutExpired:
        raise MediaError(f"{name}: ffprobe did not finish within {timeout_s:.0f} s; the file is damaged or not media") from None
    info = json.loads(proc.stdout or "{}") if proc.stdout.strip().startswith("{") else {}
    fmt = info.get("format") or {}
    streams = info.get("streams") or []
    if proc.returncode != 0 or not fmt:
        detail = (proc.stderr or "").replace(str(path), name).replace(f"{name}: ", "").strip().splitlines()[-1:]
        reason = detail[0][-160:] if detail else "not recognised as audio or video"
        raise MediaError(f"{name}: not a readable media file ({reason}); is it a video, and is it complete?")
    video = next((s for s in streams if s.get("codec_type") == "video"
                  and not (s.get("disposition") or {}).get("attached_pic")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    duration = _float(fmt.get("duration")) or _float((video or audio or {}).get("duration"))
    if video is None:
        what = "an audio-only file" if audio else "a file with no video stream"
        raise MediaError(f"{name}: {what}; a video with a picture is needed")
    if not duration or duration <= 0:
        raise MediaError(f"{name}: the video has no duration; the file is truncated or its index is missing")
    rotation = _rotation(video)
    w, h = video.get("width"), video.get("height")
    if rotation in (90, 270) and w and h:
        w, h = h, w
    return MediaProbe(
        size_bytes=size,
        container=str(fmt.get("format_name", "")),
        duration_s=round(duration, 3),
        has_video=True,
        has_audio=audio is not None,
        width=w,
        height=h,
        fps=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        video_codec=video.get("codec_name"),
        audio_codec=(audio or {}).get("codec_name"),
        bit_rate=int(fmt["bit_rate"]) if str(fmt.get("bit_rate", "")).isdigit() else None,
        rotation=rotation,
    )


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
