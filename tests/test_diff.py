"""Scan-to-scan diff: the reference estate against a copy with known changes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.bundled import controls_dir, reference_estate
from scanner.cli import app
from scanner.config import load_config
from scanner.diff import DiffSide, FindingChange, ScanDiff, diff_findings, diff_sides
from scanner.diff.drift import ABSENT, PropChange, value_changes
from scanner.diff.render import render_json, render_markdown
from scanner.diff.sides import SideContext, resolve_side
from scanner.engine.catalog import load_catalog
from scanner.model import Finding, FindingsDocument, Resource, Status, finding_id
from scanner.pipeline import evaluate_folder
from scanner.snapshot import read_snapshot, write_snapshot

APP_SECRETS_KEY = "https://acme-kv-weu.vault.azure.net/keys/app-secrets-key"
DB_NSG = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.aaaaaaaadbnsg2k"
OPS_LEGACY = "arn:aws:iam::111122223333:user/ops-legacy"
NEW_KEY = "https://acme-kv-weu.vault.azure.net/keys/new-software-key"
NEW_KEY_NAME = "new-software-key|<b>x</b>"
OPEN_SSH = {
    "action": "allow",
    "direction": "ingress",
    "port_from": 22,
    "port_to": 22,
    "protocol": "tcp",
    "source": "0.0.0.0/0",
}

WAIVE_THE_NEW_ONES = f"""\
waivers:
  - {{id: W-NEW1, control_id: KMS-001, resource: {{uid: "{NEW_KEY}"}}, justification: j,
     owner: o, approver: a, ticket: T-1, expires: 2027-01-01}}
  - {{id: W-NEW2, control_id: KMS-002, resource: {{uid: "{NEW_KEY}"}}, justification: j,
     owner: o, approver: a, ticket: T-2, expires: 2027-01-01}}
  - {{id: W-NET, control_id: NET-001, resource: {{tags: {{env: prod}}}}, justification: j,
     owner: o, approver: a, ticket: T-3, expires: 2027-01-01}}
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


def _changed(resource: Resource, **props: object) -> Resource:
    data = resource.model_dump(mode="json")
    return Resource.model_validate(data | {"props": data["props"] | props})


def modified_copy(folder: Path) -> Path:
    """The reference snapshot with four known changes, written as a snapshot folder.

    app-secrets-key rotates (KMS-002 resolved), db-nsg opens SSH to the internet (NET-001
    regressed), ops-legacy is deleted (MFA-005 resolved: gone) and a software key without
    rotation appears (KMS-001 and KMS-002 new).
    """
    snapshot = read_snapshot(reference_estate() / "snapshot")
    resources: list[Resource] = []
    for resource in snapshot.resources:
        if resource.uid == OPS_LEGACY:
            continue
        if resource.uid == APP_SECRETS_KEY:
            resource = _changed(resource, rotation_enabled=True, rotation_period_days=90)
        if resource.uid == DB_NSG:
            resource = _changed(resource, rules=[*resource.props["rules"], OPEN_SSH])
        resources.append(resource)
    resources.append(
        Resource(
            uid=NEW_KEY,
            cloud="azure",
            account="3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f",
            region="westeurope",
            type="azure.keyvault.key",
            kind="key",
            name=NEW_KEY_NAME,
            props={
                "protection": "software",
                "rotation_enabled": False,
                "last_rotated": "2025-01-01T00:00:00Z",
                "state": "enabled",
            },
        )
    )
    edges = [e for e in snapshot.edges if OPS_LEGACY not in (e.src, e.dst)]
    write_snapshot(snapshot.model_copy(update={"resources": resources, "edges": edges}), folder)
    return folder


@pytest.fixture(scope="module")
def modified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return modified_copy(tmp_path_factory.mktemp("diff") / "modified")


@pytest.fixture(scope="module")
def sides(modified: Path) -> tuple[DiffSide, DiffSide]:
    estate = reference_estate()
    catalog = load_catalog(controls_dir())
    config = load_config(estate / "estate.yaml")
    before = evaluate_folder(estate / "snapshot", catalog, config)
    after = evaluate_folder(modified, catalog, config)
    return (
        DiffSide.of("before", before.findings, before.snapshot.resources),
        DiffSide.of("after", after.findings, after.snapshot.resources),
    )


@pytest.fixture(scope="module")
def reference_findings(sides: tuple[DiffSide, DiffSide]) -> FindingsDocument:
    return sides[0].findings


@pytest.fixture(scope="module")
def scan_diff(sides: tuple[DiffSide, DiffSide]) -> ScanDiff:
    return diff_sides(*sides)


@pytest.fixture(scope="module")
def runs(modified: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run folders: a (reference), b (modified), c (modified, with waivers)."""
    folder = tmp_path_factory.mktemp("runs")
    estate = reference_estate()
    waivers = folder / "waivers.yaml"
    waivers.write_text(WAIVE_THE_NEW_ONES)
    scans = (
        ("--snapshot", estate / "snapshot", "--out", folder / "a"),
        ("--snapshot", modified, "--out", folder / "b"),
        ("--snapshot", modified, "--waivers", waivers, "--out", folder / "c"),
    )
    for extra in scans:
        result = run("scan", "--config", estate / "estate.yaml", "--format", "json", "-q", *extra)
        assert result.exit_code == 0, result.output
    return folder


def ids(changes: Iterable[FindingChange]) -> set[str]:
    return {change.finding_id for change in changes}


def test_finding_categories_are_exact(
    scan_diff: ScanDiff, reference_findings: FindingsDocument
) -> None:
    found = scan_diff.findings
    assert ids(found.new) == {finding_id("KMS-001", NEW_KEY), finding_id("KMS-002", NEW_KEY)}
    assert ids(found.regressed) == {finding_id("NET-001", DB_NSG)}
    resolved = {
        finding_id("KMS-002", APP_SECRETS_KEY),
        finding_id("MFA-005", OPS_LEGACY),
        finding_id("IDF-003", OPS_LEGACY),
    }
    assert ids(found.resolved) == resolved
    failing_before = {f.finding_id for f in reference_findings.findings if f.status is Status.FAIL}
    assert ids(found.unchanged) == failing_before - resolved
    assert found.status_changed == ()
    assert found.waiver_changed == ()
    gone = next(c for c in found.resolved if c.control_id == "MFA-005")
    assert gone.after is None
    assert gone.before is not None and gone.before.status is Status.FAIL


def test_resource_drift_is_exact(scan_diff: ScanDiff) -> None:
    drift = scan_diff.drift
    assert [(r.uid, r.name, r.kind) for r in drift.added] == [(NEW_KEY, NEW_KEY_NAME, "key")]
    assert [r.uid for r in drift.removed] == [OPS_LEGACY]
    rules = read_resource(DB_NSG).props["rules"]
    assert {c.resource.uid: c.changes for c in drift.changed} == {
        APP_SECRETS_KEY: (
            PropChange("props.rotation_enabled", False, True),
            PropChange("props.rotation_period_days", ABSENT, 90),
        ),
        DB_NSG: (PropChange("props.rules", rules, [*rules, OPEN_SSH]),),
    }


def read_resource(uid: str) -> Resource:
    snapshot = read_snapshot(reference_estate() / "snapshot")
    return next(r for r in snapshot.resources if r.uid == uid)


def test_json_is_deterministic_and_complete(scan_diff: ScanDiff) -> None:
    text = render_json(scan_diff)
    assert text == render_json(scan_diff)
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert data["format_version"] == "1"
    assert data["same_catalog"] is True
    assert [c["path"] for c in data["drift"]["changed"][0]["changes"]] == [
        "props.rotation_enabled",
        "props.rotation_period_days",
    ]
    assert data["drift"]["changed"][0]["changes"][1] == {
        "path": "props.rotation_period_days",
        "after": 90,
    }
    (regressed,) = data["findings"]["regressed"]
    assert regressed["before"] == {"status": "pass", "waiver_id": None}
    assert regressed["after"] == {"status": "fail", "waiver_id": None}


def test_markdown_escapes_cells(scan_diff: ScanDiff) -> None:
    text = render_markdown(scan_diff)
    assert "| new-software-key\\|&lt;b&gt;x&lt;/b&gt; | key | " + NEW_KEY + " |" in text
    assert "<b>" not in text
    assert "## New failing findings (2)" in text
    assert "## Regressed (pass → fail) (1)" in text


# --- categories on their own ---------------------------------------------------------------


def test_status_categories_cover_every_transition(reference_findings: FindingsDocument) -> None:
    base = reference_findings.findings[0]

    def finding(name: str, status: Status, waiver: str | None = None) -> Finding:
        uid = f"uid-{name}"
        return base.model_copy(
            update={
                "finding_id": finding_id(base.control_id, uid),
                "resource_uid": uid,
                "status": status,
                "waiver_id": waiver,
            }
        )

    before = [
        finding("pass-fail", Status.PASS),
        finding("inconclusive-fail", Status.INCONCLUSIVE),
        finding("fail-fail", Status.FAIL),
        finding("fail-pass", Status.FAIL),
        finding("fail-gone", Status.FAIL),
        finding("pass-inconclusive", Status.PASS),
        finding("error-pass", Status.ERROR),
        finding("pass-gone", Status.PASS),
        finding("waived-then-not", Status.FAIL, "W-1"),
    ]
    after = [
        finding("pass-fail", Status.FAIL),
        finding("inconclusive-fail", Status.FAIL),
        finding("fail-fail", Status.FAIL),
        finding("fail-pass", Status.PASS),
        finding("pass-inconclusive", Status.INCONCLUSIVE),
        finding("error-pass", Status.PASS),
        finding("appears-fail", Status.FAIL, "W-2"),
        finding("appears-pass", Status.PASS),
        finding("waived-then-not", Status.FAIL),
    ]
    found = diff_findings(before, after)

    def names(changes: Iterable[FindingChange]) -> set[str]:
        return {change.resource_uid.removeprefix("uid-") for change in changes}

    assert names(found.new) == {"inconclusive-fail", "appears-fail"}
    assert names(found.regressed) == {"pass-fail"}
    assert names(found.resolved) == {"fail-pass", "fail-gone"}
    assert names(found.unchanged) == {"fail-fail", "waived-then-not"}
    assert names(found.status_changed) == {"pass-inconclusive", "error-pass"}
    assert names(found.waiver_changed) == {"waived-then-not"}
    failing = found.failing_new(base.severity)
    assert {c.resource_uid for c in failing} == {"uid-pass-fail", "uid-inconclusive-fail"}


def test_value_changes_paths() -> None:
    before = {
        "a": {"b": 1, "gone": "x"},
        "list": [1, 2],
        "grown": [1],
        "dotted.key": "v1",
        "flag": 1,
    }
    after = {"a": {"b": 2, "new": None}, "list": [1, 3], "grown": [1, 2], "dotted.key": "v2"}
    after["flag"] = True
    assert value_changes(before, after) == (
        PropChange('["dotted.key"]', "v1", "v2"),
        PropChange("a.b", 1, 2),
        PropChange("a.gone", "x", ABSENT),
        PropChange("a.new", ABSENT, None),
        PropChange("flag", 1, True),
        PropChange("grown", [1], [1, 2]),
        PropChange("list[1]", 2, 3),
    )


# --- the command -----------------------------------------------------------------------------


def test_cli_between_snapshot_folders(modified: Path) -> None:
    estate = reference_estate()
    args = ("diff", estate / "snapshot", modified, "--config", estate / "estate.yaml")
    result = run(*args, "--format", "json", "--fail-on-new", "high")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert {c["finding_id"] for c in data["findings"]["new"]} == {
        finding_id("KMS-001", NEW_KEY),
        finding_id("KMS-002", NEW_KEY),
    }
    assert data["before"]["label"] == str(estate / "snapshot")
    assert [r["uid"] for r in data["drift"]["removed"]] == [OPS_LEGACY]


def test_cli_json_between_run_folders_is_byte_identical(runs: Path, scan_diff: ScanDiff) -> None:
    first = run("diff", runs / "a", runs / "b", "--format", "json")
    assert first.exit_code == 0, first.output
    assert first.stdout == run("diff", runs / "a", runs / "b", "--format", "json").stdout
    data = json.loads(first.stdout)
    expected = scan_diff.as_json()
    assert data["findings"] == json.loads(json.dumps(expected["findings"]))
    assert data["drift"] == json.loads(json.dumps(expected["drift"]))


def test_cli_fail_on_new(runs: Path) -> None:
    args = ("diff", runs / "a", runs / "b")
    assert run(*args, "--fail-on-new", "high").exit_code == 1
    assert run(*args, "--fail-on-new", "critical").exit_code == 0  # the new ones are high
    table = run(*args)
    assert table.exit_code == 0
    assert "New failing findings (2)" in table.stdout
    assert "props.rotation_period_days" in table.stdout
    markdown = run(*args, "--format", "md")
    assert markdown.stdout == render_markdown(
        diff_sides(*(resolve_side(str(runs / n), SideContext()) for n in "ab"))
    )


def test_waived_new_findings_do_not_fail_and_waiver_changes_show(runs: Path) -> None:
    result = run("diff", runs / "a", runs / "c", "--format", "json", "--fail-on-new", "high")
    assert result.exit_code == 0, result.output  # every new failure is waived
    data = json.loads(result.stdout)
    seclist = "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u"
    assert {c["finding_id"] for c in data["findings"]["waiver_changed"]} == {
        finding_id("NET-001", DB_NSG),
        finding_id("NET-001", seclist),
    }
    assert {c["after"]["waiver_id"] for c in data["findings"]["new"]} == {"W-NEW1", "W-NEW2"}
    (regressed,) = data["findings"]["regressed"]
    assert regressed["after"] == {"status": "fail", "waiver_id": "W-NET"}


def test_cli_bad_inputs_exit_2(tmp_path: Path) -> None:
    result = run("diff", tmp_path / "nothing", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'nothing'}: neither a run folder (findings.json and snapshot/) "
        "nor a snapshot folder (manifest.json)"
    )
    run_folder = tmp_path / "run"
    run_folder.mkdir()
    (run_folder / "findings.json").write_text("{}")
    result = run("diff", run_folder, run_folder)
    assert result.exit_code == 2
    assert "a run folder without snapshot/manifest.json" in result.stderr
