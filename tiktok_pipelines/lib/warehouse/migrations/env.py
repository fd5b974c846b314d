"""Alembic environment for the warehouse.

Programmatic use (`tiktok_pipelines.lib.warehouse.migrate`) hands over a connection that is already in
a transaction and holds the migration lock (`config.attributes["connection"]`). The `alembic` command
line (see alembic.ini beside this file) connects to `sqlalchemy.url` or, when that is empty, to the
project's warehouse URL (TIKTOK_WAREHOUSE_URL, else the SQLite default) — through the same lock.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tiktok_pipelines.lib.warehouse.migrate import include_object_for
from tiktok_pipelines.lib.warehouse.schema import metadata

config = context.config
if config.config_file_name and not config.attributes.get("connection"):  # the alembic command line
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _configure(connection: Connection | None = None, *, dialect: str | None = None, **kw: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object_for(dialect or connection.dialect.name),  # type: ignore[union-attr]
        # SQLite can ALTER little: batch mode rebuilds a table when a revision changes one.
        render_as_batch=True,
        compare_type=True,
        adopt_existing_tables=config.attributes.get("adopt_existing_tables", False),
        **kw,
    )


def _url() -> str:
    from tiktok_pipelines.lib.settings import load_settings

    return config.get_main_option("sqlalchemy.url") or load_settings().warehouse_url


if context.is_offline_mode():
    # `alembic upgrade --sql`: the DDL as a script, for a DBA to review and run.
    from sqlalchemy.engine import make_url

    _configure(url=_url(), dialect=make_url(_url()).get_backend_name(), literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    _configure(shared)
    with context.begin_transaction():
        context.run_migrations()
else:
    from tiktok_pipelines.lib.warehouse.engine import make_engine
    from tiktok_pipelines.lib.warehouse.migrate import migration_lock

    with migration_lock(make_engine(_url())) as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
