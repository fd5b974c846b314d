"""Media: video_media (acquire, probe, checksum, store) -> one decode pass -> keyframes + scene_cuts.

Partitioned by video. Every asset skips work already done (same file, same extractor version) and
writes its rows in its body; a bad file becomes an `error` row with the reason and a failed run for
that video only.
"""

import shutil
import time

import dagster as dg

from tiktok_pipelines.defs.media.partitions import videos_partitions
from tiktok_pipelines.defs.media.resources import (
    ExtractionResource,
    MediaIntakeResource,
    MediaStoreResource,
)
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.extraction.scenes import SCENES_VERSION
from tiktok_pipelines.lib.media.decode import DECODE_VERSION

MEDIA = {"group_name": "media", "partitions_def": videos_partitions}


def intake_config(intake: MediaIntakeResource):
    from pathlib import Path

    from tiktok_pipelines.lib.media.intake import IntakeConfig

    return IntakeConfig(
        drop_folder=Path(intake.drop_folder) if intake.drop_folder else None, drop_s3_bucket=intake.drop_s3_bucket,
        drop_s3_prefix=intake.drop_s3_prefix, settle_seconds=intake.settle_seconds,
        max_download_bytes=intake.max_download_bytes, allow_private_urls=intake.allow_private_urls, ytdlp=intake.ytdlp,
        ca_bundle=Path(intake.ca_bundle) if intake.ca_bundle else None,
    )


def stored_media(warehouse: WarehouseResource, video_id: str) -> dict:
    """The media_assets row of a stored video, or a Failure that says why there is none."""
    from tiktok_pipelines.lib.media.catalog import load_asset

    with warehouse.get().begin() as conn:
        row = load_asset(conn, video_id)
    if row is None:
        raise dg.Failure(f"video {video_id}: no media stored yet; materialize video_media first", allow_retries=False)
    if row["status"] != "stored":
        reason = row.get("error") or f"media status is {row['status']}"
        raise dg.Failure(f"video {video_id}: no usable media ({reason})", allow_retries=False)
    return row


@dg.asset(
    **MEDIA,
    kinds={"ffmpeg", "python"},
    code_version="media-1",
    pool="media_download",
    retry_policy=dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL),
    description="The video file: acquired from its source (drop folder, S3 prefix, URL), probed (duration, size, fps, "
    "codecs, audio), checksummed and stored in the media store. Bad files are refused with the reason.",
)
def video_media(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    media_intake: MediaIntakeResource, extraction: ExtractionResource, clock: ClockResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.media import catalog
    from tiktok_pipelines.lib.media.acquire import DownloadFailed, DownloadRejected
    from tiktok_pipelines.lib.media.ingest import error_row, ingest
    from tiktok_pipelines.lib.media.probe import MediaError
    from tiktok_pipelines.lib.scoring.store import mark_status

    video_id = context.partition_key
    wh = warehouse.get()
    with wh.begin() as conn:
        source = catalog.load_source(conn, video_id)
        previous = catalog.load_asset(conn, video_id)
    if source is None:
        raise dg.Failure(f"video {video_id}: no media source registered (drop the file in the drop folder, or "
                         "`tiktok-pipelines media add-url`)", allow_retries=False)
    now = clock.get().now()
    s3_client = media_intake.s3_client() if source["kind"] == "s3" else None
    started = time.perf_counter()
    try:
        done = ingest(source, previous, media_store.get(), intake_config(media_intake), extraction.work_dir(video_id) / "in",
                      now, s3_client=s3_client)
    except DownloadFailed as exc:
        raise dg.Failure(f"video {video_id}: download failed after retries: {exc}", allow_retries=True) from None
    except (MediaError, DownloadRejected, FileNotFoundError) as exc:
        with wh.begin() as conn:
            catalog.save_asset(conn, error_row(source, str(exc), now))
            mark_status(conn, video_id, "error", now, error=f"media refused: {exc}"[:1000])
        raise dg.Failure(f"video {video_id}: {exc}", allow_retries=False,
                         metadata={"source": catalog.display_location(source["location"])}) from None
    with wh.begin() as conn:
        if not done.skipped:
            catalog.save_asset(conn, done.row)
        # The dashboard lists the video as pending until scoring runs (an analysed video keeps its status).
        mark_status(conn, video_id, "pending", now, only_if_absent=True)
    row = done.row
    return dg.MaterializeResult(metadata={
        "skipped_already_stored": done.skipped,
        "source": dg.MetadataValue.text(f"{source['kind']}: {catalog.display_location(source['location'])}"),
        "draft": bool(source["is_draft"]),
        "duration_s": row["duration_s"],
        "resolution": dg.MetadataValue.text(f"{row['width']}x{row['height']}"),
        "fps": row["fps"],
        "size_mb": round((row["size_bytes"] or 0) / 2**20, 2),
        "codecs": dg.MetadataValue.text(f"{row['video_codec']} / {row['audio_codec'] or 'no audio'}"),
        "has_audio": bool(row["has_audio"]),
        "sha256": dg.MetadataValue.text(row["sha256"] or ""),
        "stored_at": dg.MetadataValue.text(row["storage_uri"] or ""),
        "seconds": round(time.perf_counter() - started, 3),
    })


def _cuts_check(scenes, duration: float) -> dg.AssetCheckResult:
    outside = [c.t for c in scenes.cuts if not 0 < c.t < duration + 0.05]
    return dg.AssetCheckResult(
        check_name="cuts_within_duration", asset_key="scene_cuts", passed=not outside,
        severity=dg.AssetCheckSeverity.ERROR, metadata={"cuts": len(scenes.cuts), "outside": str(outside[:5])},
    )


def _hook_check(labels: set[str], duration: float) -> dg.AssetCheckResult:
    wanted = {f"t{s}" for s in (0, 1, 2, 3) if s < duration}
    missing = sorted(wanted - labels)
    return dg.AssetCheckResult(
        check_name="keyframes_cover_the_hook", asset_key="keyframes", passed=not missing,
        severity=dg.AssetCheckSeverity.WARN, metadata={"missing": ", ".join(missing) or "none"},
    )


@dg.multi_asset(
    name="video_decode",
    partitions_def=videos_partitions,
    specs=[
        dg.AssetSpec("keyframes", group_name="media", deps=["video_media"], kinds={"ffmpeg", "image"},
                     code_version=DECODE_VERSION, skippable=True,
                     description="Stills at 0, 1, 2, 3, 5 s, 10/25/50/75 % and the end card (duration - 1 s), a 0-3 s "
                     "hook strip and a first-frame thumbnail, stored in the media store. Keyframes only, never a frame dump."),
        dg.AssetSpec("scene_cuts", group_name="extraction", deps=["video_media"], kinds={"pyscenedetect"},
                     code_version=SCENES_VERSION, skippable=True,
                     description="Hard cuts (PySceneDetect ContentDetector on the shared decode pass), shot lengths, "
                     "cuts per 10-s window and motion energy per second."),
    ],
    check_specs=[
        dg.AssetCheckSpec("keyframes_cover_the_hook", asset="keyframes"),
        dg.AssetCheckSpec("cuts_within_duration", asset="scene_cuts"),
    ],
    can_subset=True,
    pool="media_decode",
)
def video_decode(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    extraction: ExtractionResource, clock: ClockResource,
):
    """One ffmpeg decode feeds both the keyframes and the cut detector (feasibility.md §4)."""
    from tiktok_pipelines.lib.extraction import results
    from tiktok_pipelines.lib.media.keyframes import decode_video

    video_id = context.partition_key
    media = stored_media(warehouse, video_id)
    wanted = {k.to_user_string() for k in context.selected_asset_keys}
    wh = warehouse.get()
    with wh.begin() as conn:
        current = {
            name: results.is_current(results.load_result(conn, name, video_id), version=version, source_sha256=media["sha256"])
            for name, version in (("keyframes", DECODE_VERSION), ("scene_cuts", SCENES_VERSION))
        }
    todo = {name for name in wanted if not current[name]}
    now = clock.get().now()
    store = media_store.get()
    out = None
    if todo:
        try:
            with media_store.local_copy(media["storage_key"]) as path:
                out = decode_video(path, media, store, extraction.work_dir(video_id), keyframes="keyframes" in todo,
                                   scenes="scene_cuts" in todo, max_seconds=extraction.max_seconds)
        except Exception as exc:  # a file that probes but does not decode: record it for this video, fail this step
            message = f"{type(exc).__name__}: {exc}"[:1000]
            with wh.begin() as conn:
                for name in todo:
                    results.save_result(conn, name, video_id, payload={"error": message}, extractor="ffmpeg",
                                        version=DECODE_VERSION if name == "keyframes" else SCENES_VERSION,
                                        status="error", source_sha256=media["sha256"], now=now, note=message)
            raise dg.Failure(f"video {video_id}: decoding failed: {message}", allow_retries=False) from exc
        finally:  # only the decode pass's own files: other stages of this run keep theirs
            shutil.rmtree(extraction.work_dir(video_id) / "decode", ignore_errors=True)
        with wh.begin() as conn:
            for saved in out.rows:
                results.save_result(conn, source_sha256=media["sha256"], now=now, **saved)
    with wh.begin() as conn:
        rows = {name: results.load_result(conn, name, video_id) for name in wanted}
    for name in sorted(wanted):
        row = rows[name]
        meta = {"skipped_already_extracted": name not in todo, "status": row["status"], "note": row["note"] or "",
                "extractor_version": row["extractor_version"], "seconds": row["seconds"]}
        if name == "keyframes":
            meta.update(out.keyframe_metadata if out and out.keyframe_metadata else {})
            meta["keyframes"] = row["keyframe_count"]
            labels = {k["label"] for k in row["payload"]["keyframes"]} | {a for k in row["payload"]["keyframes"] for a in k["aliases"]}
            yield dg.MaterializeResult(asset_key="keyframes", metadata=meta,
                                       check_results=[_hook_check(labels, media["duration_s"])])
        else:
            from tiktok_pipelines.lib.charts import svg_markdown
            from tiktok_pipelines.lib.extraction.artifacts import SceneAnalysis
            from tiktok_pipelines.lib.media.previews import cut_timeline_svg

            scenes = SceneAnalysis.model_validate(row["payload"])
            meta.update({"cuts": row["cut_count"], "first_cut_s": row["first_cut_s"], "mean_shot_s": row["mean_shot_s"],
                         "cuts_per_10s": row["cuts_per_10s"],
                         "timeline": dg.MetadataValue.md(svg_markdown(cut_timeline_svg(scenes), "cut timeline"))})
            yield dg.MaterializeResult(asset_key="scene_cuts", metadata=meta,
                                       check_results=[_cuts_check(scenes, media["duration_s"])])
