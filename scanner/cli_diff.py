"""``auditgraph diff A B``: new, resolved and changed findings, and resource drift.

Exit codes:

    0   compared; no new failing finding at or above --fail-on-new
    1   new (or regressed) failing findings at or above --fail-on-new, none of them waived
    2   a side that cannot be read, or a bad catalog, config or waivers file
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from scanner.cli_history import StoreOpt
from scanner.cli_support import (
    EXIT_FAILING,
    EXIT_OK,
    CatalogOpt,
    ConfigOpt,
    FailOn,
    reported_errors,
)
from scanner.diff import ScanDiff, diff_sides
from scanner.diff.render import RENDERERS, print_diff
from scanner.diff.sides import SideContext
from scanner.history.sides import resolve_sides
from scanner.model import Severity

DIFF_EPILOG = (
    "[bold]Exit codes[/bold]: [green]0[/green] compared, nothing new at or above "
    "--fail-on-new · [red]1[/red] new or regressed failing findings (not waived) at or above "
    "--fail-on-new · [yellow]2[/yellow] a side, catalog, config or waivers file that cannot "
    "be read (message on stderr)."
)


class DiffFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MD = "md"


SideArg = Annotated[
    str | None,
    typer.Argument(
        metavar="SIDE",
        help="A run folder (findings.json + snapshot/, as scan --out writes) or a snapshot "
        "folder (evaluated now with --catalog, --config and --waivers), or a scan id in "
        "the history store (12, or scan:12). Neither side given: the last two scans.",
        show_default=False,
    ),
]


def failing_new_code(diff: ScanDiff, fail_on_new: FailOn) -> int:
    if fail_on_new is FailOn.NONE:
        return EXIT_OK
    floor = Severity(fail_on_new.value)
    return EXIT_FAILING if diff.findings.failing_new(floor) else EXIT_OK


def diff_command(
    before: SideArg = None,
    after: SideArg = None,
    output_format: Annotated[
        DiffFormat,
        typer.Option("--format", case_sensitive=False, help="table (terminal), json or md."),
    ] = DiffFormat.TABLE,
    fail_on_new: Annotated[
        FailOn,
        typer.Option(
            "--fail-on-new",
            case_sensitive=False,
            help="Exit 1 when a new or regressed failing finding (not waived) is at or above "
            "this severity. Default none.",
        ),
    ] = FailOn.NONE,
    catalog: CatalogOpt = None,
    config: ConfigOpt = None,
    waivers: Annotated[
        Path | None,
        typer.Option(
            "--waivers",
            metavar="FILE",
            help="Waivers applied to a side evaluated from a snapshot folder (a run folder "
            "keeps the waivers of its scan).",
        ),
    ] = None,
    history: StoreOpt = None,
) -> None:
    """Compare two scans: new, regressed, resolved and unchanged failing findings, other
    status and waiver changes, and resources added, removed or changed (by prop path).

    BEFORE is the older scan, AFTER the newer one. A finding is the same finding on both
    sides when its control and resource are the same (its finding_id).

    [bold]Examples[/bold]
      auditgraph diff last-week/ today/
      auditgraph diff last-week/ today/ --format md > changes.md
      auditgraph diff old-snap/ new-snap/ --config estate.yaml --fail-on-new high
      auditgraph diff run-a/ run-b/ --format json
      auditgraph diff                       # the last two scans in the history store
      auditgraph diff 12 15 --history postgresql://auditgraph@db/auditgraph
    """
    context = SideContext(catalog, config, waivers)
    with reported_errors():
        result = diff_sides(*resolve_sides(before, after, context, history))
    if output_format is DiffFormat.TABLE:
        print_diff(result, Console())
    else:
        typer.echo(RENDERERS[output_format.value](result), nl=False)
    raise typer.Exit(failing_new_code(result, fail_on_new))
