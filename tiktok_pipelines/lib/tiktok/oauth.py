"""TikTok Login Kit OAuth: authorize URL, code exchange, refresh with rotation, client tokens."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import secrets
import string
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from tiktok_pipelines.lib.clock import Clock
from tiktok_pipelines.lib.tiktok.errors import (
    MalformedResponse,
    ReconsentRequired,
    TikTokError,
    scrub,
)
from tiktok_pipelines.lib.tiktok.http import TikTokHttp
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet, TokenStore

TOKEN_PATH = "/v2/oauth/token/"
REVOKE_PATH = "/v2/oauth/revoke/"
DEFAULT_AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
DEFAULT_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list")
_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"


def new_state() -> str:
    return secrets.token_urlsafe(24)


def new_code_verifier(length: int = 64) -> str:
    if not 43 <= length <= 128:
        raise ValueError("PKCE code_verifier must be 43..128 characters")
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(length))


def code_challenge(verifier: str) -> str:
    """TikTok's desktop flow wants the HEX sha256 of the verifier, not RFC 7636 base64url."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def authorize_url(
    client_key: str,
    redirect_uri: str,
    state: str,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    verifier: str | None = None,
    base: str = DEFAULT_AUTHORIZE_URL,
) -> str:
    params = {
        "client_key": client_key,
        "scope": ",".join(scopes),
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
    }
    if verifier is not None:
        params["code_challenge"] = code_challenge(verifier)
        params["code_challenge_method"] = "S256"
    return f"{base}?{urlencode(params, safe=',')}"


@dataclass
class OAuthClient:
    http: TikTokHttp
    client_key: str
    client_secret: str
    clock: Clock

    def _token_call(self, form: dict[str, str]) -> dict:
        try:
            body = self.http.request(
                "POST",
                TOKEN_PATH,
                form=form,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Cache-Control": "no-cache"},
            )
        except TikTokError as exc:
            if exc.code == "invalid_client":
                raise type(exc)(
                    "TikTok rejected the app credentials (invalid_client): check TIKTOK_CLIENT_KEY and TIKTOK_CLIENT_SECRET",
                    endpoint=exc.endpoint, code=exc.code, http_status=exc.http_status, log_id=exc.log_id,
                ) from None
            raise
        if "access_token" not in body:
            raise MalformedResponse("token response has no access_token", endpoint=TOKEN_PATH, code="malformed_response")
        return body

    def exchange_code(self, code: str, redirect_uri: str, verifier: str | None = None) -> TokenSet:
        form = {
            "client_key": self.client_key,
            "client_secret": self.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
        }
        if verifier is not None:
            form["code_verifier"] = verifier
        return self._parse(self._token_call(form))

    def refresh(self, refresh_token: str) -> TokenSet:
        body = self._token_call(
            {
                "client_key": self.client_key,
                "client_secret": self.client_secret,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            }
        )
        return self._parse(body)

    def client_token(self) -> tuple[str, int]:
        body = self._token_call(
            {"client_key": self.client_key, "client_secret": self.client_secret, "grant_type": "client_credentials"}
        )
        return str(body["access_token"]), int(body.get("expires_in", 7200))

    def revoke(self, access_token: str) -> None:
        self.http.request(
            "POST",
            REVOKE_PATH,
            form={"client_key": self.client_key, "client_secret": self.client_secret, "token": access_token},
        )

    def _parse(self, body: dict) -> TokenSet:
        try:
            return TokenSet.from_response(body, self.clock.now())
        except ValueError as exc:
            raise MalformedResponse(scrub(str(exc)), endpoint=TOKEN_PATH, code="malformed_response") from None


class UserTokenProvider:
    """Hands out a valid user access token, refreshing ahead of expiry and persisting rotations."""

    def __init__(self, oauth: OAuthClient, store: TokenStore, clock: Clock, refresh_margin_s: float = 600) -> None:
        self.oauth = oauth
        self.store = store
        self.clock = clock
        self.refresh_margin_s = refresh_margin_s
        self._thread_lock = threading.Lock()
        self.refreshes = 0

    def current(self) -> TokenSet:
        tokens = self.store.load()
        if tokens is None:
            raise ReconsentRequired("no TikTok tokens stored: run `tiktok-pipelines auth` to connect the account", code="no_tokens")
        return tokens

    def access_token(self) -> str:
        tokens = self.current()
        if tokens.expires_within(self.clock.now(), self.refresh_margin_s):
            tokens = self.refresh(stale_access_token=tokens.access_token)
        return tokens.access_token

    def refresh(self, stale_access_token: str | None = None) -> TokenSet:
        """Refresh and persist. stale_access_token is the token the caller found wanting: if the store
        already holds a different, still-valid one, another process rotated first and we use that."""
        with self._thread_lock, self._cross_process_lock():
            current = self.current()
            if stale_access_token is not None and current.access_token != stale_access_token and not current.expires_within(
                self.clock.now(), self.refresh_margin_s
            ):
                return current
            if current.refresh_expires_at <= self.clock.now():
                raise ReconsentRequired(
                    "the refresh token has expired: run `tiktok-pipelines auth` to reconnect the account",
                    code="refresh_token_expired",
                )
            new = self.oauth.refresh(current.refresh_token)
            # The rotated refresh token must be saved before anything uses the new access token.
            self.store.save(new)
            self.refreshes += 1
            return new

    @contextlib.contextmanager
    def _cross_process_lock(self) -> Iterator[None]:
        if not isinstance(self.store, FileTokenStore):
            yield
            return
        lock_path = Path(str(self.store.path) + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(lock_path, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

