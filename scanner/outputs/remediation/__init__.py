"""Remediation playbooks rendered per failing finding: a script, Terraform or runbooks.

Templates live in ``remediation/<CONTROL-ID>/`` (see :mod:`.playbooks`); this package
reads a run folder, renders the playbook of every kept finding with that resource's
identifiers and offending values, and assembles one output per format. auditgraph never
runs what it renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.engine.catalog import Catalog
from scanner.outputs.remediation.assemble import FORMATS, Assembly
from scanner.outputs.remediation.context import RunInputs, read_run
from scanner.outputs.remediation.playbooks import Playbook, load_playbooks
from scanner.outputs.remediation.render import (
    FindingFilter,
    RenderProblem,
    render_playbooks,
    selected_findings,
)

FORMAT_NAMES: tuple[str, ...] = tuple(FORMATS)

__all__ = [
    "FORMAT_NAMES",
    "FindingFilter",
    "Playbook",
    "RemediationOutput",
    "RenderProblem",
    "RunInputs",
    "load_playbooks",
    "read_run",
    "remediate",
]


@dataclass(frozen=True)
class RemediationOutput:
    files: dict[str, str]
    """File name → content, in name order."""
    problems: list[RenderProblem]
    finding_count: int
    unplaybooked: list[str]
    """Finding ids of controls that have no playbook folder."""


def remediate(
    run: RunInputs,
    chosen: FindingFilter,
    output_format: str,
    playbook_root: Path,
    catalog: Catalog,
    run_arg: str,
) -> RemediationOutput:
    """Render one format for the kept findings of a run."""
    medium, assembler = FORMATS[output_format]
    playbooks = load_playbooks(playbook_root)
    findings = selected_findings(run, chosen)
    result = render_playbooks(run, findings, playbooks, playbook_root, catalog, medium, run_arg)
    assembly = Assembly(run.document.scan, run_arg, result.problems, result.unplaybooked)
    files = assembler(result.rendered, assembly) if findings else {}
    return RemediationOutput(
        files=dict(sorted(files.items())),
        problems=result.problems,
        finding_count=len(result.rendered),
        unplaybooked=[f.finding_id for f in result.unplaybooked],
    )
