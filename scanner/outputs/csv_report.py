"""CSV exports: ``findings.csv`` and ``findings-<framework>.csv`` per selected framework.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or carriage return) as a formula. Resource names, tags and messages come from the clouds,
so every cell that starts with one of those characters is prefixed with ``'``. Quoting is
left to the :mod:`csv` module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from scanner.canonical import dumps
from scanner.engine.catalog import Catalog
from scanner.model import Finding, FindingsDocument
from scanner.outputs.machine import mapping_text
from scanner.outputs.views import framework_view

FINDINGS_CSV = "findings.csv"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

FINDING_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "control_id",
    "control_version",
    "title",
    "severity",
    "status",
    "waiver_id",
    "cloud",
    "account",
    "region",
    "resource_type",
    "kind",
    "resource_uid",
    "resource_name",
    "message",
    "reason",
    "frameworks",
    "evidence",
    "snapshot_digest",
)
"""Columns of ``findings.csv``, in order."""

FRAMEWORK_COLUMNS: tuple[str, ...] = (
    "framework_id",
    "requirement_id",
    "requirement_title",
    "finding_id",
    "control_id",
    "title",
    "severity",
    "status",
    "waiver_id",
    "cloud",
    "account",
    "region",
    "resource_type",
    "resource_uid",
    "resource_name",
    "message",
    "reason",
)
"""Columns of ``findings-<framework>.csv``: one row per requirement × finding."""


def framework_csv_name(framework_id: str) -> str:
    return f"findings-{framework_id}.csv"


def defuse_cell(value: object) -> str:
    """The cell as text, with ``'`` in front when it would start a spreadsheet formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text


def render_csv_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    """``findings.csv`` plus one ``findings-<framework>.csv`` per selected framework."""
    files = {FINDINGS_CSV: render_findings_csv(doc)}
    for framework_id in dict.fromkeys(frameworks):
        files[framework_csv_name(framework_id)] = render_framework_csv(doc, catalog, framework_id)
    return files


def render_findings_csv(doc: FindingsDocument) -> str:
    """One row per finding, in document order (control id, then resource uid)."""
    return _table(FINDING_COLUMNS, (_finding_row(finding) for finding in doc.findings))


def render_framework_csv(doc: FindingsDocument, catalog: Catalog, framework_id: str) -> str:
    """One row per requirement × finding, requirements in the framework's order.

    Findings under a requirement follow the report's order: problems first, then passes.
    A requirement without findings has no row; the HTML report lists it as not covered.
    """
    view = framework_view(doc, catalog, framework_id)
    rows = (
        _framework_row(framework_id, requirement.requirement_id, requirement.title, finding)
        for requirement in view.requirements
        for control in requirement.controls
        for finding in control.findings
    )
    return _table(FRAMEWORK_COLUMNS, rows)


def _finding_row(finding: Finding) -> dict[str, object]:
    return {
        **finding.model_dump(mode="json", exclude={"evidence", "frameworks"}),
        "frameworks": mapping_text(finding),
        "evidence": dumps(finding.evidence.model_dump(mode="json")),
    }


def _framework_row(
    framework_id: str, requirement_id: str, requirement_title: str, finding: Finding
) -> dict[str, object]:
    return {
        **finding.model_dump(mode="json", exclude={"evidence", "frameworks"}),
        "framework_id": framework_id,
        "requirement_id": requirement_id,
        "requirement_title": requirement_title,
    }


def _table(columns: Sequence[str], rows: Iterable[dict[str, object]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([defuse_cell(row.get(column)) for column in columns])
    return buffer.getvalue()
