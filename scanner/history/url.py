"""Where the history store lives: the default SQLite file, ``--history`` and the environment.

SQLite is the embedded default (one local file); PostgreSQL is chosen by URL and spoken to
through psycopg 3. Other databases are refused with a message rather than half-supported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from scanner.history.errors import HistoryUrlError

HISTORY_ENV = "AUDITGRAPH_HISTORY"
"""Environment variable holding the store URL when ``--history`` is not given."""

_DRIVERS = {
    "sqlite": "sqlite+pysqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def default_store_path(env: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/auditgraph/history.db``, i.e. ``~/.local/share/...`` by default."""
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "auditgraph" / "history.db"


def history_url(given: str | None, env: Mapping[str, str] | None = None) -> str:
    """The URL to use: the option, else ``AUDITGRAPH_HISTORY``, else the default file."""
    environ = os.environ if env is None else env
    chosen = given or environ.get(HISTORY_ENV)
    if chosen:
        return chosen
    return f"sqlite:///{default_store_path(environ)}"


def engine_url(text: str) -> URL:
    """Parse and normalise a store URL (``postgresql://`` → the psycopg 3 driver)."""
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise HistoryUrlError(
            f"history store {text!r}: not a database URL "
            "(expected sqlite:///PATH or postgresql://USER@HOST/DB)"
        ) from exc
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise HistoryUrlError(
            f"history store {redacted(url)}: unsupported database {url.drivername!r} "
            "(use sqlite:///PATH or postgresql://USER@HOST/DB)"
        )
    url = url.set(drivername=driver)
    if driver.startswith("sqlite") and not url.database:
        raise HistoryUrlError(f"history store {text!r}: a SQLite URL needs a file path")
    return url


def redacted(url: URL | str) -> str:
    """The URL as it may be printed: never with its password."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for in-memory or other backends)."""
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)
