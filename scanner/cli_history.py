"""``auditgraph history`` and the ``--history`` hook of scan/evaluate.

Recording happens after the reports are written: a store that cannot be reached costs the
history entry (reported, exit 2), never the reports.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.cli_support import printable, reported_errors
from scanner.history import HistoryError, HistoryStore, ScanInput, StoredScan, scan_scope
from scanner.history.url import HISTORY_ENV
from scanner.model import FRAMEWORK_IDS, FindingsDocument, Severity, Snapshot

DEFAULT_WORD = "default"
"""``--history default`` stands for the default SQLite file."""

EPILOG = (
    "[bold]Exit codes[/bold]: [green]0[/green] listed · "
    "[yellow]2[/yellow] the store cannot be opened or read (message on stderr)."
)

HistoryOpt = Annotated[
    str | None,
    typer.Option(
        "--history",
        metavar="URL",
        envvar=HISTORY_ENV,
        help="Record the scan in this history store after the reports are written: "
        "sqlite:///PATH, postgresql://USER@HOST/DB, or 'default' for "
        "~/.local/share/auditgraph/history.db. Not given: nothing is recorded.",
        rich_help_panel="Output",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--history",
        metavar="URL",
        envvar=HISTORY_ENV,
        help="History store: sqlite:///PATH or postgresql://USER@HOST/DB. "
        "Default: $XDG_DATA_HOME/auditgraph/history.db (~/.local/share/...).",
    ),
]


def store_url(given: str | None) -> str | None:
    """None (the default file) for ``default``, else the URL as given."""
    return None if given in (None, DEFAULT_WORD) else given


def record_history(
    url: str,
    document: FindingsDocument,
    snapshot: Snapshot,
    clouds: Sequence[str],
    selection: Sequence[str],
) -> int:
    """Record one evaluated run; returns the scan id. Raises HistoryError."""
    scope = scan_scope(snapshot.manifest, snapshot.resources, clouds, selection)
    with HistoryStore.open(store_url(url)) as store:
        return store.record(ScanInput(document, snapshot.resources, scope))


def selection_labels(controls: Sequence[str], severity: Severity | None) -> list[str]:
    """The --control/--severity filters as they enter a scan's scope key."""
    labels = [f"control={','.join(sorted(controls))}"] if controls else []
    return labels + ([f"severity>={severity.value}"] if severity else [])


def record_if_asked(
    url: str | None,
    document: FindingsDocument,
    snapshot: Snapshot,
    clouds: Sequence[str],
    controls: Sequence[str],
    severity: Severity | None,
    quiet: bool,
) -> bool:
    """Record the run when ``--history`` (or the environment) names a store.

    False when recording failed; the message is on stderr and the caller exits 2.
    """
    if not url:
        return True
    selection = selection_labels(controls, severity)
    try:
        scan_id = record_history(url, document, snapshot, clouds, selection)
    except HistoryError as exc:
        typer.echo(printable(f"error: the scan was not recorded: {exc}"), err=True)
        return False
    if not quiet:
        typer.echo(f"Recorded as scan {scan_id} in the history store.", err=True)
    return True


def _framework_cell(scan: StoredScan, framework_id: str) -> Text:
    counts = scan.counts.get("frameworks", {}).get(framework_id)
    if not counts:
        return Text("-")
    return Text.assemble(
        (str(counts.get("fail", 0)), "red"), " / ", (str(counts.get("pass", 0)), "green")
    )


def _trend_cell(trend: int | None) -> Text:
    if trend is None:
        return Text("-")
    style = "red" if trend > 0 else "green" if trend < 0 else ""
    return Text(f"{trend:+d}" if trend else "0", style=style)


def history_table(scans: Sequence[StoredScan]) -> Table:
    table = Table(title=f"{len(scans)} scan(s)", title_justify="left")
    for column in ("Scan", "Snapshot time", "Recorded", "Scope", "Status"):
        table.add_column(column, no_wrap=column != "Scope")
    # Counts keep their width on a narrow terminal; the scope wraps instead.
    for framework_id in FRAMEWORK_IDS:
        table.add_column(f"{framework_id}\nfail / pass", justify="right", min_width=9)
    table.add_column("Failing", justify="right", min_width=7)
    table.add_column("Trend", justify="right", min_width=5)
    for scan in scans:
        status_style = {"complete": "green", "failed": "red"}.get(scan.status, "yellow")
        table.add_row(
            str(scan.id),
            Text(printable(scan.snapshot_finished)),
            scan.recorded_at.strftime("%Y-%m-%d %H:%M:%S"),
            Text(printable(scan.scope_key)),
            Text(scan.status, style=status_style),
            *(_framework_cell(scan, framework_id) for framework_id in FRAMEWORK_IDS),
            str(scan.failing) if scan.status == "complete" else "-",
            _trend_cell(scan.trend),
        )
    return table


def scan_json(scan: StoredScan) -> dict[str, Any]:
    return {
        "id": scan.id,
        "scope": scan.scope_key,
        "status": scan.status,
        "snapshot_finished": scan.snapshot_finished,
        "recorded_at": scan.recorded_at.isoformat(),
        "snapshot_digest": scan.snapshot_digest,
        "catalog_digest": scan.catalog_digest,
        "scanner_version": scan.scanner_version,
        "counts": scan.counts,
        "failing": scan.failing,
        "findings": scan.findings_total,
        "trend": scan.trend,
        "error": scan.error,
    }


def history(
    store: StoreOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Show the last N scans (0: all).")
    ] = 20,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the scans as a JSON list, oldest first.")
    ] = False,
) -> None:
    """List recorded scans: snapshot time, scope, status, failing / passing findings per
    framework, and the trend (change in failing findings since the previous complete scan
    of the same scope).

    A scan shown as [yellow]running[/yellow] after its process ended was interrupted: its
    findings were never committed.

    [bold]Examples[/bold]
      auditgraph history
      auditgraph history --history postgresql://auditgraph@db/auditgraph --limit 5
      auditgraph history --json
    """
    with reported_errors(), HistoryStore.open(store_url(store), create=False) as opened:
        scans = opened.scans(limit or None)
        name = opened.name
    if json_output:
        typer.echo(json.dumps([scan_json(scan) for scan in scans], indent=2, sort_keys=True))
        return
    console = Console()
    if not scans:
        console.print(f"No scan recorded in {printable(name)} yet.", markup=False)
        return
    console.print(history_table(scans))


def register(app: typer.Typer) -> None:
    """Add ``history`` to the command line."""
    app.command("history", epilog=EPILOG)(history)
