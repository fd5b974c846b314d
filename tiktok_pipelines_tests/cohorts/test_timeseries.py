"""Velocity between timepoints and values at the exact hour marks."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tiktok_pipelines.lib.cohorts.timeseries import interval_metrics, values_at_hour_marks

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _obs(*rows):
    return pd.DataFrame(rows, columns=["cohort_id", "video_id", "timepoint", "collected_at", "views", "likes"])


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def test_velocity_uses_the_real_collection_times():
    df = interval_metrics(_obs(
        ("c", "v", "h0", at(0.1), 1000, 50),
        ("c", "v", "h1", at(1.1), 1600, 80),
        ("c", "v", "h6", at(6.6), 4350, 190),  # collected 36 min late
    ))
    assert pd.isna(df.loc[0, "views_velocity"])
    assert df.loc[1, "views_velocity"] == pytest.approx(600)
    assert df.loc[1, "likes_velocity"] == pytest.approx(30)
    assert df.loc[1, "views_growth_pct"] == pytest.approx(60)
    assert df.loc[2, "interval_hours"] == pytest.approx(5.5)
    assert df.loc[2, "views_velocity"] == pytest.approx(2750 / 5.5)


def test_growth_from_zero_views_is_unknown_not_infinite():
    df = interval_metrics(_obs(("c", "v", "h0", at(0), 0, 0), ("c", "v", "h1", at(1), 10, 1)))
    assert pd.isna(df.loc[1, "views_growth_pct"]) and df.loc[1, "views_velocity"] == 10


def test_videos_and_cohorts_do_not_bleed_into_each_other():
    df = interval_metrics(_obs(
        ("c", "a", "h0", at(0), 100, 0), ("c", "b", "h0", at(0), 5000, 0),
        ("c", "a", "h1", at(1), 200, 0), ("d", "a", "h0", at(1), 9999, 0),
    ))
    a = df[(df.cohort_id == "c") & (df.video_id == "a")]
    assert list(a["views_velocity"].fillna(-1)) == [-1, 100]
    assert df[df.cohort_id == "d"]["views_velocity"].isna().all()


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="likes"):
        interval_metrics(pd.DataFrame({"cohort_id": [], "video_id": [], "timepoint": [], "collected_at": [], "views": []}))


def test_values_at_exact_marks_are_interpolated_but_never_extrapolated():
    marks = values_at_hour_marks(_obs(
        ("c", "v", "h0", at(0), 1000, 0),
        ("c", "v", "h1", at(2), 3000, 0),  # collected an hour late
        ("c", "v", "h6", at(6), 7000, 0),
    ), START).set_index("timepoint")["views_at_mark"]
    assert marks["h0"] == 1000
    assert marks["h1"] == pytest.approx(2000)  # halfway between 0 h and 2 h
    assert marks["h6"] == 7000
    assert pd.isna(marks["h24"]) and pd.isna(marks["h48"])
