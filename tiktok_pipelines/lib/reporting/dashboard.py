"""The dashboard as one self-contained HTML file: the page, its script and style, its data and its
images inline, and a Content-Security-Policy that forbids every network request, so the file works
opened from disk, served by any static host, or attached to an email.

Images are data URIs. Thumbnails and keyframes are shrunk once and cached on disk by the checksum
of their source (`ImageCache`), so regenerating the dashboard after a run re-encodes only the new
videos' images.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from tiktok_pipelines.lib.files import write_atomic
from tiktok_pipelines.lib.reporting.images import data_uri, shrink_jpeg

PAGE = "dashboard_page"
KEYFRAME_SIZE = (108, 192)
KEYFRAME_QUALITY = 60


def _page_file(name: str) -> str:
    return resources.files("tiktok_pipelines.lib.reporting").joinpath(PAGE, name).read_text(encoding="utf-8")


def _script_json(value: Any) -> str:
    # "<" escaped as \u003c: no "</script>" or "<!--" inside a script element can end or confuse it;
    # the JSON stays valid and parses to the same strings.
    return _compact_json(value).replace("<", "\\u003c")


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def render_dashboard(data: Mapping[str, Any]) -> str:
    """The HTML page for `collect_dashboard`'s data."""
    images = data.get("images", {})
    first = {k: data[k] for k in ("meta", "overview", "table", "cohorts", "charts", "insights")}
    first["cohorts_total"] = data.get("cohorts_total", len(data["cohorts"]))
    first["thumbs"] = {k: v for k, v in images.items() if k.startswith("th:")}
    frames = {k: v for k, v in images.items() if not k.startswith("th:")}
    meta = data["meta"]
    who = f"@{meta['account']['username']}" if meta.get("account") and meta["account"].get("username") else "videos"
    title = f"TikTok analytics: {who}" + (" (demo data)" if meta.get("is_demo") else "")
    page = _page_file("page.html")
    # Substituted in one pass, so text inside the data can never be mistaken for a placeholder.
    parts = {
        "__TITLE__": _html_text(title), "__CSS__": _page_file("style.css"), "__DATA__": _script_json(first),
        # Each video's details as its own JSON string: opening one detail view parses one video, not 1,000.
        "__JS__": _page_file("app.js"),
        "__DETAILS__": _script_json({k: _compact_json(v) for k, v in data.get("details", {}).items()}),
        "__FRAMES__": _script_json(frames),
    }
    out, rest = [], page
    while True:
        positions = [(rest.find(k), k) for k in parts if rest.find(k) >= 0]
        if not positions:
            out.append(rest)
            break
        pos, key = min(positions)
        out.append(rest[:pos])
        out.append(parts[key])
        rest = rest[pos + len(key):]
    return "".join(out)


def _html_text(text: str) -> str:
    from html import escape

    return escape(text, quote=True)


def write_dashboard(path: Path, html: str) -> int:
    """Write atomically: a browser or web server never sees half a file. Returns the size in bytes."""
    data = html.encode("utf-8")
    write_atomic(path, data)
    return len(data)


@dataclass
class ImageCache:
    """Dashboard-sized JPEGs as data URIs, cached on disk by (kind, media key, version).

    The version is what changes when the image does (the source video's checksum and the extractor
    version for keyframes, the cover's checksum for thumbnails), so a warm rebuild reads only the
    small cached files, never the originals (which may sit in S3). `read(key) -> bytes | None`
    fetches an original; None (or an undecodable image) makes the dashboard say "not embedded",
    never show a broken image."""

    cache_dir: Path
    read: Callable[[str], bytes | None]
    hits: int = 0
    misses: int = 0
    failures: int = 0
    used: set[str] = field(default_factory=set)

    def __call__(self, kind: str, key: str, version: str | None = None) -> str | None:
        name = hashlib.sha256(f"{kind}\0{key}\0{version or ''}".encode()).hexdigest()[:40]
        cached = self.cache_dir / f"{kind}-{name}.jpg"
        self.used.add(cached.name)
        if version and cached.exists():
            self.hits += 1
            return data_uri(cached.read_bytes())
        data = self.read(key)
        small = None if data is None else (data if kind == "thumb" else _shrink(data))  # thumbs are already small
        if small is None:
            self.failures += 1
            return None
        self.misses += 1
        if version:
            write_atomic(cached, small)
        return data_uri(small)


    def prune(self) -> int:
        """Delete cached images this build did not use: videos past retention or re-extracted, covers
        replaced. Keeps the cache as small as the dashboard and never holds media longer than it."""
        removed = 0
        for path in self.cache_dir.glob("*-*.jpg") if self.cache_dir.is_dir() else ():
            if path.name not in self.used:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _shrink(data: bytes) -> bytes | None:
    return shrink_jpeg(data, KEYFRAME_SIZE, KEYFRAME_QUALITY)
