"""From an extractor's artifact to what the warehouse row carries beside the JSON (the scalars BI
filters on) and what the UI previews: one function per extraction, so the Dagster assets stay wiring."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tiktok_pipelines.lib.extraction.artifacts import (
    AudioFeatures,
    CaptionAnalysis,
    OCRResult,
    Transcript,
    VisualTags,
)
from tiktok_pipelines.lib.markdown import md_table


@dataclass
class Summary:
    payload: Any  # the artifact (or a JSON-able dict) stored as the row's payload
    status: str
    extractor: str
    scalars: dict = field(default_factory=dict)
    note: str = ""
    preview_md: str | None = None  # Markdown for the UI's metadata panel


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def audio_summary(feats: AudioFeatures) -> Summary:
    return Summary(feats, feats.status, "silero-vad+onset-tempo+ebur128", note=feats.note, scalars={
        "has_audio": feats.has_audio, "speech_ratio": feats.speech_ratio, "music_ratio": feats.music_ratio,
        "music_present": feats.music_present, "bpm": feats.bpm, "loudness_lufs": feats.loudness_lufs,
        "dead_air_s": feats.dead_air_seconds,
    })


def transcript_summary(result: Transcript) -> Summary:
    from tiktok_pipelines.lib.media.previews import transcript_preview

    words = result.words
    return Summary(result, result.status, result.backend, note=result.note, preview_md=transcript_preview(result), scalars={
        "model": result.model, "confidence": result.confidence, "language": result.language,
        "word_count": len(words), "speech_s": result.speech_seconds,
        "first_word_s": words[0].start if words else None, "text": result.text, "redactions": result.redactions,
    })


def onscreen_summary(found: Sequence[OCRResult], *, engine: str = "tesseract") -> Summary:
    """`engine` names what read the crops: `tesseract` (the command) or `libtesseract-<version>`."""
    lines = [(r, line) for r in found for line in r.lines]
    timed_out = [r.frame for r in found if r.timed_out]
    with_text = [r for r in found if r.lines]
    preview = [{"frame": r.frame, "t": r.t, "text": line.text, "height": round(line.text_height, 3),
                "safe_zone": "yes" if line.in_safe_zone else ",".join(line.overlaps)} for r, line in lines[:12]]
    return Summary(
        {"frames": [r.model_dump(mode="json") for r in found]},
        "partial" if timed_out else "ok",
        engine,
        note=f"tesseract timed out on {', '.join(timed_out)}; their text may be incomplete" if timed_out else "",
        preview_md=md_table(preview, ["frame", "t", "text", "height", "safe_zone"]) if preview else "_no on-screen text_",
        scalars={
            "frames_with_text": len(with_text), "line_count": len(lines),
            "lines_outside_safe_zone": sum(1 for _, line in lines if not line.in_safe_zone),
            "first_text_s": with_text[0].t if with_text else None,
            "text": "\n".join(dict.fromkeys(line.text for _, line in lines)),
            "redactions": sum(r.redactions for r in found),
        },
    )


def visual_summary(tags: VisualTags) -> Summary:
    stats = tags.frames
    return Summary(tags, tags.status, "opencv" + ("+open_clip" if tags.clip_status == "ok" else ""), note=tags.note, scalars={
        "clip_status": tags.clip_status, "brightness_mean": _mean([f.brightness for f in stats]),
        "sharpness_mean": _mean([f.sharpness for f in stats]), "face_frames": sum(1 for f in stats if f.faces),
        "max_face_area": max((f.face_area for f in stats), default=0.0),
        "tags": [{"family": t.family, "label": t.label, "score": t.score} for t in tags.tags],
    })


def caption_summary(result: CaptionAnalysis) -> Summary:
    return Summary(result, result.status, "caption-rules", note=result.note, scalars={
        "hashtag_count": len(result.hashtags), "hashtag_spam": result.hashtag_spam, "cta_count": len(result.ctas),
        "claim_count": len(result.claims), "hook_reinforced": result.hook_reinforced,
    })
