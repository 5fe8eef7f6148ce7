"""The data every renderer shares, computed from a findings document and a catalog.

Everything here is a pure function of its arguments and returns frozen dataclasses, so
the HTML, Markdown and terminal renderers all show the same numbers in the same order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from scanner.engine.catalog import Catalog
from scanner.engine.waivers import is_waived
from scanner.model import Control, Finding, FindingsDocument, Severity, Status

_T = TypeVar("_T")


class ControlStatus(StrEnum):
    """The status of a whole control, derived from its findings."""

    PASS = "pass"  # noqa: S105
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"


_FINDING_ORDER: Mapping[Status, int] = MappingProxyType(
    {
        Status.FAIL: 0,
        Status.INCONCLUSIVE: 1,
        Status.ERROR: 2,
        Status.PASS: 3,
        Status.WAIVED: 4,
    }
)
"""How findings are listed under a control: problems first, then passes, then waivers.
A finding an active waiver marks sorts as ``waived`` whatever its underlying status."""

_CONTROL_PRECEDENCE = (
    ControlStatus.FAIL,
    ControlStatus.ERROR,
    ControlStatus.INCONCLUSIVE,
    ControlStatus.PASS,
    ControlStatus.NOT_APPLICABLE,
)
"""Worst first: the status of a group of controls is the first one present here."""


@dataclass(frozen=True)
class FindingCounts:
    """Number of findings per finding status."""

    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    waived: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.inconclusive + self.error + self.waived


@dataclass(frozen=True)
class ControlCounts:
    """Number of controls per control status."""

    passed: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    not_applicable: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.inconclusive + self.error + self.not_applicable


@dataclass(frozen=True)
class ControlView:
    """One control as shown under a requirement, with its findings."""

    control_id: str
    title: str
    severity: Severity
    status: ControlStatus
    findings: tuple[Finding, ...]
    """Failing, inconclusive and error findings first, then passes, then waived ones."""
    counts: FindingCounts


@dataclass(frozen=True)
class RequirementView:
    """One requirement of a framework and the controls mapped to it."""

    requirement_id: str
    title: str
    group: str
    new_in_2022: bool
    controls: tuple[ControlView, ...]
    """Sorted by control id."""
    counts: ControlCounts
    status: ControlStatus
    """The worst status among its controls; not_applicable when it has none."""

    @property
    def covered(self) -> bool:
        return bool(self.controls)


@dataclass(frozen=True)
class FrameworkTotals:
    requirements_total: int
    requirements_covered: int
    """Requirements with at least one control mapped to them."""
    requirements_failing: int
    """Requirements with at least one failing control."""
    controls_total: int
    """Distinct controls mapped into the framework."""
    controls_passed: int
    controls_failed: int
    controls_inconclusive: int
    controls_error: int
    controls_not_applicable: int


@dataclass(frozen=True)
class FrameworkView:
    framework_id: str
    name: str
    version: str
    requirements: tuple[RequirementView, ...]
    """In the order of the framework file."""
    controls: tuple[ControlView, ...]
    """Distinct controls mapped into the framework, sorted by control id."""
    totals: FrameworkTotals


def display_status(finding: Finding) -> Status:
    """``waived`` for a finding an active waiver marks, else its own status."""
    return Status.WAIVED if is_waived(finding) else finding.status


def control_status(findings: Iterable[Finding]) -> ControlStatus:
    """fail > error > inconclusive > pass (waived counts as pass); no findings: not_applicable."""
    statuses = {display_status(finding) for finding in findings}
    if Status.FAIL in statuses:
        return ControlStatus.FAIL
    if Status.ERROR in statuses:
        return ControlStatus.ERROR
    if Status.INCONCLUSIVE in statuses:
        return ControlStatus.INCONCLUSIVE
    if Status.PASS in statuses or Status.WAIVED in statuses:
        return ControlStatus.PASS
    return ControlStatus.NOT_APPLICABLE


def worst_status(statuses: Iterable[ControlStatus]) -> ControlStatus:
    """The worst of several control statuses; not_applicable for none."""
    present = set(statuses)
    return next(
        (status for status in _CONTROL_PRECEDENCE if status in present),
        ControlStatus.NOT_APPLICABLE,
    )


def count_findings(findings: Iterable[Finding]) -> FindingCounts:
    tally = _tally(display_status(finding) for finding in findings)
    return FindingCounts(
        passed=tally[Status.PASS],
        failed=tally[Status.FAIL],
        inconclusive=tally[Status.INCONCLUSIVE],
        error=tally[Status.ERROR],
        waived=tally[Status.WAIVED],
    )


def count_controls(controls: Iterable[ControlView]) -> ControlCounts:
    tally = _tally(control.status for control in controls)
    return ControlCounts(
        passed=tally[ControlStatus.PASS],
        failed=tally[ControlStatus.FAIL],
        inconclusive=tally[ControlStatus.INCONCLUSIVE],
        error=tally[ControlStatus.ERROR],
        not_applicable=tally[ControlStatus.NOT_APPLICABLE],
    )


def sort_control_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Order findings under a control: status group, severity (most severe first), uid."""
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                _FINDING_ORDER[display_status(f)],
                -f.severity.rank,
                f.resource_uid,
                f.finding_id,
            ),
        )
    )


def findings_by_control(doc: FindingsDocument) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = defaultdict(list)
    for finding in doc.findings:
        grouped[finding.control_id].append(finding)
    return dict(grouped)


def framework_view(doc: FindingsDocument, catalog: Catalog, framework_id: str) -> FrameworkView:
    """Requirements of one framework, the controls mapped to each and their findings."""
    framework = catalog.frameworks.get(framework_id)
    if framework is None:
        known = ", ".join(sorted(catalog.frameworks)) or "none"
        raise ValueError(f"unknown framework {framework_id!r}; known frameworks: {known}")
    grouped = findings_by_control(doc)
    control_views: dict[str, ControlView] = {}
    by_requirement: dict[str, list[ControlView]] = defaultdict(list)
    for compiled in sorted(catalog.controls, key=lambda c: c.id):
        requirement_ids = compiled.control.maps_to.get(framework_id, [])
        if not requirement_ids:
            continue
        view = _control_view(compiled.control, grouped.get(compiled.id, []))
        for requirement_id in dict.fromkeys(requirement_ids):
            by_requirement[requirement_id].append(view)
    requirements: list[RequirementView] = []
    for requirement in framework.requirements:
        controls = tuple(by_requirement.get(requirement.id, ()))
        for view in controls:
            control_views[view.control_id] = view
        requirements.append(
            RequirementView(
                requirement_id=requirement.id,
                title=requirement.title,
                group=requirement.group,
                new_in_2022=requirement.new_in_2022,
                controls=controls,
                counts=count_controls(controls),
                status=worst_status(view.status for view in controls),
            )
        )
    distinct = tuple(control_views[cid] for cid in sorted(control_views))
    counts = count_controls(distinct)
    totals = FrameworkTotals(
        requirements_total=len(requirements),
        requirements_covered=sum(1 for r in requirements if r.covered),
        requirements_failing=sum(1 for r in requirements if r.counts.failed),
        controls_total=counts.total,
        controls_passed=counts.passed,
        controls_failed=counts.failed,
        controls_inconclusive=counts.inconclusive,
        controls_error=counts.error,
        controls_not_applicable=counts.not_applicable,
    )
    return FrameworkView(
        framework_id=framework.id,
        name=framework.name,
        version=framework.version,
        requirements=tuple(requirements),
        controls=distinct,
        totals=totals,
    )


def framework_views(
    doc: FindingsDocument, catalog: Catalog, framework_ids: Sequence[str]
) -> list[FrameworkView]:
    """One view per framework id, in the order given, duplicates dropped."""
    return [framework_view(doc, catalog, fid) for fid in dict.fromkeys(framework_ids)]


def findings_with_status(doc: FindingsDocument, status: Status) -> list[Finding]:
    """Findings of one status (``waived``: those a waiver marks, and no others): severity
    (most severe first), then control id, then uid."""
    return sorted(
        (finding for finding in doc.findings if display_status(finding) == status),
        key=lambda f: (-f.severity.rank, f.control_id, f.resource_uid, f.finding_id),
    )


def top_failing(doc: FindingsDocument, limit: int) -> list[Finding]:
    """The ``limit`` most severe failing findings, then by control id and resource uid."""
    return findings_with_status(doc, Status.FAIL)[: max(limit, 0)]


def _control_view(control: Control, findings: Sequence[Finding]) -> ControlView:
    return ControlView(
        control_id=control.id,
        title=control.title,
        severity=control.severity,
        status=control_status(findings),
        findings=sort_control_findings(findings),
        counts=count_findings(findings),
    )


def _tally(values: Iterable[_T]) -> defaultdict[_T, int]:
    tally: defaultdict[_T, int] = defaultdict(int)
    for value in values:
        tally[value] += 1
    return tally
