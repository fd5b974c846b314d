"""ResearchApiClient against the fake Research API (real httpx through WSGI; nothing of ours mocked)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import httpx
import pytest

from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.public_feed import PublicFeed
from tiktok_pipelines.demo.research_api import VIDEO_QUERY_PATH, FakeResearchApi
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FrozenClock
from tiktok_pipelines.lib.tiktok.errors import QuotaExhausted
from tiktok_pipelines.lib.tiktok.http import TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import OAuthClient
from tiktok_pipelines.lib.tiktok.research import (
    QuotaBudget,
    QuotaBudgetExhausted,
    ResearchApiClient,
    date_windows,
    parse_research_video,
)

ALL_REGIONS = {"or": [{"field_name": "region_code", "operation": "IN",
                       "field_values": ["US", "GB", "DE", "FR", "CA", "AU", "BR", "MX", "IN", "JP"]}]}
START, END = f"{DEMO_NOW - timedelta(days=10):%Y%m%d}", f"{DEMO_NOW:%Y%m%d}"


@pytest.fixture
def api(clock: FrozenClock) -> FakeTikTokApi:
    return FakeTikTokApi(DemoAccount(n_videos=3), clock)


@pytest.fixture
def research(api: FakeTikTokApi, feed: PublicFeed) -> FakeResearchApi:
    return FakeResearchApi.mount_on(api, feed)


@pytest.fixture
def client(api: FakeTikTokApi, research: FakeResearchApi, clock: FrozenClock) -> ResearchApiClient:
    http = TikTokHttp(transport=httpx.WSGITransport(app=api), sleep=lambda s: None, now=clock.now, seed=1)
    oauth = OAuthClient(http, api.client_key, api.client_secret, clock)
    return ResearchApiClient(http, oauth, clock)


def indexed_ids(feed: PublicFeed, now=DEMO_NOW) -> set[int]:
    return {v.id for v in feed.videos_posted_by(now - timedelta(hours=48))}


def test_query_pages_with_search_id_and_caches_token(client: ResearchApiClient, research: FakeResearchApi, feed: PublicFeed) -> None:
    listing = client.query_videos(ALL_REGIONS, START, END, max_count=50)
    assert listing.complete and {v.video_id for v in listing.videos} == indexed_ids(feed)
    assert listing.pages >= 5 and listing.search_restarts == 0
    bodies = [r.body for r in research.requests if r.path == VIDEO_QUERY_PATH]
    sids = {b["search_id"] for b in bodies[1:]}
    assert "search_id" not in bodies[0] and len(sids) == 1 and [b["cursor"] for b in bodies[1:3]] == [50, 100]
    assert client.token_requests == 1
    assert listing.requests == len(bodies) == research.quota_used_today() == client.budget.used()


def test_filters_reach_the_server(client: ResearchApiClient, feed: PublicFeed) -> None:
    top_sound = Counter(v.music_id for v in feed.videos_posted_by(DEMO_NOW - timedelta(hours=48))).most_common(1)[0][0]
    q = {"and": [{"field_name": "music_id", "operation": "EQ", "field_values": [str(top_sound)]}]}
    listing = client.query_videos(q, START, END)
    assert len(listing.videos) >= 5 and {v.music_id for v in listing.videos} == {top_sound}
    assert all(v.views is not None and v.hashtags for v in listing.videos)


def test_invalid_search_id_restarts_once_and_short_pages_are_followed(
    client: ResearchApiClient, research: FakeResearchApi, feed: PublicFeed
) -> None:
    research.add_fault("invalid_search_id")
    research.add_fault("empty_page")
    listing = client.query_videos(ALL_REGIONS, START, END, max_count=40)
    assert listing.search_restarts == 1 and listing.empty_pages == 1 and listing.complete
    got = {v.video_id for v in listing.videos}
    assert got <= indexed_ids(feed) and len(got) >= len(indexed_ids(feed)) - 40  # the empty page's 40 are lost
    research.add_fault("invalid_search_id", count=2)
    with pytest.raises(Exception, match="invalid or expired"):
        client.query_videos(ALL_REGIONS, START, END, max_count=40)


def test_long_ranges_are_split_into_30_day_windows(client: ResearchApiClient, research: FakeResearchApi, feed: PublicFeed) -> None:
    assert date_windows("20260101", "20260315") == [("20260101", "20260131"), ("20260131", "20260302"), ("20260302", "20260315")]
    listing = client.query_videos(ALL_REGIONS, DEMO_NOW - timedelta(days=70), DEMO_NOW)
    assert len(listing.windows) == 3 and listing.complete
    assert {v.video_id for v in listing.videos} == indexed_ids(feed)
    assert all(r.http_status == 200 for r in research.requests if r.path == VIDEO_QUERY_PATH)


def test_staleness_video_counts_archived_user_info_live(client: ResearchApiClient, feed: PublicFeed) -> None:
    listing = client.query_videos(ALL_REGIONS, START, END)
    assert {v.video_id for v in listing.videos}.isdisjoint(
        {v.id for v in feed.videos_posted_by(DEMO_NOW) if v.create_time > DEMO_NOW - timedelta(hours=48)}
    )
    stale = sum(v.views < feed.video(v.video_id).counts_at(DEMO_NOW).views for v in listing.videos)
    assert stale > len(listing.videos) // 2
    name = listing.videos[0].username
    user = client.user_info(name)
    assert user.likes_count == feed.creator(name, DEMO_NOW)["likes_count"] and user.follower_count


def test_comments_limited_and_sorted(client: ResearchApiClient, research: FakeResearchApi, feed: PublicFeed) -> None:
    video = max(feed.videos_posted_by(DEMO_NOW), key=lambda v: v.counts_at(DEMO_NOW).comments)
    listing = client.comments(video.id, max_count=100, limit=250)
    assert len(listing.comments) == 250 and listing.pages == 3
    assert [c.comment_id for c in listing.comments] == [c.id for c in feed.comments(video.id, DEMO_NOW)[:250]]
    top = listing.top(10)
    assert [c.like_count for c in top] == sorted((c.like_count for c in listing.comments), reverse=True)[:10]
    everything = client.comments(video.id)
    assert len(everything.comments) == min(1000, len(feed.comments(video.id, DEMO_NOW)))
    assert any("******" in c.text for c in everything.comments)  # PII arrives masked


def test_quota_exhaustion_is_not_retried_and_resets_at_utc_midnight(
    client: ResearchApiClient, research: FakeResearchApi, clock: FrozenClock, api: FakeTikTokApi
) -> None:
    research.set_remaining_quota(0)
    sent = client.http.requests_sent
    with pytest.raises(QuotaExhausted) as err:
        client.user_info("anyone")
    assert err.value.code == "daily_quota_limit_exceeded"
    assert client.http.requests_sent == sent + 2  # one token call + exactly one research attempt
    assert client.budget.remaining() == 0
    with pytest.raises(QuotaBudgetExhausted):  # the client now stops before even asking
        client.user_info("anyone")
    clock.set(DEMO_NOW.replace(hour=23, minute=59) + timedelta(minutes=2))  # 00:01 UTC next day
    name = feed_user(research)
    assert client.user_info(name).display_name
    assert research.quota_used_today() == 1 and client.budget.used() == 1
    assert client.token_requests == 2  # the 2 h client token expired overnight and was renewed


def feed_user(research: FakeResearchApi) -> str:
    return next(iter(research.feed.creators))


def test_500s_count_against_quota_on_both_sides(client: ResearchApiClient, research: FakeResearchApi) -> None:
    research.add_fault("internal_error", count=2)
    client.user_info(feed_user(research))
    assert research.quota_used_today() == 3 == client.budget.used()


def test_budget_lets_callers_degrade_before_the_wall(clock: FrozenClock) -> None:
    budget = QuotaBudget(clock, daily_limit=100, reserve=10)
    budget.spend(60)
    assert budget.remaining() == 30 and budget.affordable(cost_each=4) == 7
    with pytest.raises(QuotaBudgetExhausted, match="resets at"):
        budget.check(31)
    clock.advance(days=1)
    assert budget.remaining() == 90


def test_client_budget_stops_queries_before_server_quota(client: ResearchApiClient, research: FakeResearchApi) -> None:
    client.budget = QuotaBudget(client.clock, daily_limit=3)
    with pytest.raises(QuotaBudgetExhausted):
        client.query_videos(ALL_REGIONS, START, END, max_count=20)
    assert research.quota_used_today() == 3


def test_parse_rejects_malformed_items_by_name() -> None:
    with pytest.raises(ValueError, match="create_time is missing"):
        parse_research_video({"id": 7320768196569599275})
    with pytest.raises(ValueError, match="view_count=-1"):
        parse_research_video({"id": 1, "create_time": 1704499196, "view_count": -1})
    with pytest.raises(ValueError, match="hashtag_names"):
        parse_research_video({"id": 1, "create_time": 1704499196, "hashtag_names": "cats"})
    v = parse_research_video({"id": 7320768196569599275, "create_time": 1704499196, "music_id": 7159460238003800066,
                              "hashtag_names": ["cats"], "view_count": 4})
    assert v.video_id == 7320768196569599275 and v.music_id == 7159460238003800066 and v.views == 4
