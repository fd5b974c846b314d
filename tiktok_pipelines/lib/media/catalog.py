"""The warehouse side of media: which videos have a source, which still need a run, what is stored.

A source row is written when a file, an S3 object or a URL is first seen; `requested_fingerprint`
records what a run was launched for, so a replaced file (new size/mtime/ETag) is new work and an
unchanged one never is, across daemon restarts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.privacy import display_url, redact_pii
from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import media_assets, media_sources


@dataclass(frozen=True)
class SourceRef:
    """One place a video's file can be fetched from."""

    video_id: str
    kind: str  # file | s3 | url | yt_dlp
    name: str
    location: str
    fingerprint: str
    is_draft: bool
    caption: str | None = None
    size_bytes: int | None = None


def display_location(location: str) -> str:
    """A location fit for logs and metadata: paths and s3:// keys as they are, URLs without their
    credentials, query and fragment (signed URLs carry secrets)."""
    if "://" not in location or location.startswith("s3://"):
        return location
    return display_url(location)


def register_sources(conn: Connection, refs: Iterable[SourceRef], now: datetime) -> int:
    """Upsert sources whose fingerprint changed (or that are new); returns how many were written."""
    refs = list(refs)
    if not refs:
        return 0
    known = dict(conn.execute(select(media_sources.c.video_id, media_sources.c.fingerprint)
                              .where(media_sources.c.video_id.in_([r.video_id for r in refs]))).all())
    rows = []
    for r in refs:
        if known.get(r.video_id) == r.fingerprint:
            continue
        rows.append({
            "video_id": r.video_id, "kind": r.kind, "name": r.name, "location": r.location,
            "fingerprint": r.fingerprint, "caption": redact_pii(r.caption).text if r.caption else None,
            "is_draft": r.is_draft, "size_bytes": r.size_bytes, "discovered_at": now,
        })
    return upsert(conn, media_sources, rows, update_columns=[c for c in rows[0] if c != "video_id"] if rows else None)


def pending_sources(conn: Connection, limit: int | None = None) -> tuple[list[dict], int]:
    """Sources no run was launched for yet (oldest first, at most `limit`), and how many wait in all."""
    stmt = select(media_sources).where(
        (media_sources.c.requested_fingerprint.is_(None)) | (media_sources.c.requested_fingerprint != media_sources.c.fingerprint)
    ).order_by(media_sources.c.discovered_at, media_sources.c.video_id)
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    return (rows[:limit] if limit is not None else rows), len(rows)


def mark_requested(conn: Connection, sources: Sequence[dict]) -> None:
    for s in sources:
        conn.execute(update(media_sources).where(media_sources.c.video_id == s["video_id"])
                     .values(requested_fingerprint=s["fingerprint"]))


def load_source(conn: Connection, video_id: str) -> dict | None:
    row = conn.execute(select(media_sources).where(media_sources.c.video_id == video_id)).mappings().first()
    return dict(row) if row else None


def load_asset(conn: Connection, video_id: str) -> dict | None:
    row = conn.execute(select(media_assets).where(media_assets.c.video_id == video_id)).mappings().first()
    return dict(row) if row else None


def save_asset(conn: Connection, row: dict) -> None:
    upsert(conn, media_assets, [row])


def expired_assets(conn: Connection, now: datetime, retention_days: int) -> list[dict]:
    cutoff = now - timedelta(days=retention_days)
    stmt = select(media_assets.c.video_id, media_assets.c.stored_at).where(
        (media_assets.c.status == "stored") & (media_assets.c.stored_at < cutoff)
    ).order_by(media_assets.c.stored_at)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def mark_pruned(conn: Connection, video_id: str, now: datetime) -> None:
    conn.execute(update(media_assets).where(media_assets.c.video_id == video_id)
                 .values(status="pruned", pruned_at=now))
