"""History store backends for tests: a SQLite file, or a fresh PostgreSQL database.

PostgreSQL comes from ``AUDITGRAPH_TEST_POSTGRES`` (a URL whose role may create
databases). Without it the PostgreSQL cases skip locally and fail under CI (``CI`` set).
Every test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

POSTGRES_ENV = "AUDITGRAPH_TEST_POSTGRES"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI runs the history tests on PostgreSQL")
    pytest.skip(f"{POSTGRES_ENV} is not set (a PostgreSQL URL that may create databases)")


def _admin_dsn(admin_url: str) -> str:
    url = make_url(admin_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    admin = _admin_dsn(postgres_admin_url())
    name = f"agtest_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


@contextmanager
def backend_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty store of ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'history' / 'history.db'}"
        return
    with fresh_postgres_database() as url:
        yield url
