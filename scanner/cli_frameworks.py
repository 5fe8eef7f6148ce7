"""``auditgraph frameworks``: requirement coverage of SOC 2, ISO/IEC 27001:2022 and GDPR.

Exit codes:

    0   printed
    2   unknown framework, or a catalog that does not load (every problem on stderr)
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scanner.bundled import controls_dir
from scanner.cli_support import EXIT_ERROR, CatalogOpt, printable, reported_errors
from scanner.engine.catalog import Catalog, load_catalog
from scanner.frameworks import FrameworkCoverage, RequirementCoverage, framework_coverage
from scanner.model import FRAMEWORK_IDS

EPILOG = (
    "[bold]Exit codes[/bold]: [green]0[/green] printed · "
    "[yellow]2[/yellow] unknown framework or catalog error (message on stderr)."
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

frameworks_app = typer.Typer(
    help="Framework coverage: requirements, what the controls automate, what needs manual "
    "evidence.",
    epilog=EPILOG,
    rich_markup_mode="rich",
    invoke_without_command=True,
)

_COVERAGE_STYLE = {"automated": "green", "partial": "yellow", "manual": "red"}


def _load(catalog: CatalogOpt) -> Catalog:
    with reported_errors():
        return load_catalog(catalog or controls_dir())


def summary_json(coverage: FrameworkCoverage) -> dict[str, Any]:
    framework = coverage.framework
    return {
        "id": framework.id,
        "name": framework.name,
        "version": framework.version,
        "requirements": len(coverage.requirements),
        "coverage": coverage.counts(),
        "controls": list(coverage.control_ids()),
        "cross_cloud_controls": list(coverage.cross_cloud_ids()),
    }


def requirement_json(item: RequirementCoverage) -> dict[str, Any]:
    return {
        "id": item.requirement.id,
        "title": item.requirement.title,
        "group": item.requirement.group,
        "coverage": item.coverage,
        "rationale": item.requirement.rationale,
        "controls": [c.id for c in item.controls],
        "evidence": item.evidence,
    }


def summary_table(coverages: list[FrameworkCoverage]) -> Table:
    table = Table(title="Framework coverage (requirements by coverage; controls giving evidence)")
    table.add_column("Framework")
    for header in ("Requirements", "Automated", "Partial", "Manual", "Controls", "Cross-cloud"):
        table.add_column(header, justify="right")
    for coverage in coverages:
        counts = coverage.counts()
        table.add_row(
            coverage.framework.id,
            str(len(coverage.requirements)),
            str(counts["automated"]),
            str(counts["partial"]),
            str(counts["manual"]),
            str(len(coverage.control_ids())),
            str(len(coverage.cross_cloud_ids())),
        )
    return table


def requirements_table(coverage: FrameworkCoverage) -> Table:
    table = Table(title=f"{coverage.framework.name} ({coverage.framework.version})")
    for header in ("Requirement", "Title", "Coverage", "Controls", "Evidence needed"):
        table.add_column(header, overflow="fold")
    for item in coverage.requirements:
        style = _COVERAGE_STYLE.get(item.coverage, "magenta")
        controls = ", ".join(c.id for c in item.controls) or "-"
        needed = item.evidence
        if item.coverage != "automated" and item.requirement.rationale:
            needed = f"{needed}: {item.requirement.rationale}"
        table.add_row(
            item.requirement.id,
            printable(item.requirement.title),
            f"[{style}]{item.coverage}[/{style}]",
            controls,
            printable(needed),
        )
    return table


@frameworks_app.callback()
def frameworks_summary(
    ctx: typer.Context, json_output: JsonOpt = False, catalog: CatalogOpt = None
) -> None:
    """Per framework: requirements, how many are automated / partial / manual, and the
    controls (and cross-cloud controls) that give evidence.

    [bold]Examples[/bold]
      auditgraph frameworks
      auditgraph frameworks --json
      auditgraph frameworks show soc2
    """
    if ctx.invoked_subcommand is not None:
        return
    loaded = _load(catalog)
    coverages = [framework_coverage(loaded, fid) for fid in FRAMEWORK_IDS]
    if json_output:
        document = [summary_json(coverage) for coverage in coverages]
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    Console().print(summary_table(coverages))


@frameworks_app.command("show", epilog=EPILOG)
def frameworks_show(
    framework_id: Annotated[
        str, typer.Argument(metavar="FRAMEWORK", help=f"One of {', '.join(FRAMEWORK_IDS)}.")
    ],
    json_output: JsonOpt = False,
    catalog: CatalogOpt = None,
) -> None:
    """Each requirement of a framework: its coverage, the controls that give evidence for
    it, and what needs manual evidence (never shown as passed).

    [bold]Examples[/bold]
      auditgraph frameworks show soc2
      auditgraph frameworks show gdpr --json
    """
    if framework_id not in FRAMEWORK_IDS:
        typer.echo(
            f"error: unknown framework {framework_id!r}; choose one of {', '.join(FRAMEWORK_IDS)}",
            err=True,
        )
        raise typer.Exit(EXIT_ERROR)
    coverage = framework_coverage(_load(catalog), framework_id)
    if json_output:
        document = {
            **summary_json(coverage),
            "requirements": [requirement_json(item) for item in coverage.requirements],
        }
        typer.echo(json.dumps(document, indent=2, sort_keys=True))
        return
    Console().print(requirements_table(coverage))
