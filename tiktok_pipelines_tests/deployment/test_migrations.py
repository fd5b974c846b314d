"""Schema changes go through Alembic: the revisions' head is exactly `metadata`, a populated database
at an older revision (or made by `create_all` before migrations existed) is upgraded in place with
nothing lost, and concurrent first calls from several processes cannot break the schema. Every test
runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection, Engine

from tiktok_pipelines.lib.warehouse import migrate, schema
from tiktok_pipelines.lib.warehouse.engine import Warehouse, make_engine, upsert
from tiktok_pipelines.lib.warehouse.migrate import (
    BASELINE_TABLES,
    SchemaVersionError,
    baseline_revision,
    current_revision,
    head_revision,
    migration_lock,
    revisions,
    schema_differences,
    upgrade,
)
from tiktok_pipelines.lib.warehouse.schema import metadata

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)


def _upgrade(engine: Engine, revision: str, **kw: Any) -> None:
    with migration_lock(engine) as conn:
        upgrade(conn, revision, **kw)


def _reflect(engine: Engine) -> dict[str, dict[str, Any]]:
    """Everything the database says about the warehouse's tables, comparable across two databases."""
    insp = inspect(engine)
    out = {}
    for name in sorted(set(insp.get_table_names()) - {migrate.VERSION_TABLE}):
        out[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"], str(c.get("default")).split("_seq")[-1])
                        for c in insp.get_columns(name)],
            "pk": (insp.get_pk_constraint(name)["name"], insp.get_pk_constraint(name)["constrained_columns"]),
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]), str(i.get("dialect_options")))
                              for i in insp.get_indexes(name)),
            "checks": sorted((c["name"], " ".join(c["sqltext"].split())) for c in insp.get_check_constraints(name)),
            "uniques": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name)),
        }
    return out


# --- rows in the tables revision 0001 made ----------------------------------------------------------


def _populate_0001(conn: Connection) -> None:
    upsert(conn, schema.accounts, [{"account_id": "acc-1", "username": "glow", "display_name": "Glow", "bio_description": None,
                                    "is_verified": True, "source": "display_api", "is_demo": False, "updated_at": T0}])
    upsert(conn, schema.videos, [
        {"video_id": f"73000000000000000{i}", "account_id": "acc-1", "source": "display_api", "is_demo": False,
         "create_time": T0 - timedelta(days=i), "title": f"tip {i}", "caption": f"tip {i} #hair", "hashtags": ["hair", f"t{i}"],
         "duration_s": 20 + i, "width": 720, "height": 1280, "share_url": None, "embed_link": None, "cover_image_url": None,
         "cover_url_fetched_at": None, "first_seen_at": T0, "last_seen_at": T0, "is_available": True}
        for i in range(3)])
    upsert(conn, schema.video_snapshots, [
        {"video_id": "730000000000000000", "collected_at": T0 + timedelta(hours=h), "views": 100 * h, "likes": 10 * h,
         "comments": h, "shares": h, "saves": None, "source": "display_api"} for h in range(1, 4)], update=False)
    upsert(conn, schema.cohorts, [{"cohort_id": "public-2025-01-06", "program": "public", "kind": "public",
                                   "source": "research_api", "is_demo": False, "started_at": T0, "selected_at": T0,
                                   "tolerance_s": 900, "query": {"region_code": ["US"]}, "size_requested": 100,
                                   "freshness_min_h": 0.0, "freshness_max_h": 2.0, "performance_mix": None,
                                   "mix_achieved": None, "candidates_seen": 250, "member_count": 100, "status": "open",
                                   "notes": None}])
    upsert(conn, schema.media_assets, [{"video_id": "730000000000000000", "status": "stored", "source_kind": "file",
                                        "storage_key": "videos/730000000000000000/source.mp4", "storage_uri": None,
                                        "sha256": "ab" * 32, "fingerprint": "10:1", "size_bytes": 1234, "container": "mp4",
                                        "duration_s": 21.5, "width": 720, "height": 1280, "fps": 30.0, "video_codec": "h264",
                                        "audio_codec": "aac", "has_audio": True, "probe": {"streams": 2}, "error": None,
                                        "stored_at": T0, "pruned_at": None}])
    upsert(conn, schema.video_keyframes, [{"video_id": "730000000000000000", "extractor": "ffmpeg", "extractor_version": "decode-1",
                                           "status": "ok", "source_sha256": "ab" * 32, "keyframe_count": 9,
                                           "hook_strip_key": "videos/7300/hook_strip.jpg", "thumbnail_key": None, "analysed_s": 21.5,
                                           "payload": {"keyframes": [{"label": "t0", "t": 0.0}]}, "note": None, "seconds": 1.5,
                                           "extracted_at": T0}])


POPULATED = ("accounts", "videos", "video_snapshots", "cohorts", "media_assets", "video_keyframes")


def _rows(engine: Engine, names: tuple[str, ...] = POPULATED) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {n: [dict(r) for r in conn.execute(select(metadata.tables[n]).order_by(*metadata.tables[n].primary_key.columns)).mappings()]
                for n in names}


# --- the revisions are the schema ---------------------------------------------------------------------


def test_head_of_the_migrations_is_exactly_the_metadata(warehouse_url: str) -> None:
    """A schema change without a revision fails here: autogenerate finds the difference."""
    engine = make_engine(warehouse_url)
    _upgrade(engine, "head")
    with engine.connect() as conn:
        assert schema_differences(conn) == []
    assert current_revision(engine) == head_revision()


def test_an_empty_database_takes_the_fast_path_to_the_same_schema_the_revisions_build(
    two_warehouse_urls: tuple[str, str],
) -> None:
    fast, replayed = (make_engine(u) for u in two_warehouse_urls)
    assert Warehouse(two_warehouse_urls[0]).ensure_schema() == "created"
    _upgrade(replayed, "head")
    assert current_revision(fast) == current_revision(replayed) == head_revision()
    # Columns, types, nullability, keys, indexes (GIN on PostgreSQL) and every named CHECK.
    assert _reflect(fast) == _reflect(replayed)
    assert Warehouse(two_warehouse_urls[0]).ensure_schema() == "current"


def test_baseline_tables_name_what_each_revision_created(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    seen: set[str] = set()
    assert revisions()[: len(BASELINE_TABLES)] == sorted(BASELINE_TABLES)
    for rev in sorted(BASELINE_TABLES):
        _upgrade(engine, rev)
        now = set(inspect(engine).get_table_names()) - {migrate.VERSION_TABLE}
        assert now - seen == BASELINE_TABLES[rev], rev
        seen = now


def test_every_revision_can_be_undone(sqlite_url: str) -> None:
    from alembic import command

    engine = make_engine(sqlite_url)
    _upgrade(engine, "head")
    with migration_lock(engine) as conn:
        command.downgrade(migrate.alembic_config(connection=conn), "base")
    assert set(inspect(engine).get_table_names()) == {migrate.VERSION_TABLE}
    assert current_revision(engine) is None


def test_a_schema_change_without_a_revision_is_a_difference(sqlite_url: str) -> None:
    """The guard above can fail: a column the revisions never added is reported."""
    engine = make_engine(sqlite_url)
    _upgrade(engine, "head")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE videos ADD COLUMN stray INTEGER"))
    with engine.connect() as conn:
        diffs = schema_differences(conn)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("remove_column", "videos", "stray")]


# --- upgrades in place --------------------------------------------------------------------------------


def test_a_populated_database_at_revision_0001_is_upgraded_to_head_losing_nothing(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    _upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert not inspect(engine).has_table("video_ai_analysis")
    with engine.begin() as conn:
        _populate_0001(conn)
    before = _rows(engine)
    assert sum(len(v) for v in before.values()) == 10

    assert Warehouse(warehouse_url).ensure_schema() == "upgraded"

    assert current_revision(engine) == head_revision()
    assert _rows(engine) == before
    with engine.connect() as conn:
        assert schema_differences(conn) == []
    # The new tables work next to the old rows.
    with engine.begin() as conn:
        upsert(conn, schema.video_ai_analysis, [{"video_id": "730000000000000000", "status": "pending", "updated_at": T0}])
        upsert(conn, schema.video_covers, [{"video_id": "730000000000000000", "status": "no_source", "fetched_at": T0}])
    assert Warehouse(warehouse_url).count(schema.video_ai_analysis) == 1


def test_a_pre_migration_database_is_stamped_at_the_revision_it_matches_and_upgraded(warehouse_url: str) -> None:
    """An issue-5 build made these tables with create_all and knew nothing of Alembic."""
    engine = make_engine(warehouse_url)
    issue_5 = [metadata.tables[n] for n in sorted(BASELINE_TABLES["0001"] | BASELINE_TABLES["0002"])]
    metadata.create_all(engine, tables=issue_5)
    with engine.begin() as conn:
        _populate_0001(conn)
        upsert(conn, schema.video_ai_analysis, [{"video_id": "730000000000000000", "status": "done", "overall": 88,
                                                 "band": "pass", "hook": 9, "updated_at": T0}])
    before = _rows(engine, (*POPULATED, "video_ai_analysis"))
    assert current_revision(engine) is None
    assert baseline_revision(set(inspect(engine).get_table_names())) == "0002"

    assert Warehouse(warehouse_url).ensure_schema() == "adopted"

    assert current_revision(engine) == head_revision()
    assert _rows(engine, (*POPULATED, "video_ai_analysis")) == before
    with engine.connect() as conn:
        assert schema_differences(conn) == []
    assert Warehouse(warehouse_url).ensure_schema() == "current"


def test_a_development_build_with_part_of_a_revision_keeps_the_tables_it_has(warehouse_url: str) -> None:
    """A build from the middle of issue 6 had video_covers but not the tables added after it."""
    engine = make_engine(warehouse_url)
    partial = sorted(BASELINE_TABLES["0001"] | BASELINE_TABLES["0002"] | {"video_covers"})
    metadata.create_all(engine, tables=[metadata.tables[n] for n in partial])
    with engine.begin() as conn:
        upsert(conn, schema.video_covers, [{"video_id": "v1", "status": "cached", "storage_key": "covers/v1.jpg", "fetched_at": T0}])
    assert baseline_revision(set(inspect(engine).get_table_names())) == "0002"

    assert Warehouse(warehouse_url).ensure_schema() == "adopted"

    assert Warehouse(warehouse_url).count(schema.video_covers) == 1
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert schema_differences(conn) == []


def test_a_failed_upgrade_leaves_the_database_at_the_revision_it_started_from(warehouse_url: str) -> None:
    """DDL is transactional on both backends: no half-applied revision."""
    engine = make_engine(warehouse_url)
    _upgrade(engine, "0002")
    with engine.begin() as conn:  # something in the way of revision 0003's last table
        conn.execute(text("CREATE TABLE video_archetypes (x INTEGER)"))
    with pytest.raises(Exception, match="video_archetypes"):
        Warehouse(warehouse_url).ensure_schema()
    assert current_revision(engine) == "0002"
    assert not inspect(engine).has_table("video_covers")  # 0003's first table was rolled back too


def test_a_database_from_a_newer_release_is_refused_untouched(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    _upgrade(engine, "head")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaVersionError, match="'9999'.*newer release"):
        Warehouse(warehouse_url).ensure_schema()
    assert current_revision(engine) == "9999"


# --- several processes at once -----------------------------------------------------------------------

# Each process imports, says it is ready, and waits for the word to go: they all start together.
_RACER = """
import sys
from tiktok_pipelines.lib.warehouse import Warehouse
wh = Warehouse(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print(wh.ensure_schema())
"""


@pytest.mark.parametrize("start", ["empty", "0001"])
def test_concurrent_first_calls_from_several_processes_agree(warehouse_url: str, start: str) -> None:
    engine = make_engine(warehouse_url)
    if start == "0001":
        _upgrade(engine, "0001")
        with engine.begin() as conn:
            _populate_0001(conn)
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, warehouse_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready", p.stderr.read() if p.stderr else ""
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in results]
    outcomes = sorted(out.strip() for out, _ in results)
    did = "created" if start == "empty" else "upgraded"
    assert outcomes == sorted([did, "current"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert schema_differences(conn) == []
    if start == "0001":
        assert len(_rows(engine)["videos"]) == 3


# --- the command line ---------------------------------------------------------------------------------


def test_db_commands_show_and_apply_the_migrations(sqlite_url: str, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from tiktok_pipelines.cli import main

    monkeypatch.setenv("TIKTOK_WAREHOUSE_URL", sqlite_url)
    assert main(["db", "current"]) == 0
    assert f"at none, head {head_revision()} (behind" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith(f"warehouse schema created: none -> {head_revision()}")
    assert main(["db", "upgrade"]) == 0
    assert "warehouse schema current" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert "(up to date)" in capsys.readouterr().out
