"""Control and framework definitions as loaded from ``controls/``."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from scanner.model.base import Cloud, Contract, JSONValue

FRAMEWORK_IDS: tuple[str, ...] = ("soc2", "iso27001_2022", "gdpr")


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe: critical 4 ... info 0."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class AppliesTo(Contract):
    kinds: list[str] = Field(default_factory=list, description="Normalised kinds.")
    types: list[str] = Field(default_factory=list, description="Native types.")
    clouds: list[Cloud] = Field(
        default_factory=lambda: list(Cloud), description="Clouds the control covers."
    )


class Example(Contract):
    """An executable example: a small estate and the status the control must give."""

    name: str
    expect: Literal["pass", "fail", "inconclusive"]
    resource: dict[str, JSONValue] = Field(description="The resource under evaluation.")
    related: list[dict[str, JSONValue]] = Field(default_factory=list)
    edges: list[dict[str, JSONValue]] = Field(default_factory=list)
    gaps: list[dict[str, JSONValue]] = Field(default_factory=list)
    params: dict[str, JSONValue] = Field(default_factory=dict, description="Param overrides.")


GraphScope = Literal["resource", "graph", "cross-cloud"]


class MappingNote(Contract):
    """Why a control maps to its framework requirements, and who else maps the same check."""

    rationale: str = Field(description="Why the check is evidence for those requirements.")
    sources: list[str] = Field(
        default_factory=list,
        description="Other tools mapping an equivalent check, e.g. prowler:<check id>.",
    )


class Control(Contract):
    """One control of the catalog (see README, "Writing a control")."""

    id: str = Field(pattern=r"^[A-Z]{2,4}-\d{3}$")
    version: int = 1
    title: str
    description: str
    domain: str
    severity: Severity
    applies_to: AppliesTo
    when: str | None = Field(
        default=None, description="CEL precondition; false = not applicable, no finding."
    )
    expression: str = Field(description="CEL; true = pass, false = fail.")
    details: str | None = Field(
        default=None, description="CEL evaluated on failure; its value fills {details}."
    )
    message: str = Field(description="Failure message; {resource.name}, {props.x}, {details}.")
    params: list[str] = Field(default_factory=list, description="Params the CEL reads.")
    graph_scope: GraphScope | None = Field(
        default=None,
        description=(
            "resource: reads one resource; graph: follows edges within a cloud; cross-cloud: "
            "follows edges that may cross clouds (the research's XC controls). Checked against "
            "the CEL when given."
        ),
    )
    maps_to: dict[str, list[str]] = Field(description="Framework id → requirement ids.")
    mapping: MappingNote | None = Field(
        default=None, description="Rationale and prior art of the mapping."
    )
    remediation: list[str] = Field(default_factory=list)
    examples: list[Example] = Field(default_factory=list)


Coverage = Literal["automated", "partial", "manual"]


class Requirement(Contract):
    id: str
    title: str
    group: str
    new_in_2022: bool = False
    coverage: Coverage | None = Field(
        default=None,
        description=(
            "automated: controls give the evidence; partial: controls give part of it and the "
            "rest is manual; manual: no configuration shows it."
        ),
    )
    rationale: str | None = Field(default=None, description="One line: why that coverage.")


class Framework(Contract):
    id: str
    name: str
    version: str
    requirements: list[Requirement]
