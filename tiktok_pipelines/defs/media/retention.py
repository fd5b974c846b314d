"""Media retention: files older than the retention window (90 days by default) are deleted from the
media store and their `videos` partitions pruned; the extracted results stay in the warehouse."""

import dagster as dg

from tiktok_pipelines.defs.media.partitions import videos_partitions
from tiktok_pipelines.defs.media.resources import ExtractionResource, MediaStoreResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.settings import load_media_settings


@dg.op(description="Delete stored media past the retention window, mark it pruned, drop its partition.")
def prune_expired_media(
    context: dg.OpExecutionContext, warehouse: WarehouseResource, media_store: MediaStoreResource,
    extraction: ExtractionResource, clock: ClockResource,
) -> dg.Output[int]:
    from tiktok_pipelines.lib.media import catalog
    from tiktok_pipelines.lib.media.store import video_prefix
    from tiktok_pipelines.lib.reporting.covers import forget_keyframe_cover

    days = load_media_settings().retention_days
    now = clock.get().now()
    store = media_store.get()
    with warehouse.get().begin() as conn:
        expired = catalog.expired_assets(conn, now, days)
    deleted = 0
    for row in expired:
        vid = row["video_id"]
        deleted += store.delete_prefix(video_prefix(vid))
        extraction.clear_work(vid)
        with warehouse.get().begin() as conn:
            deleted += forget_keyframe_cover(conn, store, vid)
            catalog.mark_pruned(conn, vid, now)
        if context.instance.has_dynamic_partition(videos_partitions.name, vid):
            context.instance.delete_dynamic_partition(videos_partitions.name, vid)
    context.log.info(f"retention {days} d: pruned {len(expired)} videos, {deleted} stored objects")
    return dg.Output(len(expired), metadata={"videos_pruned": len(expired), "objects_deleted": deleted,
                                              "retention_days": days,
                                              "examples": ", ".join(r["video_id"] for r in expired[:10]) or "none"})


@dg.job(description="Daily media retention (TIKTOK_MEDIA_RETENTION_DAYS, default 90).", tags={"tiktok/maintenance": "true"})
def media_retention_job() -> None:
    prune_expired_media()


media_retention_schedule = dg.ScheduleDefinition(
    name="media_retention_schedule", job=media_retention_job, cron_schedule="30 3 * * *", execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
