"""``--metrics-file`` (node-exporter textfile, written atomically) and ``--pushgateway``."""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.model import Snapshot
from scanner.outputs.metrics_file import MetricsFileError, write_atomically
from scanner.outputs.pushgateway import Pushgateway, PushgatewayUrlError
from scanner.snapshot import read_snapshot, write_snapshot
from tests.support.history_estates import CI_FULL_ACCESS, REFERENCE
from tests.support.http_recorder import Answer, RecordingServer

SCOPE = (
    "aws:111122223333 azure:3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f "
    "oci:ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
)
PUSH_PATH = "/metrics/job/auditgraph/scope@base64/" + base64.urlsafe_b64encode(
    SCOPE.encode()
).decode("ascii")
HISTORY_GAUGES = {
    "auditgraph_history_failing_findings",
    "auditgraph_history_failing_findings_delta",
}


def run(*args: str | Path) -> Result:
    """The command line, without any store or gateway from the environment."""
    env: dict[str, str | None] = {
        "AUDITGRAPH_HISTORY": None,
        "AUDITGRAPH_PUSHGATEWAY": None,
        "COLUMNS": "400",
    }
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def families(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Metric name → {sorted labels: value}, parsed by prometheus_client."""
    parsed: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        samples = parsed.setdefault(family.name, {})
        for sample in family.samples:
            samples[tuple(sorted(sample.labels.items()))] = sample.value
    return parsed


def without_full_access_policy(snapshot: Snapshot) -> Snapshot:
    """The estate with the failing ci-full-access policy deleted."""
    resources = [r for r in snapshot.resources if r.uid != CI_FULL_ACCESS]
    edges = [e for e in snapshot.edges if CI_FULL_ACCESS not in (e.src, e.dst)]
    return snapshot.model_copy(update={"resources": resources, "edges": edges})


def failing_not_waived(run_folder: Path) -> int:
    findings = json.loads((run_folder / "findings.json").read_text())["findings"]
    return sum(1 for f in findings if f["status"] == "fail" and not f["waiver_id"])


# --- the textfile -----------------------------------------------------------------------


def test_metrics_file_holds_the_prom_gauges_and_no_temporary_file_remains(
    tmp_path: Path,
) -> None:
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    target = textfiles / "auditgraph.prom"
    args = ("scan", "--demo", "--out", tmp_path / "run", "--format", "json,prom")
    result = run(*args, "--metrics-file", target)
    assert result.exit_code == 0, result.output
    assert f"Metrics written to {target}." in result.output
    assert sorted(p.name for p in textfiles.iterdir()) == ["auditgraph.prom"]
    assert target.stat().st_mode & 0o777 == 0o644
    text = target.read_text()
    assert text == (tmp_path / "run" / "auditgraph.prom").read_text()
    parsed = families(text)
    assert not HISTORY_GAUGES & parsed.keys()
    findings = json.loads((tmp_path / "run" / "findings.json").read_text())["findings"]
    failing = [labels for labels in parsed["auditgraph_findings"] if ("status", "fail") in labels]
    assert len(failing) == 3 * 5  # clouds x severities, zeros included
    total = sum(parsed["auditgraph_findings"][labels] for labels in failing)
    assert total == sum(1 for f in findings if f["status"] == "fail") > 0


def test_history_trend_gauges_follow_the_store(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'history.db'}"
    target = tmp_path / "auditgraph.prom"
    later = tmp_path / "later-snapshot"
    write_snapshot(without_full_access_policy(read_snapshot(REFERENCE / "snapshot")), later)
    common = ("--config", REFERENCE / "estate.yaml", "--history", store, "--metrics-file", target)

    first = run("scan", "--snapshot", REFERENCE / "snapshot", "--out", tmp_path / "a", *common)
    assert first.exit_code == 0, first.output
    after_first = families(target.read_text())
    failing_first = failing_not_waived(tmp_path / "a")
    assert after_first["auditgraph_history_failing_findings"] == {(): float(failing_first)}
    assert "auditgraph_history_failing_findings_delta" not in after_first

    second = run("scan", "--snapshot", later, "--out", tmp_path / "b", *common)
    assert second.exit_code == 0, second.output
    after_second = families(target.read_text())
    failing_second = failing_not_waived(tmp_path / "b")
    assert failing_second < failing_first
    assert after_second["auditgraph_history_failing_findings"] == {(): float(failing_second)}
    delta = after_second["auditgraph_history_failing_findings_delta"]
    assert delta == {(): float(failing_second - failing_first)}
    listed = json.loads(run("history", "--history", store, "--json").output)
    assert [scan["trend"] for scan in listed] == [None, failing_second - failing_first]


def test_a_reader_of_the_old_file_never_sees_a_partial_new_one(tmp_path: Path) -> None:
    target = tmp_path / "auditgraph.prom"
    write_atomically(target, b"auditgraph_old 1.0\n")
    with target.open("rb") as reader:
        write_atomically(target, b"auditgraph_new 2.0\n" * 10_000)
        assert reader.read() == b"auditgraph_old 1.0\n"
    assert target.read_bytes() == b"auditgraph_new 2.0\n" * 10_000
    assert os.listdir(tmp_path) == ["auditgraph.prom"]


def test_a_failed_replace_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "auditgraph.prom"
    target.mkdir()
    with pytest.raises(MetricsFileError, match=r"metrics file .*auditgraph\.prom: "):
        write_atomically(target, b"auditgraph_new 2.0\n")
    assert os.listdir(tmp_path) == ["auditgraph.prom"]
    assert target.is_dir()


@pytest.mark.parametrize("name", ["auditgraph.txt", "auditgraph.prom.tmp", "auditgraph", ".prom"])
def test_a_name_node_exporter_would_not_read_is_refused_before_scanning(
    tmp_path: Path, name: str
) -> None:
    result = run("scan", "--demo", "--out", tmp_path / "run", "--metrics-file", tmp_path / name)
    assert result.exit_code == 2
    assert "the name must end in .prom" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_an_unwritable_metrics_folder_exits_2_after_the_reports(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "auditgraph.prom"
    result = run("scan", "--demo", "--out", tmp_path / "run", "--metrics-file", target)
    assert result.exit_code == 2
    assert f"error: metrics file {target}: cannot write in {target.parent}" in result.output
    assert (tmp_path / "run" / "findings.json").is_file()


# --- the Pushgateway --------------------------------------------------------------------


def test_push_puts_the_textfile_bytes_under_job_and_scope(tmp_path: Path) -> None:
    target = tmp_path / "auditgraph.prom"
    with RecordingServer([Answer(200)]) as gateway:
        result = run(
            "scan", "--demo", "--out", tmp_path / "run", "--metrics-file", target,
            "--pushgateway", gateway.url,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"Metrics pushed to {gateway.url} (job auditgraph, scope {SCOPE})." in result.output
    [request] = gateway.requests
    assert (request.method, request.path) == ("PUT", PUSH_PATH)
    assert request.headers["content-type"] == CONTENT_TYPE_PLAIN_0_0_4
    assert "authorization" not in request.headers
    assert request.body == target.read_bytes()


def test_credentials_in_the_url_become_basic_auth_and_are_never_printed(tmp_path: Path) -> None:
    with RecordingServer([Answer(503)]) as gateway:
        url = gateway.url.replace("http://", "http://metrics:s3cret@")
        result = run("scan", "--demo", "--out", tmp_path / "run", "--pushgateway", url)
    assert result.exit_code == 0, result.output
    [request] = gateway.requests
    expected = base64.b64encode(b"metrics:s3cret").decode("ascii")
    assert request.headers["authorization"] == f"Basic {expected}"
    assert f"warning: the metrics were not pushed: pushgateway {gateway.url}: HTTP 503" in (
        result.output
    )
    assert "s3cret" not in result.output


@pytest.mark.parametrize(("fail_on", "code"), [("none", 0), ("high", 1)])
def test_a_failed_push_is_reported_and_keeps_the_exit_code(
    tmp_path: Path, fail_on: str, code: int
) -> None:
    with RecordingServer([Answer(500, body=b"boom")]) as gateway:
        url = gateway.url
        result = run(
            "scan", "--demo", "--out", tmp_path / "run", "--fail-on", fail_on,
            "--pushgateway", url,
        )  # fmt: skip
    assert result.exit_code == code, result.output
    assert len(gateway.requests) == 1
    assert f"warning: the metrics were not pushed: pushgateway {url}: HTTP 500" in result.output
    assert (tmp_path / "run" / "findings.json").is_file()


def test_an_unreachable_gateway_is_reported_and_the_scan_succeeds(tmp_path: Path) -> None:
    with RecordingServer() as gateway:
        url = gateway.url
    result = run("scan", "--demo", "--out", tmp_path / "run", "--pushgateway", url)
    assert result.exit_code == 0, result.output
    assert f"warning: the metrics were not pushed: pushgateway {url}: " in result.output
    assert "Connection refused" in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://gateway:9091", "expected http(s)://HOST[:PORT]"),
        ("gateway:9091", "expected http(s)://HOST[:PORT]"),
        ("http://gateway:port", "Port could not be cast to integer"),
        ("http://gateway:9091/?x=1", "a query or fragment cannot be pushed to"),
        ("http://u:p@gateway.example:9091", "credentials are only sent over https"),
    ],
)
def test_a_bad_gateway_url_is_refused(url: str, message: str) -> None:
    with pytest.raises(PushgatewayUrlError, match=re.escape(message)):
        Pushgateway.parse(url)


def test_a_bad_gateway_url_stops_the_scan_before_it_starts(tmp_path: Path) -> None:
    result = run("scan", "--demo", "--out", tmp_path / "run", "--pushgateway", "ftp://gw")
    assert result.exit_code == 2
    assert "expected http(s)://HOST[:PORT]" in result.output
    assert not (tmp_path / "run").exists()


def test_credentials_may_travel_over_https_or_to_loopback() -> None:
    assert Pushgateway.parse("https://u:p@gateway.example:9091/base") == Pushgateway(
        "https://gateway.example:9091/base", "u", "p"
    )
    assert Pushgateway.parse("http://u:p@[::1]:9091") == Pushgateway("http://[::1]:9091", "u", "p")
