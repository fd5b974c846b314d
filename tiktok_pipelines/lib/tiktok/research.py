"""TikTok Research API client: video query, user info, comments, with client-side quota accounting.

Facts it is built on (reference §2): client-credentials token (`clt.`, 2 h); video query pages by a
result *index* plus a `search_id` that sometimes comes back "invalid or expired"; date windows of at
most 30 days; 1,000 requests per UTC day shared by the organisation, 500s included. Video query serves
archived counts (up to days stale, new videos missing for ~48 h); user info serves live data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tiktok_pipelines.lib.clock import Clock
from tiktok_pipelines.lib.tiktok.errors import (
    AccessTokenInvalid,
    InvalidRequest,
    MalformedResponse,
    QuotaExhausted,
    ReconsentRequired,
)
from tiktok_pipelines.lib.tiktok.http import TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import OAuthClient
from tiktok_pipelines.lib.tiktok.parsing import RejectedItem, int_field, parse_items

VIDEO_QUERY_PATH = "/v2/research/video/query/"
USER_INFO_PATH = "/v2/research/user/info/"
COMMENT_LIST_PATH = "/v2/research/video/comment/list/"

VIDEO_FIELDS = (
    "id", "create_time", "username", "region_code", "video_description", "music_id", "like_count",
    "comment_count", "share_count", "view_count", "hashtag_names", "video_duration",
)
USER_FIELDS = (
    "display_name", "bio_description", "avatar_url", "is_verified", "follower_count", "following_count",
    "likes_count", "video_count", "bio_url",
)
COMMENT_FIELDS = ("id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time")
MAX_VIDEO_PAGE = 100
MAX_COMMENT_PAGE = 100
MAX_COMMENT_REACH = 1000
MAX_WINDOW_DAYS = 30
DAILY_QUOTA = 1000
_SEARCH_ID_RE = re.compile(r"search id .* invalid or expired", re.IGNORECASE)


class QuotaBudgetExhausted(QuotaExhausted):
    """Our own budget says stop before TikTok's wall: degrade (fewer videos) or wait for 00:00 UTC."""


# --- quota ---------------------------------------------------------------------------------------


class QuotaBudget:
    """Requests spent today (UTC) as counted by this client: every HTTP attempt to a research
    endpoint, retries and 500s included, because TikTok bills those too. The real quota is shared
    across the organisation, so `reserve` keeps some back and `sync_used` adopts an outside count.

    `check(n)` raises `QuotaBudgetExhausted` when fewer than n requests remain; `affordable(cost)`
    tells a caller how many items of that cost still fit (to degrade to the top N)."""

    def __init__(self, clock: Clock, daily_limit: int = DAILY_QUOTA, reserve: int = 0) -> None:
        if daily_limit < 1 or not 0 <= reserve < daily_limit:
            raise ValueError("daily_limit must be >= 1 and 0 <= reserve < daily_limit")
        self.clock = clock
        self.daily_limit = daily_limit
        self.reserve = reserve
        self._day: date | None = None
        self._used = 0

    def _roll(self) -> None:
        today = self.clock.now().astimezone(UTC).date()
        if today != self._day:
            self._day, self._used = today, 0

    def used(self) -> int:
        self._roll()
        return self._used

    def remaining(self) -> int:
        self._roll()
        return max(0, self.daily_limit - self.reserve - self._used)

    def spend(self, n: int = 1) -> None:
        self._roll()
        self._used += n

    def sync_used(self, used: int) -> None:
        self._roll()
        self._used = max(self._used, used)

    def mark_exhausted(self) -> None:
        """TikTok said daily_quota_limit_exceeded: nothing more today, whatever we counted."""
        self._roll()
        self._used = max(self._used, self.daily_limit)

    def affordable(self, cost_each: int) -> int:
        return self.remaining() // max(1, cost_each)

    def resets_at(self) -> datetime:
        now = self.clock.now().astimezone(UTC)
        return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)

    def check(self, n: int = 1) -> None:
        if self.remaining() < n:
            raise QuotaBudgetExhausted(
                f"research quota budget spent: {self.used()} of {self.daily_limit} used today"
                f" (reserve {self.reserve}); resets at {self.resets_at():%Y-%m-%d %H:%M} UTC",
                code="quota_budget_exhausted",
            )


# --- records ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResearchVideo:
    video_id: int
    create_time: datetime
    username: str | None
    region_code: str | None
    description: str | None
    music_id: int | None
    hashtags: tuple[str, ...]
    duration_s: int | None
    views: int | None  # archived counts: may lag the app by days
    likes: int | None
    comments: int | None
    shares: int | None


@dataclass(frozen=True)
class ResearchUser:
    username: str
    display_name: str | None
    bio_description: str | None
    avatar_url: str | None
    bio_url: str | None
    is_verified: bool | None
    follower_count: int | None
    following_count: int | None
    likes_count: int | None
    video_count: int | None


@dataclass(frozen=True)
class ResearchComment:
    comment_id: int
    video_id: int
    text: str
    like_count: int
    reply_count: int
    parent_comment_id: int | None
    create_time: datetime


def _str(obj: dict, name: str) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name} is {type(value).__name__}, expected a string")  # noqa: TRY004 - parse errors are ValueError, like display.py
    return value


def _object(obj: Any, what: str) -> dict:
    if not isinstance(obj, dict):
        raise ValueError(f"{what} is {type(obj).__name__}, expected an object")  # noqa: TRY004 - parse errors are ValueError, like display.py
    return obj


def parse_research_video(obj: Any) -> ResearchVideo:
    obj = _object(obj, "video")
    vid = int_field(obj, "id", required=True)
    tags = obj.get("hashtag_names") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("hashtag_names is not a list of strings")
    return ResearchVideo(
        video_id=vid,  # type: ignore[arg-type]
        create_time=datetime.fromtimestamp(int_field(obj, "create_time", required=True), UTC),  # type: ignore[arg-type]
        username=_str(obj, "username"),
        region_code=_str(obj, "region_code"),
        description=_str(obj, "video_description"),
        music_id=int_field(obj, "music_id", required=False),
        hashtags=tuple(tags),
        duration_s=int_field(obj, "video_duration", required=False),
        views=int_field(obj, "view_count", required=False),
        likes=int_field(obj, "like_count", required=False),
        comments=int_field(obj, "comment_count", required=False),
        shares=int_field(obj, "share_count", required=False),
    )


def parse_research_user(username: str, obj: Any) -> ResearchUser:
    obj = _object(obj, "user")
    verified = obj.get("is_verified")
    if verified is not None and not isinstance(verified, bool):
        raise ValueError(f"is_verified is {type(verified).__name__}, expected a boolean")
    return ResearchUser(
        username=username,
        display_name=_str(obj, "display_name"),
        bio_description=_str(obj, "bio_description"),
        avatar_url=_str(obj, "avatar_url"),
        bio_url=_str(obj, "bio_url"),
        is_verified=verified,
        follower_count=int_field(obj, "follower_count", required=False),
        following_count=int_field(obj, "following_count", required=False),
        likes_count=int_field(obj, "likes_count", required=False),
        video_count=int_field(obj, "video_count", required=False),
    )


def parse_research_comment(obj: Any) -> ResearchComment:
    obj = _object(obj, "comment")
    text = _str(obj, "text")
    if text is None:
        raise ValueError("text is missing")
    return ResearchComment(
        comment_id=int_field(obj, "id", required=True),  # type: ignore[arg-type]
        video_id=int_field(obj, "video_id", required=True),  # type: ignore[arg-type]
        text=text,
        like_count=int_field(obj, "like_count", required=False) or 0,
        reply_count=int_field(obj, "reply_count", required=False) or 0,
        parent_comment_id=int_field(obj, "parent_comment_id", required=False),
        create_time=datetime.fromtimestamp(int_field(obj, "create_time", required=True), UTC),  # type: ignore[arg-type]
    )


@dataclass
class ResearchVideoListing:
    videos: list[ResearchVideo] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)
    windows: list[tuple[str, str]] = field(default_factory=list)
    pages: int = 0
    short_pages: int = 0
    empty_pages: int = 0
    search_restarts: int = 0
    requests: int = 0  # HTTP attempts spent (quota)
    complete: bool = False  # every window reached has_more == false (not cut by max_pages)


@dataclass
class ResearchCommentListing:
    comments: list[ResearchComment] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)
    pages: int = 0
    complete: bool = False

    def top(self, n: int) -> list[ResearchComment]:
        """The n most-liked comments (TikTok documents no ordering, so sort ourselves)."""
        return sorted(self.comments, key=lambda c: (-c.like_count, c.comment_id))[:n]


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    return datetime.strptime(value, "%Y%m%d").date()


def date_windows(start: date | str, end: date | str, max_days: int = MAX_WINDOW_DAYS) -> list[tuple[str, str]]:
    """Split [start, end] into YYYYMMDD windows at most `max_days` apart. Consecutive windows share
    their boundary day, so nothing is lost whether TikTok treats end_date as inclusive or not
    (the docs and observed clients disagree); duplicates are removed by id."""
    s, e = _as_date(start), _as_date(end)
    if e < s:
        raise ValueError(f"end_date {e} is before start_date {s}")
    out = []
    while True:
        w_end = min(s + timedelta(days=max_days), e)
        out.append((f"{s:%Y%m%d}", f"{w_end:%Y%m%d}"))
        if w_end >= e:
            return out
        s = w_end


# --- client ------------------------------------------------------------------------------------------


class ResearchApiClient:
    def __init__(
        self,
        http: TikTokHttp,
        oauth: OAuthClient,
        clock: Clock,
        *,
        budget: QuotaBudget | None = None,
        token_margin_s: float = 300,
    ) -> None:
        self.http = http
        self.oauth = oauth
        self.clock = clock
        self.budget = budget if budget is not None else QuotaBudget(clock)
        self.token_margin_s = token_margin_s
        self._token: str | None = None
        self._token_expires_at: datetime | None = None
        self.token_requests = 0

    def _client_token(self, *, force: bool = False) -> str:
        now = self.clock.now()
        if (
            force
            or self._token is None
            or self._token_expires_at is None
            or now >= self._token_expires_at - timedelta(seconds=self.token_margin_s)
        ):
            token, expires_in = self.oauth.client_token()
            self._token, self._token_expires_at = token, now + timedelta(seconds=expires_in)
            self.token_requests += 1
        return self._token

    def _call(self, path: str, fields: Sequence[str], body: dict[str, Any]) -> dict:
        """One research call: budget check, token (renewed once on access_token_invalid), quota
        accounting of every attempt the transport made."""
        for attempt in (1, 2):
            self.budget.check(1)
            token = self._client_token(force=attempt == 2)
            before = self.http.requests_sent
            try:
                envelope = self.http.request(
                    "POST", path, params={"fields": ",".join(fields)}, json_body=body,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                )
            except AccessTokenInvalid as exc:
                self.budget.spend(self.http.requests_sent - before)
                if attempt == 2:
                    raise ReconsentRequired(
                        "TikTok rejects a fresh client token: check the Research API project approval and app credentials",
                        endpoint=exc.endpoint, code=exc.code, http_status=exc.http_status, log_id=exc.log_id,
                    ) from None
                continue
            except QuotaExhausted:
                self.budget.spend(self.http.requests_sent - before)
                self.budget.mark_exhausted()
                raise
            except Exception:
                self.budget.spend(self.http.requests_sent - before)
                raise
            self.budget.spend(self.http.requests_sent - before)
            data = envelope.get("data")
            if not isinstance(data, dict):
                raise MalformedResponse(f"data is {type(data).__name__}, expected an object", endpoint=path, code="malformed_response")
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    # --- video query -------------------------------------------------------------------------------

    def query_videos(
        self,
        query: dict[str, Any],
        start_date: date | str,
        end_date: date | str,
        fields: Sequence[str] = VIDEO_FIELDS,
        max_count: int = MAX_VIDEO_PAGE,
        max_pages: int | None = None,
    ) -> ResearchVideoListing:
        """Every matching video, de-duplicated, windows of <= 30 days in order. A search id that
        TikTok calls invalid/expired restarts that window's search once; short pages and empty pages
        with has_more are followed. Counts are archived (stale) by TikTok's design."""
        if not 1 <= max_count <= MAX_VIDEO_PAGE:
            raise ValueError(f"max_count must be 1..{MAX_VIDEO_PAGE}")
        listing = ResearchVideoListing(windows=date_windows(start_date, end_date))
        seen: set[int] = set()
        used_before = self.budget.used()
        try:
            for w_start, w_end in listing.windows:
                if not self._query_window(query, w_start, w_end, fields, max_count, max_pages, listing, seen):
                    return listing
            listing.complete = True
            return listing
        finally:
            listing.requests = self.budget.used() - used_before

    def _query_window(
        self, query: dict[str, Any], w_start: str, w_end: str, fields: Sequence[str], max_count: int,
        max_pages: int | None, listing: ResearchVideoListing, seen: set[int],
    ) -> bool:
        """Page through one window; False when max_pages cut it short."""
        cursor, search_id, restarted, empty_in_a_row = 0, None, False, 0
        while True:
            if max_pages is not None and listing.pages >= max_pages:
                return False
            body: dict[str, Any] = {"query": query, "start_date": w_start, "end_date": w_end, "max_count": max_count}
            if search_id is not None:
                body["cursor"], body["search_id"] = cursor, search_id
            try:
                data = self._call(VIDEO_QUERY_PATH, fields, body)
            except InvalidRequest as exc:
                if search_id is None or restarted or not _SEARCH_ID_RE.search(exc.detail):
                    raise
                restarted = True  # TikTok drops cached searches: start this window over, once
                listing.search_restarts += 1
                cursor, search_id = 0, None
                continue
            listing.pages += 1
            raw = data.get("videos") or []
            if not isinstance(raw, list):
                raise MalformedResponse("data.videos is not a list", endpoint=VIDEO_QUERY_PATH, code="malformed_response")
            has_more = bool(data.get("has_more"))
            next_cursor = data.get("cursor")
            if has_more and len(raw) < max_count:
                listing.short_pages += 1
            if not raw and has_more:
                listing.empty_pages += 1
            empty_in_a_row = empty_in_a_row + 1 if not raw else 0
            for video in parse_items(raw, parse_research_video, VIDEO_QUERY_PATH, listing.rejected):
                if video.video_id not in seen:
                    seen.add(video.video_id)
                    listing.videos.append(video)
            if not has_more:
                return True
            if empty_in_a_row >= 5:
                raise MalformedResponse("5 empty pages in a row with has_more", endpoint=VIDEO_QUERY_PATH, code="malformed_response")
            new_search_id = data.get("search_id")
            if not isinstance(next_cursor, int) or isinstance(next_cursor, bool) or next_cursor <= cursor or not new_search_id:
                raise MalformedResponse(
                    f"has_more with cursor={next_cursor!r} search_id={new_search_id!r}", endpoint=VIDEO_QUERY_PATH,
                    code="malformed_response",
                )
            cursor, search_id = next_cursor, str(new_search_id)

    # --- user info, comments ------------------------------------------------------------------------

    def user_info(self, username: str, fields: Sequence[str] = USER_FIELDS) -> ResearchUser:
        """Live profile data (TikTok serves user info from online data, not the archive)."""
        data = self._call(USER_INFO_PATH, fields, {"username": username})
        try:
            return parse_research_user(username, data)
        except ValueError as exc:
            raise MalformedResponse(f"user {username}: {exc}", endpoint=USER_INFO_PATH, code="malformed_response") from None

    def comments(
        self, video_id: int | str, max_count: int = MAX_COMMENT_PAGE, limit: int = MAX_COMMENT_REACH,
        fields: Sequence[str] = COMMENT_FIELDS,
    ) -> ResearchCommentListing:
        """Up to `limit` (<= 1,000, TikTok's reach) top-level comments in TikTok's order;
        `.top(n)` sorts by like_count."""
        if not 1 <= max_count <= MAX_COMMENT_PAGE or not 1 <= limit <= MAX_COMMENT_REACH:
            raise ValueError(f"max_count must be 1..{MAX_COMMENT_PAGE} and limit 1..{MAX_COMMENT_REACH}")
        listing = ResearchCommentListing()
        cursor = 0
        while len(listing.comments) < limit:
            count = min(max_count, limit - len(listing.comments), MAX_COMMENT_REACH - cursor)
            if count <= 0:
                break
            data = self._call(COMMENT_LIST_PATH, fields, {"video_id": int(video_id), "max_count": count, "cursor": cursor})
            listing.pages += 1
            raw = data.get("comments") or []
            if not isinstance(raw, list):
                raise MalformedResponse("data.comments is not a list", endpoint=COMMENT_LIST_PATH, code="malformed_response")
            listing.comments.extend(parse_items(raw, parse_research_comment, COMMENT_LIST_PATH, listing.rejected))
            next_cursor = data.get("cursor")
            if not data.get("has_more"):
                listing.complete = True
                break
            if not isinstance(next_cursor, int) or isinstance(next_cursor, bool) or next_cursor <= cursor:
                raise MalformedResponse(f"has_more with cursor={next_cursor!r}", endpoint=COMMENT_LIST_PATH, code="malformed_response")
            cursor = next_cursor
        listing.comments = listing.comments[:limit]
        return listing
