"""UNOFFICIAL page-JSON adapter: live public stats of one TikTok video, read from its web page.

**Unofficial, outside TikTok's API terms.** This does not use any TikTok API. It downloads the public
video page `https://www.tiktok.com/@{username}/video/{video_id}` and reads the JSON TikTok embeds in
`<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">`. Automated access to tiktok.com pages is not
covered by the Research API terms and may be restricted by TikTok's terms of service or by local
law: use it only where that is permitted, for public videos, at low volume.

Why it exists: the Research API serves *archived* counts that lag by days, so the 48-hour cohort
tracker cannot see intraday growth through it. This adapter is an **optional source, off by
default**; the Research API stays the source of record.

How it behaves: requests are paced (at least `min_interval_s`, default 2 s, between request starts)
and retried only on transport errors, 429 and 5xx, with exponential backoff; never on 403/404 or a
page saying the video is unavailable. It sends a browser-like User-Agent and no cookies, tokens or
other secrets. It **may break whenever TikTok changes its pages**: every deviation from the expected
layout raises a `PageJsonError` naming the video, rather than returning guessed numbers.

Plain Python: no Dagster here.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.tiktok.parsing import int_field

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.tiktok.com"
SCRIPT_ID = "__UNIVERSAL_DATA_FOR_REHYDRATION__"
VIDEO_DETAIL_SCOPE = "webapp.video-detail"
# A current desktop Chrome; TikTok serves a different (script-less) page to obvious bots.
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
MAX_RETRY_AFTER_S = 60.0  # honour a Retry-After up to this; longer means "blocked", not "slow down"

# statusCode values seen on unavailable videos (the page's statusMsg is often empty).
_STATUS_HINTS = {10204: "video not found", 10216: "video is private", 10222: "video removed or restricted"}
_USERNAME_RE = re.compile(r"[A-Za-z0-9._]{1,64}")
_VIDEO_ID_RE = re.compile(r"[0-9]{1,20}")
_SCRIPT_RE = re.compile(
    r"<script\b[^>]*\bid\s*=\s*[\"']" + SCRIPT_ID + r"[\"'][^>]*>(.*?)</script\s*>",
    re.DOTALL | re.IGNORECASE,
)
_COUNT_KEYS = ("playCount", "diggCount", "commentCount", "shareCount", "collectCount")


# --- errors --------------------------------------------------------------------------------------


class PageJsonError(ValueError):
    """The page could not be turned into a `PageVideo`; the message names the video and the problem."""

    def __init__(self, video_id: str, problem: str) -> None:
        super().__init__(f"TikTok page for video {video_id}: {problem}")
        self.video_id = video_id
        self.problem = problem


class PageScriptMissing(PageJsonError):
    """No rehydration script: a captcha or login wall, or TikTok changed the page layout."""


class PageVideoUnavailable(PageJsonError):
    """TikTok says the video is not there (deleted, private, wrong id). Permanent: never retried."""

    def __init__(self, video_id: str, problem: str, status_code: int | None) -> None:
        super().__init__(video_id, problem)
        self.status_code = status_code


class PageJsonBlocked(PageJsonError):
    """TikTok refuses us (403, or 429 after every retry). Stop fetching for a while; don't push on."""

    def __init__(self, video_id: str, problem: str, http_status: int) -> None:
        super().__init__(video_id, problem)
        self.http_status = http_status


# --- parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageVideo:
    """One video as its public page showed it at `fetched_at` (counts are live, not archived)."""

    video_id: str
    username: str  # the author's handle as the page shows it now (handles can change)
    create_time: datetime
    description: str | None
    duration_s: int | None
    cover_url: str | None
    hashtags: tuple[str, ...]
    music_id: str | None
    sound_title: str | None
    sound_author: str | None
    sound_original: bool | None
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    stats_exact: bool  # True: exact `statsV2` strings; False: `stats`, which TikTok may round
    display_name: str | None
    verified: bool | None
    bio: str | None
    follower_count: int | None
    following_count: int | None
    total_likes: int | None
    video_count: int | None
    fetched_at: datetime


def parse_video_page(html: str, video_id: str, fetched_at: datetime) -> PageVideo:
    """Parse a video page. Raises a `PageJsonError` subclass on anything unexpected, because a page
    that does not look exactly like a video page (captcha, login wall, new layout) must not produce
    numbers."""
    match = _SCRIPT_RE.search(html)
    if match is None:
        raise PageScriptMissing(
            video_id,
            f"no <script id={SCRIPT_ID!r}> in the page (a captcha or login wall, or TikTok changed its pages)",
        )
    try:
        data = json.loads(match.group(1))
    except json.JSONDecodeError as exc:
        raise PageJsonError(video_id, f"the {SCRIPT_ID} script is not valid JSON ({exc})") from None
    scope = data.get("__DEFAULT_SCOPE__") if isinstance(data, dict) else None
    detail = scope.get(VIDEO_DETAIL_SCOPE) if isinstance(scope, dict) else None
    if not isinstance(detail, dict):
        raise PageJsonError(video_id, f"no __DEFAULT_SCOPE__[{VIDEO_DETAIL_SCOPE!r}] object in the page JSON")
    status = detail.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int):
        raise PageJsonError(video_id, f"statusCode is {status!r}, expected an integer")
    if status != 0:
        hint = detail.get("statusMsg") or _STATUS_HINTS.get(status, "video unavailable")
        raise PageVideoUnavailable(video_id, f"TikTok answered statusCode {status} ({hint})", status)
    item_info = detail.get("itemInfo")
    item = item_info.get("itemStruct") if isinstance(item_info, dict) else None
    if not isinstance(item, dict):
        raise PageJsonError(video_id, "statusCode is 0 but there is no itemInfo.itemStruct object")
    try:
        return _parse_item(item, video_id, utc(fetched_at))
    except PageJsonError:
        raise
    except ValueError as exc:
        raise PageJsonError(video_id, str(exc)) from None


def _parse_item(item: dict[str, Any], video_id: str, fetched_at: datetime) -> PageVideo:
    if str(item.get("id")) != video_id:
        raise PageJsonError(video_id, f"the page is about item {item.get('id')!r}, not the video asked for")
    author = _obj(item, "author")
    username = author.get("uniqueId")
    if not isinstance(username, str) or not username:
        raise ValueError("author.uniqueId is missing")
    epoch = int_field(item, "createTime", required=True) or 0
    try:
        created = datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"createTime={epoch} is not a usable epoch") from None
    counts, exact = _counts(item)
    author_stats = _obj(item, "authorStats")
    music = _obj(item, "music")
    video = _obj(item, "video")
    challenges = _typed(item, "challenges", list, "a list") or []
    return PageVideo(
        video_id=video_id,
        username=username,
        create_time=created,
        description=_str(item, "desc"),
        duration_s=int_field(video, "duration", required=False),
        cover_url=_str(video, "cover"),
        hashtags=tuple(c["title"] for c in challenges if isinstance(c, dict) and isinstance(c.get("title"), str) and c["title"]),
        music_id=None if music.get("id") in (None, "") else str(music["id"]),
        sound_title=_str(music, "title"),
        sound_author=_str(music, "authorName"),
        sound_original=_bool(music, "original"),
        views=counts["playCount"],
        likes=counts["diggCount"],
        comments=counts["commentCount"],
        shares=counts["shareCount"],
        saves=counts["collectCount"],
        stats_exact=exact,
        display_name=_str(author, "nickname"),
        verified=_bool(author, "verified"),
        bio=_str(author, "signature"),
        follower_count=int_field(author_stats, "followerCount", required=False),
        following_count=int_field(author_stats, "followingCount", required=False),
        # `heart` is an int32 that overflows to negative on big accounts; `heartCount` is the int64
        total_likes=int_field(author_stats, "heartCount" if "heartCount" in author_stats else "heart", required=False),
        video_count=int_field(author_stats, "videoCount", required=False),
        fetched_at=fetched_at,
    )


def _counts(item: dict[str, Any]) -> tuple[dict[str, int | None], bool]:
    """Counts from `statsV2` (exact strings) when it has a play count, else from `stats` (ints that
    TikTok may round). The whole set comes from one source so `stats_exact` means what it says."""
    for key, exact in (("statsV2", True), ("stats", False)):
        stats = item.get(key)
        if isinstance(stats, dict) and stats.get("playCount") is not None:
            try:
                return {name: int_field(stats, name, required=False) for name in _COUNT_KEYS}, exact
            except ValueError as exc:
                raise ValueError(f"{key}.{exc}") from None
    raise ValueError("neither statsV2 nor stats has a playCount")


def _obj(parent: dict[str, Any], name: str) -> dict[str, Any]:
    return _typed(parent, name, dict, "an object") or {}


def _str(obj: dict[str, Any], name: str) -> str | None:
    return _typed(obj, name, str, "a string")


def _bool(obj: dict[str, Any], name: str) -> bool | None:
    return _typed(obj, name, bool, "true/false")


def _typed(obj: dict[str, Any], name: str, kind: type, expected: str) -> Any:
    """obj[name] when absent/null or of `kind`; otherwise a ValueError naming the field."""
    value = obj.get(name)
    if value is None or isinstance(value, kind):
        return value
    raise ValueError(f"{name} is {type(value).__name__}, expected {expected}")


# --- client --------------------------------------------------------------------------------------


def video_page_path(username: str, video_id: str) -> str:
    """`/@{username}/video/{video_id}` after checking both, so nothing odd ever reaches a URL."""
    if not isinstance(username, str) or not _USERNAME_RE.fullmatch(username):
        raise ValueError(f"invalid TikTok username {username!r}: expected 1-64 of A-Z a-z 0-9 . _ (no '@')")
    if not isinstance(video_id, str) or not _VIDEO_ID_RE.fullmatch(video_id):
        raise ValueError(f"invalid TikTok video id {video_id!r}: expected 1-20 digits")
    return f"/@{username}/video/{video_id}"


class PageJsonClient:
    """Fetches video pages one at a time, paced and politely retried (see the module docstring).

    `http` is a plain `httpx.Client` used only by this adapter: its cookie jar is cleared before every
    request so each request is anonymous. `clock`/`sleep` drive pacing and backoff (inject fakes in
    tests); `now` stamps `fetched_at` (default: the system clock in UTC).
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        base_url: str = DEFAULT_BASE_URL,
        min_interval_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 3,
        backoff_s: float = 2.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if max_attempts < 1 or min_interval_s < 0 or backoff_s < 0:
            raise ValueError("max_attempts must be >= 1, min_interval_s and backoff_s >= 0")
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.min_interval_s = min_interval_s
        self.clock = clock
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.now = now or (lambda: datetime.now(UTC))
        self.requests_sent = 0
        self._last_start: float | None = None

    def fetch(self, username: str, video_id: str) -> PageVideo:
        """The video's page, parsed. Raises ValueError for a bad username/id (nothing sent),
        `PageVideoUnavailable`, `PageJsonBlocked` or another `PageJsonError`."""
        url = self.base_url + video_page_path(username, video_id)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(url, video_id)
            except _Retryable as exc:
                if attempt >= self.max_attempts:
                    if exc.status == 429:
                        raise PageJsonBlocked(video_id, f"still rate limited (HTTP 429) after {attempt} attempts", 429) from None
                    raise PageJsonError(video_id, f"gave up after {attempt} attempts: {exc.problem}") from None
                delay = self.backoff_s * 2 ** (attempt - 1)
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, MAX_RETRY_AFTER_S))
                log.warning("TikTok page %s: %s; retry %d in %.1fs", video_id, exc.problem, attempt, delay)
                self.sleep(delay)

    def _attempt(self, url: str, video_id: str) -> PageVideo:
        """One paced request. Raises `_Retryable` for what a later attempt may fix, a `PageJsonError`
        for what it won't."""
        self._pace()
        self.requests_sent += 1
        self.http.cookies.clear()
        try:
            resp = self.http.get(
                url,
                headers={
                    "User-Agent": BROWSER_USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml",
                    "Accept-Language": "en-US,en;q=0.9",
                },
                follow_redirects=True,
            )
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}", None, None) from None
        status = resp.status_code
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}", _retry_after(resp), status)
        if status == 403:
            raise PageJsonBlocked(video_id, "HTTP 403: TikTok refused the request (blocked?)", 403)
        if status == 404:
            raise PageVideoUnavailable(video_id, "HTTP 404: no such page", None)
        if status != 200:
            raise PageJsonError(video_id, f"unexpected HTTP {status}")
        return parse_video_page(resp.text, video_id, self.now())

    def _pace(self) -> None:
        """Keep at least `min_interval_s` between request starts, retries included."""
        if self._last_start is not None:
            wait = self.min_interval_s - (self.clock() - self._last_start)
            if wait > 0:
                self.sleep(wait)
        self._last_start = self.clock()

    def fetch_many(self, items: Iterable[tuple[str, str]]) -> tuple[list[PageVideo], list[tuple[str, str]]]:
        """Fetch (username, video_id) pairs in order. A failure of one video is recorded as
        (video_id, reason) and the batch goes on; once TikTok blocks us (`PageJsonBlocked`) the rest
        are recorded as skipped instead of being sent, because pushing on only prolongs the block."""
        videos: list[PageVideo] = []
        failures: list[tuple[str, str]] = []
        blocked: PageJsonBlocked | None = None
        for username, video_id in items:
            if blocked is not None:
                failures.append((video_id, f"skipped: blocked earlier in this batch ({blocked.problem})"))
                continue
            try:
                videos.append(self.fetch(username, video_id))
            except PageJsonBlocked as exc:
                blocked = exc
                failures.append((video_id, str(exc)))
            except ValueError as exc:  # PageJsonError included
                failures.append((video_id, str(exc)))
        return videos, failures


class _Retryable(Exception):
    """A failed attempt worth repeating (transport error, 429, 5xx); internal to `fetch`."""

    def __init__(self, problem: str, retry_after: float | None, status: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after
        self.status = status


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return max(0.0, float(resp.headers["retry-after"]))
    except (KeyError, ValueError):
        return None
