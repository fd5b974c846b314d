"""A throwaway PostgreSQL cluster for tests.

    with ThrowawayPostgres() as pg:
        pg.create_database("t_abc")
        url = pg.url("t_abc")  # postgresql+psycopg2://postgres@127.0.0.1:<port>/t_abc

The cluster lives in a fresh temp dir, listens only on 127.0.0.1 (free port) plus a unix socket inside
that dir, trusts every local connection and trades durability for speed (fsync, synchronous_commit and
full_page_writes off). `stop()` stops it with `pg_ctl stop -m immediate` and removes the dir; it runs on
`__exit__`, at interpreter exit (atexit) and, if this process is killed outright (SIGKILL, SIGTERM,
an OOM kill), from a tiny watchdog process that notices its parent's pipe closing.

Binaries: `initdb` and `pg_ctl` from PATH, else the newest `/usr/lib/postgresql/<version>/bin`.
Installing PostgreSQL is the Makefile's job (`apt-get install -y postgresql` as root on Debian), not
this module's: when nothing is found, `PostgresNotFound` says what is missing.

initdb refuses to run as root, so as root the cluster is owned by the `postgres` system user (or a
dedicated `tiktokpg` system user created with `useradd --system` when there is none) and initdb/pg_ctl
run through `runuser -u <user> --`.
"""

from __future__ import annotations

import atexit
import glob
import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUPERUSER = "postgres"  # the cluster's bootstrap role (initdb -U); any name works with trust auth
FALLBACK_OS_USER = "tiktokpg"
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

# Settings appended to postgresql.conf. The port is passed on the command line so a retry after a
# port race can pick another one.
_CONF = """
# --- tiktok_pipelines_tests.pg: throwaway test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '{socket_dir}'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
"""

_HBA = """\
local all all trust
host all all 127.0.0.1/32 trust
"""

# Runs in its own session so a Ctrl-C aimed at pytest's process group does not kill it before pytest
# gets to clean up. It blocks until the parent's end of the pipe closes; b"done" means the parent
# already cleaned up, anything else (EOF only) means the parent died and the cluster must go.
_WATCHDOG = r"""
import json, shutil, subprocess, sys
data = sys.stdin.buffer.read()
if data.endswith(b"done"):
    sys.exit(0)
prefix, pg_ctl, data_dir, root = json.loads(sys.argv[1])
subprocess.run(prefix + [pg_ctl, "stop", "-D", data_dir, "-m", "immediate", "-w", "-t", "30"],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
shutil.rmtree(root, ignore_errors=True)
"""


class PostgresNotFound(RuntimeError):
    """initdb/pg_ctl are not installed (or not where we look)."""


def _version_key(path: str) -> tuple:
    version = Path(path).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(p) if p.isdigit() else -1 for p in re.split(r"[.]", version))


def find_pg_bin() -> Path:
    """The directory holding both `initdb` and `pg_ctl`: PATH first, else the newest Debian install."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        # Resolve symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) so both come
        # from one installation, as pg_ctl finds `postgres` next to itself.
        real = Path(os.path.realpath(initdb)).parent
        if (real / "pg_ctl").exists():
            return real
        return Path(initdb).parent
    candidates = sorted(
        (d for d in glob.glob("/usr/lib/postgresql/*/bin") if os.path.exists(os.path.join(d, "initdb"))),
        key=_version_key,
        reverse=True,
    )
    for d in candidates:
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return Path(d)
    missing = [name for name, found in (("initdb", initdb), ("pg_ctl", pg_ctl)) if not found]
    raise PostgresNotFound(
        f"PostgreSQL server binaries not found: {', '.join(missing)} missing from PATH and no "
        "/usr/lib/postgresql/*/bin holds initdb and pg_ctl. Install the server (Debian: "
        "`apt-get install -y postgresql`, which the Makefile does as root) or put its bin dir on PATH; "
        "or deselect these tests with `-m 'not postgres'`."
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _os_user_for_root() -> str:
    """The unprivileged OS user that owns the cluster when we are root."""
    for name in ("postgres", FALLBACK_OS_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_OS_USER],
        check=True,
        capture_output=True,
    )
    return FALLBACK_OS_USER


def _traversable_by_others(path: str) -> bool:
    """Whether every ancestor of path lets another user through (o+x), so `postgres` can reach it."""
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        if not os.stat(d).st_mode & stat.S_IXOTH:
            return False
    return True


class ThrowawayPostgres:
    """A private PostgreSQL cluster that exists between `start()` and `stop()` (or `with`)."""

    def __init__(self, bin_dir: Path | None = None, *, start_timeout_s: int = 60) -> None:
        self.bin_dir = Path(bin_dir) if bin_dir else find_pg_bin()
        self.initdb = str(self.bin_dir / "initdb")
        self.pg_ctl = str(self.bin_dir / "pg_ctl")
        self.start_timeout_s = start_timeout_s
        self.user = SUPERUSER
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.root: Path | None = None
        self.startup_s: float | None = None  # initdb + start, for reports
        self._prefix: list[str] = []  # ["runuser", "-u", "postgres", "--"] as root
        self._os_user: str | None = None
        self._running = False
        self._watchdog: subprocess.Popen | None = None

    # --- lifecycle ----------------------------------------------------------------------------------

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ThrowawayPostgres:
        if self.root is not None:
            raise RuntimeError("this ThrowawayPostgres was already started")
        t0 = time.monotonic()
        try:
            self._make_root()
            self._start_watchdog()
            atexit.register(self.stop)
            self._initdb()
            self._start_server()
        except BaseException:
            self.stop()
            raise
        self.startup_s = time.monotonic() - t0
        return self

    def stop(self) -> None:
        """Stop the server (immediate mode) and remove its dir. Idempotent; never raises."""
        try:
            self._running = False
            # Also after a failed start: pg_ctl -w can time out with the postmaster still coming up.
            if self.root is not None and (self.root / "data" / "postmaster.pid").exists():
                subprocess.run(
                    [*self._prefix, self.pg_ctl, "stop", "-D", str(self.data_dir), "-m", "immediate", "-w", "-t", "30"],
                    capture_output=True,
                    cwd="/",
                    timeout=60,
                )
        except Exception:  # noqa: BLE001 - teardown must go on to remove the dir
            pass
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None
            self._release_watchdog()
            atexit.unregister(self.stop)

    # --- use ----------------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        self._require_running()
        return f"postgresql+psycopg2://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its SQLAlchemy URL."""
        self._admin(f'CREATE DATABASE "{self._check_name(name)}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting whoever is still connected (PostgreSQL 13+)."""
        self._admin(f'DROP DATABASE IF EXISTS "{self._check_name(name)}" WITH (FORCE)')

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        assert self.root is not None
        return self.root / "postgres.log"

    # --- internals ----------------------------------------------------------------------------------

    def _require_running(self) -> None:
        if not self._running:
            raise RuntimeError("the throwaway PostgreSQL server is not running")

    @staticmethod
    def _check_name(name: str) -> str:
        if not _DB_NAME.match(name):
            raise ValueError(f"unsafe database name {name!r}: use letters, digits and underscores")
        return name

    def _admin(self, sql: str) -> None:
        import psycopg2  # imported lazily: only PostgreSQL tests need it

        self._require_running()
        conn = psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname="postgres")
        try:
            conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def _make_root(self) -> None:
        base = tempfile.gettempdir()
        if os.geteuid() == 0:
            self._os_user = _os_user_for_root()
            self._prefix = ["runuser", "-u", self._os_user, "--"]
            if not _traversable_by_others(base):
                base = "/tmp"
        # Short prefix: the unix socket path must stay under ~107 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="tiktokpg-", dir=base))
        self.socket_dir.mkdir()
        if self._os_user is not None:
            entry = pwd.getpwnam(self._os_user)
            for p in (self.root, self.socket_dir):
                os.chown(p, entry.pw_uid, entry.pw_gid)

    def _start_watchdog(self) -> None:
        assert self.root is not None
        self._watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, json.dumps([self._prefix, self.pg_ctl, str(self.data_dir), str(self.root)])],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd="/",
        )

    def _release_watchdog(self) -> None:
        wd, self._watchdog = self._watchdog, None
        if wd is None:
            return
        try:
            assert wd.stdin is not None
            wd.stdin.write(b"done")
            wd.stdin.close()
            wd.wait(timeout=10)
        except Exception:  # noqa: BLE001
            wd.kill()

    def _run(self, args: list[str], what: str) -> None:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        env.pop("PGDATA", None)
        proc = subprocess.run([*self._prefix, *args], capture_output=True, text=True, env=env, cwd=str(self.root))
        if proc.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n{self._log_tail()}")

    def _initdb(self) -> None:
        self._run(
            [
                self.initdb, "-D", str(self.data_dir), "-U", self.user, "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
            ],
            "initdb",
        )  # fmt: skip
        (self.data_dir / "pg_hba.conf").write_text(_HBA)
        with open(self.data_dir / "postgresql.conf", "a") as fh:
            fh.write(_CONF.format(socket_dir=self.socket_dir))

    def _start_server(self) -> None:
        last: Exception | None = None
        for _ in range(3):  # the free port can be taken between probing and binding
            self.port = free_port()
            try:
                self._run(
                    [
                        self.pg_ctl, "start", "-D", str(self.data_dir), "-l", str(self.log_file),
                        "-w", "-t", str(self.start_timeout_s), "-o", f"-p {self.port}",
                    ],
                    "pg_ctl start",
                )  # fmt: skip
            except RuntimeError as exc:
                last = exc
                if "could not bind" not in self._log_tail() and "in use" not in self._log_tail():
                    raise
                continue
            self._running = True
            return
        raise RuntimeError(f"could not start PostgreSQL on a free port: {last}")

    def _log_tail(self, n: int = 4000) -> str:
        try:
            return "--- server log ---\n" + self.log_file.read_text(errors="replace")[-n:]
        except (OSError, AssertionError):
            return ""
