# ruff: noqa: E402
"""Secrets never reach a snapshot, findings, report or bundle; --redact-ids hides account ids.

Secrets are planted in what the real collectors read (the OCI replay fixtures, a moto
server for AWS), the collection runs through real HTTP, then a scan and an evidence
export; every file written is searched for the planted values.
"""

from __future__ import annotations

from tests.support.aws import use_fake_credentials

use_fake_credentials()

import json
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from scanner.cli import app
from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import collect_aws
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import collect_oci
from scanner.collectors.redact import REDACTED, scrub
from scanner.model import Snapshot
from scanner.outputs.evidence.bundle import ExportOptions, export_bundle
from scanner.outputs.evidence.redact_ids import pseudonym
from scanner.outputs.evidence.verify import verify_bundle
from scanner.snapshot import write_snapshot
from tests.support.aws import moto_server
from tests.support.aws_estate import _certificate, saml_metadata
from tests.support.oci_replay import OciReplayServer, Route, write_oci_config

REPO = Path(__file__).resolve().parents[1]
OCI_FIXTURES = REPO / "fixtures" / "oci" / "reference"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"

PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIplantedKEYmaterial0123456789\n"
    "-----END RSA PRIVATE KEY-----"
)
SAS = "https://acme.blob.core.windows.net/backups?sv=2022-11-02&ss=b&sig=plantedSASsig0123456789%3D"
CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=acme;"
    "AccountKey=plantedAccountKey0123456789==;EndpointSuffix=core.windows.net"
)
PLANTED_TAGS = {
    "db_password": "hunter2-planted-9f1c",
    "client_secret": "plantedClientSecret42",
    "note": PEM,
    "backup_url": SAS,
    "storage": CONNECTION,
}
NEEDLES = (
    "hunter2-planted-9f1c",
    "plantedClientSecret42",
    "MIIplantedKEYmaterial0123456789",
    "plantedSASsig0123456789",
    "plantedAccountKey0123456789",
)
"""Parts of the planted secrets that must appear nowhere."""


def output_texts(*roots: Path) -> dict[str, bytes]:
    """Every file under the roots, and every member of every zip among them."""
    found: dict[str, bytes] = {}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            found[str(path)] = data
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    for name in archive.namelist():
                        found[f"{path}!{name}"] = archive.read(name)
    return found


def assert_no_planted_secret(files: dict[str, bytes]) -> None:
    leaks = [
        (name, needle)
        for name, data in files.items()
        for needle in NEEDLES
        if needle.encode() in data or json.dumps(needle).encode() in data
    ]
    assert leaks == []


def scan_and_export(snapshot: Snapshot, tmp_path: Path) -> tuple[Path, Path, Path]:
    snap = tmp_path / "snap"
    write_snapshot(snapshot, snap)
    run = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(app, ["evaluate", str(snap), "--out", str(run), "--quiet"])
    assert result.exit_code == 0, result.output
    bundle = tmp_path / "bundle.zip"
    result = runner.invoke(app, ["evidence", "export", str(run), "--out", str(bundle)])
    assert result.exit_code == 0, result.output
    return snap, run, bundle


# --- OCI: planted in the replay fixtures ------------------------------------------------


def planted_oci_routes() -> list[Route]:
    routes: list[Route] = []
    for path in sorted(OCI_FIXTURES.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            route = Route(**entry)
            if route.path == "/eu-frankfurt-1/n/acmeprod/b/customer-exports":
                route.body = {
                    **route.body,
                    "freeformTags": {**route.body["freeformTags"], **PLANTED_TAGS},
                }
            if route.path == "/eu-frankfurt-1/n/acmeprod/b/customer-exports/p":
                route.status = 403
                route.body = {"code": "NotAuthorizedOrNotFound", "message": f"denied: {SAS}"}
            routes.append(route)
    return routes


@pytest.fixture
def oci_snapshot(tmp_path: Path) -> Snapshot:
    config = write_oci_config(tmp_path, TENANCY)
    with OciReplayServer(planted_oci_routes()) as server:
        options = OciOptions(config_file=config, endpoint=server.endpoint, retry_attempts=1)
        snapshot, _ = collect_oci(options)
    return snapshot


def test_oci_secrets_are_redacted_before_the_snapshot(
    oci_snapshot: Snapshot, tmp_path: Path
) -> None:
    bucket = next(r for r in oci_snapshot.resources if r.name == "customer-exports")
    assert bucket.tags == {
        "data_class": "personal",
        "owner": "support",
        **dict.fromkeys(PLANTED_TAGS, REDACTED),
    }
    assert bucket.raw["freeform_tags"] == bucket.tags
    assert bucket.props["data_class"] == "personal"  # what controls read is untouched
    gap = next(
        g
        for g in oci_snapshot.gaps
        if g.operation == "list_preauthenticated_requests" and g.resource_uid == bucket.uid
    )
    assert gap.message == REDACTED  # the error message quoted a SAS URL
    snap, run, bundle = scan_and_export(oci_snapshot, tmp_path)
    files = output_texts(snap, run, bundle.parent)
    assert any(name.endswith("!snapshot/resources.jsonl") for name in files)
    assert REDACTED.encode() in files[str(snap / "resources.jsonl")]
    assert_no_planted_secret(files)


# --- AWS: planted in a moto server --------------------------------------------------------


@pytest.fixture
def aws_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with moto_server() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        yield url


def plant_aws(url: str) -> None:
    s3 = boto3.client("s3", endpoint_url=url, region_name="eu-west-1")
    bucket = "acme-planted-secrets"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    tag_set = [{"Key": key, "Value": value} for key, value in PLANTED_TAGS.items()]
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    metadata = saml_metadata("https://idp.example/fed", _certificate("planted", 300))
    # A private key pasted into SAML metadata by mistake.
    metadata = metadata.replace("</md:EntityDescriptor>", f"<!-- {PEM} --></md:EntityDescriptor>")
    iam.create_saml_provider(Name="planted-idp", SAMLMetadataDocument=metadata)
    user = iam.create_user(UserName="deployer")["User"]["UserName"]
    iam.create_access_key(UserName=user)  # its secret is returned once, never listed


def test_aws_secrets_are_redacted_before_the_snapshot(aws_endpoint: str, tmp_path: Path) -> None:
    plant_aws(aws_endpoint)
    snapshot, _, _ = collect_aws(AwsOptions(regions=("eu-west-1",), max_attempts=1))
    bucket = next(r for r in snapshot.resources if r.name == "acme-planted-secrets")
    assert {k: bucket.tags[k] for k in PLANTED_TAGS} == dict.fromkeys(PLANTED_TAGS, REDACTED)
    tag_set: list[dict[str, Any]] = bucket.raw["TagSet"]
    assert {t["Key"]: t["Value"] for t in tag_set} == dict.fromkeys(PLANTED_TAGS, REDACTED)
    assert any(r.kind == "trust.saml" for r in snapshot.resources)
    snap, run, bundle = scan_and_export(snapshot, tmp_path)
    assert_no_planted_secret(output_texts(snap, run, bundle.parent))
    assert "SecretAccessKey" not in (snap / "resources.jsonl").read_text()


# --- --redact-ids ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "run"
    result = CliRunner().invoke(app, ["scan", "--demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def test_redact_ids_hides_every_account_id_and_still_verifies(
    reference_run: Path, tmp_path: Path
) -> None:
    manifest = json.loads((reference_run / "snapshot" / "manifest.json").read_text())
    accounts = {a for scope in manifest["scope"].values() for a in scope["accounts"]}
    resources = (reference_run / "snapshot" / "resources.jsonl").read_text().split("\n")
    accounts |= {json.loads(line)["account"] for line in resources if line}
    assert {"111122223333", TENANCY} <= accounts
    key = b"k" * 32
    exported = export_bundle(reference_run, ExportOptions(redact_key=key))
    path = tmp_path / "shareable.zip"
    path.write_bytes(exported.data)
    members = output_texts(tmp_path)
    assert len(members) > 20
    leaks = [(name, a) for name, data in members.items() for a in accounts if a.encode() in data]
    assert leaks == []
    # Equal ids stay equal: every AWS resource now sits in the same pseudonymous account,
    # which also appears inside their ARNs.
    with zipfile.ZipFile(path) as archive:
        redacted = [
            json.loads(line)
            for line in archive.read("snapshot/resources.jsonl").decode().split("\n")
            if line
        ]
        bundled = json.loads(archive.read("findings.json"))["findings"]
        bundle_manifest = json.loads(archive.read("manifest.json"))
    aws_account = pseudonym("111122223333", key)
    assert {r["account"] for r in redacted if r["cloud"] == "aws"} == {aws_account}
    assert any(f":{aws_account}:" in r["uid"] for r in redacted if r["cloud"] == "aws")
    assert bundle_manifest["redacted_ids"] is True
    assert verify_bundle(path, None).ok
    # Same statuses per control as the original run: the estate's meaning is kept.
    original = json.loads((reference_run / "findings.json").read_text())["findings"]
    assert Counter((f["control_id"], f["status"]) for f in bundled) == Counter(
        (f["control_id"], f["status"]) for f in original
    )


def test_cli_redact_ids_exports_a_verifiable_bundle(reference_run: Path, tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    runner = CliRunner()
    result = runner.invoke(
        app, ["evidence", "export", str(reference_run), "--out", str(path), "--redact-ids"]
    )
    assert result.exit_code == 0, result.output
    assert b"111122223333" not in path.read_bytes()
    verified = runner.invoke(app, ["evidence", "verify", str(path), "--allow-unsigned"])
    assert verified.exit_code == 0, verified.output


# --- the rules ----------------------------------------------------------------------------


def test_scrub_rules_keep_settings_and_replace_secrets() -> None:
    raw = {
        "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
        "password_policy": {"minimum_password_length": 14, "require_symbols": True},
        "passwordLastUsed": "2026-01-01T00:00:00Z",
        "is_secret_keys_enabled": True,
        "client_secret": {"value": "abc", "expires": "2027-01-01", "rotations": 3},
        "TagSet": [{"Key": "db_password", "Value": "x1"}, {"Key": "owner", "Value": "ops"}],
        "Settings": [{"name": "ConnectionString", "value": "Server=db;Pwd=x2"}],
        "description": f"see {PEM}",
        "url": SAS,
        "plain_url": "https://example.com/?sv=1&sp=r",
        "conn": CONNECTION,
        "items": [{"preSharedKey": "x3", "id": "t1"}],
    }
    assert scrub(raw) == {
        "SecretAccessKey": REDACTED,
        "password_policy": {"minimum_password_length": 14, "require_symbols": True},
        "passwordLastUsed": "2026-01-01T00:00:00Z",
        "is_secret_keys_enabled": True,
        "client_secret": {"value": REDACTED, "expires": REDACTED, "rotations": 3},
        "TagSet": [{"Key": "db_password", "Value": REDACTED}, {"Key": "owner", "Value": "ops"}],
        "Settings": [{"name": "ConnectionString", "value": REDACTED}],
        "description": REDACTED,
        "url": REDACTED,
        "plain_url": "https://example.com/?sv=1&sp=r",
        "conn": REDACTED,
        "items": [{"preSharedKey": REDACTED, "id": "t1"}],
    }
    # props are checked by value only: a field name there is a contract, not a payload.
    assert scrub({"secret_rotation_days": "90", "note": PEM}, by_name=False) == {
        "secret_rotation_days": "90",
        "note": REDACTED,
    }


def test_a_redact_key_file_makes_redacted_exports_reproducible(
    reference_run: Path, tmp_path: Path
) -> None:
    key = tmp_path / "ids.key"
    key.write_bytes(bytes(range(32)))
    runner = CliRunner()
    bundles = [tmp_path / "one.zip", tmp_path / "two.zip"]
    for path in bundles:
        args = ["evidence", "export", str(reference_run), "--out", str(path)]
        result = runner.invoke(app, [*args, "--redact-key", str(key)])
        assert result.exit_code == 0, result.output
    assert bundles[0].read_bytes() == bundles[1].read_bytes()
    with zipfile.ZipFile(bundles[0]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["scope"]["aws"]["accounts"] == [pseudonym("111122223333", bytes(range(32)))]
    short = tmp_path / "short.key"
    short.write_bytes(b"too short")
    result = runner.invoke(
        app, ["evidence", "export", str(reference_run), "--out", str(tmp_path / "x.zip"),
              "--redact-key", str(short)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"error: {short}: 9 bytes; a pseudonym key needs at least 16" in result.output
