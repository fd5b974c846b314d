"""On-screen text: what each keyframe says in its overlays, how big it is, and whether TikTok's UI covers it.

Tesseract on a raw TikTok frame reads almost nothing over busy backgrounds, and its sparse mode floods
garbage and can run for minutes. Overlays are drawn to be read on a phone, though: light glyphs with a dark
outline or on a dark box, or dark glyphs on a light box. So OpenCV first finds glyphs whose edge is ringed by
the opposite tone, tesseract only ever sees clean black-on-white crops of them, and a frame without such a
candidate never starts tesseract at all.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tiktok_pipelines.lib.extraction.artifacts import Box, OCRLine, OCRResult
from tiktok_pipelines.lib.extraction.tesseract import TesseractEngine, TesseractRead, tesseract_engine
from tiktok_pipelines.lib.pools import map_in_threads
from tiktok_pipelines.lib.privacy import redact_pii


@dataclass(frozen=True)
class SafeZone:
    """TikTok's UI areas as fractions of the frame; text touching them may be hidden by the app's UI.

    Defaults are the app's 1080x1920 layout: status bar and tabs on top, caption and sound bar at the
    bottom, the like/comment/share rail on the right.
    """

    top: float = 150 / 1920
    bottom: float = 440 / 1920
    right: float = 150 / 1080

    def overlaps(self, box: Box) -> tuple[str, ...]:
        """The UI areas ("top", "bottom", "right") that `box` reaches into."""
        zones = []
        if box.y < self.top:
            zones.append("top")
        if box.y + box.h > 1 - self.bottom:
            zones.append("bottom")
        if box.x + box.w > 1 - self.right:
            zones.append("right")
        return tuple(zones)


TIKTOK_SAFE_ZONE = SafeZone()

# --- finding text regions --------------------------------------------------------------------------------
# Sizes are fractions of the frame height so that 720x1280 and 1080x1920 behave the same.

_LIGHT = 200  # luma of white/yellow overlay glyphs (and light boxes), with room for JPEG ringing
_DARK = 100  # luma of dark glyphs on a light box
_BACKDROP = 140  # luma of what light glyphs must sit on: an outline, or a dark or saturated box (TikTok red is 112)
_SURROUNDED = 0.7  # share of a glyph's edge that must touch the opposite tone (its outline, box or paper)
_MIN_GLYPH_H = 0.009  # a lower-case letter of the smallest overlay we care about
_MAX_GLYPH_H = 0.15
_MIN_LINE_H = 0.012  # below this the text is not legible on a phone, and test-pattern timecodes live there
_BLOB_SOLIDITY = 0.85  # a line whose typical letter fills more of its convex hull than this is blobs
_K3 = np.ones((3, 3), np.uint8)


@dataclass(frozen=True)
class _Region:
    """A part of the frame handed to tesseract as one crop: black text on white, same size as that part."""

    x: int
    y: int
    w: int
    h: int
    ink: np.ndarray  # uint8, 0 = text, 255 = paper
    line_h: int  # tallest line in pixels, to scale the crop to what tesseract reads best


@dataclass(frozen=True)
class _Glyphs:
    """Connected components of one tone (light or dark) that could be letters."""

    labels: np.ndarray  # component label per pixel
    boxes: np.ndarray  # (n, 4) x, y, w, h per label
    areas: np.ndarray
    glyph: np.ndarray  # bool per label: edge mostly against the opposite tone, not too big
    letter: np.ndarray  # bool per label: a glyph of letter size; letters decide where lines are


def _luma(image: np.ndarray) -> np.ndarray:
    import cv2

    if image.dtype != np.uint8:
        raise ValueError(f"image must be 8-bit (uint8) as OpenCV reads a JPEG, got {image.dtype}")
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] in (3, 4):
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"image must be a 2-D grey or 3-D BGR array, got shape {image.shape}")


def _surrounded_glyphs(ink: np.ndarray, surround: np.ndarray) -> _Glyphs:
    """Components of `ink` whose edge mostly touches `surround`: glyphs with an outline, a box or paper."""
    import cv2

    height, width = ink.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # Speckle (cellular automata, noise) would pass the surround test, so a component counts only if
    # something of it survives an opening; it then counts whole, with the thin strokes (the middle of a
    # small "s", the ring of an "@") that the opening eats.
    survives = np.zeros(count, bool)
    survives[labels[cv2.morphologyEx(ink, cv2.MORPH_OPEN, _K3).astype(bool)]] = True
    near = cv2.dilate(surround, np.ones((5, 5), np.uint8)).astype(bool)
    edge = (ink - cv2.erode(ink, _K3)).astype(bool)
    edge_labels = labels[edge]
    edge_total = np.bincount(edge_labels, minlength=count)
    edge_near = np.bincount(edge_labels[near[edge]], minlength=count)
    surrounded = edge_near >= _SURROUNDED * np.maximum(edge_total, 1)
    w, h, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    glyph = survives & surrounded & (h <= _MAX_GLYPH_H * height) & (w <= 0.5 * width) & (area >= 6)
    glyph[0] = False  # the background label
    # Wider than 3 letter heights is a bar or a box edge, not a letter (a bold "m" is about 1.7).
    letter = glyph & (h >= _MIN_GLYPH_H * height) & (w <= 3 * h)
    return _Glyphs(labels, stats[:, :4], area, glyph, letter)


def _group_lines(glyphs: _Glyphs) -> list[list[int]]:
    """Join letters that sit side by side into line boxes [x0, y0, x1, y1]."""
    lines: list[list[int]] = []
    for x, y, w, h in sorted(glyphs.boxes[glyphs.letter].tolist(), key=lambda b: b[0]):
        for line in lines:
            x0, y0, x1, y1 = line
            overlap = min(y1, y + h) - max(y0, y)
            # Lower-case letters overlap capitals by most of their height; stacked lines do not overlap.
            # A word space, even with a dash or dot in it, is under two letter heights.
            if overlap >= 0.5 * min(h, y1 - y0) and x - x1 <= 2 * max(h, y1 - y0):
                line[:] = [min(x0, x), min(y0, y), max(x1, x + w), max(y1, y + h)]
                break
        else:
            lines.append([x, y, x + w, y + h])
    return lines


def _line_members(glyphs: _Glyphs, line: list[int]) -> np.ndarray | None:
    """The glyph labels that make up a line, or None when it is not text.

    The holes of outlined letters are background enclosed by the outline, so they pass the surround test
    too; they are dropped for lying inside another glyph's box.
    """
    x0, y0, x1, y1 = line
    margin = (y1 - y0) // 3
    x, y, w, h = glyphs.boxes.T
    inside = glyphs.glyph & (x >= x0 - margin) & (y >= y0 - margin) & (x + w <= x1 + margin) & (y + h <= y1 + margin)
    ids = np.flatnonzero(inside)
    bx, by, bw, bh = glyphs.boxes[ids].T
    area = glyphs.areas[ids]
    enclosed = (
        (bx[:, None] >= bx[None, :])
        & (by[:, None] >= by[None, :])
        & (bx[:, None] + bw[:, None] <= bx[None, :] + bw[None, :])
        & (by[:, None] + bh[:, None] <= by[None, :] + bh[None, :])
        & (area[:, None] < area[None, :])
    ).any(axis=1)
    ids = ids[~enclosed]
    letters = ids[glyphs.letter[ids]]
    if len(letters) < 2:  # one shape alone is a stray (a test pattern's diagonal), not an overlay
        return None
    # Letters are strokes (L, S, a ring for O); the holes of dark letters on a light box, which the light
    # pass also sees as light shapes ringed by dark, are solid blobs.
    if float(np.median([_solidity(glyphs, i) for i in letters])) > _BLOB_SOLIDITY:
        return None
    return ids


def _solidity(glyphs: _Glyphs, label: int) -> float:
    """Area over convex-hull area: near 1 for a blob, about 0.4-0.6 for most letters."""
    import cv2

    x, y, w, h = glyphs.boxes[label]
    shape = (glyphs.labels[y : y + h, x : x + w] == label).astype(np.uint8)
    contours, _ = cv2.findContours(shape, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    hull = cv2.contourArea(cv2.convexHull(np.concatenate(contours)))
    return float(glyphs.areas[label] / max(hull, 1.0))


def _group_blocks(lines: list[tuple[list[int], np.ndarray]]) -> list[tuple[list[int], int, np.ndarray]]:
    """Stack lines that read as one overlay into blocks (box, tallest line, glyph labels), so tesseract
    reads a multi-line caption in one call (one process start) and in order."""
    blocks: list[tuple[list[int], int, np.ndarray]] = []
    for (x0, y0, x1, y1), ids in sorted(lines, key=lambda item: item[0][1]):
        line_h = y1 - y0
        for i, ((bx0, by0, bx1, by1), tallest, members) in enumerate(blocks):
            if y0 - by1 <= 0.8 * max(line_h, tallest) and min(x1, bx1) > max(x0, bx0):
                box = [min(bx0, x0), min(by0, y0), max(bx1, x1), max(by1, y1)]
                blocks[i] = (box, max(tallest, line_h), np.concatenate([members, ids]))
                break
        else:
            blocks.append(([x0, y0, x1, y1], line_h, ids))
    return blocks


def _polarity_regions(gray: np.ndarray, ink: np.ndarray, surround: np.ndarray) -> list[_Region]:
    height, width = gray.shape
    glyphs = _surrounded_glyphs(ink, surround)
    lines = []
    for line in _group_lines(glyphs):
        if line[3] - line[1] < _MIN_LINE_H * height:
            continue
        ids = _line_members(glyphs, line)
        if ids is not None:
            x, y, w, h = glyphs.boxes[ids].T
            lines.append(([int(x.min()), int(y.min()), int((x + w).max()), int((y + h).max())], ids))
    regions = []
    for (x0, y0, x1, y1), line_h, ids in _group_blocks(lines):
        # Pad by a fraction of a letter so that the region holds whole glyphs and a little paper.
        margin = line_h // 4
        x0, y0 = max(0, x0 - margin), max(0, y0 - margin)
        x1, y1 = min(width, x1 + margin), min(height, y1 + margin)
        ink_crop = np.where(np.isin(glyphs.labels[y0:y1, x0:x1], ids), 0, 255).astype(np.uint8)
        regions.append(_Region(x0, y0, x1 - x0, y1 - y0, ink_crop, line_h))
    return regions


def _overlap_share(a: _Region, b: _Region) -> float:
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    return 0.0 if w <= 0 or h <= 0 else w * h / min(a.w * a.h, b.w * b.h)


def _regions(gray: np.ndarray) -> list[_Region]:
    light = (gray >= _LIGHT).astype(np.uint8)
    light_text = _polarity_regions(gray, light, (gray < _BACKDROP).astype(np.uint8))  # outlined, on a dark box
    dark_text = _polarity_regions(gray, (gray < _DARK).astype(np.uint8), light)  # on a light box
    # On a light background an outlined caption's outline also passes as dark glyphs on light; the light
    # glyphs inside it are the letters, so the dark pass does not read that place again.
    dark_text = [r for r in dark_text if all(_overlap_share(r, other) < 0.3 for other in light_text)]
    return sorted(light_text + dark_text, key=lambda r: (r.y, r.x))


def find_text_regions(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Where overlay text probably is: (x, y, w, h) in pixels, top to bottom; empty when there is none.

    `image` is an OpenCV BGR (or grey) array. A region is one overlay block, possibly several lines.
    """
    return [(r.x, r.y, r.w, r.h) for r in _regions(_luma(image))]


# --- reading them -------------------------------------------------------------------------------------------

_TARGET_LINE_PX = 40  # tesseract reads capitals of about this height best; much larger is only slower
_MIN_WORD_CONF = 30.0
_MIN_LINE_CONF = 70.0  # real overlay lines read at 90+; garbage from texture at 50-60


@dataclass(frozen=True)
class _ReadLine:
    text: str
    confidence: float  # 0..1
    x: float  # frame pixels
    y: float
    w: float
    h: float


def _crop_geometry(region: _Region) -> tuple[float, int]:
    """The scale that brings the crop's lines to tesseract's best height, and the white padding around it."""
    return float(np.clip(_TARGET_LINE_PX / max(region.line_h, 1), 0.3, 3.0)), _TARGET_LINE_PX // 2


def _tesseract_input(region: _Region, scale: float, pad: int) -> np.ndarray:
    """The crop scaled and padded as tesseract gets it; words map back through the same scale and pad."""
    import cv2

    ink = region.ink
    if abs(scale - 1) > 0.05:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        ink = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=interpolation)
    return cv2.copyMakeBorder(ink, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _read_crop(engine: TesseractEngine, region: _Region, scale: float, pad: int, deadline: float) -> TesseractRead:
    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return TesseractRead("", timed_out=True)
    return engine.read(_tesseract_input(region, scale, pad), remaining)


def _is_garbage(text: str, confidence: float) -> bool:
    alnum = sum(c.isalnum() for c in text)
    visible = sum(not c.isspace() for c in text)
    return alnum < 2 or alnum < 0.6 * visible or confidence < _MIN_LINE_CONF


def _parse_lines(tsv: str, region: _Region, scale: float, pad: int) -> list[_ReadLine]:
    words: dict[tuple[str, str, str], list[tuple[float, str, float, float, float, float]]] = {}
    for row in tsv.splitlines():
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text, conf = cols[11].strip(), float(cols[10])
        if not text or conf < _MIN_WORD_CONF:
            continue
        left, top, w, h = (float(v) for v in cols[6:10])
        # Back from the scaled, padded crop to frame pixels.
        x, y = region.x + (left - pad) / scale, region.y + (top - pad) / scale
        words.setdefault((cols[2], cols[3], cols[4]), []).append((conf, text, x, y, w / scale, h / scale))
    lines = []
    for line_words in words.values():
        text = " ".join(word[1] for word in line_words)
        confidence = sum(word[0] for word in line_words) / len(line_words)
        if _is_garbage(text, confidence):
            continue
        x0 = min(word[2] for word in line_words)
        y0 = min(word[3] for word in line_words)
        x1 = max(word[2] + word[4] for word in line_words)
        y1 = max(word[3] + word[5] for word in line_words)
        lines.append(_ReadLine(text, min(1.0, confidence / 100), x0, y0, x1 - x0, y1 - y0))
    return lines


def _reading_order(lines: list[_ReadLine]) -> list[_ReadLine]:
    """Top to bottom; lines sharing a row (a vertical centre inside another's span) left to right."""
    rows: list[list[_ReadLine]] = []
    for line in sorted(lines, key=lambda item: item.y):
        centre = line.y + line.h / 2
        if rows and any(other.y <= centre <= other.y + other.h for other in rows[-1]):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda item: item.x)]


def _to_ocr_line(line: _ReadLine, width: int, height: int, safe_zone: SafeZone) -> tuple[OCRLine, int]:
    x0, y0 = max(0.0, line.x / width), max(0.0, line.y / height)
    x1, y1 = min(1.0, (line.x + line.w) / width), min(1.0, (line.y + line.h) / height)
    box = Box(x=round(x0, 4), y=round(y0, 4), w=round(max(0.0, x1 - x0), 4), h=round(max(0.0, y1 - y0), 4))
    overlaps = safe_zone.overlaps(box)
    redacted = redact_pii(line.text)
    ocr_line = OCRLine(
        text=redacted.text,
        confidence=round(line.confidence, 3),
        box=box,
        text_height=box.h,
        in_safe_zone=not overlaps,
        overlaps=overlaps,
    )
    return ocr_line, redacted.redactions


def _load(image: Path | np.ndarray) -> np.ndarray:
    if isinstance(image, np.ndarray):
        if image.size == 0:
            raise ValueError("keyframe image array is empty")
        return _luma(image)
    import cv2

    path = Path(image)
    if not path.is_file():
        raise ValueError(f"keyframe image {path} does not exist")
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        raise ValueError(f"keyframe image {path} is not a readable image")
    return gray


@dataclass
class _SeenCrop:
    ink: np.ndarray
    reading: Future[TesseractRead]  # replaced when a timed-out reading is read again in full


class _SeenCrops:
    """The crops of one video already read, or being read by the other worker. An overlay usually stays on
    screen across several keyframes (the hook caption at 0, 1, 2 and 3 s); its crop then differs only by a
    few edge pixels where the background shows through JPEG ringing, and tesseract would read it the same
    way again. A worker that meets a crop the other one is reading waits for that reading (within its own
    frame's deadline); a worker only ever waits while it holds no unfinished reading of its own."""

    SAME_SHARE = 0.005  # differing pixels, as a share of the crop, under which two crops are one overlay

    def __init__(self) -> None:
        self._crops: dict[tuple[int, int, int], list[_SeenCrop]] = {}  # by height, width and line height
        self._lock = threading.Lock()

    def reading(self, region: _Region, read: Callable[[], TesseractRead], deadline: float) -> TesseractRead:
        """The reading of an earlier crop like this one, or `read()` of this one."""
        limit = self.SAME_SHARE * region.ink.size
        with self._lock:
            same_size = self._crops.setdefault((*region.ink.shape, region.line_h), [])
            earlier = next((c for c in same_size if np.count_nonzero(c.ink != region.ink) <= limit), None)
            if earlier is None:
                mine = _SeenCrop(region.ink, Future())
                same_size.append(mine)
        if earlier is None:
            try:
                found = read()
            except BaseException as exc:
                mine.reading.set_exception(exc)
                raise
            mine.reading.set_result(found)
            return found
        try:
            found = earlier.reading.result(timeout=max(0.0, deadline - time.perf_counter()))
        except FutureTimeout:
            return TesseractRead("", timed_out=True)  # this frame's time ran out waiting
        except Exception:  # noqa: BLE001 - the other worker's failure is its own; this crop is read afresh
            found = None
        if found is not None and not found.timed_out:
            return found
        # A reading cut short by its frame's timeout must not stand in for a full one: read it again, and
        # let later repeats have the full reading.
        fresh = read()
        if not fresh.timed_out:
            done: Future[TesseractRead] = Future()
            done.set_result(fresh)
            with self._lock:
                earlier.reading = done
        return fresh


def read_frame_text(
    image: Path | np.ndarray,
    *,
    frame: str,
    t: float,
    timeout_s: float = 5.0,
    safe_zone: SafeZone = TIKTOK_SAFE_ZONE,
    engine: TesseractEngine | None = None,
    seen: _SeenCrops | None = None,
) -> OCRResult:
    """OCR one keyframe: overlay lines in reading order, PII redacted, placed against the safe zone.

    `image` is a JPEG/PNG path or an OpenCV BGR/grey array. `timeout_s` bounds all tesseract work on this
    frame; when it runs out, the lines read so far are kept and the result says `timed_out`. `engine` is
    the process's tesseract (`tesseract_engine()`) unless given.
    """
    started = time.perf_counter()
    engine = engine or tesseract_engine()
    gray = _load(image)
    height, width = gray.shape
    deadline = started + timeout_s
    read: list[_ReadLine] = []
    timed_out = False
    for region in _regions(gray):
        scale, pad = _crop_geometry(region)
        read_crop = functools.partial(_read_crop, engine, region, scale, pad, deadline)
        reading = seen.reading(region, read_crop, deadline) if seen is not None else read_crop()
        read.extend(_parse_lines(reading.tsv, region, scale, pad))
        if reading.timed_out:
            timed_out = True
            break
    lines, redactions = [], 0
    for line in _reading_order(read):
        ocr_line, hidden = _to_ocr_line(line, width, height, safe_zone)
        lines.append(ocr_line)
        redactions += hidden
    return OCRResult(
        frame=frame,
        t=t,
        lines=tuple(lines),
        timed_out=timed_out,
        redactions=redactions,
        seconds=round(time.perf_counter() - started, 3),
    )


def read_keyframes_text(
    frames: Sequence[tuple[str, float, Path]],
    *,
    workers: int = 2,
    timeout_s: float = 5.0,
    safe_zone: SafeZone = TIKTOK_SAFE_ZONE,
    engine: TesseractEngine | None = None,
) -> list[OCRResult]:
    """OCR (label, t, path) keyframes, `workers` frames at a time; results in the order given. A crop that
    repeats an earlier keyframe's overlay is read once."""
    engine = engine or tesseract_engine()
    seen = _SeenCrops()

    def read(item: tuple[str, float, Path]) -> OCRResult:
        label, t, path = item
        return read_frame_text(path, frame=label, t=t, timeout_s=timeout_s, safe_zone=safe_zone, engine=engine,
                               seen=seen)

    return map_in_threads(read, frames, workers=workers, name="ocr")
