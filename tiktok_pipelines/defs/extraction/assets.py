"""Extraction, one asset per modality, partitioned by video:
audio_features -> transcript; keyframes -> onscreen_text, visual_tags; all three -> caption_analysis.
(scene_cuts comes out of the shared decode pass in defs/media.)

Each asset: skip if the stored result is current (same file, same extractor version); otherwise run
the lib extractor, store the typed artifact with its scalars, and show a preview. A stage that cannot
run here says `unavailable` in its row and metadata and the others go on; an unexpected failure
becomes an `error` row plus a failed step for this video only.
"""

import time
from collections.abc import Callable

import dagster as dg

from tiktok_pipelines.defs.media.assets import stored_media
from tiktok_pipelines.defs.media.partitions import videos_partitions
from tiktok_pipelines.defs.media.resources import ExtractionResource, MediaStoreResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.extraction.summaries import Summary
from tiktok_pipelines.lib.settings import load_media_settings

GROUP = {"group_name": "extraction", "partitions_def": videos_partitions, "pool": "extraction"}
# Versions are read at definitions load so that changing an extractor (or the configured ASR backend)
# marks its asset stale in the UI (code_version).
AUDIO_VERSION = "audio-1"
OCR_VERSION = "ocr-2"  # ocr-2: a crop repeating an earlier keyframe's overlay reuses its reading
VISUAL_VERSION = "visual-1"


def _asr_version() -> str:
    from tiktok_pipelines.lib.extraction.asr import ASR_VERSION

    return f"{ASR_VERSION}:{load_media_settings().asr_backend}"


def _visual_version() -> str:
    from tiktok_pipelines.lib.extraction.clip import PROMPT_SET_VERSION

    s = load_media_settings()
    return f"{VISUAL_VERSION}+{PROMPT_SET_VERSION}" + (f":{s.clip_model}" if s.clip_checkpoint else ":no-clip")


def _caption_version() -> str:
    from tiktok_pipelines.lib.extraction.caption import CAPTION_VERSION

    return CAPTION_VERSION


def run_extraction(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, clock: ClockResource, name: str, version: str,
    extract: Callable[[dict], Summary], *, extractor_on_error: str,
) -> tuple[dict, dict, bool, dict]:
    """Skip-or-extract-and-store for one video; returns (media row, stored result row, skipped, the
    extractor's extra metadata for this materialization)."""
    from tiktok_pipelines.lib.extraction import results

    video_id = context.partition_key
    media = stored_media(warehouse, video_id)
    wh = warehouse.get()
    with wh.begin() as conn:
        row = results.load_result(conn, name, video_id)
    if results.is_current(row, version=version, source_sha256=media["sha256"]):
        return media, row, True, {}
    started = time.perf_counter()
    try:
        out = extract(media)
    except dg.Failure:
        raise
    except Exception as exc:  # one video's bad input must not look like success; record and fail this step
        message = f"{type(exc).__name__}: {exc}"[:1000]
        with wh.begin() as conn:
            results.save_result(conn, name, video_id, payload={"error": message}, extractor=extractor_on_error,
                                version=version, status="error", source_sha256=media["sha256"], now=clock.get().now(),
                                note=message, seconds=time.perf_counter() - started)
        raise dg.Failure(f"video {video_id}: {name} failed: {message}", allow_retries=False) from exc
    with wh.begin() as conn:
        results.save_result(conn, name, video_id, payload=out.payload, extractor=out.extractor, version=version,
                            status=out.status, source_sha256=media["sha256"], now=clock.get().now(), scalars=out.scalars,
                            note=out.note, seconds=time.perf_counter() - started)
        row = results.load_result(conn, name, video_id)
    return media, row, False, {"preview": dg.MetadataValue.md(out.preview_md)} if out.preview_md else {}


def _result_metadata(row: dict, skipped: bool, more: dict, **extra: object) -> dict:
    return {"status": row["status"], "skipped_already_extracted": skipped, "extractor": row["extractor"],
            "extractor_version": row["extractor_version"], "note": row["note"] or "", "seconds": row["seconds"],
            **extra, **more}


def _keyframes(warehouse: WarehouseResource, video_id: str) -> list[dict]:
    from tiktok_pipelines.lib.extraction import results

    with warehouse.get().begin() as conn:
        row = results.load_result(conn, "keyframes", video_id)
    if row is None or row["status"] not in ("ok", "partial"):
        raise dg.Failure(f"video {video_id}: no keyframes (status {row['status'] if row else 'missing'}); "
                         "materialize keyframes first", allow_retries=False)
    return row["payload"]["keyframes"]


def _keyframe_files(warehouse: WarehouseResource, media_store: MediaStoreResource, extraction: ExtractionResource,
                    video_id: str, stage: str) -> list[tuple[str, float, object]]:
    """(label, t, local path) for each stored keyframe."""
    keyframes = _keyframes(warehouse, video_id)
    paths = media_store.local_files([k["key"] for k in keyframes], extraction.work_dir(video_id) / stage)
    return [(k["label"], k["t"], path) for k, path in zip(keyframes, paths, strict=True)]


# --- audio_features -------------------------------------------------------------------------------


def _start_background_asr(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                          extraction: ExtractionResource, media: dict, feats, work) -> None:  # noqa: ANN001
    """Hand the speech to the ASR worker when this run will also materialize a stale transcript."""
    from tiktok_pipelines.lib.extraction import asr_worker, results
    from tiktok_pipelines.lib.extraction.audio import WAV_NAME

    selection = context.run.asset_selection  # None or empty: the whole job
    if (selection and dg.AssetKey("transcript") not in selection) or not feats.speech:
        return
    with warehouse.get().begin() as conn:
        held = results.load_result(conn, "transcript", media["video_id"])
    if results.is_current(held, version=_asr_version(), source_sha256=media["sha256"]):
        return
    wav = work / WAV_NAME
    if wav.is_file():
        asr_worker.start(_asr_job_key(media["video_id"]), wav, config=extraction.asr_config(), speech=feats.speech,
                         analysed_seconds=feats.analysed_seconds)


# --- audio_features -------------------------------------------------------------------------------


# Step order inside a run (the in-process executor runs ready steps by priority): audio first so that its
# ASR job can run in the worker process while the decode pass, OCR and image statistics use the other core;
# transcript last among the ready steps, so it collects the finished job instead of waiting for it.
FIRST, LAST = {"dagster/priority": "10"}, {"dagster/priority": "-10"}


def _asr_job_key(video_id: str) -> str:
    return f"{video_id}:{_asr_version()}"


@dg.asset(**GROUP, deps=["video_media"], kinds={"ffmpeg", "pytorch", "scipy"}, code_version=AUDIO_VERSION,
          op_tags=FIRST,
          description="Speech vs music ratio (silero VAD + beat analysis), BPM, loudness (EBU R128 LUFS), silences and dead air.")
def audio_features(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    extraction: ExtractionResource, clock: ClockResource,
) -> dg.MaterializeResult:
    def extract(media: dict) -> Summary:
        from tiktok_pipelines.lib.extraction.audio import analyse_audio
        from tiktok_pipelines.lib.extraction.summaries import audio_summary

        work = extraction.work_dir(media["video_id"]) / "audio"
        with media_store.local_copy(media["storage_key"]) as path:
            feats = analyse_audio(path, has_audio=bool(media["has_audio"]), max_seconds=extraction.max_seconds,
                                  work_dir=work)
        _start_background_asr(context, warehouse, extraction, media, feats, work)
        return audio_summary(feats)

    _, row, skipped, more = run_extraction(context, warehouse, clock, "audio_features", AUDIO_VERSION, extract,
                                     extractor_on_error="silero-vad+onset-tempo+ebur128")
    return dg.MaterializeResult(metadata=_result_metadata(
        row, skipped, more, speech_ratio=row["speech_ratio"], music_ratio=row["music_ratio"], bpm=row["bpm"],
        loudness_lufs=row["loudness_lufs"], dead_air_s=row["dead_air_s"]))


# --- transcript -----------------------------------------------------------------------------------


def _times_check(row: dict, duration: float) -> dg.AssetCheckResult:
    from tiktok_pipelines.lib.extraction.artifacts import Transcript

    words = Transcript.model_validate(row["payload"]).words if row["status"] in ("ok", "partial") else []
    outside = [w.text for w in words if w.start < 0 or w.end > duration + 0.05 or w.end < w.start]
    return dg.AssetCheckResult(check_name="transcript_times_within_duration", passed=not outside,
                               severity=dg.AssetCheckSeverity.ERROR,
                               metadata={"words": len(words), "outside": len(outside), "duration_s": duration})


@dg.asset(**GROUP, deps=["video_media", "audio_features"], kinds={"pocketsphinx", "openai"},
          code_version=_asr_version(), op_tags=LAST,
          check_specs=[dg.AssetCheckSpec("transcript_times_within_duration", asset="transcript")],
          description="Speech with word timestamps and per-segment confidence; ASR runs only on the speech the VAD "
          "found. Backend: pocketsphinx (offline default, low confidence), faster-whisper (local model folder) or the "
          "OpenAI transcription API. PII redacted before storing.")
def transcript(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    extraction: ExtractionResource, clock: ClockResource,
) -> dg.MaterializeResult:
    def extract(media: dict) -> Summary:
        from tiktok_pipelines.lib.extraction import asr_worker, results
        from tiktok_pipelines.lib.extraction.artifacts import AudioFeatures, Transcript
        from tiktok_pipelines.lib.extraction.asr import transcribe
        from tiktok_pipelines.lib.extraction.audio import WAV_NAME, extract_wav
        from tiktok_pipelines.lib.extraction.summaries import transcript_summary

        config = extraction.asr_config()
        with warehouse.get().begin() as conn:
            audio_row = results.load_result(conn, "audio_features", media["video_id"])
        if audio_row is None or audio_row["status"] not in ("ok", "partial"):
            raise dg.Failure(f"video {media['video_id']}: audio_features has no usable result; materialize it first",
                             allow_retries=False)
        audio = AudioFeatures.model_validate(audio_row["payload"])
        if not audio.has_audio:
            return transcript_summary(Transcript(status="ok", backend=config.backend, model=config.model or config.backend,
                                                 confidence="high", note="no audio stream: nothing to transcribe"))
        # The audio stage leaves its 16 kHz mono WAV in the work folder: reuse it rather than decode again.
        wav = extraction.work_dir(media["video_id"]) / "audio" / WAV_NAME
        if not wav.is_file():
            with media_store.local_copy(media["storage_key"]) as path:
                wav = extract_wav(path, wav, max_seconds=extraction.max_seconds)
        try:
            said = asr_worker.collect(_asr_job_key(media["video_id"]), wav, config=config, speech=audio.speech,
                                      analysed_seconds=audio.analysed_seconds)
            if said is None:  # no background job for this exact audio: transcribe here
                said = transcribe(wav, config=config, speech=audio.speech, analysed_seconds=audio.analysed_seconds)
            return transcript_summary(said)
        finally:
            wav.unlink(missing_ok=True)

    media, row, skipped, more = run_extraction(context, warehouse, clock, "transcript", _asr_version(), extract,
                                         extractor_on_error=extraction.asr_backend)
    return dg.MaterializeResult(
        metadata=_result_metadata(row, skipped, more, words=row["word_count"], confidence=row["confidence"] or "",
                                  speech_s=row["speech_s"], redactions=row["redactions"]),
        check_results=[_times_check(row, media["duration_s"])],
    )


# --- onscreen_text --------------------------------------------------------------------------------


@dg.asset(**GROUP, deps=["keyframes"], kinds={"tesseract"}, code_version=OCR_VERSION,
          description="On-screen text per keyframe (text-region detection + tesseract with a timeout): lines with "
          "boxes, text height and position against TikTok's safe zone. PII redacted.")
def onscreen_text(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    extraction: ExtractionResource, clock: ClockResource,
) -> dg.MaterializeResult:
    def extract(media: dict) -> Summary:
        from tiktok_pipelines.lib.extraction.ocr import read_keyframes_text
        from tiktok_pipelines.lib.extraction.summaries import onscreen_summary
        from tiktok_pipelines.lib.extraction.tesseract import tesseract_engine

        frames = _keyframe_files(warehouse, media_store, extraction, media["video_id"], "ocr")
        engine = tesseract_engine(extraction.ocr_engine)
        return onscreen_summary(read_keyframes_text(frames, engine=engine), engine=engine.name)  # type: ignore[arg-type]

    _, row, skipped, more = run_extraction(context, warehouse, clock, "onscreen_text", OCR_VERSION, extract,
                                     extractor_on_error="tesseract")
    return dg.MaterializeResult(metadata=_result_metadata(
        row, skipped, more, frames_with_text=row["frames_with_text"], lines=row["line_count"],
        lines_outside_safe_zone=row["lines_outside_safe_zone"]))


# --- visual_tags ----------------------------------------------------------------------------------


@dg.asset(**GROUP, deps=["keyframes"], kinds={"opencv", "pytorch"}, code_version=_visual_version(),
          description="Image statistics on every keyframe (brightness, contrast, colourfulness, sharpness, faces, "
          "rule of thirds) always; open_clip zero-shot tags when weights are configured (TIKTOK_CLIP_CHECKPOINT), "
          "otherwise clip_status says unavailable and why.")
def visual_tags(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    extraction: ExtractionResource, clock: ClockResource,
) -> dg.MaterializeResult:
    def extract(media: dict) -> Summary:
        from tiktok_pipelines.lib.extraction.summaries import visual_summary
        from tiktok_pipelines.lib.extraction.visual import describe_frames

        frames = _keyframe_files(warehouse, media_store, extraction, media["video_id"], "visual")
        return visual_summary(describe_frames(frames, extraction.clip_config()))  # type: ignore[arg-type]

    _, row, skipped, more = run_extraction(context, warehouse, clock, "visual_tags", _visual_version(), extract,
                                     extractor_on_error="opencv")
    tag_list = ", ".join(f"{t['family']}={t['label']}" for t in (row["tags"] or [])) or "none"
    return dg.MaterializeResult(metadata=_result_metadata(
        row, skipped, more, clip_status=row["clip_status"], tags=dg.MetadataValue.text(tag_list),
        face_frames=row["face_frames"], brightness_mean=row["brightness_mean"]))


# --- caption_analysis -----------------------------------------------------------------------------


def _caption_for(conn, video_id: str) -> tuple[str | None, list[str] | None]:
    from sqlalchemy import select

    from tiktok_pipelines.lib.media.catalog import load_source
    from tiktok_pipelines.lib.warehouse.schema import videos

    row = conn.execute(select(videos.c.caption, videos.c.hashtags).where(videos.c.video_id == video_id)).first()
    if row is not None:
        return row[0], list(row[1] or [])
    source = load_source(conn, video_id)
    return (source or {}).get("caption"), None


@dg.asset(**GROUP, deps=["transcript", "onscreen_text"], kinds={"python"}, code_version=_caption_version(),
          description="The caption: hashtags (brand, niche, broad, spam; relevant to what is said and shown), CTA "
          "phrases, risky claims, and whether the first 3 s reinforce the caption's hook.")
def caption_analysis(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, clock: ClockResource,
) -> dg.MaterializeResult:
    def extract(media: dict) -> Summary:
        from tiktok_pipelines.lib.extraction import results
        from tiktok_pipelines.lib.extraction.artifacts import OCRResult, Transcript
        from tiktok_pipelines.lib.extraction.caption import analyse_caption, first_seconds_text, video_text
        from tiktok_pipelines.lib.extraction.summaries import caption_summary

        vid = media["video_id"]
        with warehouse.get().begin() as conn:
            caption, hashtags = _caption_for(conn, vid)
            t_row = results.load_result(conn, "transcript", vid)
            o_row = results.load_result(conn, "onscreen_text", vid)
        said = Transcript.model_validate(t_row["payload"]) if t_row and t_row["status"] in ("ok", "partial") else None
        shown = [OCRResult.model_validate(f) for f in o_row["payload"]["frames"]] if o_row and o_row["status"] in ("ok", "partial") else None
        return caption_summary(analyse_caption(caption, hashtags, first_seconds_text=first_seconds_text(said, shown),
                                               context_text=video_text(said, shown)))

    _, row, skipped, more = run_extraction(context, warehouse, clock, "caption_analysis", _caption_version(), extract,
                                     extractor_on_error="caption-rules")
    payload = row["payload"]
    return dg.MaterializeResult(metadata=_result_metadata(
        row, skipped, more, hook=dg.MetadataValue.text(payload.get("hook", "")), ctas=dg.MetadataValue.text(", ".join(payload.get("ctas", []))),
        claims=dg.MetadataValue.text(", ".join(payload.get("claims", []))), hook_reinforced=str(row["hook_reinforced"])))
