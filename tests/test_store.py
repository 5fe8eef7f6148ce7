"""``--store``: the run folder (and evidence bundle) uploaded to a folder, S3, OCI, Azure.

Each cloud is its real SDK against a loopback server: moto for S3, the OCI replay server
(signed requests) and a server in the shape of the Azure Blob REST API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.delivery.store.destination import run_id
from scanner.snapshot import snapshot_digest
from tests.support.aws import moto_server, use_fake_credentials
from tests.support.azure_blob import ACCOUNT, DEV_KEY, BlobServer
from tests.support.history_estates import REFERENCE
from tests.support.oci_replay import OciReplayServer, write_oci_config
from tests.support.reference_estate import TENANCY

use_fake_credentials()

FORMATS = ("--format", "json,md")


def run(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    chosen: dict[str, str | None] = {
        "COLUMNS": "200",
        "AUDITGRAPH_HISTORY": None,
        "AUDITGRAPH_ALERT_WEBHOOK": None,
        "AZURE_STORAGE_CONNECTION_STRING": None,
        **(env or {}),
    }
    return CliRunner().invoke(app, [str(a) for a in args], env=chosen)


def demo(out: Path, *args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    return run("scan", "--demo", "--out", out, *FORMATS, "--json", *args, env=env)


@pytest.fixture(scope="module")
def reference_run_id() -> str:
    return run_id("2026-11-01T09:04:12Z", snapshot_digest(REFERENCE / "snapshot"))


def expected_objects(run_dir: Path, prefix: str) -> dict[str, bytes]:
    """Every file of the run folder under ``prefix``, with its bytes."""
    files = {
        path.relative_to(run_dir).as_posix(): path.read_bytes()
        for path in run_dir.rglob("*")
        if path.is_file()
    }
    expected_names = {"findings.json", "summary.md", "run.json", "snapshot/manifest.json"}
    assert expected_names <= files.keys()
    assert any(name.startswith("inputs/") for name in files)
    return {f"{prefix}/{name}": data for name, data in files.items()}


def test_run_id_is_the_collection_end_in_utc_and_the_digest() -> None:
    digest = "687a46c2f9cd4882754b61391b7ae471579232fdd0a9f0fda6231f8ada49ef54"
    assert run_id("2026-11-01T09:04:12Z", digest) == "20261101T090412Z-687a46c2"
    assert run_id("2026-11-01T11:04:12+02:00", digest) == "20261101T090412Z-687a46c2"


def test_a_local_folder_gets_every_file(tmp_path: Path, reference_run_id: str) -> None:
    result = demo(tmp_path / "run", "--store", tmp_path / "archive" / "prod")
    assert result.exit_code == 0, result.output
    base = tmp_path / "archive" / "prod" / reference_run_id
    copied = {
        f"{reference_run_id}/{path.relative_to(base).as_posix()}": path.read_bytes()
        for path in base.rglob("*")
        if path.is_file()
    }
    assert copied == expected_objects(tmp_path / "run", reference_run_id)
    assert json.loads(result.stdout)["store"] == {
        "status": "uploaded",
        "location": f"{base}/",
        "files": len(copied),
        "error": None,
    }


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def test_s3_gets_every_file_under_prefix_and_run_id(
    tmp_path: Path, moto_url: str, reference_run_id: str
) -> None:
    s3 = boto3.client("s3", endpoint_url=moto_url, region_name="eu-west-1")
    s3.create_bucket(
        Bucket="audit-results", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    result = demo(
        tmp_path / "run",
        "--store",
        "s3://audit-results/prod/weekly/",
        env={"AWS_ENDPOINT_URL": moto_url},
    )
    assert result.exit_code == 0, result.output
    listed = s3.list_objects_v2(Bucket="audit-results")["Contents"]
    uploaded = {
        item["Key"]: s3.get_object(Bucket="audit-results", Key=item["Key"])["Body"].read()
        for item in listed
    }
    prefix = f"prod/weekly/{reference_run_id}"
    assert uploaded == expected_objects(tmp_path / "run", prefix)
    head = s3.head_object(Bucket="audit-results", Key=f"{prefix}/findings.json")
    assert head["ContentType"] == "application/json"
    store = json.loads(result.stdout)["store"]
    assert store["location"] == f"s3://audit-results/{prefix}/"
    assert store["files"] == len(uploaded)


def test_an_s3_upload_that_fails_exits_2_after_the_reports(tmp_path: Path, moto_url: str) -> None:
    result = demo(
        tmp_path / "run", "--store", "s3://no-such-bucket/x", env={"AWS_ENDPOINT_URL": moto_url}
    )
    assert result.exit_code == 2, result.output
    assert (tmp_path / "run" / "findings.json").is_file()
    first = sorted(
        path.relative_to(tmp_path / "run").as_posix()
        for path in (tmp_path / "run").rglob("*")
        if path.is_file()
    )[0]
    assert f"error: upload of {tmp_path / 'run' / first} to s3://no-such-bucket/x/" in (
        result.stderr
    )
    assert "NoSuchBucket" in result.stderr
    assert "(0 of " in result.stderr
    assert "s3:PutObject" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 2
    assert summary["store"]["status"] == "failed"


def test_oci_object_storage_gets_every_file_signed(tmp_path: Path, reference_run_id: str) -> None:
    config = write_oci_config(tmp_path, TENANCY)
    with OciReplayServer([], accept_uploads=True) as server:
        result = demo(
            tmp_path / "run",
            "--oci-config",
            config,
            "--oci-endpoint",
            server.url,
            "--store",
            "oci://acmens/audit-results/prod",
        )
    assert result.exit_code == 0, result.output
    expected = expected_objects(tmp_path / "run", f"prod/{reference_run_id}")
    assert server.objects == {("acmens", "audit-results", k): v for k, v in expected.items()}
    assert {(r.method, r.signed) for r in server.requests} == {("PUT", True)}
    assert len(server.requests) == len(expected)
    assert json.loads(result.stdout)["store"]["location"] == (
        f"oci://acmens/audit-results/prod/{reference_run_id}/"
    )


def test_oci_without_a_usable_config_exits_2(tmp_path: Path) -> None:
    result = demo(
        tmp_path / "run",
        "--oci-config",
        tmp_path / "missing-config",
        "--store",
        "oci://acmens/audit-results",
    )
    assert result.exit_code == 2, result.output
    assert "upload to oci://acmens/audit-results/" in result.stderr
    assert "could not start" in result.stderr
    assert (tmp_path / "run" / "findings.json").is_file()


def test_azure_blob_gets_every_file(tmp_path: Path, reference_run_id: str) -> None:
    with BlobServer() as server:
        result = demo(
            tmp_path / "run",
            "--store",
            f"az://{ACCOUNT}/results/prod",
            env={"AZURE_STORAGE_CONNECTION_STRING": server.connection_string},
        )
    assert result.exit_code == 0, result.output
    expected = expected_objects(tmp_path / "run", f"prod/{reference_run_id}")
    assert {key: blob.body for key, blob in server.blobs.items()} == {
        ("results", key): data for key, data in expected.items()
    }
    assert all(blob.signed for blob in server.blobs.values())
    findings = server.blobs[("results", f"prod/{reference_run_id}/findings.json")]
    assert findings.content_type == "application/json"
    assert DEV_KEY not in result.output


def test_azure_permission_denied_is_reported_without_the_key(tmp_path: Path) -> None:
    with BlobServer(deny=True) as server:
        result = demo(
            tmp_path / "run",
            "--store",
            f"az://{ACCOUNT}/results",
            env={"AZURE_STORAGE_CONNECTION_STRING": server.connection_string},
        )
    assert result.exit_code == 2, result.output
    assert f"to az://{ACCOUNT}/results/" in result.stderr
    assert "failed: 403 AuthorizationPermissionMismatch" in result.stderr
    assert "Storage Blob Data Contributor" in result.stderr
    assert DEV_KEY not in result.output
    assert (tmp_path / "run" / "findings.json").is_file()


def test_a_connection_string_for_another_account_is_refused(tmp_path: Path) -> None:
    with BlobServer() as server:
        result = demo(
            tmp_path / "run",
            "--store",
            "az://otheraccount/results",
            env={"AZURE_STORAGE_CONNECTION_STRING": server.connection_string},
        )
        assert server.requests == []
    assert result.exit_code == 2, result.output
    assert f"is for account '{ACCOUNT}', not 'otheraccount'" in result.stderr
    assert DEV_KEY not in result.output


def test_the_evidence_bundle_is_uploaded_signed_and_verifies(
    tmp_path: Path, reference_run_id: str
) -> None:
    keys = run("keys", "generate", "--out", tmp_path / "team")
    assert keys.exit_code == 0, keys.output
    archive = tmp_path / "archive"
    result = demo(
        tmp_path / "run",
        "--store",
        archive,
        "--store-evidence",
        "--sign-key",
        tmp_path / "team.pem",
    )
    assert result.exit_code == 0, result.output
    bundle = archive / reference_run_id / "evidence.zip"
    verified = run("evidence", "verify", bundle, "--public-key", tmp_path / "team.pub")
    assert verified.exit_code == 0, verified.output
    copied = {p.relative_to(archive / reference_run_id).as_posix() for p in archive.rglob("*")}
    assert "evidence.zip" in copied
    assert not (tmp_path / "run" / "evidence.zip").exists()


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        (
            "ftp://host/path",
            "error: --store ftp://host/path: unknown scheme 'ftp://'; accepted: PATH, "
            "s3://bucket/prefix, oci://namespace/bucket/prefix, az://account/container/prefix",
        ),
        ("oci://onlynamespace", "incomplete destination; write oci://namespace/bucket/prefix"),
        ("s3://", "incomplete destination; write s3://bucket/prefix"),
        ("s3://AKIA:secret@bucket/x", "credentials, queries and fragments do not belong"),
    ],
)
def test_a_bad_destination_exits_2_before_scanning(
    tmp_path: Path, destination: str, message: str
) -> None:
    result = demo(tmp_path / "run", "--store", destination)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "AKIA" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_store_evidence_needs_store(tmp_path: Path) -> None:
    result = demo(tmp_path / "run", "--store-evidence")
    assert result.exit_code == 2
    assert "needs --store DEST" in result.output
