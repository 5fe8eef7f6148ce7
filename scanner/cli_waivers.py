"""``auditgraph waivers``: check a waivers file; and the ``--waivers`` hooks of scan/evaluate.

Exit codes of ``waivers check``:

    0   every waiver is valid and none expires within --within days
    1   valid, but some waivers are expired or expire within --within days
    2   the file is invalid (every problem is listed on stderr), or the catalog is
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scanner.bundled import controls_dir
from scanner.cli_support import (
    EXIT_ERROR,
    EXIT_FAILING,
    EXIT_OK,
    CatalogOpt,
    printable,
    reported_errors,
)
from scanner.engine.catalog import load_catalog
from scanner.engine.waiver_file import WaiverCheck, check_waivers
from scanner.engine.waivers import ExpiryState, Waiver, WaiverRegister, expiry_state
from scanner.outputs.terminal import plain
from scanner.outputs.waiver_register import register_warnings, write_register

WAIVERS_EPILOG = (
    "[bold]Exit codes[/bold]: [green]0[/green] all waivers valid and none expiring · "
    "[red]1[/red] some expired or expiring within --within days · "
    "[yellow]2[/yellow] invalid waivers file or catalog (every problem on stderr)."
)

WaiversOpt = Annotated[
    Path | None,
    typer.Option(
        "--waivers",
        metavar="FILE",
        help="Waivers YAML: accepted risks that mark matching findings (never counted by "
        "--fail-on); applied at the snapshot's collection end. Writes OUT/waivers.json. "
        "An invalid file exits 2 before anything is evaluated.",
    ),
]

waivers_app = typer.Typer(
    help="Check waivers files: accepted risks with an owner, an approver and an end date.",
    epilog=WAIVERS_EPILOG,
    rich_markup_mode="rich",
    no_args_is_help=True,
)


def write_waiver_register(register: WaiverRegister | None, out_dir: Path) -> list[Path]:
    """Write OUT/waivers.json and OUT/waivers.md when waivers were given; the paths."""
    return [] if register is None else write_register(register, out_dir)


def warn_about_waivers(register: WaiverRegister | None) -> None:
    """Expired and unused waivers, on stderr."""
    for line in register_warnings(register) if register else ():
        typer.echo(printable(line), err=True)


def _instant(text: str | None) -> datetime:
    """``--at``: a date (its start, UTC) or a time-zone-aware date-time; default: now."""
    if text is None:
        return datetime.now(UTC)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an ISO 8601 date or date-time: {text!r}") from None
    if parsed.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2027-01-01T00:00:00Z", param_hint="--at")
    return parsed.astimezone(UTC)


def _rows(checked: WaiverCheck, now: datetime, within: timedelta) -> list[dict[str, Any]]:
    """One row per valid waiver: soonest end first, then by id."""
    ordered = sorted(checked.waivers, key=lambda waiver: (waiver.ends_at, waiver.id))
    return [_row(waiver, now, within) for waiver in ordered]


def _row(waiver: Waiver, now: datetime, within: timedelta) -> dict[str, Any]:
    return {
        "id": waiver.id,
        "control_id": waiver.control_id,
        "selector": waiver.resource.as_json(),
        "selector_text": waiver.resource.describe(),
        "owner": waiver.owner,
        "approver": waiver.approver,
        "ticket": waiver.ticket,
        "expires": waiver.expires.isoformat(),
        "ends_at": waiver.ends_at.isoformat().replace("+00:00", "Z"),
        "days_left": (waiver.ends_at - now) // timedelta(days=1),
        "state": expiry_state(waiver, now, within).value,
    }


_STATE_STYLES = {"expired": "bold red", "expiring": "yellow", "ok": "green"}


def _table(rows: list[dict[str, Any]], within: int) -> Table:
    table = Table(title=f"{len(rows)} valid waivers (expiring: within {within} days)")
    table.add_column("Waiver")
    table.add_column("Selector", overflow="fold")
    table.add_column("Owner / ticket")
    table.add_column("Expires", overflow="fold")
    table.add_column("Days left", justify="right")
    table.add_column("State", no_wrap=True)
    for row in rows:
        style = _STATE_STYLES[row["state"]]
        table.add_row(
            f"{plain(row['id'])}\n[dim]{plain(row['control_id'])}[/dim]",
            plain(row["selector_text"]),
            f"{plain(row['owner'])}\n[dim]{plain(row['ticket'])}[/dim]",
            plain(row["expires"]),
            str(row["days_left"]),
            f"[{style}]{row['state']}[/{style}]",
        )
    return table


def _exit_code(checked: WaiverCheck, rows: list[dict[str, Any]]) -> int:
    if checked.problems:
        return EXIT_ERROR
    due = any(row["state"] != ExpiryState.OK.value for row in rows)
    return EXIT_FAILING if due else EXIT_OK


@waivers_app.command("check", epilog=WAIVERS_EPILOG)
def waivers_check(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The waivers YAML file.")],
    within: Annotated[
        int,
        typer.Option("--within", min=0, metavar="DAYS", help="Warn about waivers ending so soon."),
    ] = 30,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="WHEN",
            help="Check as of this date or time-zone-aware date-time (e.g. an audit date). "
            "Default: now.",
        ),
    ] = None,
    catalog: CatalogOpt = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object (problems, every valid waiver with its state and days "
            "left, exit code) to stdout and nothing else.",
        ),
    ] = False,
) -> None:
    """Validate a waivers file and list the waivers that are expired or expire soon.

    Every problem is printed as [bold]file:line:col \\[waiver id]: message[/bold]; the
    valid entries are still listed. Control ids are checked against the catalog.
    A date waiver applies through the end of that day (UTC).

    [bold]Examples[/bold]
      auditgraph waivers check waivers.yaml
      auditgraph waivers check waivers.yaml --within 14 --json
      auditgraph waivers check waivers.yaml --at 2027-03-01 --catalog my-controls/
    """
    now = _instant(at)
    with reported_errors():
        loaded = load_catalog(catalog or controls_dir())
    checked = check_waivers(path, {compiled.id for compiled in loaded.controls})
    rows = _rows(checked, now, timedelta(days=within))
    code = _exit_code(checked, rows)
    if json_output:
        problems = [str(problem) for problem in checked.problems]
        summary: dict[str, Any] = {
            "file": str(path),
            "checked_at": now.isoformat().replace("+00:00", "Z"),
            "within_days": within,
            "problems": problems,
            "waivers": rows,
            "exit_code": code,
        }
        typer.echo(json.dumps(summary, indent=2, sort_keys=True))
        raise typer.Exit(code)
    for problem in checked.problems:
        typer.echo(printable(str(problem)), err=True)
    Console().print(_table(rows, within))
    counts = {state.value: sum(r["state"] == state.value for r in rows) for state in ExpiryState}
    typer.echo(
        f"{len(checked.problems)} problems, {counts['expired']} expired, "
        f"{counts['expiring']} expiring within {within} days, {counts['ok']} ok"
    )
    raise typer.Exit(code)
