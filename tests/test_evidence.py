"""Run folders and evidence bundles: export, verify, and every way a bundle can be tampered."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner, Result

from scanner.bundled import controls_dir, reference_estate
from scanner.canonical import dumps_pretty, sha256_bytes
from scanner.cli import app
from scanner.engine.catalog import load_catalog
from scanner.outputs.evidence.bundle import ExportOptions, export_bundle
from scanner.outputs.evidence.keys import (
    generate_keys,
    key_id,
    load_private_key,
    load_public_key,
)
from scanner.outputs.evidence.manifest import zip_members
from scanner.outputs.evidence.verify import Verdict, verify_bundle

SNAPSHOT = reference_estate() / "snapshot"
ESTATE = reference_estate() / "estate.yaml"
FRAMEWORKS = ("soc2", "iso27001_2022", "gdpr")
REPORTS = {f"reports/report-{fw}.html" for fw in FRAMEWORKS} | {
    "reports/findings.csv",
    *(f"reports/findings-{fw}.csv" for fw in FRAMEWORKS),
}
CATALOG_FILES = {
    *(f"inputs/catalog/{path.name}" for path in controls_dir().glob("*.yaml")),
    *(f"inputs/catalog/frameworks/{fw}.yaml" for fw in FRAMEWORKS),
}
SNAPSHOT_FILES = {
    f"snapshot/{name}" for name in ("manifest.json", "resources.jsonl", "edges.jsonl", "gaps.jsonl")
}
MEMBERS = sorted(
    {
        "manifest.json",
        "signature",
        "run.json",
        "findings.json",
        "evidence-index.json",
        "collection-gaps.json",
        "inputs/estate.yaml",
    }
    | SNAPSHOT_FILES
    | CATALOG_FILES
    | REPORTS
)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    result = run("scan", "--demo", "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    pair = generate_keys(tmp_path_factory.mktemp("keys") / "team")
    return pair.private, pair.public


@pytest.fixture(scope="module")
def bundle(run_dir: Path, key: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "evidence.zip"
    exported = export_bundle(run_dir, ExportOptions(sign_key=load_private_key(key[0])))
    path.write_bytes(exported.data)
    return path


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rebuilt(path: Path, members: dict[str, bytes], target: Path) -> Path:
    """The bundle re-zipped canonically with changed members (valid CRCs, a clean container)."""
    manifest = json.loads(members["manifest.json"])
    target.write_bytes(zip_members(members, manifest["time_window"]["finished"]))
    return target


def flip(data: bytes, position: int | None = None) -> bytes:
    at = len(data) // 2 if position is None else position
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def verify(path: Path, public: Path | None) -> Verdict:
    return verify_bundle(path, load_public_key(public) if public else None)


def failure_of(verdict: Verdict) -> tuple[str, str | None]:
    assert not verdict.ok
    failure = verdict.failure
    assert failure is not None
    return failure.name, failure.file


# --- the run folder -------------------------------------------------------------------


def test_scan_makes_a_self_sufficient_run_folder(run_dir: Path) -> None:
    for name in ("manifest.json", "resources.jsonl", "edges.jsonl", "gaps.jsonl"):
        assert (run_dir / "snapshot" / name).read_bytes() == (SNAPSHOT / name).read_bytes()
    for path in controls_dir().glob("*.yaml"):
        assert (run_dir / "inputs" / "catalog" / path.name).read_bytes() == path.read_bytes()
    for fw in FRAMEWORKS:
        copied = run_dir / "inputs" / "catalog" / "frameworks" / f"{fw}.yaml"
        assert copied.read_bytes() == (controls_dir() / "frameworks" / f"{fw}.yaml").read_bytes()
    assert (run_dir / "inputs" / "estate.yaml").read_bytes() == ESTATE.read_bytes()
    record = json.loads((run_dir / "run.json").read_text())
    assert record == {
        "format_version": "1",
        "scanner_version": "0.1.0",
        "selection": {"controls": [], "min_severity": None, "clouds": []},
        "frameworks": list(FRAMEWORKS),
        "formats": record["formats"],
        "snapshot": "snapshot",
        "snapshot_digest": sha256_bytes((SNAPSHOT / "manifest.json").read_bytes()),
        "catalog": "inputs/catalog",
        "catalog_digest": load_catalog(controls_dir()).digest,
        "config": "inputs/estate.yaml",
        "waivers": None,
    }
    assert record["formats"][:3] == ["json", "html", "md"]


def test_run_json_records_the_selection_and_evaluating_into_the_run_is_stable(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    args = ("--control", "RES-003,KMS-001", "--severity", "high", "--cloud", "aws,oci")
    result = run("scan", "--demo", "--out", out, "--framework", "gdpr", "--quiet", *args)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "run.json").read_text())
    assert record["selection"] == {
        "controls": ["RES-003", "KMS-001"],
        "min_severity": "high",
        "clouds": ["aws", "oci"],
    }
    assert record["frameworks"] == ["gdpr"]
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    again = run(
        "evaluate", out / "snapshot", "--catalog", out / "inputs" / "catalog",
        "--config", out / "inputs" / "estate.yaml", "--out", out, "--framework", "gdpr",
        "--quiet", *args,
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(export_bundle(out, ExportOptions()).data)
    verdict = verify(bundle, None)
    assert verdict.ok, verdict.failure
    findings = json.loads(members_of(bundle)["findings.json"])["findings"]
    assert {f["control_id"] for f in findings} == {"RES-003", "KMS-001"}
    assert {f["cloud"] for f in findings} <= {"aws", "oci"}


# --- the bundle -----------------------------------------------------------------------


def test_bundle_holds_exactly_the_expected_members(bundle: Path, run_dir: Path) -> None:
    members = members_of(bundle)
    assert list(members)[:2] == ["manifest.json", "signature"]
    assert sorted(members) == MEMBERS
    assert members["findings.json"] == (run_dir / "findings.json").read_bytes()
    assert members["snapshot/resources.jsonl"] == (SNAPSHOT / "resources.jsonl").read_bytes()
    with zipfile.ZipFile(bundle) as archive:
        assert {info.date_time for info in archive.infolist()} == {_finished_time()}


def _finished_time() -> tuple[int, ...]:
    finished = json.loads((SNAPSHOT / "manifest.json").read_text())["finished_at"]
    date, time = finished.rstrip("Z").split("T")
    return (*map(int, date.split("-")), *map(int, time.split(":")))


def test_manifest_describes_and_hashes_the_bundle(bundle: Path, key: tuple[Path, Path]) -> None:
    members = members_of(bundle)
    manifest = json.loads(members["manifest.json"])
    snapshot = json.loads((SNAPSHOT / "manifest.json").read_text())
    catalog = load_catalog(controls_dir())
    assert manifest["files"] == {
        name: sha256_bytes(data)
        for name, data in members.items()
        if name not in ("manifest.json", "signature")
    }
    assert manifest["bundle_format_version"] == "1"
    assert manifest["sdk_versions"] == snapshot["sdk_versions"]
    assert manifest["scope"] == snapshot["scope"]
    assert manifest["callers"] == {cloud: s["caller"] for cloud, s in snapshot["scope"].items()}
    assert manifest["time_window"] == {
        "started": snapshot["started_at"],
        "finished": snapshot["finished_at"],
    }
    assert manifest["snapshot_digest"] == sha256_bytes((SNAPSHOT / "manifest.json").read_bytes())
    assert manifest["findings_digest"] == sha256_bytes(members["findings.json"])
    assert (
        manifest["catalog"]["digest"] == manifest["catalog"]["evaluated_digest"] == catalog.digest
    )
    assert sorted(manifest["catalog"]["expressions"]) == [c.id for c in catalog.controls]
    assert manifest["selection"] == {"controls": [], "min_severity": None, "clouds": []}
    assert manifest["frameworks"] == list(FRAMEWORKS)
    assert manifest["active_waivers"] == []
    assert manifest["redacted_ids"] is False
    assert manifest["signed_by"] == key_id(load_public_key(key[1]))
    public = load_public_key(key[1])
    public.verify(members["signature"], members["manifest.json"])  # raises if it does not hold


def test_export_is_byte_reproducible(bundle: Path, run_dir: Path, key: tuple[Path, Path]) -> None:
    again = export_bundle(run_dir, ExportOptions(sign_key=load_private_key(key[0])))
    assert again.data == bundle.read_bytes()


def test_evidence_index_maps_every_requirement_to_its_findings_and_fields(bundle: Path) -> None:
    members = members_of(bundle)
    index = json.loads(members["evidence-index.json"])
    findings = json.loads(members["findings.json"])["findings"]
    catalog = load_catalog(controls_dir())
    listed = {
        (fw, req, cid, entry["finding_id"])
        for fw, framework in index["frameworks"].items()
        for req, requirement in framework["requirements"].items()
        for cid, control in requirement["controls"].items()
        for entry in control["findings"]
    }
    expected = {
        (fw, req, f["control_id"], f["finding_id"])
        for f in findings
        for fw, reqs in f["frameworks"].items()
        for req in reqs
    }
    assert listed == expected
    for fw in FRAMEWORKS:
        requirements = [r.id for r in catalog.frameworks[fw].requirements]
        assert sorted(index["frameworks"][fw]["requirements"]) == sorted(requirements)
    first = next(f for f in findings if f["status"] == "fail")
    fw, reqs = next(iter(first["frameworks"].items()))
    control = index["frameworks"][fw]["requirements"][reqs[0]]["controls"][first["control_id"]]
    entry = next(e for e in control["findings"] if e["finding_id"] == first["finding_id"])
    assert entry["fields"] == first["evidence"]["fields"]
    assert entry["resource"]["uid"] == first["resource_uid"]
    assert entry["status"] == "fail"


def test_collection_gaps_are_listed(bundle: Path) -> None:
    gaps = json.loads(members_of(bundle)["collection-gaps.json"])["gaps"]
    snapshot_gaps = [
        json.loads(line) for line in (SNAPSHOT / "gaps.jsonl").read_text().split("\n") if line
    ]
    assert [{k: v for k, v in g.items() if k != "description"} for g in gaps] == snapshot_gaps
    assert all(g["description"].startswith(g["operation"] + " failed in ") for g in gaps)


# --- verify ---------------------------------------------------------------------------


def test_verify_accepts_the_intact_bundle(bundle: Path, key: tuple[Path, Path]) -> None:
    result = run("evidence", "verify", bundle, "--public-key", key[1])
    assert result.exit_code == 0, result.output
    assert "VERIFIED: intact, authentic and reproducible" in result.output
    as_json = run("evidence", "verify", bundle, "--public-key", key[1], "--json")
    verdict = json.loads(as_json.stdout)
    assert as_json.exit_code == 0
    assert (verdict["verified"], verdict["signed"], verdict["signature_checked"]) == (
        True,
        True,
        True,
    )
    assert [c["name"] for c in verdict["checks"]] == [
        "zip",
        "signature",
        "manifest",
        "files",
        "sha256",
        "container",
        "re-evaluation",
    ]


@pytest.mark.parametrize("member", MEMBERS)
def test_a_flipped_byte_in_any_member_is_detected(
    member: str, bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    data = bundle.read_bytes()
    with zipfile.ZipFile(bundle) as archive:
        info = archive.getinfo(member)
    # In place, in the zip's bytes: the member's data starts after its local header.
    name_length, extra_length = struct.unpack(
        "<HH", data[info.header_offset + 26 : info.header_offset + 30]
    )
    start = info.header_offset + 30 + name_length + extra_length
    in_place = tmp_path / "in-place.zip"
    in_place.write_bytes(flip(data, start + info.file_size // 2))
    assert failure_of(verify(in_place, key[1])) == ("zip", member)
    # Re-zipped with valid CRCs, as a forger would: the hashes or the signature catch it.
    members = members_of(bundle)
    members[member] = flip(members[member])
    forged = rebuilt(bundle, members, tmp_path / "forged.zip")
    name, file = failure_of(verify(forged, key[1]))
    if member in ("manifest.json", "signature"):
        assert (name, file) == ("signature", "signature")
    else:
        assert (name, file) == ("sha256", member)


def test_a_flipped_byte_in_the_container_is_detected(
    bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    data = bundle.read_bytes()
    with zipfile.ZipFile(bundle) as archive:
        last = archive.infolist()[-1]
    central = data.rindex(b"PK\x01\x02")  # the last central directory entry, then the end record
    header = range(last.header_offset, last.header_offset + 30)
    for position in [*header, *range(central, len(data))]:
        tampered = tmp_path / "t.zip"
        tampered.write_bytes(flip(data, position))
        verdict = verify(tampered, key[1])
        assert not verdict.ok, position
        assert verdict.checks[-1].name != "re-evaluation", position


def test_an_added_or_a_missing_member_is_named(
    bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    members = members_of(bundle)
    added = rebuilt(bundle, {**members, "notes.txt": b"trust me"}, tmp_path / "added.zip")
    assert failure_of(verify(added, key[1])) == ("files", "notes.txt")
    del members["evidence-index.json"]
    missing = rebuilt(bundle, members, tmp_path / "missing.zip")
    assert failure_of(verify(missing, key[1])) == ("files", "evidence-index.json")


def _forge_findings(members: dict[str, bytes]) -> dict[str, bytes]:
    """findings.json with one failing finding turned into a pass, manifest updated to match."""
    doc = json.loads(members["findings.json"])
    failing = next(f for f in doc["findings"] if f["status"] == "fail")
    failing["status"] = "pass"
    forged = dict(members)
    forged["findings.json"] = dumps_pretty(doc).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["findings.json"] = sha256_bytes(forged["findings.json"])
    manifest["findings_digest"] = manifest["files"]["findings.json"]
    forged["manifest.json"] = dumps_pretty(manifest).encode()
    return forged


def _resign(members: dict[str, bytes], signer: Ed25519PrivateKey, claim: bool) -> dict[str, bytes]:
    if claim:  # the forger also names its own key in the manifest
        manifest = json.loads(members["manifest.json"])
        manifest["signed_by"] = key_id(signer.public_key())
        members = {**members, "manifest.json": dumps_pretty(manifest).encode()}
    return {**members, "signature": signer.sign(members["manifest.json"])}


@pytest.mark.parametrize("claims_own_key", [False, True])
def test_forged_findings_resigned_with_another_key_fail_the_signature(
    claims_own_key: bool, bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    forged = _resign(
        _forge_findings(members_of(bundle)), Ed25519PrivateKey.generate(), claims_own_key
    )
    path = rebuilt(bundle, forged, tmp_path / "forged.zip")
    assert failure_of(verify(path, key[1])) == ("signature", "signature")


def test_forged_findings_signed_with_the_right_key_fail_re_evaluation(
    bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    forged = _resign(_forge_findings(members_of(bundle)), load_private_key(key[0]), False)
    path = rebuilt(bundle, forged, tmp_path / "forged.zip")
    verdict = verify(path, key[1])
    assert failure_of(verdict) == ("re-evaluation", "findings.json")
    assert [c.name for c in verdict.checks if c.ok][-1] == "container"
    result = run("evidence", "verify", path, "--public-key", key[1])
    assert result.exit_code == 1
    assert "NOT VERIFIED: re-evaluation failed in findings.json" in result.output


def test_a_tampered_catalog_signed_with_the_right_key_fails_re_evaluation(
    bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    members = members_of(bundle)
    name = "inputs/catalog/encryption.yaml"
    text = members[name].decode()
    members[name] = text.replace("severity: high", "severity: low", 1).encode()
    assert members[name].decode() != text
    manifest = json.loads(members["manifest.json"])
    manifest["files"][name] = sha256_bytes(members[name])
    members["manifest.json"] = dumps_pretty(manifest).encode()
    path = rebuilt(bundle, _resign(members, load_private_key(key[0]), False), tmp_path / "c.zip")
    assert failure_of(verify(path, key[1])) == ("re-evaluation", "findings.json")


# --- signed, unsigned, stripped -------------------------------------------------------


@pytest.fixture(scope="module")
def unsigned(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("unsigned") / "unsigned.zip"
    result = run("evidence", "export", run_dir, "--out", path)
    assert result.exit_code == 0, result.output
    assert "signed by: nobody (unsigned)" in result.output
    return path


def test_an_unsigned_bundle_needs_allow_unsigned(unsigned: Path, key: tuple[Path, Path]) -> None:
    refused = run("evidence", "verify", unsigned)
    assert refused.exit_code == 2
    assert "--allow-unsigned" in refused.output
    allowed = run("evidence", "verify", unsigned, "--allow-unsigned")
    assert allowed.exit_code == 0, allowed.output
    assert "authenticity not established" in allowed.output
    with_key = run("evidence", "verify", unsigned, "--public-key", key[1], "--json")
    assert with_key.exit_code == 1
    assert json.loads(with_key.stdout)["first_failure"] == {
        "check": "signature",
        "file": "signature",
        "detail": "the bundle is unsigned; a public key was given",
    }


def test_a_stripped_signature_is_detected(
    bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    members = members_of(bundle)
    del members["signature"]
    stripped = rebuilt(bundle, members, tmp_path / "stripped.zip")
    for public in (key[1], None):
        name, file = failure_of(verify(stripped, public))
        assert (name, file) == ("signature", "signature")


def test_not_a_zip_is_a_verification_failure(tmp_path: Path, key: tuple[Path, Path]) -> None:
    path = tmp_path / "junk.zip"
    path.write_bytes(b"not a zip at all")
    result = run("evidence", "verify", path, "--public-key", key[1])
    assert result.exit_code == 1
    assert f"NOT VERIFIED: zip failed in {path}" in result.output.replace("\n", "")


def test_export_refuses_a_run_folder_whose_findings_were_edited(
    run_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "run"
    for path in run_dir.rglob("*"):
        if path.is_file():
            target = copy / path.relative_to(run_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    findings = copy / "findings.json"
    findings.write_text(findings.read_text().replace('"status": "fail"', '"status": "pass"', 1))
    result = run("evidence", "export", copy, "--out", tmp_path / "b.zip")
    assert result.exit_code == 2
    assert f"error: {findings}: differs from a fresh evaluation" in result.output
    missing = run("evidence", "export", tmp_path / "nowhere", "--out", tmp_path / "b.zip")
    assert missing.exit_code == 2
    assert "not a run folder" in missing.output


# --- waivers --------------------------------------------------------------------------


def _waivers_file(path: Path, control_id: str, uid: str) -> Path:
    path.write_text(
        "waivers:\n"
        f"  - {{id: W-1, control_id: {control_id}, resource: {{uid: {json.dumps(uid)}}},\n"
        "     justification: replaced next quarter, owner: platform, approver: ciso,\n"
        "     ticket: SEC-1, expires: 2099-12-31}\n"
        f"  - {{id: W-2, control_id: {control_id}, resource: {{glob: 'nothing-matches-*'}},\n"
        "     justification: gone, owner: platform, approver: ciso, ticket: SEC-2,\n"
        "     expires: 2099-12-31}\n",
        encoding="utf-8",
    )
    return path


def test_waivers_travel_with_the_bundle_and_are_re_applied(
    run_dir: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    findings = json.loads((run_dir / "findings.json").read_text())["findings"]
    target = next(f for f in findings if f["status"] == "fail")
    waivers = _waivers_file(tmp_path / "waivers.yaml", target["control_id"], target["resource_uid"])
    out = tmp_path / "run"
    result = run("scan", "--demo", "--waivers", waivers, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert (out / "inputs" / "waivers.yaml").read_bytes() == waivers.read_bytes()
    assert json.loads((out / "run.json").read_text())["waivers"] == "inputs/waivers.yaml"
    path = tmp_path / "waived.zip"
    exported = run("evidence", "export", out, "--out", path, "--sign-key", key[0])
    assert exported.exit_code == 0, exported.output
    members = members_of(path)
    assert members["waivers.json"] == (out / "waivers.json").read_bytes()
    assert members["findings.json"] == (out / "findings.json").read_bytes()
    assert json.loads(members["manifest.json"])["active_waivers"] == ["W-1"]
    waived = [f for f in json.loads(members["findings.json"])["findings"] if f["waiver_id"]]
    assert [(f["finding_id"], f["waiver_id"]) for f in waived] == [(target["finding_id"], "W-1")]
    assert verify(path, key[1]).ok
    # The same bundle with the waiver removed from the bundled file, properly re-signed:
    # re-evaluation no longer marks the finding, so findings.json differs.
    members["inputs/waivers.yaml"] = b"waivers: []\n"
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["inputs/waivers.yaml"] = sha256_bytes(members["inputs/waivers.yaml"])
    members["manifest.json"] = dumps_pretty(manifest).encode()
    forged = rebuilt(path, _resign(members, load_private_key(key[0]), False), tmp_path / "f.zip")
    assert failure_of(verify(forged, key[1])) == ("re-evaluation", "findings.json")


def test_run_folders_are_byte_identical_and_evaluate_equals_scan_demo(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    assert run("scan", "--demo", "--out", tmp_path / "one", "--quiet").exit_code == 0
    assert run("scan", "--demo", "--out", tmp_path / "two", "--quiet").exit_code == 0
    result = run("evaluate", SNAPSHOT, "--config", ESTATE, "--out", tmp_path / "eval", "--quiet")
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "one") == files(tmp_path / "two") == files(tmp_path / "eval")


def test_a_single_control_file_catalog_is_copied_with_its_frameworks(tmp_path: Path) -> None:
    control_file = controls_dir() / "encryption.yaml"
    out = tmp_path / "run"
    result = run("evaluate", SNAPSHOT, "--catalog", control_file, "--out", out, "--quiet")
    assert result.exit_code == 0, result.output
    copied = sorted(p.relative_to(out).as_posix() for p in (out / "inputs").rglob("*.yaml"))
    assert copied == [
        "inputs/catalog/encryption.yaml",
        *(f"inputs/catalog/frameworks/{fw}.yaml" for fw in sorted(FRAMEWORKS)),
    ]
    record = json.loads((out / "run.json").read_text())
    assert (record["config"], record["catalog_digest"]) == (None, load_catalog(control_file).digest)
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(export_bundle(out, ExportOptions()).data)
    assert verify(bundle, None).ok


def test_a_run_json_pointing_outside_the_bundle_is_refused(
    bundle: Path, key: tuple[Path, Path], tmp_path: Path
) -> None:
    members = members_of(bundle)
    record = json.loads(members["run.json"])
    record["catalog"] = "../../../etc"
    members["run.json"] = dumps_pretty(record).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["run.json"] = sha256_bytes(members["run.json"])
    members["manifest.json"] = dumps_pretty(manifest).encode()
    path = rebuilt(bundle, _resign(members, load_private_key(key[0]), False), tmp_path / "r.zip")
    verdict = verify(path, key[1])
    assert failure_of(verdict) == ("re-evaluation", "run.json")
    failure = verdict.failure
    assert failure is not None
    assert "not a relative path inside the run folder" in failure.detail
