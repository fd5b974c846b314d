"""The warehouse DDL as SQL text, for people and BI tools that read `sql/schema/`."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from tiktok_pipelines.lib.warehouse.schema import metadata

DIALECTS = {"postgresql": postgresql.dialect(), "sqlite": sqlite.dialect()}


def render_ddl(dialect: str) -> str:
    d = DIALECTS[dialect]
    parts = [f"-- Generated from tiktok_pipelines/lib/warehouse/schema.py for {dialect}; do not edit.\n"
             "-- Regenerate with: tiktok-pipelines ddl --write\n"]
    for table in metadata.sorted_tables:
        parts.append(str(CreateTable(table).compile(dialect=d)).strip() + ";\n")
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            if index._ddl_if is not None and index._ddl_if.dialect not in (None, dialect):  # noqa: SLF001 - GIN is Postgres-only
                continue
            parts.append(str(CreateIndex(index).compile(dialect=d)).strip() + ";\n")
    return "\n".join(parts)
