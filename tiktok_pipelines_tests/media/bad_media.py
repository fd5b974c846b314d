"""Media files that are wrong in the ways uploads are wrong, for tests of how the pipeline refuses them.

`make_bad_media(kind, dest_dir)` makes one file per kind with real ffmpeg (a few seconds at most) and
keeps it in dest_dir, so a module-scoped fixture pays for each kind once:

- zero_bytes      an empty .mp4 (an upload that never started)
- truncated       a valid mp4 cut to 40 % of its bytes; its index (moov) was at the end, so it is gone
- audio_only      an .mp4 holding only an AAC stream
- video_only      an .mp4 with a picture and no audio stream
- text_as_mp4     a text file named .mp4
- corrupt_header  a valid mp4 whose first 64 bytes were overwritten with garbage
- uhd_4k          2 s of 2160x3840 portrait video with audio
- ten_minutes     600 s at 144x256 and 10 fps, with audio (long, but small and fast to make)
- silent_audio    a video whose audio stream is digital silence
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

BAD_MEDIA_KINDS: tuple[str, ...] = (
    "zero_bytes",
    "truncated",
    "audio_only",
    "video_only",
    "text_as_mp4",
    "corrupt_header",
    "uhd_4k",
    "ten_minutes",
    "silent_audio",
)

_TIMEOUT_S = 60
_VIDEO = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-pix_fmt", "yuv420p"]
_AUDIO = ["-c:a", "aac", "-b:a", "64k", "-ac", "1"]


def _ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed making bad media: {proc.stderr.strip()[-500:]}")


def _valid_clip(path: Path, *, seconds: int = 4, faststart: bool = True) -> None:
    """A small ordinary clip (moving picture plus a tone) the damaged kinds start from."""
    _ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=s=360x640:r=30:d={seconds}",
        "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:sample_rate=44100",
        *_VIDEO, *_AUDIO, *(["-movflags", "+faststart"] if faststart else []), "-f", "mp4", str(path),
    )


def _make(kind: str, tmp: Path) -> None:
    if kind == "zero_bytes":
        tmp.write_bytes(b"")
    elif kind == "truncated":
        _valid_clip(tmp, seconds=6, faststart=False)  # moov at the end, as a camera or encoder writes it
        data = tmp.read_bytes()
        tmp.write_bytes(data[: int(len(data) * 0.4)])
    elif kind == "audio_only":
        _ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=4:sample_rate=44100", *_AUDIO, "-f", "mp4", str(tmp))
    elif kind == "video_only":
        _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=360x640:r=30:d=4", *_VIDEO, "-an", "-f", "mp4", str(tmp))
    elif kind == "text_as_mp4":
        tmp.write_text("This is not a video. Someone renamed notes.txt to clip.mp4.\n" * 20, encoding="utf-8")
    elif kind == "corrupt_header":
        _valid_clip(tmp)
        data = bytearray(tmp.read_bytes())
        data[:64] = (hashlib.sha256(b"garbage").digest() * 2)[:64]
        tmp.write_bytes(bytes(data))
    elif kind == "uhd_4k":
        _ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=s=540x960:r=30:d=2",
            "-f", "lavfi", "-i", "sine=f=330:d=2:sample_rate=44100",
            "-vf", "scale=2160:3840", *_VIDEO, *_AUDIO, "-f", "mp4", str(tmp),
        )
    elif kind == "ten_minutes":
        # 600 s of AAC would take longer to encode than the picture: loop 10 s of it by stream copy
        tone = tmp.with_name(tmp.name + ".tone.m4a")
        try:
            _ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=10:sample_rate=22050", *_AUDIO, "-f", "mp4", str(tone))
            _ffmpeg(
                "-f", "lavfi", "-i", "testsrc2=s=144x256:r=10:d=600", "-stream_loop", "-1", "-i", str(tone),
                "-t", "600", "-map", "0:v", "-map", "1:a", *_VIDEO, "-g", "20", "-c:a", "copy",
                "-movflags", "+faststart", "-f", "mp4", str(tmp),
            )
        finally:
            tone.unlink(missing_ok=True)
    elif kind == "silent_audio":
        _ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=s=360x640:r=30:d=4",
            "-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "4",
            *_VIDEO, *_AUDIO, "-f", "mp4", str(tmp),
        )
    else:  # pragma: no cover - guarded by make_bad_media
        raise AssertionError(kind)


def make_bad_media(kind: str, dest_dir: Path) -> Path:
    """The file for `kind` (one of BAD_MEDIA_KINDS) in dest_dir, made once and reused after."""
    if kind not in BAD_MEDIA_KINDS:
        raise ValueError(f"unknown bad-media kind {kind!r}; expected one of {', '.join(BAD_MEDIA_KINDS)}")
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    path = dest_dir / f"{kind}.mp4"
    if path.is_file():
        return path
    tmp = dest_dir / f".{kind}.{os.getpid()}.tmp"
    try:
        _make(kind, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
