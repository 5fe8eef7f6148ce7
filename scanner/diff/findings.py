"""What changed in the findings between two scans, keyed by ``finding_id``.

``finding_id`` is a hash of the control id and the resource uid, so the same control on
the same resource is the same finding in both scans. With *before* the older scan and
*after* the newer one, every finding falls in at most one of the status categories:

* **new**: fail after, and absent before or neither pass nor fail before (inconclusive,
  error): a failure the previous scan did not report.
* **regressed**: pass before, fail after.
* **resolved**: fail before, and absent after or anything but fail after.
* **unchanged**: fail before and after.
* **status changed**: present on both sides with different statuses, neither of them fail
  (pass → inconclusive, error → pass, ...).

Findings that are absent on one side and do not fail on the other are in no category.
**Waiver changed** is independent of those: present on both sides with a different
``waiver_id`` (waived, unwaived, or another waiver). Statuses are the underlying ones:
a waived failure is still a failure here, shown with its waiver; only
:meth:`FindingsDiff.failing_new` leaves waived findings out, as ``--fail-on`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scanner.model import Finding, Severity, Status


@dataclass(frozen=True)
class FindingState:
    status: Status
    waiver_id: str | None

    @classmethod
    def of(cls, finding: Finding | None) -> FindingState | None:
        return None if finding is None else cls(finding.status, finding.waiver_id)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "waiver_id": self.waiver_id}


@dataclass(frozen=True)
class FindingChange:
    """One finding on both sides; ``None`` where it is absent."""

    finding_id: str
    control_id: str
    resource_uid: str
    resource_name: str
    severity: Severity
    message: str
    """The newest message: after's if the finding exists there, else before's."""
    before: FindingState | None
    after: FindingState | None

    def as_json(self) -> dict[str, Any]:
        return {
            "finding_id": self.finding_id,
            "control_id": self.control_id,
            "resource_uid": self.resource_uid,
            "resource_name": self.resource_name,
            "severity": self.severity.value,
            "message": self.message,
            "before": self.before.as_json() if self.before else None,
            "after": self.after.as_json() if self.after else None,
        }


CATEGORIES: tuple[str, ...] = (
    "new",
    "regressed",
    "resolved",
    "unchanged",
    "status_changed",
    "waiver_changed",
)
"""The finding categories, in the order renderers show them."""


@dataclass(frozen=True)
class FindingsDiff:
    """Each category sorted by severity (most severe first), control id, resource uid."""

    new: tuple[FindingChange, ...]
    regressed: tuple[FindingChange, ...]
    resolved: tuple[FindingChange, ...]
    unchanged: tuple[FindingChange, ...]
    status_changed: tuple[FindingChange, ...]
    waiver_changed: tuple[FindingChange, ...]

    def category(self, name: str) -> tuple[FindingChange, ...]:
        changes: tuple[FindingChange, ...] = getattr(self, name)
        return changes

    def failing_new(self, floor: Severity) -> list[FindingChange]:
        """New and regressed failures at or above ``floor`` that no waiver marks."""
        return [
            change
            for change in (*self.new, *self.regressed)
            if change.after is not None
            and change.after.waiver_id is None
            and change.severity.rank >= floor.rank
        ]

    def as_json(self) -> dict[str, Any]:
        return {name: [change.as_json() for change in self.category(name)] for name in CATEGORIES}


def diff_findings(before: Iterable[Finding], after: Iterable[Finding]) -> FindingsDiff:
    """Categorise every finding id of either side (see the module docstring)."""
    old = {finding.finding_id: finding for finding in before}
    new = {finding.finding_id: finding for finding in after}
    buckets: dict[str, list[FindingChange]] = {name: [] for name in CATEGORIES}
    for finding_id in sorted(old.keys() | new.keys()):
        was, now = old.get(finding_id), new.get(finding_id)
        latest = now or was
        if latest is None:  # every id comes from one side or the other
            continue
        change = _change(was, now, latest)
        category = _status_category(was, now)
        if category is not None:
            buckets[category].append(change)
        if was is not None and now is not None and was.waiver_id != now.waiver_id:
            buckets["waiver_changed"].append(change)
    ordered = {name: tuple(sorted(changes, key=_order)) for name, changes in buckets.items()}
    return FindingsDiff(**ordered)


def _status_category(was: Finding | None, now: Finding | None) -> str | None:
    before = was.status if was is not None else None
    after = now.status if now is not None else None
    if after is Status.FAIL:
        if before is Status.FAIL:
            return "unchanged"
        return "regressed" if before is Status.PASS else "new"
    if before is Status.FAIL:
        return "resolved"
    if before is not None and after is not None and before != after:
        return "status_changed"
    return None


def _change(was: Finding | None, now: Finding | None, latest: Finding) -> FindingChange:
    return FindingChange(
        finding_id=latest.finding_id,
        control_id=latest.control_id,
        resource_uid=latest.resource_uid,
        resource_name=latest.resource_name,
        severity=latest.severity,
        message=latest.message,
        before=FindingState.of(was),
        after=FindingState.of(now),
    )


def _order(change: FindingChange) -> tuple[int, str, str, str]:
    return (-change.severity.rank, change.control_id, change.resource_uid, change.finding_id)
