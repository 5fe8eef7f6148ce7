"""Initial schema: scans, their findings and resources, finding lifecycle and transitions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: tuple[str, ...] | None = None
depends_on: tuple[str, ...] | None = None


def _scan_fk(column: str, table: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["scans.id"], name=op.f(f"fk_{table}_{column}_scans"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_key", sa.Text(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("snapshot_started", sa.Text(), nullable=False),
        sa.Column("snapshot_finished", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snapshot_digest", sa.Text(), nullable=False),
        sa.Column("catalog_digest", sa.Text(), nullable=False),
        sa.Column("scanner_version", sa.Text(), nullable=False),
        sa.Column("format_version", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("failing", sa.Integer(), nullable=False),
        sa.Column("findings_total", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'failed')", name=op.f("ck_scans_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scans")),
    )
    op.create_index(op.f("ix_scans_scope_key_status_id"), "scans", ["scope_key", "status", "id"])
    op.create_table(
        "finding_lifecycle",
        sa.Column("scope_key", sa.Text(), nullable=False),
        sa.Column("finding_id", sa.Text(), nullable=False),
        sa.Column("control_id", sa.Text(), nullable=False),
        sa.Column("resource_uid", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.Text(), nullable=False),
        sa.Column("first_scan_id", sa.Integer(), nullable=False),
        sa.Column("last_seen", sa.Text(), nullable=False),
        sa.Column("last_scan_id", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        _scan_fk("first_scan_id", "finding_lifecycle"),
        _scan_fk("last_scan_id", "finding_lifecycle"),
        sa.PrimaryKeyConstraint("scope_key", "finding_id", name=op.f("pk_finding_lifecycle")),
    )
    op.create_table(
        "findings",
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("control_id", sa.Text(), nullable=False),
        sa.Column("resource_uid", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("waiver_id", sa.Text(), nullable=True),
        sa.Column("document", sa.JSON(), nullable=False),
        _scan_fk("scan_id", "findings"),
        sa.PrimaryKeyConstraint("scan_id", "finding_id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_finding_id"), "findings", ["finding_id"])
    op.create_table(
        "resources",
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("props_digest", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        _scan_fk("scan_id", "resources"),
        sa.PrimaryKeyConstraint("scan_id", "uid", name=op.f("pk_resources")),
    )
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("previous_scan_id", sa.Integer(), nullable=True),
        sa.Column("finding_id", sa.Text(), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("from_waiver", sa.Text(), nullable=True),
        sa.Column("to_waiver", sa.Text(), nullable=True),
        _scan_fk("previous_scan_id", "transitions", ondelete="SET NULL"),
        _scan_fk("scan_id", "transitions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transitions")),
    )
    op.create_index(op.f("ix_transitions_finding_id"), "transitions", ["finding_id"])
    op.create_index(op.f("ix_transitions_scan_id"), "transitions", ["scan_id"])


def downgrade() -> None:
    for table in ("transitions", "resources", "findings", "finding_lifecycle", "scans"):
        op.drop_table(table)
