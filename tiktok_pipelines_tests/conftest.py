"""Shared fixtures.

- `isolated_env` (autouse): no test sees the developer's TikTok/Dagster environment or writes outside
  its own tmp dir.
- `sqlite_url`, `postgres_url`: a fresh, empty warehouse database per test. `postgres_url` needs the
  session-wide `postgres_server` (a throwaway cluster, see `pg.py`), which starts only when a test
  asks for it.
- `warehouse_url`: runs a test once per backend (ids "sqlite" and "postgres"; the postgres run carries
  the `postgres` mark, so `-m "not postgres"` skips the cluster entirely).

Add new fixtures below, each with a docstring.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tiktok_pipelines.demo.public_feed import PublicFeed
from tiktok_pipelines.demo.world import DEMO_NOW
from tiktok_pipelines.lib.clock import FrozenClock
from tiktok_pipelines_tests.pg import ThrowawayPostgres

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Demo source, data dir and token file under tmp_path; no live credentials, warehouse URL or
    DAGSTER_HOME leaking in from the shell. Returns the data dir."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("TIKTOK_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TIKTOK_SOURCE", "demo")
    monkeypatch.setenv("TIKTOK_TOKEN_FILE", str(tmp_path / "secrets" / "tokens.json"))
    for name in (
        "TIKTOK_WAREHOUSE_URL",
        "TIKTOK_API_BASE_URL",
        "TIKTOK_CLIENT_KEY",
        "TIKTOK_CLIENT_SECRET",
        "TIKTOK_DEMO_VIDEOS",
        "TIKTOK_RESEARCH_CLIENT_KEY",
        "TIKTOK_RESEARCH_CLIENT_SECRET",
        "TIKTOK_COHORT_PROGRAMS",
        "TIKTOK_OWN_COHORTS",
        "TIKTOK_WAREHOUSE_AUTO_MIGRATE",
        "TIKTOK_DASHBOARD_DIR",
        "TIKTOK_DAGSTER_URL",
        "TIKTOK_OCR_ENGINE",
        "TIKTOK_PAGE_JSON",
        "TIKTOK_DROP_FOLDER",
        "TIKTOK_DROP_S3",
        "TIKTOK_DROP_SETTLE_SECONDS",
        "TIKTOK_MEDIA_STORE",
        "TIKTOK_S3_ENDPOINT_URL",
        "TIKTOK_MEDIA_RETENTION_DAYS",
        "TIKTOK_MEDIA_MAX_SECONDS",
        "TIKTOK_MEDIA_RUNS_PER_TICK",
        "TIKTOK_MEDIA_MAX_MB",
        "TIKTOK_MEDIA_ALLOW_PRIVATE_URLS",
        "TIKTOK_MEDIA_CA_BUNDLE",
        "TIKTOK_MEDIA_YTDLP",
        "TIKTOK_ASR_BACKEND",
        "TIKTOK_ASR_MODEL",
        "TIKTOK_OPENAI_BASE_URL",
        "TIKTOK_CLIP_MODEL",
        "TIKTOK_CLIP_CHECKPOINT",
        "TIKTOK_CLIP_MODEL_CONFIG",
        "TIKTOK_BRAND_PROFILE",
        "TIKTOK_SCORING_WEIGHTS",
        "TIKTOK_LLM_MODEL",
        "TIKTOK_LLM_BASE_URL",
        "TIKTOK_LLM_API_KEY",
        "TIKTOK_LLM_ENABLED",
        "TIKTOK_LLM_TIMEOUT_S",
        "TIKTOK_LLM_MAX_CHARS",
        "TIKTOK_LLM_PRICE_PROMPT_PER_1M",
        "TIKTOK_LLM_PRICE_COMPLETION_PER_1M",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "DAGSTER_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    return data_dir


@pytest.fixture(autouse=True)
def dagster_defs_state_storage_reset() -> Iterator[None]:
    """Dagster 1.13's `DagsterInstance.__enter__` sets a context variable (the current defs-state
    storage) that its `__exit__` never resets; after `instance_for_test()` closes, the next
    `defs()` load fails with "undefined DagsterInstance weakref". Restore it around every test."""
    from dagster._core.storage.defs_state.base import set_defs_state_storage

    with set_defs_state_storage(None):
        yield


@pytest.fixture(scope="module")
def feed() -> PublicFeed:
    """The synthetic public feed (300 videos) behind the fake Research API and public pages."""
    return PublicFeed()


@pytest.fixture
def clock() -> FrozenClock:
    """A simulated clock frozen at the demo's "now"; tests move it."""
    return FrozenClock(DEMO_NOW)


def _forget_engine(url: str) -> None:
    """Dispose the engine `make_engine` cached for url, closing its pooled connections (otherwise
    every test's database keeps connections open for the whole session)."""
    from tiktok_pipelines.lib.warehouse.engine import dispose_engine

    dispose_engine(url)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """One throwaway PostgreSQL cluster for the whole session (fails clearly if not installed)."""
    with ThrowawayPostgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: ThrowawayPostgres) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty PostgreSQL database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex}"
    url = postgres_server.create_database(name)
    yield url
    _forget_engine(url)
    postgres_server.drop_database(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a fresh SQLite file under tmp_path."""
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    yield url
    _forget_engine(url)


@pytest.fixture(params=BACKENDS)
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """A fresh warehouse URL, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")
