"""Scene cuts, shot lengths, pacing and motion from the small frames of the shared decode pass.

PySceneDetect's detectors are fed frame by frame (`process_frame`) instead of opening the file
themselves, so cut detection costs no decode of its own. ContentDetector scores the HSV change between
neighbouring frames; on small frames (shorter side 144 px) that is what PySceneDetect's own
auto-downscale does, at the same accuracy (feasibility.md §3/§5).
"""

from __future__ import annotations

import numpy as np

from tiktok_pipelines.lib.extraction.artifacts import SceneAnalysis, SceneCut

SCENES_VERSION = "scenes-1"
DETECTOR = "pyscenedetect-content"
CONTENT_THRESHOLD = 27.0  # PySceneDetect's default
MIN_SHOT_SECONDS = 0.3  # TikTok edits cut faster than PySceneDetect's 15-frame default allows


class CutDetector:
    """A frame consumer for `decode_pass`: call it with each small BGR frame, then `result()`."""

    def __init__(self, fps: float, *, threshold: float = CONTENT_THRESHOLD, min_shot_seconds: float = MIN_SHOT_SECONDS) -> None:
        from scenedetect import ContentDetector, FrameTimecode

        self.fps = fps
        self._timecode = FrameTimecode
        self._detector = ContentDetector(threshold=threshold, min_scene_len=max(1, int(round(min_shot_seconds * fps))))
        self._cuts: list[int] = []
        self._scores: dict[int, float] = {}
        self._prev_luma: np.ndarray | None = None
        self._motion: list[float] = []  # per frame, 0 for the first frame of a shot
        self._frames = 0

    def __call__(self, index: int, frame: np.ndarray) -> None:
        tc = self._timecode(index, fps=self.fps)
        found = self._detector.process_frame(tc, frame)
        score = float(getattr(self._detector, "_frame_score", 0.0) or 0.0)
        self._scores[index] = score
        for cut in found:
            self._cuts.append(int(cut.frame_num))
        luma = frame[:, :, 1].astype(np.int16)  # green carries most of the luma; cheap and monotone enough
        motion = 0.0 if self._prev_luma is None else float(np.abs(luma - self._prev_luma).mean()) / 255.0
        self._motion.append(motion)
        self._prev_luma = luma
        self._frames = index + 1

    def result(self, *, status: str = "ok", note: str = "") -> SceneAnalysis:
        duration = self._frames / self.fps if self.fps else 0.0
        cut_frames = sorted({f for f in self._cuts if 0 < f < self._frames})
        cuts = tuple(SceneCut(t=round(f / self.fps, 3), frame=f, score=round(self._scores.get(f, 0.0), 2)) for f in cut_frames)
        bounds = [0.0, *[c.t for c in cuts], duration]
        shots = tuple(round(b - a, 3) for a, b in zip(bounds, bounds[1:]) if b > a)
        windows = max(1, int(np.ceil(duration / 10.0))) if duration else 0
        per_10s = [0] * windows
        for c in cuts:
            per_10s[min(windows - 1, int(c.t // 10))] += 1
        # A cut is an edit, not motion: zero it so motion energy measures movement inside shots.
        motion = np.array(self._motion, dtype=float)
        for f in cut_frames:
            motion[f] = 0.0
        per_second = [round(float(chunk.mean()), 4) for chunk in np.array_split(motion, max(1, int(np.ceil(duration))))] if len(motion) else []
        return SceneAnalysis(
            status=status,  # type: ignore[arg-type]
            detector=DETECTOR,
            fps=round(self.fps, 3),
            analysed_seconds=round(duration, 3),
            cuts=cuts,
            shot_lengths=shots,
            cuts_per_10s=tuple(per_10s),
            motion_energy=tuple(per_second),
            note=note,
        )
