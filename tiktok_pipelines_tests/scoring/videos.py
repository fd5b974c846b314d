"""Hand-built extraction artifacts for scoring tests: a whole video's worth of inputs, described in
the words a creator would use ("hook text at 0 s, voice at 0.3 s, cuts every 2.5 s")."""

from __future__ import annotations

from collections.abc import Sequence

from tiktok_pipelines.lib.extraction.artifacts import (
    AudioFeatures,
    Box,
    CaptionAnalysis,
    FrameStats,
    HashtagFinding,
    Keyframe,
    OCRLine,
    OCRResult,
    SceneAnalysis,
    SceneCut,
    Span,
    Transcript,
    TranscriptSegment,
    VisualTags,
    Word,
)
from tiktok_pipelines.lib.extraction.caption import hook_overlap
from tiktok_pipelines.lib.scoring.inputs import ScoringInputs
from tiktok_pipelines.lib.scoring.models import ModalityInput

KEYFRAMES = (("t0", 0.0), ("t1", 1.0), ("t2", 2.0), ("t3", 3.0), ("t5", 5.0))


def keyframe_times(duration: float) -> list[tuple[str, float]]:
    fixed = [(label, t) for label, t in KEYFRAMES if t < duration]
    return fixed + [(f"p{p}", round(duration * p / 100, 3)) for p in (10, 25, 50, 75)] + [("end", round(duration - 1, 3))]


def said(start: float, text: str, step: float = 0.4) -> TranscriptSegment:
    words = tuple(Word(text=w, start=round(start + i * step, 3), end=round(start + i * step + step * 0.8, 3))
                  for i, w in enumerate(text.split()))
    return TranscriptSegment(start=start, end=round(start + len(words) * step, 3), text=text, words=words)


def line(text: str, *, height: float = 0.05, y: float = 0.4, safe: bool = True, overlaps: tuple[str, ...] = ()) -> OCRLine:
    return OCRLine(text=text, confidence=0.92, box=Box(x=0.1, y=y, w=0.7, h=height), text_height=height,
                   in_safe_zone=safe, overlaps=overlaps)


def scenes(duration: float, cuts: Sequence[float], motion: float = 0.05) -> SceneAnalysis:
    cut_list = tuple(SceneCut(t=t, frame=round(t * 30), score=40.0) for t in cuts)
    bounds = [0.0, *cuts, duration]
    shots = tuple(round(b - a, 3) for a, b in zip(bounds, bounds[1:], strict=False))
    windows = tuple(sum(1 for t in cuts if 10 * i <= t < 10 * (i + 1)) for i in range(int((duration + 9.999) // 10)))
    return SceneAnalysis(status="ok", detector="content", fps=30.0, analysed_seconds=duration, cuts=cut_list,
                         shot_lengths=shots, cuts_per_10s=windows, motion_energy=tuple(motion for _ in range(int(duration))))


def audio(duration: float, speech: Sequence[tuple[float, float]] = (), music: bool = False, has_audio: bool = True,
          silences: Sequence[tuple[float, float]] = ()) -> AudioFeatures:
    spans = tuple(Span(start=a, end=b) for a, b in speech)
    gaps = tuple(Span(start=a, end=b) for a, b in silences)
    return AudioFeatures(status="ok", has_audio=has_audio, analysed_seconds=duration,
                         speech_ratio=round(sum(s.duration for s in spans) / duration, 3) if has_audio else None,
                         music_ratio=1.0 if music else 0.0, music_present=music if has_audio else None,
                         bpm=120.0 if music else None, loudness_lufs=-14.0 if has_audio else None, speech=spans,
                         silences=gaps, dead_air_seconds=round(sum(g.duration for g in gaps if g.duration >= 0.4), 3))


def frames(duration: float, *, face: bool = False, brightness: float = 0.5, sharpness: float = 800.0) -> VisualTags:
    stats = tuple(FrameStats(frame=label, t=t, brightness=brightness, contrast=0.25, colourfulness=40.0,
                             sharpness=sharpness, faces=(Box(x=0.3, y=0.2, w=0.4, h=0.25),) if face else (),
                             face_area=0.1 if face else 0.0, thirds=0.7)
                  for label, t in keyframe_times(duration))
    return VisualTags(status="ok", frames=stats, clip_status="unavailable", note="CLIP weights not configured")


def make_inputs(
    *,
    video_id: str = "v1",
    duration: float = 30.0,
    width: int = 1080,
    height: int = 1920,
    caption: str = "",
    hashtags: Sequence[str] = (),
    speech: Sequence[TranscriptSegment] | None = (),
    asr_confidence: str = "high",
    overlays: Sequence[tuple[float, float, OCRLine]] = (),
    cuts: Sequence[float] = (),
    music: bool = False,
    has_audio: bool = True,
    silences: Sequence[tuple[float, float]] = (),
    face: bool = False,
    missing: Sequence[str] = (),
) -> ScoringInputs:
    """A video's inputs. `overlays` are (start, end, line): read on every keyframe inside [start, end)."""
    kf = keyframe_times(duration)
    ocr = tuple(OCRResult(frame=label, t=t, lines=tuple(ln for a, b, ln in overlays if a <= t < b)) for label, t in kf)
    segments = tuple(speech or ())
    transcript = Transcript(status="ok", backend="faster-whisper" if asr_confidence == "high" else "pocketsphinx",
                            model="test", confidence=asr_confidence, segments=segments,  # type: ignore[arg-type]
                            speech_seconds=sum(s.end - s.start for s in segments), analysed_seconds=duration)
    spans = [(s.start, s.end) for s in segments] if has_audio else []
    body = caption.split("#")[0].strip()
    hook = body.split("\n")[0].split(". ")[0] if body else ""
    first3 = " ".join([*(s.text for s in segments if s.start < 3.0), *(ln.text for a, b, ln in overlays if a < 3.0)])
    overlap = hook_overlap(hook, first3) if hook else None
    tags = tuple(HashtagFinding(tag=h, kind="niche", relevant=True) for h in hashtags)
    cap = CaptionAnalysis(status="ok", caption=caption, hashtags=tags, hook=hook, hook_overlap=overlap,
                          hook_reinforced=None if overlap is None else overlap >= 0.5)
    artifacts = {
        "transcript": transcript if has_audio and speech is not None else None,
        "onscreen_text": ocr,
        "scene_cuts": scenes(duration, cuts),
        "audio_features": audio(duration, spans, music=music, has_audio=has_audio, silences=silences),
        "visual_tags": frames(duration, face=face),
        "caption_analysis": cap,
    }
    for name in missing:
        artifacts[name] = None
    modalities = tuple(
        ModalityInput(name=name, status="missing" if value is None else "ok",  # type: ignore[arg-type]
                      confidence=("low" if value is None else asr_confidence if name == "transcript" else
                                  "medium" if name == "visual_tags" else "high"))  # type: ignore[arg-type]
        for name, value in artifacts.items())
    return ScoringInputs(
        video_id=video_id, duration=duration, width=width, height=height, has_audio=has_audio, caption=caption,
        hashtags=tuple(h.lstrip("#").lower() for h in hashtags), transcript=artifacts["transcript"],  # type: ignore[arg-type]
        onscreen=artifacts["onscreen_text"], scenes=artifacts["scene_cuts"], audio=artifacts["audio_features"],  # type: ignore[arg-type]
        visual=artifacts["visual_tags"], caption_analysis=artifacts["caption_analysis"],  # type: ignore[arg-type]
        keyframes=tuple(Keyframe(label=label, t=t, key=f"k/{label}.jpg", width=width, height=height) for label, t in kf),
        modalities=modalities, fingerprint=f"fp-{video_id}",
    )


SEED_CAPTION = ("I was skeptical about peptide serums until I tried these 3 ingredients 🤯 Bloom has all three + it's "
                "hormone-free! Shop the link in my bio 👇 #hairgrowth #peptides #bloompeptidehairserum")


def strong_list_video(**overrides: object) -> ScoringInputs:
    """The seed's "3 Ingredients for Hair Growth": list text at 0 s, spoken hook at 0.3 s, named peptides,
    cuts every 2.5 s, CTA on screen at the end and in the caption."""
    args: dict = dict(
        video_id="strong", duration=30.0, caption=SEED_CAPTION,
        hashtags=("hairgrowth", "peptides", "bloompeptidehairserum"),
        speech=(said(0.3, "these three peptides changed my hair growth game"),
                said(4.0, "first copper peptides because they support the follicle"),
                said(11.0, "second biotin then third caffeine for blood flow"),
                said(18.0, "Bloom has all three and it is hormone-free"),
                said(25.0, "shop the link in my bio today")),
        overlays=((0.0, 3.5, line("3 INGREDIENTS FOR HAIR GROWTH")), (4.0, 9.0, line("1. COPPER PEPTIDES")),
                  (9.0, 14.0, line("2. BIOTIN")), (14.0, 19.0, line("3. CAFFEINE")),
                  (19.0, 24.0, line("HORMONE-FREE")), (24.0, 30.0, line("SHOP THE LINK IN BIO"))),
        cuts=(2.5, 5.0, 7.5, 10.0, 12.5, 15.0, 17.5, 20.0, 22.5, 25.0, 27.5), music=True, face=True,
    )
    args.update(overrides)
    return make_inputs(**args)


def weak_video(**overrides: object) -> ScoringInputs:
    """Nothing happens for 5 s: no text until 6 s, voice at 4.5 s, one long shot, no CTA, off-topic."""
    args: dict = dict(
        video_id="weak", duration=30.0, caption="new video", hashtags=("fyp",),
        speech=(said(4.5, "so yeah today I wanted to talk about some stuff"),),
        overlays=((6.0, 9.0, line("hi", height=0.02)),), cuts=(), music=False,
        silences=((0.0, 4.5), (9.0, 30.0)),
    )
    args.update(overrides)
    return make_inputs(**args)


def silent_text_video(**overrides: object) -> ScoringInputs:
    """No audio stream; the hook, the list and the CTA are all on screen."""
    args: dict = dict(
        video_id="silent", duration=20.0, has_audio=False, speech=None,
        caption="3 peptides your scalp needs. Bloom is hormone-free. Shop the link in my bio #bloompeptidehairserum",
        hashtags=("bloompeptidehairserum",),
        overlays=((0.0, 4.5, line("3 PEPTIDES YOUR SCALP NEEDS")), (4.5, 9.0, line("1. COPPER PEPTIDES")),
                  (9.0, 12.0, line("2. BIOTIN")), (12.0, 15.0, line("3. CAFFEINE")),
                  (15.0, 20.0, line("SHOP THE LINK IN BIO"))),
        cuts=(2.5, 4.5, 7.0, 9.0, 12.0, 15.0, 17.5),
    )
    args.update(overrides)
    return make_inputs(**args)


def store_inputs(conn, inputs: ScoringInputs, now, *, is_draft: bool = True) -> None:  # noqa: ANN001 - Connection, datetime
    """Write a video's media row, source (with its caption) and extraction results as the pipeline would."""
    from tiktok_pipelines.lib.extraction.results import save_result
    from tiktok_pipelines.lib.media.catalog import save_asset
    from tiktok_pipelines.lib.warehouse.engine import upsert
    from tiktok_pipelines.lib.warehouse.schema import media_sources

    sha = f"{inputs.video_id:0<64}"[:64]
    upsert(conn, media_sources, [{"video_id": inputs.video_id, "kind": "file", "name": f"{inputs.video_id}.mp4",
                                  "location": f"/drop/{inputs.video_id}.mp4", "fingerprint": "1:1",
                                  "caption": inputs.caption, "is_draft": is_draft, "discovered_at": now}])
    save_asset(conn, {"video_id": inputs.video_id, "status": "stored", "source_kind": "file", "sha256": sha,
                      "storage_key": f"videos/{inputs.video_id}/source.mp4", "duration_s": inputs.duration,
                      "width": inputs.width, "height": inputs.height, "fps": 30.0, "has_audio": inputs.has_audio,
                      "stored_at": now})
    payloads = {
        "transcript": inputs.transcript, "scene_cuts": inputs.scenes, "audio_features": inputs.audio,
        "visual_tags": inputs.visual, "caption_analysis": inputs.caption_analysis,
        "onscreen_text": None if inputs.onscreen is None else {"frames": [f.model_dump(mode="json") for f in inputs.onscreen]},
        "keyframes": {"keyframes": [k.model_dump(mode="json") for k in inputs.keyframes]},
    }
    for name, payload in payloads.items():
        if payload is not None:
            save_result(conn, name, inputs.video_id, payload=payload, extractor="test", version="test-1", status="ok",
                        source_sha256=sha, now=now)
