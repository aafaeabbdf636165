"""A real PostgreSQL for the tests: one throwaway server per test session, an empty database per test.

Fixtures (loaded for every test through `pytest_plugins` in tests/conftest.py):

- `postgres_server`: a PostgreSQL 15 started with initdb/pg_ctl in a temporary folder, listening on
  127.0.0.1 only, trust authentication, fsync off; stopped and deleted after the session. As root it
  runs as an unprivileged user (the `postgres` account, or one it creates), since postgres refuses root.
- `postgres_url`: a SQLAlchemy URL (`postgresql+psycopg://...`) of a fresh database, dropped afterwards.
- `store_url`: parametrized over STORAGE_MODES (SQLite in memory, a SQLite file, PostgreSQL), as
  optuna's storage tests are; a test taking it runs once per backend.
- `shared_store_url`: the same over SHARED_STORAGE_MODES, the stores several processes can open at
  once (worker processes, two servers): a SQLite file and PostgreSQL.

Without the PostgreSQL binaries or psycopg the PostgreSQL cases skip, saying why;
`bash scripts/setup.sh --test` installs both.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

STORAGE_MODES = ("sqlite-memory", "sqlite-file", "postgresql")
SHARED_STORAGE_MODES = ("sqlite-file", "postgresql")
_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"), Path("/usr/local/bin"), Path("/usr/bin"))
_UNPRIVILEGED = ("postgres", "recipe-dash-pg")  # accounts tried, in order, when the tests run as root


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str  # the database superuser (trust authentication: no password)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL's initdb and pg_ctl are missing; `bash scripts/setup.sh --test` installs them.")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is missing; `pip install -e '.[test]'` installs it.")
    account = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="recipe-dash-pg-"))  # not under pytest's tmp: root-only (0700)
    data = folder / "data"
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    port = _free_port()
    run = _runner(account)
    try:
        run([binaries / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run([binaries / "pg_ctl", "-D", data, "-o", options, "-l", folder / "server.log", "-w", "start"])
    except subprocess.CalledProcessError as err:
        log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"Could not start PostgreSQL: {err}\n{err.stdout}{err.stderr}\n{log}")
    try:
        yield PostgresServer("127.0.0.1", port, "postgres")
    finally:
        run([binaries / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(folder, ignore_errors=True)


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database; dropped after the test even if workers still hold connections."""
    name = f"test_{os.getpid()}_{next(_databases)}"
    postgres_server.execute(f"CREATE DATABASE {name}")
    try:
        yield postgres_server.url(name)
    finally:
        from recipe_dash.store import forget_open_stores

        forget_open_stores()
        postgres_server.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=STORAGE_MODES)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's URL on each backend in turn; PostgreSQL is only started when a test asks for it."""
    if request.param == "sqlite-memory":
        return "sqlite://"
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=SHARED_STORAGE_MODES)
def shared_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL other processes can open too, on each such backend in turn."""
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return str(request.getfixturevalue("postgres_url"))


def _binaries() -> Path | None:
    for folder in _BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _run_as() -> pwd.struct_passwd | None:
    """None when we are not root (run postgres as ourselves); else an unprivileged account, made if need be."""
    if os.geteuid() != 0:
        return None
    for name in _UNPRIVILEGED:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    name = _UNPRIVILEGED[-1]
    try:
        subprocess.run(["useradd", "--system", "--no-create-home", name], check=True, capture_output=True)
        return pwd.getpwnam(name)
    except (OSError, subprocess.CalledProcessError, KeyError) as err:
        pytest.skip(f"PostgreSQL refuses to run as root and no unprivileged account could be made: {err}")


def _runner(account: pwd.struct_passwd | None):  # type: ignore[no-untyped-def]
    def run(command: list[object], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        extra = {} if account is None else {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        if account is not None:
            env["HOME"] = "/tmp"
        return subprocess.run(
            [str(part) for part in command],
            check=check,
            capture_output=True,
            text=True,
            env=env,
            cwd="/tmp",
            timeout=120,
            **extra,
        )

    return run


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
