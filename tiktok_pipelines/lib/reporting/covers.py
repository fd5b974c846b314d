"""The pipeline's own copy of every video's cover image.

TikTok's cover URLs are signed and stop working about 6 hours after the API hands them out
(reference §1.7), so a dashboard that links to them shows broken images by the next morning. Each
video's cover is fetched once while its URL is fresh, kept in the media store, and shrunk to the
small thumbnail the dashboard embeds. A video with no usable cover URL (a draft, an expired URL, a
CDN refusal) falls back to its first-frame keyframe thumbnail when extraction has made one.

Cover URLs come from an API response, so they are treated as outside input: https only, hosts on
TikTok's CDN list only (no fetching arbitrary URLs a tampered response could name), an image
content type, a byte cap, and a decode check before anything is stored.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.clock import utc
from tiktok_pipelines.lib.media.acquire import DownloadFailed, DownloadPolicy, DownloadRejected, download_url
from tiktok_pipelines.lib.privacy import display_url
from tiktok_pipelines.lib.reporting.images import shrink_jpeg
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import media_assets, video_covers, video_keyframes, videos

# TikTok serves covers from these CDN domains (and their subdomains) in every region we have seen.
TIKTOK_CDN_SUFFIXES: tuple[str, ...] = (
    "tiktokcdn.com", "tiktokcdn-us.com", "tiktokcdn-eu.com", "ibyteimg.com", "byteimg.com", "muscdn.com",
)
COVER_URL_LIFETIME = timedelta(hours=6)
# A margin before the 6 h mark: a URL this close to expiry may die between the check and the GET.
_EXPIRY_MARGIN = timedelta(minutes=10)
THUMB_SIZE = (72, 128)  # 9:16, twice the dashboard's 36x64 thumbnail: sharp on HiDPI screens, ~3 KB
THUMB_QUALITY = 72
COVER_MAX_BYTES = 5 * 2**20


class CoverError(ValueError):
    """A cover that cannot be used: its URL, its answer or its bytes are wrong."""


@dataclass(frozen=True)
class CoverPolicy:
    cdn_suffixes: tuple[str, ...] = TIKTOK_CDN_SUFFIXES
    max_bytes: int = COVER_MAX_BYTES
    # The demo world serves its CDN in-process: no DNS, so no public-address check.
    allow_private: bool = False
    retries: int = 2
    backoff_s: float = 0.5

    def download_policy(self) -> DownloadPolicy:
        # No redirects: each hop would leave the CDN allowlist that check_cover_url enforced on the first.
        return DownloadPolicy(
            max_bytes=self.max_bytes, allow_private=self.allow_private, timeout_s=20, max_seconds=60, max_redirects=0,
            content_types=("image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif", "image/avif",
                           "image/heic", "application/octet-stream", "binary/octet-stream"),
        )


@dataclass(frozen=True)
class CoverTask:
    """One video whose cover should be (re)fetched or (re)derived."""

    video_id: str
    cover_url: str | None
    cover_url_fetched_at: datetime | None
    keyframe_thumb_key: str | None
    keyframe_sha256: str | None
    previous: Mapping[str, Any] | None = None  # the stored row, kept when a refetch fails


@dataclass
class CoverOutcome:
    video_id: str
    status: str  # cached | failed | no_source
    source: str | None = None
    error: str | None = None


@dataclass
class CoverReport:
    outcomes: list[CoverOutcome] = field(default_factory=list)
    skipped: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def by_source(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            if o.status == "cached" and o.source:
                out[o.source] = out.get(o.source, 0) + 1
        return dict(sorted(out.items()))


def cover_fingerprint(url: str | None) -> str | None:
    """What identifies a cover across fetches: host and path. The query string (expiry, signature)
    changes on every API call although the image does not."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return f"{(parts.hostname or '').lower()}{parts.path}"[:128] or None


def cover_url_is_fresh(fetched_at: datetime | None, now: datetime) -> bool:
    return fetched_at is not None and utc(now) < utc(fetched_at) + COVER_URL_LIFETIME - _EXPIRY_MARGIN


def check_cover_url(url: str, policy: CoverPolicy) -> None:
    """Refuse a cover URL that is not https on TikTok's CDN (named without its signed query string)."""
    shown = display_url(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise CoverError(f"cover URL is not a valid URL: {shown}") from None
    if parts.scheme.lower() != "https":
        raise CoverError(f"cover URL {shown}: scheme {parts.scheme or '(none)'!r} is not https")
    host = (parts.hostname or "").lower().rstrip(".")
    if not any(host == s or host.endswith("." + s) for s in policy.cdn_suffixes):
        raise CoverError(f"cover URL {shown}: host {host!r} is not on TikTok's CDN ({', '.join(policy.cdn_suffixes)})")


def make_thumbnail(data: bytes, what: str) -> tuple[bytes, int, int]:
    """The dashboard thumbnail (JPEG, at most THUMB_SIZE, aspect kept) and the source's size.
    Raises CoverError naming `what` when the bytes are not a decodable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size  # from the header: refuse a decompression bomb before decoding it
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CoverError(f"{what}: not a decodable image ({type(exc).__name__})") from None
    if width < 1 or height < 1 or width * height > 50_000_000:
        raise CoverError(f"{what}: image size {width}x{height} is not a cover")
    thumb = shrink_jpeg(data, THUMB_SIZE, THUMB_QUALITY)
    if thumb is None:
        raise CoverError(f"{what}: not a decodable image (its data is damaged)")
    return thumb, width, height


def cover_prefix(video_id: str) -> str:
    """Where a video's cover files live: outside videos/<id>/, because retention deletes a video's media
    but the dashboard keeps a cover TikTok published."""
    from tiktok_pipelines.lib.media.store import validate_prefix, video_prefix

    return validate_prefix("covers/" + video_prefix(video_id).removeprefix("videos/"))


def cover_keys(video_id: str) -> tuple[str, str]:
    from tiktok_pipelines.lib.media.store import validate_key

    base = cover_prefix(video_id)
    return validate_key(base + "cover"), validate_key(base + "thumb.jpg")


def plan_covers(conn: Connection, now: datetime, *, only: Iterable[str] | None = None) -> tuple[list[CoverTask], int]:
    """The videos whose cover needs work, and how many are already done.

    Done means: cached from the cover URL we would fetch now (same host and path), or cached from
    the keyframe we would use now (same checksum) when there is no fresh cover URL."""
    wanted = set(only) if only is not None else None
    existing = {r.video_id: r for r in conn.execute(select(video_covers))}
    # A video whose media retention removed has no keyframes to make a thumbnail from any more.
    pruned = {r.video_id for r in conn.execute(select(media_assets.c.video_id).where(media_assets.c.status == "pruned"))}
    keyframes = {
        r.video_id: r
        for r in conn.execute(
            select(video_keyframes.c.video_id, video_keyframes.c.thumbnail_key, video_keyframes.c.source_sha256)
            .where(video_keyframes.c.status.in_(("ok", "partial")))
        )
        if r.video_id not in pruned
    }
    rows = conn.execute(select(videos.c.video_id, videos.c.cover_image_url, videos.c.cover_url_fetched_at))
    candidates: dict[str, tuple[str | None, datetime | None]] = {r.video_id: (r.cover_image_url, r.cover_url_fetched_at) for r in rows}
    # Drafts and dropped files have keyframes but no account row.
    for vid in keyframes:
        candidates.setdefault(vid, (None, None))
    tasks: list[CoverTask] = []
    done = 0
    for vid in sorted(candidates):
        if wanted is not None and vid not in wanted:
            continue
        url, fetched_at = candidates[vid]
        kf = keyframes.get(vid)
        have = existing.get(vid)
        task = CoverTask(vid, url, fetched_at, kf.thumbnail_key if kf else None, kf.source_sha256 if kf else None,
                         dict(have._mapping) if have is not None else None)
        if have is not None and _is_current(have, task, now):
            done += 1
            continue
        tasks.append(task)
    return tasks, done


def _is_current(have: Any, task: CoverTask, now: datetime) -> bool:
    fresh_url = task.cover_url and cover_url_is_fresh(task.cover_url_fetched_at, now)
    if have.status == "cached" and have.source == "cover_url":
        # A cached cover stays right while TikTok keeps serving the same image path.
        return have.source_fingerprint == cover_fingerprint(task.cover_url) or not fresh_url
    if fresh_url:
        return False  # anything but a cached cover is improved by a URL we can still fetch
    if task.keyframe_thumb_key:
        return have.status == "cached" and have.source == "keyframe" and have.source_fingerprint == task.keyframe_sha256
    # Nothing to fetch from: a failed or no_source row stays until a source appears.
    return have.status in ("failed", "no_source")


def cache_covers(
    conn_factory: Callable[[], Any],
    tasks: list[CoverTask],
    store: Any,
    read_object: Callable[[str], bytes | None],
    now: datetime,
    *,
    policy: CoverPolicy = CoverPolicy(),
    client: httpx.Client | None = None,
    work_dir: Path,
) -> CoverReport:
    """Fetch or derive each task's cover, store it and its thumbnail, and record the row.

    Each video is written in its own transaction: one bad cover never loses the others. A failed
    cover URL falls back to the keyframe thumbnail and records why the cover itself failed."""
    report = CoverReport()
    work_dir.mkdir(parents=True, exist_ok=True)
    for task in tasks:
        outcome, row = _one_cover(task, store, read_object, now, policy, client, work_dir)
        with conn_factory() as conn:
            upsert(conn, video_covers, [row])
        report.outcomes.append(outcome)
    return report


def _one_cover(
    task: CoverTask, store: Any, read_object: Callable[[str], bytes | None], now: datetime, policy: CoverPolicy,
    client: httpx.Client | None, work_dir: Path,
) -> tuple[CoverOutcome, dict[str, Any]]:
    cover_key, thumb_key = cover_keys(task.video_id)
    base: dict[str, Any] = {
        "video_id": task.video_id, "source": None, "source_host": None, "source_fingerprint": None,
        "storage_key": None, "thumb_key": None, "sha256": None, "width": None, "height": None,
        "size_bytes": None, "error": None, "fetched_at": utc(now),
    }
    url_error: str | None = None
    if task.cover_url and cover_url_is_fresh(task.cover_url_fetched_at, now):
        try:
            data = _fetch_cover(task.cover_url, work_dir / f"{task.video_id}.cover", policy, client)
            thumb, width, height = make_thumbnail(data, f"cover of video {task.video_id}")
            _put_bytes(store, cover_key, data, work_dir)
            _put_bytes(store, thumb_key, thumb, work_dir)
            row = {**base, "status": "cached", "source": "cover_url",
                   "source_host": (urlsplit(task.cover_url).hostname or "").lower(),
                   "source_fingerprint": cover_fingerprint(task.cover_url), "storage_key": cover_key,
                   "thumb_key": thumb_key, "sha256": hashlib.sha256(data).hexdigest(), "width": width,
                   "height": height, "size_bytes": len(data)}
            return CoverOutcome(task.video_id, "cached", "cover_url"), row
        except (CoverError, DownloadRejected, DownloadFailed) as exc:
            url_error = str(exc)
    elif task.cover_url:
        url_error = "cover URL expired (TikTok signs them for about 6 h); waiting for the next account refresh"
    before = task.previous
    if url_error and before is not None and before.get("status") == "cached" and before.get("source") == "cover_url":
        # A new cover path that cannot be fetched now must not cost the cover we already have.
        return CoverOutcome(task.video_id, "failed", "cover_url", url_error), {**before, "error": f"refetch failed: {url_error}"}
    if task.keyframe_thumb_key:
        try:
            data = read_object(task.keyframe_thumb_key)
            if data is None:
                raise CoverError(f"{task.keyframe_thumb_key} is no longer stored (media retention)")
            thumb, width, height = make_thumbnail(data, f"first-frame thumbnail of video {task.video_id}")
            _put_bytes(store, thumb_key, thumb, work_dir)
            row = {**base, "status": "cached", "source": "keyframe", "source_fingerprint": task.keyframe_sha256,
                   "thumb_key": thumb_key, "sha256": hashlib.sha256(data).hexdigest(), "width": width,
                   "height": height, "size_bytes": len(data), "error": url_error}
            return CoverOutcome(task.video_id, "cached", "keyframe", url_error), row
        except (CoverError, KeyError, OSError) as exc:
            url_error = "; ".join(e for e in (url_error, f"keyframe thumbnail unusable: {exc}") if e)
    if url_error:
        return CoverOutcome(task.video_id, "failed", error=url_error), {**base, "status": "failed", "error": url_error}
    message = "no cover URL from TikTok and no keyframes extracted yet"
    return CoverOutcome(task.video_id, "no_source", error=message), {**base, "status": "no_source", "error": message}


def _fetch_cover(url: str, dest: Path, policy: CoverPolicy, client: httpx.Client | None) -> bytes:
    check_cover_url(url, policy)
    try:
        got = download_url(url, dest, policy=policy.download_policy(), client=client,
                           retries=policy.retries, backoff_s=policy.backoff_s)
        return got.path.read_bytes()
    finally:
        dest.unlink(missing_ok=True)


def _put_bytes(store: Any, key: str, data: bytes, work_dir: Path) -> None:
    tmp = work_dir / (key.replace("/", "__") + ".tmp")
    tmp.write_bytes(data)
    try:
        store.put_file(key, tmp, content_type="image/jpeg" if key.endswith(".jpg") else None)
    finally:
        tmp.unlink(missing_ok=True)


def cover_status_counts(conn: Connection) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for r in conn.execute(select(video_covers.c.status, video_covers.c.source)):
        label = f"{r.status}:{r.source}" if r.source else r.status
        out[label] = out.get(label, 0) + 1
    return dict(sorted(out.items()))


def forget_keyframe_cover(conn: Connection, store: Any, video_id: str) -> int:
    """Media retention for covers: a thumbnail made from a video's own frames goes with its media (a
    draft is unpublished content); a cover TikTok published stays. Returns the objects deleted."""
    row = conn.execute(select(video_covers.c.source).where(video_covers.c.video_id == video_id)).first()
    if row is None or row.source != "keyframe":
        return 0
    deleted = store.delete_prefix(cover_prefix(video_id))
    conn.execute(video_covers.delete().where(video_covers.c.video_id == video_id))
    return deleted
