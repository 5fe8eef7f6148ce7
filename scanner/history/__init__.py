"""The scan history store: SQLite by default, PostgreSQL by URL.

Every recorded scan keeps enough to rebuild its findings document and to diff its
resources against another scan; findings have a lifecycle (first / last seen) and the
status transitions between consecutive scans of the same scope.
"""

from scanner.history.errors import (
    HistoryBusyError,
    HistoryError,
    HistorySchemaError,
    HistoryUnavailableError,
    HistoryUrlError,
    ScanNotFoundError,
)
from scanner.history.record import ScanInput
from scanner.history.scope import Scope, scan_scope
from scanner.history.store import HistoryStore, Lifecycle, StoredScan, Transition

__all__ = [
    "HistoryBusyError",
    "HistoryError",
    "HistorySchemaError",
    "HistoryStore",
    "HistoryUnavailableError",
    "HistoryUrlError",
    "Lifecycle",
    "ScanInput",
    "ScanNotFoundError",
    "Scope",
    "StoredScan",
    "Transition",
    "scan_scope",
]
