"""The cover cache and the generated dashboard, and the job and schedule that keep them current."""

import time
from pathlib import Path

import dagster as dg

from tiktok_pipelines.defs.media.resources import MediaStoreResource
from tiktok_pipelines.defs.reporting.resources import CoverFetchResource, DashboardResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.settings import load_settings

GROUP = "reporting"


def _object_reader(media_store: MediaStoreResource, work: Path):  # noqa: ANN202 - (key) -> bytes | None
    """Bytes of a stored object, or None when it is gone (retention) or unreadable."""

    def read(key: str) -> bytes | None:
        try:
            path = media_store.local_files([key], work)[0]
            data = path.read_bytes()
        except (OSError, KeyError, ValueError):
            return None
        if work in path.parents:  # a copy fetched from S3 (never a local store's original): keep no media around
            path.unlink(missing_ok=True)
        return data

    return read


@dg.asset(
    group_name=GROUP,
    kinds={"python", "image"},
    deps=["account_videos", "keyframes"],
    pool="media_download",
    description="The pipeline's own copy of every video's cover (TikTok's cover URLs expire about 6 h after each "
    "refresh) and the small thumbnail the dashboard embeds; a first-frame keyframe when there is no usable cover. "
    "Videos whose cover is already cached from the same source are skipped.",
)
def video_covers(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, clock: ClockResource,
    media_store: MediaStoreResource, cover_fetch: CoverFetchResource, dashboard: DashboardResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.reporting.covers import CoverPolicy, cache_covers, cover_status_counts, plan_covers

    wh = warehouse.get()
    now = clock.get().now()
    with wh.begin() as conn:
        tasks, already = plan_covers(conn, now)
    work = Path(dashboard.cache_dir) / "covers-work"
    policy = CoverPolicy(allow_private=cover_fetch.demo)
    started = time.perf_counter()
    with cover_fetch.build_client(clock.get()) as client:
        report = cache_covers(wh.begin, tasks, media_store.get(), _object_reader(media_store, work), now,
                              policy=policy, client=client, work_dir=work)
    for o in report.outcomes:
        if o.status != "cached" or o.error:
            context.log.warning(f"cover of {o.video_id}: {o.status}{' via ' + o.source if o.source else ''}: {o.error}")
    with wh.begin() as conn:
        totals = cover_status_counts(conn)
    return dg.MaterializeResult(metadata={
        "processed": dg.MetadataValue.int(len(report.outcomes)),
        "already_cached": dg.MetadataValue.int(already),
        "cached_now": dg.MetadataValue.json(report.by_source()),
        "failed_now": dg.MetadataValue.int(report.count("failed")),
        "totals": dg.MetadataValue.json(totals),
        "seconds": dg.MetadataValue.float(round(time.perf_counter() - started, 3)),
    })


@dg.asset(
    group_name=GROUP,
    kinds={"html"},
    deps=["video_covers", "video_kpis", "account_exports", "video_ai_analysis", "cohort_timeseries",
          "creative_insights"],
    description="One self-contained HTML dashboard (no network requests; works opened from disk): overview tiles, "
    "filters, the sortable video table with cached thumbnails and score badges, a six-tab detail view per video, "
    "cohort growth curves and creative-vs-performance charts.",
)
def dashboard(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, clock: ClockResource,
    media_store: MediaStoreResource, dashboard: DashboardResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.reporting.build import build_dashboard

    started = time.perf_counter()
    build = build_dashboard(
        warehouse.get(), Path(dashboard.output_path), now=clock.get().now(), is_demo=load_settings().is_demo,
        read_object=_object_reader(media_store, Path(dashboard.cache_dir) / "fetch"),
        cache_dir=Path(dashboard.cache_dir), dagster_url=dashboard.dagster_url,
        image_budget_bytes=int(dashboard.image_budget_mb * 2**20),
    )
    if build.keyframe_videos_cut:
        context.log.warning(f"{build.keyframe_videos_cut} video(s) without embedded keyframes: the "
                            f"{dashboard.image_budget_mb:g} MB image budget is spent (TIKTOK_DASHBOARD_IMAGE_MB)")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(build.path)),
        "size_mb": dg.MetadataValue.float(round(build.size_bytes / 2**20, 2)),
        "videos": dg.MetadataValue.int(build.videos),
        "scored": dg.MetadataValue.int(build.scored),
        "cohorts": dg.MetadataValue.int(build.cohorts),
        "images_embedded": dg.MetadataValue.int(build.images),
        "image_cache": dg.MetadataValue.json(build.cache_stats),
        "seconds": dg.MetadataValue.float(round(time.perf_counter() - started, 3)),
        "top_videos": dg.MetadataValue.md(build.top_markdown),
        "latest_hook_strip": dg.MetadataValue.md(build.hook_strip_markdown),
    })


reporting_job = dg.define_asset_job(
    name="reporting_job",
    selection=dg.AssetSelection.groups(GROUP),
    description="Covers, BI views, insights and the dashboard, from what the warehouse holds now.",
    executor_def=dg.in_process_executor,
)

# The hourly refresh leaves the BI views alone: they read live data and change only with the SQL or the
# schema (the deployment's init step recreates them); dropping them hourly would break BI sessions.
reporting_refresh_job = dg.define_asset_job(
    name="reporting_refresh_job",
    selection=dg.AssetSelection.groups(GROUP) - dg.AssetSelection.assets("bi_views"),
    description="Covers, insights and the dashboard (not the BI views), from what the warehouse holds now.",
    executor_def=dg.in_process_executor,
)

reporting_schedule = dg.ScheduleDefinition(
    name="reporting_hourly",
    job=reporting_refresh_job,
    # 20 past: after the hourly snapshot (on the hour) has written its KPIs.
    cron_schedule="20 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED if load_settings().is_demo else dg.DefaultScheduleStatus.RUNNING,
    description="Refresh the dashboard, BI views and insights every hour.",
)
