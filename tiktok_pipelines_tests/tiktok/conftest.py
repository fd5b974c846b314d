"""Fixtures shared by the OAuth tests: one fake TikTok server per session, a fresh fake per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tiktok_pipelines.demo.server import RunningServer
from tiktok_pipelines_tests.tiktok import AppSwitch, FakeTikTok, fake_server, running_fake  # noqa: F401


@pytest.fixture
def fake(fake_server: tuple[AppSwitch, RunningServer]) -> Iterator[FakeTikTok]:
    with running_fake(fake_server) as running:
        yield running


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    return tmp_path / "secrets" / "tokens.json"
