"""Fixtures for the deployment tests (production instance config, migrations)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tiktok_pipelines_tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def two_warehouse_urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh, empty warehouse databases on one backend (ids "sqlite" and "postgres")."""
    from tiktok_pipelines.lib.warehouse.engine import dispose_engine

    if request.param == "sqlite":
        urls = (f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}")
        names: list[str] = []
    else:
        server = request.getfixturevalue("postgres_server")
        names = [f"t_{uuid.uuid4().hex}" for _ in range(2)]
        urls = tuple(server.create_database(n) for n in names)  # type: ignore[assignment]
    yield urls
    for url in urls:
        dispose_engine(url)
    for name in names:
        request.getfixturevalue("postgres_server").drop_database(name)
