"""Render the playbooks of a run's failing findings, one finding at a time.

A finding whose template needs a value its resource lacks becomes a
:class:`RenderProblem` naming the control, the resource, the template line and the
variable; the other findings still render.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import Environment, TemplateError, UndefinedError

from scanner.engine.catalog import Catalog
from scanner.engine.jurisdiction import country_of, jurisdiction_of
from scanner.model import Finding, Severity, Status
from scanner.outputs.remediation.context import RunInputs, finding_context
from scanner.outputs.remediation.filters import make_environment
from scanner.outputs.remediation.playbooks import Medium, Playbook

TEMPLATE_GLOBALS = {
    "jurisdiction": lambda region, cloud=None: str(jurisdiction_of(region, cloud)),
    "country": lambda region, cloud=None: country_of(region, cloud) or "unknown",
}
"""Functions templates may call, registered explicitly."""


@dataclass(frozen=True)
class FindingFilter:
    """Which findings get a playbook: failing, not waived, within the selection."""

    controls: frozenset[str] = frozenset()
    min_severity: Severity | None = None
    clouds: frozenset[str] = frozenset()
    include_waived: bool = False

    def keeps(self, finding: Finding) -> bool:
        return (
            finding.status is Status.FAIL
            and (self.include_waived or finding.waiver_id is None)
            and (not self.controls or finding.control_id in self.controls)
            and (not self.clouds or finding.cloud in self.clouds)
            and (self.min_severity is None or finding.severity.rank >= self.min_severity.rank)
        )


@dataclass(frozen=True)
class RenderProblem:
    control_id: str
    resource_uid: str
    template: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.control_id} on {self.resource_uid}: {self.template}: {self.message}; "
            "this finding's playbook was not rendered"
        )


@dataclass(frozen=True)
class RenderedFinding:
    finding: Finding
    playbook: Playbook
    text: str | None
    """The rendered template of the medium; None when the cloud has none (manual step)."""


@dataclass
class RenderResult:
    rendered: list[RenderedFinding] = field(default_factory=list)
    problems: list[RenderProblem] = field(default_factory=list)
    unplaybooked: list[Finding] = field(default_factory=list)
    """Failing findings of controls without a playbook folder."""


def selected_findings(run: RunInputs, chosen: FindingFilter) -> list[Finding]:
    """The kept findings in a stable order: control id, then resource uid."""
    kept = (f for f in run.document.findings if chosen.keeps(f))
    return sorted(kept, key=lambda f: (f.control_id, f.resource_uid))


def _control_info(catalog: Catalog, finding: Finding, playbook: Playbook) -> dict[str, Any]:
    compiled = catalog.get(finding.control_id)
    return {
        "id": finding.control_id,
        "title": compiled.control.title if compiled else finding.title,
        "severity": str(finding.severity),
        "playbook": playbook.name,
        "summary": playbook.summary,
    }


def _template_line(tb: TracebackType | None, template_name: str) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(template_name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render_one(env: Environment, name: str, context: dict[str, Any]) -> str:
    return env.get_template(name).render(context)


def render_playbooks(
    run: RunInputs,
    findings: Iterable[Finding],
    playbooks: dict[str, Playbook],
    playbook_root: Path,
    catalog: Catalog,
    medium: Medium | None,
    run_arg: str,
) -> RenderResult:
    """Render ``medium`` (None: the runbook) for every finding; collect problems."""
    env = make_environment(playbook_root)
    env.globals.update(TEMPLATE_GLOBALS)
    result = RenderResult()
    for finding in findings:
        playbook = playbooks.get(finding.control_id)
        if playbook is None:
            result.unplaybooked.append(finding)
            continue
        name = playbook.runbook if medium is None else playbook.template(finding.cloud, medium)
        if name is None:
            result.rendered.append(RenderedFinding(finding, playbook, None))
            continue
        info = _control_info(catalog, finding, playbook)
        context = finding_context(run, finding, info, run_arg)
        try:
            text = _render_one(env, name, context)
        except UndefinedError as exc:
            line = _template_line(sys.exc_info()[2], name)
            where = f"{name}:{line}" if line else name
            message = f"needs a value the snapshot lacks: {exc.message}"
            result.problems.append(
                RenderProblem(finding.control_id, finding.resource_uid, where, message)
            )
            continue
        except TemplateError as exc:
            result.problems.append(
                RenderProblem(finding.control_id, finding.resource_uid, name, str(exc))
            )
            continue
        result.rendered.append(RenderedFinding(finding, playbook, text))
    return result


def known_controls(catalog: Catalog, run: RunInputs) -> Sequence[str]:
    """Control ids a ``--control`` may name: the catalog's and the findings'."""
    ids = {c.id for c in catalog.controls} | {f.control_id for f in run.document.findings}
    return sorted(ids)
