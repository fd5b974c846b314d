"""The cover cache: the pipeline's own copy of each video's cover, fetched once while TikTok's signed URL
is fresh, from the demo world's CDN (signature and expiry checked like TikTok's) over httpx's WSGI
transport, and from a real local HTTPS server; keyframe thumbnails when there is no usable cover.

Every cover URL is outside input: a URL off TikTok's CDN, a non-https URL, a CDN refusal, an HTML page
or bytes that are not an image must fail that one video with a reason, never leak the URL's signed
query string, and never stop the rest of the batch."""

from __future__ import annotations

import hashlib
import io
import logging
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment

import dagster as dg
import httpx
import pytest
from PIL import Image
from sqlalchemy import select, update

from tiktok_pipelines.defs.media.resources import MediaStoreResource
from tiktok_pipelines.defs.reporting.dashboard import video_covers as video_covers_asset
from tiktok_pipelines.defs.reporting.resources import CoverFetchResource, DashboardResource
from tiktok_pipelines.defs.resources import ClockResource, WarehouseResource
from tiktok_pipelines.demo.cdn import DemoCoverCdn, render_cover
from tiktok_pipelines.demo.world import COVER_CDN_HOST, COVER_PATH_PREFIX, DEMO_NOW, DemoAccount, DemoVideo
from tiktok_pipelines.lib.clock import FileClock, FrozenClock
from tiktok_pipelines.lib.extraction.results import save_result
from tiktok_pipelines.lib.media.store import LocalMediaStore
from tiktok_pipelines.lib.reporting.covers import THUMB_SIZE, CoverPolicy, CoverReport, cache_covers, plan_covers
from tiktok_pipelines.lib.warehouse import Warehouse
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import video_covers, videos
from tiktok_pipelines_tests.media.servers import FileServer, failing_first, self_signed_cert, serve_bytes

NOW = DEMO_NOW
ACCOUNT = DemoAccount()  # the CoverFetchResource defaults: seed 7, 36 videos
VISIBLE = ACCOUNT.videos_visible_at(NOW)
# As the asset runs against the demo CDN (in-process, so no DNS and no public-address check), with
# retries that do not wait: the backoff is download_url's business, the retry count is ours.
FAST = CoverPolicy(allow_private=True, backoff_s=0.0)
SECRET = "x-signature=S3CRET-sig%2Bvalue"


# --- the world: a warehouse, a media store, the demo CDN ---------------------------------------------


@dataclass
class CoverWorld:
    wh: Warehouse
    store: LocalMediaStore
    cdn: Any  # the WSGI app the client talks to
    client: httpx.Client
    work: Path
    clock: FrozenClock = field(default_factory=lambda: FrozenClock(NOW))

    def add_video(self, video_id: str, url: str | None, fetched_at: datetime | None = NOW) -> None:
        with self.wh.begin() as conn:
            upsert(conn, videos, [{
                "video_id": video_id, "account_id": "acct", "source": "demo", "is_demo": True,
                "create_time": NOW - timedelta(days=1), "title": f"video {video_id}", "caption": f"video {video_id}",
                "hashtags": [], "cover_image_url": url, "cover_url_fetched_at": fetched_at if url else None,
                "first_seen_at": NOW - timedelta(days=1), "last_seen_at": NOW,
            }])

    def add_demo_video(self, video: DemoVideo, *, url_at: datetime = NOW, fetched_at: datetime = NOW) -> str:
        url = video.cover_image_url(url_at)
        self.add_video(video.id, url, fetched_at)
        return url

    def set_url(self, video_id: str, url: str, fetched_at: datetime) -> None:
        with self.wh.begin() as conn:
            conn.execute(update(videos).where(videos.c.video_id == video_id)
                         .values(cover_image_url=url, cover_url_fetched_at=fetched_at))

    def add_keyframes(self, video_id: str, colour: tuple[int, int, int], *, source_sha: str | None = None) -> bytes:
        """A first-frame thumbnail in the store and the keyframes row that names it, as extraction leaves them."""
        key = f"videos/{video_id}/thumbnail.jpg"
        data = jpeg(colour, (270, 480))
        src = self.work / "upload.jpg"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_bytes(data)
        self.store.put_file(key, src)
        with self.wh.begin() as conn:
            save_result(conn, "keyframes", video_id, payload={"keyframes": []}, extractor="test", version="test-1",
                        status="ok", source_sha256=source_sha or hashlib.sha256(data).hexdigest(), now=NOW,
                        scalars={"keyframe_count": 1, "thumbnail_key": key, "hook_strip_key": None})
        return data

    def read_object(self, key: str) -> bytes:
        # The store's own contract: a missing object raises (MediaNotFound, a KeyError).
        return self.store.fetch(key, self.work / "read" / key.replace("/", "__")).read_bytes()

    def run(self, *, policy: CoverPolicy = FAST) -> tuple[CoverReport, int]:
        """What the asset does: plan at the clock's time, then fetch or derive each planned cover."""
        now = self.clock.now()
        with self.wh.begin() as conn:
            tasks, done = plan_covers(conn, now)
        report = cache_covers(self.wh.begin, tasks, self.store, self.read_object, now, policy=policy,
                              client=self.client, work_dir=self.work / "covers")
        return report, done

    def plan(self) -> tuple[list[str], int]:
        with self.wh.begin() as conn:
            tasks, done = plan_covers(conn, self.clock.now())
        return [t.video_id for t in tasks], done

    def rows(self) -> dict[str, Any]:
        with self.wh.engine.connect() as conn:
            return {r.video_id: r for r in conn.execute(select(video_covers))}

    def stored(self, key: str | None) -> bytes:
        assert key is not None
        return (self.store.root / key).read_bytes()


def jpeg(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    img = Image.new("RGB", size, colour)
    for y in range(0, size[1], 8):  # some structure, so the encoder has work to do
        img.paste(tuple(max(0, c - y // 4) for c in colour), (0, y, size[0], y + 4))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def assert_thumbnail(data: bytes, source_size: tuple[int, int]) -> None:
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        assert img.width <= THUMB_SIZE[0] and img.height <= THUMB_SIZE[1]
        # aspect kept: a 9:16 source gives a 9:16 thumbnail (within a pixel of rounding)
        assert abs(img.width / img.height - source_size[0] / source_size[1]) < 0.02


def assert_no_secret(text: str | None, url: str) -> None:
    assert text is not None
    query = url.split("?", 1)[1]
    assert query and query not in text
    assert "x-signature" not in text and "x-expires" not in text and "S3CRET" not in text and "?" not in text


class HostileEdge:
    """The demo CDN, except for a few paths answered as a broken or malicious edge would."""

    def __init__(self, cdn: DemoCoverCdn, answers: dict[str, tuple[str, bytes, str]]) -> None:
        self.cdn, self.answers = cdn, answers
        self.requests = cdn.requests

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        path = str(environ.get("PATH_INFO") or "/")
        if path in self.answers:
            self.requests.append(path)
            status, body, content_type = self.answers[path]
            start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        return self.cdn(environ, start_response)


HOSTILE_ANSWERS = {
    f"{COVER_PATH_PREFIX}page.html": ("200 OK", b"<html><body>Log in to TikTok</body></html>", "text/html; charset=utf-8"),
    f"{COVER_PATH_PREFIX}garbage.image": ("200 OK", b"\xff\xd8\xff\xe0 this is not a JPEG at all" * 20, "image/jpeg"),
    f"{COVER_PATH_PREFIX}empty.image": ("200 OK", b"", "image/jpeg"),
}


@contextmanager
def demo_cdn_world(url: str, tmp_path: Path, answers: dict[str, tuple[str, bytes, str]] | None = None) -> Iterator[CoverWorld]:
    wh = Warehouse(url)
    wh.ensure_schema()
    clock = FrozenClock(NOW)  # one simulated time for the pipeline and the CDN
    cdn = DemoCoverCdn(ACCOUNT, clock)
    app = HostileEdge(cdn, answers) if answers else cdn
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as client:
        yield CoverWorld(wh, LocalMediaStore(tmp_path / "media"), app, client, tmp_path / "work", clock)


@pytest.fixture
def world(warehouse_url: str, tmp_path: Path) -> Iterator[CoverWorld]:
    with demo_cdn_world(warehouse_url, tmp_path) as w:
        yield w


@pytest.fixture
def hostile_world(warehouse_url: str, tmp_path: Path) -> Iterator[CoverWorld]:
    """The demo CDN behind an edge that also serves an HTML page, garbage and an empty body."""
    with demo_cdn_world(warehouse_url, tmp_path, HOSTILE_ANSWERS) as w:
        yield w


@pytest.fixture
def hostile_sqlite_world(sqlite_url: str, tmp_path: Path) -> Iterator[CoverWorld]:
    """As hostile_world, on SQLite only: the per-case tests; the batch test covers both backends."""
    with demo_cdn_world(sqlite_url, tmp_path, HOSTILE_ANSWERS) as w:
        yield w


def cover_path(video: DemoVideo) -> str:
    return urlsplit(video.cover_image_url(NOW)).path


# --- a fresh cover ---------------------------------------------------------------------------------


def test_a_fresh_cover_is_fetched_once_stored_with_its_thumbnail_and_then_left_alone(world: CoverWorld) -> None:
    a, b = VISIBLE[0], VISIBLE[5]
    for v in (a, b):
        world.add_demo_video(v)

    report, done = world.run()

    assert (done, [(o.video_id, o.status, o.source, o.error) for o in report.outcomes]) == (
        0, [(v.id, "cached", "cover_url", None) for v in sorted((a, b), key=lambda v: v.id)])
    assert sorted(world.cdn.requests) == sorted([cover_path(a), cover_path(b)])  # one GET each
    rows = world.rows()
    for v in (a, b):
        row = rows[v.id]
        original = render_cover(v)  # what the CDN served
        assert world.stored(row.storage_key) == original
        assert (row.sha256, row.size_bytes, row.width, row.height) == (hashlib.sha256(original).hexdigest(),
                                                                      len(original), 270, 480)
        assert row.source_host == COVER_CDN_HOST
        assert row.source_fingerprint == COVER_CDN_HOST + cover_path(v)  # the path, never the signed query
        assert row.thumb_key != row.storage_key and row.thumb_key.startswith("covers/")
        assert not row.thumb_key.startswith("videos/")  # retention of the video's media keeps the thumbnail
        assert_thumbnail(world.stored(row.thumb_key), (270, 480))
    assert rows[a.id].sha256 != rows[b.id].sha256

    # Nothing left to do: not on the next plan, not an hour later, not after the account refresh hands
    # out a new signed URL for the same image.
    before, objects = world.wh.dump(), world.store.list()
    assert world.plan() == ([], 2)
    world.clock.advance(hours=1)
    for v in (a, b):
        world.set_url(v.id, v.cover_image_url(world.clock.now()), world.clock.now())
    report, done = world.run()
    assert (report.outcomes, done) == ([], 2)
    assert len(world.cdn.requests) == 2
    assert world.wh.dump()["video_covers"] == before["video_covers"]
    assert world.store.list() == objects


def test_a_changed_cover_image_is_fetched_again(world: CoverWorld) -> None:
    a, other = VISIBLE[0], VISIBLE[1]
    world.add_demo_video(a)
    world.run()
    first = world.rows()[a.id]

    # TikTok now serves a different image (a new path) for the same video.
    world.clock.advance(hours=2)
    new_url = other.cover_image_url(world.clock.now())
    world.set_url(a.id, new_url, world.clock.now())
    assert world.plan() == ([a.id], 0)
    report, _ = world.run()

    assert [(o.status, o.source) for o in report.outcomes] == [("cached", "cover_url")]
    row = world.rows()[a.id]
    assert row.source_fingerprint == COVER_CDN_HOST + urlsplit(new_url).path != first.source_fingerprint
    assert world.stored(row.storage_key) == render_cover(other)
    assert row.sha256 == hashlib.sha256(render_cover(other)).hexdigest() != first.sha256
    assert row.fetched_at == world.clock.now() > first.fetched_at
    assert world.plan() == ([], 1)


def test_a_changed_cover_that_cannot_be_fetched_keeps_the_cover_cached_before(world: CoverWorld) -> None:
    a, other = VISIBLE[0], VISIBLE[1]
    world.add_demo_video(a)
    world.run()
    first = world.rows()[a.id]

    world.clock.advance(hours=2)
    world.set_url(a.id, other.cover_image_url(world.clock.now()), world.clock.now())
    world.cdn.fail_next = 10
    report, _ = world.run()

    assert report.outcomes[0].status == "failed" and "503" in report.outcomes[0].error
    row = world.rows()[a.id]
    assert (row.status, row.source, row.thumb_key) == ("cached", "cover_url", first.thumb_key)


def test_a_503_from_the_cdn_edge_is_retried_and_the_cover_is_cached(world: CoverWorld) -> None:
    v = VISIBLE[2]
    world.add_demo_video(v)
    world.cdn.fail_next = 1

    report, _ = world.run()

    assert [(o.status, o.source, o.error) for o in report.outcomes] == [("cached", "cover_url", None)]
    assert world.cdn.requests == [cover_path(v), cover_path(v)]
    assert world.stored(world.rows()[v.id].storage_key) == render_cover(v)


def test_a_cdn_that_keeps_failing_fails_the_cover_after_the_retries(world: CoverWorld) -> None:
    v = VISIBLE[2]
    url = world.add_demo_video(v)
    world.cdn.fail_next = 10

    report, _ = world.run(policy=CoverPolicy(allow_private=True, retries=2, backoff_s=0.0))

    (outcome,) = report.outcomes
    assert outcome.status == "failed" and "503" in outcome.error and "after 3 attempt(s)" in outcome.error
    assert world.cdn.requests == [cover_path(v)] * 3
    assert_no_secret(outcome.error, url)
    assert world.plan() == ([v.id], 0)  # still fresh: the next run tries again


# --- expiry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("age", [timedelta(hours=6, minutes=1), timedelta(hours=5, minutes=55)],
                         ids=["expired", "within-10-min-of-expiry"])
def test_an_expired_cover_url_is_never_requested_and_the_keyframe_stands_in(world: CoverWorld, age: timedelta) -> None:
    with_kf, without_kf = VISIBLE[3], VISIBLE[4]
    for v in (with_kf, without_kf):
        world.add_demo_video(v, url_at=NOW - age, fetched_at=NOW - age)
    keyframe = world.add_keyframes(with_kf.id, (200, 40, 90))

    report, _ = world.run()

    assert world.cdn.requests == []  # an expired URL is not worth a request (and looks like an attack)
    outcomes = {o.video_id: o for o in report.outcomes}
    rows = world.rows()
    kf = rows[with_kf.id]
    assert (outcomes[with_kf.id].status, outcomes[with_kf.id].source) == ("cached", "keyframe")
    assert (kf.status, kf.source, kf.storage_key) == ("cached", "keyframe", None)
    assert "expired" in kf.error and "6 h" in kf.error  # the cover itself could not be had, and why
    assert kf.sha256 == hashlib.sha256(keyframe).hexdigest()
    assert_thumbnail(world.stored(kf.thumb_key), (270, 480))
    bare = rows[without_kf.id]
    assert (bare.status, bare.thumb_key) == ("failed", None) and "expired" in bare.error

    # Settled until something changes: the account refresh brings a fresh URL, and the real cover wins.
    assert world.plan() == ([], 2)
    world.set_url(with_kf.id, with_kf.cover_image_url(NOW), NOW)
    world.set_url(without_kf.id, without_kf.cover_image_url(NOW), NOW)
    assert world.plan() == (sorted([with_kf.id, without_kf.id]), 0)
    report, _ = world.run()
    assert {(o.video_id, o.status, o.source) for o in report.outcomes} == {
        (with_kf.id, "cached", "cover_url"), (without_kf.id, "cached", "cover_url")}
    assert world.stored(world.rows()[with_kf.id].storage_key) == render_cover(with_kf)


def test_a_url_still_fresh_for_more_than_ten_minutes_is_fetched(world: CoverWorld) -> None:
    v = VISIBLE[3]
    world.add_demo_video(v, url_at=NOW - timedelta(hours=5, minutes=49), fetched_at=NOW - timedelta(hours=5, minutes=49))
    report, _ = world.run()
    assert [(o.status, o.source) for o in report.outcomes] == [("cached", "cover_url")]
    assert world.cdn.requests == [cover_path(v)]


# --- unusable cover URLs -----------------------------------------------------------------------------


def _bad_signature(v: DemoVideo) -> str:
    url = v.cover_image_url(NOW)
    return url.split("x-signature=")[0] + SECRET


def _odd_path(name: str) -> str:
    return f"https://{COVER_CDN_HOST}{COVER_PATH_PREFIX}{name}?x-expires=1793534400&{SECRET}"



# (case id, the URL the API handed out, a phrase the error must contain, whether the CDN is asked at all)
UNUSABLE: list[tuple[str, Callable[[DemoVideo], str], str, bool]] = [
    ("off-cdn-host", lambda v: f"https://images.example.com/cover.jpeg?x-expires=1&{SECRET}", "not on TikTok's CDN", False),
    ("lookalike-host", lambda v: v.cover_image_url(NOW).replace(COVER_CDN_HOST, COVER_CDN_HOST + ".evil.example"),
     "not on TikTok's CDN", False),
    ("suffix-without-dot", lambda v: v.cover_image_url(NOW).replace(COVER_CDN_HOST, "eviltiktokcdn.com"),
     "not on TikTok's CDN", False),
    ("plain-http", lambda v: v.cover_image_url(NOW).replace("https://", "http://"), "is not https", False),
    ("not-a-url", lambda v: f"https://[::1/cover?{SECRET}", "not a valid URL", False),
    ("bad-signature", _bad_signature, "HTTP 403", True),
    ("expired-at-the-cdn", lambda v: v.cover_image_url(NOW - timedelta(hours=7)), "HTTP 403", True),
    ("unknown-image", lambda v: _odd_path("0" * 32 + "~tplv-noop.image"), "HTTP 404", True),
    ("html-page", lambda v: _odd_path("page.html"), "Content-Type 'text/html' is not one we accept", True),
    ("not-an-image", lambda v: _odd_path("garbage.image"), "not a decodable image", True),
    ("empty-body", lambda v: _odd_path("empty.image"), "empty body", True),
]


@pytest.mark.parametrize(("make_url", "reason", "requested"), [pytest.param(*c[1:], id=c[0]) for c in UNUSABLE])
def test_an_unusable_cover_url_fails_that_video_with_the_reason_and_no_secret(
    hostile_sqlite_world: CoverWorld, make_url: Callable[[DemoVideo], str], reason: str, requested: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world, v = hostile_sqlite_world, VISIBLE[6]
    url = make_url(v)
    world.add_video(v.id, url, NOW)

    with caplog.at_level(logging.DEBUG):
        report, _ = world.run()

    (outcome,) = report.outcomes
    assert (outcome.video_id, outcome.status, outcome.source) == (v.id, "failed", None)
    assert reason in outcome.error
    if reason == "not a decodable image":
        assert f"video {v.id}" in outcome.error
    assert_no_secret(outcome.error, url)
    row = world.rows()[v.id]
    assert (row.status, row.error, row.storage_key, row.thumb_key, row.sha256) == ("failed", outcome.error, None, None, None)
    assert world.store.list("covers/") == []  # nothing is stored before the bytes pass every check
    assert bool(world.cdn.requests) == requested
    # Signed query strings stay out of every log line too (httpx logs each request URL).
    query = url.split("?", 1)[1]
    leaked = [r.getMessage() for r in caplog.records if query in r.getMessage() or "S3CRET" in r.getMessage()]
    assert leaked == []


@pytest.mark.parametrize(("make_url", "reason", "requested"),
                         [pytest.param(*c[1:], id=c[0]) for c in UNUSABLE if c[0] in ("off-cdn-host", "bad-signature", "html-page")])
def test_an_unusable_cover_url_falls_back_to_the_keyframe_and_keeps_the_reason(
    hostile_sqlite_world: CoverWorld, make_url: Callable[[DemoVideo], str], reason: str, requested: bool,
) -> None:
    world, v = hostile_sqlite_world, VISIBLE[6]
    url = make_url(v)
    world.add_video(v.id, url, NOW)
    world.add_keyframes(v.id, (10, 120, 60))

    report, _ = world.run()

    (outcome,) = report.outcomes
    assert (outcome.status, outcome.source) == ("cached", "keyframe")
    assert reason in outcome.error
    assert_no_secret(outcome.error, url)
    row = world.rows()[v.id]
    assert (row.status, row.source, row.storage_key, row.error) == ("cached", "keyframe", None, outcome.error)
    assert_thumbnail(world.stored(row.thumb_key), (270, 480))


def test_one_bad_cover_never_stops_the_others_in_the_batch(hostile_world: CoverWorld) -> None:
    world = hostile_world
    good = VISIBLE[:3]
    for v in good:
        world.add_demo_video(v)
    bad = {}
    for (case, make_url, reason, _), v in zip(UNUSABLE, VISIBLE[3:], strict=False):
        bad[v.id] = (case, reason, make_url(v))
        world.add_video(v.id, bad[v.id][2], NOW)
    world.add_video("7000000000000000001", None)  # no cover URL and no keyframes

    report, _ = world.run()

    by_id = {o.video_id: o for o in report.outcomes}
    assert len(by_id) == len(good) + len(bad) + 1
    for v in good:
        assert (by_id[v.id].status, by_id[v.id].source) == ("cached", "cover_url")
        assert world.stored(world.rows()[v.id].storage_key) == render_cover(v)
    for vid, (case, reason, url) in bad.items():
        assert by_id[vid].status == "failed", case
        assert reason in by_id[vid].error, case
        assert_no_secret(by_id[vid].error, url)
    assert by_id["7000000000000000001"].status == "no_source"
    assert report.count("cached") == 3 and report.count("failed") == len(bad) and report.by_source() == {"cover_url": 3}


# --- drafts and videos without any source ------------------------------------------------------------


def test_a_draft_with_only_keyframes_gets_a_keyframe_thumbnail_and_a_new_extraction_replaces_it(world: CoverWorld) -> None:
    draft = "draft-my-routine-0a1b2c3d"
    first = world.add_keyframes(draft, (30, 60, 200), source_sha="a" * 64)

    report, _ = world.run()

    assert [(o.video_id, o.status, o.source, o.error) for o in report.outcomes] == [(draft, "cached", "keyframe", None)]
    assert world.cdn.requests == []
    row = world.rows()[draft]
    assert (row.source, row.source_fingerprint, row.storage_key, row.sha256) == (
        "keyframe", "a" * 64, None, hashlib.sha256(first).hexdigest())
    assert_thumbnail(world.stored(row.thumb_key), (270, 480))
    assert world.plan() == ([], 1)

    # The creator replaced the draft's file: extraction made new keyframes from a new source.
    second = world.add_keyframes(draft, (220, 220, 30), source_sha="b" * 64)
    assert world.plan() == ([draft], 0)
    world.run()
    row = world.rows()[draft]
    assert (row.source_fingerprint, row.sha256) == ("b" * 64, hashlib.sha256(second).hexdigest())


def test_a_video_with_no_cover_url_and_no_keyframes_has_no_source_until_one_appears(world: CoverWorld) -> None:
    vid = "7000000000000000002"
    world.add_video(vid, None)

    report, _ = world.run()

    assert [(o.status, o.source) for o in report.outcomes] == [("no_source", None)]
    row = world.rows()[vid]
    assert (row.status, row.thumb_key) == ("no_source", None) and "no cover URL" in row.error
    assert world.plan() == ([], 1)  # nothing to retry
    world.add_keyframes(vid, (90, 90, 90))
    assert world.plan() == ([vid], 0)
    world.run()
    assert (world.rows()[vid].status, world.rows()[vid].source) == ("cached", "keyframe")


def test_a_keyframe_thumbnail_gone_from_the_store_fails_naming_the_video(world: CoverWorld) -> None:
    vid = "draft-pruned-00000000"
    world.add_keyframes(vid, (1, 2, 3))
    world.store.delete_prefix(f"videos/{vid}/")

    report, _ = world.run()

    (outcome,) = report.outcomes
    assert outcome.status == "failed" and "keyframe thumbnail unusable" in outcome.error
    assert f"videos/{vid}/thumbnail.jpg" in outcome.error


# --- a real HTTPS server on a socket -------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[FileServer, Path]]:
    cert, key = self_signed_cert(tmp_path / "tls")
    with FileServer(tls=(cert, key)) as server:
        yield server, cert


def test_covers_over_a_real_https_socket(sqlite_url: str, tmp_path: Path, tls_server: tuple[FileServer, Path]) -> None:
    server, cert = tls_server
    wh = Warehouse(sqlite_url)
    wh.ensure_schema()
    cover, other = jpeg((250, 80, 20), (360, 640)), jpeg((20, 80, 250), (540, 960))
    server.routes.update({
        "/ok/cover.jpeg": serve_bytes(cover, "image/jpeg"),
        "/flaky/cover.webp": failing_first(1, serve_bytes(other, "application/octet-stream")),
        "/login.html": serve_bytes(b"<!doctype html><title>Sign in</title>", "text/html"),
        "/garbage.jpeg": serve_bytes(b"GIF89a" + b"\0" * 400, "image/jpeg"),
    })
    paths = {"7100000000000000001": "/ok/cover.jpeg", "7100000000000000002": "/flaky/cover.webp",
             "7100000000000000003": "/login.html", "7100000000000000004": "/garbage.jpeg",
             "7100000000000000005": "/gone.jpeg"}
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
        world = CoverWorld(wh, LocalMediaStore(tmp_path / "media"), None, client, tmp_path / "work")
        urls = {vid: f"{server.url(path)}?x-expires=1793534400&{SECRET}" for vid, path in paths.items()}
        for vid, url in urls.items():
            world.add_video(vid, url, NOW)
        # The test server is on loopback: the policy names it as the CDN and allows private addresses.
        policy = CoverPolicy(cdn_suffixes=("127.0.0.1",), allow_private=True, backoff_s=0.0)

        report, _ = world.run(policy=policy)

    by_id = {o.video_id: o for o in report.outcomes}
    assert {v: (o.status, o.source) for v, o in by_id.items()} == {
        "7100000000000000001": ("cached", "cover_url"), "7100000000000000002": ("cached", "cover_url"),
        "7100000000000000003": ("failed", None), "7100000000000000004": ("failed", None),
        "7100000000000000005": ("failed", None)}
    assert "Content-Type 'text/html'" in by_id["7100000000000000003"].error
    assert "cover of video 7100000000000000004: not a decodable image" in by_id["7100000000000000004"].error
    assert "HTTP 404" in by_id["7100000000000000005"].error
    for vid, o in by_id.items():
        if o.error:
            assert_no_secret(o.error, urls[vid])
    assert server.hits == {"/ok/cover.jpeg": 1, "/flaky/cover.webp": 2, "/login.html": 1, "/garbage.jpeg": 1, "/gone.jpeg": 1}
    rows = world.rows()
    assert world.stored(rows["7100000000000000001"].storage_key) == cover
    assert (rows["7100000000000000002"].width, rows["7100000000000000002"].height) == (540, 960)
    assert rows["7100000000000000001"].source_host == "127.0.0.1"
    assert_thumbnail(world.stored(rows["7100000000000000002"].thumb_key), (540, 960))


def test_a_loopback_host_is_refused_unless_the_policy_names_it_and_allows_private_addresses(
    sqlite_url: str, tmp_path: Path, tls_server: tuple[FileServer, Path],
) -> None:
    server, cert = tls_server
    server.routes["/ok/cover.jpeg"] = serve_bytes(jpeg((1, 1, 1), (90, 160)), "image/jpeg")
    wh = Warehouse(sqlite_url)
    wh.ensure_schema()
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
        world = CoverWorld(wh, LocalMediaStore(tmp_path / "media"), None, client, tmp_path / "work")
        world.add_video("7100000000000000009", server.url("/ok/cover.jpeg") + f"?{SECRET}", NOW)
        default = world.run(policy=FAST)[0].outcomes[0]
        named_only = world.run(policy=CoverPolicy(cdn_suffixes=("127.0.0.1",), backoff_s=0.0))[0].outcomes[0]
        assert server.hits == {}
        allowed = world.run(policy=CoverPolicy(cdn_suffixes=("127.0.0.1",), allow_private=True, backoff_s=0.0))[0].outcomes[0]
    assert default.status == "failed" and "not on TikTok's CDN" in default.error
    assert named_only.status == "failed" and "loopback address" in named_only.error
    assert allowed.status == "cached" and server.hits == {"/ok/cover.jpeg": 1}


# --- the Dagster asset ---------------------------------------------------------------------------------


def _resources(warehouse_url: str, tmp_path: Path) -> dict[str, Any]:
    return {
        "warehouse": WarehouseResource(url=warehouse_url),
        "clock": ClockResource(simulated=True, state_file=str(tmp_path / "clock.json")),
        "media_store": MediaStoreResource(local_root=str(tmp_path / "media")),
        "cover_fetch": CoverFetchResource(demo=True),
        "dashboard": DashboardResource(output_path=str(tmp_path / "dashboard" / "index.html"),
                                       cache_dir=str(tmp_path / "dashboard" / ".cache")),
    }


def _materialize(resources: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    with dg.instance_for_test() as instance:
        result = dg.materialize([video_covers_asset], resources=resources, instance=instance)
        assert result.success
        (mat,) = result.asset_materializations_for_node("video_covers")
        warnings = [e.user_message for e in instance.all_logs(result.run_id)
                    if e.level == logging.WARNING and e.user_message.startswith("cover of")]
    return {k: v.value for k, v in mat.metadata.items()}, warnings


def test_the_video_covers_asset_caches_the_demo_accounts_covers(warehouse_url: str, tmp_path: Path) -> None:
    wh = Warehouse(warehouse_url)
    wh.ensure_schema()
    world = CoverWorld(wh, LocalMediaStore(tmp_path / "media"), None, None, tmp_path / "work")  # type: ignore[arg-type]
    fresh = VISIBLE[:3]
    for v in fresh:
        world.add_demo_video(v)
    tampered = VISIBLE[3]
    world.add_video(tampered.id, tampered.cover_image_url(NOW).replace(COVER_CDN_HOST, "cdn.example.net"), NOW)
    resources = _resources(warehouse_url, tmp_path)

    meta, warnings = _materialize(resources)

    assert (meta["processed"], meta["already_cached"], meta["failed_now"]) == (4, 0, 1)
    assert meta["cached_now"] == {"cover_url": 3}
    assert meta["totals"] == {"cached:cover_url": 3, "failed": 1}
    rows = world.rows()
    for v in fresh:
        assert world.stored(rows[v.id].storage_key) == render_cover(v)
        assert_thumbnail(world.stored(rows[v.id].thumb_key), (270, 480))
    (warning,) = warnings  # the one refused cover, named with its video and the reason
    assert tampered.id in warning and "not on TikTok's CDN" in warning and "x-signature" not in warning

    # An hour later nothing cached is fetched again; the refused URL (still fresh) is tried again.
    FileClock(tmp_path / "clock.json", NOW).set(NOW + timedelta(hours=1))
    meta, _ = _materialize(resources)
    assert (meta["processed"], meta["already_cached"], meta["failed_now"], meta["cached_now"]) == (1, 3, 1, {})
    again = world.rows()
    assert {v.id: again[v.id] for v in fresh} == {v.id: rows[v.id] for v in fresh}
    assert again[tampered.id].fetched_at == NOW + timedelta(hours=1)


def test_the_asset_reports_a_keyframe_thumbnail_removed_by_retention_as_missing(sqlite_url: str, tmp_path: Path) -> None:
    wh = Warehouse(sqlite_url)
    wh.ensure_schema()
    world = CoverWorld(wh, LocalMediaStore(tmp_path / "media"), None, None, tmp_path / "work")  # type: ignore[arg-type]
    draft = "draft-pruned-11111111"
    world.add_keyframes(draft, (5, 5, 5))
    world.store.delete_prefix(f"videos/{draft}/")

    _materialize(_resources(sqlite_url, tmp_path))

    error = world.rows()[draft].error
    assert "not a decodable image" not in error
    assert f"videos/{draft}/thumbnail.jpg" in error
