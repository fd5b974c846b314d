"""Where a cohort's counts come from, behind one interface.

| source       | counts                       | staleness recorded on every observation              |
|--------------|------------------------------|------------------------------------------------------|
| display_api  | the account's own videos     | live                                                 |
| research_api | public videos, by id         | archived: TikTok documents up to 10 days of lag      |
| page_json    | public video pages (opt-in)  | live, unofficial (see lib/tiktok/page_json.py)       |

A source works through members in priority order and stops cleanly at the Research API's daily
quota: what it got is returned, the rest is `pending` with the time the quota resets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from tiktok_pipelines.lib.clock import Clock, utc
from tiktok_pipelines.lib.tiktok.errors import QuotaExhausted, TikTokError
from tiktok_pipelines.lib.tiktok.parsing import RejectedItem

# TikTok's Research FAQ: "statistics such as view count ... can take up to 10 days to update".
RESEARCH_MAX_STALENESS_H = 240.0
RESEARCH_STALENESS_NOTE = "archived counts: TikTok documents up to 10 days of lag; intraday deltas are not meaningful"
RESEARCH_ID_BATCH = 100


@dataclass(frozen=True)
class MemberRef:
    video_id: str
    username: str | None
    create_time: datetime


@dataclass(frozen=True)
class ObservedCounts:
    video_id: str
    collected_at: datetime
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None = None
    stats_exact: bool | None = None


@dataclass
class CountsResult:
    observed: list[ObservedCounts] = field(default_factory=list)
    not_returned: list[str] = field(default_factory=list)  # asked for, absent from the answer
    pending: list[str] = field(default_factory=list)  # not asked yet: the quota stopped us
    rejected: list[RejectedItem] = field(default_factory=list)
    quota_stopped: bool = False
    retry_after: datetime | None = None
    requests: int = 0
    detail: str = ""
    error: Exception | None = None  # a non-quota failure after partial progress: written, then raised


def _match(out: CountsResult, members: Sequence[MemberRef], answered: dict[str, Any],
           counts: Callable[[Any], ObservedCounts]) -> None:
    """Each member asked for is either observed or recorded as not returned (deleted, private)."""
    for m in members:
        item = answered.get(m.video_id)
        if item is None:
            out.not_returned.append(m.video_id)
        else:
            out.observed.append(counts(item))


class CountsSource(Protocol):
    name: str
    staleness: str  # "live" | "archived"
    max_staleness_h: float

    def fetch_counts(self, members: Sequence[MemberRef]) -> CountsResult: ...


class DisplayCountsSource:
    """The connected account's own videos: live counts, 20 ids per request."""

    name = "display_api"
    staleness = "live"
    max_staleness_h = 0.0

    def __init__(self, client, clock: Clock) -> None:  # noqa: ANN001 - DisplayApiClient (avoids an import cycle)
        self.client = client
        self.clock = clock

    def fetch_counts(self, members: Sequence[MemberRef]) -> CountsResult:
        before = self.client.http.requests_sent
        records, rejected = self.client.query_counts([m.video_id for m in members])
        at = self.clock.now()
        by_id = {r.video_id: r for r in records}
        out = CountsResult(rejected=rejected, requests=self.client.http.requests_sent - before)
        _match(out, members, by_id, lambda r: ObservedCounts(r.video_id, at, r.views, r.likes, r.comments, r.shares, None, True))
        return out


class ResearchCountsSource:
    """Public videos by id through the Research API video query (100 ids per request, date windows
    around their upload days). Archived counts, so every observation says so."""

    name = "research_api"
    staleness = "archived"
    max_staleness_h = RESEARCH_MAX_STALENESS_H

    def __init__(self, client, clock: Clock) -> None:  # noqa: ANN001 - ResearchApiClient
        self.client = client
        self.clock = clock

    def fetch_counts(self, members: Sequence[MemberRef]) -> CountsResult:
        out = CountsResult()
        used_before = self.client.budget.used()
        try:
            for start in range(0, len(members), RESEARCH_ID_BATCH):
                batch = list(members[start : start + RESEARCH_ID_BATCH])
                try:
                    listing = self.client.query_videos(
                        {"and": [{"operation": "IN", "field_name": "video_id", "field_values": [m.video_id for m in batch]}]},
                        min(utc(m.create_time) for m in batch) - timedelta(days=1),  # TikTok's create_date is UTC days; be generous
                        max(utc(m.create_time) for m in batch) + timedelta(days=1),
                    )
                except QuotaExhausted as exc:
                    out.pending.extend(m.video_id for m in members[start:])
                    out.quota_stopped = True
                    out.retry_after = self.client.budget.resets_at()
                    out.detail = str(exc)
                    return out
                except TikTokError as exc:
                    # Keep the batches already answered; the run fails and its retry resumes the rest.
                    out.pending.extend(m.video_id for m in members[start:])
                    out.error = exc
                    out.detail = str(exc)
                    return out
                at = self.clock.now()
                out.rejected.extend(listing.rejected)
                by_id = {str(v.video_id): v for v in listing.videos}
                _match(out, batch, by_id, lambda v, at=at: ObservedCounts(
                    str(v.video_id), at, v.views, v.likes, v.comments, v.shares, None, None))
            return out
        finally:
            out.requests = self.client.budget.used() - used_before


class PageJsonCountsSource:
    """Unofficial, opt-in: live counts from public video pages, paced (lib/tiktok/page_json.py)."""

    name = "page_json"
    staleness = "live"
    max_staleness_h = 0.0

    def __init__(self, client) -> None:  # noqa: ANN001 - PageJsonClient
        self.client = client

    def fetch_counts(self, members: Sequence[MemberRef]) -> CountsResult:
        before = self.client.requests_sent
        refs = [(m.username or "", m.video_id) for m in members]
        videos, failures = self.client.fetch_many(refs)
        out = CountsResult(requests=self.client.requests_sent - before)
        by_id = {v.video_id: v for v in videos}
        _match(out, members, by_id, lambda v: ObservedCounts(
            v.video_id, v.fetched_at, v.views, v.likes, v.comments, v.shares, v.saves, v.stats_exact))
        if failures:
            out.detail = "; ".join(f"{vid}: {why}" for vid, why in failures[:5])
        return out
