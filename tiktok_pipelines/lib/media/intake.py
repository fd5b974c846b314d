"""From "a file appeared somewhere" to a local file a step can probe: drop folders (local or S3),
direct URLs and, when explicitly enabled, yt-dlp. The sensor uses `scan_sources`; the `video_media`
asset uses `acquire`."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tiktok_pipelines.lib.media.acquire import (
    DownloadPolicy,
    DropItem,
    download_url,
    download_with_ytdlp,
    scan_drop_folder,
    scan_s3_drop_prefix,
)
from tiktok_pipelines.lib.media.catalog import SourceRef, display_location


@dataclass(frozen=True)
class IntakeConfig:
    drop_folder: Path | None
    drop_s3_bucket: str = ""
    drop_s3_prefix: str = ""
    settle_seconds: float = 5.0
    max_download_bytes: int = 512 * 2**20
    allow_private_urls: bool = False
    ytdlp: bool = False
    ca_bundle: Path | None = None

    def download_policy(self) -> DownloadPolicy:
        return DownloadPolicy(max_bytes=self.max_download_bytes, allow_private=self.allow_private_urls,
                              verify=str(self.ca_bundle) if self.ca_bundle else True)


def url_fingerprint(url: str) -> str:
    return "url:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def _source(item: DropItem, kind: str) -> SourceRef:
    if item.kind == "url" and item.url:
        return SourceRef(item.video_id, "url", item.name, item.url, url_fingerprint(item.url), item.is_draft, item.caption)
    return SourceRef(item.video_id, kind, item.name, item.location, f"{item.size}:{item.modified.timestamp():.0f}",
                     item.is_draft, item.caption, item.size)


def scan_sources(config: IntakeConfig, *, s3_client: Any = None, now: datetime | None = None) -> list[SourceRef]:
    """Every settled file in the drop folder and the drop prefix, oldest first."""
    refs: list[SourceRef] = []
    if config.drop_folder is not None and config.drop_folder.is_dir():
        refs += [_source(i, "file") for i in scan_drop_folder(config.drop_folder, settle_seconds=config.settle_seconds, now=now)]
    if config.drop_s3_bucket:
        items = scan_s3_drop_prefix(s3_client, config.drop_s3_bucket, config.drop_s3_prefix,
                                    settle_seconds=config.settle_seconds, now=now)
        refs += [_source(i, "s3") for i in items]
    return refs


def url_source(url: str, *, video_id: str | None = None, caption: str | None = None, ytdlp: bool = False) -> SourceRef:
    """A URL someone asked for (CLI or a .url file): drafts unless the id is a TikTok video id."""
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    vid = video_id or f"url-{digest}"
    return SourceRef(vid, "yt_dlp" if ytdlp else "url", display_location(url).rsplit("/", 1)[-1] or vid, url,
                     url_fingerprint(url), is_draft=not vid.isdigit(), caption=caption)


def acquire(source: dict, dest_dir: Path, config: IntakeConfig, *, s3_client: Any = None) -> Path:
    """Bring the source's file into `dest_dir`; raises the acquire module's errors (DownloadRejected is
    permanent, DownloadFailed transient) or FileNotFoundError when a dropped file has gone."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    kind, location = source["kind"], source["location"]
    suffix = Path(source["name"]).suffix.lower() if Path(source["name"]).suffix.lower() != ".url" else ".mp4"
    dest = dest_dir / f"source{suffix or '.mp4'}"
    if kind == "file":
        path = Path(location)
        if not path.is_file():
            raise FileNotFoundError(f"{source['name']}: the dropped file is gone from {path.parent}")
        tmp = dest.with_suffix(dest.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(dest)
        return dest
    if kind == "s3":
        tmp = dest.with_suffix(dest.suffix + ".part")
        s3_client.download_file(config.drop_s3_bucket, location, str(tmp))
        tmp.replace(dest)
        return dest
    if kind == "url":
        return download_url(location, dest, policy=config.download_policy()).path
    if kind == "yt_dlp":
        return download_with_ytdlp(location, dest_dir, enabled=config.ytdlp, max_bytes=config.max_download_bytes)
    raise ValueError(f"media source {source['video_id']}: unknown kind {kind!r}")
