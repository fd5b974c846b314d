"""A fake TikTok Research API (reference §2.3-2.9, fixtures §3.3) over a `PublicFeed`.

A plain WSGI app, normally mounted on `FakeTikTokApi` (`FakeResearchApi.mount_on(api, feed)`) so one
host answers the client-credentials token call and the research calls, and the client token is
validated by that fake (`client_token_valid`).

Endpoints (all POST, JSON body, `fields` query parameter, `Authorization: Bearer clt.…`):
- `/v2/research/video/query/`: and/or/not conditions, `start_date`/`end_date` YYYYMMDD at most 30 days
  apart (end inclusive), `max_count` <= 100, index `cursor` + `search_id` (bound to the query that made
  it), ids as JSON int64, decreasing id order. **Staleness**: counts are *archived* (as of
  `now - archive_lag`, never before the video was indexed) and videos younger than `index_delay` are
  not yet searchable.
- `/v2/research/user/info/`: flat user object with *live* counts.
- `/v2/research/video/comment/list/`: <= 100 per page, `cursor + max_count <= 1000`.

Every request with a valid client token counts against a daily quota (default 1,000, reset at 00:00
UTC on the injected clock) - including the ones answered with an error or an injected 500; once spent,
429 `daily_quota_limit_exceeded`.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.types import StartResponse, WSGIEnvironment

from tiktok_pipelines.demo.fake_api import (
    ERROR_MESSAGES,
    FakeTikTokApi,
    RecordedRequest,
)
from tiktok_pipelines.demo.public_feed import PublicFeed, PublicVideo
from tiktok_pipelines.lib.clock import Clock

VIDEO_QUERY_PATH = "/v2/research/video/query/"
USER_INFO_PATH = "/v2/research/user/info/"
COMMENT_LIST_PATH = "/v2/research/video/comment/list/"
RESEARCH_ENDPOINTS: tuple[str, ...] = (VIDEO_QUERY_PATH, USER_INFO_PATH, COMMENT_LIST_PATH)

VIDEO_FIELDS: tuple[str, ...] = (
    "id", "create_time", "username", "region_code", "video_description", "music_id", "like_count",
    "comment_count", "share_count", "view_count", "hashtag_names", "video_duration",
)
USER_FIELDS: tuple[str, ...] = (
    "display_name", "bio_description", "avatar_url", "is_verified", "follower_count", "following_count",
    "likes_count", "video_count", "bio_url",
)
COMMENT_FIELDS: tuple[str, ...] = ("id", "video_id", "text", "like_count", "reply_count", "parent_comment_id", "create_time")
CONDITION_FIELDS = frozenset(
    {"create_date", "region_code", "hashtag_name", "keyword", "username", "music_id", "video_id", "video_length",
     "view_count", "comment_count"}
)
OPERATIONS = frozenset({"EQ", "IN", "GT", "GTE", "LT", "LTE"})
VIDEO_LENGTHS = ("SHORT", "MID", "LONG", "EXTRA_LONG")
MAX_WINDOW_DAYS = 30
MAX_VIDEO_PAGE = 100
DEFAULT_VIDEO_PAGE = 20
MAX_COMMENT_PAGE = 100
DEFAULT_COMMENT_PAGE = 10
MAX_COMMENT_REACH = 1000
FAULT_KINDS = frozenset({"internal_error", "rate_limit", "short_page", "empty_page", "invalid_search_id"})

_STATUS = {
    "access_token_invalid": 401, "scope_not_authorized": 401, "invalid_params": 400, "rate_limit_exceeded": 429,
    "daily_quota_limit_exceeded": 429, "internal_error": 500, "not_found": 404, "method_not_allowed": 405,
}
_MESSAGES = {
    **ERROR_MESSAGES,
    "daily_quota_limit_exceeded": "API daily quota limit exceeded. Quota resets at 00:00 UTC.",
}
_DATE_RE = re.compile(r"\d{8}")


class _Reject(Exception):
    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message


@dataclass
class _Search:
    fingerprint: str
    ids: list[int]
    expires_at: datetime


@dataclass
class ResearchFault:
    kind: str
    endpoint: str | None
    remaining: int


@dataclass
class _Answer:
    status: int
    payload: dict[str, Any]
    code: str
    log_id: str
    fault: str | None = None
    fields: tuple[str, ...] | None = None
    body: Any = None
    extra_headers: list[tuple[str, str]] = field(default_factory=list)


def video_length_bucket(seconds: int) -> str:
    if seconds < 15:
        return "SHORT"
    if seconds <= 60:
        return "MID"
    if seconds <= 300:
        return "LONG"
    return "EXTRA_LONG"


class FakeResearchApi:
    """WSGI app for the three research endpoints. Knobs (plain attributes / methods, safe between
    requests): `daily_quota`, `set_remaining_quota(n)`, `archive_lag`, `index_delay`, `search_ttl`,
    `project_approved`, `expire_search_ids()`, `add_fault(kind, count, endpoint)`."""

    def __init__(
        self,
        feed: PublicFeed,
        clock: Clock,
        *,
        token_valid: Callable[[str], bool],
        daily_quota: int = 1000,
        archive_lag: timedelta = timedelta(days=3),
        index_delay: timedelta = timedelta(hours=48),
        search_ttl: timedelta = timedelta(hours=1),
    ) -> None:
        self.feed = feed
        self.clock = clock
        self.token_valid = token_valid
        self.daily_quota = daily_quota
        self.archive_lag = archive_lag
        self.index_delay = index_delay
        self.search_ttl = search_ttl
        self.project_approved = True
        self.requests: list[RecordedRequest] = []
        self.max_recorded = 50_000
        self._lock = threading.RLock()
        self._quota_day: date | None = None
        self._quota_used = 0
        self._searches: dict[str, _Search] = {}
        self._faults: list[ResearchFault] = []
        self._search_seq = itertools.count(7_354_367_454_467_855_403 + secrets.randbelow(1 << 30))
        self._log_seq = itertools.count(secrets.randbelow(1 << 20))

    @classmethod
    def mount_on(cls, api: FakeTikTokApi, feed: PublicFeed, **kwargs: Any) -> FakeResearchApi:
        """Build one over `api`'s clock and client tokens and serve it from `api`'s host."""
        research = cls(feed, api.clock, token_valid=api.client_token_valid, **kwargs)
        api.mount_research(research)
        return research

    # --- knobs -------------------------------------------------------------------------------------

    def quota_used_today(self) -> int:
        with self._lock:
            self._roll_quota_day()
            return self._quota_used

    def set_remaining_quota(self, remaining: int) -> None:
        with self._lock:
            self._roll_quota_day()
            self._quota_used = max(0, self.daily_quota - remaining)

    def expire_search_ids(self) -> None:
        with self._lock:
            self._searches.clear()

    def add_fault(self, kind: str, *, count: int = 1, endpoint: str | None = None) -> ResearchFault:
        """`internal_error` (500, still costs quota), `rate_limit` (429 rate_limit_exceeded),
        `short_page` / `empty_page` (video query: half / no videos, cursor and has_more as usual),
        `invalid_search_id` (a page >= 2 is refused although its search id is valid)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if endpoint is not None and endpoint not in RESEARCH_ENDPOINTS:
            raise ValueError(f"unknown research endpoint {endpoint!r}")
        fault = ResearchFault(kind, endpoint, count)
        with self._lock:
            self._faults.append(fault)
        return fault

    def _take_fault(self, path: str, kinds: Iterable[str]) -> ResearchFault | None:
        wanted = set(kinds)
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.kind in wanted and fault.endpoint in (None, path):
                    fault.remaining -= 1
                    return fault
        return None

    # --- WSGI ----------------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO") or "/")
        query = dict(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True))
        auth = str(environ.get("HTTP_AUTHORIZATION", ""))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            answer = self._handle(method, path, query, auth, raw)
        except Exception:  # noqa: BLE001 - a bug in the fake must still answer like a server, loudly
            traceback.print_exc()
            answer = self._error("internal_error")
        body = json.dumps(answer.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._record(method, path, answer)
        start_response(
            f"{answer.status} {HTTPStatus(answer.status).phrase}",
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("X-Tt-Logid", answer.log_id),
                *answer.extra_headers,
            ],
        )
        return [body]

    def _handle(self, method: str, path: str, query: dict[str, str], auth: str, raw: bytes) -> _Answer:
        handlers = {VIDEO_QUERY_PATH: self._video_query, USER_INFO_PATH: self._user_info, COMMENT_LIST_PATH: self._comments}
        handler = handlers.get(path)
        if handler is None:
            return self._error("not_found", f"No such path: {path}")
        if method != "POST":
            answer = self._error("method_not_allowed")
            answer.extra_headers.append(("Allow", "POST"))
            return answer
        match = re.fullmatch(r"Bearer\s+(\S+)", auth.strip(), re.IGNORECASE)
        if not match or not self.token_valid(match.group(1)):
            return self._error("access_token_invalid")
        if not self.project_approved:
            return self._error("scope_not_authorized")
        with self._lock:
            self._roll_quota_day()
            if self._quota_used >= self.daily_quota:
                return self._error("daily_quota_limit_exceeded")
            self._quota_used += 1  # every admitted request costs one, whatever it answers
        fault = self._take_fault(path, ("internal_error", "rate_limit"))
        if fault is not None:
            answer = self._error("internal_error" if fault.kind == "internal_error" else "rate_limit_exceeded")
            answer.fault = fault.kind
            return answer
        fields_raw = query.get("fields", "")
        fields = tuple(dict.fromkeys(f.strip() for f in fields_raw.split(",") if f.strip()))
        body: Any = None
        try:
            if not fields:
                raise _Reject("invalid_params", "The fields parameter is required.")
            try:
                body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise _Reject("invalid_params", "The request body is not valid JSON.") from None
            if not isinstance(body, dict):
                raise _Reject("invalid_params", "The request body must be a JSON object.")
            answer = handler(fields, body)
        except _Reject as rej:
            answer = self._error(rej.code, rej.message)
        answer.fields = fields or None
        answer.body = body
        return answer

    # --- endpoints -----------------------------------------------------------------------------------

    def _video_query(self, fields: tuple[str, ...], body: dict[str, Any]) -> _Answer:
        _check_fields(fields, VIDEO_FIELDS)
        query = body.get("query")
        _validate_query(query)
        start, end = _parse_date(body.get("start_date"), "start_date"), _parse_date(body.get("end_date"), "end_date")
        if end < start:
            raise _Reject("invalid_params", "end_date must not be before start_date")
        if (end - start).days > MAX_WINDOW_DAYS:
            raise _Reject("invalid_params", f"end_date must be no more than {MAX_WINDOW_DAYS} days after start_date")
        max_count = body.get("max_count", DEFAULT_VIDEO_PAGE)
        cursor = body.get("cursor", 0)
        if not _is_int(max_count) or not 1 <= max_count <= MAX_VIDEO_PAGE or not _is_int(cursor) or cursor < 0:
            raise _Reject("invalid_params", "Invalid count or cursor")
        is_random = body.get("is_random", False)
        if not isinstance(is_random, bool):
            raise _Reject("invalid_params", "is_random must be a boolean")
        fingerprint = json.dumps(
            {"q": query, "s": body["start_date"], "e": body["end_date"], "r": is_random}, sort_keys=True
        )
        now = self.clock.now()
        search_id = body.get("search_id")
        if search_id is not None:
            sid = str(search_id)
            with self._lock:
                search = self._searches.get(sid)
            forced = self._take_fault(VIDEO_QUERY_PATH, ("invalid_search_id",)) is not None
            if forced or search is None or search.fingerprint != fingerprint or now >= search.expires_at:
                raise _Reject("invalid_params", f"Search Id {sid} is invalid or expired")
        else:
            matches = [v.id for v in self._indexed(now) if start <= v.create_time.date() <= end and _matches(v, query, self._archived(v, now))]
            if is_random:
                rnd = secrets.SystemRandom()
                matches = rnd.sample(matches, min(len(matches), max_count))
            sid = str(next(self._search_seq))
            search = _Search(fingerprint, matches, now + self.search_ttl)
            with self._lock:
                self._searches[sid] = search
        if cursor > len(search.ids):
            raise _Reject("invalid_params", "Invalid count or cursor")
        page_ids = search.ids[cursor : cursor + max_count]
        fault = self._take_fault(VIDEO_QUERY_PATH, ("short_page", "empty_page"))
        if fault is not None and fault.kind == "empty_page":
            page_ids = []
        elif fault is not None and len(page_ids) > 1:
            page_ids = page_ids[: len(page_ids) // 2]  # the rest was filtered (deleted/private) - gone
        videos = []
        for vid in page_ids:
            video = self.feed.video(vid)
            if video is not None:
                videos.append(self._video_json(video, fields, now))
        next_cursor = cursor + max_count  # advances by max_count even when the page is short
        answer = self._ok({"videos": videos, "cursor": next_cursor, "has_more": next_cursor < len(search.ids), "search_id": sid})
        answer.fault = fault.kind if fault else None
        return answer

    def _indexed(self, now: datetime) -> list[PublicVideo]:
        """Videos the search engine knows: posted at least `index_delay` ago."""
        return self.feed.videos_posted_by(now - self.index_delay)

    def _archived(self, video: PublicVideo, now: datetime) -> Any:
        """Archived counts: as of `now - archive_lag`, but not earlier than when it was indexed."""
        as_of = max(now - self.archive_lag, video.create_time + self.index_delay)
        return video.counts_at(min(as_of, now))

    def _video_json(self, video: PublicVideo, fields: tuple[str, ...], now: datetime) -> dict[str, Any]:
        counts = self._archived(video, now)
        values: dict[str, Any] = {
            "id": video.id,
            "create_time": video.create_epoch,
            "username": video.username,
            "region_code": video.region_code,
            "video_description": video.description,
            "music_id": video.music_id,
            "like_count": counts.likes,
            "comment_count": counts.comments,
            "share_count": counts.shares,
            "view_count": counts.views,
            "hashtag_names": list(video.hashtags),
            "video_duration": video.duration,
        }
        return {f: values[f] for f in fields}

    def _user_info(self, fields: tuple[str, ...], body: dict[str, Any]) -> _Answer:
        _check_fields(fields, USER_FIELDS)
        username = body.get("username")
        if "open_id" in body:
            raise _Reject("invalid_params", "open_id is not supported; send username")
        if not isinstance(username, str) or not username.strip():
            raise _Reject("invalid_params", "username is required")
        profile = self.feed.creator(username.strip().lstrip("@").lower(), self.clock.now())  # live data
        if profile is None:
            raise _Reject("invalid_params", f"API cannot find the user {username}")
        return self._ok({f: profile[f] for f in fields})

    def _comments(self, fields: tuple[str, ...], body: dict[str, Any]) -> _Answer:
        _check_fields(fields, COMMENT_FIELDS)
        if "comment_id" in body:
            raise _Reject("invalid_params", "comment_id (replies) is not supported by the demo")
        video_id = body.get("video_id")
        if isinstance(video_id, str) and video_id.isdigit():
            video_id = int(video_id)
        if not _is_int(video_id):
            raise _Reject("invalid_params", "video_id is required")
        max_count = body.get("max_count", DEFAULT_COMMENT_PAGE)
        cursor = body.get("cursor", 0)
        if not _is_int(max_count) or not 1 <= max_count <= MAX_COMMENT_PAGE or not _is_int(cursor) or cursor < 0:
            raise _Reject("invalid_params", "Invalid count or cursor")
        if cursor + max_count > MAX_COMMENT_REACH:
            raise _Reject("invalid_params", f"cursor + max_count must not exceed {MAX_COMMENT_REACH}")
        now = self.clock.now()
        video = self.feed.video(video_id)
        if video is None or video.create_time > now:
            raise _Reject("invalid_params", f"API cannot find the video {video_id}")
        reachable = self.feed.comments(video_id, now)[:MAX_COMMENT_REACH]
        page = reachable[cursor : cursor + max_count]
        out = []
        for c in page:
            values = {
                "id": c.id, "video_id": c.video_id, "text": c.text, "like_count": c.like_count,
                "reply_count": c.reply_count, "parent_comment_id": c.parent_comment_id, "create_time": c.create_epoch,
            }
            out.append({f: values[f] for f in fields})
        next_cursor = cursor + len(page)
        return self._ok({"comments": out, "cursor": next_cursor, "has_more": next_cursor < len(reachable)})

    # --- quota, envelopes, records ----------------------------------------------------------------

    def _roll_quota_day(self) -> None:
        today = self.clock.now().astimezone(UTC).date()
        if self._quota_day != today:
            self._quota_day = today
            self._quota_used = 0

    def _log_id(self) -> str:
        seq = next(self._log_seq) % (1 << 24)
        return f"{self.clock.now():%Y%m%d%H%M%S}{seq:06X}{secrets.token_hex(6).upper()}"

    def _ok(self, data: dict[str, Any]) -> _Answer:
        log_id = self._log_id()
        return _Answer(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": log_id}}, "ok", log_id)

    def _error(self, code: str, message: str | None = None) -> _Answer:
        log_id = self._log_id()
        text = message if message is not None else _MESSAGES.get(code, "The request failed.")
        return _Answer(_STATUS.get(code, 400), {"data": {}, "error": {"code": code, "message": text, "log_id": log_id}}, code, log_id)

    def _record(self, method: str, path: str, answer: _Answer) -> None:
        record = RecordedRequest(
            method=method, path=path, http_status=answer.status, error_code=answer.code, log_id=answer.log_id,
            fields=answer.fields, body=answer.body, fault=answer.fault, at=self.clock.now(),
        )
        with self._lock:
            self.requests.append(record)
            if len(self.requests) > self.max_recorded:
                del self.requests[: len(self.requests) - self.max_recorded]


# --- query evaluation -------------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_fields(fields: tuple[str, ...], known: tuple[str, ...]) -> None:
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise _Reject("invalid_params", f"Invalid fields: {','.join(unknown)}")


def _parse_date(value: Any, name: str) -> date:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise _Reject("invalid_params", f"{name} is required in YYYYMMDD format")
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise _Reject("invalid_params", f"{name}={value} is not a valid date") from None


def _validate_query(query: Any) -> None:
    if not isinstance(query, dict) or not query:
        raise _Reject("invalid_params", "query is required")
    if set(query) - {"and", "or", "not"}:
        raise _Reject("invalid_params", f"query keys must be and/or/not, got {sorted(query)}")
    if not any(isinstance(query.get(k), list) and query.get(k) for k in ("and", "or", "not")):
        raise _Reject("invalid_params", "query needs at least one non-empty and/or/not list")
    for key in ("and", "or", "not"):
        conditions = query.get(key, [])
        if not isinstance(conditions, list):
            raise _Reject("invalid_params", f"query.{key} must be a list")
        for cond in conditions:
            if not isinstance(cond, dict):
                raise _Reject("invalid_params", "a condition must be an object")
            name, op, values = cond.get("field_name"), cond.get("operation"), cond.get("field_values")
            if name not in CONDITION_FIELDS:
                raise _Reject("invalid_params", f"Invalid field_name: {name}")
            if op not in OPERATIONS:
                raise _Reject("invalid_params", f"Invalid operation: {op}")
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise _Reject("invalid_params", f"field_values of {name} must be a non-empty list of strings")
            if op in ("GT", "GTE", "LT", "LTE") and (
                len(values) != 1 or name not in ("create_date", "video_id", "music_id", "view_count", "comment_count")
            ):
                raise _Reject("invalid_params", f"{op} needs one value of an ordered field, not {name}")
            if name in ("video_id", "music_id", "view_count", "comment_count") and not all(v.isdigit() for v in values):
                raise _Reject("invalid_params", f"field_values of {name} must be numeric strings")
            if name == "create_date" and not all(_DATE_RE.fullmatch(v) for v in values):
                raise _Reject("invalid_params", "create_date values must be YYYYMMDD")
            if name == "video_length" and not all(v in VIDEO_LENGTHS for v in values):
                raise _Reject("invalid_params", f"video_length must be one of {VIDEO_LENGTHS}")


def _condition(video: PublicVideo, cond: dict[str, Any], counts: Any) -> bool:
    name, op, values = cond["field_name"], cond["operation"], cond["field_values"]
    if name in ("create_date", "video_id", "music_id", "view_count", "comment_count"):
        actual: Any = {
            "create_date": f"{video.create_time:%Y%m%d}",
            "video_id": video.id,
            "music_id": video.music_id,
            "view_count": counts.views,
            "comment_count": counts.comments,
        }[name]
        wanted = [v if name == "create_date" else int(v) for v in values]
        if op in ("EQ", "IN"):
            return actual in wanted
        ref = wanted[0]
        return {"GT": actual > ref, "GTE": actual >= ref, "LT": actual < ref, "LTE": actual <= ref}[op]
    lowered = [v.strip().lower() for v in values]
    if name == "region_code":
        return video.region_code.lower() in lowered
    if name == "username":
        return video.username.lower() in [v.lstrip("@") for v in lowered]
    if name == "hashtag_name":
        return any(t.lower() in [v.lstrip("#") for v in lowered] for t in video.hashtags)
    if name == "keyword":
        text = video.description.lower()
        return any(v in text for v in lowered)
    if name == "video_length":
        return video_length_bucket(video.duration).lower() in lowered
    raise AssertionError(name)


def _matches(video: PublicVideo, query: dict[str, Any], counts: Any) -> bool:
    ands, ors, nots = query.get("and") or [], query.get("or") or [], query.get("not") or []
    return (
        all(_condition(video, c, counts) for c in ands)
        and (not ors or any(_condition(video, c, counts) for c in ors))
        and not any(_condition(video, c, counts) for c in nots)
    )
