"""Where media files live: a local folder by default, or an S3 bucket (any endpoint: AWS, MinIO, R2).

Both stores share one contract (`MediaStore`) so that assets never care which one is configured.
Keys are relative POSIX paths ("videos/<video_id>/source.mp4"). They are validated the same way in
both stores, so a key that works in development also works against S3 and can never climb out of the
local root.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# S3's DeleteObjects accepts at most this many keys per request.
_DELETE_BATCH = 1000


class MediaKeyError(ValueError):
    """A key or prefix that is not a safe relative POSIX path."""


class MediaNotFound(KeyError):
    """The store has no object under the key."""

    def __str__(self) -> str:  # KeyError's default str() is the repr of its argument
        return str(self.args[0]) if self.args else "media object not found"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: datetime  # UTC, timezone-aware


class MediaStore(Protocol):
    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> str: ...

    def fetch(self, key: str, dest: Path) -> Path: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> list[StoredObject]: ...

    def delete_prefix(self, prefix: str) -> int: ...

    def uri(self, key: str) -> str: ...


def media_key(video_id: str, name: str) -> str:
    """The key of one of a video's files, e.g. media_key("7301", "source.mp4") == "videos/7301/source.mp4"."""
    return validate_key(f"{video_prefix(video_id)}{name}")


def video_prefix(video_id: str) -> str:
    """The prefix holding every file of one video (what `delete_prefix` takes to forget a video)."""
    if not isinstance(video_id, str) or not VIDEO_ID.fullmatch(video_id):
        raise MediaKeyError(f"video_id must match [A-Za-z0-9_-]{{1,64}}, got {video_id!r}")
    return f"videos/{video_id}/"


def validate_key(key: str) -> str:
    """Return the key unchanged if it is a safe relative POSIX path to an object."""
    _check_path_text(key, "key")
    if key.endswith("/"):
        raise MediaKeyError(f"key must name an object, not a folder: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """Prefixes follow the key rules, but may be empty or end with "/"."""
    if prefix == "":
        return prefix
    _check_path_text(prefix.removesuffix("/"), "prefix")
    return prefix


def _check_path_text(text: str, what: str) -> None:
    if not isinstance(text, str) or text == "":
        raise MediaKeyError(f"{what} must be a non-empty string, got {text!r}")
    if "\\" in text:
        raise MediaKeyError(f"{what} must use '/' separators, not backslashes: {text!r}")
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        raise MediaKeyError(f"{what} must be relative, got {text!r}")
    if _CONTROL.search(text):
        raise MediaKeyError(f"{what} contains control characters: {text!r}")
    for part in text.split("/"):
        if part == "":
            raise MediaKeyError(f"{what} has an empty path segment: {text!r}")
        if part in (".", ".."):
            raise MediaKeyError(f"{what} must not contain '.' or '..' segments: {text!r}")
        # Names starting with "." are where LocalMediaStore writes in-flight files.
        if part.startswith("."):
            raise MediaKeyError(f"{what} segments must not start with '.': {text!r}")


def _refuse_everything(prefix: str) -> None:
    if prefix == "":
        raise MediaKeyError("delete_prefix needs a non-empty prefix; refusing to delete the whole store")


def _atomic_copy(src: Path, dest: Path) -> Path:
    """Copy via a hidden temp file in dest's folder, then rename: readers never see half a file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out, length=1 << 20)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def _readable_source(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"media file to store does not exist or is not a file: {path}")
    return path


class LocalMediaStore:
    """Objects are files under `root`; keys are their relative paths."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"LocalMediaStore(root={str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        # content_type is only meaningful to HTTP-serving stores; files carry their extension.
        _atomic_copy(_readable_source(path), self._path(key))
        return self.uri(key)

    def fetch(self, key: str, dest: Path) -> Path:
        src = self._path(key)
        if not src.is_file():
            raise MediaNotFound(f"no media object {key!r} in {self.root}")
        return _atomic_copy(src, Path(dest))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> list[StoredObject]:
        validate_prefix(prefix)
        found = []
        for path in self._walk(prefix):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix):
                st = path.stat()
                found.append(StoredObject(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        return sorted(found, key=lambda o: o.key)

    def _walk(self, prefix: str) -> Iterator[Path]:
        # Start at the deepest folder the prefix names so listing one video does not walk them all.
        start = self.root.joinpath(*prefix.split("/")[:-1]) if "/" in prefix else self.root
        if not start.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in filenames:
                if not name.startswith("."):
                    yield Path(dirpath, name)

    def delete_prefix(self, prefix: str) -> int:
        _refuse_everything(validate_prefix(prefix))
        deleted = 0
        folders: set[Path] = set()
        for obj in self.list(prefix):
            path = self._path(obj.key)
            try:
                path.unlink()
            except FileNotFoundError:  # a concurrent delete got there first
                continue
            deleted += 1
            folders.update(p for p in path.parents if p != self.root and self.root in p.parents)
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            try:
                folder.rmdir()
            except OSError:  # not empty (other objects, an in-flight write): keep it
                pass
        return deleted

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()


class S3MediaStore:
    """Objects in one bucket under an optional prefix; `client` is a boto3 S3 client (dagster-aws
    `S3Resource.get_client()`), so any S3-compatible endpoint works."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", *, page_size: int = 1000) -> None:
        if not bucket:
            raise ValueError("S3MediaStore needs a bucket name")
        prefix = prefix.strip("/")
        if prefix:
            validate_prefix(prefix)
        self.client = client
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"S3MediaStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _full(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        # A PUT (or a completed multipart upload) becomes visible all at once: S3 writes are atomic.
        extra = {"ContentType": content_type} if content_type else None
        self.client.upload_file(str(_readable_source(path)), self.bucket, self._full(key), ExtraArgs=extra)
        return self.uri(key)

    def fetch(self, key: str, dest: Path) -> Path:
        dest = Path(dest)
        full = self._full(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
        os.close(fd)
        try:
            self.client.download_file(self.bucket, full, tmp)
            os.replace(tmp, dest)
        except Exception as exc:
            Path(tmp).unlink(missing_ok=True)
            if _is_not_found(exc):
                raise MediaNotFound(f"no media object {key!r} at {self.uri(key)}") from None
            raise
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except Exception as exc:
            if _is_not_found(exc):
                return False
            raise
        return True

    def list(self, prefix: str = "") -> list[StoredObject]:
        return [
            StoredObject(item["Key"][len(self.prefix) :], int(item["Size"]), _utc(item["LastModified"]))
            for item in self._list_raw(validate_prefix(prefix))
        ]

    def _list_raw(self, prefix: str) -> Iterator[dict]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:
            yield from page.get("Contents", [])

    def delete_prefix(self, prefix: str) -> int:
        _refuse_everything(validate_prefix(prefix))
        keys = [item["Key"] for item in self._list_raw(prefix)]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            answer = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
            errors = answer.get("Errors") or []
            if errors:
                first = errors[0]
                raise RuntimeError(
                    f"S3 refused to delete {len(errors)} object(s) under s3://{self.bucket}/{self.prefix}{prefix}, "
                    f"e.g. {first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
                )
        return len(keys)

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"


def _is_not_found(exc: Exception) -> bool:
    # botocore's ClientError without importing botocore: head_object says "404", get says "NoSuchKey".
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
