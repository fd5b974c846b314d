"""What the keyframes look like: brightness, contrast, colourfulness, sharpness, faces and where the
subject sits (rule of thirds) on every frame, plus CLIP zero-shot tags when weights are configured.

The statistics need only OpenCV and always run; CLIP is optional (see clip.py) and its absence or
failure never costs the statistics.

Frames are measured at a fixed height (`ANALYSIS_HEIGHT`) so that a 720p and a 1080p upload of the
same video get the same sharpness, and faces are searched on a frame whose shorter side is
`FACE_SHORT_SIDE` px (Haar cascades are slow and no better at full resolution).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tiktok_pipelines.lib.extraction.artifacts import Box, FrameStats, StageStatus, Tag, VisualTags
from tiktok_pipelines.lib.extraction.clip import ClipConfig, ClipUnavailable, clip_availability, clip_tags
from tiktok_pipelines.lib.pools import ObjectPool, map_in_threads

ANALYSIS_HEIGHT = 640
FACE_SHORT_SIDE = 360
FACE_CASCADE = "haarcascade_frontalface_default.xml"
# A face smaller than this (px on the FACE_SHORT_SIDE frame) is noise at TikTok viewing sizes.
MIN_FACE_PX = 24
SALIENCY_HEIGHT = 160
# Lab distance (L in 0..100) below which a frame is featureless: JPEG noise on a flat colour stays under it.
MIN_SALIENCY = 4.0
# Distance from a thirds point to the frame centre, in frame fractions: a subject this far (or
# farther) from every thirds point scores 0.
_THIRDS_ZERO_DISTANCE = math.hypot(1 / 6, 1 / 6)
_THIRDS_POINTS = tuple((x, y) for x in (1 / 3, 2 / 3) for y in (1 / 3, 2 / 3))


def frame_stats(image: Path | np.ndarray, *, frame: str, t: float) -> FrameStats:
    """Statistics of one keyframe. `image` is an image file or an 8-bit BGR (HxWx3) or gray (HxW)
    array as OpenCV uses. Raises ValueError naming the file when it cannot be read."""
    bgr = _read_bgr(image)
    work = _resize_to_height(bgr, ANALYSIS_HEIGHT)
    luma = _luma(work)
    faces = _detect_faces(bgr)
    subject = _face_centre(faces) if faces else _salient_point(work)
    return FrameStats(
        frame=frame,
        t=t,
        brightness=round(float(luma.mean()) / 255.0, 4),
        contrast=round(float(luma.std()) / 255.0, 4),
        colourfulness=round(_colourfulness(work), 3),
        sharpness=round(_sharpness(luma), 2),
        faces=faces,
        face_area=round(max((f.area for f in faces), default=0.0), 4),
        thirds=round(_thirds_closeness(subject), 3) if subject is not None else 0.0,
    )


def describe_frames(frames: Sequence[tuple[str, float, Path]], clip: ClipConfig | None, *,
                    workers: int = 2) -> VisualTags:
    """Statistics for every readable keyframe (`workers` frames at a time), and CLIP tags when `clip` is
    configured and its weights are present. Unreadable frames and a failing CLIP make the result
    "partial" (the note says what); missing weights only mark clip_status "unavailable"."""
    if not frames:
        return VisualTags(status="error", note="no keyframes to describe")
    stats: list[FrameStats] = []
    readable: list[tuple[str, Path]] = []
    problems: list[str] = []
    for (label, _, path), measured in zip(frames, _measure_all(frames, workers), strict=True):
        if isinstance(measured, ValueError):
            problems.append(str(measured))
            continue
        stats.append(measured)
        readable.append((label, Path(path)))
    if not stats:
        return VisualTags(status="error", note="; ".join(problems))

    clip_status, clip_model, tags, clip_note = _clip_part(readable, clip)
    if clip_note:
        problems.append(clip_note)
    status: StageStatus = "partial" if len(stats) < len(frames) or clip_status == "error" else "ok"
    return VisualTags(
        status=status,
        frames=tuple(stats),
        clip_status=clip_status,
        clip_model=clip_model,
        tags=tuple(tags),
        note="; ".join(problems),
    )


def _measure_all(frames: Sequence[tuple[str, float, Path]], workers: int) -> list[FrameStats | ValueError]:
    """frame_stats of each frame, or the ValueError that says why it could not be read, in order. OpenCV
    releases the GIL, and half of each frame's work (reading, resizing, colour, saliency) runs on one
    core, so two frames side by side take about half the time of one after the other."""

    def measure(item: tuple[str, float, Path]) -> FrameStats | ValueError:
        label, t, path = item
        try:
            return frame_stats(path, frame=label, t=t)
        except ValueError as e:
            return e

    return map_in_threads(measure, frames, workers=workers, name="frame-stats")


def _clip_part(
    frames: list[tuple[str, Path]], clip: ClipConfig | None
) -> tuple[StageStatus, str | None, list[Tag], str]:
    """(clip_status, clip_model, tags, note)."""
    available, reason = clip_availability(clip)
    if not available or clip is None:
        return "unavailable", None, [], f"CLIP tags skipped: {reason}"
    try:
        tags = clip_tags(frames, clip)
    except ClipUnavailable as e:
        return "unavailable", None, [], f"CLIP tags skipped: {e}"
    except Exception as e:  # noqa: BLE001 - the statistics are worth keeping whatever went wrong inside torch
        return "error", clip.description, [], f"CLIP tagging failed: {type(e).__name__}: {e}"
    return "ok", clip.description, tags, ""


# --- reading and resizing -------------------------------------------------------------------------------


def _read_bgr(image: Path | np.ndarray) -> np.ndarray:
    import cv2

    if isinstance(image, np.ndarray):
        array = image
        source = "image array"
    else:
        path = Path(image)
        source = f"keyframe {path}"
        if not path.is_file():
            raise ValueError(f"{source} does not exist")
        array = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if array is None:
            raise ValueError(f"{source} is not a readable image")
    if array.dtype != np.uint8:
        raise ValueError(f"{source} must be 8-bit, got dtype {array.dtype}")
    if array.ndim == 2:
        array = cv2.cvtColor(array, cv2.COLOR_GRAY2BGR)
    if array.ndim != 3 or array.shape[2] != 3 or min(array.shape[:2]) < 8:
        raise ValueError(f"{source} must be an HxWx3 BGR image of at least 8x8 px, got shape {array.shape}")
    return array


def _resize_to_height(bgr: np.ndarray, height: int) -> np.ndarray:
    import cv2

    h, w = bgr.shape[:2]
    if h == height:
        return bgr
    width = max(1, round(w * height / h))
    interpolation = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    return cv2.resize(bgr, (width, height), interpolation=interpolation)


def _luma(bgr: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


# --- statistics -------------------------------------------------------------------------------------------------


def _colourfulness(bgr: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) M on 0..255 channels: ~0 gray, ~15 slightly, ~50 moderately,
    ~110 extremely colourful."""
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    spread = math.hypot(float(rg.std()), float(yb.std()))
    mean = math.hypot(float(rg.mean()), float(yb.mean()))
    return spread + 0.3 * mean


def _sharpness(luma: np.ndarray) -> float:
    import cv2

    return float(cv2.Laplacian(luma, cv2.CV_64F).var())


# --- faces ---------------------------------------------------------------------------------------------------------


def _load_face_cascade() -> Any:
    import cv2

    path = Path(cv2.data.haarcascades) / FACE_CASCADE
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise RuntimeError(f"OpenCV face cascade {path} did not load (opencv-python<5 ships it)")
    return cascade


# A CascadeClassifier keeps scratch buffers, so two threads must not share one.
_FACE_CASCADES: ObjectPool[Any] = ObjectPool(_load_face_cascade)


def _detect_faces(bgr: np.ndarray) -> tuple[Box, ...]:
    """Frontal faces, largest first, as fractions of the frame."""
    import cv2

    h, w = bgr.shape[:2]
    scale = min(1.0, FACE_SHORT_SIDE / min(h, w))
    small = cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else bgr
    gray = cv2.equalizeHist(_luma(small))
    with _FACE_CASCADES.take() as cascade:
        found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(MIN_FACE_PX, MIN_FACE_PX))
    sh, sw = gray.shape
    boxes = [
        Box(
            x=round(x / sw, 4),
            y=round(y / sh, 4),
            w=round(min(fw, sw - x) / sw, 4),
            h=round(min(fh, sh - y) / sh, 4),
        )
        for x, y, fw, fh in (tuple(int(v) for v in f) for f in found)
    ]
    return tuple(sorted(boxes, key=lambda b: b.area, reverse=True))


def _face_centre(faces: tuple[Box, ...]) -> tuple[float, float]:
    face = faces[0]
    return face.x + face.w / 2, face.y + face.h / 2


# --- composition ---------------------------------------------------------------------------------------------------


def _salient_point(bgr: np.ndarray) -> tuple[float, float] | None:
    """Centre of the most salient region as frame fractions, or None for a featureless frame (no
    subject to place). Saliency is frequency-tuned (Achanta et al. 2009): how far each blurred pixel's
    Lab colour is from the frame's mean colour; the region is the connected part above twice the mean
    saliency that carries the most of it."""
    import cv2

    small = _resize_to_height(bgr, SALIENCY_HEIGHT)
    lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    blurred = cv2.GaussianBlur(lab, (5, 5), 0)
    saliency = np.linalg.norm(blurred - lab.reshape(-1, 3).mean(axis=0), axis=2)
    if float(saliency.max()) < MIN_SALIENCY:
        return None
    mask = (saliency > 2.0 * float(saliency.mean())).astype(np.uint8)
    if not mask.any():
        return _centroid(saliency)
    count, components = cv2.connectedComponents(mask)
    masses = np.bincount(components.ravel(), weights=saliency.ravel(), minlength=count)[1:]
    main = 1 + int(np.argmax(masses))
    return _centroid(np.where(components == main, saliency, 0.0))


def _centroid(weights: np.ndarray) -> tuple[float, float] | None:
    total = float(weights.sum())
    if total <= 0:
        return None
    h, w = weights.shape
    ys, xs = np.mgrid[0:h, 0:w]
    return (float((weights * (xs + 0.5)).sum()) / total / w, float((weights * (ys + 0.5)).sum()) / total / h)


def _thirds_closeness(point: tuple[float, float]) -> float:
    """1 on a rule-of-thirds intersection, falling linearly to 0 at the distance of the frame centre."""
    x, y = point
    distance = min(math.hypot(x - px, y - py) for px, py in _THIRDS_POINTS)
    return max(0.0, 1.0 - distance / _THIRDS_ZERO_DISTANCE)
