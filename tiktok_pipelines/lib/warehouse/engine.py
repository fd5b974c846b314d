"""Engine creation and idempotent writes for SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy import create_engine

from tiktok_pipelines.lib.warehouse.schema import metadata

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the UI and the dashboard read while a run writes; busy_timeout rides out short locks.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    """One engine per URL per process (engines own connection pools)."""
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite":
                if parsed.database and parsed.database != ":memory:":
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            elif parsed.get_backend_name() == "postgresql":
                # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which is not installed; psycopg2 is.
                if parsed.drivername == "postgresql":
                    parsed = parsed.set(drivername="postgresql+psycopg2")
                engine = create_engine(parsed, pool_pre_ping=True)
            else:
                raise ValueError(
                    f"warehouse URL must be sqlite:/// or postgresql://, got backend {parsed.get_backend_name()!r}"
                )
            _ENGINES[url] = engine
        return engine


def dispose_engine(url: str) -> None:
    """Close and forget the cached engine of a URL (tests dropping databases, long-lived workers)."""
    with _LOCK:
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def _dedupe(rows: Sequence[Mapping[str, Any]], keys: list[str], keep_last: bool) -> list[Mapping[str, Any]]:
    # PostgreSQL refuses to touch one row twice in a statement; SQLite silently keeps the last.
    # Decide it here so both backends behave the same.
    by_key: dict[tuple, Mapping[str, Any]] = {}
    for row in rows:
        k = tuple(row[c] for c in keys)
        if keep_last or k not in by_key:
            by_key[k] = row
    return list(by_key.values())


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    update: bool = True,
    update_columns: Iterable[str] | None = None,
) -> int:
    """Insert rows keyed by the table's primary key.

    update=True replaces the non-key columns of existing rows (dimension tables; within one batch
    the last row for a key wins); update=False keeps the first write (append-only facts such as
    snapshots), so re-running a step never duplicates or rewrites an observation.
    Rows go through executemany, so no statement outgrows a backend's bound-parameter limit.
    """
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect == "sqlite":
        insert_fn = sqlite.insert
    elif dialect == "postgresql":
        insert_fn = postgresql.insert
    else:  # pragma: no cover - guarded in make_engine
        raise ValueError(f"unsupported dialect {dialect}")
    keys = [c.name for c in table.primary_key.columns]
    cols = list(rows[0].keys())
    colset = set(cols)
    for i, row in enumerate(rows):
        if set(row.keys()) != colset:
            raise ValueError(f"upsert into {table.name}: row {i} has columns {sorted(row)} but row 0 has {sorted(cols)}")
    missing_keys = [k for k in keys if k not in colset]
    if missing_keys:
        raise ValueError(f"upsert into {table.name}: rows lack key columns {missing_keys}")
    unique = _dedupe(rows, keys, keep_last=update)
    stmt = insert_fn(table)
    targets = [c for c in (update_columns or cols) if c not in keys] if update else []
    if targets:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in targets})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, unique)
    return len(unique)


class Warehouse:
    """The warehouse behind one URL: schema creation and a transaction helper."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def ensure_schema(self) -> str:
        """Bring the schema to the newest migration (creating it in an empty database); returns
        what was done: current | created | upgraded | adopted (see `migrate.upgrade_to_head`)."""
        from tiktok_pipelines.lib.warehouse.migrate import upgrade_to_head

        return upgrade_to_head(self.engine)

    def require_current_schema(self) -> None:
        """Refuse to run against a warehouse that is not at this code's revision, without changing it
        (production: the init step or `tiktok-pipelines db upgrade` migrates, never a run)."""
        from tiktok_pipelines.lib.warehouse.migrate import SchemaVersionError, current_revision, head_revision

        have, want = current_revision(self.engine), head_revision()
        if have != want:
            raise SchemaVersionError(
                f"the warehouse is at schema revision {have or '(none)'} but this code needs {want}: "
                "run `tiktok-pipelines db upgrade` (the init step of docker compose / the Helm hook does it)"
            )

    def begin(self):  # noqa: ANN201 - SQLAlchemy context manager
        return self.engine.begin()

    def count(self, table: Table) -> int:
        from sqlalchemy import func

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def dump(self) -> dict[str, list[tuple]]:
        """Every table's rows in primary-key order: used to prove idempotency."""
        out: dict[str, list[tuple]] = {}
        with self.engine.connect() as conn:
            for table in metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
        return out
