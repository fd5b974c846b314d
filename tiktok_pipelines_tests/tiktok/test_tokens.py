"""The token file: owner-only, written atomically, loud and helpful when unreadable, and tokens
never visible in a repr."""

from __future__ import annotations

import dataclasses
import json
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tiktok_pipelines.lib.tiktok.tokens import FileTokenStore, TokenSet

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def token_set(n: int = 0) -> TokenSet:
    return TokenSet(
        access_token=f"act.access-token-number-{n:04d}-" + "a" * 40,
        refresh_token=f"rft.refresh-token-number-{n:04d}-" + "r" * 40,
        open_id="e2a60679-74dd-41f3-8d35-79545c04fc0e",
        scope=("user.info.basic", "video.list"),
        expires_at=NOW + timedelta(hours=2, seconds=n),
        refresh_expires_at=NOW + timedelta(days=180),
    )


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    return tmp_path / "secrets" / "tokens.json"


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "tokens.json")


def test_save_and_load_round_trip_owner_only(token_path: Path) -> None:
    store = FileTokenStore(token_path)
    assert store.load() is None  # nothing stored yet is not an error

    store.save(token_set(1))

    assert FileTokenStore(token_path).load() == token_set(1)
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_path.parent.stat().st_mode) == 0o700


def test_saving_over_a_world_readable_file_makes_it_owner_only(token_path: Path) -> None:
    token_path.parent.mkdir(mode=0o700)
    token_path.write_text("{}")
    token_path.chmod(0o644)

    FileTokenStore(token_path).save(token_set(2))

    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert FileTokenStore(token_path).load() == token_set(2)


def test_repeated_saves_leave_no_temp_files(token_path: Path) -> None:
    store = FileTokenStore(token_path)
    for n in range(5):
        store.save(token_set(n))
    assert temp_files(token_path.parent) == []
    assert store.load() == token_set(4)


def test_a_failed_save_keeps_the_previous_tokens_and_no_temp_file(token_path: Path) -> None:
    store = FileTokenStore(token_path)
    store.save(token_set(1))
    before = token_path.read_bytes()
    unserializable = dataclasses.replace(token_set(2), refresh_token=object())  # type: ignore[arg-type]

    with pytest.raises(TypeError):
        store.save(unserializable)  # json.dump fails half-way through writing

    assert token_path.read_bytes() == before
    assert temp_files(token_path.parent) == []


def test_concurrent_saves_and_loads_never_see_a_partial_file(token_path: Path) -> None:
    FileTokenStore(token_path).save(token_set(0))
    written = {token_set(n) for n in range(8 * 12)}
    written.add(token_set(0))
    errors: list[BaseException] = []
    stop = threading.Event()
    start = threading.Barrier(8 + 2)

    def writer(worker: int) -> None:
        store = FileTokenStore(token_path)  # one store per "component", like separate processes
        start.wait()
        for i in range(12):
            store.save(token_set(worker * 12 + i))

    def reader() -> None:
        store = FileTokenStore(token_path)
        start.wait()
        while not stop.is_set():
            try:
                assert store.load() in written
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                return

    writers = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join(10)
    stop.set()
    for thread in readers:
        thread.join(10)

    assert errors == []
    assert FileTokenStore(token_path).load() in written
    assert json.loads(token_path.read_text())["open_id"] == token_set().open_id
    assert temp_files(token_path.parent) == []
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"access_token": "act.half-written', id="truncated-json"),
        pytest.param(b"[]", id="a-list"),
        pytest.param(b"null", id="null"),
        pytest.param(b'{"access_token": "act.leaked-token-value", "refresh_token": "rft.leaked"}', id="missing-fields"),
        pytest.param(
            json.dumps({**token_set().to_json(), "expires_at": "next tuesday"}).encode(), id="bad-timestamp"
        ),
        pytest.param(b"\xff\xfe\x00\x81 not utf-8", id="binary-garbage"),
    ],
)
def test_an_unreadable_token_file_names_the_file_and_says_to_run_auth(token_path: Path, content: bytes) -> None:
    token_path.parent.mkdir(mode=0o700)
    token_path.write_bytes(content)

    with pytest.raises(ValueError) as excinfo:
        FileTokenStore(token_path).load()

    message = str(excinfo.value)
    assert str(token_path) in message
    assert "tiktok-pipelines auth" in message
    assert "act." not in message and "rft." not in message  # the file's content is never echoed


def test_repr_and_str_of_a_token_set_hide_the_tokens() -> None:
    tokens = token_set(7)
    for text in (repr(tokens), str(tokens), f"{tokens}", repr([tokens]), repr({"t": tokens}), "%r" % (tokens,)):
        assert tokens.access_token not in text
        assert tokens.refresh_token not in text
        assert "act." not in text and "rft." not in text
        assert tokens.open_id in text  # still useful for debugging


def test_a_malformed_token_response_does_not_echo_the_body() -> None:
    body = {"access_token": "act.secret-access-value", "refresh_token": "rft.secret-refresh-value"}  # no expires_in
    with pytest.raises(ValueError) as excinfo:
        TokenSet.from_response(body, NOW)
    assert "expires_in" in str(excinfo.value)
    assert "secret" not in str(excinfo.value)


def test_expiry_is_computed_from_the_response_and_checked_with_a_margin() -> None:
    body = {
        "access_token": "act.x",
        "refresh_token": "rft.y",
        "open_id": "o",
        "scope": "user.info.basic,video.list",
        "expires_in": 7200,
        "refresh_expires_in": 15552000,
        "token_type": "Bearer",
    }
    tokens = TokenSet.from_response(body, NOW)
    assert tokens.expires_at == NOW + timedelta(hours=2)
    assert tokens.refresh_expires_at == NOW + timedelta(days=180)
    assert tokens.scope == ("user.info.basic", "video.list")
    assert not tokens.expires_within(NOW + timedelta(minutes=109), 600)
    assert tokens.expires_within(NOW + timedelta(minutes=111), 600)
    assert TokenSet.from_json(json.loads(json.dumps(tokens.to_json()))) == tokens
