"""The fake Research API over real HTTP (httpx through WSGI, mounted on the fake TikTok host)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.public_feed import PublicFeed
from tiktok_pipelines.demo.research_api import (
    COMMENT_LIST_PATH,
    USER_INFO_PATH,
    VIDEO_FIELDS,
    VIDEO_QUERY_PATH,
    FakeResearchApi,
    video_length_bucket,
)
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FrozenClock

BASE = "https://open.tiktokapis.com"
FIELDS = ",".join(VIDEO_FIELDS)


@pytest.fixture
def api(feed: PublicFeed, clock: FrozenClock) -> FakeTikTokApi:
    fake = FakeTikTokApi(DemoAccount(n_videos=3), clock)
    fake.client_token_ttl_s = 7 * 86400  # the clock jumps by days in these tests
    return fake


@pytest.fixture
def research(api: FakeTikTokApi, feed: PublicFeed) -> FakeResearchApi:
    return FakeResearchApi.mount_on(api, feed)


@pytest.fixture
def http(api: FakeTikTokApi, research: FakeResearchApi) -> httpx.Client:
    client = httpx.Client(base_url=BASE, transport=httpx.WSGITransport(app=api))
    resp = client.post(
        "/v2/oauth/token/",
        data={"client_key": api.client_key, "client_secret": api.client_secret, "grant_type": "client_credentials"},
    )
    client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
    return client


def window(days_back: int = 10, days_forward: int = 3) -> tuple[str, str]:
    return f"{DEMO_NOW - timedelta(days=days_back):%Y%m%d}", f"{DEMO_NOW + timedelta(days=days_forward):%Y%m%d}"


def vq(http: httpx.Client, query: dict[str, Any], fields: str = FIELDS, **body: Any) -> httpx.Response:
    start, end = window()
    payload = {"query": query, "start_date": start, "end_date": end, "max_count": 100, **body}
    return http.post(VIDEO_QUERY_PATH, params={"fields": fields}, json=payload)


def all_pages(http: httpx.Client, query: dict[str, Any], **body: Any) -> list[dict]:
    out, cursor, sid = [], None, None
    while True:
        extra = {} if sid is None else {"cursor": cursor, "search_id": sid}
        data = vq(http, query, **body, **extra).json()["data"]
        out.extend(data["videos"])
        if not data["has_more"]:
            return out
        cursor, sid = data["cursor"], data["search_id"]


def cond(name: str, op: str, *values: str) -> dict:
    return {"field_name": name, "operation": op, "field_values": list(values)}


def test_feed_is_deterministic_with_shared_sounds_and_wide_spread(feed: PublicFeed) -> None:
    again = PublicFeed()
    assert [v.id for v in again.videos] == [v.id for v in feed.videos]
    sounds = Counter(v.music_id for v in feed.videos)
    assert sum(1 for n in sounds.values() if n >= 5) >= 3
    mature = [v.counts_at(DEMO_NOW + timedelta(days=30)).views for v in feed.videos]
    assert min(mature) >= 500 and max(mature) >= 1_000_000
    v = feed.videos[40]
    c1, c2 = v.counts_at(DEMO_NOW), v.counts_at(DEMO_NOW + timedelta(hours=6))
    assert c2.views >= c1.views and c2.likes >= c1.likes
    assert any(v.create_time > DEMO_NOW for v in feed.videos)  # uploads after the anchor
    assert {video_length_bucket(v.duration) for v in feed.videos} == {"SHORT", "MID", "LONG", "EXTRA_LONG"}


def test_requires_client_token(api: FakeTikTokApi, research: FakeResearchApi) -> None:
    client = httpx.Client(base_url=BASE, transport=httpx.WSGITransport(app=api))
    resp = client.post(USER_INFO_PATH, params={"fields": "display_name"}, json={"username": "x"},
                       headers={"Authorization": "Bearer clt.nope"})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "access_token_invalid"
    assert research.quota_used_today() == 0


def test_query_filters_and_int64_ids(http: httpx.Client, feed: PublicFeed) -> None:
    indexed = feed.videos_posted_by(DEMO_NOW - timedelta(hours=48))
    region_us = all_pages(http, {"and": [cond("region_code", "IN", "US", "GB")],
                                 "not": [cond("video_length", "EQ", "SHORT")]})
    expected = {v.id for v in indexed if v.region_code in ("US", "GB") and v.duration >= 15}
    assert {v["id"] for v in region_us} == expected and expected
    assert all(isinstance(v["id"], int) and isinstance(v["music_id"], int) for v in region_us)
    ids = [v["id"] for v in region_us]
    assert ids == sorted(ids, reverse=True)  # decreasing id order

    top_sound = Counter(v.music_id for v in indexed).most_common(1)[0][0]
    by_sound = all_pages(http, {"and": [cond("music_id", "EQ", str(top_sound))]})
    assert len(by_sound) >= 5 and all(v["music_id"] == top_sound for v in by_sound)

    tagged = all_pages(http, {"and": [cond("hashtag_name", "EQ", "recipe")], "or": [cond("keyword", "IN", "review", "tutorial")]})
    assert tagged and all("recipe" in v["hashtag_names"] for v in tagged)
    assert all(("review" in v["video_description"].lower()) or ("tutorial" in v["video_description"].lower()) for v in tagged)

    some = indexed[5]
    by_user = all_pages(http, {"and": [cond("username", "EQ", some.username)]})
    assert {v["username"] for v in by_user} == {some.username}
    by_id = all_pages(http, {"and": [cond("video_id", "IN", str(indexed[0].id), str(indexed[1].id))]})
    assert [v["id"] for v in by_id] == [indexed[0].id, indexed[1].id]
    day = f"{some.create_time:%Y%m%d}"
    by_date = all_pages(http, {"and": [cond("create_date", "GTE", day), cond("create_date", "LTE", day)]})
    assert by_date and all(f"{feed.video(v['id']).create_time:%Y%m%d}" == day for v in by_date)


def test_pagination_with_search_id(http: httpx.Client, research: FakeResearchApi) -> None:
    query = {"or": [cond("region_code", "IN", "US", "GB", "DE")]}
    first = vq(http, query, max_count=30).json()["data"]
    assert len(first["videos"]) == 30 and first["has_more"] and first["cursor"] == 30
    second = vq(http, query, max_count=30, cursor=30, search_id=first["search_id"]).json()["data"]
    assert second["search_id"] == first["search_id"]
    assert not {v["id"] for v in first["videos"]} & {v["id"] for v in second["videos"]}
    # a search id only serves the query that created it
    other = vq(http, {"and": [cond("region_code", "EQ", "JP")]}, cursor=30, search_id=first["search_id"])
    assert other.status_code == 400
    assert other.json()["error"]["message"] == f"Search Id {first['search_id']} is invalid or expired"
    research.expire_search_ids()
    assert vq(http, query, max_count=30, cursor=30, search_id=first["search_id"]).status_code == 400
    research.add_fault("short_page")
    short = vq(http, query, max_count=30).json()["data"]
    assert len(short["videos"]) == 15 and short["cursor"] == 30 and short["has_more"]


def test_window_and_count_validation(http: httpx.Client) -> None:
    q = {"and": [cond("region_code", "EQ", "US")]}
    too_long = http.post(VIDEO_QUERY_PATH, params={"fields": FIELDS},
                         json={"query": q, "start_date": "20261001", "end_date": "20261101"})
    assert too_long.status_code == 400 and "30 days" in too_long.json()["error"]["message"]
    ok = http.post(VIDEO_QUERY_PATH, params={"fields": FIELDS}, json={"query": q, "start_date": "20261002", "end_date": "20261101"})
    assert ok.status_code == 200
    assert vq(http, q, max_count=101).json()["error"]["message"] == "Invalid count or cursor"
    assert vq(http, {"and": [cond("color", "EQ", "red")]}).status_code == 400
    assert vq(http, q, fields="id,bogus").status_code == 400


def test_staleness_archived_counts_and_unindexed_videos(http: httpx.Client, feed: PublicFeed, clock: FrozenClock) -> None:
    videos = all_pages(http, {"or": [cond("region_code", "IN", *sorted({v.region_code for v in feed.videos}))]})
    got = {v["id"] for v in videos}
    young = [v for v in feed.videos_posted_by(DEMO_NOW) if v.create_time > DEMO_NOW - timedelta(hours=48)]
    assert young and not got & {v.id for v in young}  # not yet indexed
    assert got == {v.id for v in feed.videos_posted_by(DEMO_NOW - timedelta(hours=48))}
    lower = 0
    for item in videos:
        live = feed.video(item["id"]).counts_at(DEMO_NOW)
        assert item["view_count"] <= live.views
        lower += item["view_count"] < live.views
    assert lower > len(videos) // 2  # archived data lags the app
    # the clock moves: the young videos become searchable
    clock.advance(hours=49)
    later = {v["id"] for v in all_pages(http, {"or": [cond("region_code", "IN", *sorted({v.region_code for v in feed.videos}))]})}
    assert {v.id for v in young} <= later


def test_user_info_is_live_and_flat(http: httpx.Client, feed: PublicFeed, clock: FrozenClock) -> None:
    name = Counter(v.username for v in feed.videos).most_common(1)[0][0]
    fields = "display_name,follower_count,likes_count,video_count,is_verified"
    data = http.post(USER_INFO_PATH, params={"fields": fields}, json={"username": name}).json()["data"]
    assert set(data) == set(fields.split(","))
    assert data["likes_count"] == feed.creator(name, DEMO_NOW)["likes_count"]
    clock.advance(hours=12)
    later = http.post(USER_INFO_PATH, params={"fields": fields}, json={"username": name}).json()["data"]
    assert later["likes_count"] > data["likes_count"]
    missing = http.post(USER_INFO_PATH, params={"fields": fields}, json={"username": "nobody_here"})
    assert missing.status_code == 400 and "cannot find the user" in missing.json()["error"]["message"]


def test_comment_list_pages_limits_and_masked_pii(http: httpx.Client, feed: PublicFeed) -> None:
    video = max(feed.videos_posted_by(DEMO_NOW), key=lambda v: v.counts_at(DEMO_NOW).comments)
    fields = "id,video_id,text,like_count,reply_count,parent_comment_id,create_time"
    page = http.post(COMMENT_LIST_PATH, params={"fields": fields}, json={"video_id": video.id, "max_count": 100, "cursor": 0}).json()["data"]
    assert len(page["comments"]) == 100 and page["cursor"] == 100 and page["has_more"]
    assert all(c["parent_comment_id"] == video.id == c["video_id"] for c in page["comments"])
    texts = [c.text for c in feed.comments(video.id, DEMO_NOW)]
    assert any("******" in t for t in texts)
    too_far = http.post(COMMENT_LIST_PATH, params={"fields": fields}, json={"video_id": video.id, "max_count": 100, "cursor": 950})
    assert too_far.status_code == 400 and "1000" in too_far.json()["error"]["message"]
    assert http.post(COMMENT_LIST_PATH, params={"fields": fields}, json={"video_id": video.id, "max_count": 101}).status_code == 400


def test_daily_quota_counts_errors_and_resets_at_midnight_utc(http: httpx.Client, research: FakeResearchApi, clock: FrozenClock) -> None:
    q = {"and": [cond("region_code", "EQ", "US")]}
    research.add_fault("internal_error", endpoint=VIDEO_QUERY_PATH)
    assert vq(http, q).status_code == 500
    assert vq(http, q, max_count=500).status_code == 400
    assert research.quota_used_today() == 2  # the 500 and the 400 both cost a request
    research.set_remaining_quota(1)
    assert vq(http, q).status_code == 200
    spent = vq(http, q)
    assert spent.status_code == 429 and spent.json()["error"]["code"] == "daily_quota_limit_exceeded"
    assert research.quota_used_today() == research.daily_quota
    clock.set(DEMO_NOW.replace(hour=23, minute=59, second=59))
    assert vq(http, q).status_code == 429
    clock.advance(seconds=2)  # 00:00:01 UTC next day
    assert vq(http, q).status_code == 200 and research.quota_used_today() == 1
    assert research.requests[-1].path == VIDEO_QUERY_PATH and research.requests[-1].error_code == "ok"
