"""Fake public TikTok video pages over the synthetic `PublicFeed` (DEMO DATA), for the page-JSON adapter.

`FakeTikTokPages(feed, clock)` is a WSGI app answering `GET /@{username}/video/{id}` the way
tiktok.com's web pages do: an HTML page whose `<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">`
holds `__DEFAULT_SCOPE__["webapp.video-detail"]` with `statusCode` and `itemInfo.itemStruct`.
Counts are **live** (at `clock.now()`), unlike the fake Research API's archived ones: `stats` rounded
to 3 significant digits, `statsV2` exact strings. A video that does not exist, belongs to another
user or is not posted yet at `clock.now()` gets TikTok's "not found" page (HTTP 200, statusCode 10204).

Faults for tests: `block_next(n)` (HTTP 429) and `captcha_next(n)` (a page without the script).
Everything is a pure function of the feed and the clock, so answers are deterministic.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from http import HTTPStatus
from typing import Any
from wsgiref.types import StartResponse, WSGIEnvironment

from tiktok_pipelines.demo.public_feed import PublicFeed, PublicVideo
from tiktok_pipelines.lib.clock import Clock, utc

NOT_FOUND_STATUS = 10204
_PATH_RE = re.compile(r"/@([^/]+)/video/([0-9]+)/?")
_CAPTCHA_HTML = (
    "<!DOCTYPE html><html><head><title>Security Check</title></head><body>"
    '<div id="captcha-verify-container">Verify to continue: drag the slider to fit the puzzle</div>'
    "</body></html>"
)


@dataclass(frozen=True)
class PageRequest:
    """One request as the fake saw it, so tests can check what the client sent."""

    path: str
    status: int
    user_agent: str
    cookie: str


def round_sig(n: int, digits: int = 3) -> int:
    """n rounded half-up to `digits` significant digits (1234567 -> 1230000), like TikTok's `stats`."""
    exponent = len(str(n)) - digits
    if n <= 0 or exponent <= 0:
        return n
    unit = 10**exponent
    return (n + unit // 2) // unit * unit


def video_page_data(feed: PublicFeed, username: str, video_id: str, now: datetime) -> dict[str, Any]:
    """The rehydration JSON TikTok would embed in the video's page at `now`."""
    video = feed.video(video_id)
    creator = feed.creator(username, now)
    if video is None or creator is None or video.username != username or video.create_time > utc(now):
        detail: dict[str, Any] = {"statusCode": NOT_FOUND_STATUS, "statusMsg": ""}
    else:
        detail = {"itemInfo": {"itemStruct": _item(feed, video, creator, now)}, "statusCode": 0, "statusMsg": ""}
    return {
        "__DEFAULT_SCOPE__": {
            "webapp.app-context": {"language": "en", "region": "US"},
            "webapp.video-detail": detail,
        }
    }


def _item(feed: PublicFeed, video: PublicVideo, creator: dict[str, Any], now: datetime) -> dict[str, Any]:
    counts = video.counts_at(now)
    # the feed has no saves: a fixed per-video share of likes keeps them deterministic and monotone
    saves = int(counts.likes * (0.05 + (video.comment_seed % 100) / 1000))
    exact = {
        "playCount": counts.views,
        "diggCount": counts.likes,
        "commentCount": counts.comments,
        "shareCount": counts.shares,
        "collectCount": saves,
    }
    if video.music_id in feed.sound_ids:
        k = feed.sound_ids.index(video.music_id)
        music = {"title": f"Sound #{k}", "authorName": f"Demo Artist {k}", "original": False}
    else:
        music = {"title": f"original sound - {creator['display_name']}", "authorName": creator["display_name"],
                 "original": True}
    return {
        "id": str(video.id),
        "createTime": str(video.create_epoch),
        "desc": video.description,
        "author": {
            "uniqueId": video.username,
            "nickname": creator["display_name"],
            "verified": creator["is_verified"],
            "signature": creator["bio_description"],
        },
        "authorStats": {
            "followerCount": creator["follower_count"],
            "followingCount": creator["following_count"],
            "heart": creator["likes_count"],
            "heartCount": creator["likes_count"],
            "videoCount": creator["video_count"],
        },
        "music": {"id": str(video.music_id), **music},
        "video": {"duration": video.duration, "cover": video.growth.cover_image_url(now)},
        "challenges": [{"id": str(_challenge_id(tag)), "title": tag} for tag in video.hashtags],
        "stats": {key: round_sig(value) for key, value in exact.items()},
        "statsV2": {key: str(value) for key, value in exact.items()},
    }


def _challenge_id(tag: str) -> int:
    """A stable numeric challenge id for a hashtag (Python's hash() is salted per process)."""
    return int.from_bytes(tag.encode()[:8].ljust(8, b"\0"), "big") % 10**12


def render_page(data: dict[str, Any], title: str = "TikTok") -> str:
    """An HTML page embedding `data` the way TikTok does: `<` and `/` escaped inside the JSON, so no
    caption can close the script tag early."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c").replace("/", "\\u002F")
    return (
        f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head><body>"
        f'<div id="app"></div><script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{payload}</script>'
        "</body></html>"
    )


class FakeTikTokPages:
    """WSGI app serving video pages for `feed` at `clock.now()`; see the module docstring."""

    def __init__(self, feed: PublicFeed, clock: Clock) -> None:
        self.feed = feed
        self.clock = clock
        self.requests = 0
        self.log: list[PageRequest] = []
        self._blocks = 0
        self._captchas = 0
        self._lock = threading.Lock()

    def block_next(self, n: int) -> None:
        """Answer the next n requests with HTTP 429."""
        with self._lock:
            self._blocks += n

    def captcha_next(self, n: int) -> None:
        """Answer the next n requests with a captcha page (HTTP 200, no rehydration script)."""
        with self._lock:
            self._captchas += n

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        with self._lock:
            self.requests += 1
            fault = "block" if self._blocks else "captcha" if self._captchas else None
            if fault == "block":
                self._blocks -= 1
            elif fault == "captcha":
                self._captchas -= 1
        status, html = self._answer(method, path, fault)
        with self._lock:
            self.log.append(
                PageRequest(path, status, str(environ.get("HTTP_USER_AGENT", "")), str(environ.get("HTTP_COOKIE", "")))
            )
        body = html.encode("utf-8")
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _answer(self, method: str, path: str, fault: str | None) -> tuple[int, str]:
        if fault == "block":
            return 429, "<html><body>Too many requests</body></html>"
        if fault == "captcha":
            return 200, _CAPTCHA_HTML
        match = _PATH_RE.fullmatch(path)
        if method != "GET" or match is None:
            return 404, "<html><body>Page not found</body></html>"
        username, video_id = match.groups()
        data = video_page_data(self.feed, username, video_id, self.clock.now())
        return 200, render_page(data, f"@{username} on TikTok (DEMO DATA)")
