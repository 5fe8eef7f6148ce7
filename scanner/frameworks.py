"""Framework coverage: which controls give evidence for each requirement, and how much.

Each requirement of ``controls/frameworks/*.yaml`` declares a coverage (``automated``,
``partial`` or ``manual``) with a one-line rationale. The controls mapped to it come from the
catalog; a GDPR article also counts the controls mapped to its sub-points (``32`` collects
``32(1)(a)`` … ``32(1)(d)``). :func:`coverage_problems` checks that the declarations agree
with the catalog, so that a report can never show a manual requirement as covered or an
automated one without a control.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scanner.engine.catalog import Catalog, CompiledControl
from scanner.model import Framework, Requirement

COVERAGE_LEVELS: tuple[str, ...] = ("automated", "partial", "manual")
UNDECLARED = "undeclared"


@dataclass(frozen=True)
class RequirementCoverage:
    requirement: Requirement
    controls: tuple[CompiledControl, ...]
    """Controls mapped to the requirement or to one of its sub-points, by id."""

    @property
    def coverage(self) -> str:
        return self.requirement.coverage or UNDECLARED

    @property
    def evidence(self) -> str:
        """What an auditor still needs: nothing beyond the scan, or manual evidence."""
        return {
            "automated": "scan findings",
            "partial": "scan findings + manual evidence",
            "manual": "needs manual evidence",
        }.get(self.coverage, "coverage not declared")


@dataclass(frozen=True)
class FrameworkCoverage:
    framework: Framework
    requirements: tuple[RequirementCoverage, ...]

    def counts(self) -> dict[str, int]:
        """Requirements per coverage level (every level present, zero when unused)."""
        found = Counter(item.coverage for item in self.requirements)
        levels = [*COVERAGE_LEVELS, *([UNDECLARED] if found[UNDECLARED] else [])]
        return {level: found[level] for level in levels}

    def control_ids(self) -> tuple[str, ...]:
        return tuple(sorted({c.id for item in self.requirements for c in item.controls}))

    def cross_cloud_ids(self) -> tuple[str, ...]:
        return tuple(
            sorted(
                {
                    c.id
                    for item in self.requirements
                    for c in item.controls
                    if c.control.graph_scope == "cross-cloud"
                }
            )
        )


def _is_sub_point(child: str, parent: str) -> bool:
    """``32(1)(a)`` is a sub-point of ``32`` and of ``32(1)``; ``5.1`` is not of ``5``."""
    return child.startswith(parent + "(")


def framework_coverage(catalog: Catalog, framework_id: str) -> FrameworkCoverage:
    framework = catalog.frameworks[framework_id]
    mapped: dict[str, list[CompiledControl]] = {}
    for compiled in catalog.controls:
        for requirement_id in compiled.control.maps_to.get(framework_id, []):
            mapped.setdefault(requirement_id, []).append(compiled)
    items = []
    for requirement in framework.requirements:
        controls = {
            c.id: c
            for rid, found in mapped.items()
            if rid == requirement.id or _is_sub_point(rid, requirement.id)
            for c in found
        }
        items.append(RequirementCoverage(requirement, tuple(controls[k] for k in sorted(controls))))
    return FrameworkCoverage(framework, tuple(items))


def coverage_problems(catalog: Catalog) -> list[str]:
    """Every disagreement between declared coverage and the catalog, one line each."""
    problems: list[str] = []
    for framework_id in sorted(catalog.frameworks):
        for item in framework_coverage(catalog, framework_id).requirements:
            where = f"{framework_id} {item.requirement.id}"
            if item.coverage == UNDECLARED or not item.requirement.rationale:
                problems.append(f"{where}: coverage and rationale must be declared")
            elif item.coverage == "manual" and item.controls:
                ids = ", ".join(c.id for c in item.controls)
                problems.append(f"{where}: declared manual but controls map to it: {ids}")
            elif item.coverage != "manual" and not item.controls:
                problems.append(f"{where}: declared {item.coverage} but no control maps to it")
    return problems
