"""`make demo`: run the account job end to end on the demo world, over simulated days, in seconds."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

# Snapshot moments relative to the demo's "now": enough history for 24 h and 48 h velocity.
DEMO_STEPS_H: tuple[int, ...] = (-48, -36, -24, -12, -6, -1, 0)


@dataclass
class DemoReport:
    runs: list[str]
    warehouse_url: str
    csv_path: Path
    json_path: Path
    videos: int
    snapshots: int


def run_demo(steps_h: Sequence[int] = DEMO_STEPS_H, echo: Callable[[str], None] = print) -> DemoReport:
    import dagster as dg

    from tiktok_pipelines.defs.account.assets import AccountRefreshConfig
    from tiktok_pipelines.definitions import defs
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
    job = defs().resolve_job_def("account_refresh_job")
    instance = dg.DagsterInstance.get()
    runs: list[str] = []
    for i, hours in enumerate(steps_h):
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
        echo(f"  simulated {when:%Y-%m-%d %H:%M} UTC  run {result.run_id[:8]}  ok")
    wh = Warehouse(settings.warehouse_url)
    return DemoReport(
        runs=runs,
        warehouse_url=settings.warehouse_url,
        csv_path=settings.exports_dir / CSV_NAME,
        json_path=settings.exports_dir / JSON_NAME,
        videos=wh.count(videos),
        snapshots=wh.count(video_snapshots),
    )


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
    echo("")
    echo("Outputs:")
    echo(f"  warehouse : {report.warehouse_url}")
    echo(f"  CSV       : {report.csv_path}")
    echo(f"  JSON      : {report.json_path}")
    echo("  Dagster UI: make ui  (then open http://127.0.0.1:3000, runs tagged tiktok/demo)")
