"""Errors raised by the TikTok clients.

Every error carries the endpoint, TikTok's error code, the HTTP status and TikTok's log_id (what
TikTok support asks for). Messages are scrubbed of anything that looks like a token.
"""

from __future__ import annotations

import re

_TOKEN_RE = re.compile(r"\b(act|rft|clt)\.[A-Za-z0-9._~+/=-]{6,}")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_SECRET_FIELD_RE = re.compile(
    r"(?i)((?:client_secret|refresh_token|access_token|code_verifier|code)[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"
)


def scrub(text: str | None, extra_secrets: tuple[str, ...] = ()) -> str:
    """Remove tokens and secrets from text that may reach a log, an exception or metadata."""
    if not text:
        return ""
    out = _TOKEN_RE.sub(lambda m: f"{m.group(1)}.***", text)
    out = _BEARER_RE.sub(r"\1***", out)
    out = _SECRET_FIELD_RE.sub(r"\1***", out)
    for secret in extra_secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, "***")
    return out


class TikTokError(Exception):
    """Base class for every failure talking to TikTok."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str = "",
        code: str = "",
        http_status: int | None = None,
        log_id: str | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.code = code
        self.http_status = http_status
        self.log_id = log_id
        self.detail = scrub(message)
        parts = [self.detail]
        if endpoint:
            parts.append(f"endpoint={endpoint}")
        if code:
            parts.append(f"code={code}")
        if http_status is not None:
            parts.append(f"http_status={http_status}")
        if log_id:
            parts.append(f"log_id={log_id}")
        super().__init__(" | ".join(parts))


class TransientError(TikTokError):
    """Worth retrying with backoff: throttling, TikTok internal errors, 5xx, timeouts."""

    def __init__(self, *args: object, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class RateLimited(TransientError):
    """rate_limit_exceeded: the per-minute window is full."""


class QuotaExhausted(TikTokError):
    """daily_quota_limit_exceeded: never retried; wait for the UTC reset."""


class AccessTokenInvalid(TikTokError):
    """access_token_invalid: refresh the token once and retry."""


class ReconsentRequired(TikTokError):
    """The refresh token is dead or a scope is missing: a person must run `tiktok-pipelines auth` again."""


class InvalidRequest(TikTokError):
    """invalid_params and other 4xx errors: a bug or a bad input, not worth retrying."""


class MalformedResponse(TikTokError):
    """The body was not the JSON envelope TikTok documents."""


class RetriesExhausted(TikTokError):
    """A transient fault persisted through every retry."""
