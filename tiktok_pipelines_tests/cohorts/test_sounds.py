"""Sound trends: distinct tracked videos per sound, day by day, and seed 004's 5+ 'likely trending' rule."""

from datetime import UTC, datetime, timedelta, timezone

from tiktok_pipelines.lib.cohorts.sounds import (
    LIKELY_TRENDING_MIN_VIDEOS,
    compute_sound_trends,
)

DAY1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def member(video_id: str, music_id: str | None, day: int = 0, cohort: str = "public-20261103T1200",
           title: str | None = "Song", hour: int = 0) -> dict:
    """The cohort_members columns the sound trends read."""
    return {"cohort_id": cohort, "video_id": video_id, "music_id": music_id,
            "create_time": DAY1 + timedelta(days=day, hours=hour), "sound_title": title}


def by_key(rows: list[dict]) -> dict[tuple[str, str], dict]:
    return {(r["music_id"], r["as_of_date"]): r for r in rows}


def test_counts_are_cumulative_distinct_videos_per_sound_and_upload_day():
    rows = compute_sound_trends(
        [member("a", "m1", 0), member("b", "m1", 0), member("c", "m1", 2), member("d", "m2", 1)], {})
    assert [(r["music_id"], r["as_of_date"], r["new_videos"], r["videos_tracked"]) for r in rows] == [
        ("m1", "2026-11-01", 2, 2),
        ("m1", "2026-11-03", 1, 3),
        ("m2", "2026-11-02", 1, 1),
    ]


def test_upload_days_are_utc_days():
    local = datetime(2026, 11, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC on the 2nd
    rows = compute_sound_trends([{**member("a", "m1"), "create_time": local}], {})
    assert rows[0]["as_of_date"] == "2026-11-02"


def test_a_video_in_two_cohorts_counts_once_but_both_cohorts_are_counted():
    rows = compute_sound_trends([
        member("a", "m1", cohort="public-20261103T1200"),
        member("a", "m1", cohort="public-20261104T1200"),
        member("b", "m1", cohort="public-20261103T1200"),
    ], {"a": 100, "b": 10})
    [r] = rows
    assert r["videos_tracked"] == 2 and r["new_videos"] == 2
    assert r["cohorts"] == 2
    assert r["latest_total_views"] == 110


def test_likely_trending_from_five_videos_with_the_count_as_basis():
    members = [member(f"v{i}", "m1", day=i) for i in range(6)]
    rows = compute_sound_trends(members, {})
    assert [r["videos_tracked"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["likely_trending"] for r in rows] == [False, False, False, False, True, True]
    assert LIKELY_TRENDING_MIN_VIDEOS == 5
    assert rows[0]["basis"].startswith("1 tracked video use")
    assert "4 tracked videos" in rows[3]["basis"] and "< 5" in rows[3]["basis"]
    assert "5 tracked videos" in rows[4]["basis"] and ">= 5" in rows[4]["basis"]


def test_the_threshold_can_be_changed():
    rows = compute_sound_trends([member("a", "m1"), member("b", "m1")], {}, min_videos=2)
    assert rows[0]["likely_trending"] is True and ">= 2" in rows[0]["basis"]


def test_videos_without_a_sound_are_ignored():
    assert compute_sound_trends([member("a", None), member("b", None)], {"a": 5}) == []
    rows = compute_sound_trends([member("a", None), member("b", "m1")], {"a": 5, "b": 7})
    assert [(r["music_id"], r["videos_tracked"], r["latest_total_views"]) for r in rows] == [("m1", 1, 7)]


def test_no_members_gives_no_rows():
    assert compute_sound_trends([], {}) == []


def test_latest_total_views_sums_the_videos_tracked_so_far_and_skips_unknown_ones():
    rows = compute_sound_trends([member("a", "m1", 0), member("b", "m1", 1), member("c", "m1", 2)],
                                {"a": 1000, "c": 30})
    assert [r["latest_total_views"] for r in rows] == [1000, 1000, 1030]
    assert compute_sound_trends([member("z", "m9")], {})[0]["latest_total_views"] is None


def test_title_is_the_first_known_one_and_ids_are_strings():
    rows = compute_sound_trends([member("a", 123, title=None), member("b", 123, title="Real title")], {})
    assert rows[0]["music_id"] == "123" and rows[0]["sound_title"] == "Real title"
