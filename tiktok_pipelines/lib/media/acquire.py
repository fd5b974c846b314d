"""Getting video files in: a drop folder (local or an S3 prefix) and direct-URL downloads.

The drop folder is where a creator puts exports, including drafts they want scored before posting.
A file named after a TikTok video id ("7301234567890123456.mp4") is linked to that posted video;
any other name becomes a draft with a stable id derived from the name.

Downloads take URLs from outside (".url" files, sidecars, config), so they are treated as hostile:
https only, public addresses only, every redirect hop re-checked, a byte cap, a content-type check.
"""

from __future__ import annotations

import configparser
import hashlib
import ipaddress
import logging
import os
import re
import shutil
import socket
import ssl
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import httpx

from tiktok_pipelines.lib.privacy import display_url

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".webm", ".mkv")
URL_EXTENSION = ".url"
CAPTION_SUFFIX = ".caption.txt"
CAPTION_MAX_CHARS = 2200  # TikTok's caption limit
PARTIAL_SUFFIXES = (".part", ".crdownload", ".tmp")
# A ".url" file or caption sidecar bigger than this is not what it claims to be.
_SIDECAR_MAX_BYTES = 64 * 1024
_DRAFT_SLUG_MAX = 40
_ACCOUNT_VIDEO_ID = re.compile(r"[0-9]{1,64}")
_USER_AGENT = "tiktok_pipelines/0.1 (media download)"


# --- drop folder -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DropItem:
    video_id: str  # the partition key
    name: str  # file name inside the drop folder
    location: str  # local path or S3 key of the video (or of the .url file)
    kind: Literal["file", "url"]
    size: int  # bytes of the video file (of the .url file for kind "url")
    modified: datetime  # UTC, timezone-aware
    url: str | None = None
    caption: str | None = None  # raw creator text: redact before storing
    is_draft: bool = True


def drop_video_id(name: str) -> str:
    """Partition key for a dropped file: an all-digit stem is a TikTok video id and is kept;
    anything else becomes "draft-<slug>-<8 hex of sha1(stem)>", stable across scans."""
    stem = _stem(name)
    if _ACCOUNT_VIDEO_ID.fullmatch(stem):
        return stem
    digest = hashlib.sha1(stem.encode("utf-8")).hexdigest()[:8]
    return f"draft-{_slug(stem)}-{digest}"


def _stem(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    lower = base.lower()
    for ext in (*VIDEO_EXTENSIONS, URL_EXTENSION):
        if lower.endswith(ext) and len(base) > len(ext):
            return base[: -len(ext)]
    return base


def _slug(stem: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    slug = slug[:_DRAFT_SLUG_MAX].rstrip("-")
    return slug or "untitled"


@dataclass(frozen=True)
class _Entry:
    """One listed file, local or S3, before the drop rules are applied."""

    name: str
    location: str
    size: int
    modified: datetime


def scan_drop_folder(folder: Path, *, settle_seconds: float = 5.0, now: datetime | None = None) -> list[DropItem]:
    """Videos and ".url" files directly inside `folder` that have stopped changing, sorted by
    (modified, name). Sub-folders are not scanned."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotADirectoryError(f"drop folder does not exist or is not a folder: {folder}")
    entries = []
    for path in folder.iterdir():
        try:
            if not path.is_file():
                continue
            st = path.stat()
        except OSError:  # vanished or unreadable between listing and stat
            continue
        entries.append(_Entry(path.name, str(path), st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))

    def read_text(entry: _Entry) -> str | None:
        try:
            with open(entry.location, "rb") as fh:
                return _decode_sidecar(fh.read(_SIDECAR_MAX_BYTES + 1), entry.location)
        except OSError as exc:
            log.warning("drop folder: cannot read %s: %s", entry.location, exc)
            return None

    return _drop_items(entries, read_text, settle_seconds=settle_seconds, now=now)


def scan_s3_drop_prefix(
    client: Any, bucket: str, prefix: str, *, settle_seconds: float = 5.0, now: datetime | None = None
) -> list[DropItem]:
    """The drop-folder rules over the objects directly under s3://bucket/prefix (a boto3 client)."""
    prefix = prefix.strip("/")
    prefix = f"{prefix}/" if prefix else ""
    entries = []
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/")
    for page in pages:
        for obj in page.get("Contents", []):
            name = obj["Key"][len(prefix) :]
            if name:
                entries.append(_Entry(name, obj["Key"], int(obj["Size"]), _as_utc(obj["LastModified"])))

    def read_text(entry: _Entry) -> str | None:
        try:
            body = client.get_object(Bucket=bucket, Key=entry.location, Range=f"bytes=0-{_SIDECAR_MAX_BYTES}")["Body"]
            data = body.read()
        except Exception as exc:  # noqa: BLE001 - botocore errors; one unreadable sidecar must not stop the scan
            log.warning("drop prefix: cannot read s3://%s/%s: %s", bucket, entry.location, exc)
            return None
        return _decode_sidecar(data, f"s3://{bucket}/{entry.location}")

    return _drop_items(entries, read_text, settle_seconds=settle_seconds, now=now)


def _drop_items(
    entries: Iterable[_Entry],
    read_text: Callable[[_Entry], str | None],
    *,
    settle_seconds: float,
    now: datetime | None,
) -> list[DropItem]:
    now = _as_utc(now) if now is not None else datetime.now(UTC)
    by_name = {e.name: e for e in entries}

    def settled(entry: _Entry) -> bool:
        return (now - entry.modified).total_seconds() >= settle_seconds

    items = []
    for entry in by_name.values():
        kind = _drop_kind(entry.name)
        if kind is None or not settled(entry):
            continue
        stem = _stem(entry.name)
        sidecar = by_name.get(stem + CAPTION_SUFFIX)
        if sidecar is not None and not settled(sidecar):
            continue  # the caption is still being written; pick both up on a later scan
        url = None
        if kind == "url":
            text = read_text(entry)
            url = _url_from_shortcut(text) if text is not None else None
            if url is None:
                log.warning("drop folder: %s holds no http(s) URL; skipped", entry.location)
                continue
        video_id = drop_video_id(entry.name)
        items.append(
            DropItem(
                video_id=video_id,
                name=entry.name,
                location=entry.location,
                kind=kind,
                size=entry.size,
                modified=entry.modified,
                url=url,
                caption=_caption(read_text(sidecar)) if sidecar is not None else None,
                is_draft=not _ACCOUNT_VIDEO_ID.fullmatch(video_id),
            )
        )
    return sorted(items, key=lambda i: (i.modified, i.name))


def _drop_kind(name: str) -> Literal["file", "url"] | None:
    lower = name.lower()
    if name.startswith(".") or lower.endswith(PARTIAL_SUFFIXES) or "/" in name:
        return None
    if lower.endswith(VIDEO_EXTENSIONS):
        return "file"
    if lower.endswith(URL_EXTENSION):
        return "url"
    return None  # sidecars, "*.truth.json" and anything else


def _decode_sidecar(data: bytes, where: str) -> str | None:
    if len(data) > _SIDECAR_MAX_BYTES:
        log.warning("drop folder: %s is over %d bytes; ignored", where, _SIDECAR_MAX_BYTES)
        return None
    # Windows tools write UTF-8 with a BOM, or UTF-16 for .url files saved by some browsers.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _caption(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.replace("\r\n", "\n").strip()
    return text[:CAPTION_MAX_CHARS] or None


def _url_from_shortcut(text: str) -> str | None:
    """A ".url" file: either a Windows Internet Shortcut ([InternetShortcut] URL=...) or a plain URL line."""
    if re.search(r"^\s*\[InternetShortcut\]", text, re.IGNORECASE | re.MULTILINE):
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read_string(text)
        except configparser.Error:
            return None
        section = next((s for s in parser.sections() if s.lower() == "internetshortcut"), None)
        candidate = parser.get(section, "url", fallback=None) if section else None
        return _web_url(candidate)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return _web_url(line)
    return None


def _web_url(candidate: str | None) -> str | None:
    if not candidate:
        return None
    candidate = candidate.strip()
    parts = urlsplit(candidate)
    if parts.scheme.lower() in ("http", "https") and parts.hostname and not re.search(r"\s", candidate):
        return candidate
    return None


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


# --- direct-URL download -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DownloadPolicy:
    max_bytes: int = 512 * 2**20
    allow_http: bool = False
    allow_private: bool = False  # loopback/private/link-local targets (tests, a LAN NAS)
    max_redirects: int = 5
    timeout_s: float = 60  # per network operation (connect, each read)
    max_seconds: float = 3600  # whole body: a server dripping bytes under timeout_s cannot hold a run forever
    verify: bool | str = True  # or a CA bundle path (tests use a self-signed cert)
    content_types: tuple[str, ...] = (
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/x-matroska",
        "application/octet-stream",
        "binary/octet-stream",
    )


class DownloadRejected(ValueError):
    """Permanent: the URL or its answer is not acceptable; retrying will not help."""


class DownloadFailed(RuntimeError):
    """Transient: the server or network kept failing after retries; a later run may succeed."""


class _Transient(Exception):
    """One attempt failed in a way worth retrying."""


@dataclass(frozen=True)
class Downloaded:
    path: Path
    size: int
    sha256: str
    content_type: str
    final_url: str  # without query string: signed URLs carry secrets


_REDIRECTS = (301, 302, 303, 307, 308)


def download_url(
    url: str,
    dest: Path,
    *,
    policy: DownloadPolicy = DownloadPolicy(),
    client: httpx.Client | None = None,
    retries: int = 3,
    backoff_s: float = 1.0,
) -> Downloaded:
    """Download `url` to `dest` (atomically) under `policy`. `retries` extra attempts are made for
    5xx, 429, timeouts and connection errors, waiting backoff_s, 2*backoff_s, ... between them.
    Raises DownloadRejected (permanent) or DownloadFailed (transient)."""
    dest = Path(dest)
    own_client = client is None
    if client is None:
        # httpx 0.28 deprecates a CA-bundle path for verify; it wants an SSLContext.
        verify = ssl.create_default_context(cafile=policy.verify) if isinstance(policy.verify, str) else policy.verify
        client = httpx.Client(
            verify=verify,
            timeout=httpx.Timeout(policy.timeout_s, connect=min(15.0, policy.timeout_s)),
            follow_redirects=False,
            headers={"User-Agent": _USER_AGENT},
        )
    try:
        return _download_with_retries(client, url, dest, policy, retries, backoff_s)
    finally:
        if own_client:
            client.close()


def _download_with_retries(
    client: httpx.Client, url: str, dest: Path, policy: DownloadPolicy, retries: int, backoff_s: float
) -> Downloaded:
    shown = display_url(url)
    with _httpx_logs_without_query():
        attempt = 0
        while True:
            attempt += 1
            try:
                return _download_once(client, url, dest, policy)
            except _Transient as exc:
                if attempt > retries:
                    raise DownloadFailed(f"download of {shown} failed after {attempt} attempt(s): {exc}") from None
                delay = backoff_s * 2 ** (attempt - 1)
                log.warning("download of %s: %s; retry %d in %.2fs", shown, exc, attempt, delay)
                time.sleep(delay)


class _HideQueryStrings(logging.Filter):
    """httpx logs every request URL at INFO, query string and all; signed URLs carry secrets there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(display_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


@contextmanager
def _httpx_logs_without_query() -> Iterator[None]:
    logger = logging.getLogger("httpx")
    hide = _HideQueryStrings()
    logger.addFilter(hide)
    try:
        yield
    finally:
        logger.removeFilter(hide)


def _download_once(client: httpx.Client, url: str, dest: Path, policy: DownloadPolicy) -> Downloaded:
    current = url
    for hop in range(policy.max_redirects + 1):
        try:
            check_download_target(current, policy)
        except DownloadRejected as exc:
            if hop == 0:
                raise
            raise DownloadRejected(f"{exc} (redirected from {display_url(url)})") from None
        shown = display_url(current)
        try:
            with client.stream("GET", current, follow_redirects=False, timeout=policy.timeout_s) as resp:
                if resp.status_code in _REDIRECTS:
                    location = resp.headers.get("location")
                    if not location:
                        raise DownloadRejected(f"{shown} answered HTTP {resp.status_code} without a Location")
                    current = urljoin(current, location)
                    continue
                _check_status(resp, shown)
                content_type = _checked_content_type(resp, shown, policy)
                size, digest = _stream_to(resp, dest, shown, policy)
                return Downloaded(dest, size, digest, content_type, shown)
        except httpx.TransportError as exc:
            if _is_certificate_error(exc):
                raise DownloadRejected(f"{shown}: TLS certificate not trusted ({_scrub(exc, current)})") from None
            raise _Transient(f"{type(exc).__name__} from {shown}: {_scrub(exc, current)}") from None
    raise DownloadRejected(f"{display_url(url)}: more than {policy.max_redirects} redirects")


def check_download_target(url: str, policy: DownloadPolicy = DownloadPolicy()) -> None:
    """Refuse a URL whose scheme or resolved addresses the policy does not allow.

    The host is resolved here and again by httpx when it connects; a DNS server that answers
    differently the second time (DNS rebinding) could still steer the connection to a private
    address; so could an HTTP(S) proxy from the environment, which resolves the name itself.
    Pinning the checked IP would close that, at the cost of a custom transport (SNI and certificate
    checks must keep the host name); we accept the gap for creator-supplied URLs."""
    shown = display_url(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DownloadRejected(f"not a valid URL: {shown}") from None
    allowed = ("http", "https") if policy.allow_http else ("https",)
    if parts.scheme.lower() not in allowed:
        raise DownloadRejected(f"{shown}: scheme {parts.scheme or '(none)'!r} not allowed (only {', '.join(allowed)})")
    host = parts.hostname
    if not host:
        raise DownloadRejected(f"{shown}: no host")
    if policy.allow_private:
        return
    literal = _ip_literal(host)
    default_port = 443 if parts.scheme.lower() == "https" else 80
    addresses = [literal] if literal else _resolve(host, port or default_port, shown)
    for address in addresses:
        reason = _non_public_reason(address)
        if reason:
            raise DownloadRejected(f"{shown}: host {host!r} resolves to {reason}; not allowed")


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone id ("%25eth0") names no host
    except ValueError:
        return None


def _resolve(host: str, port: int, shown: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _Transient(f"cannot resolve host of {shown}: {exc.strerror or exc}") from None
    addresses = []
    for info in infos:
        raw = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
        addresses.append(ipaddress.ip_address(raw))
    if not addresses:
        raise _Transient(f"host of {shown} resolved to no addresses")
    return addresses


# Prefixes that carry an IPv4 address inside an IPv6 one; the embedded address is what gets reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _non_public_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = _non_public_reason(embedded)
            return f"{inner} (inside {ip})" if inner else None
    for label, flag in (
        ("an unspecified", ip.is_unspecified),
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a multicast", ip.is_multicast),
        ("a private", ip.is_private),
        ("a reserved", ip.is_reserved),
        ("a non-global", not ip.is_global),  # e.g. 100.64.0.0/10, carrier-grade NAT
    ):
        if flag:
            return f"{label} address {ip}"
    return None


def _check_status(resp: httpx.Response, shown: str) -> None:
    status = resp.status_code
    if status >= 500 or status == 429:
        raise _Transient(f"{shown} answered HTTP {status}")
    if status >= 400:
        raise DownloadRejected(f"{shown} answered HTTP {status}")
    if status != 200:
        raise DownloadRejected(f"{shown} answered HTTP {status}, expected 200")


def _checked_content_type(resp: httpx.Response, shown: str, policy: DownloadPolicy) -> str:
    raw = resp.headers.get("content-type")
    if not raw:
        raise DownloadRejected(f"{shown}: no Content-Type; expected one of {', '.join(policy.content_types)}")
    content_type = raw.split(";", 1)[0].strip().lower()
    if content_type not in policy.content_types:
        raise DownloadRejected(f"{shown}: Content-Type {content_type!r} is not one we accept ({', '.join(policy.content_types)})")
    return content_type


def _stream_to(resp: httpx.Response, dest: Path, shown: str, policy: DownloadPolicy) -> tuple[int, str]:
    max_bytes = policy.max_bytes
    deadline = time.monotonic() + policy.max_seconds
    declared = resp.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise DownloadRejected(f"{shown}: Content-Length {int(declared)} is over the {max_bytes}-byte cap")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            # iter_bytes decodes any Content-Encoding, so the cap applies to what lands on disk. No
            # chunk_size: httpx would buffer up to it, and the deadline is only checked per chunk.
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if time.monotonic() > deadline:
                    raise _Transient(f"{shown}: body took longer than {policy.max_seconds:g}s; partial file deleted")
                if size > max_bytes:
                    raise DownloadRejected(f"{shown}: body passed the {max_bytes}-byte cap; partial file deleted")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DownloadRejected(f"{shown}: empty body")
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


def _is_certificate_error(exc: BaseException) -> bool:
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _scrub(exc: BaseException, url: str) -> str:
    """An exception's text with the URL's query string (and the URL itself) taken out."""
    text = str(exc) or type(exc).__name__
    if url:
        text = text.replace(url, display_url(url))
    query = urlsplit(url).query if url else ""
    if query:
        text = text.replace(query, "[query]")
    return text


# --- yt-dlp (optional) -------------------------------------------------------------------------------------

YTDLP_OFF = (
    "yt-dlp adapter is off (TIKTOK_MEDIA_YTDLP=1 enables it; downloading TikTok pages with yt-dlp is "
    "outside TikTok's terms of service)"
)


def download_with_ytdlp(
    url: str,
    dest_dir: Path,
    *,
    enabled: bool,
    max_bytes: int,
    timeout_s: float = 300,
    verify_tls: bool = True,
) -> Path:
    """Download a page's video with yt-dlp into `dest_dir` and return the file.

    Off unless `enabled`: fetching TikTok pages this way is outside TikTok's terms of service.
    yt-dlp makes its own requests (extractors, redirects), so the SSRF checks of `download_url`
    do not apply; enable it only for URLs the operator trusts. `timeout_s` is yt-dlp's socket
    timeout (it has no whole-download deadline)."""
    if not enabled:
        raise DownloadRejected(YTDLP_OFF)
    import yt_dlp  # optional and heavy; only loaded when someone opted in

    shown = display_url(url)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    # yt-dlp leaves .part/.ytdl files on failure; a private work folder keeps them out of dest_dir.
    work = Path(tempfile.mkdtemp(dir=dest_dir, prefix=".ytdlp-"))
    options = {
        "outtmpl": str(work / "%(id)s.%(ext)s"),
        "restrictfilenames": True,
        "max_filesize": max_bytes,
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "socket_timeout": timeout_s,
        "nocheckcertificate": not verify_tls,
        "cachedir": False,
        "logger": _YtdlpLogger(url),
    }
    try:
        try:
            with yt_dlp.YoutubeDL(options) as ydl:
                info = ydl.extract_info(url, download=True)
        except yt_dlp.utils.DownloadError as exc:
            message = _scrub(exc, url)
            if "Unsupported URL" in message:
                raise DownloadRejected(f"yt-dlp cannot handle {shown}: {message}") from None
            raise DownloadFailed(f"yt-dlp download of {shown} failed: {message}") from None
        produced = [p for p in work.iterdir() if p.is_file() and not p.name.endswith((".part", ".ytdl"))]
        if info is None or not produced:
            raise DownloadRejected(f"yt-dlp produced no file for {shown} (over the {max_bytes}-byte cap?)")
        if len(produced) > 1:
            raise DownloadRejected(f"yt-dlp produced {len(produced)} files for {shown}; expected one video")
        got = produced[0]
        if got.stat().st_size > max_bytes:
            raise DownloadRejected(f"yt-dlp download of {shown} is over the {max_bytes}-byte cap")
        final = dest_dir / got.name
        os.replace(got, final)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


class _YtdlpLogger:
    """Routes yt-dlp's messages to logging with the URL's query string removed."""

    def __init__(self, url: str) -> None:
        self._url = url

    def _clean(self, msg: str) -> str:
        return _scrub(Exception(msg), self._url)

    def debug(self, msg: str) -> None:
        log.debug("yt-dlp: %s", self._clean(msg))

    def info(self, msg: str) -> None:
        log.debug("yt-dlp: %s", self._clean(msg))

    def warning(self, msg: str) -> None:
        log.warning("yt-dlp: %s", self._clean(msg))

    def error(self, msg: str) -> None:
        log.error("yt-dlp: %s", self._clean(msg))
