"""Own-account analytics: account_videos -> account_video_snapshots -> video_kpis -> account_exports."""

import contextlib
from collections.abc import Iterator
from datetime import datetime

import dagster as dg
from pydantic import Field

from tiktok_pipelines.defs.account.resources import TikTokDisplayResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource, tiktok_api_errors
from tiktok_pipelines.lib.account import exports, kpis, store
from tiktok_pipelines.lib.markdown import md_table
from tiktok_pipelines.lib.settings import load_settings
from tiktok_pipelines.lib.tiktok.display import DisplayApiClient

GROUP = "account"
DEMO_LABEL = "DEMO world (synthetic account, not real TikTok data)"


class AccountRefreshConfig(dg.Config):
    full_refresh: bool = Field(
        default=True,
        description="List every video (daily). False stops at the first page of known videos (hourly).",
    )


def _source_label(display: TikTokDisplayResource) -> str:
    return DEMO_LABEL if display.demo else "TikTok Display API"


def _failure_metadata(client: DisplayApiClient) -> dict:
    return {
        "api_requests": dg.MetadataValue.int(client.http.requests_sent),
        "api_failures_retried": dg.MetadataValue.int(sum(f.retried for f in client.http.failures)),
        "token_refreshes": dg.MetadataValue.int(client.tokens.refreshes),
    }


@contextlib.contextmanager
def display_api_session(
    warehouse: WarehouseResource, tiktok_display: TikTokDisplayResource, clock: ClockResource
) -> Iterator[DisplayApiClient]:
    """A Display API client for one step (failures logged, TikTok errors as Dagster Failures)."""
    client = tiktok_display.build_client(clock.get())
    with tiktok_api_errors(warehouse, client.http):
        yield client


def _second(ts: datetime) -> datetime:
    return ts.replace(microsecond=0)


@dg.asset(
    group_name=GROUP,
    kinds={"tiktok", "python"},
    pool="tiktok_api",
    description="The creator's public videos (Display API /v2/video/list/) and profile, upserted into `videos` and `accounts`.",
)
def account_videos(
    context: dg.AssetExecutionContext,
    config: AccountRefreshConfig,
    warehouse: WarehouseResource,
    tiktok_display: TikTokDisplayResource,
    clock: ClockResource,
) -> dg.MaterializeResult:
    wh = warehouse.get()
    with display_api_session(warehouse, tiktok_display, clock) as client:
        user = client.user_info()
        seen_at = _second(clock.get().now())
        with wh.begin() as conn:
            known = store.known_video_ids(conn, str(user["open_id"]))
        listing = client.list_videos(known_ids=None if config.full_refresh else known)
        # Everything was fetched before anything is written: a failure above leaves no partial write.
        with wh.begin() as conn:
            account_id = store.upsert_account(
                conn, user, source=tiktok_display.source, is_demo=tiktok_display.demo, collected_at=seen_at
            )
            store.upsert_videos(
                conn, listing.videos, account_id=account_id, source=tiktok_display.source,
                is_demo=tiktok_display.demo, seen_at=seen_at,
            )
            missing = 0
            if config.full_refresh and listing.complete:
                missing = store.mark_availability(conn, account_id, {v.video_id for v in listing.videos}, seen_at)
    new_ids = [v.video_id for v in listing.videos if v.video_id not in known]
    for r in listing.rejected:
        context.log.warning(f"rejected video {r.item_id} from {r.endpoint}: {r.reason}")
    return dg.MaterializeResult(
        metadata={
            "source": dg.MetadataValue.text(_source_label(tiktok_display)),
            "account": dg.MetadataValue.text(f"{user.get('display_name')} (@{user.get('username')})"),
            "mode": dg.MetadataValue.text("full refresh" if config.full_refresh else "incremental"),
            "videos_listed": dg.MetadataValue.int(len(listing.videos)),
            "new_videos": dg.MetadataValue.int(len(new_ids)),
            "videos_no_longer_returned": dg.MetadataValue.int(missing),
            "pages": dg.MetadataValue.int(listing.pages),
            "short_pages": dg.MetadataValue.int(listing.short_pages),
            "rejected_items": dg.MetadataValue.int(len(listing.rejected)),
            **_failure_metadata(client),
        }
    )


@dg.asset(
    group_name=GROUP,
    kinds={"tiktok", "python"},
    pool="tiktok_api",
    deps=[account_videos],
    description="Append-only metric snapshots (views, likes, comments, shares) of every known video, "
    "keyed by (video_id, collected_at), from /v2/video/query/ in batches of 20.",
)
def account_video_snapshots(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    tiktok_display: TikTokDisplayResource,
    clock: ClockResource,
) -> dg.MaterializeResult:
    wh = warehouse.get()
    with display_api_session(warehouse, tiktok_display, clock) as client:
        with wh.begin() as conn:
            account_id = store.current_account_id(conn)
            ids = sorted(store.known_video_ids(conn, account_id))
        collected_at = _second(clock.get().now())
        counts, rejected = client.query_counts(ids)
        with wh.begin() as conn:
            written = store.append_snapshots(conn, counts, collected_at=collected_at, source=tiktok_display.source)
    for r in rejected:
        context.log.warning(f"rejected counts for {r.item_id}: {r.reason}")
    returned = {c.video_id for c in counts}
    return dg.MaterializeResult(
        metadata={
            "source": dg.MetadataValue.text(_source_label(tiktok_display)),
            "collected_at": dg.MetadataValue.timestamp(collected_at),
            "videos_queried": dg.MetadataValue.int(len(ids)),
            "snapshots_written": dg.MetadataValue.int(written),
            "videos_not_returned": dg.MetadataValue.int(len(set(ids) - returned)),
            "rejected_items": dg.MetadataValue.int(len(rejected)),
            "snapshot_rows_total": dg.MetadataValue.int(wh.count(store.video_snapshots)),
            **_failure_metadata(client),
        }
    )


def _top_movers_markdown(frame, limit: int = 10) -> str:  # noqa: ANN001 - pandas frame
    movers = frame[frame["is_top_mover"]].sort_values("top_mover_rank").head(limit)
    if movers.empty:
        return "_No top movers yet: velocity needs a snapshot at least 24 h old._"
    rows = [
        {
            "rank": int(r.top_mover_rank),
            "video": f"{r.video_id} {(r.caption or '')[:60]}",
            "posted": f"{r.posted_at:%Y-%m-%d}",
            "views": f"{int(r.views):,}",
            "velocity 24h (views/h)": f"{r.velocity_24h:,.1f}",
            "engagement": "" if r.engagement_rate is None else f"{r.engagement_rate:.1%}",
        }
        for r in movers.itertuples()
    ]
    return md_table(rows)


@dg.asset(
    group_name=GROUP,
    kinds={"pandas", "python"},
    deps=[account_video_snapshots],
    description="Seed 000's KPIs per video (engagement and rates, views 24/48 h ago, velocity 24/48 h, "
    "duration bucket, top movers), hashtag performance and the account summary, as of the latest snapshot.",
)
def video_kpis(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    wh = warehouse.get()
    with wh.begin() as conn:
        as_of = store.latest_collected_at(conn)
        if as_of is None:
            raise dg.Failure("no snapshots yet: materialize account_video_snapshots first")
        account_id = store.current_account_id(conn)
        videos_df = store.load_videos_frame(conn, account_id)
        snaps = store.load_kpi_snapshots(conn, as_of)
    result = kpis.compute_kpis(videos_df, snaps, as_of)
    is_demo = bool(videos_df["is_demo"].any()) if not videos_df.empty else False
    with wh.begin() as conn:
        store.write_kpis(conn, result.videos, result.hashtags, result.summary, is_demo)
    s = result.summary
    known_24 = int(result.videos["velocity_24h"].notna().sum())
    return dg.MaterializeResult(
        metadata={
            "as_of": dg.MetadataValue.timestamp(as_of),
            "videos": dg.MetadataValue.int(s["video_count"]),
            "hashtags": dg.MetadataValue.int(len(result.hashtags)),
            "snapshot_rows_read": dg.MetadataValue.int(len(snaps)),
            "videos_with_velocity_24h": dg.MetadataValue.int(known_24),
            "total_views": dg.MetadataValue.int(s["total_views"]),
            "median_engagement_rate": dg.MetadataValue.float(s["median_engagement_rate"] or 0.0),
            "posts_per_day_30d": dg.MetadataValue.float(s["posts_per_day_30d"]),
            "top_movers": dg.MetadataValue.md(
                (f"**{DEMO_LABEL}**\n\n" if is_demo else "") + _top_movers_markdown(result.videos)
            ),
        }
    )


@dg.asset(
    group_name=GROUP,
    kinds={"csv", "json"},
    deps=[video_kpis],
    description="tiktok_video_metrics.csv (seed 000's columns, in its order) and data.json for the dashboard.",
)
def account_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    settings = load_settings()
    wh = warehouse.get()
    with wh.begin() as conn:
        export = store.load_export_inputs(conn)
    metrics = exports.metrics_frame(export.kpis, export.videos)
    out_dir = settings.exports_dir
    csv_path = exports.write_csv(metrics, out_dir)
    json_path = exports.write_dashboard_json(
        out_dir,
        account=export.account,
        summary=export.summary,
        metrics=metrics,
        kpis=export.kpis,
        hashtags=export.hashtags,
        is_demo=export.is_demo,
        generated_at=export.as_of,
    )
    preview = metrics.head(10)[["id", "posted_at_iso", "views", "engagement_rate", "velocity_24h"]]
    return dg.MaterializeResult(
        metadata={
            "csv_path": dg.MetadataValue.path(str(csv_path)),
            "json_path": dg.MetadataValue.path(str(json_path)),
            "rows": dg.MetadataValue.int(len(metrics)),
            "is_demo": dg.MetadataValue.bool(export.is_demo),
            "preview": dg.MetadataValue.md(md_table(preview.to_dict("records"))),
        }
    )
