"""Stored scans as sides of ``auditgraph diff``: a scan id, or the last two scans.

A diff argument that is a whole number (and not a folder) names a complete scan in the
history store; no argument at all compares the last two complete scans of one scope.
"""

from __future__ import annotations

from scanner.diff.core import DiffSide
from scanner.diff.sides import SIDE_RESOLVERS, SideContext, SideResolver, resolve_side
from scanner.errors import DiffInputError
from scanner.history.store import HistoryStore

SCAN_PREFIX = "scan:"
"""``scan:12`` names scan 12 even when a folder called ``12`` exists."""


def stored_side(store: HistoryStore, scan_id: int) -> DiffSide:
    """The findings document and resources of a complete stored scan, as a diff side."""
    document = store.findings_document(scan_id)
    return DiffSide.of(f"scan {scan_id}", document, store.resources(scan_id))


def scan_id_of(argument: str) -> int | None:
    """The scan id ``argument`` names (``12`` or ``scan:12``), or None."""
    text = argument.removeprefix(SCAN_PREFIX)
    return int(text) if text.isdecimal() else None


def stored_scan_resolver(store_url: str | None) -> SideResolver:
    """A resolver for scan ids in the store at ``store_url`` (None: the default store)."""

    def resolve(argument: str, context: SideContext) -> DiffSide | None:
        del context  # a stored scan is already evaluated
        scan_id = scan_id_of(argument)
        if scan_id is None:
            return None
        with HistoryStore.open(store_url, create=False) as store:
            return stored_side(store, scan_id)

    return resolve


def last_two_sides(store_url: str | None) -> tuple[DiffSide, DiffSide]:
    """The last two complete scans of the latest scan's scope, older first."""
    with HistoryStore.open(store_url, create=False) as store:
        before, after = store.last_two()
        return stored_side(store, before), stored_side(store, after)


def resolve_sides(
    before: str | None, after: str | None, context: SideContext, store_url: str | None
) -> tuple[DiffSide, DiffSide]:
    """Both sides of a diff: two folders or scan ids, or none for the last two scans.

    A ``scan:N`` argument goes straight to the store; a bare number is a folder first.
    """
    if before is None and after is None:
        return last_two_sides(store_url)
    if before is None or after is None:
        raise DiffInputError("give two sides (BEFORE and AFTER), or none for the last two scans")
    stored = stored_scan_resolver(store_url)

    def side(argument: str) -> DiffSide:
        if argument.startswith(SCAN_PREFIX):
            if scan_id_of(argument) is None:
                raise DiffInputError(f"{argument}: not a scan id (scan:N, N a whole number)")
            return resolve_side(argument, context, (stored,))
        return resolve_side(argument, context, (*SIDE_RESOLVERS, stored))

    return side(before), side(after)
