"""Two scans compared: the findings that changed and the resources that drifted.

:func:`diff_sides` is pure: it takes two :class:`DiffSide` values (a findings document
and the resources of its snapshot) however they were obtained (a run folder, a snapshot
folder evaluated now, a stored scan) and returns a :class:`ScanDiff`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scanner.diff.drift import Drift, ResourceState, diff_resources
from scanner.diff.findings import FindingsDiff, diff_findings
from scanner.model import FindingsDocument, Resource

DIFF_FORMAT_VERSION = "1"


@dataclass(frozen=True)
class DiffSide:
    """One side of a diff."""

    label: str
    """What the user named (a folder, a scan id); shown in the output."""
    findings: FindingsDocument
    resources: Mapping[str, ResourceState]
    """The snapshot's resources by uid."""

    @classmethod
    def of(cls, label: str, findings: FindingsDocument, resources: Iterable[Resource]) -> DiffSide:
        states = {resource.uid: ResourceState.of(resource) for resource in resources}
        return cls(label, findings, states)

    def info(self) -> dict[str, str]:
        scan = self.findings.scan
        return {
            "label": self.label,
            "snapshot_digest": scan.snapshot_digest,
            "catalog_digest": scan.catalog_digest,
            "finished": scan.finished,
        }


@dataclass(frozen=True)
class ScanDiff:
    before: dict[str, str]
    after: dict[str, str]
    findings: FindingsDiff
    drift: Drift

    @property
    def same_catalog(self) -> bool:
        return self.before["catalog_digest"] == self.after["catalog_digest"]

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": DIFF_FORMAT_VERSION,
            "before": self.before,
            "after": self.after,
            "same_catalog": self.same_catalog,
            "findings": self.findings.as_json(),
            "drift": self.drift.as_json(),
        }


def diff_sides(before: DiffSide, after: DiffSide) -> ScanDiff:
    """What changed from ``before`` (the older scan) to ``after``."""
    return ScanDiff(
        before=before.info(),
        after=after.info(),
        findings=diff_findings(before.findings.findings, after.findings.findings),
        drift=diff_resources(before.resources, after.resources),
    )
