"""``--alert-webhook`` and ``--store`` on scan/evaluate: the options and the glue.

Both run after the reports are written and before the run is recorded in the history
store (so the previous scan of the scope is still the latest one there). An alert that
is not delivered is reported on stderr and in the ``--json`` summary and never changes
the exit code; an upload that fails is reported the same way and makes the run exit 2
(the reports are on disk already).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from scanner.cli_history import selection_labels, store_url
from scanner.cli_support import EXIT_ERROR, ScanOptions, printable
from scanner.collectors.oci.clients import OciOptions
from scanner.delivery.alerts import (
    NO_HISTORY,
    AlertOutcome,
    AlertRequest,
    Baseline,
    history_baseline,
    send_alert,
)
from scanner.delivery.errors import DeliveryError
from scanner.delivery.plan import AlertPlan, DeliveryOptions, DeliveryPlan, StorePlan
from scanner.delivery.store.destination import run_id
from scanner.delivery.store.registry import Uploaded, accepted_forms, upload_run
from scanner.errors import AuditgraphError
from scanner.history import scan_scope
from scanner.model import FindingsDocument, Severity, Snapshot
from scanner.outputs.evidence.bundle import ExportOptions, export_bundle

WEBHOOK_ENV = "AUDITGRAPH_ALERT_WEBHOOK"
_PANEL = "Alerts and uploads"

AlertWebhookOpt = Annotated[
    str | None,
    typer.Option(
        "--alert-webhook",
        metavar="URL",
        envvar=WEBHOOK_ENV,
        show_envvar=True,
        help="POST a Slack/Teams-compatible message here when the scan has new failing "
        "findings at or above --alert-on (new: not failing in the previous scan of the "
        "scope in --history; without it every failing finding). https only (http to "
        "loopback). Prefer the environment variable: the URL is a secret. A failed alert "
        "is reported and never changes the exit code.",
        rich_help_panel=_PANEL,
    ),
]
AlertOnOpt = Annotated[
    Severity,
    typer.Option(
        "--alert-on",
        case_sensitive=False,
        help="Lowest severity of a new failing finding that triggers the alert.",
        rich_help_panel=_PANEL,
    ),
]
AlertTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--alert-timeout",
        metavar="SECONDS",
        min=0.1,
        help="Connect and read timeout per attempt (3 attempts on 429, 5xx and failed "
        "connections, with back-off).",
        rich_help_panel=_PANEL,
    ),
]
StoreDestOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="DEST",
        help="Upload every file of the run folder to <DEST>/<run-id>/ (run id: snapshot "
        f"collection end and digest): {accepted_forms()}. Uses the cloud's credential "
        "chain; the only writes auditgraph makes to a cloud. A failed upload exits 2.",
        rich_help_panel=_PANEL,
    ),
]
StoreEvidenceOpt = Annotated[
    bool,
    typer.Option(
        "--store-evidence",
        help="With --store: also export the run's evidence bundle and upload it as "
        "<run-id>/evidence.zip.",
        rich_help_panel=_PANEL,
    ),
]
SignKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--sign-key",
        metavar="PEM",
        help="With --store-evidence: sign the bundle with this Ed25519 private key.",
        rich_help_panel=_PANEL,
    ),
]


def delivery_options(
    alert_webhook: str | None,
    alert_on: Severity,
    alert_timeout: float,
    store: str | None,
    store_evidence: bool,
    sign_key: Path | None,
    oci: OciOptions | None = None,
) -> DeliveryOptions:
    """The flags checked for combinations that make no sense (usage error, exit 2)."""
    if store_evidence and not store:
        raise typer.BadParameter("needs --store DEST", param_hint="--store-evidence")
    if sign_key is not None and not store_evidence:
        raise typer.BadParameter(
            "signs the uploaded bundle: add --store-evidence", param_hint="--sign-key"
        )
    chosen = DeliveryOptions(
        alert_webhook, alert_on, alert_timeout, store, store_evidence, sign_key
    )
    return chosen if oci is None else dataclasses.replace(chosen, oci=oci)


@dataclass(frozen=True)
class DeliveryOutcome:
    alert: AlertOutcome | None = None
    stored: Uploaded | None = None
    store_error: str | None = None

    def exit_code(self, code: int) -> int:
        """An alert never changes the exit code; a failed upload makes it 2."""
        return EXIT_ERROR if self.store_error else code

    def summary(self) -> dict[str, Any]:
        """Keys for the ``--json`` summary (only for what was asked)."""
        extra: dict[str, Any] = {}
        if self.alert is not None:
            extra["alert"] = self.alert.as_json()
        if self.stored is not None or self.store_error is not None:
            stored = self.stored.as_json() if self.stored else {"status": "failed"}
            extra["store"] = stored | {"error": self.store_error}
            if self.store_error:
                extra["store"]["status"] = "failed"
        return extra

    def report(self, quiet: bool) -> None:
        """Failures always go to stderr; successes unless quiet."""
        alert = self.alert
        if alert is not None and alert.post is not None:
            attempts = alert.post.attempts
            if alert.failed:
                _err(
                    f"warning: the alert to {alert.target} was not delivered: "
                    f"{alert.post.error} ({attempts} attempt(s)); the exit code is unchanged"
                )
            elif not quiet:
                _err(f"Alert sent to {alert.target}: {alert.new_findings} new failing finding(s).")
        if alert is not None and alert.baseline.error:
            _err(f"warning: alert baseline: {alert.baseline.error}")
        if self.store_error:
            _err(f"error: {self.store_error}")
        elif self.stored is not None and not quiet:
            _err(f"Uploaded {len(self.stored.keys)} file(s) to {self.stored.location}")


def _err(text: str) -> None:
    typer.echo(printable(text), err=True)


def _alert(
    plan: AlertPlan, document: FindingsDocument, scope: str, history: str | None
) -> AlertOutcome:
    baseline = history_baseline(store_url(history), scope) if history else Baseline(NO_HISTORY)
    request = AlertRequest(plan.url, plan.target, plan.floor, plan.policy, scope)
    return send_alert(request, document, baseline)


def _store(plan: StorePlan, document: FindingsDocument, out: Path) -> tuple[Uploaded | None, str]:
    """Upload the run (and its bundle); the error message, or "" when all went up."""
    run = run_id(document.scan.finished, document.scan.snapshot_digest)
    evidence, problem = None, ""
    if plan.evidence:
        try:
            evidence = export_bundle(out, ExportOptions(plan.sign_key)).data
        except (AuditgraphError, OSError) as exc:  # the run itself is still uploaded
            problem = f"the evidence bundle of {out} could not be exported: {exc}"
    try:
        uploaded = upload_run(plan.destination, plan.settings, run, out, evidence)
    except DeliveryError as exc:
        return None, "; ".join(filter(None, (str(exc), problem)))
    return uploaded, problem


def deliver(
    plan: DeliveryPlan,
    document: FindingsDocument,
    snapshot: Snapshot,
    opts: ScanOptions,
    clouds: Sequence[str],
    controls: Sequence[str],
) -> DeliveryOutcome:
    """Alert, then upload, as the plan says; never raises for a delivery failure."""
    alert = None
    if plan.alert is not None:
        labels = selection_labels(controls, opts.severity)
        scope = scan_scope(snapshot.manifest, snapshot.resources, clouds, labels).key
        alert = _alert(plan.alert, document, scope, opts.history)
    if plan.store is None:
        return DeliveryOutcome(alert)
    stored, problem = _store(plan.store, document, opts.out)
    return DeliveryOutcome(alert, stored, problem or None)
