"""Errors of the history store: each one names the store (and the scope when it matters)."""

from __future__ import annotations

from scanner.errors import AuditgraphError


class HistoryError(AuditgraphError):
    """The history store cannot be used: bad URL, unreachable, or a schema it cannot read."""


class HistoryUrlError(HistoryError):
    """``--history`` / ``AUDITGRAPH_HISTORY`` is not a database URL auditgraph supports."""


class HistoryUnavailableError(HistoryError):
    """The database cannot be reached or opened (server down, credentials, permissions)."""


class HistorySchemaError(HistoryError):
    """The store was written by a newer auditgraph (a schema revision this one lacks)."""


class HistoryBusyError(HistoryError):
    """Another scan of the same scope holds the store's write lock for too long."""


class ScanNotFoundError(HistoryError):
    """A scan id that the store does not hold, or holds but not as ``complete``."""
