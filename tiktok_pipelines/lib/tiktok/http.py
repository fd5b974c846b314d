"""The transport shared by every TikTok client: envelopes, error classification and retries.

TikTok sometimes answers HTTP 200 with an error code and documents no status for OAuth errors, so
a response is judged on `error.code` first and on the HTTP status second.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from tiktok_pipelines.lib.tiktok.errors import (
    AccessTokenInvalid,
    InvalidRequest,
    MalformedResponse,
    QuotaExhausted,
    RateLimited,
    ReconsentRequired,
    RetriesExhausted,
    TikTokError,
    TransientError,
)

log = logging.getLogger(__name__)

TRANSIENT_CODES = {"internal_error", "server_error", "temporarily_unavailable"}
RECONSENT_CODES = {"scope_not_authorized", "scope_permission_missed", "invalid_grant", "invalid_scope", "access_denied"}
TOKEN_CODES = {"access_token_invalid", "invalid_token"}
QUOTA_CODES = {"daily_quota_limit_exceeded"}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    # Retry-After beyond this is treated as a wall, not a blip: fail fast instead of blocking a run.
    max_retry_after_s: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_s)
        # Full jitter (AWS architecture blog): spreads retries of parallel runs apart.
        return rng.uniform(0, min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1))))


@dataclass(frozen=True)
class FailureRecord:
    """One failed attempt, kept for the api_failures table and run metadata."""

    occurred_at: datetime
    endpoint: str
    attempt: int
    error_code: str
    http_status: int | None
    log_id: str | None
    message: str
    retried: bool


def classify(endpoint: str, status: int, body: Any, headers: httpx.Headers | None = None) -> TikTokError | None:
    """Turn a response into an exception, or None when it is a success."""
    retry_after = _retry_after(headers)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = str(err.get("code") or "")
        message = str(err.get("message") or "")
        log_id = err.get("log_id")
        if code == "ok":
            if status >= 400:
                return _by_status(endpoint, status, f"HTTP {status} with error code 'ok'", log_id, retry_after)
            return None
        return _by_code(endpoint, code, message, status, log_id, retry_after)
    if isinstance(body, dict) and isinstance(body.get("error"), str):  # OAuth flat error body
        return _by_code(endpoint, body["error"], str(body.get("error_description") or ""), status, body.get("log_id"), retry_after)
    if status >= 400:
        return _by_status(endpoint, status, "error response without a TikTok envelope", None, retry_after)
    return None


def _retry_after(headers: httpx.Headers | None) -> float | None:
    if not headers or "retry-after" not in headers:
        return None
    try:
        return float(headers["retry-after"])
    except ValueError:
        return None


def _by_code(endpoint: str, code: str, message: str, status: int, log_id: Any, retry_after: float | None) -> TikTokError:
    kw = dict(endpoint=endpoint, code=code, http_status=status, log_id=str(log_id) if log_id else None)
    if code == "rate_limit_exceeded":
        return RateLimited(message or "rate limited", retry_after=retry_after, **kw)
    if code in QUOTA_CODES:
        return QuotaExhausted(message or "daily quota exhausted", **kw)
    if code in TRANSIENT_CODES:
        return TransientError(message or "TikTok internal error", retry_after=retry_after, **kw)
    if code in TOKEN_CODES:
        return AccessTokenInvalid(message or "access token invalid", **kw)
    if code in RECONSENT_CODES:
        return ReconsentRequired(
            f"re-consent needed: TikTok answered {code!r} ({message}). Run `tiktok-pipelines auth` to reconnect the account.",
            **kw,
        )
    if status >= 500:
        return TransientError(message or f"unknown error code {code!r}", retry_after=retry_after, **kw)
    if status == 429:
        return RateLimited(message or f"unknown error code {code!r}", retry_after=retry_after, **kw)
    return InvalidRequest(message or f"TikTok rejected the request with {code!r}", **kw)


def _by_status(endpoint: str, status: int, message: str, log_id: Any, retry_after: float | None) -> TikTokError:
    kw = dict(endpoint=endpoint, code=f"http_{status}", http_status=status, log_id=str(log_id) if log_id else None)
    if status == 429:
        return RateLimited(message, retry_after=retry_after, **kw)
    if status >= 500:
        return TransientError(message, retry_after=retry_after, **kw)
    if status == 401:
        return AccessTokenInvalid(message, **kw)
    return InvalidRequest(message, **kw)


@dataclass
class TikTokHttp:
    """One httpx.Client plus TikTok's error rules. `transport` lets the demo world serve in-process."""

    base_url: str = "https://open.tiktokapis.com"
    timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] | None = None
    on_failure: Callable[[FailureRecord], None] | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s)),
            transport=self.transport,
            headers={"User-Agent": "tiktok_pipelines/0.1"},
        )
        self._rng = random.Random(self.seed)
        self.failures: list[FailureRecord] = []
        self.requests_sent = 0

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict:
        """Send with retries on transient faults; return the parsed JSON body of a success."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._once(method, path, params=params, json_body=json_body, form=form, headers=headers)
            except TransientError as exc:
                retry = attempt < self.retry.max_attempts and (
                    exc.retry_after is None or exc.retry_after <= self.retry.max_retry_after_s
                )
                self._record(exc, attempt, retried=retry)
                if not retry:
                    raise RetriesExhausted(
                        f"gave up after {attempt} attempts: {exc.detail}",
                        endpoint=exc.endpoint,
                        code=exc.code,
                        http_status=exc.http_status,
                        log_id=exc.log_id,
                    ) from exc
                delay = self.retry.delay(attempt, exc.retry_after, self._rng)
                log.warning("TikTok %s %s: %s; retry %d in %.2fs", method, path, exc.code, attempt, delay)
                self.sleep(delay)
            except TikTokError as exc:
                self._record(exc, attempt, retried=False)
                raise

    def _once(self, method: str, path: str, **kw: Any) -> dict:
        self.requests_sent += 1
        try:
            resp = self.client.request(
                method,
                path,
                params=kw["params"],
                json=kw["json_body"],
                data=kw["form"],
                headers=kw["headers"],
            )
        except httpx.TimeoutException as exc:
            raise TransientError(f"timed out: {exc.__class__.__name__}", endpoint=path, code="timeout") from None
        except httpx.TransportError as exc:
            raise TransientError(f"connection failed: {exc.__class__.__name__}", endpoint=path, code="transport_error") from None
        try:
            body: Any = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            body = None
        err = classify(path, resp.status_code, body, resp.headers)
        if err is not None:
            raise err
        if not isinstance(body, dict):
            ctype = resp.headers.get("content-type", "?")
            raise MalformedResponse(
                f"expected a JSON object, got {ctype} ({len(resp.content)} bytes)",
                endpoint=path,
                code="malformed_response",
                http_status=resp.status_code,
            )
        return body

    def _record(self, exc: TikTokError, attempt: int, *, retried: bool) -> None:
        from datetime import UTC

        rec = FailureRecord(
            occurred_at=self.now() if self.now else datetime.now(UTC),
            endpoint=exc.endpoint,
            attempt=attempt,
            error_code=exc.code or exc.__class__.__name__,
            http_status=exc.http_status,
            log_id=exc.log_id,
            message=exc.detail[:500],
            retried=retried,
        )
        self.failures.append(rec)
        if self.on_failure:
            self.on_failure(rec)
