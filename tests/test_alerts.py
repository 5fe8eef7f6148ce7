"""``--alert-webhook``: the message, "new" against the history store, retries, timeouts.

Every alert goes to a loopback server that records what it receives.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.delivery.webhook import WebhookPolicy, check_webhook_url, post_json
from scanner.errors import AuditgraphError
from scanner.model import Severity, Status
from scanner.snapshot import read_snapshot, snapshot_digest, write_snapshot
from tests.support.history_estates import REFERENCE, evaluate_reference, modified, restamped
from tests.support.http_recorder import Answer, RecordingServer

SECRET_PATH = "/services/T0AUDIT/B0GRAPH/s3cr3tW3bh00kT0k3n"
SCOPE = (
    "aws:111122223333 azure:3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f "
    "oci:ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
)
REFERENCE_DIGEST = snapshot_digest(REFERENCE / "snapshot")[:12]
FAST = ("--control", "NET-003")
"""One critical failure (customer-exports), for tests where the content does not matter."""
NO_HISTORY = "nothing: no history store (--history), so every failing finding counts as new"


def failing_at_or_above(floor: Severity) -> list[tuple[str, str, str, str]]:
    """(severity, control, name, message) of the reference estate's failing findings at or
    above ``floor``, most severe first, then by control and resource uid: the alert order."""
    findings = evaluate_reference().findings.findings
    chosen = [f for f in findings if f.status is Status.FAIL and f.severity.rank >= floor.rank]
    chosen.sort(key=lambda f: (-f.severity.rank, f.control_id, f.resource_uid))
    return [(f.severity.value, f.control_id, f.resource_name, f.message) for f in chosen]


@pytest.fixture(scope="module")
def reference_critical() -> list[tuple[str, str, str, str]]:
    return failing_at_or_above(Severity.CRITICAL)


def run(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    chosen: dict[str, str | None] = {
        "COLUMNS": "200",
        "AUDITGRAPH_HISTORY": None,
        "AUDITGRAPH_ALERT_WEBHOOK": None,
        **(env or {}),
    }
    return CliRunner().invoke(app, [str(a) for a in args], env=chosen)


def demo(out: Path, *args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    return run("scan", "--demo", "--out", out, "--format", "json", *args, env=env)


def finding_line(severity: str, control: str, name: str, message: str) -> str:
    return f"*{severity}* · *{control}* · {name}\n{message}"


def expected_payload(
    findings: list[tuple[str, str, str, str]], baseline: str, snapshot: str, digest: str
) -> dict[str, Any]:
    """The message for critical findings: ten listed, the rest counted."""
    count = len(findings)
    noun = "finding" if count == 1 else "findings"
    headline = f"auditgraph: {count} new failing {noun} at or above critical"
    context = f"*Snapshot* {snapshot} · `{digest}`\n*Scope* {SCOPE}\n*Compared with* {baseline}"
    lines = [finding_line(*finding) for finding in findings[:10]]
    more = f"… and {count - 10} more new failing finding(s): see findings.json of this run."
    text = [f"*{headline}* (critical: {count})", context, *(f"• {line}" for line in lines)]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline}},
        {"type": "section", "text": {"type": "mrkdwn", "text": context}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*critical*\n{count}"}]},
        {"type": "divider"},
        *({"type": "section", "text": {"type": "mrkdwn", "text": line}} for line in lines),
    ]
    if count > 10:
        text.append(more)
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": "\n".join(text), "blocks": blocks}


def test_reference_estate_message_is_exact(
    tmp_path: Path, reference_critical: list[tuple[str, str, str, str]]
) -> None:
    with RecordingServer() as server:
        result = demo(
            tmp_path / "run", "--json", env={"AUDITGRAPH_ALERT_WEBHOOK": server.url + SECRET_PATH}
        )
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 1
    request = server.requests[0]
    assert (request.method, request.path) == ("POST", SECRET_PATH)
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json() == expected_payload(
        reference_critical, NO_HISTORY, "2026-11-01T09:04:12Z", REFERENCE_DIGEST
    )
    summary = json.loads(result.stdout)
    assert summary["alert"] == {
        "status": "sent",
        "new_findings": len(reference_critical),
        "baseline_scan": None,
        "history_error": None,
        "webhook": "http://127.0.0.1/…",
        "error": None,
        "attempts": 1,
        "http_status": 200,
    }
    assert SECRET_PATH not in result.output
    assert "T0AUDIT" not in result.output


def test_the_same_scan_sends_the_same_bytes(tmp_path: Path) -> None:
    with RecordingServer() as server:
        for name in ("a", "b"):
            demo(tmp_path / name, *FAST, "-q", "--alert-webhook", server.url + SECRET_PATH)
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body


def test_alert_on_high_lists_ten_and_counts_the_rest(tmp_path: Path) -> None:
    with RecordingServer() as server:
        result = demo(tmp_path / "run", "-q", "--alert-on", "high", "--alert-webhook", server.url)
    assert result.exit_code == 0, result.output
    expected = failing_at_or_above(Severity.HIGH)
    total = len(expected)
    critical = sum(1 for finding in expected if finding[0] == "critical")
    high = total - critical
    assert total > 10 and critical > 0 and high > 0  # the estate plants both
    payload = server.requests[0].json()
    blocks = payload["blocks"]
    headline = f"auditgraph: {total} new failing findings at or above high"
    assert blocks[0]["text"]["text"] == headline
    assert blocks[2]["fields"] == [
        {"type": "mrkdwn", "text": f"*critical*\n{critical}"},
        {"type": "mrkdwn", "text": f"*high*\n{high}"},
    ]
    listed = [block["text"]["text"] for block in blocks[4:-1]]
    assert listed == [finding_line(*finding) for finding in expected[:10]]
    more = f"… and {total - 10} more new failing finding(s): see findings.json of this run."
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": more}]}
    assert len(blocks) == 4 + 10 + 1
    assert payload["text"].endswith("\n" + more)
    assert payload["text"].startswith(f"*{headline}* (critical: {critical}, high: {high})\n")


@pytest.fixture
def week_later(tmp_path: Path) -> Path:
    """The reference estate a week later: breakglass-aws lost MFA (one new critical failure),
    ops-legacy gained it and ci-full-access was deleted (two resolved)."""
    folder = tmp_path / "week-later"
    write_snapshot(modified(restamped(read_snapshot(REFERENCE / "snapshot"), 8)), folder)
    return folder


def test_only_the_new_failure_is_alerted_against_the_history(
    tmp_path: Path, week_later: Path, reference_critical: list[tuple[str, str, str, str]]
) -> None:
    history = f"sqlite:///{tmp_path / 'history.db'}"
    with RecordingServer() as server:
        env: dict[str, str | None] = {"AUDITGRAPH_ALERT_WEBHOOK": server.url}
        first = demo(tmp_path / "run-1", "-q", "--history", history, env=env)
        assert first.exit_code == 0, first.output
        second = run(
            "evaluate",
            week_later,
            "--config",
            REFERENCE / "estate.yaml",
            "--out",
            tmp_path / "run-2",
            "--json",
            "--history",
            history,
            env=env,
        )
        assert second.exit_code == 0, second.output
        again = demo(tmp_path / "run-3", "--json", "--history", history, env=env)
    first_scan = (
        "nothing: no earlier complete scan of this scope in the history store, "
        "so every failing finding counts as new"
    )
    assert server.requests[0].json() == expected_payload(
        reference_critical, first_scan, "2026-11-01T09:04:12Z", REFERENCE_DIGEST
    )
    alerted = server.requests[1].json()
    digest = json.loads(second.stdout)["snapshot_digest"][:12]
    assert alerted == expected_payload(
        [
            (
                "critical",
                "MFA-005",
                "breakglass-aws",
                "Local user breakglass-aws can sign in to the console without MFA",
            )
        ],
        "scan 1 of the history store (snapshot 2026-11-01T09:04:12Z)",
        "2026-11-08T09:04:12Z",
        digest,
    )
    assert json.loads(second.stdout)["alert"]["baseline_scan"] == 1
    # The third scan is the reference estate again: ops-legacy and ci-full-access fail
    # anew against scan 2 (MFA-005 and PAM-002), breakglass-aws is resolved.
    third = server.requests[2].json()
    listed = [block["text"]["text"] for block in third["blocks"][4:]]
    assert listed == [
        finding_line(
            "critical",
            "MFA-005",
            "ops-legacy",
            "Local user ops-legacy can sign in to the console without MFA",
        ),
        finding_line(
            "critical",
            "PAM-002",
            "ci-full-access",
            "Policy ci-full-access grants full administrative access to ci-deployer",
        ),
    ]
    assert len(server.requests) == 3
    assert json.loads(again.stdout)["alert"]["baseline_scan"] == 2


def test_nothing_new_sends_nothing(tmp_path: Path) -> None:
    history = f"sqlite:///{tmp_path / 'history.db'}"
    with RecordingServer() as server:
        env: dict[str, str | None] = {"AUDITGRAPH_ALERT_WEBHOOK": server.url}
        demo(tmp_path / "run-1", *FAST, "-q", "--history", history, env=env)
        second = demo(tmp_path / "run-2", *FAST, "--json", "--history", history, env=env)
    assert second.exit_code == 0, second.output
    assert len(server.requests) == 1
    alert = json.loads(second.stdout)["alert"]
    assert (alert["status"], alert["new_findings"], alert["attempts"]) == ("nothing_new", 0, 0)


def test_500_then_200_is_retried_and_delivered(tmp_path: Path) -> None:
    answers = [Answer(500, {"Retry-After": "0"}), Answer(200)]
    with RecordingServer(answers) as server:
        result = demo(
            tmp_path / "run", *FAST, "--json", "--alert-webhook", server.url + SECRET_PATH
        )
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 2
    assert server.requests[0].body == server.requests[1].body
    alert = json.loads(result.stdout)["alert"]
    assert (alert["status"], alert["attempts"], alert["http_status"]) == ("sent", 2, 200)


@pytest.mark.parametrize(("fail_on", "code"), [("none", 0), ("critical", 1)])
def test_always_500_is_reported_and_the_exit_code_is_unchanged(
    tmp_path: Path, fail_on: str, code: int
) -> None:
    with RecordingServer([Answer(500, {"Retry-After": "0"})]) as server:
        args = ("--json", "--fail-on", fail_on, "--alert-webhook", server.url + SECRET_PATH)
        result = demo(tmp_path / "run", *FAST, *args)
    assert result.exit_code == code, result.output
    assert len(server.requests) == 3
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == code
    assert summary["alert"]["status"] == "failed"
    assert summary["alert"]["error"] == "HTTP 500 after every attempt"
    assert (summary["alert"]["attempts"], summary["alert"]["http_status"]) == (3, 500)
    assert (
        "warning: the alert to http://127.0.0.1/… was not delivered: HTTP 500 after every "
        "attempt (3 attempt(s)); the exit code is unchanged"
    ) in result.stderr
    assert (tmp_path / "run" / "findings.json").is_file()
    assert "T0AUDIT" not in result.output


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    answers = [Answer(429, {"Retry-After": "3600"}), Answer(200)]
    policy = WebhookPolicy(attempts=3, timeout=2.0, backoff=0.01, max_wait=0.3)
    with RecordingServer(answers) as server:
        result = post_json(server.url, {"text": "x"}, policy)
    assert (result.delivered, result.attempts, result.status) == (True, 2, 200)
    waited = server.requests[1].at - server.requests[0].at
    assert 0.3 <= waited < 2.0


def test_a_receiver_that_does_not_answer_times_out_within_the_bound() -> None:
    policy = WebhookPolicy(attempts=3, timeout=0.3, backoff=0.01)
    with RecordingServer([Answer(200, delay=3.0)]) as server:
        started = time.monotonic()
        result = post_json(server.url + SECRET_PATH, {"text": "x"}, policy)
        elapsed = time.monotonic() - started
    assert (result.delivered, result.attempts, result.status) == (False, 1, None)
    assert result.error == "no answer within 0.3s (timed out)"
    assert len(server.requests) == 1  # a read timeout is not retried: no duplicate message
    assert elapsed < 1.5


def test_cli_timeout_is_reported_and_the_scan_completes(tmp_path: Path) -> None:
    with RecordingServer([Answer(200, delay=3.0)]) as server:
        args = ("--json", "--alert-timeout", "0.3", "--alert-webhook", server.url)
        result = demo(tmp_path / "run", *FAST, *args)
    assert result.exit_code == 0, result.output
    alert = json.loads(result.stdout)["alert"]
    assert (alert["status"], alert["error"]) == ("failed", "no answer within 0.3s (timed out)")


def test_refused_connections_are_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = WebhookPolicy(attempts=3, timeout=1.0, backoff=0.01)
    result = post_json(f"http://127.0.0.1:{port}/hook", {"text": "x"}, policy)
    assert (result.delivered, result.attempts, result.status) == (False, 3, None)
    assert result.error == (
        "could not connect (connection refused or host unreachable) after every attempt"
    )


def test_hostile_resource_names_are_escaped(tmp_path: Path) -> None:
    hostile = "<!channel> & <https://evil.example|click here>\n\x1b[31m" + "x" * 400
    snapshot = read_snapshot(REFERENCE / "snapshot")
    resources = [
        r.model_copy(update={"name": hostile}) if r.name == "customer-exports" else r
        for r in snapshot.resources
    ]
    folder = tmp_path / "hostile"
    write_snapshot(snapshot.model_copy(update={"resources": resources}), folder)
    with RecordingServer() as server:
        result = run(
            "evaluate",
            folder,
            "--config",
            REFERENCE / "estate.yaml",
            "--out",
            tmp_path / "run",
            "-q",
            "--control",
            "NET-003",
            "--alert-webhook",
            server.url,
        )
    assert result.exit_code == 0, result.output
    payload = server.requests[0].json()
    line = payload["blocks"][4]["text"]["text"]
    name = "&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;  [31m" + "x" * 97
    assert line.startswith(f"*critical* · *NET-003* · {name}…\n&lt;!channel&gt; &amp; ")
    texts = [payload["text"], *(b["text"]["text"] for b in payload["blocks"] if "text" in b)]
    for text in texts:
        assert "<" not in text and ">" not in text and "\x1b" not in text
        assert len(text) < 3000


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.com/services/T0AUDIT", "ftp://127.0.0.1/x", "hooks.slack.com/x"],
)
def test_a_webhook_that_is_not_https_is_refused_before_scanning(tmp_path: Path, url: str) -> None:
    result = demo(tmp_path / "run", "-q", "--alert-webhook", url)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: webhook ")
    assert "T0AUDIT" not in result.output
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://[::1]:9/x", "http://localhost/x"])
def test_plain_http_is_allowed_to_loopback(url: str) -> None:
    assert check_webhook_url(url) == url


def test_https_is_allowed_anywhere() -> None:
    url = "https://hooks.slack.com" + SECRET_PATH
    assert check_webhook_url(url) == url
    with pytest.raises(AuditgraphError):
        check_webhook_url("http://hooks.slack.com" + SECRET_PATH)


def test_an_unreadable_history_store_still_alerts_every_failure(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    history = f"postgresql://auditgraph@127.0.0.1:{port}/auditgraph"
    with RecordingServer() as server:
        args = ("--json", "--history", history, "--alert-webhook", server.url)
        result = demo(tmp_path / "run", *FAST, *args)
    assert result.exit_code == 2  # the scan could not be recorded: the history's own rule
    alert = json.loads(result.stdout)["alert"]
    assert (alert["status"], alert["new_findings"], alert["baseline_scan"]) == ("sent", 1, None)
    assert alert["history_error"].startswith("history store postgresql://auditgraph@127.0.0.1:")
    unreadable = (
        "nothing: the history store could not be read, so every failing finding counts as new"
    )
    context = server.requests[0].json()["blocks"][1]["text"]["text"]
    assert context.endswith(f"*Compared with* {unreadable}")
    assert "warning: alert baseline: history store postgresql://" in result.stderr
