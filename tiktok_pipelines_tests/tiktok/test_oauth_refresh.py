"""Access-token refresh and refresh-token rotation through `UserTokenProvider` + `DisplayApiClient`
against the fake TikTok server (which rotates refresh tokens and kills the old one, like TikTok).

The fake and our clients share one FrozenClock, so "two hours later" takes no time."""

from __future__ import annotations

import re
import threading
import traceback
from datetime import timedelta
from pathlib import Path

import pytest

from tiktok_pipelines.lib.tiktok.display import DisplayApiClient
from tiktok_pipelines.lib.tiktok.errors import ReconsentRequired, TikTokError
from tiktok_pipelines.lib.tiktok.http import RetryPolicy, TikTokHttp
from tiktok_pipelines.lib.tiktok.oauth import OAuthClient, UserTokenProvider
from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet
from tiktok_pipelines_tests.tiktok import (
    FakeTikTok,
)

USER_INFO_PATH = "/v2/user/info/"
TOKEN_TEXT = re.compile(r"\b(act|rft)\.[A-Za-z0-9_~-]{6,}")
MARGIN = timedelta(seconds=600)  # UserTokenProvider's default refresh_margin_s


@pytest.fixture
def consented(fake: FakeTikTok, token_path: Path) -> TokenSet:
    """The creator consented "just now": fresh tokens are in the token file."""
    return fake.store_fresh_tokens(token_path)


def provider_for(fake: FakeTikTok, token_path: Path, *, client_secret: str | None = None) -> UserTokenProvider:
    """What one process builds: its own HTTP client, OAuth client and view of the token file."""
    http = TikTokHttp(base_url=fake.base_url, timeout_s=5.0, retry=RetryPolicy(max_attempts=2), sleep=lambda s: None)
    oauth = OAuthClient(http, fake.api.client_key, client_secret or fake.api.client_secret, fake.clock)
    return UserTokenProvider(oauth, FileTokenStore(token_path), fake.clock)


def display_for(provider: UserTokenProvider) -> DisplayApiClient:
    return DisplayApiClient(provider.oauth.http, provider)


def refreshes(fake: FakeTikTok) -> list:
    return fake.token_requests("refresh_token")


def rejected_user_info_calls(fake: FakeTikTok) -> list:
    return [r for r in fake.api.requests if r.path == USER_INFO_PATH and r.error_code != "ok"]


# --- proactive refresh and rotation ------------------------------------------------------------


def test_a_token_about_to_expire_is_refreshed_before_the_call(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    # 5 minutes before expiry: TikTok would still accept it, but it is inside the refresh margin
    fake.clock.set(consented.expires_at - timedelta(minutes=5))

    user = display_for(provider).user_info(("open_id", "display_name"))

    assert user["display_name"] == fake.api.account.display_name
    assert provider.refreshes == 1
    assert [r.http_status for r in refreshes(fake)] == [200]
    assert rejected_user_info_calls(fake) == []  # refreshed ahead, not after a 401
    saved = FileTokenStore(token_path).load()
    assert saved is not None and saved.expires_at == fake.clock.now() + timedelta(hours=2)


def test_an_expired_token_is_refreshed_and_a_fresh_one_is_not(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    fake.clock.set(consented.expires_at - MARGIN - timedelta(minutes=1))
    assert provider.access_token() == consented.access_token
    assert refreshes(fake) == []

    fake.clock.set(consented.expires_at + timedelta(hours=3))  # long expired, at TikTok too
    user = display_for(provider).user_info(("open_id",))

    assert user["open_id"] == fake.api.account.open_id
    assert provider.refreshes == 1
    assert rejected_user_info_calls(fake) == []


def test_the_rotated_refresh_token_is_persisted_and_the_old_one_is_dead(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    file_before = token_path.read_bytes()
    fake.clock.set(consented.expires_at)

    new_access = provider.access_token()

    saved = FileTokenStore(token_path).load()
    assert saved is not None
    assert token_path.read_bytes() != file_before
    assert new_access == saved.access_token != consented.access_token
    assert saved.refresh_token != consented.refresh_token
    # TikTok rotates: the refresh token we held before is rejected from now on ...
    with pytest.raises(ReconsentRequired, match="invalid_grant"):
        fake.oauth().refresh(consented.refresh_token)
    # ... and the one on disk is the live one
    fake.clock.set(saved.expires_at)
    assert provider.access_token() != new_access
    assert [r.http_status for r in refreshes(fake)] == [200, 400, 200]


def test_a_token_tiktok_expired_early_is_refreshed_once_and_the_call_retried(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    fake.api.expire_access_tokens()  # locally still valid for two hours

    user = display_for(provider).user_info(("open_id",))

    assert user["open_id"] == fake.api.account.open_id
    assert provider.refreshes == 1
    assert [r.error_code for r in fake.api.requests if r.path == USER_INFO_PATH] == ["access_token_invalid", "ok"]


# --- re-consent --------------------------------------------------------------------------------


def assert_no_token_text(exc: BaseException, *secrets: str) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc)
    assert not TOKEN_TEXT.search(text), text
    for secret in secrets:
        assert secret not in text


def test_revoked_consent_asks_for_auth_without_leaking_tokens(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    file_before = token_path.read_bytes()
    fake.api.revoke_refresh_tokens()
    fake.api.expire_access_tokens()

    with pytest.raises(ReconsentRequired) as excinfo:
        display_for(provider).user_info(("open_id",))

    assert "tiktok-pipelines auth" in str(excinfo.value)
    assert excinfo.value.code == "invalid_grant"
    assert_no_token_text(excinfo.value, consented.access_token, consented.refresh_token, fake.api.client_secret)
    assert token_path.read_bytes() == file_before  # nothing overwritten by a failed refresh


def test_revoked_consent_is_also_detected_by_a_proactive_refresh(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    fake.api.revoke_refresh_tokens()
    fake.clock.set(consented.expires_at)

    with pytest.raises(ReconsentRequired, match="tiktok-pipelines auth") as excinfo:
        provider.access_token()
    assert_no_token_text(excinfo.value, consented.access_token, consented.refresh_token)


def test_an_expired_refresh_token_asks_for_auth_without_calling_tiktok(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    provider = provider_for(fake, token_path)
    fake.clock.set(consented.refresh_expires_at + timedelta(seconds=1))

    with pytest.raises(ReconsentRequired, match="tiktok-pipelines auth"):
        provider.access_token()
    assert refreshes(fake) == []


def test_no_stored_tokens_asks_for_auth(fake: FakeTikTok, token_path: Path) -> None:
    with pytest.raises(ReconsentRequired, match="tiktok-pipelines auth"):
        provider_for(fake, token_path).access_token()
    assert fake.api.requests == []


# --- two processes, one token file -------------------------------------------------------------


def test_a_second_process_picks_up_the_first_ones_rotation(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    first, second = provider_for(fake, token_path), provider_for(fake, token_path)
    fake.clock.set(consented.expires_at)
    stale = second.current()  # the second process read the file before the first one refreshed

    rotated_by_first = first.access_token()
    tokens_of_second = second.refresh(stale_access_token=stale.access_token)  # ... and reaches the refresh afterwards

    assert tokens_of_second.access_token == rotated_by_first
    assert tokens_of_second == FileTokenStore(token_path).load()
    assert (first.refreshes, second.refreshes) == (1, 0)
    assert [r.http_status for r in refreshes(fake)] == [200]  # one rotation, no invalid_grant
    assert display_for(second).user_info(("open_id",))["open_id"] == fake.api.account.open_id


def test_a_process_that_slept_through_a_rotation_refreshes_with_the_token_on_disk(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    first, second = provider_for(fake, token_path), provider_for(fake, token_path)
    fake.clock.set(consented.expires_at)
    stale = second.current()
    first.access_token()  # rotates; the refresh token `second` read is now dead
    fake.clock.set(fake.clock.now() + timedelta(hours=3))  # ... and the rotated access token expired too

    tokens_of_second = second.refresh(stale_access_token=stale.access_token)

    assert tokens_of_second == FileTokenStore(token_path).load()
    assert [r.http_status for r in refreshes(fake)] == [200, 200]  # never the dead token: no invalid_grant


def test_processes_refreshing_at_the_same_moment_rotate_once(
    fake: FakeTikTok, token_path: Path, consented: TokenSet
) -> None:
    n = 6
    providers = [provider_for(fake, token_path) for _ in range(n)]
    fake.clock.set(consented.expires_at)
    start = threading.Barrier(n)
    got: list[str] = []
    errors: list[BaseException] = []

    def worker(provider: UserTokenProvider) -> None:
        start.wait()
        try:
            got.append(provider.access_token())
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert errors == []
    saved = FileTokenStore(token_path).load()
    assert saved is not None and got == [saved.access_token] * n
    assert [r.http_status for r in refreshes(fake)] == [200]
    assert sum(p.refreshes for p in providers) == 1


# --- app credentials ---------------------------------------------------------------------------


def test_wrong_app_credentials_name_the_env_vars(fake: FakeTikTok, token_path: Path, consented: TokenSet) -> None:
    provider = provider_for(fake, token_path, client_secret="not-the-real-secret")
    file_before = token_path.read_bytes()
    fake.clock.set(consented.expires_at)

    with pytest.raises(TikTokError) as excinfo:
        provider.access_token()

    message = str(excinfo.value)
    assert "invalid_client" in message
    assert "TIKTOK_CLIENT_KEY" in message and "TIKTOK_CLIENT_SECRET" in message
    assert not isinstance(excinfo.value, ReconsentRequired)  # a config problem, not the creator's
    assert_no_token_text(excinfo.value, "not-the-real-secret", consented.refresh_token)
    assert token_path.read_bytes() == file_before
