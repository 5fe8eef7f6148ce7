"""Alert on new failing findings at or above a severity.

"New" is the diff's notion (:meth:`scanner.diff.FindingsDiff.failing_new`): failing now,
not failing in the baseline (absent, passing, inconclusive or in error), and not waived.
The baseline is the latest complete scan of the same scope in the history store; without
a store, or before the first stored scan of the scope, the baseline is empty and every
failing finding counts as new, which the message says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scanner.delivery.alert_message import AlertContent, alert_payload
from scanner.delivery.webhook import PostResult, WebhookPolicy, post_json
from scanner.diff import FindingChange, diff_findings
from scanner.history import HistoryError, HistoryStore
from scanner.history.models import ScanState
from scanner.model import Finding, FindingsDocument, Severity

NO_HISTORY = "nothing: no history store (--history), so every failing finding counts as new"
FIRST_SCAN = (
    "nothing: no earlier complete scan of this scope in the history store, "
    "so every failing finding counts as new"
)
UNREADABLE = "nothing: the history store could not be read, so every failing finding counts as new"


@dataclass(frozen=True)
class Baseline:
    """The findings a scan is compared with, and how to describe them in the alert."""

    description: str
    findings: tuple[Finding, ...] = ()
    scan_id: int | None = None
    error: str | None = None
    """Why the history store could not be read, when it could not."""


def history_baseline(url: str | None, scope_key: str) -> Baseline:
    """The latest complete scan of ``scope_key`` in the store at ``url`` (None: default).

    Read before this scan is recorded. A store that cannot be read gives an empty
    baseline with the error: an alert too many beats a missed one.
    """
    try:
        with HistoryStore.open(url) as store:
            earlier = [
                scan
                for scan in store.scans()
                if scan.status == ScanState.COMPLETE.value and scan.scope_key == scope_key
            ]
            if not earlier:
                return Baseline(FIRST_SCAN)
            last = earlier[-1]
            document = store.findings_document(last.id)
    except HistoryError as exc:
        return Baseline(UNREADABLE, error=str(exc))
    described = f"scan {last.id} of the history store (snapshot {last.snapshot_finished})"
    return Baseline(described, tuple(document.findings), last.id)


def new_failures(
    document: FindingsDocument, baseline: Baseline, floor: Severity
) -> list[FindingChange]:
    """Failing findings at or above ``floor`` that the baseline did not have failing
    (new and regressed alike), most severe first, then by control and resource."""
    changes = diff_findings(baseline.findings, document.findings).failing_new(floor)
    return sorted(changes, key=lambda c: (-c.severity.rank, c.control_id, c.resource_uid))


@dataclass(frozen=True)
class AlertOutcome:
    """What happened; ``status`` is ``sent``, ``nothing_new`` or ``failed``."""

    status: str
    new_findings: int
    baseline: Baseline
    post: PostResult | None = None
    target: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def as_json(self) -> dict[str, Any]:
        post = self.post.as_json() if self.post else {"attempts": 0, "http_status": None}
        return {
            "status": self.status,
            "new_findings": self.new_findings,
            "baseline_scan": self.baseline.scan_id,
            "history_error": self.baseline.error,
            "webhook": self.target,
            "error": self.post.error if self.post else None,
            **{key: post[key] for key in ("attempts", "http_status")},
        }


@dataclass(frozen=True)
class AlertRequest:
    url: str
    target: str
    """The URL as it may be shown (scheme and host)."""
    floor: Severity
    policy: WebhookPolicy
    scope: str


def send_alert(
    request: AlertRequest,
    document: FindingsDocument,
    baseline: Baseline,
) -> AlertOutcome:
    """POST one message when there are new failures; nothing is sent otherwise."""
    changes: Sequence[FindingChange] = new_failures(document, baseline, request.floor)
    if not changes:
        return AlertOutcome("nothing_new", 0, baseline, target=request.target)
    content = AlertContent(
        changes=changes,
        floor=request.floor,
        snapshot_finished=document.scan.finished,
        snapshot_digest=document.scan.snapshot_digest,
        scope=request.scope,
        baseline=baseline.description,
    )
    result = post_json(request.url, alert_payload(content), request.policy)
    status = "sent" if result.delivered else "failed"
    return AlertOutcome(status, len(changes), baseline, result, request.target)
