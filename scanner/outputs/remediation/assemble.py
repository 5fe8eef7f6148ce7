"""Assemble rendered playbooks into the three outputs: a script, Terraform, runbooks.

Only fixed text and quoted values reach the output: section banners and manual-step
messages go through ``shlex.quote`` (script) or carry only control and finding ids, which
are ``[A-Z0-9-]`` text (Terraform comments). Nothing here depends on the clock: the time of
record is the snapshot's collection end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.model import Cloud, Finding, ScanInfo
from scanner.outputs.remediation.filters import md_text, shell_quote
from scanner.outputs.remediation.playbooks import Medium
from scanner.outputs.remediation.render import RenderedFinding, RenderProblem

CONFIRM_VARIABLE = "AUDITGRAPH_CONFIRM"
SCRIPT_FILE = "remediation.sh"
MARKDOWN_FILE = "remediation.md"

SCRIPT_HEADER = f"""#!/usr/bin/env bash
set -euo pipefail
# auditgraph remediation script. auditgraph never runs it: read every step first.
# Run it with {CONFIRM_VARIABLE}=yes once reviewed; each step prints what it changes.
if [ "${{{CONFIRM_VARIABLE}:-}}" != "yes" ]; then
  echo "Refusing to run: review this script, then run it with {CONFIRM_VARIABLE}=yes" >&2
  exit 3
fi
"""

TF_PROVIDERS = {
    Cloud.OCI: ("oci", "oracle/oci"),
    Cloud.AWS: ("aws", "hashicorp/aws"),
    Cloud.AZURE: ("azurerm", "hashicorp/azurerm"),
}
"""Cloud → (local provider name, registry source) for the ``required_providers`` block."""


@dataclass(frozen=True)
class Assembly:
    """What the renderers need besides the rendered findings."""

    scan: ScanInfo
    run_arg: str
    problems: list[RenderProblem]
    unplaybooked: list[Finding]
    """Failing findings of controls that have no playbook folder."""


def _no_playbook(finding: Finding) -> str:
    return (
        f"manual step: {finding.control_id} on {finding.resource_name} ({finding.resource_uid}) "
        f"has no playbook: {finding.message}. See auditgraph controls show {finding.control_id}"
    )


def _banner(item: RenderedFinding) -> str:
    f = item.finding
    return f"==> {f.control_id} {item.playbook.name} [{f.severity}] {f.cloud} {f.resource_name}"


def _manual_message(item: RenderedFinding, run_arg: str) -> str:
    f = item.finding
    return (
        f"manual step: {f.control_id} on {f.resource_name} ({f.resource_uid}): "
        f"{item.playbook.manual_reason(f.cloud)}. Follow the runbook: auditgraph remediate "
        f"{run_arg} --control {f.control_id} --format markdown"
    )


def assemble_script(items: list[RenderedFinding], assembly: Assembly) -> dict[str, str]:
    """One bash script: the guard, then one section per finding, in finding order."""
    lines = [
        SCRIPT_HEADER,
        f"# Snapshot {assembly.scan.snapshot_digest[:16]}, collected until "
        f"{assembly.scan.finished}.",
    ]
    for item in items:
        lines.append(f"\n# --- finding {item.finding.finding_id}")
        lines.append(f"echo {shell_quote(_banner(item))}")
        if item.text is None:
            lines.append(f"echo {shell_quote(_manual_message(item, assembly.run_arg))}")
        else:
            lines.append(item.text.rstrip("\n"))
    for finding in assembly.unplaybooked:
        lines.append(f"\n# --- finding {finding.finding_id} (no playbook)")
        lines.append(f"echo {shell_quote(_no_playbook(finding))}")
    for problem in assembly.problems:
        lines.append(f"\n# --- not rendered: {problem.control_id}")
        lines.append(f"echo {shell_quote('not rendered: ' + str(problem))} >&2")
    lines.append('\necho "Done. Verify with the auditgraph command each step printed."')
    return {SCRIPT_FILE: "\n".join(lines) + "\n"}


def _tf_header(cloud: Cloud) -> str:
    local, source = TF_PROVIDERS[cloud]
    return (
        f"# auditgraph remediation for {cloud}: the settings each failing finding needs.\n"
        "# These blocks describe existing resources: import them (terraform import) or\n"
        "# merge the arguments into your definitions; review the plan before applying.\n"
        "terraform {\n  required_providers {\n"
        f'    {local} = {{\n      source = "{source}"\n    }}\n'
        "  }\n}\n"
    )


def assemble_terraform(items: list[RenderedFinding], assembly: Assembly) -> dict[str, str]:
    """One ``remediation-<cloud>.tf`` per cloud that has findings."""
    files: dict[str, list[str]] = {}
    for item in items:
        cloud = item.finding.cloud
        parts = files.setdefault(f"remediation-{cloud}.tf", [_tf_header(cloud)])
        parts.append(f"\n# --- finding {item.finding.finding_id}")
        if item.text is None:
            parts.append(
                f"# manual step: {item.finding.control_id} has no Terraform form for {cloud}; "
                f"see the runbook (--format markdown --control {item.finding.control_id})."
            )
        else:
            parts.append(item.text.rstrip("\n"))
    return {name: "\n".join(parts) + "\n" for name, parts in sorted(files.items())}


def assemble_markdown(items: list[RenderedFinding], assembly: Assembly) -> dict[str, str]:
    """The runbooks, one section per finding, for change tickets."""
    parts = [
        "# Remediation runbooks\n",
        f"Snapshot `{assembly.scan.snapshot_digest[:16]}`, collected until "
        f"{assembly.scan.finished}. One section per failing finding.\n",
    ]
    parts.extend((item.text or "").rstrip("\n") + "\n" for item in items)
    if assembly.unplaybooked:
        parts.append("## Findings without a playbook\n")
        parts.extend(f"- {md_text(_no_playbook(f))}\n" for f in assembly.unplaybooked)
    if assembly.problems:
        parts.append("## Not rendered\n")
        parts.extend(f"- {md_text(str(problem))}\n" for problem in assembly.problems)
    return {MARKDOWN_FILE: "\n".join(parts)}


Assembler = Callable[[list[RenderedFinding], Assembly], dict[str, str]]

FORMATS: dict[str, tuple[Medium | None, Assembler]] = {
    "script": (Medium.CLI, assemble_script),
    "terraform": (Medium.TF, assemble_terraform),
    "markdown": (None, assemble_markdown),
}
"""Output format → (template medium, None for the runbook; the assembler)."""
