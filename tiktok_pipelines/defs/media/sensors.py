"""The media intake sensor: new files (drop folder, S3 prefix, URL requests) become `videos`
partitions and runs, at most `runs_per_tick` per tick (the first tick too), oldest first; the rest
wait for the next tick."""

import dagster as dg

from tiktok_pipelines.defs.media.assets import intake_config
from tiktok_pipelines.defs.media.jobs import video_extraction_job
from tiktok_pipelines.defs.media.partitions import videos_partitions
from tiktok_pipelines.defs.media.resources import MediaIntakeResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource, default_sensor_status
from tiktok_pipelines.lib.settings import load_media_settings


@dg.sensor(
    name="media_intake_sensor",
    job=video_extraction_job,
    minimum_interval_seconds=30,
    default_status=default_sensor_status(),
    description="Registers new or replaced files in the drop folder / S3 drop prefix (and URL requests), adds them "
    "as `videos` partitions and requests their extraction runs, capped per tick (TIKTOK_MEDIA_RUNS_PER_TICK).",
)
def media_intake_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource, media_intake: MediaIntakeResource,
    clock: ClockResource,
) -> dg.SensorResult | dg.SkipReason:
    from tiktok_pipelines.lib.media import catalog
    from tiktok_pipelines.lib.media.intake import scan_sources

    cap = load_media_settings().runs_per_tick
    s3_client = media_intake.s3_client()
    now = clock.get().now()
    # Whether a file has settled is judged on the wall clock (file mtimes are real even on simulated time).
    refs = scan_sources(intake_config(media_intake), s3_client=s3_client)
    with warehouse.get().begin() as conn:
        registered = catalog.register_sources(conn, refs, now)
        batch, waiting = catalog.pending_sources(conn, limit=cap)
        catalog.mark_requested(conn, batch)
    if not batch:
        return dg.SkipReason(f"no new media ({len(refs)} files seen, all already requested)")
    keys = [s["video_id"] for s in batch]
    new_keys = [k for k in keys if not context.instance.has_dynamic_partition(videos_partitions.name, k)]
    context.log.info(f"{registered} sources registered; launching {len(batch)} of {waiting} waiting")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"{s['video_id']}:{s['fingerprint']}", partition_key=s["video_id"],
                                    tags={"tiktok/video": s["video_id"], "tiktok/media_source": s["kind"],
                                          "tiktok/draft": str(bool(s["is_draft"])).lower()})
                      for s in batch],
        dynamic_partitions_requests=[videos_partitions.build_add_request(new_keys)] if new_keys else [],
    )
