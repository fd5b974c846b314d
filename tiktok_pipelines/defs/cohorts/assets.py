"""48-hour cohorts: cohort_members -> cohort_observations (h0..h48) -> cohort_timeseries, plus
cohort_creators and cohort_comments at h48 and sound_trends across every tracked video.

Each asset writes its rows in its body (lib/cohorts) and skips work already done, so re-running a
(cohort, timepoint) partition leaves the warehouse as it was.
"""

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import dagster as dg

from tiktok_pipelines.defs.account.assets import display_api_session
from tiktok_pipelines.defs.account.resources import TikTokDisplayResource
from tiktok_pipelines.defs.cohorts.partitions import (
    cohort_timepoint_partitions,
    cohorts_partitions,
    split_key,
)
from tiktok_pipelines.defs.cohorts.resources import TikTokPagesResource, TikTokResearchResource, research_session
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.lib.cohorts import collect, store
from tiktok_pipelines.lib.cohorts.programs import OWN_PROGRAM, CohortProgram, load_programs
from tiktok_pipelines.lib.markdown import md_table
from tiktok_pipelines.lib.settings import load_settings

GROUP = "cohorts"
KINDS = {"tiktok", "python"}
# Shared by every asset collected per (cohort, timepoint) from TikTok.
TIMEPOINT_ASSET = {
    "group_name": GROUP,
    "kinds": KINDS,
    "pool": "tiktok_research",
    "partitions_def": cohort_timepoint_partitions,
    # (cohort, timepoint) -> cohort: Dagster infers the mapping onto the "cohort" dimension.
    "deps": ["cohort_members"],
}


def program_for(cohort_id: str) -> CohortProgram:
    name = cohort_id.rsplit("-", 1)[0]
    for program in load_programs(load_settings().cohort_programs_file):
        if program.name == name:
            return program
    if name == OWN_PROGRAM:
        return CohortProgram(name="public")  # own cohorts use the defaults (quota reserve etc.)
    raise dg.Failure(f"cohort {cohort_id!r} belongs to program {name!r}, which is not configured (TIKTOK_COHORT_PROGRAMS)")


def cohort_start(cohort_id: str) -> datetime:
    """Public cohort ids carry their start: <program>-YYYYMMDDTHHMM (UTC)."""
    try:
        return datetime.strptime(cohort_id.rsplit("-", 1)[1], "%Y%m%dT%H%M").replace(tzinfo=UTC)
    except (IndexError, ValueError):
        raise dg.Failure(f"cohort id {cohort_id!r} is not <program>-YYYYMMDDTHHMM") from None


def _md_preview(rows: list[dict], columns: list[str], limit: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(md_table(rows[:limit], columns))


# --- cohort_members ---------------------------------------------------------------------------------


def _required_fields_check(members: list[dict]) -> dg.AssetCheckResult:
    missing = [m["video_id"] for m in members if not m.get("video_id") or m.get("create_time") is None or not m.get("username")]
    return dg.AssetCheckResult(
        check_name="members_have_required_fields",
        passed=not missing,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"members": len(members), "lacking_id_upload_time_or_creator": len(missing), "examples": str(missing[:5])},
    )


@dg.asset(
    group_name=GROUP,
    kinds=KINDS,
    pool="tiktok_research",
    partitions_def=cohorts_partitions,
    check_specs=[dg.AssetCheckSpec("members_have_required_fields", asset="cohort_members", blocking=True)],
    description=(
        "Who a cohort tracks. Public cohorts: the newest videos matching the program's Research API query in its "
        "freshness window, in its performance mix. Own cohorts (own-<video id>): one new upload of the connected "
        "account, tracked from its true upload time."
    ),
)
def cohort_members(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    clock: ClockResource,
    tiktok_research: TikTokResearchResource,
    tiktok_display: TikTokDisplayResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    from tiktok_pipelines.lib.cohorts.members import plan_own_cohort, plan_public_cohort, selection_window

    cohort_id = context.partition_key
    wh = warehouse.get()
    with wh.begin() as conn:
        existing = store.get_cohort(conn, cohort_id)
        members = store.load_members(conn, cohort_id) if existing else []
    if existing is not None:
        context.log.info(f"{cohort_id} was selected at {existing['selected_at']}: keeping its {len(members)} members")
        yield dg.MaterializeResult(metadata={
            "already_selected": True, "members": len(members), "status": existing["status"],
            "started_at": dg.MetadataValue.timestamp(existing["started_at"]),
        })
        yield _required_fields_check(members)
        return

    clk = clock.get()
    now = clk.now()
    if cohort_id.startswith(f"{OWN_PROGRAM}-"):
        video_id = cohort_id.split("-", 1)[1]
        with display_api_session(warehouse, tiktok_display, clock) as client:
            found, _ = client.query_videos([video_id])
            username = client.user_info().get("username")
        if not found:
            raise dg.Failure(f"own video {video_id} is not returned by the Display API (deleted or private?)", allow_retries=False)
        cohort, member = plan_own_cohort(found[0], username, selected_at=now, is_demo=tiktok_display.demo)
        members, meta = [member], {"kind": "own", "upload_time": dg.MetadataValue.timestamp(cohort["started_at"])}
    else:
        program = program_for(cohort_id)
        start = cohort_start(cohort_id)
        oldest, newest = selection_window(program, start)
        with research_session(warehouse, tiktok_research, clock, reserve=program.quota_reserve) as client:
            listing = client.query_videos(program.query, oldest, newest, max_pages=program.max_selection_pages)
        plan = plan_public_cohort(
            cohort_id, program, start, listing.videos, selected_at=now,
            source=program.source, is_demo=tiktok_research.demo,
        )
        cohort, members = plan.cohort, plan.members
        meta = {
            "kind": "public", "program": program.name, "requests": listing.requests, "pages": listing.pages,
            "candidates_seen": plan.selection.candidates_seen, "eligible_in_window": plan.selection.eligible,
            "listing_complete": listing.complete, "rejected_items": len(listing.rejected),
            "mix_achieved": dg.MetadataValue.json(plan.selection.mix_achieved),
            "freshness_window": f"{oldest:%Y-%m-%d %H:%M} .. {newest:%Y-%m-%d %H:%M} UTC",
        }
    with wh.begin() as conn:
        store.upsert_cohort(conn, cohort)
        store.write_members(conn, members)
    if cohort["status"] == "empty":
        context.log.warning(f"{cohort_id}: {cohort['notes']}")
    yield dg.MaterializeResult(metadata={
        **meta, "members": len(members), "status": cohort["status"], "source": cohort["source"],
        "started_at": dg.MetadataValue.timestamp(cohort["started_at"]),
        "preview": _md_preview(members, ["priority", "video_id", "username", "performance_band", "selection_views", "create_time"]),
    })
    yield _required_fields_check(members)


# --- cohort_observations ------------------------------------------------------------------------------


@contextlib.contextmanager
def counts_source(
    cohort: dict, warehouse: WarehouseResource, clock: ClockResource, research: TikTokResearchResource,
    display: TikTokDisplayResource, pages: TikTokPagesResource,
) -> Iterator:
    from tiktok_pipelines.lib.cohorts.sources import DisplayCountsSource, PageJsonCountsSource, ResearchCountsSource

    if cohort["source"] == "display_api":
        with display_api_session(warehouse, display, clock) as client:
            yield DisplayCountsSource(client, clock.get())
    elif cohort["source"] == "page_json":
        client = pages.build_client(clock.get(), (research.demo_public_seed, research.demo_public_videos))
        try:
            yield PageJsonCountsSource(client)
        finally:
            client.http.close()
    else:
        with research_session(warehouse, research, clock, reserve=program_for(cohort["cohort_id"]).quota_reserve) as client:
            yield ResearchCountsSource(client, clock.get())


def _outcome_metadata(outcome: collect.TaskOutcome) -> dict:
    return {
        "status": outcome.status,
        "timing": outcome.timing or "",
        "lateness_minutes": dg.MetadataValue.float(round((outcome.lateness_s or 0.0) / 60.0, 2)),
        "items_total": outcome.items_total,
        "items_done": outcome.items_done,
        "items_missing": outcome.items_missing,
        "items_pending": outcome.items_pending,
        "requests": outcome.requests,
        "already_handled": outcome.already_handled,
        "retry_after": outcome.retry_after.isoformat() if outcome.retry_after else "",
        "detail": outcome.detail or "",
    }


def _log_outcome(context: dg.AssetExecutionContext, outcome: collect.TaskOutcome) -> None:
    what = f"{outcome.cohort_id} {outcome.task}: {outcome.status} ({outcome.timing})"
    if outcome.already_handled:
        context.log.info(f"{what}, handled earlier: nothing to do")
    elif outcome.status == "partial":
        context.log.warning(f"{what}: {outcome.detail}")
    elif outcome.status == "missed":
        context.log.warning(f"{what}: {outcome.detail}")
    else:
        context.log.info(f"{what}: {outcome.items_done}/{outcome.items_total} collected")


@dg.asset(
    **TIMEPOINT_ASSET,
    check_specs=[
        dg.AssetCheckSpec("timepoint_complete", asset="cohort_observations"),
        dg.AssetCheckSpec("timepoint_within_tolerance", asset="cohort_observations"),
    ],
    description=(
        "One row per member per timepoint: scheduled and actual collection time, hours since upload and since "
        "cohort start, views/likes/comments/shares/saves, the source and how stale its counts may be. Missed "
        "timepoints are rows with status 'missed' and how late, never back-filled."
    ),
)
def cohort_observations(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    clock: ClockResource,
    tiktok_research: TikTokResearchResource,
    tiktok_display: TikTokDisplayResource,
    tiktok_pages: TikTokPagesResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    cohort_id, timepoint = split_key(context)
    wh = warehouse.get()
    with wh.begin() as conn:
        cohort = store.get_cohort(conn, cohort_id)
    if cohort is None:
        raise dg.Failure(f"cohort {cohort_id!r} has no members yet: materialize cohort_members first", allow_retries=False)
    with counts_source(cohort, warehouse, clock, tiktok_research, tiktok_display, tiktok_pages) as source:
        try:
            outcome = collect.collect_timepoint(wh, cohort_id, timepoint, source, clock.get(), context.run.run_id)
        except (collect.CohortNotReady, collect.NotDueYet) as exc:
            raise dg.Failure(str(exc), allow_retries=False) from None
        if outcome.error is not None:
            raise outcome.error  # rows fetched before the failure are stored; Dagster retries the rest
    _log_outcome(context, outcome)
    with wh.begin() as conn:
        rows = store.load_observations(conn, cohort_id, timepoint)
    observed = sorted((r for r in rows if r["status"] == "observed"), key=lambda r: -(r["views"] or 0))
    views = sorted(r["views"] for r in observed if r["views"] is not None)
    meta = _outcome_metadata(outcome)
    meta.update({
        "rows": len(rows),
        "source": cohort["source"],
        "median_views": dg.MetadataValue.float(float(views[len(views) // 2]) if views else 0.0),
        "preview": _md_preview(observed, ["video_id", "views", "likes", "comments", "shares", "hours_since_upload", "timing"]),
    })
    if cohort["source"] == "research_api":
        meta["counts_staleness"] = "archived: TikTok documents up to 10 days of lag (recorded on every row)"
    yield dg.MaterializeResult(metadata=meta)
    accounted = outcome.items_done + outcome.items_missing + (outcome.items_total if outcome.status == "missed" else 0)
    yield dg.AssetCheckResult(
        check_name="timepoint_complete",
        passed=outcome.status != "partial" and len(rows) >= outcome.items_total,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"members": outcome.items_total, "observed": outcome.items_done, "not_returned": outcome.items_missing,
                  "pending": outcome.items_pending, "accounted": accounted, "status": outcome.status},
    )
    tolerance_min = cohort["tolerance_s"] / 60.0
    yield dg.AssetCheckResult(
        check_name="timepoint_within_tolerance",
        passed=outcome.timing == "on_time",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"timing": outcome.timing or "", "lateness_minutes": round((outcome.lateness_s or 0) / 60.0, 2),
                  "tolerance_minutes": tolerance_min},
    )


# --- h48: creators and comments ----------------------------------------------------------------------


def _h48_cohort(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dict:
    cohort_id, timepoint = split_key(context)
    if timepoint != "h48":
        raise dg.Failure(f"{context.asset_key.to_user_string()} is collected at h48 only, not {timepoint}", allow_retries=False)
    with warehouse.get().begin() as conn:
        cohort = store.get_cohort(conn, cohort_id)
    if cohort is None:
        raise dg.Failure(f"cohort {cohort_id!r} has no members yet: materialize cohort_members first", allow_retries=False)
    return cohort



@dg.asset(
    **TIMEPOINT_ASSET,
    description="Creator stats at h48 (followers, following, total likes, videos, verified, bio; bio PII-redacted). "
    "Materialized for the h48 timepoint only.",
)
def cohort_creators(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    clock: ClockResource,
    tiktok_research: TikTokResearchResource,
    tiktok_display: TikTokDisplayResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.cohorts.collect import CreatorStats

    cohort = _h48_cohort(context, warehouse)
    cohort_id, wh, clk = cohort["cohort_id"], warehouse.get(), clock.get()
    if cohort["kind"] == "own":
        with display_api_session(warehouse, tiktok_display, clock) as client:
            def fetch_own(username: str) -> CreatorStats:
                u = client.user_info()
                return CreatorStats(
                    username=u.get("username") or username, bio_url=None,
                    **{f: u.get(f) for f in ("display_name", "bio_description", "avatar_url", "is_verified", "follower_count",
                                             "following_count", "likes_count", "video_count")},
                )

            outcome = collect.collect_creators(wh, cohort_id, fetch_own, clk, source="display_api",
                                               requests_spent=lambda: client.http.requests_sent, run_id=context.run.run_id)
    else:
        program = program_for(cohort_id)
        with research_session(warehouse, tiktok_research, clock, reserve=program.quota_reserve) as client:
            outcome = collect.collect_creators(wh, cohort_id, client.user_info, clk, source="research_api",
                                               requests_spent=client.budget.used, retry_after=client.budget.resets_at,
                                               run_id=context.run.run_id)
            if outcome.error is not None:
                raise outcome.error
    _log_outcome(context, outcome)
    return dg.MaterializeResult(metadata=_outcome_metadata(outcome))


@dg.asset(
    **TIMEPOINT_ASSET,
    description="The top comments by likes per video at h48 (TikTok documents no order, so the scanned pages are "
    "sorted here), text PII-redacted. Materialized for the h48 timepoint only.",
)
def cohort_comments(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    clock: ClockResource,
    tiktok_research: TikTokResearchResource,
) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.cohorts.collect import Comment

    cohort = _h48_cohort(context, warehouse)
    cohort_id, wh, clk = cohort["cohort_id"], warehouse.get(), clock.get()
    program = program_for(cohort_id)
    if cohort["kind"] == "own" or program.comment_pages == 0 or program.top_comments == 0:
        why = ("the Display API has no comment endpoint for own videos" if cohort["kind"] == "own"
               else "comment collection is switched off in the program (comment_pages/top_comments = 0)")
        outcome = collect.collect_comments(wh, cohort_id, None, clk, source="none", unavailable=why, run_id=context.run.run_id)
    else:
        with research_session(warehouse, tiktok_research, clock, reserve=program.quota_reserve) as client:
            def fetch(video_id: str) -> tuple[list[Comment], int]:
                listing = client.comments(video_id, limit=min(1000, 100 * program.comment_pages))
                comments = [Comment(str(c.comment_id), str(c.video_id), c.text, c.like_count, c.reply_count,
                                    str(c.parent_comment_id) if c.parent_comment_id else None, c.create_time)
                            for c in listing.comments]
                return comments, len(comments)

            outcome = collect.collect_comments(
                wh, cohort_id, fetch, clk, source="research_api", top_n=program.top_comments,
                requests_spent=client.budget.used, retry_after=client.budget.resets_at, run_id=context.run.run_id,
            )
            if outcome.error is not None:
                raise outcome.error
    _log_outcome(context, outcome)
    return dg.MaterializeResult(metadata=_outcome_metadata(outcome))


# --- the time series ---------------------------------------------------------------------------------


@dg.asset(
    group_name=GROUP,
    kinds={"python", "csv", "parquet"},
    partitions_def=cohort_timepoint_partitions,
    deps=["cohort_observations", "cohort_creators"],
    check_specs=[dg.AssetCheckSpec("views_monotonic", asset="cohort_timeseries")],
    description=(
        "The cohort's ML-ready long table (one row per video per timepoint) in seed 004's column order plus "
        "per-interval views/likes velocity, growth %, values interpolated to the exact hour marks, timing and "
        "staleness columns. Rebuilt after every timepoint; written to the warehouse, CSV and Parquet."
    ),
)
def cohort_timeseries(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator:
    from tiktok_pipelines.lib.cohorts.report import build_and_export

    cohort_id, timepoint = split_key(context)
    report = build_and_export(warehouse.get(), cohort_id, load_settings().exports_dir / "cohorts")
    yield dg.MaterializeResult(metadata={
        "rows": report.rows,
        "videos": report.videos,
        "timepoints_observed": report.timepoints_observed,
        "csv": dg.MetadataValue.path(str(report.csv_path)),
        "parquet": dg.MetadataValue.path(str(report.parquet_path)),
        "growth_curves": dg.MetadataValue.md(report.growth_chart_md),
        "fastest_risers": dg.MetadataValue.md(report.fastest_risers_md),
        "median_views": dg.MetadataValue.float(report.median_views_latest),
        "median_views_velocity": dg.MetadataValue.float(report.median_velocity_latest),
        "as_of_timepoint": timepoint,
    })
    yield dg.AssetCheckResult(
        check_name="views_monotonic",
        passed=report.non_monotonic == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observations_where_views_fell": report.non_monotonic, "examples": str(report.non_monotonic_examples)},
    )


@dg.asset(
    group_name=GROUP,
    kinds={"python"},
    deps=["cohort_members"],
    description="How many tracked videos use each sound over time; seed 004's rule '5+ videos = likely trending' "
    "with the count behind every call.",
)
def sound_trends(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from tiktok_pipelines.lib.cohorts.report import rebuild_sound_trends

    rows = rebuild_sound_trends(warehouse.get())
    latest: dict[str, dict] = {}
    for r in rows:
        latest[r["music_id"]] = r  # rows are in day order per sound
    top = sorted(latest.values(), key=lambda r: (-r["videos_tracked"], r["music_id"]))
    trending = [r for r in top if r["likely_trending"]]
    return dg.MaterializeResult(metadata={
        "rows": len(rows),
        "sounds": len(latest),
        "likely_trending": len(trending),
        "top_sounds": _md_preview(top, ["music_id", "sound_title", "videos_tracked", "cohorts", "likely_trending", "basis"]),
    })
