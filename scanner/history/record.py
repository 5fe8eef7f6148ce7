"""Writing one scan: findings, resources, lifecycle and transitions in a single transaction.

The scan row is first written as ``running`` in a short transaction of its own, so that a
scan in progress (or one whose process died) is visible as such; everything else, and the
switch to ``complete``, commits together. A process killed mid-way leaves its findings
uncommitted and its row ``running``; an error rolls back and marks the row ``failed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from scanner.canonical import dumps, sha256_bytes
from scanner.history.database import WRITE_OPTION, lock_scope
from scanner.history.models import (
    FindingRow,
    LifecycleRow,
    ResourceRow,
    ScanRow,
    ScanState,
    TransitionRow,
)
from scanner.history.scope import Scope, failing, scan_counts
from scanner.model import Finding, FindingsDocument, Resource

BATCH = 500
"""Rows per INSERT round trip."""

StageHook = Callable[[str], None]
"""Called with the name of each batch written, e.g. ``findings 500/2000``."""

_Outcome = tuple[str | None, str | None]
"""(status, waiver id) of a finding in one scan; (None, None) when absent."""


@dataclass(frozen=True)
class ScanInput:
    """What is recorded: the findings document as reported and the snapshot's resources."""

    document: FindingsDocument
    resources: Sequence[Resource]
    scope: Scope


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose one transaction takes the write lock (SQLite: ``BEGIN IMMEDIATE``)."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with Session(bind=connection) as session, session.begin():
            yield session


def insert_running(engine: Engine, scan: ScanInput) -> int:
    info = scan.document.scan
    row = ScanRow(
        scope_key=scan.scope.key,
        scope=scan.scope.as_json(),
        snapshot_started=info.started,
        snapshot_finished=info.finished,
        recorded_at=datetime.now(UTC),
        snapshot_digest=info.snapshot_digest,
        catalog_digest=info.catalog_digest,
        scanner_version=info.scanner_version,
        format_version=scan.document.format_version,
        status=ScanState.RUNNING.value,
        counts={},
        failing=0,
        findings_total=0,
    )
    with write_session(engine) as session:
        session.add(row)
        session.flush()
        return row.id


def mark_failed(engine: Engine, scan_id: int, reason: str) -> None:
    with write_session(engine) as session:
        session.execute(
            update(ScanRow)
            .where(ScanRow.id == scan_id)
            .values(status=ScanState.FAILED.value, error=reason[:2000])
        )


def write_body(
    engine: Engine, scan_id: int, scan: ScanInput, busy_timeout: float, stage: StageHook | None
) -> None:
    """Everything but the running row, and ``complete``, in one locked transaction."""
    findings = scan.document.findings
    with write_session(engine) as session:
        lock_scope(session.connection(), scan.scope.key, busy_timeout)
        previous = _previous_scan(session, scan.scope.key, scan_id)
        _insert_batches(session, FindingRow, _finding_rows(scan_id, findings), "findings", stage)
        _insert_batches(
            session, ResourceRow, _resource_rows(scan_id, scan.resources), "resources", stage
        )
        before = _outcomes(session, previous) if previous is not None else {}
        after = {f.finding_id: (f.status.value, f.waiver_id) for f in findings}
        rows = transition_rows(scan_id, previous, before, after)
        _insert_batches(session, TransitionRow, rows, "transitions", stage)
        _update_lifecycle(session, scan_id, scan, stage)
        session.execute(
            update(ScanRow)
            .where(ScanRow.id == scan_id)
            .values(
                status=ScanState.COMPLETE.value,
                counts=scan_counts(findings),
                failing=failing(findings),
                findings_total=len(findings),
            )
        )


def _previous_scan(session: Session, scope_key: str, scan_id: int) -> int | None:
    query = select(ScanRow.id).where(
        ScanRow.scope_key == scope_key,
        ScanRow.status == ScanState.COMPLETE.value,
        ScanRow.id != scan_id,
    )
    return session.scalar(query.order_by(ScanRow.id.desc()).limit(1))


def _outcomes(session: Session, scan_id: int) -> dict[str, _Outcome]:
    query = select(FindingRow.finding_id, FindingRow.status, FindingRow.waiver_id).where(
        FindingRow.scan_id == scan_id
    )
    return {fid: (status, waiver) for fid, status, waiver in session.execute(query)}


def transition_rows(
    scan_id: int,
    previous_scan_id: int | None,
    before: Mapping[str, _Outcome],
    after: Mapping[str, _Outcome],
) -> list[dict[str, Any]]:
    """One row per finding whose status or waiver differs (appeared and vanished included).

    The first scan of a scope has no predecessor: every finding enters from nothing.
    """
    rows = []
    for finding_id in sorted(before.keys() | after.keys()):
        old = before.get(finding_id, (None, None))
        new = after.get(finding_id, (None, None))
        if old != new:
            rows.append(
                {
                    "scan_id": scan_id,
                    "previous_scan_id": previous_scan_id,
                    "finding_id": finding_id,
                    "from_status": old[0],
                    "to_status": new[0],
                    "from_waiver": old[1],
                    "to_waiver": new[1],
                }
            )
    return rows


def _finding_rows(scan_id: int, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {
            "scan_id": scan_id,
            "finding_id": finding.finding_id,
            "position": position,
            "control_id": finding.control_id,
            "resource_uid": finding.resource_uid,
            "status": finding.status.value,
            "severity": finding.severity.value,
            "waiver_id": finding.waiver_id,
            "document": finding.model_dump(mode="json"),
        }
        for position, finding in enumerate(findings)
    ]


def props_digest(resource: Resource) -> str:
    return sha256_bytes(dumps(resource.props).encode())


def _resource_rows(scan_id: int, resources: Sequence[Resource]) -> list[dict[str, Any]]:
    unique = {resource.uid: resource for resource in resources}
    return [
        {
            "scan_id": scan_id,
            "uid": uid,
            "kind": resource.kind,
            "props_digest": props_digest(resource),
            "document": resource.model_dump(mode="json", exclude={"raw"}),
        }
        for uid, resource in sorted(unique.items())
    ]


def _insert_batches(
    session: Session,
    model: type[FindingRow | ResourceRow | TransitionRow | LifecycleRow],
    rows: Sequence[dict[str, Any]],
    name: str,
    stage: StageHook | None,
) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start : start + BATCH])
        if stage is not None:
            stage(f"{name} {min(start + BATCH, len(rows))}/{len(rows)}")


def _update_lifecycle(
    session: Session, scan_id: int, scan: ScanInput, stage: StageHook | None
) -> None:
    """first_seen / last_seen per finding of the scope, by snapshot collection end."""
    seen = scan.document.scan.finished
    at = _instant(seen)
    known = {
        row.finding_id: row
        for row in session.scalars(
            select(LifecycleRow).where(LifecycleRow.scope_key == scan.scope.key)
        )
    }
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for finding in scan.document.findings:
        row = known.get(finding.finding_id)
        if row is None:
            new_rows.append(_new_lifecycle(scan, scan_id, finding))
            continue
        change: dict[str, Any] = {}
        if at < _instant(row.first_seen):
            change |= {"first_seen": seen, "first_scan_id": scan_id}
        if at >= _instant(row.last_seen):
            change |= {"last_seen": seen, "last_scan_id": scan_id}
            change |= {"last_status": finding.status.value}
        if change:
            changed.append({"scope_key": row.scope_key, "finding_id": row.finding_id} | change)
    session.expunge_all()
    _insert_batches(session, LifecycleRow, new_rows, "lifecycle", stage)
    for start in range(0, len(changed), BATCH):
        session.execute(update(LifecycleRow), changed[start : start + BATCH])


def _new_lifecycle(scan: ScanInput, scan_id: int, finding: Finding) -> dict[str, Any]:
    seen = scan.document.scan.finished
    return {
        "scope_key": scan.scope.key,
        "finding_id": finding.finding_id,
        "control_id": finding.control_id,
        "resource_uid": finding.resource_uid,
        "first_seen": seen,
        "first_scan_id": scan_id,
        "last_seen": seen,
        "last_scan_id": scan_id,
        "last_status": finding.status.value,
    }


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
