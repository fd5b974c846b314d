"""The one-time consent: a local callback server catches TikTok's redirect, checks `state`,
exchanges the code (with TikTok's hex PKCE for localhost "desktop" redirects) and stores tokens.

Tokens are never printed or logged; the caller gets a TokenSet whose repr hides them.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tiktok_pipelines.lib.tiktok.errors import TikTokError
from tiktok_pipelines.lib.tiktok.oauth import (
    DEFAULT_AUTHORIZE_URL,
    DEFAULT_SCOPES,
    OAuthClient,
    authorize_url,
    new_code_verifier,
    new_state,
)
from tiktok_pipelines.lib.tiktok.tokens import TokenSet, TokenStore


class ConsentError(Exception):
    """The consent did not complete; the message says why and what to do."""


@dataclass
class _Callback:
    params: dict[str, str] | None = None


def uses_pkce(redirect_uri: str) -> bool:
    """TikTok requires PKCE for desktop apps, whose redirect URIs are localhost with a port."""
    host = urlparse(redirect_uri).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1")


def _callback_server(redirect_uri: str, received: _Callback, done: threading.Event) -> ThreadingHTTPServer:
    parsed = urlparse(redirect_uri)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConsentError(f"TIKTOK_REDIRECT_URI {redirect_uri!r} is not an absolute http(s) URL")
    path = parsed.path or "/"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            url = urlparse(self.path)
            if url.path != path:
                self.send_error(404)
                return
            received.params = {k: v[-1] for k, v in parse_qs(url.query).items()}
            ok = "code" in received.params and "error" not in received.params
            message = "TikTok account connected. You can close this tab." if ok else "Consent was not completed. See the terminal."
            body = f"<!doctype html><title>tiktok_pipelines</title><p>{html.escape(message)}</p>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            done.set()

        def log_message(self, *args: object) -> None:  # the query string holds the code: never log it
            return

    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    bind_host = "127.0.0.1" if parsed.hostname in ("localhost", "127.0.0.1") else parsed.hostname
    try:
        return ThreadingHTTPServer((bind_host, port), Handler)
    except OSError as exc:
        raise ConsentError(f"cannot listen on {bind_host}:{port} for the OAuth callback: {exc.strerror}") from None


def run_consent(
    oauth: OAuthClient,
    store: TokenStore,
    redirect_uri: str,
    *,
    show_url: Callable[[str], None],
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    authorize_base: str = DEFAULT_AUTHORIZE_URL,
    pkce: bool | None = None,
    timeout_s: float = 300.0,
) -> TokenSet:
    """Show the authorize URL, wait for the redirect, exchange the code, save the tokens."""
    state = new_state()
    verifier = new_code_verifier() if (uses_pkce(redirect_uri) if pkce is None else pkce) else None
    received = _Callback()
    done = threading.Event()
    server = _callback_server(redirect_uri, received, done)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="oauth-callback", daemon=True)
    thread.start()
    try:
        show_url(authorize_url(oauth.client_key, redirect_uri, state, scopes, verifier, authorize_base))
        if not done.wait(timeout_s):
            raise ConsentError(f"no callback within {timeout_s:.0f} s: open the URL above and approve the app")
    finally:
        server.shutdown()
        server.server_close()
    params = received.params or {}
    if params.get("state") != state:
        raise ConsentError("the callback's state does not match this consent request (possible CSRF); nothing was saved")
    if "error" in params:
        raise ConsentError(f"TikTok consent failed: {params['error']} {params.get('error_description', '')}".strip())
    code = params.get("code")
    if not code:
        raise ConsentError("the callback carried no authorization code")
    granted = set((params.get("scopes") or ",".join(scopes)).split(","))
    missing = [s for s in scopes if s not in granted]
    try:
        tokens = oauth.exchange_code(code, redirect_uri, verifier)
    except TikTokError as exc:
        raise ConsentError(f"exchanging the authorization code failed: {exc}") from None
    store.save(tokens)
    if missing:
        raise ConsentError(
            f"tokens saved, but these scopes were not granted: {', '.join(missing)}. "
            "Some fields will be missing; run the consent again and tick every permission."
        )
    return tokens
