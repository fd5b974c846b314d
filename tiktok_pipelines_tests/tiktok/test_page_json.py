"""PageJsonClient (the unofficial page-JSON adapter) against fake TikTok video pages on a real local
socket, through a real httpx.Client. Pacing and backoff run on an injected clock: nothing sleeps."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

import httpx
import pytest

from tiktok_pipelines.demo.page_site import (
    FakeTikTokPages,
    render_page,
    round_sig,
    video_page_data,
)
from tiktok_pipelines.demo.public_feed import PublicFeed, PublicVideo
from tiktok_pipelines.demo.server import RunningServer, serve_in_thread
from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.clock import FrozenClock
from tiktok_pipelines.lib.tiktok.page_json import (
    PageJsonBlocked,
    PageJsonClient,
    PageJsonError,
    PageScriptMissing,
    PageVideoUnavailable,
    parse_video_page,
)


class FakeTime:
    """A monotonic clock that only moves when the client sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


class StatusApp:
    """A WSGI app that answers every request with one HTTP status and counts them."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.requests = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        self.requests += 1
        start_response(f"{self.status} Status", [("Content-Type", "text/html"), ("Content-Length", "0")])
        return [b""]


@pytest.fixture
def site(feed: PublicFeed, clock: FrozenClock) -> FakeTikTokPages:
    return FakeTikTokPages(feed, clock)


@pytest.fixture
def server(site: FakeTikTokPages) -> Iterator[RunningServer]:
    with serve_in_thread(site) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(
    http: httpx.Client, fake_time: FakeTime, clock: FrozenClock
) -> Callable[[str], PageJsonClient]:
    def make(base_url: str) -> PageJsonClient:
        return PageJsonClient(http, base_url=base_url, clock=fake_time.monotonic, sleep=fake_time.sleep, now=clock.now)

    return make


@pytest.fixture
def client(make_client: Callable[[str], PageJsonClient], server: RunningServer) -> PageJsonClient:
    return make_client(server.base_url)


def pick(feed: PublicFeed, ok: Callable[[PublicVideo], bool], skip: int = 0) -> PublicVideo:
    return [v for v in feed.videos_posted_by(DEMO_NOW) if ok(v)][skip]


def big(v: PublicVideo) -> bool:
    views = v.counts_at(DEMO_NOW).views
    return views >= 100_000 and round_sig(views) != views


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- parsing -------------------------------------------------------------------------------------


def test_fetch_reads_exact_live_counts_and_page_metadata(
    client: PageJsonClient, site: FakeTikTokPages, feed: PublicFeed, http: httpx.Client
) -> None:
    v = pick(feed, lambda v: big(v) and v.music_id in feed.sound_ids)
    http.cookies.set("sessionid", "must-not-be-sent")
    page = client.fetch(v.username, str(v.id))

    counts = v.counts_at(DEMO_NOW)
    assert page.stats_exact is True
    assert (page.views, page.likes, page.comments, page.shares) == (counts.views, counts.likes, counts.comments, counts.shares)
    assert page.saves is not None and 0 <= page.saves <= counts.likes
    assert page.video_id == str(v.id) and page.username == v.username
    assert page.create_time == v.create_time and page.create_time.tzinfo is not None
    assert page.description == v.description and page.duration_s == v.duration
    assert page.hashtags == v.hashtags and page.cover_url and page.cover_url.startswith("https://")
    k = feed.sound_ids.index(v.music_id)
    assert (page.music_id, page.sound_title, page.sound_original) == (str(v.music_id), f"Sound #{k}", False)
    creator = feed.creator(v.username, DEMO_NOW)
    assert creator is not None
    assert (page.display_name, page.verified, page.bio) == (
        creator["display_name"], creator["is_verified"], creator["bio_description"]
    )
    assert (page.follower_count, page.following_count, page.total_likes, page.video_count) == (
        creator["follower_count"], creator["following_count"], creator["likes_count"], creator["video_count"]
    )
    assert page.fetched_at == DEMO_NOW
    sent = site.log[-1]
    assert sent.path == f"/@{v.username}/video/{v.id}" and sent.status == 200
    assert sent.user_agent.startswith("Mozilla/5.0") and sent.cookie == ""


def test_original_sound_is_attributed_to_the_creator(client: PageJsonClient, feed: PublicFeed) -> None:
    v = pick(feed, lambda v: v.music_id not in feed.sound_ids)
    page = client.fetch(v.username, str(v.id))
    creator = feed.creator(v.username, DEMO_NOW)
    assert creator is not None
    assert page.sound_original is True and page.sound_author == creator["display_name"]


def test_falls_back_to_rounded_stats_when_stats_v2_is_missing(feed: PublicFeed) -> None:
    v = pick(feed, big)
    exact = v.counts_at(DEMO_NOW).views
    data = video_page_data(feed, v.username, str(v.id), DEMO_NOW)
    item = data["__DEFAULT_SCOPE__"]["webapp.video-detail"]["itemInfo"]["itemStruct"]
    assert parse_video_page(render_page(data), str(v.id), DEMO_NOW).views == exact

    del item["statsV2"]
    item["createTime"] = v.create_epoch  # TikTok sends it as a string or a number
    page = parse_video_page(render_page(data), str(v.id), DEMO_NOW)
    assert page.stats_exact is False
    assert page.views == round_sig(exact) != exact
    assert page.create_time == v.create_time


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda item: item.update(id="123"), "item '123'"),
        (lambda item: item["statsV2"].update(playCount="-5"), "statsV2.playCount=-5 is negative"),
        (lambda item: item["statsV2"].update(diggCount="1.2K"), "statsV2.diggCount='1.2K' is not an integer"),
        (lambda item: item["stats"].update(playCount=None) or item.pop("statsV2"), "neither statsV2 nor stats"),
        (lambda item: item["author"].pop("uniqueId"), "author.uniqueId is missing"),
    ],
    ids=["id-mismatch", "negative", "not-integer", "no-stats", "no-author"],
)
def test_malformed_items_are_rejected_naming_the_video(
    feed: PublicFeed, mutate: Callable[[dict[str, Any]], Any], expected: str
) -> None:
    v = pick(feed, big)
    data = video_page_data(feed, v.username, str(v.id), DEMO_NOW)
    mutate(data["__DEFAULT_SCOPE__"]["webapp.video-detail"]["itemInfo"]["itemStruct"])
    with pytest.raises(PageJsonError, match=re.escape(expected)) as caught:
        parse_video_page(render_page(data), str(v.id), DEMO_NOW)
    assert str(v.id) in str(caught.value) and not isinstance(caught.value, PageVideoUnavailable)


def test_invalid_json_and_missing_scope_are_rejected(feed: PublicFeed) -> None:
    html = '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{not json</script>'
    with pytest.raises(PageJsonError, match=r"video 42: .*not valid JSON"):
        parse_video_page(html, "42", DEMO_NOW)
    with pytest.raises(PageJsonError, match=r"video 42: no __DEFAULT_SCOPE__\['webapp.video-detail'\]"):
        parse_video_page(render_page({"__DEFAULT_SCOPE__": {}}), "42", DEMO_NOW)


# --- live counts ---------------------------------------------------------------------------------


def test_counts_are_live_and_grow_as_the_clock_moves(client: PageJsonClient, clock: FrozenClock, feed: PublicFeed) -> None:
    v = pick(feed, lambda v: DEMO_NOW - v.create_time < timedelta(hours=12) and v.counts_at(DEMO_NOW).views > 0)
    first = client.fetch(v.username, str(v.id))
    clock.advance(hours=6)
    later = client.fetch(v.username, str(v.id))
    assert first.views is not None and later.views is not None and later.views > first.views
    assert later.views == v.counts_at(DEMO_NOW + timedelta(hours=6)).views
    assert later.fetched_at - first.fetched_at == timedelta(hours=6)


def test_upcoming_video_is_unavailable_until_posted(client: PageJsonClient, clock: FrozenClock, feed: PublicFeed) -> None:
    v = next(v for v in feed.videos if v.create_time > DEMO_NOW)
    with pytest.raises(PageVideoUnavailable):
        client.fetch(v.username, str(v.id))
    clock.set(v.create_time + timedelta(hours=1))
    assert client.fetch(v.username, str(v.id)).create_time == v.create_time


# --- pacing and retries --------------------------------------------------------------------------


def test_requests_are_paced(client: PageJsonClient, site: FakeTikTokPages, fake_time: FakeTime, feed: PublicFeed) -> None:
    v = pick(feed, big)
    for _ in range(3):
        client.fetch(v.username, str(v.id))
    assert fake_time.sleeps == [2.0, 2.0]
    fake_time.t += 0.5  # time spent elsewhere counts toward the interval
    client.fetch(v.username, str(v.id))
    assert fake_time.sleeps == [2.0, 2.0, 1.5]
    fake_time.t += 10
    client.fetch(v.username, str(v.id))
    assert len(fake_time.sleeps) == 3 and site.requests == client.requests_sent == 5


def test_429_is_retried_with_backoff_then_succeeds(
    client: PageJsonClient, site: FakeTikTokPages, fake_time: FakeTime, feed: PublicFeed
) -> None:
    v = pick(feed, big)
    site.block_next(2)
    page = client.fetch(v.username, str(v.id))
    assert page.views == v.counts_at(DEMO_NOW).views
    assert site.requests == client.requests_sent == 3
    assert fake_time.sleeps == [2.0, 4.0]  # backoff; it already covers the pacing interval


def test_429_after_every_attempt_raises_blocked(client: PageJsonClient, site: FakeTikTokPages, feed: PublicFeed) -> None:
    v = pick(feed, big)
    site.block_next(10)
    with pytest.raises(PageJsonBlocked, match=rf"video {v.id}: still rate limited .* 3 attempts") as caught:
        client.fetch(v.username, str(v.id))
    assert caught.value.http_status == 429 and site.requests == 3


def test_captcha_page_is_a_clear_error_and_not_retried(
    client: PageJsonClient, site: FakeTikTokPages, feed: PublicFeed
) -> None:
    v = pick(feed, big)
    site.captcha_next(1)
    with pytest.raises(PageScriptMissing, match=rf"video {v.id}: no <script .*captcha") as caught:
        client.fetch(v.username, str(v.id))
    assert isinstance(caught.value, ValueError) and site.requests == 1
    assert client.fetch(v.username, str(v.id)).video_id == str(v.id)


@pytest.mark.parametrize("case", ["unknown-id", "other-users-video"])
def test_unavailable_video_is_not_retried(
    client: PageJsonClient, site: FakeTikTokPages, fake_time: FakeTime, feed: PublicFeed, case: str
) -> None:
    v = pick(feed, big)
    other = next(name for name in feed.creators if name != v.username)
    username, video_id = (v.username, "1234567") if case == "unknown-id" else (other, str(v.id))
    with pytest.raises(PageVideoUnavailable, match=rf"video {video_id}: TikTok answered statusCode 10204") as caught:
        client.fetch(username, video_id)
    assert caught.value.status_code == 10204
    assert site.requests == 1 and fake_time.sleeps == []


def test_server_errors_are_retried_then_reported(
    make_client: Callable[[str], PageJsonClient], fake_time: FakeTime
) -> None:
    app = StatusApp(503)
    with serve_in_thread(app) as running:
        client = make_client(running.base_url)
        with pytest.raises(PageJsonError, match=r"video 42: gave up after 3 attempts: HTTP 503"):
            client.fetch("someone", "42")
    assert app.requests == 3 and fake_time.sleeps == [2.0, 4.0]


def test_transport_errors_are_retried(make_client: Callable[[str], PageJsonClient]) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(PageJsonError, match=r"video 42: gave up after 3 attempts: ConnectError"):
        client.fetch("someone", "42")
    assert client.requests_sent == 3


@pytest.mark.parametrize(("status", "error"), [(403, PageJsonBlocked), (404, PageVideoUnavailable)])
def test_403_and_404_are_never_retried(
    make_client: Callable[[str], PageJsonClient], status: int, error: type[PageJsonError]
) -> None:
    app = StatusApp(status)
    with serve_in_thread(app) as running, pytest.raises(error, match=rf"video 42: HTTP {status}"):
        make_client(running.base_url).fetch("someone", "42")
    assert app.requests == 1


# --- batches and input checks --------------------------------------------------------------------


def test_fetch_many_keeps_going_past_failures(client: PageJsonClient, site: FakeTikTokPages, feed: PublicFeed) -> None:
    a, b = pick(feed, big), pick(feed, big, skip=1)
    site.captcha_next(1)  # hits the first video
    videos, failures = client.fetch_many(
        [(a.username, str(a.id)), (a.username, "1234567"), ("not a user", "55"), (b.username, str(b.id))]
    )
    assert [p.video_id for p in videos] == [str(b.id)]
    assert [vid for vid, _ in failures] == [str(a.id), "1234567", "55"]
    reasons = [reason for _, reason in failures]
    assert "captcha" in reasons[0] and "10204" in reasons[1] and "'not a user'" in reasons[2]
    assert site.requests == 3  # the invalid username never reached the network


def test_fetch_many_stops_sending_once_blocked(client: PageJsonClient, site: FakeTikTokPages, feed: PublicFeed) -> None:
    a, b = pick(feed, big), pick(feed, big, skip=1)
    site.block_next(3)
    videos, failures = client.fetch_many([(a.username, str(a.id)), (b.username, str(b.id))])
    assert videos == [] and [vid for vid, _ in failures] == [str(a.id), str(b.id)]
    assert "rate limited" in failures[0][1] and failures[1][1].startswith("skipped: blocked")
    assert site.requests == 3


@pytest.mark.parametrize(
    ("username", "video_id", "bad"),
    [
        ("@sunny.kitchen0", "42", "'@sunny.kitchen0'"),
        ("bad user", "42", "'bad user'"),
        ("", "42", "''"),
        ("a" * 65, "42", "'aaaa"),
        ("../admin", "42", "'../admin'"),
        ("sunny.kitchen0", "12a", "'12a'"),
        ("sunny.kitchen0", "1" * 21, "'111"),
        ("sunny.kitchen0", "42/../x", "'42/../x'"),
        ("sunny.kitchen0", "٤٢", "'٤٢'"),
    ],
)
def test_invalid_username_or_video_id_is_rejected_before_any_request(
    client: PageJsonClient, site: FakeTikTokPages, username: str, video_id: str, bad: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(bad)):
        client.fetch(username, video_id)
    assert site.requests == 0 and client.requests_sent == 0
