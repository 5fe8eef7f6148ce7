"""``auditgraph remediate RUN_DIR``: playbooks for the failing findings of a run.

Exit codes:

    0   every kept finding got its playbook (or none was kept)
    1   some findings could not be rendered (each named on stderr); the rest were
    2   a bad run folder, an unknown control, a playbook folder that cannot be read
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scanner.bundled import remediation_dir
from scanner.cli_support import (
    CLOUD_IDS,
    EXIT_FAILING,
    EXIT_OK,
    printable,
    reported_errors,
    split_values,
)
from scanner.engine.catalog import check_catalog
from scanner.model import Severity
from scanner.outputs.remediation import (
    FindingFilter,
    RemediationOutput,
    read_run,
    remediate,
)
from scanner.outputs.remediation.render import known_controls
from scanner.outputs.run_record import read_record

REMEDIATE_EPILOG = (
    "[bold]Exit codes[/bold]: [green]0[/green] every kept finding got its playbook · "
    "[red]1[/red] some findings could not be rendered (named on stderr), the others were · "
    "[yellow]2[/yellow] bad run folder, unknown control or unreadable playbooks."
)


class OutputFormat(StrEnum):
    SCRIPT = "script"
    TERRAFORM = "terraform"
    MARKDOWN = "markdown"


ControlsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--control",
        metavar="IDS",
        help="Only findings of these controls, e.g. --control NET-001,RES-003; repeatable.",
    ),
]
MinSeverityOpt = Annotated[
    Severity | None,
    typer.Option("--severity", case_sensitive=False, help="Only findings at or above it."),
]
CloudsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--cloud",
        metavar="CLOUDS",
        help=f"Only findings in these clouds ({', '.join(CLOUD_IDS)}); repeatable.",
    ),
]


def _write(output: RemediationOutput, out: Path | None) -> list[Path]:
    if out is None:
        for name, text in output.files.items():
            if len(output.files) > 1:
                typer.echo(f"# ===== {name}")
            typer.echo(text, nl=False)
        return []
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in output.files.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def remediate_command(
    run_dir: Annotated[
        Path,
        typer.Argument(metavar="RUN_DIR", help="A run folder written by scan/evaluate --out."),
    ],
    controls: ControlsOpt = None,
    severity: MinSeverityOpt = None,
    clouds: CloudsOpt = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="script: one reviewable bash script; terraform: one .tf file per cloud; "
            "markdown: runbooks for change tickets.",
        ),
    ] = OutputFormat.SCRIPT,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Write the files here; default: stdout."),
    ] = None,
    include_waived: Annotated[
        bool, typer.Option("--include-waived", help="Also render waived failing findings.")
    ] = False,
    playbooks: Annotated[
        Path | None,
        typer.Option(
            "--playbooks", metavar="DIR", help="Playbook folder; default: the bundled one."
        ),
    ] = None,
) -> None:
    """Render remediation playbooks for the failing findings of a run. Never runs them.

    The script starts with [bold]set -euo pipefail[/bold], prints each step, and refuses to
    run unless [bold]AUDITGRAPH_CONFIRM=yes[/bold] is set. Every cloud value is shell-quoted
    (script) or HCL-escaped (Terraform). Waived findings are left out unless asked for.

    [bold]Examples[/bold]
      auditgraph remediate run/ --control NET-001
      auditgraph remediate run/ --severity critical --format script > fix.sh
      auditgraph remediate run/ --format terraform --out fixes/
      auditgraph remediate run/ --format markdown --cloud oci
    """
    chosen_clouds = split_values(clouds, CLOUD_IDS, "--cloud")
    with reported_errors():
        run = read_run(run_dir)
        # The run's own catalog gives titles only: a catalog that a newer validator rejects
        # must not make an older run folder unusable, so problems are not fatal here.
        catalog = check_catalog(run_dir / read_record(run_dir).catalog).catalog
        requested = [value.upper() for value in controls or ()]
        chosen_controls = split_values(requested, known_controls(catalog, run), "--control")
        chosen = FindingFilter(
            frozenset(chosen_controls), severity, frozenset(chosen_clouds), include_waived
        )
        output = remediate(
            run, chosen, output_format.value, playbooks or remediation_dir(), catalog, str(run_dir)
        )
        written = _write(output, out)
    _report(output, written)
    raise typer.Exit(EXIT_FAILING if output.problems else EXIT_OK)


def _report(output: RemediationOutput, written: list[Path]) -> None:
    """Problems and a summary on stderr, so that stdout stays a clean script or file."""
    console = Console(stderr=True)
    for problem in output.problems:
        typer.echo(printable(f"error: {problem}"), err=True)
    if output.unplaybooked:
        controls = sorted({finding_id.rsplit("-", 1)[0] for finding_id in output.unplaybooked})
        typer.echo(
            f"warning: {len(output.unplaybooked)} failing finding(s) of controls without a "
            f"playbook ({', '.join(controls)}) are listed as manual steps",
            err=True,
        )
    if not output.files:
        console.print("No failing finding matches the selection: nothing to render.")
    for path in written:
        console.print(f"  {path}", markup=False, highlight=False)


__all__ = ["REMEDIATE_EPILOG", "remediate_command"]
