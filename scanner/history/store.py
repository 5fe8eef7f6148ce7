"""The history store: open (and migrate) a database, record scans, read them back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from scanner.history.database import create_store_engine, database_message, is_busy, migrate
from scanner.history.errors import (
    HistoryBusyError,
    HistoryError,
    HistoryUnavailableError,
    ScanNotFoundError,
)
from scanner.history.models import FindingRow, LifecycleRow, ResourceRow, ScanRow, ScanState
from scanner.history.models import TransitionRow as _TransitionRow
from scanner.history.record import ScanInput, StageHook, insert_running, mark_failed, write_body
from scanner.history.url import engine_url, history_url, redacted, sqlite_file
from scanner.model import Finding, FindingsDocument, Resource, ScanInfo

DEFAULT_BUSY_TIMEOUT = 30.0
"""Seconds a writer waits for another scan of the same scope before giving up."""


@dataclass(frozen=True)
class StoredScan:
    """One row of ``auditgraph history``; ``trend`` is the change in failing findings
    against the previous complete scan of the same scope (None for the first)."""

    id: int
    scope_key: str
    status: str
    snapshot_finished: str
    recorded_at: datetime
    snapshot_digest: str
    catalog_digest: str
    scanner_version: str
    counts: dict[str, Any]
    failing: int
    findings_total: int
    error: str | None
    trend: int | None


@dataclass(frozen=True)
class Lifecycle:
    finding_id: str
    first_seen: str
    first_scan_id: int
    last_seen: str
    last_scan_id: int
    last_status: str


@dataclass(frozen=True)
class Transition:
    finding_id: str
    previous_scan_id: int | None
    from_status: str | None
    to_status: str | None
    from_waiver: str | None
    to_waiver: str | None


class HistoryStore:
    """A scan history database. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, engine: Engine, name: str, busy_timeout: float) -> None:
        self._engine = engine
        self.name = name
        self.busy_timeout = busy_timeout

    @classmethod
    def open(
        cls, url: str | None = None, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, create: bool = True
    ) -> HistoryStore:
        """Open the store at ``url`` (default: ``AUDITGRAPH_HISTORY`` or the local file)
        and bring its schema up to date. ``create=False``: a SQLite file must exist."""
        chosen = history_url(url)
        parsed = engine_url(chosen)
        name = redacted(chosen)
        database = sqlite_file(parsed)
        if not create and database is not None and not database.is_file():
            raise HistoryUnavailableError(
                f"history store {name}: no such file (record a scan with --history first)"
            )
        engine = create_store_engine(parsed, busy_timeout)
        try:
            migrate(engine, name, busy_timeout)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, name, busy_timeout)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _database(self, scope: str | None = None) -> Iterator[None]:
        """Driver errors as :class:`HistoryError`: busy (naming the scope) or unavailable."""
        try:
            yield
        except DBAPIError as exc:
            if is_busy(exc):
                held = f"scope {scope!r}" if scope else "the store"
                raise HistoryBusyError(
                    f"history store {self.name}: busy: the write lock for {held} was not "
                    f"free within {self.busy_timeout:g}s (another scan is being recorded); "
                    "try again when it has finished"
                ) from exc
            raise HistoryUnavailableError(
                f"history store {self.name}: {database_message(exc)}"
            ) from exc

    def record(self, scan: ScanInput, stage: StageHook | None = None) -> int:
        """Record a scan; returns its id. It becomes ``complete`` only when all is written."""
        scope = scan.scope.key
        with self._database(scope):
            scan_id = insert_running(self._engine, scan)
        try:
            with self._database(scope):
                write_body(self._engine, scan_id, scan, self.busy_timeout, stage)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, HistoryError) else repr(exc)
            with self._database(scope):
                mark_failed(self._engine, scan_id, reason)
            raise
        return scan_id

    def scans(self, limit: int | None = None) -> list[StoredScan]:
        """Scans, oldest first (the last ``limit`` of them), with their trend."""
        with self._database(), Session(self._engine) as session:
            rows = list(session.scalars(select(ScanRow).order_by(ScanRow.id)))
        last_failing: dict[str, int] = {}
        listed = []
        for row in rows:
            trend = None
            if row.status == ScanState.COMPLETE.value:
                before = last_failing.get(row.scope_key)
                trend = None if before is None else row.failing - before
                last_failing[row.scope_key] = row.failing
            listed.append(_stored(row, trend))
        return listed[-limit:] if limit else listed

    def _complete_scan(self, session: Session, scan_id: int) -> ScanRow:
        row = session.get(ScanRow, scan_id)
        if row is None:
            raise ScanNotFoundError(f"history store {self.name}: no scan {scan_id}")
        if row.status != ScanState.COMPLETE.value:
            raise ScanNotFoundError(
                f"history store {self.name}: scan {scan_id} is {row.status}, not complete"
            )
        return row

    def findings_document(self, scan_id: int) -> FindingsDocument:
        """The findings document of a complete scan, exactly as it was recorded."""
        with self._database(), Session(self._engine) as session:
            row = self._complete_scan(session, scan_id)
            query = select(FindingRow.document).where(FindingRow.scan_id == scan_id)
            documents = session.scalars(query.order_by(FindingRow.position))
            findings = [Finding.model_validate(document) for document in documents]
            info = ScanInfo(
                snapshot_digest=row.snapshot_digest,
                catalog_digest=row.catalog_digest,
                started=row.snapshot_started,
                finished=row.snapshot_finished,
                scanner_version=row.scanner_version,
            )
            return FindingsDocument(format_version=row.format_version, scan=info, findings=findings)

    def resources(self, scan_id: int) -> list[Resource]:
        """The resources of a complete scan, sorted by uid (``raw`` is not stored)."""
        with self._database(), Session(self._engine) as session:
            self._complete_scan(session, scan_id)
            query = select(ResourceRow.document).where(ResourceRow.scan_id == scan_id)
            return [
                Resource.model_validate(doc)
                for doc in session.scalars(query.order_by(ResourceRow.uid))
            ]

    def lifecycle(self, scope_key: str) -> dict[str, Lifecycle]:
        """first_seen / last_seen of every finding ever seen in the scope."""
        with self._database(), Session(self._engine) as session:
            query = select(LifecycleRow).where(LifecycleRow.scope_key == scope_key)
            return {
                row.finding_id: Lifecycle(
                    row.finding_id,
                    row.first_seen,
                    row.first_scan_id,
                    row.last_seen,
                    row.last_scan_id,
                    row.last_status,
                )
                for row in session.scalars(query)
            }

    def transitions(self, scan_id: int) -> list[Transition]:
        """The status and waiver changes a scan brought, by finding id."""
        with self._database(), Session(self._engine) as session:
            query = select(_TransitionRow).where(_TransitionRow.scan_id == scan_id)
            return [
                Transition(
                    row.finding_id,
                    row.previous_scan_id,
                    row.from_status,
                    row.to_status,
                    row.from_waiver,
                    row.to_waiver,
                )
                for row in session.scalars(query.order_by(_TransitionRow.finding_id))
            ]

    def last_two(self, scope_key: str | None = None) -> tuple[int, int]:
        """The two latest complete scans of one scope (the latest scan's, by default)."""
        complete = [s for s in self.scans() if s.status == ScanState.COMPLETE.value]
        if scope_key is None and complete:
            scope_key = complete[-1].scope_key
        same = [s.id for s in complete if s.scope_key == scope_key]
        if len(same) < 2:
            raise ScanNotFoundError(
                f"history store {self.name}: fewer than two complete scans of "
                f"{'the same scope' if scope_key is None else repr(scope_key)} to compare"
            )
        return same[-2], same[-1]


def _stored(row: ScanRow, trend: int | None) -> StoredScan:
    return StoredScan(
        id=row.id,
        scope_key=row.scope_key,
        status=row.status,
        snapshot_finished=row.snapshot_finished,
        recorded_at=_utc(row.recorded_at),
        snapshot_digest=row.snapshot_digest,
        catalog_digest=row.catalog_digest,
        scanner_version=row.scanner_version,
        counts=row.counts,
        failing=row.failing,
        findings_total=row.findings_total,
        error=row.error,
        trend=trend,
    )


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time the store writes is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
