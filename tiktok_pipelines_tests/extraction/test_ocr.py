"""On-screen text OCR on frames that real ffmpeg draws: TikTok-style overlays (white bold text with a black
outline, text in a filled box) over busy lavfi test sources, at both TikTok frame sizes."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tiktok_pipelines.lib.extraction.artifacts import Box, OCRResult
from tiktok_pipelines.lib.extraction.ocr import (
    TIKTOK_SAFE_ZONE,
    SafeZone,
    _Region,
    find_text_regions,
    read_frame_text,
    read_keyframes_text,
)
from tiktok_pipelines.lib.extraction.tesseract import TesseractEngine, TesseractRead, tesseract_engine

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

SOURCES = {
    "testsrc2": "testsrc2=s={size}:r=30",
    "mandelbrot": "mandelbrot=s={size}:r=30",
    "life": "life=s={size}:mold=10:r=30:ratio=0.5:death_color=#C83232:life_color=#00ff00",
    "cellauto": "cellauto=s={size}:rule=110:r=30",
    "gradients": "gradients=s={size}:r=30:speed=0.05",
    "smptebars": "smptebars=s={size}:r=30",
    "orange": "color=c=orange:s={size}:r=30",
    "navy": "color=c=navy:s={size}:r=30",
}

STYLES = {
    "outline": "fontcolor=white:borderw={border}:bordercolor=black",
    "dark_box": "fontcolor=white:box=1:boxcolor=black@0.6:boxborderw={pad}",
    "light_box": "fontcolor=black:box=1:boxcolor=white:boxborderw={pad}",
    "red_box": "fontcolor=white:box=1:boxcolor=0xFE2C55:boxborderw={pad}",
}


@dataclass(frozen=True)
class Overlay:
    text: str
    fontsize: int
    y: int
    style: str = "outline"


@dataclass(frozen=True)
class Frame:
    name: str
    source: str
    size: str
    overlays: tuple[Overlay, ...]

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


def _drawtext(overlay: Overlay) -> str:
    text = overlay.text.replace(":", r"\:")
    style = STYLES[overlay.style].format(border=max(3, overlay.fontsize // 14), pad=overlay.fontsize // 4)
    return (
        f"drawtext=fontfile={FONT}:text='{text}':expansion=none:fontsize={overlay.fontsize}"
        f":x=(w-text_w)/2:y={overlay.y}:{style}"
    )


def _render(frame: Frame, out_dir: Path) -> Path:
    path = out_dir / f"{frame.name}.jpg"
    vf = ",".join(_drawtext(o) for o in frame.overlays) or "null"
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", SOURCES[frame.source].format(size=frame.size)]
    subprocess.run([*cmd, "-vf", vf, "-frames:v", "1", "-q:v", "3", str(path)], check=True, timeout=60)
    return path


OVERLAY_FRAMES = (
    Frame("hook", "testsrc2", "1080x1920", (Overlay("3 INGREDIENTS", 96, 800), Overlay("FOR HAIR GROWTH", 96, 920))),
    Frame(
        "pov",
        "mandelbrot",
        "1080x1920",
        (Overlay("POV: you finally found", 72, 600), Overlay("a serum that works", 72, 700)),
    ),
    Frame("days", "life", "1080x1920", (Overlay("DAY 1 vs DAY 30", 110, 900),)),
    Frame("cta", "gradients", "1080x1920", (Overlay("Shop the link in bio", 70, 1560, "light_box"),)),
    Frame("claim", "smptebars", "1080x1920", (Overlay("No more breakouts", 80, 1000, "dark_box"),)),
    Frame("tap", "testsrc2", "1080x1920", (Overlay("Tap to shop now", 70, 900, "red_box"),)),
    Frame("stop", "orange", "720x1280", (Overlay("STOP SCROLLING", 64, 300),)),
    Frame(
        "tips", "cellauto", "720x1280", (Overlay("3 TIPS FOR CLEAR SKIN", 48, 560), Overlay("1. DRINK WATER", 48, 640))
    ),
    Frame("step", "testsrc2", "720x1280", (Overlay("2. SUNSCREEN DAILY", 52, 1100, "light_box"),)),
    Frame("sale", "life", "720x1280", (Overlay("50% OFF - LINK IN BIO", 50, 700),)),
    Frame("review", "navy", "720x1280", (Overlay("my honest review after two weeks", 30, 620),)),
)
SAFE_FRAME = Frame(
    "zones", "gradients", "1080x1920", (Overlay("WAIT FOR IT", 80, 900), Overlay("Follow for part 2", 64, 1700))
)
EMAIL_FRAME = Frame(
    "email", "mandelbrot", "720x1280", (Overlay("Email me at jane.doe@example.com", 34, 600, "dark_box"),)
)
PLAIN_FRAMES = tuple(
    Frame(f"plain_{source}", source, "1080x1920", ())
    for source in ("testsrc2", "mandelbrot", "life", "cellauto", "smptebars", "gradients", "orange")
)


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out_dir = tmp_path_factory.mktemp("ocr_frames")
    every = (*OVERLAY_FRAMES, SAFE_FRAME, EMAIL_FRAME, *PLAIN_FRAMES)
    return {frame.name: _render(frame, out_dir) for frame in every}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _recovered(expected: list[str], read: list[str]) -> int:
    pool = list(read)
    found = 0
    for word in expected:
        if word in pool:
            pool.remove(word)
            found += 1
    return found


def test_recovers_at_least_90_percent_of_overlay_words(frames: dict[str, Path]) -> None:
    keyframes = [(frame.name, float(i), frames[frame.name]) for i, frame in enumerate(OVERLAY_FRAMES)]
    started = time.perf_counter()
    results = read_keyframes_text(keyframes, workers=2)
    seconds = time.perf_counter() - started

    expected = found = 0
    for frame, result in zip(OVERLAY_FRAMES, results, strict=True):
        words = [w for overlay in frame.overlays for w in _words(overlay.text)]
        expected += len(words)
        found += _recovered(words, _words(result.text))
        assert not result.timed_out, frame.name
    print(f"\nOCR recovered {found}/{expected} overlay words in {seconds:.2f} s for {len(keyframes)} frames")
    assert found / expected >= 0.9


def test_results_keep_the_order_and_times_of_the_keyframes(frames: dict[str, Path]) -> None:
    keyframes = [("p50", 15.0, frames["stop"]), ("t0", 0.0, frames["plain_life"]), ("t1", 1.0, frames["hook"])]

    results = read_keyframes_text(keyframes, workers=2)

    assert [(r.frame, r.t) for r in results] == [("p50", 15.0), ("t0", 0.0), ("t1", 1.0)]
    assert [r.text for r in results] == ["STOP SCROLLING", "", "3 INGREDIENTS\nFOR HAIR GROWTH"]


def test_each_overlay_line_is_its_own_line_in_reading_order(frames: dict[str, Path]) -> None:
    result = read_frame_text(frames["pov"], frame="t0", t=0.0)

    assert [line.text for line in result.lines] == ["POV: you finally found", "a serum that works"]
    first, second = result.lines
    assert first.box.y + first.box.h <= second.box.y
    assert all(0.8 <= line.confidence <= 1 for line in result.lines)


@pytest.mark.parametrize("frame", PLAIN_FRAMES, ids=lambda f: f.name)
def test_frames_without_text_find_no_region_and_read_nothing(frame: Frame, frames: dict[str, Path]) -> None:
    import cv2

    assert find_text_regions(cv2.imread(str(frames[frame.name]))) == []
    result = read_frame_text(frames[frame.name], frame="t0", t=0.0)
    assert result.lines == ()
    assert not result.timed_out


def test_text_regions_cover_each_overlay(frames: dict[str, Path]) -> None:
    import cv2

    regions = find_text_regions(cv2.imread(str(frames["hook"])))

    assert len(regions) == 1  # a two-line caption is one block, read by one tesseract call
    _, y, _, h = regions[0]
    assert y <= 800 + 10 and y + h >= 920 + 70  # from the top of the first line to the second's baseline


def test_safe_zone_flags_text_under_the_bottom_ui(frames: dict[str, Path]) -> None:
    result = read_frame_text(frames["zones"], frame="t2", t=2.0)

    middle, bottom = result.lines
    assert middle.text == "WAIT FOR IT"
    assert middle.in_safe_zone and middle.overlaps == ()
    assert bottom.text == "Follow for part 2"
    assert not bottom.in_safe_zone and bottom.overlaps == ("bottom",)
    assert bottom.box.y + bottom.box.h > 1 - 440 / 1920


def test_safe_zone_names_every_ui_area_a_box_reaches() -> None:
    assert TIKTOK_SAFE_ZONE.overlaps(Box(x=0.2, y=0.3, w=0.5, h=0.1)) == ()
    assert TIKTOK_SAFE_ZONE.overlaps(Box(x=0.2, y=0.02, w=0.75, h=0.05)) == ("top", "right")
    assert TIKTOK_SAFE_ZONE.overlaps(Box(x=0.0, y=0.85, w=1.0, h=0.1)) == ("bottom", "right")
    assert SafeZone(top=0.0, bottom=0.0, right=0.0).overlaps(Box(x=0, y=0, w=1, h=1)) == ()


@pytest.mark.parametrize("name", ["hook", "days", "stop", "tips"])
def test_text_height_follows_the_font_size(name: str, frames: dict[str, Path]) -> None:
    frame = next(f for f in OVERLAY_FRAMES if f.name == name)
    result = read_frame_text(frames[name], frame="t0", t=0.0)

    assert len(result.lines) == len(frame.overlays)
    for line, overlay in zip(result.lines, frame.overlays, strict=True):
        # Capitals and digits are about 0.73 of the font size in DejaVu Sans Bold.
        assert 0.6 * overlay.fontsize <= line.text_height * frame.height <= 0.9 * overlay.fontsize
        assert line.text_height == line.box.h


def test_an_email_in_an_overlay_is_redacted(frames: dict[str, Path]) -> None:
    result = read_frame_text(frames["email"], frame="t3", t=3.0)

    assert "[email]" in result.text
    assert "jane" not in result.text.lower() and "example" not in result.text.lower()
    assert result.redactions >= 1


def test_an_array_reads_like_its_file(frames: dict[str, Path]) -> None:
    import cv2

    from_file = read_frame_text(frames["stop"], frame="t0", t=0.0)
    from_array = read_frame_text(cv2.imread(str(frames["stop"])), frame="t0", t=0.0)

    assert from_array.lines == from_file.lines


def test_a_missing_file_is_named_in_the_error(tmp_path: Path) -> None:
    missing = tmp_path / "p25.jpg"
    with pytest.raises(ValueError, match=re.escape(str(missing))):
        read_frame_text(missing, frame="p25", t=7.5)


def test_a_file_that_is_not_an_image_is_named_in_the_error(tmp_path: Path) -> None:
    broken = tmp_path / "p50.jpg"
    broken.write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match=re.escape(str(broken))):
        read_keyframes_text([("p50", 15.0, broken)])


def test_a_tiny_timeout_gives_up_and_says_so(frames: dict[str, Path]) -> None:
    started = time.perf_counter()
    result = read_frame_text(frames["hook"], frame="t0", t=0.0, timeout_s=0.001)

    assert result.timed_out
    assert result.lines == ()  # nothing invented for what was not read
    assert time.perf_counter() - started < 2


def test_result_survives_a_json_round_trip(frames: dict[str, Path]) -> None:
    result = read_frame_text(frames["zones"], frame="t2", t=2.0)

    assert result.lines
    assert OCRResult.model_validate_json(result.model_dump_json()) == result


# --- the engines: libtesseract in-process and the tesseract command read the same ---------------------


def _lines(results: list[OCRResult]) -> list[tuple]:
    return [(r.frame, r.t, r.lines, r.timed_out, r.redactions) for r in results]


def test_the_library_and_the_command_read_every_overlay_identically(frames: dict[str, Path]) -> None:
    keyframes = [(frame.name, float(i), frames[frame.name]) for i, frame in enumerate(OVERLAY_FRAMES)]

    library = read_keyframes_text(keyframes, engine=tesseract_engine("library"))
    command = read_keyframes_text(keyframes, engine=tesseract_engine("command"))

    assert _lines(library) == _lines(command)  # same words, boxes and confidences, to the last digit
    assert sum(len(r.lines) for r in library) >= len(OVERLAY_FRAMES)


class CountingEngine:
    """A real engine that counts the crops it is given."""

    def __init__(self, inner: TesseractEngine) -> None:
        import threading

        self.inner, self.name, self.crops = inner, inner.name, 0
        self._lock = threading.Lock()

    def read(self, ink: object, timeout_s: float) -> TesseractRead:
        with self._lock:
            self.crops += 1
        return self.inner.read(ink, timeout_s)  # type: ignore[arg-type]


def test_an_overlay_that_stays_on_screen_is_read_once(frames: dict[str, Path]) -> None:
    # The hook caption at 0, 1, 2 and 3 s: the same crop four times, then a frame with other text.
    keyframes = [(f"t{i}", float(i), frames["hook"]) for i in range(4)] + [("t5", 5.0, frames["stop"])]
    engine = CountingEngine(tesseract_engine())

    results = read_keyframes_text(keyframes, engine=engine)

    assert engine.crops == 2  # one region on the hook frame, one on the other
    assert [r.text for r in results] == ["3 INGREDIENTS\nFOR HAIR GROWTH"] * 4 + ["STOP SCROLLING"]
    assert len({r.lines for r in results[:4]}) == 1
    # Each keyframe is read afresh in a later call: reuse never crosses videos.
    read_keyframes_text(keyframes[:1], engine=engine)
    assert engine.crops == 3


FULL = TesseractRead("5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t95\tHI", timed_out=False)
CUT_SHORT = TesseractRead("", timed_out=True)


def _region(ink: np.ndarray) -> _Region:

    return _Region(0, 0, ink.shape[1], ink.shape[0], ink, 30)


def _caption_ink() -> np.ndarray:
    ink = np.full((40, 200), 255, np.uint8)
    ink[10:30, 20:60] = 0
    ink[10:30, 80:180] = 0
    return ink


def test_a_reading_cut_short_by_the_timeout_is_not_reused_and_the_full_one_is() -> None:
    from tiktok_pipelines.lib.extraction.ocr import _SeenCrops

    region, far = _region(_caption_ink()), time.perf_counter() + 60
    seen = _SeenCrops()
    assert seen.reading(region, lambda: CUT_SHORT, far) is CUT_SHORT
    assert seen.reading(region, lambda: FULL, far) is FULL  # read afresh, not the cut-short reading
    assert seen.reading(region, lambda: pytest.fail("read a third time"), far) is FULL


def test_a_crop_a_few_edge_pixels_off_is_the_same_overlay_and_one_with_other_text_is_not() -> None:
    from tiktok_pipelines.lib.extraction.ocr import _SeenCrops

    ink, far = _caption_ink(), time.perf_counter() + 60
    seen = _SeenCrops()
    seen.reading(_region(ink), lambda: FULL, far)
    ringing = ink.copy()
    ringing[10, 20:60:2] = 255  # 20 of 8,000 px (0.25 %): JPEG ringing along one glyph edge
    assert seen.reading(_region(ringing), lambda: pytest.fail("read again"), far) is FULL
    other = ink.copy()
    other[10:14, 100:125] = 255  # 100 px (1.25 %): a different glyph
    assert seen.reading(_region(other), lambda: CUT_SHORT, far) is CUT_SHORT
    bigger = np.full((40, 210), 255, np.uint8)  # another size is never the same crop
    assert seen.reading(_region(bigger), lambda: CUT_SHORT, far) is CUT_SHORT


def test_waiting_for_the_other_worker_stops_at_this_frames_deadline() -> None:
    import threading

    from tiktok_pipelines.lib.extraction.ocr import _SeenCrops

    region, release = _region(_caption_ink()), threading.Event()
    seen = _SeenCrops()
    slow = threading.Thread(target=lambda: seen.reading(region, lambda: (release.wait(10), FULL)[1],
                                                          time.perf_counter() + 60))
    slow.start()
    time.sleep(0.1)  # the other worker is now reading this overlay
    started = time.perf_counter()
    waited = seen.reading(region, lambda: pytest.fail("read while the other worker reads"), started + 0.2)
    release.set()
    slow.join()

    assert waited.timed_out and waited.tsv == ""
    assert time.perf_counter() - started < 2
