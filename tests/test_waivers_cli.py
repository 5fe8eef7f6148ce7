"""``--waivers`` on scan and evaluate, the waiver register, and ``auditgraph waivers check``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.bundled import reference_estate
from scanner.cli import app
from scanner.model import finding_id

LEGACY_KEY = "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"
SECLIST = "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u"
REPLICA_EUW1 = "arn:aws:s3:::acme-datalake-replica-euw1"
OPS_LEGACY = "arn:aws:iam::111122223333:user/ops-legacy"
DATALAKE = "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"

REFERENCE_WAIVERS = f"""\
waivers:
  - id: W-KMS
    control_id: KMS-001
    resource: {{uid: "{LEGACY_KEY}"}}
    justification: Rotation breaks the legacy analytics import; key retired in Q1.
    owner: data-platform
    approver: ciso
    ticket: SEC-101
    expires: 2026-11-01
  - id: W-NET
    control_id: NET-001
    resource: {{tags: {{env: prod}}}}
    justification: Bastion migration in progress.
    owner: network
    approver: ciso
    ticket: SEC-102
    expires: 2027-01-31T18:00:00+01:00
  - id: W-RES
    control_id: RES-003
    resource: {{glob: "arn:aws:s3:::acme-datalake-*"}}
    justification: Transfer impact assessment pending.
    owner: dpo
    approver: ciso
    ticket: SEC-103
    expires: 2027-06-30
  - id: W-EXP
    control_id: MFA-005
    resource: {{uid: "{OPS_LEGACY}"}}
    justification: Legacy operator account.
    owner: ops
    approver: ciso
    ticket: SEC-104
    expires: 2026-10-31
  - id: W-UNUSED
    control_id: BDR-001
    resource: {{uid: "{DATALAKE}"}}
    justification: Versioning off by design.
    owner: data-platform
    approver: ciso
    ticket: SEC-105
    expires: 2027-01-01
"""

WAIVED = {
    finding_id("KMS-001", LEGACY_KEY): "W-KMS",
    finding_id("NET-001", SECLIST): "W-NET",
    finding_id("RES-003", REPLICA_EUW1): "W-RES",
}


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


@pytest.fixture
def waivers_file(tmp_path: Path) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(REFERENCE_WAIVERS, encoding="utf-8")
    return path


def test_scan_with_waivers_marks_findings_and_writes_the_register(
    tmp_path: Path, waivers_file: Path
) -> None:
    out = tmp_path / "out"
    result = run("scan", "--demo", "--waivers", waivers_file, "--out", out)
    assert result.exit_code == 0, result.output
    findings = json.loads((out / "findings.json").read_text())["findings"]
    waived = {f["finding_id"]: f["waiver_id"] for f in findings if f["waiver_id"] is not None}
    assert waived == WAIVED
    assert {f["status"] for f in findings if f["finding_id"] in WAIVED} == {"fail"}
    register = json.loads((out / "waivers.json").read_text())
    assert register["format_version"] == "1"
    assert register["evaluated_at"] == "2026-11-01T09:04:12Z"
    assert [
        (w["id"], w["state"], w["finding_ids"], w["selector"], w["expires"])
        for w in register["waivers"]
    ] == [
        (
            "W-EXP",
            "expired",
            [finding_id("MFA-005", OPS_LEGACY)],
            {"uid": OPS_LEGACY},
            "2026-10-31",
        ),
        ("W-KMS", "active", [finding_id("KMS-001", LEGACY_KEY)], {"uid": LEGACY_KEY}, "2026-11-01"),
        (
            "W-NET",
            "active",
            [finding_id("NET-001", SECLIST)],
            {"tags": {"env": "prod"}},
            "2027-01-31T18:00:00+01:00",
        ),
        (
            "W-RES",
            "active",
            [finding_id("RES-003", REPLICA_EUW1)],
            {"glob": "arn:aws:s3:::acme-datalake-*"},
            "2027-06-30",
        ),
        ("W-UNUSED", "unused", [], {"uid": DATALAKE}, "2027-01-01"),
    ]
    assert register["waivers"][1] | {"finding_ids": []} == {
        "id": "W-KMS",
        "control_id": "KMS-001",
        "selector": {"uid": LEGACY_KEY},
        "owner": "data-platform",
        "approver": "ciso",
        "ticket": "SEC-101",
        "justification": "Rotation breaks the legacy analytics import; key retired in Q1.",
        "expires": "2026-11-01",
        "state": "active",
        "finding_ids": [],
    }
    assert str(out / "waivers.json") in result.stdout
    assert str(out / "waivers.md") in result.stdout
    register_md = (out / "waivers.md").read_text().splitlines()
    assert register_md[2] == "Evaluated at 2026-11-01T09:04:12Z (the snapshot's collection end)."
    assert register_md[8:10] == [
        "| W-NET | NET-001 | tags: env=prod | active | 2027-01-31T18:00:00+01:00 | network | "
        f"ciso | SEC-102 | Bastion migration in progress. | {finding_id('NET-001', SECLIST)} |",
        "| W-RES | RES-003 | glob: arn:aws:s3:::acme-datalake-\\* | active | 2027-06-30 | dpo | "
        "ciso | SEC-103 | Transfer impact assessment pending. | "
        f"{finding_id('RES-003', REPLICA_EUW1)} |",
    ]
    assert (
        "warning: waiver W-EXP (MFA-005) expired 2026-10-31 and no longer applies: 1 finding "
        "it covered count again (ticket SEC-104, owner ops)"
    ) in result.stderr
    assert (
        "warning: waiver W-UNUSED (BDR-001) matches no failing or inconclusive finding: "
        "remove it or fix its selector"
    ) in result.stderr
    assert "waived (W-KMS)" in result.stdout


def test_register_is_byte_identical_across_runs(tmp_path: Path, waivers_file: Path) -> None:
    for name in ("a", "b"):
        result = run("scan", "--demo", "--waivers", waivers_file, "--out", tmp_path / name)
        assert result.exit_code == 0, result.output
    for name in ("waivers.json", "waivers.md", "summary.md", "findings.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_reports_show_waived_with_the_waiver_id(tmp_path: Path, waivers_file: Path) -> None:
    out = tmp_path / "out"
    assert run("scan", "--demo", "--waivers", waivers_file, "--out", out).exit_code == 0
    summary = (out / "summary.md").read_text()
    findings = json.loads((out / "findings.json").read_text())["findings"]
    unwaived = [f["status"] for f in findings if f["waiver_id"] is None]
    counts = f"{unwaived.count('fail')} failing, {unwaived.count('inconclusive')} inconclusive"
    line = f"| Findings | {len(findings)} ({counts}, {unwaived.count('error')} error, 3 waived) |"
    assert line in summary
    assert (
        "| high | KMS-001 | legacy-analytics-key "
        f"({LEGACY_KEY}) | waived (W-KMS), fail | Key legacy-analytics-key is software-protected |"
    ) in summary
    html = (out / "report-iso27001_2022.html").read_text()
    assert '<span class="badge s-waived">waived (W-KMS)</span>' in html


def test_waived_findings_never_count_for_fail_on(tmp_path: Path, waivers_file: Path) -> None:
    args = ("scan", "--demo", "--control", "KMS-001", "--fail-on", "high", "--json")
    without = run(*args, "--out", tmp_path / "a")
    assert without.exit_code == 1, without.output
    with_waivers = run(*args, "--waivers", waivers_file, "--out", tmp_path / "b")
    assert with_waivers.exit_code == 0, with_waivers.output
    summary = json.loads(with_waivers.stdout)
    assert summary["findings"]["waived"] == 1
    assert summary["findings"]["fail"] == 0
    assert summary["failing_by_severity"]["high"] == 0


def test_evaluate_takes_waivers_too(tmp_path: Path, waivers_file: Path) -> None:
    estate = reference_estate()
    out = tmp_path / "out"
    args = ("evaluate", estate / "snapshot", "--config", estate / "estate.yaml", "--quiet")
    result = run(*args, "--waivers", waivers_file, "--out", out, "--fail-on", "critical")
    assert result.exit_code == 1  # other critical failures remain
    assert json.loads((out / "waivers.json").read_text())["waivers"][1]["state"] == "active"
    assert "warning" not in result.stderr  # --quiet


def test_a_broken_waivers_file_exits_2_before_evaluating(tmp_path: Path) -> None:
    broken = tmp_path / "waivers.yaml"
    broken.write_text(REFERENCE_WAIVERS.replace("control_id: KMS-001", "control_id: KMS-999"))
    out = tmp_path / "out"
    result = run("scan", "--demo", "--waivers", broken, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: 1 problem in the waivers file:",
        f"  {broken}:3:17 [W-KMS]: control_id: unknown control 'KMS-999' (not in the catalog)",
    ]
    assert not (out / "findings.json").exists()


# --- waivers check -------------------------------------------------------------------------


def test_check_lists_expired_and_expiring_as_of_a_date(waivers_file: Path) -> None:
    result = run("waivers", "check", waivers_file, "--at", "2026-12-20", "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["checked_at"] == "2026-12-20T00:00:00Z"
    assert report["problems"] == []
    assert [(w["id"], w["state"], w["days_left"]) for w in report["waivers"]] == [
        ("W-EXP", "expired", -49),
        ("W-KMS", "expired", -48),
        ("W-UNUSED", "expiring", 13),
        ("W-NET", "ok", 42),
        ("W-RES", "ok", 193),
    ]
    assert report["waivers"][3]["ends_at"] == "2027-01-31T17:00:00Z"


def test_check_exit_0_when_nothing_is_due(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    far = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    path.write_text(REFERENCE_WAIVERS.split("  - id: W-NET")[0].replace("2026-11-01", far))
    result = run("waivers", "check", path)
    assert result.exit_code == 0, result.output
    assert "0 problems, 0 expired, 0 expiring within 30 days, 1 ok" in result.stdout
    assert run("waivers", "check", path, "--within", "100").exit_code == 1


def test_check_invalid_file_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "waivers.yaml"
    text = REFERENCE_WAIVERS.replace("control_id: KMS-001", "control_id: KMS-999")
    path.write_text(text.replace("expires: 2027-06-30", "expires: 2027-06-30 12:00:00"))
    result = run("waivers", "check", path, "--at", "2026-11-01T00:00:00Z")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:3:17 [W-KMS]: control_id: unknown control 'KMS-999' (not in the catalog)",
        f"{path}:25:14 [W-RES]: expires: a date-time needs a time zone, e.g. "
        "2027-03-31T18:00:00Z or 2027-03-31T18:00:00+02:00 (or give a date: 2027-03-31)",
    ]
    assert "2 problems, 1 expired, 0 expiring within 30 days, 2 ok" in result.stdout


def test_check_refuses_a_naive_at(waivers_file: Path) -> None:
    result = run("waivers", "check", waivers_file, "--at", "2026-11-01T10:00:00")
    assert result.exit_code == 2
    assert "give a time zone" in result.stderr
