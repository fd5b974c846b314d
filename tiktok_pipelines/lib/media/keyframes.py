"""The decode step of a stored video: keyframes, hook strip and thumbnail into the media store, scene
cuts from the same pass; rows ready for the warehouse and metadata for the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tiktok_pipelines.lib.extraction.artifacts import Keyframe, SceneAnalysis
from tiktok_pipelines.lib.extraction.scenes import DETECTOR, SCENES_VERSION, CutDetector
from tiktok_pipelines.lib.media.decode import DECODE_VERSION, decode_pass
from tiktok_pipelines.lib.media.ingest import probe_from_row
from tiktok_pipelines.lib.media.previews import jpeg_markdown, thumbnail
from tiktok_pipelines.lib.media.store import MediaStore, media_key


@dataclass
class DecodeOutput:
    rows: list[dict]  # keyword arguments for results.save_result (less source and time)
    keyframe_metadata: dict = field(default_factory=dict)
    seconds: float = 0.0


def keyframe_set_payload(keyframes: list[Keyframe], hook_strip_key: str | None, thumbnail_key: str | None,
                         analysed_s: float, note: str) -> dict:
    return {"keyframes": [k.model_dump(mode="json") for k in keyframes], "hook_strip_key": hook_strip_key,
            "thumbnail_key": thumbnail_key, "analysed_seconds": analysed_s, "note": note}


def decode_video(path: Path, media: dict, store: MediaStore, work_dir: Path, *, keyframes: bool, scenes: bool,
                 max_seconds: float) -> DecodeOutput:
    probe = probe_from_row(media)
    video_id = media["video_id"]
    fps = min(probe.fps or 30.0, 30.0)
    detector = CutDetector(fps) if scenes else None
    result = decode_pass(path, probe, work_dir / "decode", consumers=[detector] if detector else [],
                         max_seconds=max_seconds, keyframes=keyframes, hook_strip=keyframes)
    status = "ok" if result.complete else "partial"
    note = "; ".join(result.notes)
    out = DecodeOutput(rows=[], seconds=result.decode_seconds)
    if keyframes:
        stored: list[Keyframe] = []
        for kf in result.keyframes:
            key = media_key(video_id, f"keyframes/{kf.label}.jpg")
            store.put_file(key, kf.path, content_type="image/jpeg")
            stored.append(Keyframe(label=kf.label, t=kf.t, key=key, width=kf.width, height=kf.height, aliases=kf.aliases))
        strip_key = thumb_key = None
        if result.hook_strip is not None:
            strip_key = media_key(video_id, "hook_strip.jpg")
            store.put_file(strip_key, result.hook_strip, content_type="image/jpeg")
            out.keyframe_metadata["hook_strip"] = jpeg_markdown(result.hook_strip, alt="0-3 s hook strip")
        if result.keyframes:
            thumb = thumbnail(result.keyframes[0].path, work_dir / "decode" / "thumbnail.jpg")
            thumb_key = media_key(video_id, "thumbnail.jpg")
            store.put_file(thumb_key, thumb, content_type="image/jpeg")
        kf_status = status if stored else "error"
        out.rows.append({
            "extraction": "keyframes", "video_id": video_id, "extractor": "ffmpeg", "version": DECODE_VERSION,
            "status": kf_status, "note": note or ("" if stored else "no keyframe could be decoded"),
            "payload": keyframe_set_payload(stored, strip_key, thumb_key, result.analysed_seconds, note),
            "scalars": {"keyframe_count": len(stored), "hook_strip_key": strip_key, "thumbnail_key": thumb_key,
                        "analysed_s": result.analysed_seconds},
            "seconds": result.decode_seconds,
        })
        out.keyframe_metadata["decode_seconds"] = result.decode_seconds
    if detector is not None:
        analysis: SceneAnalysis = detector.result(status=status, note=note)
        shots = analysis.shot_lengths
        out.rows.append({
            "extraction": "scene_cuts", "video_id": video_id, "extractor": DETECTOR, "version": SCENES_VERSION,
            "status": status, "note": note, "payload": analysis,
            "scalars": {
                "cut_count": len(analysis.cuts), "first_cut_s": analysis.cuts[0].t if analysis.cuts else None,
                "mean_shot_s": round(sum(shots) / len(shots), 3) if shots else None,
                "cuts_per_10s": round(len(analysis.cuts) / max(analysis.analysed_seconds, 1e-6) * 10, 3),
                "motion_mean": round(sum(analysis.motion_energy) / len(analysis.motion_energy), 4) if analysis.motion_energy else None,
                "analysed_s": analysis.analysed_seconds,
            },
            "seconds": result.decode_seconds,
        })
    return out
