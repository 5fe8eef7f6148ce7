"""The scope of a scan (clouds → accounts, plus any selection) and its per-framework counts.

Scans are compared, trended and locked per scope: a scan of the AWS accounts alone is not
the predecessor of a scan of the whole estate, and neither is a scan of one control.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.model import Finding, Resource
from scanner.model.snapshot import Manifest


@dataclass(frozen=True)
class Scope:
    """``clouds`` maps each cloud to its sorted accounts; ``selection`` the filters applied."""

    clouds: Mapping[str, tuple[str, ...]]
    selection: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """One line: ``aws:111122223333 oci:ocid1.tenancy...`` and ``| filters`` if any."""
        parts = [f"{cloud}:{','.join(accounts)}" for cloud, accounts in sorted(self.clouds.items())]
        text = " ".join(parts) or "-"
        return f"{text} | {' '.join(self.selection)}" if self.selection else text

    def as_json(self) -> dict[str, Any]:
        return {
            "clouds": {cloud: list(accounts) for cloud, accounts in sorted(self.clouds.items())},
            "selection": list(self.selection),
        }


def scan_scope(
    manifest: Manifest,
    resources: Iterable[Resource],
    clouds: Sequence[str] = (),
    selection: Sequence[str] = (),
) -> Scope:
    """The manifest's clouds and accounts (or the resources' when it names none),
    restricted to ``clouds`` when the run filtered by cloud."""
    found: dict[str, set[str]] = {
        cloud: set(scope.accounts) for cloud, scope in manifest.scope.items()
    }
    if not any(found.values()):
        found = {}
        for resource in resources:
            found.setdefault(resource.cloud.value, set()).add(resource.account)
    kept = {
        cloud: tuple(sorted(accounts))
        for cloud, accounts in found.items()
        if not clouds or cloud in clouds
    }
    return Scope(kept, tuple(selection))


def outcome(finding: Finding) -> str:
    """What a finding counts as: ``waived`` when a waiver applies, else its status."""
    return "waived" if finding.waiver_id else finding.status.value


def scan_counts(findings: Sequence[Finding]) -> dict[str, Any]:
    """Findings per outcome, overall and per framework the finding maps into."""
    per_framework: dict[str, Counter[str]] = {}
    for finding in findings:
        for framework_id, requirements in finding.frameworks.items():
            if requirements:
                per_framework.setdefault(framework_id, Counter())[outcome(finding)] += 1
    return {
        "findings": dict(sorted(Counter(outcome(f) for f in findings).items())),
        "frameworks": {
            framework_id: dict(sorted(counter.items()))
            for framework_id, counter in sorted(per_framework.items())
        },
    }


def failing(findings: Iterable[Finding]) -> int:
    """Failing findings no waiver covers: the number the trend follows."""
    return sum(1 for finding in findings if outcome(finding) == "fail")
