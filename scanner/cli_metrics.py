"""``--metrics-file`` and ``--pushgateway`` of scan/evaluate: the gauges of a scheduled scan.

Both options are checked when the command line is read, so a wrong name or URL stops the
run before anything is collected. The gauges are published after the reports are written
and the scan is recorded (when ``--history`` is given, the history trend is among them).
A push that fails is reported and never changes the exit code; a metrics file that
cannot be written is an error (exit 2), like a report that cannot be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli_history import selection_labels, store_url
from scanner.cli_support import ScanOptions, printable, reported_errors
from scanner.engine.catalog import Catalog
from scanner.errors import AuditgraphError
from scanner.history import HistoryError, HistoryStore, scan_scope
from scanner.model import FindingsDocument, Severity, Snapshot
from scanner.outputs.metrics_file import (
    HistoryTrend,
    check_metrics_path,
    metrics_registry,
    metrics_text,
    write_atomically,
)
from scanner.outputs.pushgateway import PUSH_JOB, PushError, Pushgateway

PUSHGATEWAY_ENV = "AUDITGRAPH_PUSHGATEWAY"
"""Environment variable holding the Pushgateway URL when ``--pushgateway`` is not given."""

_PANEL = "Metrics"


def _checked_metrics_file(value: Path | None) -> Path | None:
    if value is None:
        return None
    try:
        return check_metrics_path(value)
    except AuditgraphError as exc:
        raise typer.BadParameter(str(exc)) from None


def _checked_pushgateway(value: str | None) -> str | None:
    if not value:
        return None
    try:
        Pushgateway.parse(value)
    except AuditgraphError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


MetricsFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--metrics-file",
        metavar="PATH.prom",
        callback=_checked_metrics_file,
        help="Write the Prometheus gauges (those of --format prom, plus the history trend "
        "with --history) to this file, atomically, for node-exporter's textfile collector, "
        "e.g. /var/lib/prometheus/node-exporter/auditgraph.prom. The name must end in .prom.",
        rich_help_panel=_PANEL,
    ),
]
PushgatewayOpt = Annotated[
    str | None,
    typer.Option(
        "--pushgateway",
        metavar="URL",
        envvar=PUSHGATEWAY_ENV,
        callback=_checked_pushgateway,
        help="Push the same gauges to this Prometheus Pushgateway (job auditgraph, grouped "
        "by scope), e.g. http://pushgateway.monitoring:9091. A failed push is reported and "
        "does not change the exit code.",
        rich_help_panel=_PANEL,
    ),
]


@dataclass(frozen=True)
class MetricsRun:
    """What the gauges describe: the reported findings and the scope they were scanned in."""

    document: FindingsDocument
    catalog: Catalog
    frameworks: Sequence[str]
    snapshot: Snapshot
    clouds: Sequence[str]
    controls: Sequence[str]
    severity: Severity | None

    def scope_key(self) -> str:
        """The scope key of the history store, so gateway groups and trends line up."""
        selection = selection_labels(self.controls, self.severity)
        manifest, resources = self.snapshot.manifest, self.snapshot.resources
        return scan_scope(manifest, resources, self.clouds, selection).key


def publish_metrics(opts: ScanOptions, run: MetricsRun, recorded: bool) -> None:
    """Push and write the gauges when asked. ``recorded``: the scan is in the history store
    named by ``opts.history``, so its trend can be read back."""
    if opts.metrics_file is None and not opts.pushgateway:
        return
    scope_key = run.scope_key()
    quiet = opts.quiet or opts.json
    trend = recorded_trend(opts.history, scope_key, run.document) if recorded else None
    registry = metrics_registry(run.document, run.catalog, run.frameworks, trend)
    if opts.pushgateway:
        gateway = Pushgateway.parse(opts.pushgateway)
        try:
            gateway.push(registry, scope_key)
        except PushError as exc:
            typer.echo(printable(f"warning: the metrics were not pushed: {exc}"), err=True)
        else:
            if not quiet:
                pushed = f"Metrics pushed to {gateway.url} (job {PUSH_JOB}, scope {scope_key})."
                typer.echo(printable(pushed), err=True)
    if opts.metrics_file is not None:
        with reported_errors():
            write_atomically(opts.metrics_file, metrics_text(registry))
        if not quiet:
            typer.echo(f"Metrics written to {opts.metrics_file}.", err=True)


def recorded_trend(
    url: str | None, scope_key: str, document: FindingsDocument
) -> HistoryTrend | None:
    """The last complete scan of the scope with this snapshot, as the store lists it.

    None when no store is named or it cannot be read (a warning says why): the other
    gauges are still published.
    """
    if not url:
        return None
    try:
        with HistoryStore.open(store_url(url), create=False) as store:
            scans = store.scans()
    except HistoryError as exc:
        typer.echo(printable(f"warning: no history trend in the metrics: {exc}"), err=True)
        return None
    digest = document.scan.snapshot_digest
    for scan in reversed(scans):
        if scan.status == "complete" and scan.scope_key == scope_key:
            if scan.snapshot_digest == digest:
                return HistoryTrend(scan.failing, scan.trend)
            return None
    return None
