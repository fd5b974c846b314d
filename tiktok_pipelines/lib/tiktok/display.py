"""Display API v2 client: the consenting creator's profile and videos."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tiktok_pipelines.lib.tiktok.errors import (
    AccessTokenInvalid,
    MalformedResponse,
    ReconsentRequired,
)
from tiktok_pipelines.lib.tiktok.http import TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import UserTokenProvider
from tiktok_pipelines.lib.tiktok.parsing import RejectedItem, int_field, parse_items

USER_INFO_PATH = "/v2/user/info/"
VIDEO_LIST_PATH = "/v2/video/list/"
VIDEO_QUERY_PATH = "/v2/video/query/"

USER_FIELDS = (
    "open_id", "union_id", "avatar_url", "display_name",  # user.info.basic
    "bio_description", "profile_deep_link", "is_verified", "username",  # user.info.profile
    "follower_count", "following_count", "likes_count", "video_count",  # user.info.stats
)
VIDEO_FIELDS = (
    "id", "create_time", "cover_image_url", "share_url", "video_description", "duration",
    "height", "width", "title", "embed_link", "like_count", "comment_count", "share_count", "view_count",
)
METRIC_FIELDS = ("id", "like_count", "comment_count", "share_count", "view_count")
MAX_LIST_PAGE = 20
MAX_QUERY_IDS = 20
_COUNT_FIELDS = ("view_count", "like_count", "comment_count", "share_count")


@dataclass(frozen=True)
class VideoCountsRecord:
    video_id: str
    views: int
    likes: int
    comments: int
    shares: int


@dataclass(frozen=True)
class DisplayVideo:
    video_id: str
    create_time: datetime
    title: str | None
    caption: str | None
    duration_s: int | None
    width: int | None
    height: int | None
    share_url: str | None
    embed_link: str | None
    cover_image_url: str | None
    counts: VideoCountsRecord | None


@dataclass
class VideoListing:
    videos: list[DisplayVideo] = field(default_factory=list)
    rejected: list[RejectedItem] = field(default_factory=list)
    pages: int = 0
    short_pages: int = 0
    complete: bool = False  # reached has_more == false (or stopped at known videos)


def _video_id(obj: Any) -> str:
    if not isinstance(obj, dict):
        raise ValueError(f"video is {type(obj).__name__}, expected an object")
    vid = obj.get("id")
    if not isinstance(vid, (str, int)) or isinstance(vid, bool) or not str(vid).isdigit():
        raise ValueError(f"id={vid!r} is not a numeric id")
    return str(vid)


def parse_counts(obj: Any) -> VideoCountsRecord:
    vid = _video_id(obj)
    values = {name: int_field(obj, name, required=True) for name in _COUNT_FIELDS}
    return VideoCountsRecord(
        video_id=vid,
        views=values["view_count"],  # type: ignore[arg-type]
        likes=values["like_count"],  # type: ignore[arg-type]
        comments=values["comment_count"],  # type: ignore[arg-type]
        shares=values["share_count"],  # type: ignore[arg-type]
    )


def parse_video(obj: Any) -> DisplayVideo:
    vid = _video_id(obj)
    created = int_field(obj, "create_time", required=True)
    counts = parse_counts(obj) if all(f in obj for f in _COUNT_FIELDS) else None

    def text(name: str) -> str | None:
        value = obj.get(name)
        return None if value is None else str(value)

    return DisplayVideo(
        video_id=vid,
        create_time=datetime.fromtimestamp(created, UTC),  # type: ignore[arg-type]
        title=text("title"),
        caption=text("video_description"),
        duration_s=int_field(obj, "duration", required=False),
        width=int_field(obj, "width", required=False),
        height=int_field(obj, "height", required=False),
        share_url=text("share_url"),
        embed_link=text("embed_link"),
        cover_image_url=text("cover_image_url"),
        counts=counts,
    )


class DisplayApiClient:
    def __init__(self, http: TikTokHttp, tokens: UserTokenProvider) -> None:
        self.http = http
        self.tokens = tokens

    def _call(self, method: str, path: str, fields: Sequence[str], body: Any = None) -> dict:
        """An authorized call; on access_token_invalid refresh once and retry once."""
        params = {"fields": ",".join(fields)}
        for attempt in (1, 2):
            sent = self.tokens.access_token()
            headers = {"Authorization": f"Bearer {sent}"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            try:
                envelope = self.http.request(method, path, params=params, json_body=body, headers=headers)
            except AccessTokenInvalid as exc:
                if attempt == 2:
                    raise ReconsentRequired(
                        "TikTok still rejects the access token after a refresh: run `tiktok-pipelines auth` again",
                        endpoint=exc.endpoint, code=exc.code, http_status=exc.http_status, log_id=exc.log_id,
                    ) from None
                self.tokens.refresh(stale_access_token=sent)
                continue
            data = envelope.get("data")
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise MalformedResponse(f"data is {type(data).__name__}, expected an object", endpoint=path, code="malformed_response")
            return data
        raise AssertionError("unreachable")  # pragma: no cover

    def user_info(self, fields: Sequence[str] = USER_FIELDS) -> dict:
        data = self._call("GET", USER_INFO_PATH, fields)
        user = data.get("user")
        if not isinstance(user, dict) or not user.get("open_id"):
            raise MalformedResponse("data.user with an open_id is missing", endpoint=USER_INFO_PATH, code="malformed_response")
        return user

    def iter_video_pages(
        self, fields: Sequence[str] = VIDEO_FIELDS, page_size: int = MAX_LIST_PAGE, cursor: int | None = None
    ) -> Iterator[tuple[list[Any], bool, int | None]]:
        """Yield (raw videos, has_more, next cursor). Loops on has_more, never on page size:
        TikTok returns short pages while more remain."""
        if not 1 <= page_size <= MAX_LIST_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_LIST_PAGE}")
        empty_in_a_row = 0
        while True:
            body: dict[str, Any] = {"max_count": page_size}
            if cursor is not None:
                body["cursor"] = cursor
            data = self._call("POST", VIDEO_LIST_PATH, fields, body)
            raw = data.get("videos") or []
            if not isinstance(raw, list):
                raise MalformedResponse("data.videos is not a list", endpoint=VIDEO_LIST_PATH, code="malformed_response")
            has_more = bool(data.get("has_more"))
            next_cursor = data.get("cursor")
            if has_more:
                if not isinstance(next_cursor, int) or isinstance(next_cursor, bool):
                    raise MalformedResponse(f"has_more with cursor={next_cursor!r}", endpoint=VIDEO_LIST_PATH, code="malformed_response")
                if cursor is not None and next_cursor >= cursor:
                    # A cursor that does not move back in time would page forever.
                    raise MalformedResponse(
                        f"cursor did not advance ({cursor} -> {next_cursor})", endpoint=VIDEO_LIST_PATH, code="malformed_response"
                    )
            empty_in_a_row = empty_in_a_row + 1 if not raw else 0
            if empty_in_a_row >= 5:
                raise MalformedResponse("5 empty pages in a row with has_more", endpoint=VIDEO_LIST_PATH, code="malformed_response")
            yield raw, has_more, next_cursor
            if not has_more:
                return
            cursor = next_cursor

    def list_videos(
        self,
        fields: Sequence[str] = VIDEO_FIELDS,
        page_size: int = MAX_LIST_PAGE,
        known_ids: set[str] | None = None,
    ) -> VideoListing:
        """Every public video, newest first, de-duplicated.

        With known_ids (an incremental refresh), stop after the first page made only of videos we
        already have: the list is ordered by create_time, so older pages hold nothing new."""
        listing = VideoListing()
        seen: set[str] = set()
        for raw, has_more, _ in self.iter_video_pages(fields, page_size):
            listing.pages += 1
            if has_more and len(raw) < page_size:
                listing.short_pages += 1
            new_on_page = 0
            for video in parse_items(raw, parse_video, VIDEO_LIST_PATH, listing.rejected):
                if video.video_id in seen:
                    continue
                seen.add(video.video_id)
                listing.videos.append(video)
                if known_ids is None or video.video_id not in known_ids:
                    new_on_page += 1
            if known_ids is not None and raw and new_on_page == 0:
                listing.complete = True
                return listing
        listing.complete = True
        return listing

    def query_counts(self, video_ids: Sequence[str]) -> tuple[list[VideoCountsRecord], list[RejectedItem]]:
        """Current counts for our own videos, 20 ids per call. Ids TikTok no longer returns
        (deleted, made private) are simply absent from the result."""
        out: list[VideoCountsRecord] = []
        rejected: list[RejectedItem] = []
        unique = list(dict.fromkeys(video_ids))
        for start in range(0, len(unique), MAX_QUERY_IDS):
            batch = unique[start : start + MAX_QUERY_IDS]
            data = self._call("POST", VIDEO_QUERY_PATH, METRIC_FIELDS, {"filters": {"video_ids": batch}})
            raw = data.get("videos") or []
            if not isinstance(raw, list):
                raise MalformedResponse("data.videos is not a list", endpoint=VIDEO_QUERY_PATH, code="malformed_response")
            wanted = set(batch)
            for rec in parse_items(raw, parse_counts, VIDEO_QUERY_PATH, rejected):
                if rec.video_id in wanted:
                    out.append(rec)
        return out, rejected

    def query_videos(self, video_ids: Sequence[str], fields: Sequence[str] = VIDEO_FIELDS) -> tuple[list[DisplayVideo], list[RejectedItem]]:
        """Full video objects for our own videos by id (20 per call); absent ids are not returned."""
        out: list[DisplayVideo] = []
        rejected: list[RejectedItem] = []
        unique = list(dict.fromkeys(video_ids))
        for start in range(0, len(unique), MAX_QUERY_IDS):
            batch = unique[start : start + MAX_QUERY_IDS]
            data = self._call("POST", VIDEO_QUERY_PATH, fields, {"filters": {"video_ids": batch}})
            raw = data.get("videos") or []
            if not isinstance(raw, list):
                raise MalformedResponse("data.videos is not a list", endpoint=VIDEO_QUERY_PATH, code="malformed_response")
            wanted = set(batch)
            out.extend(v for v in parse_items(raw, parse_video, VIDEO_QUERY_PATH, rejected) if v.video_id in wanted)
        return out, rejected
