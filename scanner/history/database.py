"""Opening a store: the engine per backend, its write lock, and the schema migrations.

SQLite serialises writers with ``BEGIN IMMEDIATE`` and a busy timeout (one writer at a
time for the whole file). PostgreSQL lets writers of different scopes run side by side and
serialises the same scope with ``pg_advisory_xact_lock`` on a hash of the scope, bounded by
``lock_timeout``. Waiting longer than the timeout is a :class:`HistoryBusyError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from scanner.history.errors import (
    HistoryBusyError,
    HistorySchemaError,
    HistoryUnavailableError,
)
from scanner.history.url import redacted, sqlite_file

WRITE_OPTION = "auditgraph_write"
"""Execution option marking a connection whose transaction will write (SQLite: IMMEDIATE)."""

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = "auditgraph history schema"


def scope_lock_key(scope_key: str) -> int:
    """A signed 64-bit key for PostgreSQL advisory locks, stable across processes."""
    digest = hashlib.sha256(scope_key.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _sqlite_engine(url: URL, busy_timeout: float) -> Engine:
    database = sqlite_file(url)
    if database is not None:
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryUnavailableError(
                f"history store {redacted(url)}: cannot create {database.parent}: {exc.strerror}"
            ) from exc
    engine = create_engine(url, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, explicitly
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def _postgresql_engine(url: URL, busy_timeout: float) -> Engine:
    del busy_timeout  # applied per transaction, as lock_timeout
    return create_engine(url, connect_args={"connect_timeout": 10}, pool_pre_ping=True)


def _lock_sqlite(connection: Connection, scope_key: str, busy_timeout: float) -> None:
    """Nothing to do: ``BEGIN IMMEDIATE`` already holds the database's write lock."""
    del connection, scope_key, busy_timeout


def _lock_postgresql(connection: Connection, scope_key: str, busy_timeout: float) -> None:
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(busy_timeout * 1000)}")
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": scope_lock_key(scope_key)}
    )


ENGINES: dict[str, Callable[[URL, float], Engine]] = {
    "sqlite": _sqlite_engine,
    "postgresql": _postgresql_engine,
}
SCOPE_LOCKS: dict[str, Callable[[Connection, str, float], None]] = {
    "sqlite": _lock_sqlite,
    "postgresql": _lock_postgresql,
}


def create_store_engine(url: URL, busy_timeout: float) -> Engine:
    return ENGINES[url.get_backend_name()](url, busy_timeout)


def lock_scope(connection: Connection, scope_key: str, busy_timeout: float) -> None:
    """Hold the write lock of ``scope_key`` until the transaction ends."""
    SCOPE_LOCKS[connection.dialect.name](connection, scope_key, busy_timeout)


def is_busy(exc: DBAPIError) -> bool:
    """A lock wait that timed out (SQLite: database is locked; PostgreSQL: 55P03)."""
    if getattr(exc.orig, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)


def database_message(exc: DBAPIError) -> str:
    """The driver's first line, without the SQL statement SQLAlchemy appends."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _check_revision(connection: Connection, config: Config, name: str) -> None:
    current = MigrationContext.configure(connection).get_current_revision()
    scripts = ScriptDirectory.from_config(config)
    known = {script.revision for script in scripts.walk_revisions()}
    if current is not None and current not in known:
        raise HistorySchemaError(
            f"history store {name}: schema revision {current!r} was written by a newer "
            f"auditgraph (this one knows up to {scripts.get_current_head()!r}); upgrade "
            "auditgraph or use another store"
        )


def migrate(engine: Engine, name: str, busy_timeout: float) -> None:
    """Bring the schema to the head revision, in one transaction, one process at a time."""
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            lock_scope(conn, _MIGRATION_LOCK, busy_timeout)
            config = _alembic_config(conn)
            _check_revision(conn, config, name)
            command.upgrade(config, "head")
    except OperationalError as exc:
        if is_busy(exc):
            raise HistoryBusyError(
                f"history store {name}: another process holds the store (waited {busy_timeout:g}s)"
            ) from exc
        raise HistoryUnavailableError(
            f"history store {name}: cannot open: {database_message(exc)}"
        ) from exc
    except DBAPIError as exc:
        raise HistoryUnavailableError(
            f"history store {name}: cannot open: {database_message(exc)}"
        ) from exc
