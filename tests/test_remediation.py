"""``auditgraph remediate`` over the reference estate's run folder: which findings get a
playbook, the three formats, determinism, the script's guard, waived findings, errors, and
the coverage of the catalog by playbooks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from jinja2 import nodes
from typer.testing import CliRunner

from scanner.bundled import remediation_dir
from scanner.cli_remediate import remediate_command
from scanner.engine.catalog import load_catalog
from scanner.outputs.remediation import FindingFilter, load_playbooks, read_run, remediate
from scanner.outputs.remediation.filters import make_environment

BUNDLED = {
    "BDR-001", "BDR-006", "EAR-001", "EIT-001", "ICN-001", "ICN-002", "IDF-001", "KMS-001",
    "KMS-002", "KMS-006", "LOG-001", "MFA-003", "MFA-005", "MON-001", "NET-001", "NET-003",
    "PAM-002", "RES-001", "RES-003",
}  # fmt: skip
FINDING_MARK = re.compile(r"^# --- finding (\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from scanner.cli import app

    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(app, ["scan", "--demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def _remediate(run_dir: Path, *args: str) -> tuple[int, str, str]:
    app = typer.Typer()
    app.command()(remediate_command)
    result = CliRunner().invoke(app, [str(run_dir), *args])
    return result.exit_code, result.stdout, result.stderr


def _render(run_dir: Path, fmt: str) -> dict[str, str]:
    run = read_run(run_dir)
    catalog = load_catalog(run_dir / "inputs" / "catalog")
    out = remediate(run, FindingFilter(), fmt, remediation_dir(), catalog, "run/")
    assert out.problems == []
    return out.files


def _banners(script: str) -> set[tuple[str, str, str]]:
    pattern = r"^echo '==> (\S+) \S+ \[\w+\] (\w+) (\S+)'$"
    return {(c, cloud, n) for c, cloud, n in re.findall(pattern, script, re.MULTILINE)}


def _failing_ids(run_dir: Path) -> set[str]:
    doc = json.loads((run_dir / "findings.json").read_text())
    return {
        f["finding_id"]
        for f in doc["findings"]
        if f["status"] == "fail" and f["control_id"] in BUNDLED and f["waiver_id"] is None
    }


def test_control_net001_renders_exactly_its_failing_findings(run_dir: Path) -> None:
    code, out, _ = _remediate(run_dir, "--control", "net-001")
    assert code == 0
    assert _banners(out) == {
        ("NET-001", "aws", "acl-a02234ed0dae6da50"),
        ("NET-001", "aws", "acl-3f367da7e49130c9a"),
        ("NET-001", "oci", "app-subnet-seclist"),
    }
    assert out.count("aws ec2 create-network-acl-entry ") == 18
    assert "--security-list-id ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u" in out


def test_severity_critical_renders_exactly_the_critical_failures(run_dir: Path) -> None:
    code, out, _ = _remediate(run_dir, "--severity", "critical", "--format", "script")
    assert code == 0
    assert _banners(out) == {
        ("BDR-006", "oci", "datalake-personal"),
        ("IDF-001", "aws", "acme-oci-identity"),
        ("KMS-006", "azure", "analytics-legacy-import"),
        ("KMS-006", "oci", "legacy-analytics-key"),
        ("MFA-003", "azure", "acme.example"),
        ("MFA-005", "aws", "ops-legacy"),
        ("NET-003", "oci", "customer-exports"),
        ("PAM-002", "aws", "ci-full-access"),
        ("RES-003", "aws", "acme-datalake-replica-euw1"),
        ("RES-003", "oci", "datalake-personal"),
    }
    doc = json.loads((run_dir / "findings.json").read_text())
    others = [
        f
        for f in doc["findings"]
        if f["status"] == "fail" and f["severity"] == "critical" and f["control_id"] not in BUNDLED
    ]
    # BDR-006, KMS-006 twice, MFA-003, MFA-005 and RES-003 (the hop is on the AWS replica),
    # plus one per critical failure of a control that has no playbook folder
    assert out.count("echo 'manual step: ") == 6 + len(others)


def test_cloud_selection(run_dir: Path) -> None:
    code, out, _ = _remediate(run_dir, "--cloud", "azure", "--format", "terraform")
    assert code == 0
    assert out.startswith("# auditgraph remediation for azure")
    assert "hashicorp/aws" not in out and "oracle/oci" not in out


def test_every_failing_finding_gets_a_playbook_in_every_format(run_dir: Path) -> None:
    failing = _failing_ids(run_dir)
    assert len(failing) == 23
    script = _render(run_dir, "script")["remediation.sh"]
    assert set(FINDING_MARK.findall(script)) == failing
    doc = json.loads((run_dir / "findings.json").read_text())
    others = {f["finding_id"] for f in doc["findings"] if f["status"] == "fail"} - failing
    pattern = r"^# --- finding (\S+) \(no playbook\)$"
    assert set(re.findall(pattern, script, re.MULTILINE)) == others
    terraform = _render(run_dir, "terraform")
    assert sorted(terraform) == ["remediation-aws.tf", "remediation-azure.tf", "remediation-oci.tf"]
    assert {i for text in terraform.values() for i in FINDING_MARK.findall(text)} == failing
    markdown = _render(run_dir, "markdown")["remediation.md"]
    pattern = r"^- \*\*Finding\*\*: (\S+) "
    assert {i.replace("\\", "") for i in re.findall(pattern, markdown, re.MULTILINE)} == failing


def test_out_folder_and_stdout_hold_the_same_bytes(run_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _remediate(run_dir, "--format", "markdown", "--out", str(tmp_path))
    assert code == 0 and out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["remediation.md"]
    assert (
        _remediate(run_dir, "--format", "markdown")[1] == (tmp_path / "remediation.md").read_text()
    )


def test_output_is_deterministic(run_dir: Path, tmp_path: Path) -> None:
    for fmt in ("script", "terraform", "markdown"):
        a, b = tmp_path / f"a-{fmt}", tmp_path / f"b-{fmt}"
        assert _remediate(run_dir, "--format", fmt, "--out", str(a))[0] == 0
        assert _remediate(run_dir, "--format", fmt, "--out", str(b))[0] == 0
        names = sorted(p.name for p in a.iterdir())
        assert names == sorted(p.name for p in b.iterdir()) and names
        for name in names:
            assert (a / name).read_bytes() == (b / name).read_bytes()


def test_script_guard_refuses_without_confirmation(run_dir: Path, tmp_path: Path) -> None:
    script = _render(run_dir, "script")["remediation.sh"]
    assert script.startswith("#!/usr/bin/env bash\nset -euo pipefail\n")
    guard = script.index('if [ "${AUDITGRAPH_CONFIRM:-}" != "yes" ]')
    assert guard < script.index("\necho ") and guard < script.index("\naws ")
    path = tmp_path / "fix.sh"
    path.write_text(script)
    for value in ("", "no", "YES"):
        env = {"PATH": "/usr/bin:/bin", "AUDITGRAPH_CONFIRM": value}
        done = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=env)
        assert done.returncode == 3
        assert done.stdout == "" and "Refusing to run" in done.stderr


def test_waived_findings_only_with_include_waived(run_dir: Path, tmp_path: Path) -> None:
    from scanner.cli import app

    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n  - id: W-1\n    control_id: NET-003\n"
        '    resource: {uid: "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaacustomerexports"}\n'
        "    justification: partner download until the end of the year\n"
        "    owner: support\n    approver: ciso\n    ticket: SEC-1\n    expires: 2026-12-31\n"
    )
    run = tmp_path / "run"
    args = ["scan", "--demo", "--out", str(run), "--quiet", "--waivers", str(waivers)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert _remediate(run, "--control", "NET-003")[1] == ""
    code, out, err = _remediate(run, "--control", "NET-003", "--include-waived")
    assert code == 0 and "nothing to render" not in err
    assert _banners(out) == {("NET-003", "oci", "customer-exports")}


def test_bad_input_exits_2(run_dir: Path, tmp_path: Path) -> None:
    code, _, err = _remediate(run_dir, "--control", "XYZ-999")
    assert code == 2 and "XYZ-999" in err
    code, _, err = _remediate(tmp_path)
    assert code == 2 and "run.json" in err
    assert _remediate(run_dir, "--format", "yaml")[0] == 2


def test_missing_value_is_named_and_the_rest_renders(run_dir: Path, tmp_path: Path) -> None:
    playbooks = tmp_path / "playbooks"
    shutil.copytree(remediation_dir(), playbooks)
    broken = (
        "echo {{ ('ok ' ~ resource.name) | shell }}\n"
        "echo {{ resource.raw.no_such_field | shell }}\n"
    )
    (playbooks / "NET-003" / "oci.cli.j2").write_text(broken)
    code, out, err = _remediate(run_dir, "--severity", "critical", "--playbooks", str(playbooks))
    assert code == 1
    assert (
        "error: NET-003 on ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaacustomerexports: "
        "NET-003/oci.cli.j2:2: needs a value the snapshot lacks: "
        "'dict object' has no attribute 'no_such_field'"
    ) in err
    assert ("NET-003", "oci", "customer-exports") not in _banners(out)
    assert len(_banners(out)) == 9
    assert "echo 'not rendered: NET-003 on " in out


def test_playbooks_cover_every_cloud_of_their_control(run_dir: Path) -> None:
    playbooks = load_playbooks(remediation_dir())
    assert set(playbooks) == BUNDLED
    catalog = load_catalog(run_dir / "inputs" / "catalog")
    for control_id, playbook in playbooks.items():
        compiled = catalog.get(control_id)
        assert compiled is not None
        assert compiled.control.remediation == [playbook.name]
        for cloud in compiled.control.applies_to.clouds:
            has_both = all(f"{cloud}.{m}.j2" in playbook.templates for m in ("cli", "tf"))
            assert has_both or str(cloud) in playbook.manual, (control_id, cloud)


TRUSTED_IN_RUNBOOKS = {"verify", "control"}
"""Values of the catalog and the CLI (control ids, titles, the verify command), not cloud text."""


@pytest.mark.parametrize("control_id", sorted(BUNDLED))
def test_runbooks_escape_every_cloud_value(control_id: str) -> None:
    env = make_environment(remediation_dir())
    for name in (f"{control_id}/runbook.md.j2", "_shared/runbook.md.j2"):
        tree = env.parse((remediation_dir() / name).read_text())
        for output in tree.find_all(nodes.Output):
            for child in output.nodes:
                if isinstance(child, nodes.TemplateData):
                    continue
                if isinstance(child, nodes.Filter) and child.name == "md":
                    continue
                found = [child, *child.find_all(nodes.Name)]
                names = {n.name for n in found if isinstance(n, nodes.Name)}
                assert names and names <= TRUSTED_IN_RUNBOOKS, (name, child)


def test_catalog_names_a_playbook_that_does_not_match(tmp_path: Path) -> None:
    from scanner.bundled import controls_dir
    from scanner.engine.catalog import check_catalog

    shutil.copytree(controls_dir(), tmp_path / "controls")
    shutil.copytree(remediation_dir(), tmp_path / "remediation")
    assert check_catalog(tmp_path / "controls").problems == []
    path = tmp_path / "remediation" / "NET-001" / "playbook.yaml"
    path.write_text(path.read_text().replace("name: restrict-admin-ingress", "name: other"))
    problems = [str(p) for p in check_catalog(tmp_path / "controls").problems]
    assert len(problems) == 1
    assert "[NET-001]: remediation 'restrict-admin-ingress' has no playbook" in problems[0]
    assert "names 'other'" in problems[0]


NET001 = {
    ("NET-001", "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-a02234ed0dae6da50"),
    ("NET-001", "arn:aws:ec2:us-east-1:111122223333:network-acl/acl-3f367da7e49130c9a"),
    ("NET-001", "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u"),
}
CRITICAL = {
    ("BDR-006", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"),
    ("IDF-001", "arn:aws:iam::111122223333:saml-provider/acme-oci-identity"),
    ("KMS-006", "https://acme-mhsm.managedhsm.azure.net/keys/analytics-legacy-import"),
    ("KMS-006", "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"),
    ("MFA-003", "azure:tenant/9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d/domains/acme.example"),
    ("MFA-005", "arn:aws:iam::111122223333:user/ops-legacy"),
    ("NET-003", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaacustomerexports"),
    ("PAM-002", "arn:aws:iam::111122223333:policy/ci-full-access"),
    ("RES-003", "arn:aws:s3:::acme-datalake-replica-euw1"),
    ("RES-003", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"),
}
MARKS = {
    "script": r"^# --- finding (\S+)$",
    "terraform": r"^# --- finding (\S+)$",
    "markdown": r"^- \*\*Finding\*\*: (\S+) ",
}


@pytest.mark.parametrize("fmt", sorted(MARKS))
@pytest.mark.parametrize(
    ("args", "expected"),
    [(("--control", "NET-001"), NET001), (("--severity", "critical"), CRITICAL)],
    ids=["control-NET-001", "severity-critical"],
)
def test_exact_playbooks_per_selection_and_format(
    run_dir: Path, fmt: str, args: tuple[str, str], expected: set[tuple[str, str]]
) -> None:
    from scanner.model.finding import finding_id

    code, out, _ = _remediate(run_dir, *args, "--format", fmt)
    assert code == 0
    rendered = {i.replace("\\", "") for i in re.findall(MARKS[fmt], out, re.MULTILINE)}
    assert rendered == {finding_id(c, uid) for c, uid in expected}
