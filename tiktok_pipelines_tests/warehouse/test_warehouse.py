"""The warehouse behaves the same on SQLite and PostgreSQL (every test runs on both via `warehouse_url`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Table, event, inspect, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import JSON

from tiktok_pipelines.lib.warehouse.engine import Warehouse, upsert
from tiktok_pipelines.lib.warehouse.schema import (
    account_kpi_summary,
    account_snapshots,
    accounts,
    api_failures,
    hashtag_performance,
    metadata,
    video_kpis,
    video_snapshots,
    videos,
)

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))

# Bound-parameter limits per statement: stock SQLite (SQLITE_MAX_VARIABLE_NUMBER since 3.32; some
# distributions compile a larger one, so tests lower the connection to this) and PostgreSQL's protocol.
PARAM_LIMIT = {"sqlite": 32766, "postgresql": 65535}


@pytest.fixture
def wh(warehouse_url: str) -> Warehouse:
    warehouse = Warehouse(warehouse_url)
    warehouse.ensure_schema()
    return warehouse


# --- row builders ---------------------------------------------------------------------------------


def account_row(account_id: str = "acc-1", **over: Any) -> dict[str, Any]:
    row = {
        "account_id": account_id,
        "username": "creator",
        "display_name": "Creator",
        "bio_description": "bio",
        "is_verified": False,
        "source": "demo",
        "is_demo": True,
        "updated_at": T0,
    }
    return {**row, **over}


def video_row(video_id: str = "7300000000000000001", **over: Any) -> dict[str, Any]:
    row = {
        "video_id": video_id,
        "account_id": "acc-1",
        "source": "demo",
        "is_demo": True,
        "create_time": T0 - timedelta(days=1),
        "title": "first title",
        "caption": "caption #fyp",
        "hashtags": ["fyp"],
        "duration_s": 15,
        "width": 1080,
        "height": 1920,
        "share_url": "https://example.invalid/v/1",
        "embed_link": None,
        "cover_image_url": None,
        "cover_url_fetched_at": None,
        "first_seen_at": T0,
        "last_seen_at": T0,
        "is_available": True,
    }
    return {**row, **over}


def snapshot_row(video_id: str = "7300000000000000001", collected_at: datetime = T0, **over: Any) -> dict[str, Any]:
    row = {
        "video_id": video_id,
        "collected_at": collected_at,
        "views": 100,
        "likes": 10,
        "comments": 2,
        "shares": 1,
        "saves": None,
        "source": "demo",
    }
    return {**row, **over}


def write(wh: Warehouse, table: Table, rows: Sequence[Mapping[str, Any]], *, update: bool = True) -> int:
    with wh.begin() as conn:
        return upsert(conn, table, rows, update=update)


def read_all(wh: Warehouse, table: Table) -> list[Any]:
    with wh.engine.connect() as conn:
        return list(conn.execute(select(table).order_by(*table.primary_key.columns)))


@contextmanager
def statement_param_counts(wh: Warehouse) -> Iterator[list[int]]:
    """Record how many bound parameters one execution of each INSERT statement carries
    (for executemany, the statement runs once per parameter set)."""
    counts: list[int] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        if statement.lstrip().upper().startswith("INSERT"):
            counts.append(len(parameters[0]) if executemany and parameters else len(parameters or ()))

    event.listen(wh.engine, "before_cursor_execute", record)
    try:
        yield counts
    finally:
        event.remove(wh.engine, "before_cursor_execute", record)


def use_stock_param_limit(conn: Connection) -> None:
    """Give this SQLite connection the stock 32766-parameter limit (no-op on PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        conn.connection.dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, PARAM_LIMIT["sqlite"])


# --- schema ---------------------------------------------------------------------------------------


def test_ensure_schema_creates_every_table_and_column_in_metadata(wh: Warehouse) -> None:
    insp = inspect(wh.engine)
    assert set(metadata.tables) <= set(insp.get_table_names())
    for name, table in metadata.tables.items():
        assert {c["name"] for c in insp.get_columns(name)} == set(table.columns.keys()), name


def test_ensure_schema_twice_is_harmless_and_keeps_data(wh: Warehouse) -> None:
    write(wh, accounts, [account_row()])
    wh.ensure_schema()
    wh.ensure_schema()
    assert set(metadata.tables) <= set(inspect(wh.engine).get_table_names())
    assert wh.count(accounts) == 1


# --- upsert semantics -----------------------------------------------------------------------------


def test_upsert_with_update_replaces_non_key_columns_and_never_duplicates(wh: Warehouse) -> None:
    later = T0 + timedelta(hours=6)
    assert write(wh, videos, [video_row(), video_row("7300000000000000002")]) == 2
    written = write(
        wh,
        videos,
        [video_row(title="new title", hashtags=["fyp", "cats"], last_seen_at=later, is_available=False)],
    )

    assert written == 1
    assert wh.count(videos) == 2
    first, second = read_all(wh, videos)
    assert (first.title, first.hashtags, first.last_seen_at, first.is_available) == (
        "new title",
        ["fyp", "cats"],
        later,
        False,
    )
    assert first.first_seen_at == T0  # sent again unchanged, stays unchanged
    assert second.title == "first title"  # the row not in the second batch is untouched


def test_upsert_with_update_columns_only_touches_those_columns(wh: Warehouse) -> None:
    write(wh, videos, [video_row()])
    with wh.begin() as conn:
        upsert(conn, videos, [video_row(title="ignored", last_seen_at=T0 + timedelta(hours=1))], update_columns=["last_seen_at"])
    (row,) = read_all(wh, videos)
    assert row.title == "first title"
    assert row.last_seen_at == T0 + timedelta(hours=1)


def test_upsert_without_update_keeps_the_first_snapshot(wh: Warehouse) -> None:
    write(wh, video_snapshots, [snapshot_row(views=100)], update=False)
    write(wh, video_snapshots, [snapshot_row(views=999, likes=99)], update=False)  # same key: ignored
    write(wh, video_snapshots, [snapshot_row(collected_at=T0 + timedelta(hours=1), views=150)], update=False)

    rows = read_all(wh, video_snapshots)
    assert [(r.collected_at, r.views, r.likes) for r in rows] == [
        (T0, 100, 10),
        (T0 + timedelta(hours=1), 150, 10),
    ]


def test_snapshot_key_is_the_instant_not_its_utc_offset(wh: Warehouse) -> None:
    # 14:00+02:00 and 12:00Z are the same observation: the second write must not add a row.
    write(wh, video_snapshots, [snapshot_row(collected_at=T0.astimezone(PLUS_TWO), views=100)], update=False)
    write(wh, video_snapshots, [snapshot_row(collected_at=T0, views=200)], update=False)
    rows = read_all(wh, video_snapshots)
    assert [(r.collected_at, r.views) for r in rows] == [(T0, 100)]


def test_upsert_with_a_key_repeated_in_one_batch_keeps_the_last_row(wh: Warehouse) -> None:
    write(wh, accounts, [account_row(username="old"), account_row(username="new")])
    assert [r.username for r in read_all(wh, accounts)] == ["new"]


# --- types ----------------------------------------------------------------------------------------


def set_session_time_zone(conn: Connection, zone: str) -> None:
    """On PostgreSQL, make the session time zone something other than the server's (UTC here), so a
    naive value sent or an offset not applied on read shows up as a shifted instant."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))


def test_timestamps_round_trip_as_aware_utc(wh: Warehouse) -> None:
    written = datetime(2024, 3, 1, 14, 30, 15, 123456, tzinfo=PLUS_TWO)
    with wh.begin() as conn:
        set_session_time_zone(conn, "America/Los_Angeles")
        upsert(conn, videos, [video_row(create_time=written, cover_url_fetched_at=written)])
        upsert(conn, video_snapshots, [snapshot_row(collected_at=written)], update=False)

    with wh.begin() as conn:
        set_session_time_zone(conn, "Asia/Tokyo")
        video = conn.execute(select(videos)).one()
        snap = conn.execute(select(video_snapshots)).one()

    for value in (video.create_time, video.cover_url_fetched_at, snap.collected_at):
        assert value == written  # same instant
        assert value.utcoffset() == timedelta(0)  # expressed in UTC
        assert value.replace(tzinfo=None) == datetime(2024, 3, 1, 12, 30, 15, 123456)


def test_json_column_round_trips_a_list_of_hashtags(wh: Warehouse) -> None:
    tags = ["fyp", "café", "日本語", "with space", "emoji🔥"]
    write(wh, videos, [video_row(hashtags=tags), video_row("7300000000000000002", hashtags=[])])
    first, second = read_all(wh, videos)
    assert first.hashtags == tags
    assert second.hashtags == []

    write(wh, videos, [video_row(hashtags=["changed"])])
    assert read_all(wh, videos)[0].hashtags == ["changed"]


@pytest.mark.parametrize(
    ("table", "row", "column"),
    [
        (video_snapshots, snapshot_row, "views"),
        (video_snapshots, snapshot_row, "saves"),
        (videos, video_row, "duration_s"),
        (account_snapshots, lambda **o: {"account_id": "acc-1", "collected_at": T0, **o}, "follower_count"),
    ],
    ids=["video_snapshots.views", "video_snapshots.saves", "videos.duration_s", "account_snapshots.follower_count"],
)
def test_check_constraints_reject_negative_counts(wh: Warehouse, table: Table, row: Any, column: str) -> None:
    with pytest.raises(IntegrityError):
        write(wh, table, [row(**{column: -1})])
    assert wh.count(table) == 0  # the failed transaction left nothing behind
    write(wh, table, [row(**{column: 0})])  # zero is a valid count
    assert wh.count(table) == 1


# --- volume ---------------------------------------------------------------------------------------


def test_one_upsert_call_writes_20000_rows_in_statements_within_parameter_limits(wh: Warehouse) -> None:
    rows = [snapshot_row(f"v{i:05d}", T0 + timedelta(seconds=i % 7), views=i) for i in range(20_000)]
    with statement_param_counts(wh) as counts, wh.begin() as conn:
        use_stock_param_limit(conn)
        assert upsert(conn, video_snapshots, rows, update=False) == 20_000

    assert wh.count(video_snapshots) == 20_000
    assert counts and max(counts) <= PARAM_LIMIT[wh.dialect]


def test_chunking_counts_parameters_of_defaulted_columns_left_out_of_the_rows(wh: Warehouse) -> None:
    rows = [account_row(f"acc-{i:05d}") for i in range(20_000)]
    for row in rows:
        del row["is_demo"]  # nullable=False with default=False: SQLAlchemy fills it in per row
    with statement_param_counts(wh) as counts, wh.begin() as conn:
        use_stock_param_limit(conn)
        upsert(conn, accounts, rows)
    assert wh.count(accounts) == 20_000
    assert max(counts) <= PARAM_LIMIT[wh.dialect]


# --- idempotency ----------------------------------------------------------------------------------


def _write_one_of_everything(wh: Warehouse) -> None:
    kpi = {
        "video_id": "7300000000000000001",
        "as_of": T0,
        "collected_at": T0,
        "posted_at": T0 - timedelta(days=1),
        "duration_s": 15,
        "duration_bucket": "10-20",
        "views": 100,
        "likes": 10,
        "comments": 2,
        "shares": 1,
        "engagement_rate": 0.13,
        "like_rate": 0.1,
        "comment_rate": 0.02,
        "share_rate": 0.01,
        "views_24h": 40.0,
        "views_48h": None,
        "velocity_24h": 2.5,
        "velocity_48h": None,
        "views_24h_basis": "snapshot",
        "views_48h_basis": "unknown",
        "is_top_mover": True,
        "top_mover_rank": 1,
    }
    summary = {
        "as_of": T0,
        "video_count": 2,
        "total_views": 250,
        "total_likes": 20,
        "total_comments": 4,
        "total_shares": 2,
        "median_views": 125.0,
        "median_engagement_rate": 0.12,
        "avg_velocity_24h": 2.0,
        "median_velocity_24h": 2.0,
        "posts_per_day_30d": 0.07,
        "is_demo": True,
    }
    hashtag = {
        "hashtag": "fyp",
        "as_of": T0,
        "video_count": 2,
        "total_views": 250,
        "median_views": 125.0,
        "median_engagement_rate": 0.12,
        "median_velocity_24h": 2.0,
        "mean_velocity_24h": 2.0,
    }
    failure = {
        "occurred_at": T0.astimezone(PLUS_TWO),
        "endpoint": "/v2/video/list/",
        "attempt": 1,
        "error_code": "rate_limit_exceeded",
        "http_status": 429,
        "log_id": "20240301120000ABCDEF",
        "message": "slow down",
        "retried": True,
    }
    acc_snap = {"account_id": "acc-1", "collected_at": T0, "follower_count": 5, "following_count": 1, "likes_count": 20, "video_count": 2}
    with wh.begin() as conn:
        upsert(conn, accounts, [account_row()])
        upsert(conn, account_snapshots, [acc_snap], update=False)
        # Keys deliberately out of order: dump() must sort, not rely on insertion order.
        upsert(conn, videos, [video_row("7300000000000000002"), video_row(hashtags=["fyp", "café"])])
        upsert(
            conn,
            video_snapshots,
            [snapshot_row(collected_at=T0.astimezone(PLUS_TWO) + timedelta(hours=1), views=150), snapshot_row()],
            update=False,
        )
        upsert(conn, video_kpis, [kpi])
        upsert(conn, hashtag_performance, [hashtag])
        upsert(conn, account_kpi_summary, [summary])
        upsert(conn, api_failures, [failure], update=False)


def test_dump_is_identical_after_writing_the_same_rows_twice(wh: Warehouse) -> None:
    _write_one_of_everything(wh)
    first = wh.dump()
    _write_one_of_everything(wh)
    second = wh.dump()

    assert second == first
    written = [accounts, account_snapshots, videos, video_snapshots, video_kpis, hashtag_performance, account_kpi_summary, api_failures]
    assert all(first[t.name] for t in written), "every table written to should have rows"
    assert [len(first[t.name]) for t in written] == [1, 1, 2, 2, 1, 1, 1, 1]
    assert [r[0] for r in first["videos"]] == ["7300000000000000001", "7300000000000000002"]
    assert [r[1] for r in first["video_snapshots"]] == [T0, T0 + timedelta(hours=1)]


# --- PostgreSQL specifics -------------------------------------------------------------------------


@pytest.mark.postgres
def test_json_columns_are_jsonb_on_postgres(postgres_url: str) -> None:
    wh = Warehouse(postgres_url)
    wh.ensure_schema()
    pg = postgresql.dialect()
    json_columns = [
        (t.name, c.name) for t in metadata.tables.values() for c in t.columns if isinstance(c.type.dialect_impl(pg), JSON)
    ]
    assert ("videos", "hashtags") in json_columns

    with wh.engine.connect() as conn:
        types = dict(
            ((r.table_name, r.column_name), r.data_type)
            for r in conn.execute(
                text("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'")
            )
        )
    assert {col: types[col] for col in json_columns} == {col: "jsonb" for col in json_columns}
