"""Choosing a cohort: fresh enough, newest first, in the configured performance mix, reproducibly."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from tiktok_pipelines.lib.cohorts.programs import DEFAULT_MIX, PERFORMANCE_BANDS
from tiktok_pipelines.lib.cohorts.selection import (
    Candidate,
    band_quotas,
    select_members,
)

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BANDS = [b for b, _ in PERFORMANCE_BANDS]
# One representative view count per band.
VIEWS = {"<10K": 500, "10K-100K": 50_000, "100K-1M": 500_000, "1M+": 5_000_000}


def aged(hours: float) -> datetime:
    """A create_time `hours` before the cohort start."""
    return START - timedelta(hours=hours)


def cand(video_id: str, age_h: float, views: int | None) -> Candidate:
    return Candidate(video_id, aged(age_h), views, f"user_{video_id}")


def select(candidates, size, mix=None, fmin=48.0, fmax=96.0):
    return select_members(
        candidates, size=size, mix=mix or {"<10K": 1.0}, start=START, freshness_min_h=fmin, freshness_max_h=fmax
    )


def ids(selection) -> list[str]:
    return [c.video_id for c, _ in selection.members]


# --- quotas -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 10, 13, 33, 99, 100, 101, 997])
def test_quotas_always_sum_to_the_size(size):
    quotas = band_quotas(size, DEFAULT_MIX)
    assert set(quotas) == set(BANDS)
    assert sum(quotas.values()) == size
    assert all(q >= 0 for q in quotas.values())


def test_quotas_follow_the_mix_exactly_when_it_divides():
    assert band_quotas(100, DEFAULT_MIX) == {"<10K": 25, "10K-100K": 35, "100K-1M": 25, "1M+": 15}
    assert band_quotas(20, DEFAULT_MIX) == {"<10K": 5, "10K-100K": 7, "100K-1M": 5, "1M+": 3}


def test_leftover_places_go_to_the_largest_remainders():
    # 10 x 0.25 = 2.5 each: floors sum to 8, two places left; the remainders tie, so the band name
    # decides (sorted as strings: "100K-1M" < "10K-100K" < "1M+" < "<10K"), the same way every time.
    assert band_quotas(10, dict.fromkeys(BANDS, 0.25)) == {"<10K": 2, "10K-100K": 3, "100K-1M": 3, "1M+": 2}
    # 7 x (0.6, 0.3, 0.1) = 4.2, 2.1, 0.7: the single leftover place goes to the 0.7 remainder.
    assert band_quotas(7, {"<10K": 0.6, "10K-100K": 0.3, "1M+": 0.1}) == {
        "<10K": 4, "10K-100K": 2, "100K-1M": 0, "1M+": 1}


def test_quotas_accept_unnormalised_weights_and_missing_bands():
    assert band_quotas(9, {"<10K": 2, "1M+": 1}) == {"<10K": 6, "10K-100K": 0, "100K-1M": 0, "1M+": 3}


# --- freshness ----------------------------------------------------------------------------------------


def test_only_videos_inside_the_freshness_window_are_eligible_and_its_ends_count():
    candidates = [
        cand("too_new", 47.99, 100),
        cand("newest_edge", 48, 100),
        cand("middle", 70, 100),
        cand("oldest_edge", 96, 100),
        cand("too_old", 96.01, 100),
    ]
    sel = select(candidates, size=10)
    assert sorted(ids(sel)) == ["middle", "newest_edge", "oldest_edge"]
    assert sel.eligible == 3 and sel.candidates_seen == 5


def test_naive_create_times_are_taken_as_utc():
    naive = Candidate("naive", aged(60).replace(tzinfo=None), 10)
    assert ids(select([naive], size=1)) == ["naive"]


def test_no_eligible_candidates_gives_an_empty_selection():
    sel = select([cand("a", 10, 100), cand("b", 200, 100)], size=5)
    assert sel.members == [] and sel.eligible == 0 and sel.candidates_seen == 2
    assert sel.mix_achieved == dict.fromkeys(BANDS, 0)


# --- choosing inside bands ----------------------------------------------------------------------------


def test_each_band_takes_its_newest_videos():
    candidates = [cand(f"small_{h}", h, 100 + h) for h in (50, 60, 70, 80, 90)] + [
        cand(f"big_{h}", h, 2_000_000 + h) for h in (55, 65, 75, 85)
    ]
    sel = select(candidates, size=4, mix={"<10K": 0.5, "1M+": 0.5})
    assert sorted(ids(sel)) == ["big_55", "big_65", "small_50", "small_60"]
    assert sel.mix_achieved == {"<10K": 2, "10K-100K": 0, "100K-1M": 0, "1M+": 2}
    assert {band for _, band in sel.members} == {"<10K", "1M+"}


def test_a_short_band_leaves_its_places_to_the_newest_remaining_videos():
    # The mix asks for 2 x 1M+ but only one exists; the spare place goes to the newest of the rest,
    # whatever its band, so the cohort is still full.
    candidates = [
        cand("viral", 90, 3_000_000),
        cand("small_old", 95, 10),
        cand("small_new", 49, 10),
        cand("mid_newer", 50, 50_000),
        cand("mid_older", 80, 50_000),
    ]
    sel = select(candidates, size=4, mix={"<10K": 0.25, "10K-100K": 0.25, "1M+": 0.5})
    assert sorted(ids(sel)) == ["mid_newer", "mid_older", "small_new", "viral"]
    assert len(sel.members) == 4
    assert sel.mix_achieved == {"<10K": 1, "10K-100K": 2, "100K-1M": 0, "1M+": 1}


def test_a_cohort_is_smaller_only_when_too_few_videos_are_eligible():
    sel = select([cand("a", 50, 1), cand("b", 60, 20_000)], size=10, mix=DEFAULT_MIX)
    assert sorted(ids(sel)) == ["a", "b"]


def test_videos_without_views_fill_only_leftover_places_and_have_no_band():
    candidates = [cand("unknown", 49, None), cand("known", 90, 100)]
    assert [(c.video_id, band) for c, band in select(candidates, size=1).members] == [("known", "<10K")]
    both = select(candidates, size=2)
    assert ("unknown", None) in [(c.video_id, band) for c, band in both.members]
    assert both.mix_achieved["<10K"] == 1 and sum(both.mix_achieved.values()) == 1


def test_equal_upload_times_break_ties_by_video_id():
    same_age = [cand(v, 60, 100) for v in ("v3", "v1", "v2")]
    assert ids(select(same_age, size=2)) == ["v1", "v2"]


# --- order and reproducibility ------------------------------------------------------------------------


def test_members_come_in_priority_order_most_views_first():
    candidates = [cand("a", 50, 700), cand("b", 60, 9_000_000), cand("c", 70, 40_000), cand("d", 80, 700)]
    sel = select(candidates, size=4)
    assert ids(sel) == ["b", "c", "a", "d"]  # a and d tie on views: video id decides


def test_a_video_seen_twice_is_counted_once():
    dup = cand("v1", 60, 100)
    sel = select([dup, cand("v2", 70, 100), dup, dup], size=3)
    assert ids(sel) == ["v1", "v2"]
    assert sel.candidates_seen == 2 and sel.eligible == 2
    assert sel.mix_achieved["<10K"] == 2


def test_the_same_candidates_in_any_order_give_the_same_cohort():
    rng = random.Random(4)
    candidates = [
        cand(f"v{i:03d}", rng.uniform(30, 110), rng.choice(list(VIEWS.values())) + rng.randint(0, 9))
        for i in range(120)
    ]
    candidates += candidates[:10]  # repeated pages
    expected = select(candidates, size=40, mix=DEFAULT_MIX)
    assert len(expected.members) == 40
    for _ in range(5):
        shuffled = candidates[:]
        rng.shuffle(shuffled)
        got = select(shuffled, size=40, mix=DEFAULT_MIX)
        assert got.members == expected.members
        assert got.mix_achieved == expected.mix_achieved


def test_mix_achieved_counts_the_members_by_band():
    candidates = [cand(f"{band}_{i}", 50 + i, VIEWS[band]) for band in BANDS for i in range(10)]
    sel = select(candidates, size=20, mix=DEFAULT_MIX)
    assert sel.mix_achieved == band_quotas(20, DEFAULT_MIX)
    for band in BANDS:
        assert sel.mix_achieved[band] == sum(1 for _, b in sel.members if b == band)


def test_a_video_seen_twice_with_different_counts_is_banded_the_same_in_any_order():
    first, later = cand("v1", 60, 5_000), cand("v1", 60, 50_000)
    a = select([first, later], size=1)
    b = select([later, first], size=1)
    assert a.members == b.members
