"""A fake TikTok Display API + Login Kit OAuth server that speaks TikTok's real wire protocol.

It is a hand-written WSGI app (no web framework), so the production httpx client can talk to it either
in-process (`httpx.WSGITransport(app=api)`) or over a real socket (`demo.server.serve_in_thread`) and
the demo and the tests never take a different code path from production.

Protocol facts follow `reference/tiktok-apis.md` §1 and §3:
- paths end with `/`; JSON is `application/json; charset=utf-8`;
- data endpoints answer `{"data": ..., "error": {"code", "message", "log_id"}}` with `data: {}` on error;
- OAuth endpoints answer flat bodies, errors `{"error", "error_description", "log_id"}`;
- tokens: user access `act.`, refresh `rft.` (rotated on every refresh), client `clt.`;
- `/v2/video/list/` pages by a millisecond `cursor`, newest first, `max_count` 1..20;
- per-endpoint sliding 60 s rate window -> 429 `rate_limit_exceeded`.

Token expiry is judged against the injected `Clock` (the simulated world's time), while the rate window
uses `time.monotonic()` because throttling is about real request pressure, not simulated hours.

Fault injection (`FaultPlan`) reproduces the operational quirks clients must survive: throttling,
500s, HTTP 200 carrying an error, HTML error pages, truncated JSON, tokens expiring mid-run, short pages
with `has_more: true`, slow answers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import secrets
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from wsgiref.types import StartResponse, WSGIEnvironment

from tiktok_pipelines.demo.world import DemoAccount, DemoVideo
from tiktok_pipelines.lib.clock import Clock

AUTHORIZE_PATH = "/v2/auth/authorize/"
TOKEN_PATH = "/v2/oauth/token/"
REVOKE_PATH = "/v2/oauth/revoke/"
USER_INFO_PATH = "/v2/user/info/"
VIDEO_LIST_PATH = "/v2/video/list/"
VIDEO_QUERY_PATH = "/v2/video/query/"

DATA_ENDPOINTS: tuple[str, ...] = (USER_INFO_PATH, VIDEO_LIST_PATH, VIDEO_QUERY_PATH)
OAUTH_ENDPOINTS: tuple[str, ...] = (TOKEN_PATH, REVOKE_PATH)

SCOPE_USER_BASIC = "user.info.basic"
SCOPE_USER_PROFILE = "user.info.profile"
SCOPE_USER_STATS = "user.info.stats"
SCOPE_VIDEO_LIST = "video.list"
ALL_USER_SCOPES: tuple[str, ...] = (SCOPE_USER_BASIC, SCOPE_USER_PROFILE, SCOPE_USER_STATS, SCOPE_VIDEO_LIST)

# /v2/user/info/ field -> the scope that unlocks it (reference §1.3)
USER_FIELD_SCOPES: dict[str, str] = {
    "open_id": SCOPE_USER_BASIC,
    "union_id": SCOPE_USER_BASIC,
    "avatar_url": SCOPE_USER_BASIC,
    "avatar_url_100": SCOPE_USER_BASIC,
    "avatar_large_url": SCOPE_USER_BASIC,
    "display_name": SCOPE_USER_BASIC,
    "bio_description": SCOPE_USER_PROFILE,
    "profile_deep_link": SCOPE_USER_PROFILE,
    "is_verified": SCOPE_USER_PROFILE,
    "username": SCOPE_USER_PROFILE,
    "follower_count": SCOPE_USER_STATS,
    "following_count": SCOPE_USER_STATS,
    "likes_count": SCOPE_USER_STATS,
    "video_count": SCOPE_USER_STATS,
}
# Display API Video Object fields (reference §1.7); all need `video.list`.
VIDEO_FIELDS: tuple[str, ...] = (
    "id",
    "create_time",
    "cover_image_url",
    "share_url",
    "video_description",
    "duration",
    "height",
    "width",
    "title",
    "embed_html",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
    "is_aigc",
)
_COUNT_FIELDS = frozenset({"like_count", "comment_count", "share_count", "view_count"})
MAX_PAGE = 20  # Display API: max_count <= 20 and <= 20 video_ids per query
DEFAULT_PAGE = 10
RATE_WINDOW_S = 60.0

ERROR_MESSAGES: dict[str, str] = {
    "ok": "",
    "access_token_invalid": "The access token is invalid or not found in the request.",
    "scope_not_authorized": "The user did not authorize the scope required for completing this request.",
    "scope_permission_missed": "Access token is invalid, some fields need additional scopes",
    "invalid_params": "The request parameters are invalid.",
    "rate_limit_exceeded": "The API rate limit was exceeded. Please try again later.",
    "internal_error": "Something went wrong. Please try again later.",
    "not_found": "The requested path was not found.",
    "method_not_allowed": "The HTTP method is not allowed for this path.",
}
# OAuth/data error codes -> HTTP status the fake uses (OAuth statuses are undocumented; reference §3)
_DATA_STATUS: dict[str, int] = {
    "access_token_invalid": 401,
    "scope_not_authorized": 401,
    "scope_permission_missed": 400,
    "invalid_params": 400,
    "rate_limit_exceeded": 429,
    "internal_error": 500,
    "not_found": 404,
    "method_not_allowed": 405,
}

FAULT_KINDS: frozenset[str] = frozenset(
    {"rate_limit", "internal_error", "http200_error", "html_500", "malformed", "expire_token", "short_page", "delay"}
)
_SECRET_FORM_KEYS = frozenset({"client_secret", "code", "refresh_token", "token", "code_verifier", "access_token"})
_PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")
_HTML_500 = (
    b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    b"<center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_MALFORMED_BODY = b'{"data": {"videos": [{"id": "7'  # a response cut off mid-stream


# --- records, faults ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """What the fake saw and answered, for assertions and the demo's request log. Never holds a
    token, secret, code or verifier: OAuth form values for those keys are replaced by "<redacted>"."""

    method: str
    path: str
    http_status: int
    error_code: str | None  # "ok" on success, the envelope/OAuth error code, None for non-JSON faults
    log_id: str
    fields: tuple[str, ...] | None  # the `fields` query parameter, split
    body: Any  # parsed JSON body (data endpoints) or redacted form (OAuth); None when absent/unparseable
    fault: str | None  # the injected fault kind that shaped this response, if any
    at: datetime  # simulated clock time


@dataclass
class Fault:
    kind: str
    count: int
    endpoint: str | None
    after: int
    retry_after: float | None
    code: str | None
    seen: int = 0  # matching requests let through while waiting for `after`
    fired: int = 0

    @property
    def remaining(self) -> int:
        return self.count - self.fired

    def matches(self, endpoint: str) -> bool:
        if self.kind == "short_page":  # only a list endpoint has pages to shorten
            return endpoint == VIDEO_LIST_PATH
        return self.endpoint is None or self.endpoint == endpoint


def normalize_endpoint(endpoint: str) -> str:
    """Accept "/v2/video/list/", "v2/video/list", "video/list" ... and return the canonical path."""
    trimmed = endpoint.strip().strip("/")
    if not trimmed.startswith("v2/"):
        trimmed = f"v2/{trimmed}"
    path = f"/{trimmed}/"
    if path not in DATA_ENDPOINTS + OAUTH_ENDPOINTS:
        raise ValueError(f"unknown endpoint for a fault: {endpoint!r}")
    return path


class FaultPlan:
    """Scripted failures. Each fault hits the next `count` requests to its endpoint (any data/OAuth
    endpoint when None) after letting `after` matching requests through. When several faults are
    armed for one request the earliest added fires; a waiting fault counts every matching request."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: str,
        *,
        count: int = 1,
        endpoint: str | None = None,
        after: int = 0,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        if count < 1 or after < 0:
            raise ValueError("count must be >= 1 and after >= 0")
        if kind == "delay" and (retry_after is None or retry_after < 0):
            raise ValueError("a delay fault needs retry_after = seconds to sleep")
        path = normalize_endpoint(endpoint) if endpoint is not None else None
        if kind == "short_page" and path not in (None, VIDEO_LIST_PATH):
            raise ValueError("short_page only applies to /v2/video/list/")
        fault = Fault(kind, count, path, after, retry_after, code)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

    def take(self, endpoint: str) -> Fault | None:
        """Consume and return the fault (if any) that applies to this request."""
        chosen: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.remaining <= 0 or not fault.matches(endpoint):
                    continue
                if fault.seen < fault.after:
                    fault.seen += 1
                    continue
                if chosen is None:
                    chosen = fault
                    fault.fired += 1
        return chosen


# --- token state --------------------------------------------------------------------------------


@dataclass
class _UserGrant:
    """One consent. Tokens minted from it share its scopes and the refresh lifetime: rotating a
    refresh token does not extend it (the reference's refresh fixture shows refresh_expires_in
    shrinking), so a creator must re-consent when it runs out."""

    scopes: tuple[str, ...]
    refresh_expires_at: datetime
    revoked: bool = False


@dataclass
class _AccessToken:
    grant: _UserGrant
    expires_at: datetime
    force_expired: bool = False  # expire_access_tokens(): robust to the clock being moved back


@dataclass
class _RefreshToken:
    grant: _UserGrant
    active: bool = True  # False once rotated away or revoked


@dataclass
class _AuthCode:
    redirect_uri: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    expires_at: datetime


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    raw_body: bytes
    # filled by handlers for the request record
    fields: tuple[str, ...] | None = None
    body: Any = None
    short_page: bool = False


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    error_code: str | None = "ok"
    log_id: str = ""


class FakeTikTokApi:
    """WSGI app serving TikTok's Display API v2 and OAuth endpoints over a `DemoAccount`.

    Knobs beyond the constructor (plain attributes, safe to flip between requests):
    `deny_consent` (authorize redirects with error=access_denied), `consent_scopes` (the user grants
    only these of the requested scopes), `rate_limit_per_minute`, `faults`."""

    def __init__(
        self,
        account: DemoAccount,
        clock: Clock,
        *,
        client_key: str = "demo-client-key",
        client_secret: str = "demo-client-secret",
        access_ttl_s: int = 7200,
        refresh_ttl_s: int = 15552000,
        rate_limit_per_minute: int = 600,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account = account
        self.clock = clock
        self.client_key = client_key
        self.client_secret = client_secret
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.client_token_ttl_s = 7200
        self.auth_code_ttl_s = 600
        self.rate_limit_per_minute = rate_limit_per_minute
        self._monotonic = monotonic  # injectable so tests can slide the rate window without sleeping
        self.deny_consent = False
        self.consent_scopes: tuple[str, ...] | None = None
        self.faults = FaultPlan()
        self.requests: list[RecordedRequest] = []
        self.max_recorded = 50_000  # a long-running demo server must not grow without bound

        self._lock = threading.RLock()
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, _RefreshToken] = {}
        self._client_tokens: dict[str, datetime] = {}
        self._codes: dict[str, _AuthCode] = {}
        self._grants: list[_UserGrant] = []
        self._windows: dict[str, deque[float]] = {}
        self._log_seq = itertools.count(secrets.randbelow(1 << 20))
        # path prefix -> WSGI app served on this host (see mount_research); checked before _routes
        self._mounts: dict[str, Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]] = {}

        # path -> (allowed methods, handler, realm); realm decides the error envelope and whether
        # faults / the rate window apply ("browser" = authorize page: neither).
        self._routes: dict[str, tuple[frozenset[str], Callable[[_Request], _Response], str]] = {
            AUTHORIZE_PATH: (frozenset({"GET"}), self._authorize, "browser"),
            TOKEN_PATH: (frozenset({"POST"}), self._token, "oauth"),
            REVOKE_PATH: (frozenset({"POST"}), self._revoke, "oauth"),
            USER_INFO_PATH: (frozenset({"GET"}), self._user_info, "data"),
            VIDEO_LIST_PATH: (frozenset({"POST"}), self._video_list, "data"),
            VIDEO_QUERY_PATH: (frozenset({"POST"}), self._video_query, "data"),
        }

    # --- test / demo helpers ---------------------------------------------------------------------

    def grant_user_tokens(self, scopes: Iterable[str] = ALL_USER_SCOPES) -> dict[str, Any]:
        """Mint tokens as if the creator had just consented: returns the flat token JSON."""
        granted = tuple(scopes)
        unknown = [s for s in granted if s not in ALL_USER_SCOPES]
        if unknown:
            raise ValueError(f"unknown scopes: {unknown}")
        with self._lock:
            return self._new_grant_tokens(granted)

    def expire_access_tokens(self) -> None:
        """Every user access token issued so far is now expired (refresh tokens keep working)."""
        with self._lock:
            for token in self._access.values():
                token.force_expired = True

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far stops working (-> invalid_grant: re-consent needed)."""
        with self._lock:
            for token in self._refresh.values():
                token.active = False

    def client_token_valid(self, token: str) -> bool:
        """For Research API endpoints layered on this fake: is `token` a live `clt.` token?"""
        with self._lock:
            expires_at = self._client_tokens.get(token)
        return expires_at is not None and self.clock.now() < expires_at

    def mount_research(
        self,
        research_app: Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]],
        prefix: str = "/v2/research/",
    ) -> None:
        """Serve every path under `prefix` from `research_app` (the fake Research API) on this same
        host, so one base URL answers OAuth (client tokens) and research calls. The mounted app does
        its own auth, quota, faults and request recording; nothing else here changes."""
        self._mounts[prefix] = research_app

    # --- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path_info = str(environ.get("PATH_INFO") or "/")
        for prefix, mounted in self._mounts.items():
            if path_info.startswith(prefix):
                return mounted(environ, start_response)
        request = _Request(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=str(environ.get("PATH_INFO") or "/"),
            # first value wins for repeated parameters, like most gateways
            query=_first_values(parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)),
            headers=_headers(environ),
            raw_body=_read_body(environ),
        )
        fault_kind: str | None = None
        try:
            response, fault_kind = self._dispatch(request)
        except Exception:  # a bug in the fake must still answer like a server, not kill the socket;
            traceback.print_exc()  # but loudly, so a test never mistakes it for an injected fault
            response = self._data_error("internal_error")
        response.headers.append(("X-Tt-Logid", response.log_id))
        self._record(request, response, fault_kind)
        start_response(
            f"{response.status} {HTTPStatus(response.status).phrase}",
            [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))), *response.headers],
        )
        return [response.body]

    def _dispatch(self, request: _Request) -> tuple[_Response, str | None]:
        route = self._routes.get(request.path)
        if route is None:
            return self._data_error("not_found", f"No such path: {request.path}"), None
        methods, handler, realm = route
        if request.method not in methods:
            response = self._data_error("method_not_allowed")
            response.headers.append(("Allow", ", ".join(sorted(methods))))
            return response, None
        if realm == "data" and not self._admit(request.path):
            return self._data_error("rate_limit_exceeded"), None
        fault = self.faults.take(request.path) if realm in ("data", "oauth") else None
        if fault is not None:
            early = self._apply_fault(fault, request, realm)
            if early is not None:
                return early, fault.kind
        return handler(request), fault.kind if fault else None

    def _apply_fault(self, fault: Fault, request: _Request, realm: str) -> _Response | None:
        """Return the faulty response, or None to serve the request normally after a side effect."""
        kind = fault.kind
        if kind == "rate_limit":
            response = (
                self._data_error("rate_limit_exceeded")
                if realm == "data"
                else self._oauth_error(429, "temporarily_unavailable", "Rate limit exceeded. Please retry later.")
            )
            if fault.retry_after is not None:
                response.headers.append(("Retry-After", str(math.ceil(fault.retry_after))))
            return response
        if kind == "internal_error":
            if realm == "data":
                return self._data_error("internal_error")
            return self._oauth_error(500, "server_error", "Something went wrong. Please try again later.")
        if kind == "http200_error":
            if realm == "data":
                code = fault.code or "internal_error"
                return self._data_error(code, status=200)
            return self._oauth_error(200, fault.code or "server_error", "Something went wrong. Please try again later.")
        if kind == "html_500":
            return _Response(500, _HTML_500, "text/html; charset=utf-8", error_code=None, log_id=self._log_id())
        if kind == "malformed":
            return _Response(200, _MALFORMED_BODY, error_code=None, log_id=self._log_id())
        if kind == "expire_token":
            self.expire_access_tokens()
            return None
        if kind == "short_page":
            request.short_page = True
            return None
        if kind == "delay":
            time.sleep(fault.retry_after or 0)  # outside any lock: other requests keep flowing
            return None
        raise AssertionError(kind)

    def _admit(self, path: str) -> bool:
        """Per-endpoint sliding 60 s window; only admitted requests count, so a throttled client
        recovers a minute after it backs off."""
        now = self._monotonic()
        with self._lock:
            window = self._windows.setdefault(path, deque())
            while window and window[0] <= now - RATE_WINDOW_S:
                window.popleft()
            if len(window) >= self.rate_limit_per_minute:
                return False
            window.append(now)
            return True

    def _record(self, request: _Request, response: _Response, fault_kind: str | None) -> None:
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            http_status=response.status,
            error_code=response.error_code,
            log_id=response.log_id,
            fields=request.fields,
            body=request.body,
            fault=fault_kind,
            at=self.clock.now(),
        )
        with self._lock:
            self.requests.append(record)
            if len(self.requests) > self.max_recorded:
                del self.requests[: len(self.requests) - self.max_recorded]

    # --- envelopes -----------------------------------------------------------------------------

    def _log_id(self) -> str:
        # TikTok log ids: a YYYYMMDDHHMMSS timestamp + hex; a counter keeps them unique per process
        seq = next(self._log_seq) % (1 << 24)
        return f"{self.clock.now():%Y%m%d%H%M%S}{seq:06X}{secrets.token_hex(6).upper()}"

    def _json(self, status: int, payload: dict[str, Any], error_code: str | None, log_id: str) -> _Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return _Response(status, body, error_code=error_code, log_id=log_id)

    def _data_ok(self, data: dict[str, Any]) -> _Response:
        log_id = self._log_id()
        return self._json(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": log_id}}, "ok", log_id)

    def _data_error(self, code: str, message: str | None = None, *, status: int | None = None) -> _Response:
        log_id = self._log_id()
        http_status = status if status is not None else _DATA_STATUS.get(code, 400)
        text = message if message is not None else ERROR_MESSAGES.get(code, "The request failed.")
        return self._json(http_status, {"data": {}, "error": {"code": code, "message": text, "log_id": log_id}}, code, log_id)

    def _oauth_error(self, status: int, error: str, description: str) -> _Response:
        log_id = self._log_id()
        return self._json(status, {"error": error, "error_description": description, "log_id": log_id}, error, log_id)

    def _oauth_ok(self, payload: dict[str, Any]) -> _Response:
        return self._json(200, payload, "ok", self._log_id())

    # --- OAuth ---------------------------------------------------------------------------------

    def _authorize(self, request: _Request) -> _Response:
        q = request.query
        request.body = {k: q[k] for k in ("client_key", "scope", "redirect_uri", "response_type", "code_challenge_method") if k in q}
        if q.get("client_key") != self.client_key:
            # never redirect to an unverified client's URI (OAuth 2.0 §4.1.2.1)
            return self._oauth_error(400, "invalid_client", "Client key is invalid.")
        redirect_uri = q.get("redirect_uri", "")
        if not _valid_redirect_uri(redirect_uri):
            return self._oauth_error(400, "invalid_request", "redirect_uri is missing or not a registered absolute URI.")
        state = q.get("state")

        def fail(error: str, description: str) -> _Response:
            params = {"error": error, "error_description": description}
            if state is not None:
                params["state"] = state
            return self._redirect(redirect_uri, params)

        if q.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code.")
        requested = [s for s in q.get("scope", "").split(",") if s]
        if not requested or any(s not in ALL_USER_SCOPES for s in requested):
            return fail("invalid_scope", "The scope is missing or contains an unknown scope.")
        if not state:
            return fail("invalid_request", "state is required.")
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method")
        if challenge is None and urlsplit(redirect_uri).hostname in ("localhost", "127.0.0.1"):
            # localhost redirects are TikTok's desktop flow, where PKCE is required
            return fail("invalid_request", "code_challenge is required for desktop redirect URIs.")
        if challenge is not None or method is not None:
            # TikTok desktop PKCE: S256 only, and the challenge is the HEX sha256 of the verifier
            if method != "S256" or challenge is None or not _HEX_SHA256.fullmatch(challenge.lower()):
                return fail("invalid_request", "Code verifier or code challenge is invalid.")
        if self.deny_consent:
            return fail("access_denied", "The user denied the authorization request.")
        granted = tuple(s for s in requested if self.consent_scopes is None or s in self.consent_scopes)
        if not granted:
            return fail("access_denied", "The user granted none of the requested scopes.")
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _AuthCode(
                redirect_uri=redirect_uri,
                scopes=granted,
                code_challenge=challenge.lower() if challenge else None,
                expires_at=self.clock.now() + timedelta(seconds=self.auth_code_ttl_s),
            )
        return self._redirect(redirect_uri, {"code": code, "scopes": ",".join(granted), "state": state})

    def _redirect(self, redirect_uri: str, params: dict[str, str]) -> _Response:
        response = _Response(302, b"", "text/plain; charset=utf-8", error_code=params.get("error", "ok"), log_id=self._log_id())
        response.headers.append(("Location", f"{redirect_uri}?{urlencode(params)}"))
        return response

    def _client_form(self, request: _Request) -> dict[str, str] | _Response:
        """Parse the form body and authenticate the client; an error response on failure."""
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            return self._oauth_error(400, "invalid_request", "The request parameters are malformed.")
        try:
            form = _first_values(parse_qsl(request.raw_body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            return self._oauth_error(400, "invalid_request", "The request parameters are malformed.")
        request.body = {k: ("<redacted>" if k in _SECRET_FORM_KEYS else v) for k, v in form.items()}
        if not form.get("client_key"):
            return self._oauth_error(401, "invalid_client", "Client key is missed in request.")
        if form["client_key"] != self.client_key:
            return self._oauth_error(401, "invalid_client", "Client key is invalid.")
        if not form.get("client_secret"):
            return self._oauth_error(401, "invalid_client", "Client secret is missed in request.")
        if not secrets.compare_digest(form["client_secret"], self.client_secret):
            return self._oauth_error(401, "invalid_client", "Client secret is invalid.")
        return form

    def _token(self, request: _Request) -> _Response:
        form = self._client_form(request)
        if isinstance(form, _Response):
            return form
        grant_type = form.get("grant_type")
        if not grant_type:
            return self._oauth_error(400, "invalid_request", "grant_type is missed in request.")
        if grant_type == "authorization_code":
            return self._grant_authorization_code(form)
        if grant_type == "refresh_token":
            return self._grant_refresh_token(form)
        if grant_type == "client_credentials":
            token = "clt." + secrets.token_urlsafe(40)
            with self._lock:
                self._client_tokens[token] = self.clock.now() + timedelta(seconds=self.client_token_ttl_s)
            return self._oauth_ok({"access_token": token, "expires_in": self.client_token_ttl_s, "token_type": "Bearer"})
        return self._oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type: {grant_type}.")

    def _grant_authorization_code(self, form: dict[str, str]) -> _Response:
        code = form.get("code")
        if not code:
            return self._oauth_error(400, "invalid_request", "code is missed in request.")
        with self._lock:
            # single use: the code is consumed by the first exchange attempt, even a failed one, so a
            # leaked code cannot be replayed with guessed verifiers
            auth = self._codes.pop(code, None)
        if auth is None or self.clock.now() >= auth.expires_at:
            return self._oauth_error(400, "invalid_grant", "Authorization code is expired or invalid.")
        if form.get("redirect_uri") != auth.redirect_uri:
            return self._oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request.")
        if auth.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode("ascii", "replace")).hexdigest()
            if not _PKCE_VERIFIER.fullmatch(verifier) or not secrets.compare_digest(digest, auth.code_challenge):
                return self._oauth_error(400, "invalid_request", "Code verifier or code challenge is invalid.")
        with self._lock:
            return self._oauth_ok(self._new_grant_tokens(auth.scopes))

    def _grant_refresh_token(self, form: dict[str, str]) -> _Response:
        old = form.get("refresh_token")
        if not old:
            return self._oauth_error(400, "invalid_request", "refresh_token is missed in request.")
        now = self.clock.now()
        with self._lock:
            record = self._refresh.get(old)
            if record is None or not record.active or record.grant.revoked or now >= record.grant.refresh_expires_at:
                return self._oauth_error(400, "invalid_grant", "Refresh token is invalid or expired.")
            # rotation: the old refresh token dies now; access tokens already issued live on to expiry
            record.active = False
            return self._oauth_ok(self._issue_tokens(record.grant))

    def _revoke(self, request: _Request) -> _Response:
        form = self._client_form(request)
        if isinstance(form, _Response):
            return form
        token = form.get("token")
        if not token:
            return self._oauth_error(400, "invalid_request", "token is missed in request.")
        with self._lock:
            access = self._access.get(token)
            if access is not None:
                # revoking deauthorizes the app for the user: every grant, so refreshes fail too
                for grant in self._grants:
                    grant.revoked = True
        # unknown tokens also answer {} (RFC 7009 §2.2): revocation is idempotent
        return self._oauth_ok({})

    def _new_grant_tokens(self, scopes: tuple[str, ...]) -> dict[str, Any]:
        grant = _UserGrant(scopes, self.clock.now() + timedelta(seconds=self.refresh_ttl_s))
        self._grants.append(grant)
        return self._issue_tokens(grant)

    def _issue_tokens(self, grant: _UserGrant) -> dict[str, Any]:
        now = self.clock.now()
        access = "act." + secrets.token_urlsafe(40)
        refresh = "rft." + secrets.token_urlsafe(40)
        self._access[access] = _AccessToken(grant, now + timedelta(seconds=self.access_ttl_s))
        self._refresh[refresh] = _RefreshToken(grant)
        return {
            "access_token": access,
            "expires_in": self.access_ttl_s,
            "open_id": self.account.open_id,
            "refresh_expires_in": max(0, int((grant.refresh_expires_at - now).total_seconds())),
            "refresh_token": refresh,
            "scope": ",".join(grant.scopes),
            "token_type": "Bearer",
        }

    # --- data endpoints --------------------------------------------------------------------------

    def _authenticate(self, request: _Request) -> _AccessToken | _Response:
        match = re.fullmatch(r"Bearer\s+(\S+)", request.headers.get("authorization", "").strip(), re.IGNORECASE)
        with self._lock:
            token = self._access.get(match.group(1)) if match else None
        now = self.clock.now()
        if token is None or token.force_expired or token.grant.revoked or now >= token.expires_at:
            return self._data_error("access_token_invalid")
        return token

    def _fields(self, request: _Request, known: Iterable[str]) -> tuple[str, ...] | _Response:
        raw = request.query.get("fields")
        if raw is None or not raw.strip():
            return self._data_error("invalid_params", "The fields parameter is required.")
        fields = tuple(dict.fromkeys(f.strip() for f in raw.split(",") if f.strip()))
        request.fields = fields
        known_set = set(known)
        unknown = [f for f in fields if f not in known_set]
        if unknown or not fields:
            return self._data_error("invalid_params", f"Invalid fields: {','.join(unknown) or raw}")
        return fields

    def _json_body(self, request: _Request) -> dict[str, Any] | _Response:
        if not request.raw_body.strip():
            request.body = {}
            return {}
        try:
            body = json.loads(request.raw_body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self._data_error("invalid_params", "The request body is not valid JSON.")
        request.body = body
        if not isinstance(body, dict):
            return self._data_error("invalid_params", "The request body must be a JSON object.")
        return body

    def _user_info(self, request: _Request) -> _Response:
        token = self._authenticate(request)
        if isinstance(token, _Response):
            return token
        fields = self._fields(request, USER_FIELD_SCOPES)
        if isinstance(fields, _Response):
            return fields
        missing = [f for f in fields if USER_FIELD_SCOPES[f] not in token.grant.scopes]
        if missing:
            return self._data_error(
                "scope_permission_missed", f"{ERROR_MESSAGES['scope_permission_missed']}: {','.join(missing)}"
            )
        now = self.clock.now()
        account = self.account
        stats = account.profile_at(now) if any(USER_FIELD_SCOPES[f] == SCOPE_USER_STATS for f in fields) else {}
        values: dict[str, Any] = {
            "open_id": account.open_id,
            "union_id": account.union_id,
            "avatar_url": account.avatar_url,
            "avatar_url_100": account.avatar_url_100,
            "avatar_large_url": account.avatar_large_url,
            "display_name": account.display_name,
            "bio_description": account.bio_description,
            "profile_deep_link": account.profile_deep_link,
            "is_verified": account.is_verified,
            "username": account.username,
            **stats,
        }
        return self._data_ok({"user": {f: values[f] for f in fields}})

    def _video_request(self, request: _Request) -> tuple[tuple[str, ...], dict[str, Any]] | _Response:
        """Shared checks of the two video endpoints: token, `video.list` scope, fields, JSON body."""
        token = self._authenticate(request)
        if isinstance(token, _Response):
            return token
        if SCOPE_VIDEO_LIST not in token.grant.scopes:
            return self._data_error("scope_not_authorized")
        fields = self._fields(request, VIDEO_FIELDS)
        if isinstance(fields, _Response):
            return fields
        body = self._json_body(request)
        if isinstance(body, _Response):
            return body
        return fields, body

    def _video_list(self, request: _Request) -> _Response:
        checked = self._video_request(request)
        if isinstance(checked, _Response):
            return checked
        fields, body = checked
        max_count = body.get("max_count", DEFAULT_PAGE)
        if not _is_int(max_count) or not 1 <= max_count <= MAX_PAGE:
            return self._data_error("invalid_params", f"Invalid max_count: must be between 1 and {MAX_PAGE}.")
        cursor = body.get("cursor")
        if cursor is not None and (not _is_int(cursor) or cursor < 0):
            return self._data_error("invalid_params", "Invalid cursor: must be a non-negative UTC Unix timestamp in ms.")
        now = self.clock.now()
        now_s = math.floor(now.timestamp())
        # create_time*1000 < cursor  <=>  create_time <= ceil(cursor/1000) - 1: the videos visible
        # at that second, which the account can answer with a bisect even for 10,000 videos
        until_s = now_s if cursor is None else min(now_s, -(-cursor // 1000) - 1)
        candidates = self.account.videos_visible_at(datetime.fromtimestamp(until_s, tz=UTC)) if until_s >= 0 else []
        size = max_count
        if request.short_page and len(candidates) > max(1, max_count // 2):
            size = max(1, max_count // 2)  # trust & safety filtering: fewer than asked, more to come
        page = candidates[:size]
        has_more = len(candidates) > len(page)
        next_cursor = page[-1].create_epoch * 1000 if page else (cursor if cursor is not None else now_s * 1000)
        videos = [self._video_json(v, fields, now) for v in page]
        return self._data_ok({"videos": videos, "cursor": next_cursor, "has_more": has_more})

    def _video_query(self, request: _Request) -> _Response:
        checked = self._video_request(request)
        if isinstance(checked, _Response):
            return checked
        fields, body = checked
        filters = body.get("filters")
        ids = filters.get("video_ids") if isinstance(filters, dict) else None
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return self._data_error("invalid_params", "filters.video_ids must be a non-empty list of id strings.")
        if len(ids) > MAX_PAGE:
            return self._data_error("invalid_params", f"Invalid video_ids: at most {MAX_PAGE} ids per request.")
        now = self.clock.now()
        videos = []
        for video_id in dict.fromkeys(ids):
            video = self.account.video(video_id)
            # ids that are not this creator's (or not posted yet at the simulated now) are omitted
            if video is not None and video.create_time <= now:
                videos.append(self._video_json(video, fields, now))
        return self._data_ok({"videos": videos, "cursor": 0, "has_more": False})

    def _video_json(self, video: DemoVideo, fields: tuple[str, ...], now: datetime) -> dict[str, Any]:
        counts = video.counts_at(now) if _COUNT_FIELDS.intersection(fields) else None
        out: dict[str, Any] = {}
        for name in fields:
            if name == "id":
                out[name] = video.id
            elif name == "create_time":
                out[name] = video.create_epoch
            elif name == "cover_image_url":
                out[name] = video.cover_image_url(now)
            elif name == "share_url":
                out[name] = video.share_url(self.client_key)
            elif name == "video_description":
                out[name] = video.description
            elif name == "embed_html":
                out[name] = video.embed_html(self.client_key)
            elif name == "embed_link":
                out[name] = video.embed_link(self.client_key)
            elif name == "is_aigc":
                out[name] = False
            elif name in ("duration", "height", "width", "title"):
                out[name] = getattr(video, name)
            elif counts is not None:
                out[name] = {
                    "view_count": counts.views,
                    "like_count": counts.likes,
                    "comment_count": counts.comments,
                    "share_count": counts.shares,
                }[name]
        return out


# --- helpers ------------------------------------------------------------------------------------


def _first_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _read_body(environ: WSGIEnvironment) -> bytes:
    # read exactly CONTENT_LENGTH bytes: on a real socket reading "until EOF" would block forever
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    return environ["wsgi.input"].read(length)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _valid_redirect_uri(uri: str) -> bool:
    """TikTok's rules: absolute https (or http on localhost for desktop apps), static (no query),
    no fragment."""
    if not uri:
        return False
    parts = urlsplit(uri)
    if parts.query or parts.fragment or not parts.netloc:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")
