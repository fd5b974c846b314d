"""The one-time consent (`run_consent` and `tiktok-pipelines auth`) end to end: our callback server,
the fake TikTok authorize page and token endpoint over real sockets, and a "browser" thread that
follows the authorize URL with httpx the way a person's browser would."""

from __future__ import annotations

import hashlib
import io
import os
import re
import socket
import stat
import threading
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from tiktok_pipelines import cli
from tiktok_pipelines.lib.tiktok.consent import ConsentError, run_consent, uses_pkce
from tiktok_pipelines.lib.tiktok.oauth import DEFAULT_SCOPES, authorize_url, code_challenge, new_code_verifier
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet
from tiktok_pipelines_tests.tiktok import (
    FakeTikTok,
    follow_in_thread,
    free_port,
)

TOKEN_TEXT = re.compile(r"\b(act|rft|clt)\.[A-Za-z0-9_~-]{6,}")
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture
def redirect_uri() -> str:
    return f"http://127.0.0.1:{free_port()}/callback/"


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query, safe=",")))


class Browser:
    """`show_url` for run_consent: remembers the URL and opens it (optionally rewritten) in a thread."""

    def __init__(self, rewrite: Callable[[str], str] | None = None) -> None:
        self.rewrite = rewrite or (lambda url: url)
        self.urls: list[str] = []
        self.results: list = []
        self.thread: threading.Thread | None = None

    def __call__(self, url: str) -> None:
        self.urls.append(url)
        self.thread = follow_in_thread(self.rewrite(url), self.results)

    @property
    def query(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(self.urls[0]).query).items()}

    def page(self) -> str:
        assert self.thread is not None
        self.thread.join(5)
        (result,) = self.results
        assert not isinstance(result, Exception), result
        return result.text


def consent(
    fake: FakeTikTok,
    token_path: Path,
    redirect_uri: str,
    browser: Callable[[str], None],
    *,
    client_secret: str | None = None,
    timeout_s: float = 5.0,
) -> TokenSet:
    """run_consent against the fake, saving into token_path."""
    return run_consent(
        fake.oauth(client_secret=client_secret),
        FileTokenStore(token_path),
        redirect_uri,
        show_url=browser,
        authorize_base=fake.authorize_base,
        timeout_s=timeout_s,
    )


def assert_nothing_saved(token_path: Path) -> None:
    assert FileTokenStore(token_path).load() is None
    assert not token_path.exists()


# --- run_consent -------------------------------------------------------------------------------


def test_consent_with_hex_pkce_saves_tokens_owner_only_and_the_browser_sees_success(
    fake: FakeTikTok, token_path: Path, redirect_uri: str
) -> None:
    browser = Browser()
    tokens = consent(fake, token_path, redirect_uri, browser)

    assert FileTokenStore(token_path).load() == tokens
    assert tokens.open_id == fake.api.account.open_id
    assert set(tokens.scope) == set(DEFAULT_SCOPES)
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in token_path.parent.iterdir()) == ["tokens.json"]  # no temp file left
    assert "account connected" in browser.page()

    # a localhost redirect is TikTok's "desktop" flow: PKCE with a HEX sha256 challenge, not base64url
    query = browser.query
    assert query["code_challenge_method"] == "S256"
    assert HEX64.fullmatch(query["code_challenge"])
    assert query["redirect_uri"] == redirect_uri and query["response_type"] == "code"
    (exchange,) = fake.token_requests("authorization_code")
    assert exchange.http_status == 200  # the fake checked sha256(verifier).hexdigest() == challenge
    assert exchange.body["code_verifier"] == "<redacted>"  # sent (the fake redacts its value)
    assert exchange.body["redirect_uri"] == redirect_uri

    # the callback server is gone once the consent is over: `auth` can run again on the same port
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
        sock.bind(("127.0.0.1", urlsplit(redirect_uri).port))


def test_a_challenge_that_does_not_match_the_verifier_is_rejected(
    fake: FakeTikTok, token_path: Path, redirect_uri: str
) -> None:
    # tamper with the URL on its way to TikTok: the challenge no longer belongs to our verifier
    forged = code_challenge("x" * 64)
    browser = Browser(rewrite=lambda url: with_query(url, code_challenge=forged))
    with pytest.raises(ConsentError, match="Code verifier or code challenge is invalid"):
        consent(fake, token_path, redirect_uri, browser)
    (exchange,) = fake.token_requests("authorization_code")
    assert exchange.error_code == "invalid_request"
    assert_nothing_saved(token_path)


def test_pkce_only_for_localhost_redirects_and_challenge_is_hex_sha256() -> None:
    assert uses_pkce("http://127.0.0.1:8765/callback/")
    assert uses_pkce("http://localhost:8765/callback/")
    assert not uses_pkce("https://example.com/tiktok/callback/")
    verifier = new_code_verifier()
    assert 43 <= len(verifier) <= 128 and re.fullmatch(r"[A-Za-z0-9._~-]+", verifier)
    assert code_challenge(verifier) == hashlib.sha256(verifier.encode()).hexdigest()
    url = authorize_url("ck", "https://example.com/cb/", "st", verifier=None)
    assert "code_challenge" not in url and "scope=user.info.basic,user.info.profile" in url


def test_state_mismatch_is_refused_before_the_code_is_exchanged(
    fake: FakeTikTok, token_path: Path, redirect_uri: str
) -> None:
    # the redirect carries a genuine code, but for another consent request (CSRF / stale tab)
    browser = Browser(rewrite=lambda url: with_query(url, state="forged-state"))
    with pytest.raises(ConsentError, match="state does not match"):
        consent(fake, token_path, redirect_uri, browser)
    assert fake.token_requests() == []
    assert_nothing_saved(token_path)


def test_denied_consent_names_access_denied_and_saves_nothing(
    fake: FakeTikTok, token_path: Path, redirect_uri: str
) -> None:
    fake.api.deny_consent = True
    browser = Browser()
    with pytest.raises(ConsentError, match="access_denied"):
        consent(fake, token_path, redirect_uri, browser)
    assert "not completed" in browser.page()
    assert fake.token_requests() == []
    assert_nothing_saved(token_path)


def test_no_callback_times_out_and_frees_the_port(fake: FakeTikTok, token_path: Path, redirect_uri: str) -> None:
    shown: list[str] = []
    with pytest.raises(ConsentError, match="no callback within"):
        consent(fake, token_path, redirect_uri, shown.append, timeout_s=0.2)
    assert len(shown) == 1 and shown[0].startswith(fake.authorize_base + "?")
    assert_nothing_saved(token_path)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", urlsplit(redirect_uri).port))


def test_partially_granted_scopes_save_tokens_and_name_what_is_missing(
    fake: FakeTikTok, token_path: Path, redirect_uri: str
) -> None:
    fake.api.consent_scopes = ("user.info.basic", "video.list")
    with pytest.raises(ConsentError) as excinfo:
        consent(fake, token_path, redirect_uri, Browser())
    message = str(excinfo.value)
    assert "user.info.profile" in message and "user.info.stats" in message
    assert "video.list" not in message
    saved = FileTokenStore(token_path).load()
    assert saved is not None and saved.scope == ("user.info.basic", "video.list")


def test_wrong_client_secret_fails_the_exchange_naming_the_env_vars(
    fake: FakeTikTok, token_path: Path, redirect_uri: str
) -> None:
    with pytest.raises(ConsentError) as excinfo:
        consent(fake, token_path, redirect_uri, Browser(), client_secret="wrong-secret-value")
    assert "TIKTOK_CLIENT_KEY" in str(excinfo.value) and "TIKTOK_CLIENT_SECRET" in str(excinfo.value)
    assert "wrong-secret-value" not in str(excinfo.value)
    assert_nothing_saved(token_path)


def test_busy_callback_port_is_a_clear_error(fake: FakeTikTok, token_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConsentError, match=f"cannot listen on 127.0.0.1:{port}"):
            consent(fake, token_path, f"http://127.0.0.1:{port}/callback/", Browser())


# --- tiktok-pipelines auth ---------------------------------------------------------------------


class Terminal(io.TextIOBase):
    """A thread-safe stdout that notices the authorize URL as soon as the CLI prints it."""

    URL = re.compile(r"(http://\S+/v2/auth/authorize/\?\S+)\s")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._text = ""
        self.url: str | None = None
        self.url_printed = threading.Event()

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        with self._lock:
            self._text += s
            match = self.URL.search(self._text)
            if match and not self.url_printed.is_set():
                self.url = match.group(1)
                self.url_printed.set()
        return len(s)

    def getvalue(self) -> str:
        with self._lock:
            return self._text


@pytest.fixture
def auth_env(fake: FakeTikTok, monkeypatch: pytest.MonkeyPatch, redirect_uri: str) -> FakeTikTok:
    monkeypatch.setenv("TIKTOK_CLIENT_KEY", fake.api.client_key)
    monkeypatch.setenv("TIKTOK_CLIENT_SECRET", fake.api.client_secret)
    monkeypatch.setenv("TIKTOK_REDIRECT_URI", redirect_uri)
    monkeypatch.setenv("TIKTOK_API_BASE_URL", fake.base_url)
    monkeypatch.setenv("TIKTOK_AUTHORIZE_URL", fake.authorize_base)
    return fake


def run_auth_cli() -> tuple[int, str, str, list]:
    """`tiktok-pipelines auth --no-browser` with a person who opens the printed URL."""
    out, err = Terminal(), Terminal()
    results: list = []

    def person() -> None:
        if out.url_printed.wait(10) and out.url:
            follow_in_thread(out.url, results).join(10)

    watcher = threading.Thread(target=person, daemon=True)
    watcher.start()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["auth", "--no-browser", "--timeout", "20"])
    out.url_printed.set()  # release the watcher if the CLI never printed a URL
    watcher.join(10)
    return code, out.getvalue(), err.getvalue(), results


def test_cli_auth_connects_the_account_without_printing_secrets(auth_env: FakeTikTok) -> None:
    fake = auth_env
    code, out, err, results = run_auth_cli()

    assert code == 0, err
    assert fake.api.account.display_name in out
    assert fake.api.account.open_id in out
    tokens = FileTokenStore(Path(os.environ["TIKTOK_TOKEN_FILE"])).load()
    assert tokens is not None
    for text in (out, err):
        assert not TOKEN_TEXT.search(text)
        assert tokens.access_token not in text and tokens.refresh_token not in text
        assert fake.api.client_secret not in text
    assert results and results[0].status_code == 200


def test_cli_auth_reports_a_denied_consent(auth_env: FakeTikTok) -> None:
    auth_env.api.deny_consent = True
    code, out, err, _ = run_auth_cli()
    assert code == 1
    assert "access_denied" in err
    assert "Connected" not in out
    assert FileTokenStore(Path(os.environ["TIKTOK_TOKEN_FILE"])).load() is None


@pytest.mark.parametrize(
    "unset",
    [
        pytest.param(("TIKTOK_CLIENT_KEY",), id="no-client-key"),
        pytest.param(("TIKTOK_CLIENT_SECRET",), id="no-client-secret"),
        pytest.param(("TIKTOK_REDIRECT_URI",), id="no-redirect-uri"),
        pytest.param(("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_REDIRECT_URI"), id="none-set"),
    ],
)
def test_cli_auth_without_configuration_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], unset: tuple[str, ...]
) -> None:
    for name in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_REDIRECT_URI"):
        monkeypatch.setenv(name, f"value-of-{name}")
    for name in unset:
        monkeypatch.delenv(name)
    assert cli.main(["auth", "--no-browser", "--timeout", "1"]) == 2
    captured = capsys.readouterr()
    for name in ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET", "TIKTOK_REDIRECT_URI"):
        assert (name in captured.err) == (name in unset)
    assert "http" not in captured.out  # gave up before printing any authorize URL
