"""Schema changes applied in place, with Alembic (revisions in `migrations/versions/`).

`upgrade_to_head(engine)` is what `Warehouse.ensure_schema()` calls. It recognises four states:

- **current**: `alembic_version` holds the head revision. One cheap read, no lock: the path of every
  call after the first.
- **empty** (none of the warehouse's tables): `metadata.create_all` and a stamp at head, the Alembic
  cookbook's "create from scratch" recipe. Replaying every revision would give the same schema (a
  test proves it) but costs far more, and fresh databases are made all the time (tests, demos).
- **behind**: an older revision is upgraded in place, one revision after another.
- **pre-migration**: tables made by `create_all` before migrations existed, no `alembic_version`.
  The database is stamped at the newest revision whose tables are all there, then upgraded; tables a
  later revision creates that `create_all` already made (a development build) are adopted as they
  are, the way `create_all` treated them.

Every change happens in one transaction behind a lock, so two processes starting at once (the
webserver, the daemon and a run, say) cannot both create the schema: a PostgreSQL advisory lock
(held until commit), or SQLite's write lock (`BEGIN IMMEDIATE`, waiting on `busy_timeout`). The
second process finds the work done and returns. DDL is transactional on both backends: a failed
upgrade leaves the database at the revision it started from.

A database at a revision this code does not know (written by a newer release) is refused with an
error rather than touched.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import SchemaItem

from tiktok_pipelines.lib.warehouse.schema import metadata

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
# pg_advisory_xact_lock key: any constant shared by every process of this project ("tiktokwh" in hex).
PG_LOCK_KEY = 0x74696B746F6B7768

# Tables each revision created, for recognising a database that `create_all` made before migrations
# existed. Frozen history: a database touched by any later release already has `alembic_version`, so
# revisions after 0003 never need an entry here. A test checks this against the revisions themselves.
BASELINE_TABLES: dict[str, frozenset[str]] = {
    "0001": frozenset({
        "accounts", "account_snapshots", "videos", "video_snapshots", "video_kpis", "hashtag_performance",
        "account_kpi_summary", "api_failures", "cohorts", "cohort_members", "cohort_tasks", "cohort_observations",
        "creators", "creator_snapshots", "video_comments", "cohort_timeseries", "sound_trends", "api_quota_usage",
        "media_sources", "media_assets", "video_keyframes", "video_scene_cuts", "video_transcripts",
        "video_onscreen_text", "video_audio_features", "video_visual_tags", "video_caption_analysis",
    }),
    "0002": frozenset({"video_creative_scores", "video_critiques", "video_ai_analysis"}),
    "0003": frozenset({"video_covers", "insight_correlations", "creative_archetypes", "video_archetypes"}),
}

log = logging.getLogger(__name__)

Outcome = Literal["current", "created", "upgraded", "adopted"]


class SchemaVersionError(RuntimeError):
    """The warehouse is at a revision this code cannot handle (newer than the code, or branched)."""


def alembic_config(**attributes: Any) -> Config:
    """Alembic's configuration, built in code (no alembic.ini needed to migrate); `attributes` reach
    env.py (the shared connection, the adoption flag)."""
    cfg = Config(attributes=attributes)
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    heads = script_directory().get_heads()
    if len(heads) != 1:  # two revisions with the same parent: someone must merge them
        raise SchemaVersionError(f"the migrations have {len(heads)} heads {sorted(heads)}; merge them into one")
    return heads[0]


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    return [r.revision for r in reversed(list(script_directory().walk_revisions()))]


def current_revision(connectable: Engine | Connection) -> str | None:
    """The revision stamped in the database, or None when it has no `alembic_version` (empty, or
    made before migrations existed)."""
    if isinstance(connectable, Engine):
        with connectable.connect() as conn:
            return current_revision(conn)
    heads = MigrationContext.configure(connectable).get_current_heads()
    if len(heads) > 1:
        raise SchemaVersionError(f"the warehouse has {len(heads)} schema heads {sorted(heads)}")
    return heads[0] if heads else None


def baseline_revision(table_names: set[str]) -> str | None:
    """The newest revision whose tables (and all earlier revisions' tables) are all in `table_names`:
    what a pre-migration database is stamped at before it is upgraded. None: not even 0001's."""
    matched, needed = None, set()
    for rev in revisions():
        needed |= BASELINE_TABLES.get(rev, frozenset())
        if rev not in BASELINE_TABLES or not needed <= table_names:
            break
        matched = rev
    return matched


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that no other process can be migrating at the same time;
    committed when the block ends, rolled back if it raises."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        elif conn.dialect.name == "sqlite":
            # pysqlite does not begin transactions for DDL; this one takes the write lock up front.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:  # pragma: no cover - make_engine accepts only these two
            raise ValueError(f"unsupported dialect {conn.dialect.name}")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def upgrade(conn: Connection, revision: str = "head", *, adopt_existing_tables: bool = False) -> None:
    """Run the revisions up to `revision` on a connection already in a transaction (see
    `migration_lock`); the caller commits."""
    command.upgrade(alembic_config(connection=conn, adopt_existing_tables=adopt_existing_tables), revision)


def stamp(conn: Connection, revision: str) -> None:
    """Record `revision` as the database's schema version without running anything."""
    MigrationContext.configure(conn).stamp(script_directory(), revision)


def upgrade_to_head(engine: Engine) -> Outcome:
    """Bring the warehouse schema to the head revision, whatever state it is in (see module doc).
    Returns what was done; safe to call from any number of processes at once."""
    head = head_revision()
    if current_revision(engine) == head:
        return "current"
    with migration_lock(engine) as conn:
        current = current_revision(conn)  # again, under the lock: another process may have done it
        if current == head:
            return "current"
        if current is not None:
            if current not in set(revisions()):
                raise SchemaVersionError(
                    f"the warehouse schema is at revision {current!r}, which this release does not know "
                    f"(its newest is {head!r}): it was upgraded by a newer release; run that release")
            upgrade(conn, head)
            log.info("warehouse schema upgraded from %s to %s", current, head)
            return "upgraded"
        ours = set(metadata.tables).union(*BASELINE_TABLES.values())
        present = set(inspect(conn).get_table_names()) & ours
        if not present:
            metadata.create_all(conn, checkfirst=False)
            stamp(conn, head)
            return "created"
        baseline = baseline_revision(present)
        if baseline is not None:
            stamp(conn, baseline)
        upgrade(conn, head, adopt_existing_tables=True)
        log.info("pre-migration warehouse stamped at %s and upgraded to %s", baseline or "(nothing)", head)
        return "adopted"


def include_object_for(dialect: str) -> Callable[..., bool]:
    """Autogenerate filter: an index declared for one dialect only (GIN on PostgreSQL) is not a
    difference on the others."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None) if type_ == "index" and not reflected else None
        return ddl_if is None or ddl_if.dialect in (None, dialect)

    return include_object


def schema_differences(conn: Connection) -> list[Any]:
    """What Alembic's autogenerate finds between the database and `metadata` (empty: they match).
    A schema change without a revision shows up here."""
    from alembic.autogenerate import compare_metadata

    opts = {"compare_type": True, "include_object": include_object_for(conn.dialect.name)}
    return list(compare_metadata(MigrationContext.configure(conn, opts=opts), metadata))


# --- helpers for revision scripts -------------------------------------------------------------------


@dataclass(frozen=True)
class IndexSpec:
    """An index created with its table; `only_on="postgresql"` for GIN indexes (SQLite has none)."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    only_on: str | None = None
    dialect_kw: tuple[tuple[str, Any], ...] = ()


def index(name: str, *columns: str, unique: bool = False, only_on: str | None = None, **dialect_kw: Any) -> IndexSpec:
    return IndexSpec(name, columns, unique, only_on, tuple(sorted(dialect_kw.items())))


def create_table(name: str, *elements: SchemaItem, indexes: tuple[IndexSpec, ...] = ()) -> None:
    """`op.create_table` plus its indexes. While adopting a pre-migration database, a table that
    `create_all` already made is left as it is (with its indexes), as `create_all` itself did."""
    from alembic import op

    context = op.get_context()
    if context.opts.get("adopt_existing_tables") and inspect(op.get_bind()).has_table(name):
        log.info("adopting existing table %s", name)
        return
    op.create_table(name, *elements)
    for ix in indexes:
        if ix.only_on in (None, context.dialect.name):
            op.create_index(ix.name, name, list(ix.columns), unique=ix.unique, **dict(ix.dialect_kw))
