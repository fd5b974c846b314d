"""Extraction results in the warehouse: one row per (video, extraction), the artifact as JSON plus the
scalars BI filters on, with the extractor's name and version and the sha256 of the file it read.

`is_current` is how an asset skips work already done: same file, same extractor version, a finished
status. An `error` or `unavailable` row is never current, so fixing the cause and re-running works.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.warehouse.engine import upsert
from tiktok_pipelines.lib.warehouse.schema import EXTRACTION_TABLES

FINISHED = ("ok", "partial")


def save_result(
    conn: Connection,
    extraction: str,
    video_id: str,
    *,
    payload: BaseModel | Mapping[str, Any],
    extractor: str,
    version: str,
    status: str,
    source_sha256: str | None,
    now: datetime,
    scalars: Mapping[str, Any] | None = None,
    note: str = "",
    seconds: float | None = None,
) -> None:
    table = EXTRACTION_TABLES[extraction]
    body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else dict(payload)
    upsert(conn, table, [{
        "video_id": video_id, "extractor": extractor, "extractor_version": version, "status": status,
        "source_sha256": source_sha256, **(scalars or {}), "payload": body, "note": note or None,
        "seconds": None if seconds is None else round(seconds, 3), "extracted_at": now,
    }])


def load_result(conn: Connection, extraction: str, video_id: str) -> dict | None:
    table = EXTRACTION_TABLES[extraction]
    row = conn.execute(select(table).where(table.c.video_id == video_id)).mappings().first()
    return dict(row) if row else None


def is_current(row: Mapping[str, Any] | None, *, version: str, source_sha256: str | None) -> bool:
    return bool(row) and row["status"] in FINISHED and row["extractor_version"] == version \
        and row["source_sha256"] == source_sha256
