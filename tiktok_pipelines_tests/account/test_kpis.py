"""Seed 000's KPI definitions, on small hand-made histories whose answers are known."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tiktok_pipelines.lib.account.kpis import compute_kpis, duration_bucket

AS_OF = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _videos(*rows: tuple) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["video_id", "create_time", "duration_s", "caption", "hashtags"])
    df["create_time"] = pd.to_datetime(df["create_time"], utc=True)
    return df


def _snaps(*rows: tuple) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["video_id", "collected_at", "views", "likes", "comments", "shares"])
    df["collected_at"] = pd.to_datetime(df["collected_at"], utc=True)
    return df


def h(hours: float) -> datetime:
    return AS_OF - timedelta(hours=hours)


def test_engagement_and_rates_follow_the_seed_formula():
    videos = _videos(("1", h(100), 15, "a", []))
    snaps = _snaps(("1", h(0), 1000, 80, 15, 5))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["engagement_rate"] == pytest.approx((80 + 15 + 5) / 1000)
    assert row["like_rate"] == pytest.approx(0.08)
    assert row["comment_rate"] == pytest.approx(0.015)
    assert row["share_rate"] == pytest.approx(0.005)


def test_zero_views_give_unknown_rates_not_infinity():
    videos = _videos(("1", h(2), 15, "a", []))
    snaps = _snaps(("1", h(0), 0, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["engagement_rate"] is None and row["like_rate"] is None


def test_velocity_uses_the_snapshot_exactly_24_and_48_hours_earlier():
    videos = _videos(("1", h(200), 15, "a", []))
    snaps = _snaps(("1", h(48), 1000, 0, 0, 0), ("1", h(24), 3400, 0, 0, 0), ("1", h(0), 5800, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["views_24h"] == 3400 and row["views_24h_basis"] == "snapshot"
    assert row["views_48h"] == 1000 and row["views_48h_basis"] == "snapshot"
    assert row["velocity_24h"] == pytest.approx((5800 - 3400) / 24)
    assert row["velocity_48h"] == pytest.approx((5800 - 1000) / 48)


def test_views_between_snapshots_are_interpolated_and_say_so():
    videos = _videos(("1", h(200), 15, "a", []))
    snaps = _snaps(("1", h(30), 1000, 0, 0, 0), ("1", h(18), 2200, 0, 0, 0), ("1", h(0), 4000, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["views_24h"] == pytest.approx(1600)  # halfway between 1000 and 2200
    assert row["views_24h_basis"] == "interpolated"


def test_a_video_posted_inside_the_window_started_from_zero():
    videos = _videos(("1", h(10), 15, "a", []))
    snaps = _snaps(("1", h(5), 500, 0, 0, 0), ("1", h(0), 1200, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["views_24h"] == 0 and row["views_24h_basis"] == "posted_in_window"
    assert row["velocity_24h"] == pytest.approx(1200 / 24)


def test_no_history_means_unknown_velocity_not_a_guess():
    videos = _videos(("1", h(200), 15, "a", []))
    snaps = _snaps(("1", h(1), 900, 0, 0, 0), ("1", h(0), 1000, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert pd.isna(row["views_24h"]) and row["views_24h_basis"] == "unknown"
    assert pd.isna(row["velocity_24h"])
    assert not row["is_top_mover"]


def test_snapshots_after_as_of_are_ignored():
    videos = _videos(("1", h(200), 15, "a", []))
    snaps = _snaps(("1", h(24), 100, 0, 0, 0), ("1", h(0), 200, 0, 0, 0), ("1", h(-5), 999999, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["views"] == 200


@pytest.mark.parametrize(
    "seconds,bucket", [(0, "<10"), (9, "<10"), (10, "10-20"), (20, "10-20"), (21, ">20"), (None, None)]
)
def test_duration_buckets(seconds, bucket):
    assert duration_bucket(seconds) == bucket


def test_top_movers_are_the_highest_24h_velocity():
    videos = _videos(*[(str(i), h(300), 15, "a", []) for i in range(1, 5)])
    snaps = _snaps(
        *[(str(i), h(24), 1000, 0, 0, 0) for i in range(1, 5)],
        ("1", h(0), 1100, 0, 0, 0), ("2", h(0), 5000, 0, 0, 0), ("3", h(0), 3000, 0, 0, 0), ("4", h(0), 1000, 0, 0, 0),
    )
    df = compute_kpis(videos, snaps, AS_OF, top_n=2).videos.set_index("video_id")
    assert df.loc["2", "top_mover_rank"] == 1 and df.loc["3", "top_mover_rank"] == 2
    assert not df.loc["1", "is_top_mover"] and not df.loc["4", "is_top_mover"]  # zero velocity is no mover


def test_hashtag_performance_and_posting_cadence():
    videos = _videos(
        ("1", h(24 * 5), 8, "#a #b", ["a", "b"]),
        ("2", h(24 * 10), 12, "#a", ["a"]),
        ("3", h(24 * 40), 30, "#b", ["b"]),  # outside the 30-day cadence window
    )
    snaps = _snaps(("1", h(0), 100, 10, 0, 0), ("2", h(0), 300, 30, 0, 0), ("3", h(0), 50, 0, 0, 0))
    result = compute_kpis(videos, snaps, AS_OF)
    tags = result.hashtags.set_index("hashtag")
    assert tags.loc["a", "video_count"] == 2 and tags.loc["a", "total_views"] == 400
    assert tags.loc["a", "median_views"] == 200
    assert tags.loc["b", "total_views"] == 150
    assert list(result.hashtags["hashtag"]) == ["a", "b"]  # by total views
    assert result.summary["posts_per_day_30d"] == pytest.approx(2 / 30, abs=1e-4)
    assert result.summary["median_views"] == 100
    assert result.summary["total_views"] == 450


def test_the_warehouse_loader_reads_only_what_the_kpis_need_and_changes_no_answer(tmp_path):
    """Irregular history (gaps, a late starter, a stale video): KPIs from the loader's few rows per
    video equal KPIs from every snapshot."""
    import numpy as np

    from tiktok_pipelines.lib.account.store import load_kpi_snapshots
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.schema import video_snapshots

    rng = np.random.default_rng(4)
    videos = _videos(*[(str(i), h(int(rng.integers(5, 400))), 15, "#x", ["x"]) for i in range(40)])
    rows = []
    for vid, created in zip(videos["video_id"], videos["create_time"]):
        views = 0
        for hours_ago in sorted(rng.choice(np.arange(0, 120), size=int(rng.integers(1, 40)), replace=False))[::-1]:
            t = AS_OF - timedelta(hours=int(hours_ago), minutes=int(rng.integers(0, 60)))
            if t < created.to_pydatetime():
                continue
            views += int(rng.integers(0, 500))
            rows.append((vid, t, views, views // 10, views // 50, views // 80))
    snaps = _snaps(*rows)
    wh = Warehouse(f"sqlite:///{tmp_path}/k.sqlite")
    wh.ensure_schema()
    with wh.begin() as conn:
        conn.execute(video_snapshots.insert(), [
            dict(zip(["video_id", "collected_at", "views", "likes", "comments", "shares"], r), source="t") for r in rows
        ])
        loaded = load_kpi_snapshots(conn, AS_OF)
    assert len(loaded) < len(snaps)
    full = compute_kpis(videos, snaps, AS_OF).videos
    subset = compute_kpis(videos, loaded, AS_OF).videos
    cols = ["video_id", "views", "views_24h", "views_48h", "velocity_24h", "velocity_48h", "views_24h_basis",
            "views_48h_basis", "top_mover_rank"]
    pd.testing.assert_frame_equal(full[cols], subset[cols])


def test_a_snapshot_too_old_to_bracket_the_moment_is_not_used():
    videos = _videos(("1", h(300), 15, "a", []))
    snaps = _snaps(("1", h(24 + 30), 100, 0, 0, 0), ("1", h(0), 5000, 0, 0, 0))
    row = compute_kpis(videos, snaps, AS_OF).videos.iloc[0]
    assert row["views_24h_basis"] == "unknown" and pd.isna(row["velocity_24h"])
    assert row["views_48h_basis"] == "interpolated"  # 6 h before the 48 h mark is close enough
