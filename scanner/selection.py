"""What --control, --severity and --cloud keep, applied to a catalog and to findings.

Shared by the CLI and by evidence re-evaluation, so a bundle is evaluated again exactly
as its run was.
"""

from __future__ import annotations

import dataclasses

from scanner.engine.catalog import Catalog, CompiledControl, _digest
from scanner.model import FindingsDocument, Severity
from scanner.outputs.run_record import RunSelection


@dataclasses.dataclass(frozen=True)
class Selection:
    """What --control, --severity and --cloud keep; empty means everything."""

    control_ids: tuple[str, ...] = ()
    min_severity: Severity | None = None
    clouds: tuple[str, ...] = ()

    def keeps_control(self, compiled: CompiledControl) -> bool:
        control = compiled.control
        return (
            (not self.control_ids or control.id in self.control_ids)
            and (self.min_severity is None or control.severity.rank >= self.min_severity.rank)
            and (not self.clouds or any(c.value in self.clouds for c in control.applies_to.clouds))
        )


def run_selection(selection: Selection) -> RunSelection:
    """The selection as recorded in a run folder's run.json."""
    severity = selection.min_severity.value if selection.min_severity else None
    return RunSelection(
        controls=list(selection.control_ids), min_severity=severity, clouds=list(selection.clouds)
    )


def selection_of(recorded: RunSelection) -> Selection:
    """The selection a run.json records, to evaluate again exactly as the run did."""
    severity = Severity(recorded.min_severity) if recorded.min_severity else None
    return Selection(tuple(recorded.controls), severity, tuple(recorded.clouds))


def select_catalog(catalog: Catalog, selection: Selection) -> Catalog:
    """The catalog restricted to the selected controls (digest recomputed when it changes)."""
    controls = tuple(c for c in catalog.controls if selection.keeps_control(c))
    if controls == catalog.controls:
        return catalog
    return dataclasses.replace(
        catalog, controls=controls, digest=_digest(controls, catalog.frameworks)
    )


def select_findings(doc: FindingsDocument, selection: Selection) -> FindingsDocument:
    """The findings in the selected clouds and at or above the minimum severity."""
    kept = [
        finding
        for finding in doc.findings
        if (not selection.clouds or finding.cloud.value in selection.clouds)
        and (selection.min_severity is None or finding.severity.rank >= selection.min_severity.rank)
    ]
    return doc.model_copy(update={"findings": kept})
