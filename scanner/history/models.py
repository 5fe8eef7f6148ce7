"""The tables of the history store (SQLAlchemy 2 typed declarative models).

The schema is owned by the Alembic migrations in ``scanner/history/migrations``; these
models describe the current revision and must stay in step with it (a test compares them).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ScanState(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, str: Text}


class ScanRow(Base):
    """One recorded scan: what was scanned, when (the snapshot's times), and its totals."""

    __tablename__ = "scans"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'complete', 'failed')", name="status"),
        Index(None, "scope_key", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope_key: Mapped[str]
    scope: Mapped[dict[str, Any]]
    snapshot_started: Mapped[str]
    snapshot_finished: Mapped[str]
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    snapshot_digest: Mapped[str]
    catalog_digest: Mapped[str]
    scanner_version: Mapped[str]
    format_version: Mapped[str]
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None]
    counts: Mapped[dict[str, Any]]
    failing: Mapped[int] = mapped_column(Integer)
    findings_total: Mapped[int] = mapped_column(Integer)


class FindingRow(Base):
    """One finding of one scan, with the whole finding as JSON to rebuild the document."""

    __tablename__ = "findings"
    __table_args__ = (Index(None, "finding_id"),)

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    finding_id: Mapped[str] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    control_id: Mapped[str]
    resource_uid: Mapped[str]
    status: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    waiver_id: Mapped[str | None]
    document: Mapped[dict[str, Any]]


class LifecycleRow(Base):
    """When a finding was first and last seen in a scope (snapshot collection ends)."""

    __tablename__ = "finding_lifecycle"

    scope_key: Mapped[str] = mapped_column(primary_key=True)
    finding_id: Mapped[str] = mapped_column(primary_key=True)
    control_id: Mapped[str]
    resource_uid: Mapped[str]
    first_seen: Mapped[str]
    first_scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    last_seen: Mapped[str]
    last_scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    last_status: Mapped[str] = mapped_column(String(16))


class TransitionRow(Base):
    """A finding whose status or waiver changed since the previous scan of its scope.

    ``from_status`` is null for a finding that is new; ``to_status`` is null for one that
    is gone (its resource or control no longer exists).
    """

    __tablename__ = "transitions"
    __table_args__ = (Index(None, "finding_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    previous_scan_id: Mapped[int | None] = mapped_column(
        ForeignKey("scans.id", ondelete="SET NULL")
    )
    finding_id: Mapped[str]
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    from_waiver: Mapped[str | None]
    to_waiver: Mapped[str | None]


class ResourceRow(Base):
    """A resource of one scan: a digest of its props and the resource itself (without raw)."""

    __tablename__ = "resources"

    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    uid: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str]
    props_digest: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]]
