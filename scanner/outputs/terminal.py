"""The scan summary printed to the terminal with rich.

Cloud text is hostile twice over here: rich markup in a resource name would restyle the
output, and terminal control sequences would drive the terminal. :func:`plain` removes
control characters and escapes markup before anything reaches a table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scanner.engine.catalog import Catalog
from scanner.model import FindingsDocument, Severity, Status
from scanner.outputs.views import findings_with_status, framework_views, top_failing

SEVERITY_STYLES: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.CRITICAL: "bold red",
        Severity.HIGH: "red",
        Severity.MEDIUM: "yellow",
        Severity.LOW: "cyan",
        Severity.INFO: "dim",
    }
)


def plain(value: object) -> str:
    """Text safe to hand to rich: one line, no control characters, markup escaped."""
    text = " ".join(str(value).splitlines())
    cleaned = "".join(
        "\N{REPLACEMENT CHARACTER}" if unicodedata.category(char) == "Cc" else char for char in text
    )
    return escape(cleaned)


def print_summary(
    doc: FindingsDocument,
    catalog: Catalog,
    frameworks: Sequence[str],
    console: Console,
    top: int = 10,
) -> None:
    """A totals table per framework, then the ``top`` most severe failing findings."""
    for view in framework_views(doc, catalog, frameworks):
        totals = view.totals
        table = Table(title=f"{plain(view.name)} ({plain(view.version)})", title_justify="left")
        table.add_column("Requirements covered", justify="right")
        table.add_column("Requirements failing", justify="right", style="red")
        table.add_column("Controls passed", justify="right", style="green")
        table.add_column("Controls failed", justify="right", style="red")
        table.add_column("Inconclusive", justify="right", style="yellow")
        table.add_column("Error", justify="right", style="magenta")
        table.add_column("Not applicable", justify="right", style="dim")
        table.add_row(
            f"{totals.requirements_covered}/{totals.requirements_total}",
            str(totals.requirements_failing),
            str(totals.controls_passed),
            str(totals.controls_failed),
            str(totals.controls_inconclusive),
            str(totals.controls_error),
            str(totals.controls_not_applicable),
        )
        console.print(table)

    print_waived(doc, console)
    failing = top_failing(doc, top)
    if not failing:
        console.print("[green]No failing findings.[/green]")
        return
    table = Table(title=f"Top {len(failing)} failing findings", title_justify="left")
    table.add_column("Severity")
    table.add_column("Control")
    table.add_column("Resource")
    table.add_column("Message")
    for finding in failing:
        style = SEVERITY_STYLES[finding.severity]
        table.add_row(
            f"[{style}]{plain(finding.severity)}[/{style}]",
            plain(finding.control_id),
            f"{plain(finding.resource_name)}\n[dim]{plain(finding.resource_uid)}[/dim]",
            plain(finding.message),
        )
    console.print(table)


def print_waived(doc: FindingsDocument, console: Console) -> None:
    """The findings a waiver marks, as "waived (ID)" with their underlying status."""
    waived = findings_with_status(doc, Status.WAIVED)
    if not waived:
        return
    table = Table(title=f"{len(waived)} waived findings", title_justify="left")
    for column in ("Severity", "Control", "Resource", "Status"):
        table.add_column(column)
    for finding in waived:
        label = f"waived ({finding.waiver_id})" if finding.waiver_id else "waived"
        table.add_row(
            plain(finding.severity),
            plain(finding.control_id),
            f"{plain(finding.resource_name)}\n[dim]{plain(finding.resource_uid)}[/dim]",
            f"[cyan]{plain(label)}[/cyan]\n[dim]{plain(finding.status)}[/dim]",
        )
    console.print(table)
