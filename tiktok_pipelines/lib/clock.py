"""Time sources. The pipeline never calls datetime.now() directly so the demo world and tests can
move time forward by hours in milliseconds, and every collected_at comes from one place."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


def utc(dt: datetime) -> datetime:
    """Return dt as an aware UTC datetime (naive values are taken to be UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        self._now = utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = utc(when)

    def advance(self, **delta: float) -> datetime:
        self._now = self._now + timedelta(**delta)
        return self._now


class FileClock:
    """A simulated clock persisted in a small JSON file, so every process of a demo (the CLI, Dagster
    runs, the web UI) agrees on the simulated time. Writes are atomic."""

    def __init__(self, path: Path, default_start: datetime) -> None:
        self.path = Path(path)
        self._default = utc(default_start)

    def now(self) -> datetime:
        try:
            raw = json.loads(self.path.read_text())
            return utc(datetime.fromisoformat(raw["now"]))
        except FileNotFoundError:
            return self._default
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"demo clock file {self.path} is malformed: {exc}") from None

    def set(self, when: datetime) -> datetime:
        when = utc(when)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".clock-")
        with os.fdopen(fd, "w") as fh:
            json.dump({"now": when.isoformat()}, fh)
        os.replace(tmp, self.path)
        return when

    def advance(self, **delta: float) -> datetime:
        return self.set(self.now() + timedelta(**delta))
