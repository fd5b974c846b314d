"""OAuth token sets and where they are kept.

Tokens are written with owner-only permissions, atomically (write to a temp file, fsync, rename),
so a crash between a refresh and the save can never leave a half-written file. TikTok rotates
refresh tokens: the new one must be on disk before the new access token is used.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tiktok_pipelines.lib.clock import utc


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    open_id: str
    scope: tuple[str, ...]
    expires_at: datetime
    refresh_expires_at: datetime

    @classmethod
    def from_response(cls, body: dict, now: datetime) -> "TokenSet":
        try:
            return cls(
                access_token=str(body["access_token"]),
                refresh_token=str(body["refresh_token"]),
                open_id=str(body.get("open_id", "")),
                scope=tuple(s for s in str(body.get("scope", "")).split(",") if s),
                expires_at=utc(now) + timedelta(seconds=int(body["expires_in"])),
                # TikTok documents refresh_expires_in; if a response lacks it, assume the classic 365 days
                # rather than declaring the token dead at once.
                refresh_expires_at=utc(now) + timedelta(seconds=int(body.get("refresh_expires_in") or 31_536_000)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            # Never echo the body: it holds tokens.
            raise ValueError(f"token response is missing or has a malformed field: {exc.__class__.__name__} {exc.args[:1]}") from None

    def expires_within(self, now: datetime, seconds: float) -> bool:
        return utc(now) + timedelta(seconds=seconds) >= self.expires_at

    def to_json(self) -> dict:
        d = asdict(self)
        d["scope"] = list(self.scope)
        d["expires_at"] = self.expires_at.isoformat()
        d["refresh_expires_at"] = self.refresh_expires_at.isoformat()
        return d

    @classmethod
    def from_json(cls, d: dict) -> "TokenSet":
        return cls(
            access_token=d["access_token"],
            refresh_token=d["refresh_token"],
            open_id=d.get("open_id", ""),
            scope=tuple(d.get("scope", [])),
            expires_at=utc(datetime.fromisoformat(d["expires_at"])),
            refresh_expires_at=utc(datetime.fromisoformat(d["refresh_expires_at"])),
        )

    def __repr__(self) -> str:  # tokens never appear in reprs, logs or tracebacks
        return f"TokenSet(open_id={self.open_id!r}, scope={self.scope!r}, expires_at={self.expires_at.isoformat()})"


class TokenStore:
    """Interface: load() -> TokenSet | None, save(TokenSet)."""

    def load(self) -> TokenSet | None:  # pragma: no cover - interface
        raise NotImplementedError

    def save(self, tokens: TokenSet) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class MemoryTokenStore(TokenStore):
    def __init__(self, tokens: TokenSet | None = None) -> None:
        self._tokens = tokens
        self.saves = 0

    def load(self) -> TokenSet | None:
        return self._tokens

    def save(self, tokens: TokenSet) -> None:
        self._tokens = tokens
        self.saves += 1


class FileTokenStore(TokenStore):
    """A JSON file with mode 0600 in a 0700 folder, outside the repository by default."""

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()

    def load(self) -> TokenSet | None:
        try:
            raw = self.path.read_bytes()  # decoded by json.loads, so bad UTF-8 lands in the except below
        except FileNotFoundError:
            return None
        try:
            return TokenSet.from_json(json.loads(raw))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"token file {self.path} is unreadable ({exc.__class__.__name__}); run `tiktok-pipelines auth` again"
            ) from None

    def save(self, tokens: TokenSet) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w") as fh:
                    json.dump(tokens.to_json(), fh)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
                # fsync the folder too: after a power cut the rename must not roll back to a refresh
                # token that TikTok has already rotated away.
                dir_fd = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
