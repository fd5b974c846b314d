"""The demo world must be deterministic, realistic enough to exercise every KPI, and monotone."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tiktok_pipelines.demo.world import (
    DEMO_NOW,
    PERFORMANCE_BREAKOUT,
    PERFORMANCE_FLOP,
    PERFORMANCE_TYPICAL,
    RISKY_CLAIMS,
    DemoAccount,
    VideoCounts,
)

UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def account() -> DemoAccount:
    return DemoAccount()


def views(video, hours: float) -> int:
    return video.counts_at(video.create_time + timedelta(hours=hours)).views


def test_same_seed_is_identical_and_other_seeds_differ() -> None:
    a, b, c = DemoAccount(seed=7), DemoAccount(seed=7), DemoAccount(seed=8)
    assert a.videos == b.videos
    assert (a.open_id, a.union_id) == (b.open_id, b.union_id)
    assert a.profile_at(DEMO_NOW) == b.profile_at(DEMO_NOW)
    assert a.videos != c.videos
    assert a.open_id != c.open_id
    assert {v.id for v in a.videos}.isdisjoint({v.id for v in c.videos})


def test_account_identity(account: DemoAccount) -> None:
    assert UUID_RE.fullmatch(account.open_id) and UUID_RE.fullmatch(account.union_id)
    assert account.open_id != account.union_id
    assert account.username == "bloom_hair_demo"
    assert account.display_name == "Bloom Peptide Hair (DEMO)"
    assert "demo" in account.bio_description.lower()
    assert account.is_verified is False
    assert account.avatar_url.startswith("https://")
    assert account.profile_deep_link.startswith("https://vm.tiktok.com/")


def test_ids_and_times(account: DemoAccount) -> None:
    ids = [v.id for v in account.videos]
    assert len(account.videos) == 36 + 3
    assert all(re.fullmatch(r"[1-9]\d{18}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    times = [v.create_time for v in account.videos]
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) and t.microsecond == 0 for t in times)
    assert times == sorted(times, reverse=True), "newest first"
    assert len(set(times)) == len(times)
    past = [t for t in times if t <= DEMO_NOW]
    future = [t for t in times if t > DEMO_NOW]
    assert len(past) == 36 and min(past) >= DEMO_NOW - timedelta(days=60)
    assert len(future) == 3 and max(future) < DEMO_NOW + timedelta(hours=48)


def test_counts_are_zero_before_posting_and_monotone_for_30_days(account: DemoAccount) -> None:
    for video in account.videos:
        assert video.counts_at(video.create_time - timedelta(seconds=1)) == VideoCounts(0, 0, 0, 0)
        assert video.counts_at(video.create_time) == VideoCounts(0, 0, 0, 0)
        previous = VideoCounts(0, 0, 0, 0)
        # 20-minute steps for the first two days (where growth is fastest), then 3-hourly to day 30
        steps = [h / 3 for h in range(0, 48 * 3)] + list(range(48, 30 * 24 + 1, 3))
        for hours in steps:
            counts = video.counts_at(video.create_time + timedelta(hours=hours))
            for name in ("views", "likes", "comments", "shares"):
                value = getattr(counts, name)
                assert isinstance(value, int) and value >= 0
                assert value >= getattr(previous, name), (video.id, hours, name)
            assert counts.likes <= counts.views
            previous = counts
        assert previous.views > 0


def test_counts_are_deterministic(account: DemoAccount) -> None:
    other = DemoAccount()
    t = DEMO_NOW + timedelta(hours=5, minutes=17)
    assert [v.counts_at(t) for v in account.videos] == [v.counts_at(t) for v in other.videos]


def test_typical_videos_get_most_views_in_first_48h(account: DemoAccount) -> None:
    typical = [v for v in account.videos if v.performance == PERFORMANCE_TYPICAL]
    assert len(typical) >= 20
    for video in typical:
        assert views(video, 48) > 0.6 * views(video, 30 * 24), video.id
        # a saturating curve: the first day beats the second
        assert views(video, 24) > views(video, 48) - views(video, 24)


def test_breakouts_and_flops_exist(account: DemoAccount) -> None:
    # judged from the counts themselves, not only from the label
    breakouts = [v for v in account.videos if views(v, 12 * 24) >= 5 * views(v, 48)]
    assert breakouts and all(v.performance == PERFORMANCE_BREAKOUT for v in breakouts)
    typical_median = sorted(views(v, 30 * 24) for v in account.videos if v.performance == PERFORMANCE_TYPICAL)[
        len([v for v in account.videos if v.performance == PERFORMANCE_TYPICAL]) // 2
    ]
    assert max(views(v, 30 * 24) for v in breakouts) >= 8 * typical_median
    flops = [v for v in account.videos if views(v, 30 * 24) < 2_000]
    assert flops and all(v.performance == PERFORMANCE_FLOP for v in flops)


def test_lifetime_views_and_engagement_rates_are_realistic() -> None:
    big = DemoAccount(seed=11, n_videos=1000)
    lifetime = [views(v, 60 * 24) for v in big.videos if v.performance != PERFORMANCE_BREAKOUT]
    assert min(lifetime) < 2_000
    assert 100_000 <= max(lifetime) <= 600_000
    assert 5_000 < sorted(lifetime)[len(lifetime) // 2] < 40_000
    for video in big.videos:
        c = video.counts_at(video.create_time + timedelta(days=30))
        if c.views < 5_000:
            continue  # integer rounding dominates small counts
        assert 0.025 <= c.likes / c.views <= 0.125
        assert 0.0008 <= c.comments / c.views <= 0.011
        assert 0.0004 <= c.shares / c.views <= 0.016


def test_durations_and_frames(account: DemoAccount) -> None:
    durations = [v.duration for v in account.videos]
    assert all(isinstance(d, int) and 8 <= d <= 60 for d in durations)
    assert any(d < 10 for d in durations)
    assert any(10 <= d <= 20 for d in durations)
    assert any(d > 20 for d in durations)
    assert {(v.width, v.height) for v in account.videos} <= {(1080, 1920), (720, 1280)}
    # every bucket even in a tiny account
    tiny = DemoAccount(seed=3, n_videos=3, upcoming_videos=0)
    assert {0 if v.duration < 10 else 1 if v.duration <= 20 else 2 for v in tiny.videos} == {0, 1, 2}


def test_captions_carry_hashtags_ctas_and_a_few_risky_claims(account: DemoAccount) -> None:
    captions = [v.description for v in account.videos]
    assert all(0 < len(c) <= 150 for c in captions)
    assert all(0 < len(v.title) <= 150 for v in account.videos)
    joined = "\n".join(captions)
    for tag in ("#hairgrowth", "#peptides", "#bloompeptidehairserum", "#haircare", "#fyp"):
        assert tag in joined
    assert "Shop the link in my bio 👇" in joined
    assert "Comment SERUM" in joined
    risky = [v for v in account.videos if any(claim in v.description for claim in RISKY_CLAIMS)]
    assert 1 <= len(risky) <= len(captions) // 4
    assert all(v.has_risky_claim for v in risky)
    assert sum(v.has_risky_claim for v in account.videos) == len(risky)
    assert any(not any(cta in c for cta in ("link in", "Comment SERUM", "Save this", "Follow for")) for c in captions)


def test_upcoming_videos_appear_as_time_passes(account: DemoAccount) -> None:
    at_anchor = account.videos_visible_at(DEMO_NOW)
    assert len(at_anchor) == 36
    assert all(v.create_time <= DEMO_NOW for v in at_anchor)
    assert account.videos_visible_at(DEMO_NOW + timedelta(hours=48))[:3] == account.videos[:3]
    assert len(account.videos_visible_at(DEMO_NOW + timedelta(hours=48))) == 39
    first_upcoming = account.videos[2]
    assert first_upcoming.create_time > DEMO_NOW
    assert len(account.videos_visible_at(first_upcoming.create_time - timedelta(seconds=1))) == 36
    assert len(account.videos_visible_at(first_upcoming.create_time)) == 37
    assert account.videos_visible_at(DEMO_NOW - timedelta(days=61)) == []


def test_video_lookup(account: DemoAccount) -> None:
    video = account.videos[5]
    assert account.video(video.id) is video
    assert account.video("7000000000000000000") is None


def test_profile_is_consistent_and_monotone(account: DemoAccount) -> None:
    previous = None
    for hours in range(-24 * 30, 24 * 4, 6):
        now = DEMO_NOW + timedelta(hours=hours)
        profile = account.profile_at(now)
        visible = account.videos_visible_at(now)
        assert profile["video_count"] == len(visible)
        assert profile["likes_count"] == sum(v.counts_at(now).likes for v in visible)
        if previous is not None:
            for key, value in profile.items():
                assert value >= previous[key], (hours, key)
        previous = profile
    assert previous is not None and previous["follower_count"] > 0 and previous["following_count"] > 0


def test_urls_follow_tiktok_formats(account: DemoAccount) -> None:
    video = account.videos[4]
    cover = video.cover_image_url(DEMO_NOW)
    query = parse_qs(urlsplit(cover).query)
    assert int(query["x-expires"][0]) == int(DEMO_NOW.timestamp()) + 6 * 3600
    assert query["x-signature"][0]
    assert video.cover_image_url(DEMO_NOW + timedelta(hours=1)) != cover
    assert video.share_url("abc") == (
        f"https://www.tiktok.com/@bloom_hair_demo/video/{video.id}?utm_campaign=tt4d_open_api&utm_source=abc"
    )
    assert video.embed_link("abc") == (
        f"https://www.tiktok.com/static/profile-video?id={video.id}&hide_author=1"
        "&utm_campaign=tt4d_open_api&utm_source=abc"
    )
    assert f'data-video-id="{video.id}"' in video.embed_html("abc")


def test_large_accounts_build_fast() -> None:
    start = time.perf_counter()
    thousand = DemoAccount(n_videos=1000)
    assert time.perf_counter() - start < 0.2
    assert len({v.id for v in thousand.videos}) == 1003
    start = time.perf_counter()
    big = DemoAccount(n_videos=10_000)
    big.profile_at(DEMO_NOW)
    assert time.perf_counter() - start < 2.0
    assert len(big.videos_visible_at(DEMO_NOW)) == 10_000
    assert len({v.create_time for v in big.videos}) == 10_003


def test_anchor_and_argument_validation() -> None:
    anchor = datetime(2026, 3, 1, 8, 30, 15, 500_000, tzinfo=UTC)
    acct = DemoAccount(seed=1, n_videos=5, anchor=anchor, span_days=10, upcoming_videos=0)
    assert all(anchor - timedelta(days=10) <= v.create_time < anchor for v in acct.videos)
    with pytest.raises(ValueError):
        DemoAccount(n_videos=-1)
    with pytest.raises(ValueError):
        DemoAccount(span_days=0)
