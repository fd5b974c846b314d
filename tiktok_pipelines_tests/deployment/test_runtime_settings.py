"""Settings the production deployment relies on at run time."""

from __future__ import annotations

import json

import pytest

from tiktok_pipelines.lib.warehouse.engine import dispose_engine, make_engine


def test_a_bare_postgresql_url_uses_the_installed_psycopg2_driver() -> None:
    # SQLAlchemy 2.1 reads postgresql:// as psycopg 3, which the project does not install.
    url = "postgresql://tiktok@db.invalid:5432/warehouse"
    try:
        assert make_engine(url).dialect.driver == "psycopg2"
    finally:
        dispose_engine(url)


def test_extraction_runs_carry_the_gpu_run_config_only_when_kubernetes_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from tiktok_pipelines.defs.media.jobs import _k8s_run_tags

    monkeypatch.delenv("TIKTOK_K8S_GPU_RUN_CONFIG", raising=False)
    assert _k8s_run_tags() == {}
    config = {"container_config": {"resources": {"limits": {"nvidia.com/gpu": 1}}}}
    monkeypatch.setenv("TIKTOK_K8S_GPU_RUN_CONFIG", json.dumps(config))
    assert json.loads(_k8s_run_tags()["dagster-k8s/config"]) == config


def test_with_auto_migration_off_a_run_refuses_an_old_warehouse_and_changes_nothing(sqlite_url: str) -> None:
    import sqlalchemy as sa

    from tiktok_pipelines.defs.resources import WarehouseResource
    from tiktok_pipelines.lib.warehouse import Warehouse
    from tiktok_pipelines.lib.warehouse.migrate import SchemaVersionError, current_revision, head_revision, upgrade

    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        upgrade(conn, "0001")
    with pytest.raises(SchemaVersionError, match=r"revision 0001 .*tiktok-pipelines db upgrade"):
        WarehouseResource(url=sqlite_url, auto_migrate=False).get()
    assert current_revision(engine) == "0001"
    Warehouse(sqlite_url).ensure_schema()  # what the init step does
    assert WarehouseResource(url=sqlite_url, auto_migrate=False).get().dialect == "sqlite"
    assert current_revision(engine) == head_revision()
