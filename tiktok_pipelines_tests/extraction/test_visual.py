"""Keyframe statistics on frames ffmpeg draws: each statistic must order frames the way a person would
(bright above dark, bars above gray, sharp above blurred), faces must be found on a face and not on test
patterns, and a missing CLIP never costs the statistics."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tiktok_pipelines.lib.extraction.artifacts import VisualTags
from tiktok_pipelines.lib.extraction.clip import ClipConfig
from tiktok_pipelines.lib.extraction.visual import describe_frames, frame_stats

SIZE = "1080x1920"


def _ffmpeg_frame(path: Path, source: str, vf: str | None = None) -> Path:
    cmd = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source]
    if vf:
        cmd += ["-vf", vf]
    subprocess.run([*cmd, "-frames:v", "1", "-q:v", "2", str(path)], check=True, timeout=60)
    return path


def _draw_face(path: Path, centre: tuple[int, int], size: int) -> Path:
    """A drawn frontal face (hair, skin oval, brows over dark eyes, nose, mouth) on a plain wall: the
    light/dark structure the Haar cascade keys on, so no face photo has to ship with the tests. (With
    the hair, the cascade finds it at every size 250-600 px and position tried.)"""
    import cv2

    image = np.full((1920, 1080, 3), (90, 100, 110), np.uint8)
    cx, cy = centre

    def at(fx: float, fy: float) -> tuple[int, int]:
        return cx + int(size * fx), cy + int(size * fy)

    def axes(fx: float, fy: float) -> tuple[int, int]:
        return int(size * fx), int(size * fy)

    cv2.ellipse(image, at(0, -0.10), axes(0.46, 0.58), 0, 180, 360, (30, 40, 50), -1)  # hair
    cv2.ellipse(image, (cx, cy), axes(0.40, 0.52), 0, 0, 360, (150, 180, 220), -1)  # skin
    for side in (-1, 1):
        cv2.ellipse(image, at(side * 0.17, -0.11), axes(0.14, 0.09), 0, 0, 360, (115, 140, 180), -1)  # socket
        cv2.ellipse(image, at(side * 0.17, -0.21), axes(0.12, 0.03), 0, 0, 360, (40, 50, 60), -1)  # brow
        cv2.ellipse(image, at(side * 0.17, -0.10), axes(0.09, 0.06), 0, 0, 360, (30, 30, 30), -1)  # eye
    cv2.line(image, at(0, -0.05), at(-0.04, 0.12), (110, 130, 170), size // 40)  # nose
    cv2.ellipse(image, at(0, 0.25), axes(0.15, 0.04), 0, 0, 360, (60, 60, 140), -1)  # mouth
    cv2.imwrite(str(path), cv2.GaussianBlur(image, (0, 0), 3))
    return path


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("visual-frames")
    white_square = "drawbox=x={x}:y={y}:w=120:h=120:c=white:t=fill"
    return {
        "bright": _ffmpeg_frame(d / "bright.jpg", f"color=c=0xE0E0E0:s={SIZE}"),
        "dark": _ffmpeg_frame(d / "dark.jpg", f"color=c=0x202020:s={SIZE}"),
        "gray": _ffmpeg_frame(d / "gray.jpg", f"color=c=gray:s={SIZE}"),
        "testsrc2": _ffmpeg_frame(d / "testsrc2.jpg", f"testsrc2=s={SIZE}"),
        "testsrc2_720": _ffmpeg_frame(d / "testsrc2_720.jpg", "testsrc2=s=720x1280"),
        "blurred": _ffmpeg_frame(d / "blurred.jpg", f"testsrc2=s={SIZE}", "boxblur=20:2"),
        "bars": _ffmpeg_frame(d / "bars.jpg", f"smptebars=s={SIZE}"),
        # a white square centred on the upper-left thirds point (360, 640), and one on the centre
        "on_thirds": _ffmpeg_frame(d / "on_thirds.jpg", f"color=c=black:s={SIZE}", white_square.format(x=300, y=580)),
        "centred": _ffmpeg_frame(d / "centred.jpg", f"color=c=black:s={SIZE}", white_square.format(x=480, y=900)),
        "face_on_thirds": _draw_face(d / "face.jpg", centre=(360, 640), size=400),
    }


def test_brightness_orders_bright_above_dark(frames: dict[str, Path]) -> None:
    bright = frame_stats(frames["bright"], frame="b", t=0.0)
    dark = frame_stats(frames["dark"], frame="d", t=0.0)
    assert bright.brightness == pytest.approx(0xE0 / 255, abs=0.02)
    assert dark.brightness == pytest.approx(0x20 / 255, abs=0.02)


def test_a_flat_colour_has_no_contrast_sharpness_or_colour_and_a_test_pattern_has(frames: dict[str, Path]) -> None:
    flat = frame_stats(frames["gray"], frame="flat", t=0.0)
    pattern = frame_stats(frames["testsrc2"], frame="pattern", t=0.0)
    assert flat.contrast < 0.01 and flat.sharpness < 1.0 and flat.colourfulness < 1.0
    assert pattern.contrast > 0.1
    assert pattern.sharpness > 50 * max(flat.sharpness, 1.0)


def test_colourfulness_orders_colour_bars_above_gray(frames: dict[str, Path]) -> None:
    bars = frame_stats(frames["bars"], frame="bars", t=0.0)
    gray = frame_stats(frames["gray"], frame="gray", t=0.0)
    assert bars.colourfulness > 100  # Hasler-Süsstrunk: > 109 is "extremely colourful"
    assert gray.colourfulness < 1.0


def test_sharpness_orders_sharp_above_blurred_and_compares_across_resolutions(frames: dict[str, Path]) -> None:
    sharp = frame_stats(frames["testsrc2"], frame="sharp", t=0.0)
    blurred = frame_stats(frames["blurred"], frame="blurred", t=0.0)
    sharp_720 = frame_stats(frames["testsrc2_720"], frame="sharp720", t=0.0)
    assert sharp.sharpness > 20 * blurred.sharpness
    # measured at one fixed height, the same pattern at 720p and 1080p lands in the same range
    assert 0.5 < sharp_720.sharpness / sharp.sharpness < 2.0
    assert sharp_720.sharpness > 20 * blurred.sharpness


def test_no_faces_on_test_patterns(frames: dict[str, Path]) -> None:
    for name in ("testsrc2", "bars", "blurred", "gray", "on_thirds"):
        stats = frame_stats(frames[name], frame=name, t=0.0)
        assert stats.faces == () and stats.face_area == 0.0, name


def test_a_drawn_face_is_found_where_it_is_and_placed_on_the_thirds(frames: dict[str, Path]) -> None:
    stats = frame_stats(frames["face_on_thirds"], frame="face", t=1.0)
    assert len(stats.faces) == 1
    face = stats.faces[0]
    assert face.x < 1 / 3 < face.x + face.w and face.y < 1 / 3 < face.y + face.h
    assert stats.face_area == pytest.approx(face.area)
    assert 0.03 < stats.face_area < 0.15  # 336x440 px oval in 1080x1920: not a close-up
    assert stats.thirds > 0.8


def test_thirds_is_one_on_a_thirds_point_and_zero_in_the_centre(frames: dict[str, Path]) -> None:
    assert frame_stats(frames["on_thirds"], frame="thirds", t=0.0).thirds > 0.95
    assert frame_stats(frames["centred"], frame="centre", t=0.0).thirds < 0.05
    # no subject at all: nothing is placed anywhere
    assert frame_stats(frames["gray"], frame="flat", t=0.0).thirds == 0.0
    for name in ("testsrc2", "bars", "blurred"):
        assert 0.0 <= frame_stats(frames[name], frame=name, t=0.0).thirds <= 1.0


def test_arrays_are_measured_like_files(frames: dict[str, Path]) -> None:
    import cv2

    from_file = frame_stats(frames["bars"], frame="p50", t=7.5)
    from_array = frame_stats(cv2.imread(str(frames["bars"])), frame="p50", t=7.5)
    assert from_array == from_file
    gray = frame_stats(cv2.imread(str(frames["bars"]), cv2.IMREAD_GRAYSCALE), frame="p50", t=7.5)
    assert gray.colourfulness == 0.0 and gray.brightness == pytest.approx(from_file.brightness, abs=0.01)


def test_unreadable_frames_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jpg"
    with pytest.raises(ValueError, match="missing.jpg does not exist"):
        frame_stats(missing, frame="t0", t=0.0)
    not_an_image = tmp_path / "frame.jpg"
    not_an_image.write_text("this is not a JPEG")
    with pytest.raises(ValueError, match="frame.jpg is not a readable image"):
        frame_stats(not_an_image, frame="t0", t=0.0)
    with pytest.raises(ValueError, match="8-bit"):
        frame_stats(np.zeros((64, 64, 3), np.float32), frame="t0", t=0.0)


def test_describe_frames_without_clip_weights_keeps_the_statistics(frames: dict[str, Path]) -> None:
    keyframes = [("t0", 0.0, frames["testsrc2"]), ("p50", 7.5, frames["bars"]), ("end", 15.0, frames["dark"])]
    result = describe_frames(keyframes, clip=None)
    assert result.status == "ok"
    assert [f.frame for f in result.frames] == ["t0", "p50", "end"]
    assert [f.t for f in result.frames] == [0.0, 7.5, 15.0]
    assert result.clip_status == "unavailable" and result.tags == () and result.clip_model is None
    assert "no CLIP weights configured (set TIKTOK_CLIP_CHECKPOINT)" in result.note
    assert VisualTags.model_validate_json(result.model_dump_json()) == result


def test_describe_frames_names_a_missing_checkpoint(frames: dict[str, Path], tmp_path: Path) -> None:
    checkpoint = tmp_path / "weights" / "open_clip_model.safetensors"
    result = describe_frames([("t0", 0.0, frames["bars"])], clip=ClipConfig(checkpoint=checkpoint))
    assert result.status == "ok" and len(result.frames) == 1
    assert result.clip_status == "unavailable"
    assert f"checkpoint not found: {checkpoint}" in result.note


def test_describe_frames_skips_an_unreadable_frame_and_says_so(frames: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "p25.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    result = describe_frames([("t0", 0.0, frames["bars"]), ("p25", 3.0, broken)], clip=None)
    assert result.status == "partial"
    assert [f.frame for f in result.frames] == ["t0"]
    assert "p25.jpg is not a readable image" in result.note
    nothing = describe_frames([("p25", 3.0, broken)], clip=None)
    assert nothing.status == "error" and nothing.frames == ()
    assert describe_frames([], clip=None).status == "error"
