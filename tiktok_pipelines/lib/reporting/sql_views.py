"""The BI views and analytical queries under `sql/`: load, validate, (re)create, run.

Layout (every file runs unchanged on SQLite and PostgreSQL unless it says otherwise):
- `sql/views/NN_<view>.sql`: exactly one `CREATE VIEW <view> AS SELECT|WITH ...;`, the view name equal to
  the file name after the numeric prefix, and a `-- columns: a, b, ...` header (continued on lines indented
  as `--   c, d`): the view's contract, which the asset check compares with what the view returns. The prefix is the creation order: a view may
  only read views with a smaller prefix.
- `sql/queries/<name>.sql`: one read-only statement with a `-- Question:` header. A query that cannot be
  portable (JSON lists) comes as a pair `<name>.sqlite.sql` + `<name>.postgresql.sql` with the same columns;
  `load_queries(dialect)` picks the right one.

Files ship with the repository checkout (`sql/` sits next to the package, not inside the wheel).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, CursorResult

# The checkout's sql/ (development, editable installs); an installed wheel carries it as tiktok_pipelines/sql.
_CHECKOUT_SQL = Path(__file__).resolve().parents[3] / "sql"
SQL_DIR = _CHECKOUT_SQL if (_CHECKOUT_SQL / "views").is_dir() else Path(__file__).resolve().parents[2] / "sql"
VIEWS_DIR = SQL_DIR / "views"
QUERIES_DIR = SQL_DIR / "queries"
DIALECTS: tuple[str, ...] = ("sqlite", "postgresql")
VIEW_PREFIX = "bi_"

_VIEW_FILE = re.compile(r"^(\d+)_([a-z][a-z0-9_]*)\.sql$")
_QUERY_FILE = re.compile(r"^([a-z][a-z0-9_]*)(?:\.(sqlite|postgresql))?\.sql$")
_CREATE_VIEW = re.compile(r"^\s*CREATE\s+VIEW\s+([A-Za-z_][A-Za-z0-9_]*)\s+AS\s+(SELECT|WITH)\b", re.IGNORECASE)
_READ_ONLY = re.compile(r"^\s*(SELECT|WITH)\b", re.IGNORECASE)
# Statements a query file must not contain: the queries are for reading, and `run_query` runs them as is.
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|DROP|ALTER|CREATE|TRUNCATE|GRANT|ATTACH|PRAGMA)\b", re.IGNORECASE)
_COLUMNS_HEADER = re.compile(r"^--\s*columns:\s*(.*)$", re.IGNORECASE)


class SqlFileError(ValueError):
    """A file under sql/ breaks the layout rules; the message names the file and what to fix."""


@dataclass(frozen=True)
class ViewFile:
    name: str
    order: int
    path: Path
    sql: str  # the file's text, comments included (PostgreSQL keeps nothing of them; SQLite shows them in .schema)
    columns: tuple[str, ...]  # from the `-- columns:` header

    def references(self, others: Sequence[str]) -> list[str]:
        body = _strip_comments_and_strings(self.sql)
        return [o for o in others if o != self.name and re.search(rf"\b{re.escape(o)}\b", body, re.IGNORECASE)]


@dataclass(frozen=True)
class ViewCheck:
    """What one view returned when selected: its rows, or the error / column mismatch that makes it unusable."""

    name: str
    rows: int | None
    columns: tuple[str, ...]
    missing_columns: tuple[str, ...]
    unexpected_columns: tuple[str, ...]
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing_columns and not self.unexpected_columns

    def problem(self) -> str:
        if self.error:
            return f"{self.name}: {self.error}"
        parts = []
        if self.missing_columns:
            parts.append(f"missing columns {list(self.missing_columns)}")
        if self.unexpected_columns:
            parts.append(f"unexpected columns {list(self.unexpected_columns)}")
        return f"{self.name}: " + "; ".join(parts) if parts else ""


# --- parsing ---------------------------------------------------------------------------------------


def _scan(sql: str) -> tuple[str, str, int]:
    """(the SQL with comments blanked out, the same with quoted text blanked too, how many `;` end a
    statement). Both texts keep the original's length, so positions line up."""
    code: list[str] = []
    masked: list[str] = []
    i, n, terminators = 0, len(sql), 0
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i) or sql.startswith("/*", i):
            if ch == "-":
                j = sql.find("\n", i)
                j = n if j < 0 else j
            else:
                j = sql.find("*/", i + 2)
                j = n if j < 0 else j + 2
            blank = "".join(c if c == "\n" else " " for c in sql[i:j])
            code.append(blank)
            masked.append(blank)
            i = j
        elif ch in ("'", '"'):
            j = i + 1
            while j < n and not (sql[j] == ch and not sql.startswith(ch * 2, j)):
                j += 2 if sql.startswith(ch * 2, j) else 1  # a doubled quote stays inside the literal
            j = min(j, n - 1)
            code.append(sql[i:j + 1])
            masked.append(ch + " " * (j - i - 1) + sql[j])
            i = j + 1
        else:
            terminators += ch == ";"
            code.append(ch)
            masked.append(ch)
            i += 1
    return "".join(code), "".join(masked), terminators


def _strip_comments_and_strings(sql: str) -> str:
    return _scan(sql)[1]


def _one_statement(path: Path, sql: str) -> str:
    """The file's one statement without comments and without its closing `;`; raises unless the file
    holds exactly one statement, ended by `;`."""
    code, masked, terminators = _scan(sql)
    if not masked.strip():
        raise SqlFileError(f"{path}: no SQL statement (only comments or nothing)")
    end = masked.rstrip()
    if terminators != 1 or not end.endswith(";"):
        after = " and text after the last one" if terminators and not end.endswith(";") else ""
        raise SqlFileError(f"{path}: expected exactly one SQL statement ending with ';', found {terminators} ';'{after}")
    return code[: len(end) - 1].strip()


def _masked_statement(sql: str) -> str:
    return _scan(sql)[1].strip()


def _columns_header(path: Path, sql: str) -> tuple[str, ...]:
    lines = sql.splitlines()
    for i, line in enumerate(lines):
        m = _COLUMNS_HEADER.match(line.strip())
        if not m:
            continue
        text = m.group(1)
        for more in lines[i + 1:]:  # continuation lines are indented: "--   more, columns"
            s = more.strip()
            if not re.match(r"^--\s{2,}\S", s):
                break
            text += " " + s[2:].strip()
        cols = tuple(c.strip() for c in text.split(",") if c.strip())
        bad = [c for c in cols if not re.fullmatch(r"[a-z_][a-z0-9_]*", c)]
        if not cols or bad:
            raise SqlFileError(f"{path}: the '-- columns:' header must list lower-case column names, got {bad or 'none'}")
        if len(set(cols)) != len(cols):
            raise SqlFileError(f"{path}: the '-- columns:' header lists a column twice")
        return cols
    raise SqlFileError(f"{path}: missing the '-- columns: a, b, ...' header that states the view's columns")


def parse_view_file(path: Path) -> ViewFile:
    m = _VIEW_FILE.match(path.name)
    if not m:
        raise SqlFileError(f"{path}: a view file is named NN_<view_name>.sql (NN = creation order, lower-case name)")
    order, expected = int(m.group(1)), m.group(2)
    if not expected.startswith(VIEW_PREFIX):
        raise SqlFileError(f"{path}: view names start with '{VIEW_PREFIX}' (BI tools list them together)")
    sql = path.read_text(encoding="utf-8")
    _one_statement(path, sql)
    create = _CREATE_VIEW.match(_masked_statement(sql))
    if not create:
        raise SqlFileError(f"{path}: the statement must be 'CREATE VIEW {expected} AS SELECT ...' (or AS WITH ...)")
    if create.group(1) != expected:
        raise SqlFileError(f"{path}: creates view {create.group(1)!r} but the file name says {expected!r}")
    return ViewFile(name=expected, order=order, path=path, sql=sql, columns=_columns_header(path, sql))


def load_views(directory: Path | None = None) -> list[ViewFile]:
    """The view files in creation order; raises SqlFileError naming the file that breaks a rule."""
    directory = directory or VIEWS_DIR
    if not directory.is_dir():
        raise SqlFileError(f"{directory}: the BI views folder does not exist (sql/ ships with the repository checkout)")
    stray = sorted(p.name for p in directory.iterdir() if p.is_file() and p.suffix != ".sql" and not p.name.startswith("."))
    if stray:
        raise SqlFileError(f"{directory}: only NN_<view>.sql files belong here, found {stray}")
    views = [parse_view_file(p) for p in sorted(directory.glob("*.sql"))]
    views.sort(key=lambda v: (v.order, v.name))
    seen: dict[str, ViewFile] = {}
    orders: dict[int, ViewFile] = {}
    for v in views:
        if v.name in seen:
            raise SqlFileError(f"{v.path}: view {v.name} is also defined in {seen[v.name].path.name}")
        if v.order in orders:
            raise SqlFileError(f"{v.path}: prefix {v.order:02d} is also used by {orders[v.order].path.name}; "
                               "give each view its own creation order")
        seen[v.name], orders[v.order] = v, v
    names = [v.name for v in views]
    for i, v in enumerate(views):
        later = v.references(names[i + 1:])
        if later:
            raise SqlFileError(f"{v.path}: reads {later}, created after it; give it a larger prefix than theirs")
    return views


def _parse_query(path: Path) -> str:
    sql = path.read_text(encoding="utf-8")
    _one_statement(path, sql)
    statement = _masked_statement(sql)
    if not _READ_ONLY.match(statement):
        raise SqlFileError(f"{path}: a query must be one SELECT (or WITH ... SELECT) statement")
    writes = sorted({w.upper() for w in _WRITES.findall(statement)})
    if writes:
        raise SqlFileError(f"{path}: a query only reads; found {writes}")
    if not re.search(r"^--\s*Question:", sql, re.IGNORECASE | re.MULTILINE):
        raise SqlFileError(f"{path}: missing the '-- Question:' header (the question it answers and how to read it)")
    return sql


def query_files(directory: Path | None = None) -> dict[str, dict[str, Path]]:
    """{query name: {dialect: file}} for every dialect; raises SqlFileError on an incomplete or ambiguous set."""
    directory = directory or QUERIES_DIR
    if not directory.is_dir():
        raise SqlFileError(f"{directory}: the analytical queries folder does not exist")
    portable: dict[str, Path] = {}
    specific: dict[str, dict[str, Path]] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        m = _QUERY_FILE.match(path.name)
        if not m:
            raise SqlFileError(f"{path}: a query file is named <name>.sql, or <name>.sqlite.sql + <name>.postgresql.sql")
        name, dialect = m.group(1), m.group(2)
        if dialect is None:
            portable[name] = path
        else:
            specific.setdefault(name, {})[dialect] = path
    out: dict[str, dict[str, Path]] = {}
    for name in sorted({*portable, *specific}):
        if name in portable and name in specific:
            raise SqlFileError(f"{portable[name]}: also has dialect variants {sorted(p.name for p in specific[name].values())}; "
                               "keep either the portable file or the pair")
        if name in specific:
            missing = [d for d in DIALECTS if d not in specific[name]]
            if missing:
                have = next(iter(specific[name].values()))
                raise SqlFileError(f"{have}: no {' / '.join(f'{name}.{d}.sql' for d in missing)} next to it; "
                                   "every query must run on both backends")
            out[name] = dict(specific[name])
        else:
            out[name] = {d: portable[name] for d in DIALECTS}
    return out


def load_queries(dialect: str, directory: Path | None = None) -> dict[str, str]:
    """{query name: SQL text} for one dialect ('sqlite' or 'postgresql'), in name order."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {list(DIALECTS)}, got {dialect!r}")
    return {name: _parse_query(paths[dialect]) for name, paths in query_files(directory).items()}


# --- applying and running ----------------------------------------------------------------------------


def _begin_sqlite(conn: Connection) -> None:
    # Python's sqlite3 only opens a transaction before INSERT/UPDATE/DELETE, so DDL would autocommit
    # statement by statement; an explicit BEGIN makes the drop-and-recreate all or nothing.
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        conn.exec_driver_sql("BEGIN")


def apply_views(conn: Connection, directory: Path | None = None) -> list[str]:
    """Drop and recreate every view from sql/views in one transaction; returns the view names in creation order.

    Views are dropped in reverse creation order (CASCADE on PostgreSQL, so a view someone built on top of
    ours goes too, rather than blocking the refresh), along with stale `bi_` views whose file is gone.
    Re-running it leaves the same views. Commits when it opened the transaction; inside a caller's
    transaction the caller commits.
    """
    views = load_views(directory)
    dialect = conn.dialect.name
    if dialect not in DIALECTS:
        raise ValueError(f"views are written for {list(DIALECTS)}, not {dialect!r}")
    cascade = " CASCADE" if dialect == "postgresql" else ""
    names = [v.name for v in views]
    owned = conn.in_transaction()
    tx = None if owned else conn.begin()
    try:
        if dialect == "sqlite":
            _begin_sqlite(conn)
        else:
            # A long BI query holds its views; wait for it a little, never block new queries for long.
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        existing = set(inspect(conn).get_view_names())
        stale = sorted(n for n in existing if n.startswith(VIEW_PREFIX) and n not in names)
        for name in [*reversed(names), *stale]:
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name}{cascade}")
        for v in views:
            try:
                execute(conn, _one_statement(v.path, v.sql))
                # SQLite accepts a view on a missing table or column and fails only when it is read:
                # read each one here, so a broken file rolls the whole refresh back on both backends.
                conn.exec_driver_sql(f"SELECT * FROM {v.name} LIMIT 0").close()
            except Exception as exc:
                message = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
                raise SqlFileError(f"{v.path}: CREATE VIEW {v.name} failed on {dialect}: {message}") from exc
        if tx is not None:
            tx.commit()
    except BaseException:
        if tx is not None:
            tx.rollback()
        raise
    return names


def execute(conn: Connection, sql: str) -> CursorResult:
    """Run SQL text exactly as written in the file, on either driver.

    Not text(): it would read '::jsonb' and ':name' as bind parameters. And psycopg2 applies %-formatting
    to every statement SQLAlchemy hands it (always with a parameter dict), so a literal '%' (LIKE '%x')
    must reach it doubled; SQLite binds only real '?' placeholders and takes the text as is."""
    if conn.dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%", "%%")
    return conn.exec_driver_sql(sql)


def _plain(value: Any) -> Any:
    # PostgreSQL returns NUMERIC (ROUND, AVG of integers) as Decimal; SQLite as float. Same numbers, same types.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    return value


def fetch_rows(conn: Connection, sql: str) -> list[dict[str, Any]]:
    result = execute(conn, sql)
    keys = list(result.keys())
    return [{k: _plain(v) for k, v in zip(keys, row)} for row in result]


def run_query(conn: Connection, name: str, directory: Path | None = None) -> list[dict[str, Any]]:
    """Run one analytical query (the variant for the connection's dialect); rows as dicts in the query's order.

    The queries read the bi_ views: apply_views first."""
    queries = load_queries(conn.dialect.name, directory)
    if name not in queries:
        raise KeyError(f"no query {name!r} in {directory or QUERIES_DIR}; known: {sorted(queries)}")
    return fetch_rows(conn, _one_statement(Path(name), queries[name]))


def check_views(conn: Connection, directory: Path | None = None) -> list[ViewCheck]:
    """Select from every view: its row count, and its columns against the file's `-- columns:` header."""
    out: list[ViewCheck] = []
    for v in load_views(directory):
        try:
            with conn.begin_nested():  # a failing view must not abort the others on PostgreSQL
                result = conn.exec_driver_sql(f"SELECT * FROM {v.name} LIMIT 0")
                columns = tuple(result.keys())
                result.close()
                rows = int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {v.name}").scalar_one())
        except Exception as exc:  # noqa: BLE001 - whatever the database says is the finding, not a crash
            message = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            out.append(ViewCheck(v.name, None, (), (), (), f"does not select: {message}"))
            continue
        out.append(ViewCheck(
            name=v.name, rows=rows, columns=columns,
            missing_columns=tuple(c for c in v.columns if c not in columns),
            unexpected_columns=tuple(c for c in columns if c not in v.columns),
            error=None,
        ))
    return out


def views_fingerprint(directory: Path | None = None) -> str:
    """A short hash of the view files: changes exactly when a view's SQL does (the asset's code_version)."""
    import hashlib

    h = hashlib.sha256()
    for v in load_views(directory):
        h.update(v.path.name.encode() + b"\0" + v.sql.encode() + b"\0")
    return h.hexdigest()[:16]
