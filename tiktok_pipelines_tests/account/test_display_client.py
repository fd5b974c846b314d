"""The real Display API client against the fake TikTok, with TikTok's faults injected."""

from __future__ import annotations

import httpx
import pytest

from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FrozenClock
from tiktok_pipelines.lib.tiktok.display import DisplayApiClient
from tiktok_pipelines.lib.tiktok.errors import QuotaExhausted, ReconsentRequired, RetriesExhausted
from tiktok_pipelines.lib.tiktok.http import RetryPolicy, TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import OAuthClient, UserTokenProvider
from tiktok_pipelines.lib.tiktok.tokens import MemoryTokenStore, TokenSet

LIST = "/v2/video/list/"
QUERY = "/v2/video/query/"


@pytest.fixture
def world():
    clock = FrozenClock(DEMO_NOW)
    fake = FakeTikTokApi(DemoAccount(seed=3, n_videos=57), clock)
    sleeps: list[float] = []
    http = TikTokHttp(
        transport=httpx.WSGITransport(app=fake),
        retry=RetryPolicy(max_attempts=6, base_delay_s=0.01),
        sleep=sleeps.append,
        seed=1,
    )
    store = MemoryTokenStore(TokenSet.from_response(fake.grant_user_tokens(), clock.now()))
    provider = UserTokenProvider(OAuthClient(http, fake.client_key, fake.client_secret, clock), store, clock)
    return fake, DisplayApiClient(http, provider), store, sleeps


def _expected_ids(fake: FakeTikTokApi) -> list[str]:
    return [v.id for v in fake.account.videos_visible_at(fake.clock.now())]


def test_lists_every_video_newest_first(world):
    fake, client, _, _ = world
    listing = client.list_videos()
    assert [v.video_id for v in listing.videos] == _expected_ids(fake)
    assert listing.pages == 3 and listing.complete


def test_refresh_survives_every_documented_fault_with_no_video_lost_or_duplicated(world):
    fake, client, store, sleeps = world
    before = store.load()
    fake.faults.add("rate_limit", count=3, endpoint=LIST, retry_after=1)  # a 429 burst with Retry-After
    fake.faults.add("internal_error", count=1, endpoint=LIST, after=1)  # a 500 on page 2
    fake.faults.add("expire_token", count=1, endpoint=LIST, after=2)  # token dies mid-pagination
    fake.faults.add("short_page", count=2, endpoint=LIST)  # pages shorter than max_count, has_more true
    fake.faults.add("http200_error", count=1, endpoint=QUERY, code="internal_error")  # 200 + error code
    fake.faults.add("html_500", count=1, endpoint=QUERY, after=1)

    listing = client.list_videos()
    ids = [v.video_id for v in listing.videos]
    assert ids == _expected_ids(fake)
    assert len(ids) == len(set(ids))
    assert listing.short_pages >= 1

    counts, rejected = client.query_counts(ids)
    assert sorted(c.video_id for c in counts) == sorted(ids) and not rejected

    assert not fake.faults.pending
    assert 1.0 in sleeps  # Retry-After honoured
    assert client.tokens.refreshes == 1 and store.load().refresh_token != before.refresh_token
    codes = [f.error_code for f in client.http.failures]
    assert codes.count("rate_limit_exceeded") == 3 and "internal_error" in codes
    assert all(f.log_id for f in client.http.failures if f.error_code != "http_500")


def test_revoked_refresh_token_asks_for_reconsent_without_leaking_tokens(world):
    fake, client, store, _ = world
    tokens = store.load()
    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    with pytest.raises(ReconsentRequired) as err:
        client.list_videos()
    text = str(err.value)
    assert "tiktok-pipelines auth" in text
    assert tokens.access_token not in text and tokens.refresh_token not in text
    assert "act." not in text and "rft." not in text


def test_daily_quota_is_never_retried(world):
    fake, client, _, sleeps = world
    fake.faults.add("http200_error", count=5, endpoint=QUERY, code="daily_quota_limit_exceeded")
    with pytest.raises(QuotaExhausted):
        client.query_counts([v.id for v in fake.account.videos[:3]])
    assert sleeps == []
    assert len([r for r in fake.requests if r.path == QUERY]) == 1


def test_persistent_500s_give_up_after_the_retry_budget(world):
    fake, client, _, sleeps = world
    fake.faults.add("internal_error", count=50, endpoint=QUERY)
    with pytest.raises(RetriesExhausted) as err:
        client.query_counts([fake.account.videos[0].id])
    assert len(sleeps) == 5 and "log_id=" in str(err.value)


def test_malformed_items_are_rejected_by_name_and_the_rest_kept(world):
    fake, client, _, _ = world
    fake.faults.add("malformed", count=1, endpoint=QUERY)
    from tiktok_pipelines.lib.tiktok.errors import MalformedResponse

    with pytest.raises(MalformedResponse) as err:
        client.query_counts([fake.account.videos[0].id])
    assert "/v2/video/query/" in str(err.value)

    from tiktok_pipelines.lib.tiktok.display import parse_counts

    with pytest.raises(ValueError, match="view_count=-5 is negative"):
        parse_counts({"id": "123", "view_count": -5, "like_count": 1, "comment_count": 0, "share_count": 0})
    with pytest.raises(ValueError, match="not a numeric id"):
        parse_counts({"id": "abc", "view_count": 1, "like_count": 1, "comment_count": 0, "share_count": 0})
