"""What the scoring engine reads: the extraction artifacts of one video, each with its status and how
far it can be trusted. Built from the warehouse by `load_scoring_inputs`, or directly in tests.

A modality that is missing, failed or unavailable is `None` here and listed in `modalities` with its
status, so every rule can say "no transcript" instead of scoring silence as a weak hook.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.extraction.artifacts import (
    AudioFeatures,
    CaptionAnalysis,
    Confidence,
    Keyframe,
    OCRResult,
    SceneAnalysis,
    Transcript,
    VisualTags,
)
from tiktok_pipelines.lib.scoring.models import ModalityInput

USABLE = ("ok", "partial")
# Which warehouse result feeds which input; keyframes and captions come along for evidence.
_STAGES = ("transcript", "onscreen_text", "scene_cuts", "audio_features", "visual_tags", "caption_analysis", "keyframes")


@dataclass(frozen=True)
class ScoringInputs:
    video_id: str
    duration: float
    width: int
    height: int
    has_audio: bool
    caption: str = ""  # PII-redacted caption text (hashtags included as written)
    hashtags: tuple[str, ...] = ()  # without '#', lower-case
    transcript: Transcript | None = None
    onscreen: tuple[OCRResult, ...] | None = None  # one per keyframe, in time order
    scenes: SceneAnalysis | None = None
    audio: AudioFeatures | None = None
    visual: VisualTags | None = None
    caption_analysis: CaptionAnalysis | None = None
    keyframes: tuple[Keyframe, ...] = ()
    modalities: tuple[ModalityInput, ...] = ()
    fingerprint: str = ""  # sha256 over the versions and payloads read: identical inputs, identical scores
    is_draft: bool = False
    extras: dict[str, Any] = field(default_factory=dict, compare=False)

    def modality(self, name: str) -> ModalityInput | None:
        return next((m for m in self.modalities if m.name == name), None)

    def confidence(self, name: str) -> Confidence:
        m = self.modality(name)
        return m.confidence if m else "low"

    @property
    def vertical(self) -> bool:
        return self.height > self.width


def _confidence(stage: str, row: dict | None) -> Confidence:
    if row is None or row["status"] not in USABLE:
        return "low"
    if stage == "transcript":
        return row.get("confidence") or "low"
    if stage == "visual_tags" and row.get("clip_status") not in USABLE:
        return "medium"  # image statistics only: no CLIP tags
    return "high" if row["status"] == "ok" else "medium"


def _modality(stage: str, row: dict | None) -> ModalityInput:
    if row is None:
        return ModalityInput(name=stage, status="missing", confidence="low", note=f"no {stage} result stored")
    return ModalityInput(name=stage, status=row["status"], confidence=_confidence(stage, row),
                         version=row["extractor_version"], note=(row.get("note") or "")[:300])


def _fingerprint(rows: dict[str, dict | None], media: dict, caption: str, hashtags: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({"media": media.get("sha256"), "caption": caption, "hashtags": hashtags},
                             sort_keys=True).encode())
    for stage in _STAGES:
        row = rows.get(stage)
        body = None if row is None else {"v": row["extractor_version"], "s": row["status"], "p": row["payload"]}
        digest.update(stage.encode())
        digest.update(json.dumps(body, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def load_scoring_inputs(conn: Connection, video_id: str) -> ScoringInputs:
    """Everything scoring needs for one video from the warehouse. Raises LookupError when the video has
    no stored media (nothing to score); a missing extraction is not an error, it lowers confidence."""
    from tiktok_pipelines.lib.extraction.results import load_result
    from tiktok_pipelines.lib.media.catalog import load_asset, load_source
    from tiktok_pipelines.lib.warehouse.schema import videos

    media = load_asset(conn, video_id)
    if media is None or media["status"] != "stored":
        raise LookupError(f"video {video_id}: no stored media (status {media['status'] if media else 'missing'})")
    rows = {stage: load_result(conn, stage, video_id) for stage in _STAGES}
    video = conn.execute(select(videos.c.caption, videos.c.hashtags).where(videos.c.video_id == video_id)).first()
    source = load_source(conn, video_id) or {}
    caption = (video[0] if video is not None else source.get("caption")) or ""
    hashtags = tuple(str(h).lstrip("#").lower() for h in ((video[1] if video is not None else None) or ()))

    def usable(stage: str) -> dict | None:
        row = rows[stage]
        return row["payload"] if row is not None and row["status"] in USABLE else None

    ocr = usable("onscreen_text")
    kf = usable("keyframes")
    return ScoringInputs(
        video_id=video_id,
        duration=float(media["duration_s"] or 0.0),
        width=int(media["width"] or 0),
        height=int(media["height"] or 0),
        has_audio=bool(media["has_audio"]),
        caption=caption,
        hashtags=hashtags,
        transcript=Transcript.model_validate(p) if (p := usable("transcript")) else None,
        onscreen=tuple(OCRResult.model_validate(f) for f in ocr["frames"]) if ocr else None,
        scenes=SceneAnalysis.model_validate(p) if (p := usable("scene_cuts")) else None,
        audio=AudioFeatures.model_validate(p) if (p := usable("audio_features")) else None,
        visual=VisualTags.model_validate(p) if (p := usable("visual_tags")) else None,
        caption_analysis=CaptionAnalysis.model_validate(p) if (p := usable("caption_analysis")) else None,
        keyframes=tuple(Keyframe.model_validate(k) for k in kf["keyframes"]) if kf else (),
        modalities=tuple(_modality(stage, rows[stage]) for stage in _STAGES),
        fingerprint=_fingerprint(rows, media, caption, hashtags),
        is_draft=bool(source.get("is_draft")),
    )
