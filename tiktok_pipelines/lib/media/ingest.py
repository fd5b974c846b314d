"""`video_media`'s work: acquire a source, refuse bad files with a reason, checksum, store, describe."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tiktok_pipelines.lib.media.intake import IntakeConfig, acquire
from tiktok_pipelines.lib.media.probe import MediaProbe, probe_media, sha256_file
from tiktok_pipelines.lib.media.store import MediaStore, media_key

MEDIA_VERSION = "media-1"


@dataclass(frozen=True)
class Ingested:
    row: dict  # the media_assets row
    skipped: bool  # the same file was already stored: nothing fetched or uploaded


def probe_from_row(row: dict) -> MediaProbe:
    fields = {k: v for k, v in (row.get("probe") or {}).items() if k in MediaProbe.__dataclass_fields__}
    return MediaProbe(**fields)


def ingest(
    source: dict, previous: dict | None, store: MediaStore, config: IntakeConfig, work_dir: Path, now: datetime,
    *, s3_client: Any = None,
) -> Ingested:
    """Store the source's file once per fingerprint. Raises MediaError (a bad file), the acquire
    module's DownloadRejected/DownloadFailed, or FileNotFoundError (a dropped file that has gone)."""
    if (previous and previous["status"] == "stored" and previous.get("fingerprint") == source["fingerprint"]
            and previous.get("storage_key") and store.exists(previous["storage_key"])):
        return Ingested(previous, skipped=True)
    path = acquire(source, work_dir, config, s3_client=s3_client)
    try:
        probe = probe_media(path, name=source["name"])
        sha = sha256_file(path)
        key = media_key(source["video_id"], f"source{path.suffix.lower() or '.mp4'}")
        if not (previous and previous.get("sha256") == sha and previous.get("storage_key") == key and store.exists(key)):
            store.put_file(key, path, content_type=mimetypes.guess_type(path.name)[0] or "video/mp4")
    finally:
        path.unlink(missing_ok=True)
    row = {
        "video_id": source["video_id"], "status": "stored", "source_kind": source["kind"], "storage_key": key,
        "storage_uri": store.uri(key), "sha256": sha, "fingerprint": source["fingerprint"],
        "size_bytes": probe.size_bytes, "container": probe.container, "duration_s": probe.duration_s,
        "width": probe.width, "height": probe.height, "fps": probe.fps, "video_codec": probe.video_codec,
        "audio_codec": probe.audio_codec, "has_audio": probe.has_audio, "probe": probe.as_dict(), "error": None,
        "stored_at": now, "pruned_at": None,
    }
    return Ingested(row, skipped=False)


def error_row(source: dict, message: str, now: datetime) -> dict:
    return {
        "video_id": source["video_id"], "status": "error", "source_kind": source["kind"], "storage_key": None,
        "storage_uri": None, "sha256": None, "fingerprint": source["fingerprint"], "size_bytes": source.get("size_bytes"),
        "container": None, "duration_s": None, "width": None, "height": None, "fps": None, "video_codec": None,
        "audio_codec": None, "has_audio": None, "probe": None, "error": message[:2000], "stored_at": now, "pruned_at": None,
    }
