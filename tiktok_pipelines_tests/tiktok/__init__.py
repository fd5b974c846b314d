"""Tests of the real TikTok clients (OAuth consent, token store, refresh/rotation) against the fake
TikTok server over a real local socket. Nothing of our own code is mocked.

Shared helpers live here (not in a conftest) so each test module states its fixtures explicitly.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tiktok_pipelines.demo.fake_api import FakeTikTokApi
from tiktok_pipelines.demo.server import RunningServer, serve_in_thread
from tiktok_pipelines.demo.world import DEMO_NOW, DemoAccount
from tiktok_pipelines.lib.clock import FrozenClock
from tiktok_pipelines.lib.tiktok.http import RetryPolicy, TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import OAuthClient
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet

AUTHORIZE_PATH = "/v2/auth/authorize/"
TOKEN_PATH = "/v2/oauth/token/"


def free_port() -> int:
    """A port nobody listens on right now (for the OAuth callback server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class FakeTikTok:
    """The fake TikTok server on a real socket, its clock, and our real clients pointed at it."""

    api: FakeTikTokApi
    server: RunningServer
    clock: FrozenClock
    http: TikTokHttp

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def authorize_base(self) -> str:
        return self.server.base_url + AUTHORIZE_PATH

    def oauth(self, *, client_secret: str | None = None) -> OAuthClient:
        return OAuthClient(self.http, self.api.client_key, client_secret or self.api.client_secret, self.clock)

    def token_requests(self, grant_type: str | None = None) -> list:
        return [
            r
            for r in self.api.requests
            if r.path == TOKEN_PATH and (grant_type is None or (r.body or {}).get("grant_type") == grant_type)
        ]

    def store_fresh_tokens(self, path: Path) -> TokenSet:
        """Mint tokens as if the creator had consented, and save them where the provider looks."""
        tokens = TokenSet.from_response(self.api.grant_user_tokens(), self.clock.now())
        FileTokenStore(path).save(tokens)
        return tokens


class AppSwitch:
    """A WSGI app that forwards to whichever fake the current test installed: one socket server
    serves the whole session (starting and stopping one per test costs ~50 ms) while every test
    still gets a fresh fake with fresh tokens, knobs and request log."""

    def __init__(self) -> None:
        self.app: FakeTikTokApi | None = None

    def __call__(self, environ, start_response):  # noqa: ANN001, ANN204 - WSGI signature
        assert self.app is not None, "no fake installed: use running_fake()"
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def fake_server() -> Iterator[tuple[AppSwitch, RunningServer]]:
    """One fake-TikTok socket server for the session; tests reach it through `running_fake`."""
    switch = AppSwitch()
    with serve_in_thread(switch) as server:
        yield switch, server


@contextmanager
def running_fake(fake_server: tuple[AppSwitch, RunningServer]) -> Iterator[FakeTikTok]:
    """A fresh fake TikTok (demo account, clock frozen at DEMO_NOW) behind the session's server."""
    switch, server = fake_server
    clock = FrozenClock(DEMO_NOW)
    api = FakeTikTokApi(DemoAccount(n_videos=3), clock)
    switch.app = api
    # no sleeping between retries: a test that hits a retry path must stay fast
    http = TikTokHttp(base_url=server.base_url, timeout_s=5.0, retry=RetryPolicy(max_attempts=2), sleep=lambda s: None)
    try:
        yield FakeTikTok(api, server, clock, http)
    finally:
        http.close()
        switch.app = None


def follow_in_thread(url: str, results: list) -> threading.Thread:
    """What the user's browser does: open the authorize URL and follow TikTok's redirect to our
    callback. The final response (or the exception) is appended to `results`."""

    def browse() -> None:
        try:
            with httpx.Client(follow_redirects=True, timeout=5.0) as browser:
                results.append(browser.get(url))
        except Exception as exc:  # surfaced by the test through `results`
            results.append(exc)

    thread = threading.Thread(target=browse, name="fake-browser", daemon=True)
    thread.start()
    return thread
