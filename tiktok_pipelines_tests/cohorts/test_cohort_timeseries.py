"""The ML-ready long table of a cohort (seed 004's CSV): columns, rates, velocity, marks, creators, order."""

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tiktok_pipelines.lib.cohorts.timepoints import TIMEPOINT_HOURS
from tiktok_pipelines.lib.cohorts.timeseries import (
    SEED_COLUMNS,
    TIMESERIES_COLUMNS,
    build_cohort_timeseries,
    fastest_risers,
)

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CID = "public-20261101T1200"
COHORT = {"cohort_id": CID, "started_at": START}
UPLOAD_AGE_H = 50.0


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def member(video_id: str, priority: int, username: str | None = "alice", **extra) -> dict:
    """A cohort_members row."""
    return {
        "cohort_id": CID, "video_id": video_id, "priority": priority, "performance_band": "10K-100K",
        "selection_views": 20_000, "username": username, "create_time": START - timedelta(hours=UPLOAD_AGE_H),
        "caption": f"caption {video_id} #cats", "hashtags": ["cats", "fyp"], "duration_s": 31, "region_code": "GB",
        "music_id": "m1", "sound_title": "original sound", "sound_author": username, "sound_original": True,
        "video_url": f"https://www.tiktok.com/@{username}/video/{video_id}", "thumbnail_url": None, **extra,
    }


def observed(video_id: str, timepoint: str, hours: float, views: int, likes: int = 0, comments: int = 0,
             shares: int = 0) -> dict:
    """A cohort_observations row for a count taken `hours` after the cohort start."""
    mark = at(TIMEPOINT_HOURS[timepoint])
    return {
        "cohort_id": CID, "video_id": video_id, "timepoint": timepoint, "scheduled_at": mark,
        "collected_at": at(hours), "hours_since_upload": UPLOAD_AGE_H + hours, "hours_since_cohort_start": hours,
        "views": views, "likes": likes, "comments": comments, "shares": shares, "saves": None,
        "status": "observed", "timing": "on_time" if hours - TIMEPOINT_HOURS[timepoint] <= 0.25 else "late",
        "lateness_s": (at(hours) - mark).total_seconds(), "source": "research_api", "counts_staleness": "archived",
        "max_staleness_h": 48.0, "stats_exact": True,
    }


def not_collected(video_id: str, timepoint: str, status: str = "missed") -> dict:
    """A missed (or not returned) observation: no collection time, NULL counts."""
    return {
        "cohort_id": CID, "video_id": video_id, "timepoint": timepoint, "scheduled_at": at(TIMEPOINT_HOURS[timepoint]),
        "collected_at": None, "hours_since_upload": None, "hours_since_cohort_start": None,
        "views": None, "likes": None, "comments": None, "shares": None, "saves": None,
        "status": status, "timing": "missed" if status == "missed" else "on_time", "lateness_s": None,
        "source": "research_api", "counts_staleness": "archived", "max_staleness_h": 48.0, "stats_exact": None,
    }


def build(members, observations, creator_stats=None) -> pd.DataFrame:
    return build_cohort_timeseries(COHORT, members, observations, creator_stats or {})


def row(ts: pd.DataFrame, video_id: str, timepoint: str) -> pd.Series:
    [i] = ts.index[(ts["video_id"] == video_id) & (ts["timepoint_key"] == timepoint)]
    return ts.loc[i]


def one_video() -> pd.DataFrame:
    return build([member("v1", 1)], [
        observed("v1", "h0", 0.1, 1000, likes=50, comments=4, shares=2),
        observed("v1", "h1", 1.1, 1600, likes=80),
        not_collected("v1", "h6"),
        observed("v1", "h24", 24.6, 13_600, likes=680),
    ])


# --- shape --------------------------------------------------------------------------------------------


def test_columns_are_exactly_the_documented_ones_seed_columns_first():
    ts = one_video()
    assert list(ts.columns) == list(TIMESERIES_COLUMNS)
    assert list(ts.columns[: len(SEED_COLUMNS)]) == list(SEED_COLUMNS)
    assert list(ts.columns[:6]) == ["cohort_id", "video_id", "timepoint", "hours_since_upload", "views", "likes"]
    assert len(set(TIMESERIES_COLUMNS)) == len(TIMESERIES_COLUMNS)


def test_no_observations_gives_an_empty_table_with_the_columns():
    ts = build([member("v1", 1)], [])
    assert ts.empty and list(ts.columns) == list(TIMESERIES_COLUMNS)


def test_timepoints_use_seed_hour_labels_and_keep_the_key():
    obs = [observed("v1", tp, h + 0.05, 100 * (i + 1)) for i, (tp, h) in enumerate(TIMEPOINT_HOURS.items())]
    ts = build([member("v1", 1)], obs)
    assert list(ts["timepoint"]) == ["hour_0", "hour_1", "hour_6", "hour_24", "hour_48"]
    assert list(ts["timepoint_key"]) == ["h0", "h1", "h6", "h24", "h48"]
    assert set(ts["cohort_id"]) == {CID}


def test_member_metadata_is_carried_onto_every_row():
    r = row(one_video(), "v1", "h0")
    assert r["hashtags"] == "cats,fyp" and r["video_duration"] == 31 and r["music_id"] == "m1"
    assert r["upload_timestamp"] == int((START - timedelta(hours=UPLOAD_AGE_H)).timestamp())
    assert r["upload_datetime"] == (START - timedelta(hours=UPLOAD_AGE_H)).isoformat()
    assert r["collection_timestamp"] == at(0.1).isoformat()
    assert r["scheduled_at"] == START.isoformat()
    assert r["performance_band"] == "10K-100K" and r["priority"] == 1
    assert r["lateness_minutes"] == pytest.approx(6)
    assert r["creator_username"] == "alice"


# --- velocity -----------------------------------------------------------------------------------------


def test_velocity_comes_from_consecutive_observed_rows_and_real_collection_times():
    ts = one_video()
    h0, h1, h24 = row(ts, "v1", "h0"), row(ts, "v1", "h1"), row(ts, "v1", "h24")
    assert math.isnan(h0["views_velocity"]) and math.isnan(h0["likes_velocity"]) and math.isnan(h0["views_growth_pct"])
    assert h1["views_velocity"] == pytest.approx(600)  # 600 views over exactly 1.0 h of real time
    assert h1["likes_velocity"] == pytest.approx(30)
    assert h1["views_growth_pct"] == pytest.approx(60)
    # h6 was missed: h24's interval runs from the h1 observation (1.1 h) to 24.6 h
    assert h24["views_velocity"] == pytest.approx(12_000 / 23.5)
    assert h24["likes_velocity"] == pytest.approx(600 / 23.5)
    assert h24["views_growth_pct"] == pytest.approx(750)


def test_missed_and_not_returned_rows_keep_null_counts_and_no_metrics():
    ts = build([member("v1", 1)], [
        observed("v1", "h0", 0, 100), not_collected("v1", "h1", "not_returned"), not_collected("v1", "h6"),
        observed("v1", "h24", 24, 2500),
    ])
    for tp, status in (("h1", "not_returned"), ("h6", "missed")):
        r = row(ts, "v1", tp)
        assert r["observation_status"] == status
        assert pd.isna(r["views"]) and pd.isna(r["likes"]) and pd.isna(r["comments_count"]) and pd.isna(r["shares"])
        assert pd.isna(r["views_velocity"]) and pd.isna(r["engagement_rate"]) and r["views_monotonic"] is None
        assert pd.isna(r["collection_timestamp"])
    assert row(ts, "v1", "h24")["views_velocity"] == pytest.approx(100)


def test_a_video_with_no_observed_rows_at_all_still_gets_its_rows():
    ts = build([member("v1", 1)], [not_collected("v1", "h0"), not_collected("v1", "h1")])
    assert list(ts["observation_status"]) == ["missed", "missed"]
    assert ts["views_velocity"].isna().all() and ts["views_at_mark"].isna().all()


# --- values at the exact marks ------------------------------------------------------------------------


def test_views_at_mark_are_interpolated_inside_the_observed_span_only():
    ts = build([member("v1", 1)], [
        observed("v1", "h0", 0.5, 1000, likes=10),   # 30 min late: hour 0 is before the first observation
        observed("v1", "h1", 2.0, 4000, likes=40),   # an hour late
        observed("v1", "h6", 6.0, 8000, likes=80),
    ])
    assert pd.isna(row(ts, "v1", "h0")["views_at_mark"])  # never extrapolated backwards
    assert row(ts, "v1", "h1")["views_at_mark"] == pytest.approx(2000)  # 1 h sits a third into 0.5..2 h
    assert row(ts, "v1", "h1")["likes_at_mark"] == pytest.approx(20)
    assert row(ts, "v1", "h6")["views_at_mark"] == pytest.approx(8000)


def test_views_at_mark_are_not_extrapolated_forwards():
    ts = build([member("v1", 1)], [observed("v1", "h0", 0, 100), observed("v1", "h1", 1, 200),
                                   not_collected("v1", "h6")])
    assert row(ts, "v1", "h1")["views_at_mark"] == 200
    assert pd.isna(row(ts, "v1", "h6")["views_at_mark"])


# --- monotonic views ----------------------------------------------------------------------------------


def test_views_monotonic_is_false_where_views_fell():
    ts = build([member("v1", 1)], [
        observed("v1", "h0", 0, 1000), observed("v1", "h1", 1, 900), observed("v1", "h6", 6, 950),
        observed("v1", "h24", 24, 1000), observed("v1", "h48", 48, 5000),
    ])
    assert list(ts["views_monotonic"]) == [True, False, False, True, True]


# --- rates --------------------------------------------------------------------------------------------


def test_engagement_comment_and_share_rates():
    r = row(build([member("v1", 1)], [observed("v1", "h0", 0, 2000, likes=150, comments=8, shares=3)]), "v1", "h0")
    assert r["engagement_rate"] == pytest.approx(7.5)  # likes / views x 100
    assert r["comment_rate"] == pytest.approx(4.0)  # per 1000 views
    assert r["share_rate"] == pytest.approx(1.5)


def test_rates_are_unknown_when_there_are_no_views():
    r = row(build([member("v1", 1)], [observed("v1", "h0", 0, 0, likes=3, comments=1, shares=1)]), "v1", "h0")
    assert pd.isna(r["engagement_rate"]) and pd.isna(r["comment_rate"]) and pd.isna(r["share_rate"])
    assert r["views"] == 0


def test_counts_are_nullable_integers():
    ts = one_video()
    for col in ("views", "likes", "comments_count", "shares", "saves", "priority"):
        assert str(ts[col].dtype) == "Int64", col
    assert pd.isna(row(ts, "v1", "h0")["saves"])  # unknown, never 0


# --- creators -----------------------------------------------------------------------------------------


CREATOR = {
    "username": "alice", "collected_at": at(48.2), "cohort_id": CID, "follower_count": 12_345,
    "following_count": 67, "likes_count": 890_000, "video_count": 42, "is_verified": True, "source": "research_api",
    "display_name": "Alice A.", "bio_description": "cats and [email]",
}


def test_creator_columns_come_from_the_creator_stats_by_username():
    ts = build([member("v1", 1, "alice"), member("v2", 2, "bob")],
               [observed("v1", "h0", 0, 10), observed("v2", "h0", 0, 5)], {"alice": CREATOR})
    a = row(ts, "v1", "h0")
    assert a["creator_username"] == "alice" and a["creator_display_name"] == "Alice A."
    assert (a["creator_follower_count"], a["creator_following_count"]) == (12_345, 67)
    assert (a["creator_total_likes"], a["creator_total_videos"]) == (890_000, 42)
    assert a["creator_verified"] == True
    assert a["creator_bio"] == "cats and [email]"
    assert a["creator_stats_collected_at"] == at(48.2).isoformat()
    b = row(ts, "v2", "h0")
    assert b["creator_username"] == "bob"
    assert pd.isna(b["creator_follower_count"]) and pd.isna(b["creator_display_name"])


def test_without_any_creator_stats_the_creator_columns_are_empty():
    ts = build([member("v1", 1)], [observed("v1", "h0", 0, 10)])
    r = row(ts, "v1", "h0")
    assert r["creator_username"] == "alice"
    assert pd.isna(r["creator_follower_count"]) and r["creator_stats_collected_at"] is None


def test_a_creator_without_stats_has_no_stats_time_even_when_others_have_one():
    ts = build([member("v1", 1, "alice"), member("v2", 2, "bob")],
               [observed("v1", "h0", 0, 10), observed("v2", "h0", 0, 5)], {"alice": CREATOR})
    assert row(ts, "v2", "h0")["creator_stats_collected_at"] is None


# --- order --------------------------------------------------------------------------------------------


def test_rows_are_sorted_by_priority_then_timepoint():
    members = [member("b", 2), member("a", 1), member("c", 3)]
    obs = [
        observed("c", "h1", 1, 30), observed("a", "h6", 6, 60), observed("b", "h0", 0, 20),
        observed("a", "h0", 0, 10), observed("c", "h0", 0, 5), not_collected("a", "h1"), observed("b", "h1", 1, 40),
    ]
    ts = build(members, obs)
    assert list(zip(ts["video_id"], ts["timepoint_key"], strict=True)) == [
        ("a", "h0"), ("a", "h1"), ("a", "h6"), ("b", "h0"), ("b", "h1"), ("c", "h0"), ("c", "h1")]
    assert list(ts.index) == list(range(len(ts)))


def test_videos_do_not_bleed_into_each_other():
    ts = build([member("a", 1), member("b", 2)], [
        observed("a", "h0", 0, 100), observed("b", "h0", 0, 10_000), observed("a", "h1", 1, 200),
        observed("b", "h1", 1, 10_500),
    ])
    assert row(ts, "a", "h1")["views_velocity"] == pytest.approx(100)
    assert row(ts, "b", "h1")["views_velocity"] == pytest.approx(500)
    assert pd.isna(row(ts, "b", "h0")["views_velocity"])


# --- fastest risers -----------------------------------------------------------------------------------


def test_fastest_risers_rank_videos_by_their_latest_observed_velocity():
    ts = build([member("a", 1), member("b", 2), member("c", 3)], [
        observed("a", "h0", 0, 100), observed("a", "h1", 1, 5100), observed("a", "h6", 6, 5200),  # 20/h lately
        observed("b", "h0", 0, 100), observed("b", "h1", 1, 400), not_collected("b", "h6"),      # 300/h
        observed("c", "h0", 0, 100),                                                             # no interval
    ])
    risers = fastest_risers(ts, n=10)
    assert list(risers["video_id"]) == ["b", "a"]
    assert list(risers["timepoint_key"]) == ["h1", "h6"]
    assert list(fastest_risers(ts, n=1)["video_id"]) == ["b"]


def test_fastest_risers_of_an_empty_table_or_a_single_timepoint_is_empty():
    assert fastest_risers(build([member("a", 1)], [])).empty
    assert fastest_risers(build([member("a", 1)], [observed("a", "h0", 0, 100)])).empty
