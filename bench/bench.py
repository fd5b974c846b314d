"""`make bench`: performance figures as JSON (a benchmark, not a test; targets are reported, not asserted).

- definitions load time and which heavy modules it pulled in (target <= 2 s, none);
- a 1,000-video account refresh against the local fake TikTok over a real socket (target <= 10 s),
  with rows/s into SQLite and into a throwaway PostgreSQL;
- KPI computation over 1,000,000 snapshot rows for 10,000 videos (target <= 10 s);
- cohorts (bench/cohort_bench.py): one timepoint (h1) of a 2,000-video cohort against the local fake
  Research API over a real socket (target <= 20 s), into SQLite and PostgreSQL, and one
  cohort_timepoint_sensor tick over 1,000 open cohorts (median of 5, target <= 1 s);
- dashboard (bench/dashboard_bench.py): the generated dashboard for 1,000 scored videos, cold and warm
  image cache (target <= 5 s), and its first paint in headless Chromium (target <= 2 s);
- extraction (bench/extraction_bench.py): per-video time through video_extraction_job on >= 10
  generated 1080x1920 clips (15/30/60 s), P50/P95, per-stage seconds and the decode floor
  (targets: P95 <= 60 s for a 60-s video, <= 4x the floor).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
HEAVY = ("torch", "open_clip", "librosa", "cv2", "scenedetect")


def bench_definitions_load() -> dict:
    code = (
        "import json, sys, time; t = time.perf_counter();"
        "from tiktok_pipelines.definitions import defs; d = defs(); d.resolve_all_job_defs();"
        "print(json.dumps({'seconds': time.perf_counter() - t,"
        f" 'heavy_modules_loaded': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    seconds = sorted(r["seconds"] for r in runs)[1]
    return {"seconds_median_of_3": round(seconds, 3), "target_s": 2.0, "meets_target": seconds <= 2.0,
            "heavy_modules_loaded": runs[-1]["heavy_modules_loaded"]}


def bench_account_refresh(warehouse_url: str, n_videos: int = 1000) -> dict:
    import dagster as dg

    from tiktok_pipelines.defs.account.assets import account_video_snapshots, account_videos
    from tiktok_pipelines_tests.account.fixtures import live_fake
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import video_snapshots, videos

    with tempfile.TemporaryDirectory() as tmp, live_fake(Path(tmp), n_videos=n_videos, seed=5) as live:
        resources = live.resources(warehouse_url)
        Warehouse(warehouse_url).ensure_schema()
        t = time.perf_counter()
        result = dg.materialize([account_videos, account_video_snapshots], resources=resources)
        seconds = time.perf_counter() - t
        assert result.success
        wh = Warehouse(warehouse_url)
        rows = wh.count(videos) + wh.count(video_snapshots)
        requests = len(live.fake.requests)
    return {"videos": n_videos, "seconds": round(seconds, 3), "rows_written": rows,
            "rows_per_s": round(rows / seconds, 1), "api_requests": requests, "target_s": 10.0,
            "meets_target": seconds <= 10.0}


def bench_kpis(n_videos: int = 10_000, snapshots_per_video: int = 100) -> dict:
    import numpy as np
    import pandas as pd

    from tiktok_pipelines.demo.world import DEMO_NOW
    from tiktok_pipelines.lib.account import kpis, store
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import video_snapshots, videos

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/kpi.sqlite"
        wh = Warehouse(url)
        wh.ensure_schema()
        rng = np.random.default_rng(1)
        ids = [str(7_000_000_000_000_000_000 + i) for i in range(n_videos)]
        created = [DEMO_NOW - timedelta(hours=int(h)) for h in rng.integers(120, 24 * 60, n_videos)]
        with wh.begin() as conn:
            conn.execute(videos.insert(), [
                {"video_id": v, "source": "bench", "is_demo": True, "create_time": c, "caption": "#bench #kpi",
                 "hashtags": ["bench", "kpi"], "duration_s": int(d), "first_seen_at": c, "last_seen_at": DEMO_NOW,
                 "is_available": True, "account_id": "bench"}
                for v, c, d in zip(ids, created, rng.integers(5, 60, n_videos))
            ])
        # Hourly snapshots for the last 100 hours, counts growing per video.
        t = time.perf_counter()
        hours = np.arange(snapshots_per_video)[::-1]
        base = rng.integers(100, 100_000, n_videos)
        raw = wh.engine.raw_connection()
        try:
            cur = raw.cursor()
            for i, vid in enumerate(ids):
                views = base[i] + (snapshots_per_video - hours) * (base[i] // 50 + 1)
                rows = [(vid, (DEMO_NOW - timedelta(hours=int(h))).strftime("%Y-%m-%d %H:%M:%S.000000"),
                         int(v), int(v // 10), int(v // 100), int(v // 200), "bench") for h, v in zip(hours, views)]
                cur.executemany("INSERT INTO video_snapshots (video_id, collected_at, views, likes, comments, shares,"
                                " source) VALUES (?,?,?,?,?,?,?)", rows)
            raw.commit()
        finally:
            raw.close()
        seed_s = time.perf_counter() - t
        n_rows = wh.count(video_snapshots)

        t0 = time.perf_counter()
        with wh.begin() as conn:
            as_of = store.latest_collected_at(conn)
            vids = store.load_videos_frame(conn)
            snaps = store.load_kpi_snapshots(conn, as_of)
        t1 = time.perf_counter()
        result = kpis.compute_kpis(vids, snaps, as_of)
        t2 = time.perf_counter()
        with wh.begin() as conn:
            store.write_kpis(conn, result.videos, result.hashtags, result.summary, True)
        t3 = time.perf_counter()
    total = t3 - t0
    return {"videos": n_videos, "snapshot_rows": n_rows, "rows_read_for_kpis": int(len(snaps)),
            "load_s": round(t1 - t0, 3), "compute_s": round(t2 - t1, 3), "write_s": round(t3 - t2, 3),
            "total_s": round(total, 3), "target_s": 10.0, "meets_target": total <= 10.0,
            "seed_data_s": round(seed_s, 1),
            "velocity_known": int(pd.Series(result.videos["velocity_24h"]).notna().sum())}


def _figure(fn, *args) -> dict:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the figure is reported as missing, with the reason
        return {"error": f"{type(exc).__name__}: {exc}"}


def bench_calibration() -> dict:
    """The golden set through the real pipeline (make calibrate): per-score MAE with bootstrap CIs and the
    band agreement; scoring time per video (engine only, no LLM)."""
    from calibrate import run_calibration

    run = run_calibration(Path.home() / ".cache" / "tiktok_pipelines" / "golden_media",
                          echo=lambda m: print(m, file=sys.stderr))
    if run.report is None:
        return {"error": "nothing scored", "failed": run.failed}
    body = run.report.to_dict()
    return {
        "items": body["n_items"], "required_met": body["required_met"],
        "mae": {s["score"]: {"mae": s["mae"], "ci95": [s["ci_low"], s["ci_high"]], "bias": s["bias"]} for s in body["scores"]},
        "bands": {"agree": body["bands"]["agree"], "share": body["bands"]["share"], "kappa": body["bands"]["kappa"]},
        "scoring_per_video_s": {"mean": round(run.timings.get("scoring_per_video_mean_s", 0.0), 4),
                                "max": round(run.timings.get("scoring_per_video_max_s", 0.0), 4), "target": 0.2},
        "failed": run.failed,
    }


def main() -> None:
    from cohort_bench import bench_cohort_sensor, bench_cohort_timepoint
    from extraction_bench import bench_extraction

    os.environ.setdefault("TIKTOK_DATA_DIR", tempfile.mkdtemp(prefix="tiktok-bench-"))
    report: dict = {"machine": {"cpus": os.cpu_count()}}
    report["definitions_load"] = bench_definitions_load()
    with tempfile.TemporaryDirectory() as tmp:
        report["account_refresh_1000_sqlite"] = bench_account_refresh(f"sqlite:///{tmp}/bench.sqlite")
        report["cohort_timepoint_2000_sqlite"] = _figure(bench_cohort_timepoint, f"sqlite:///{tmp}/cohort.sqlite")
        report["cohort_sensor_tick_1000_open_sqlite"] = _figure(bench_cohort_sensor, f"sqlite:///{tmp}/sensor.sqlite")
    pg_figures = ("account_refresh_1000_postgres", "cohort_timepoint_2000_postgres", "cohort_sensor_tick_1000_open_postgres")
    try:
        from tiktok_pipelines_tests.pg import ThrowawayPostgres

        with ThrowawayPostgres() as pg:
            for db in ("bench", "cohort", "sensor"):
                pg.create_database(db)
            report[pg_figures[0]] = _figure(bench_account_refresh, pg.url("bench"))
            report[pg_figures[1]] = _figure(bench_cohort_timepoint, pg.url("cohort"))
            report[pg_figures[2]] = _figure(bench_cohort_sensor, pg.url("sensor"))
    except Exception as exc:  # noqa: BLE001 - no cluster: every PostgreSQL figure is missing, with the reason
        for name in pg_figures:
            report.setdefault(name, {"error": f"{type(exc).__name__}: {exc}"})
    report["kpis_1m_snapshots_10k_videos"] = bench_kpis()
    from dashboard_bench import bench_dashboard

    report["dashboard_1000_videos"] = _figure(bench_dashboard)
    # Last: they set the media environment of this process.
    report["extraction_per_video_1080x1920"] = _figure(bench_extraction)
    report["calibration_golden_set"] = _figure(bench_calibration)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
