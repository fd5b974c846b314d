"""`make demo`: the account job and a full 48-hour cohort, end to end on the demo world, over
simulated days, in seconds. The daemon's part (schedules, sensors) is played by `SimulatedDaemon`."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

# Snapshot moments relative to the demo's "now": enough history for 24 h and 48 h velocity.
DEMO_STEPS_H: tuple[int, ...] = (-48, -36, -24, -12, -6, -1, 0)
# The cohort sensors tick this often on simulated time (the real daemon: every 60 s / 5 min).
SENSOR_TICK = timedelta(minutes=15)
SENSOR_OFFSET = timedelta(minutes=2)


@dataclass
class CohortSummary:
    cohort_id: str
    kind: str
    status: str
    members: int
    tasks: dict[str, str]  # task -> "status/timing"
    csv_path: Path | None


@dataclass
class MediaSummary:
    videos: int  # partitions extracted
    drafts: int
    failed: list[str]
    generate_s: float
    extract_s: float
    stages: dict[str, dict[str, int]]  # extraction -> status -> count
    drop_folder: Path
    analysis: dict[str, int] = field(default_factory=dict)  # video_ai_analysis status/band -> count
    best: list[tuple[str, int, str]] = field(default_factory=list)  # (video, overall, band), best first
    worst: list[tuple[str, int, str, str]] = field(default_factory=list)  # (video, overall, band, top fix)


@dataclass
class DemoReport:
    runs: list[str]
    warehouse_url: str
    csv_path: Path
    json_path: Path
    videos: int
    snapshots: int
    cohorts: list[CohortSummary]
    media: MediaSummary | None = None
    reporting: ReportingSummary | None = None


@dataclass
class ReportingSummary:
    run_id: str
    dashboard: Path
    dashboard_mb: float
    dashboard_s: float
    views: int
    insights: int


def run_demo(
    steps_h: Sequence[int] = DEMO_STEPS_H, echo: Callable[[str], None] = print, cohorts: bool = True,
    media: bool = True, media_videos: int | None = None, reporting: bool = True,
) -> DemoReport:
    import os

    import dagster as dg

    # The demo generates its media right before the sensor looks: no upload is in progress.
    os.environ.setdefault("TIKTOK_DROP_SETTLE_SECONDS", "0")

    from tiktok_pipelines.defs.account.assets import AccountRefreshConfig
    from tiktok_pipelines.definitions import defs
    from tiktok_pipelines.demo.daemon import SimulatedDaemon
    from tiktok_pipelines.demo.world import DEMO_NOW
    from tiktok_pipelines.lib.account.exports import CSV_NAME, JSON_NAME
    from tiktok_pipelines.lib.clock import FileClock
    from tiktok_pipelines.lib.settings import load_settings
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import video_snapshots, videos

    settings = load_settings()
    if not settings.is_demo:
        raise SystemExit("the demo runs on the demo world only: unset TIKTOK_SOURCE or set it to 'demo'")
    clock = FileClock(settings.demo_clock_file, default_start=DEMO_NOW)
    d = defs()
    job = d.resolve_job_def("account_refresh_job")
    instance = dg.DagsterInstance.get()
    daemon = SimulatedDaemon(d, instance, echo=lambda m: echo(f"  simulated {clock.now():%Y-%m-%d %H:%M} UTC  {m.strip()}"))
    runs: list[str] = []

    def account_step(i: int, hours: int) -> None:
        when = clock.set(DEMO_NOW + timedelta(hours=hours))
        result = job.execute_in_process(
            instance=instance,
            run_config=dg.RunConfig(
                ops={"account_videos": AccountRefreshConfig(full_refresh=i == 0 or hours == 0)},
                # The step-by-step log is in the UI; the terminal gets warnings only.
                loggers={"console": {"config": {"log_level": "WARNING"}}},
            ),
            tags={"tiktok/demo": "true", "tiktok/simulated_time": when.isoformat()},
        )
        if not result.success:
            raise SystemExit(f"demo run at simulated {when.isoformat()} failed: see run {result.run_id} in the UI")
        runs.append(result.run_id)
        echo(f"  simulated {when:%Y-%m-%d %H:%M} UTC  ok   account_refresh_job  run {result.run_id[:8]}")

    # One timeline: account refreshes, the cohort start schedule's tick, and the sensors' ticks.
    steps = sorted(DEMO_NOW + timedelta(hours=h) for h in steps_h)
    events: list[tuple] = [(DEMO_NOW + timedelta(hours=h), 0, "account", i, h) for i, h in enumerate(steps_h)]
    if cohorts:
        events.append((steps[0], 1, "start", 0, 0))
        t = steps[0] + SENSOR_OFFSET
        while t <= steps[-1] + SENSOR_OFFSET:
            events.append((t, 2, "sensors", 0, 0))
            t += SENSOR_TICK
    for when, _, kind, i, hours in sorted(events):
        if kind == "account":
            account_step(i, hours)
            continue
        clock.set(when)
        if kind == "start":
            launched = daemon.tick_schedule("cohort_start_public", when)
        else:
            launched = daemon.tick_sensor("own_upload_cohort_sensor") + daemon.tick_sensor("cohort_timepoint_sensor")
        failed = [r for r in launched if not r.success]
        if failed:
            raise SystemExit(f"demo run {failed[0].job_name}[{failed[0].partition_key}] failed: see run {failed[0].run_id} in the UI")
        runs.extend(r.run_id for r in launched)
    media_summary = _media_phase(daemon, settings, clock, echo, media_videos) if media else None
    if media_summary is not None and media_summary.failed:
        raise SystemExit(f"demo extraction failed for {', '.join(media_summary.failed)}: see the runs in the UI")
    if media_summary is not None:
        runs.extend(r.run_id for r in daemon.launched if r.job_name == "video_extraction_job")
    reporting_summary = _reporting_phase(d, instance, clock, echo) if reporting else None
    if reporting_summary is not None:
        runs.append(reporting_summary.run_id)
    wh = Warehouse(settings.warehouse_url)
    return DemoReport(
        runs=runs,
        warehouse_url=settings.warehouse_url,
        csv_path=settings.exports_dir / CSV_NAME,
        json_path=settings.exports_dir / JSON_NAME,
        videos=wh.count(videos),
        snapshots=wh.count(video_snapshots),
        cohorts=_cohort_summaries(wh, settings.exports_dir / "cohorts") if cohorts else [],
        media=media_summary,
        reporting=reporting_summary,
    )


def _reporting_phase(d, instance, clock, echo: Callable[[str], None]) -> ReportingSummary:  # noqa: ANN001
    """What the hourly reporting schedule does: covers, BI views, insights and the dashboard."""
    import dagster as dg

    result = d.resolve_job_def("reporting_job").execute_in_process(
        instance=instance, tags={"tiktok/demo": "true", "tiktok/simulated_time": clock.now().isoformat()},
        run_config=dg.RunConfig(loggers={"console": {"config": {"log_level": "WARNING"}}}),
    )
    if not result.success:
        raise SystemExit(f"demo reporting run failed: see run {result.run_id} in the UI")
    echo(f"  simulated {clock.now():%Y-%m-%d %H:%M} UTC  ok   reporting_job  run {result.run_id[:8]}")

    def meta(asset: str) -> dict:
        mats = result.asset_materializations_for_node(asset)
        return {k: v.value for k, v in mats[-1].metadata.items()} if mats else {}

    dash, views, insights = meta("dashboard"), meta("bi_views"), meta("creative_insights")
    return ReportingSummary(
        run_id=result.run_id, dashboard=Path(str(dash["path"])), dashboard_mb=float(dash.get("size_mb", 0)),
        dashboard_s=float(dash.get("seconds", 0)), views=len(views.get("views", []) or []),
        insights=int(insights.get("reportable_pairs", 0) or 0),
    )


def _media_phase(daemon, settings, clock, echo: Callable[[str], None], limit: int | None = None) -> MediaSummary:  # noqa: ANN001
    """The creator drops the files of every posted video (named by video id; the newest `limit` when
    given) and drafts of the next uploads (with their captions) into the drop folder; the media sensor
    does the rest, capped per tick."""
    import shutil
    import time

    from sqlalchemy import func, select

    from tiktok_pipelines.demo.media import clip_spec_for, generate_clips
    from tiktok_pipelines.demo.world import DemoAccount
    from tiktok_pipelines.lib.settings import load_media_settings
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import EXTRACTION_TABLES

    media = load_media_settings()
    account = DemoAccount(seed=7, n_videos=settings.demo_video_count)
    now = clock.now()
    posted = account.videos_visible_at(now)[:limit]
    upcoming = [v for v in account.videos_visible_at(now + timedelta(days=3)) if v.create_time > now][:2]
    echo(f"  generating media for {len(posted)} posted videos and {len(upcoming)} drafts (ffmpeg + espeak-ng) ...")
    started = time.perf_counter()
    clips = generate_clips([clip_spec_for(v) for v in posted + upcoming], settings.data_dir / "demo" / "media")
    generate_s = time.perf_counter() - started
    drop = media.drop_folder
    drop.mkdir(parents=True, exist_ok=True)
    for video, clip in zip(posted + upcoming, clips, strict=True):
        is_draft = video in upcoming
        name = f"draft {video.title[:40].replace('/', ' ')}.mp4" if is_draft else f"{video.id}.mp4"
        if not (drop / name).exists():
            shutil.copyfile(clip.path, drop / name)
        if is_draft:
            (drop / f"{Path(name).stem}.caption.txt").write_text(video.description)
    started = time.perf_counter()
    failed: list[str] = []
    while True:
        launched = daemon.tick_sensor("media_intake_sensor")
        if not launched:
            break
        failed += [r.partition_key for r in launched if not r.success]
        clock.advance(minutes=1)
    extract_s = time.perf_counter() - started
    wh = Warehouse(settings.warehouse_url)
    stages: dict[str, dict[str, int]] = {}
    with wh.begin() as conn:
        for name, table in EXTRACTION_TABLES.items():
            rows = conn.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
            stages[name] = {status: n for status, n in rows}
        analysis, best, worst = _scoring_summary(conn)
    return MediaSummary(videos=len(clips), drafts=len(upcoming), failed=failed, generate_s=generate_s,
                        extract_s=extract_s, stages=stages, drop_folder=drop, analysis=analysis, best=best, worst=worst)


def _scoring_summary(conn) -> tuple[dict[str, int], list, list]:  # noqa: ANN001 - Connection
    from sqlalchemy import func, select

    from tiktok_pipelines.lib.warehouse.schema import video_ai_analysis as a

    counts: dict[str, int] = {}
    for status, band, n in conn.execute(select(a.c.status, a.c.band, func.count()).group_by(a.c.status, a.c.band)):
        key = band if status == "done" else status
        counts[key] = counts.get(key, 0) + n
    done = conn.execute(select(a.c.video_id, a.c.overall, a.c.band, a.c.fixes).where(a.c.status == "done")
                        .order_by(a.c.overall.desc(), a.c.video_id)).all()
    best = [(v, o, b) for v, o, b, _ in done[:2]]
    worst = [(v, o, b, (f[0]["action"] if f else "")) for v, o, b, f in done[-2:][::-1]]
    return counts, best, worst


def _cohort_summaries(wh, exports: Path) -> list[CohortSummary]:  # noqa: ANN001 - Warehouse
    from tiktok_pipelines.lib.cohorts import store
    from tiktok_pipelines.lib.warehouse.schema import cohorts

    out = []
    with wh.begin() as conn:
        rows = [dict(r) for r in conn.execute(cohorts.select().order_by(cohorts.c.started_at)).mappings()]
        tasks = store.load_tasks(conn, [r["cohort_id"] for r in rows])
    for r in rows:
        mine = {task: f"{t['status']}/{t['timing']}" for (cid, task), t in tasks.items() if cid == r["cohort_id"]}
        csv_path = exports / r["cohort_id"] / "cohort_timeseries.csv"
        out.append(CohortSummary(r["cohort_id"], r["kind"], r["status"], r["member_count"] or 0, mine,
                                 csv_path if csv_path.exists() else None))
    return out


def print_report(report: DemoReport, echo: Callable[[str], None] = print) -> None:
    data = json.loads(report.json_path.read_text())
    s = data["summary"]
    echo("")
    echo(f"{data['account'].get('display_name')} — {data['data_label']}")
    echo(f"  videos: {report.videos}   snapshots: {report.snapshots}   total views: {s['total_views']:,}")
    er = s.get("median_engagement_rate")
    echo(f"  median engagement rate: {er:.2%}" if er is not None else "  median engagement rate: n/a")
    echo(f"  posts per day (30 d): {s['posts_per_day_30d']}")
    movers = {v["id"]: v for v in data["videos"]}
    for rank, vid in enumerate(data["top_movers"][:5], 1):
        v = movers[vid]
        echo(f"  top mover {rank}: {vid}  {v['velocity_24h']:,.1f} views/h  {v['caption'][:50]!r}")
    for c in report.cohorts:
        order = ["h0", "h1", "h6", "h24", "h48", "creators", "comments"]
        done = ", ".join(f"{k} {c.tasks[k]}" for k in order if k in c.tasks)
        echo(f"  cohort {c.cohort_id} ({c.kind}, {c.members} videos, {c.status}): {done or 'no timepoint yet'}")
    if report.media is not None:
        m = report.media
        echo(f"  media: {m.videos} videos ({m.drafts} drafts) generated in {m.generate_s:.0f} s, extracted in "
             f"{m.extract_s:.0f} s ({m.extract_s / max(m.videos, 1):.1f} s per video)"
             + (f", FAILED: {', '.join(m.failed)}" if m.failed else ""))
        for stage, counts in m.stages.items():
            echo(f"    {stage:<17} " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
        if m.analysis:
            order = ["pass", "revise", "reshoot", "processing", "pending", "error"]
            echo("  creative scores: " + ", ".join(f"{m.analysis[k]} {k}" for k in order if k in m.analysis))
            for vid, overall, band in m.best:
                echo(f"    best  {vid}: {overall}/100 {band}")
            for vid, overall, band, fix in m.worst:
                echo(f"    worst {vid}: {overall}/100 {band}; first fix: {fix[:90]}")
    echo("")
    echo("Outputs:")
    echo(f"  warehouse : {report.warehouse_url}")
    echo(f"  CSV       : {report.csv_path}")
    echo(f"  JSON      : {report.json_path}")
    for c in report.cohorts:
        if c.csv_path is not None and c.status == "complete":
            echo(f"  cohort CSV: {c.csv_path}")
    if report.media is not None:
        echo(f"  drop folder: {report.media.drop_folder}  (drop a video here to score it)")
    echo("  Dagster UI: make ui  (then open http://127.0.0.1:3000, runs tagged tiktok/demo)")
    if report.reporting is not None:
        r = report.reporting
        echo(f"  BI views  : {r.views} bi_ views (see sql/), {r.insights} reportable creative-vs-performance associations")
        # Last, so it is what the terminal shows when the demo ends.
        echo(f"  dashboard : {r.dashboard}  ({r.dashboard_mb:.1f} MB, built in {r.dashboard_s:.1f} s; open it in a browser)")
