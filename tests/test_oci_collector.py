"""The OCI collector end to end: real SDK clients, signed requests, the replay server."""

from __future__ import annotations

import os

os.environ.setdefault("OCI_SDK_DEFAULT_RETRY_ENABLED", "false")

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.collectors.base import READ_ONLY_PREFIXES
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import SERVICES, collect_oci, required_permissions
from scanner.collectors.oci.permissions import permission_report, policy_statements
from tests.support.oci_replay import OciReplayServer, Route, load_routes, write_oci_config

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "oci" / "reference"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"


@pytest.fixture
def server() -> Iterator[OciReplayServer]:
    with OciReplayServer(load_routes(sorted(FIXTURES.glob("*.yaml")))) as srv:
        yield srv


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_oci_config(tmp_path, TENANCY)


def options(config: Path, server: OciReplayServer, **extra: object) -> OciOptions:
    return OciOptions(config_file=config, endpoint=server.endpoint, retry_attempts=1, **extra)  # type: ignore[arg-type]


def test_buckets_are_collected_with_normalised_props(config: Path, server: OciReplayServer) -> None:
    snapshot, _ = collect_oci(options(config, server))
    buckets = {r.name: r for r in snapshot.resources if r.type == "oci.objectstorage.bucket"}
    assert sorted(buckets) == [
        "customer-exports",
        "datalake-archive",
        "datalake-personal",
        "datalake-personal-dr",
    ]
    lake = buckets["datalake-personal"]
    assert lake.uid == "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"
    assert lake.props["replication_targets"] == [
        {
            "dst_uid": "ocid1.bucket.oc1.eu-amsterdam-1.aaaaaaaadatalakepersonaldr",
            "mechanism": "oci_replication_policy",
            "transport": "tls1.2",
        }
    ]
    assert buckets["customer-exports"].props["public_access"] is True
    assert buckets["customer-exports"].props["public_links"] == 1
    archive = buckets["datalake-archive"].props
    assert (archive["data_class"], archive["versioning"], archive["retention_locked"]) == (
        "confidential",
        False,
        True,
    )
    assert "public_links" not in archive  # its pre-authenticated requests were refused
    assert buckets["datalake-personal-dr"].region == "eu-amsterdam-1"


def test_a_refused_call_is_a_gap_on_that_bucket(config: Path, server: OciReplayServer) -> None:
    snapshot, _ = collect_oci(options(config, server))
    gaps = [g for g in snapshot.gaps if g.operation == "list_preauthenticated_requests"]
    assert len(gaps) == 1
    assert gaps[0].resource_uid == "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakearchive"
    assert gaps[0].fields == ["public_links"]
    assert gaps[0].error_class == "NotAuthorizedOrNotFound"


def test_region_filter_and_unsubscribed_region(config: Path, server: OciReplayServer) -> None:
    snapshot, _ = collect_oci(options(config, server, regions=("eu-frankfurt-1", "us-ashburn-1")))
    assert {r.region for r in snapshot.resources} == {"eu-frankfurt-1"}
    assert [
        (g.region, g.error_class) for g in snapshot.gaps if g.operation.startswith("list_region")
    ] == [("us-ashburn-1", "RegionNotSubscribed")]


def test_every_request_is_signed_and_read_only(config: Path, server: OciReplayServer) -> None:
    _, collected = collect_oci(options(config, server))
    assert server.requests and all(r.signed for r in server.requests)
    assert {r.method for r in server.requests} == {"GET"}
    assert all(op.split(".", 1)[1].startswith(READ_ONLY_PREFIXES) for op in collected.operations)


def test_operations_called_are_exactly_the_declared_permissions(
    config: Path, server: OciReplayServer
) -> None:
    _, collected = collect_oci(options(config, server))
    declared = set(required_permissions(SERVICES))
    assert collected.operations <= declared
    # Called per item that the reference estate does not have (a classic SAML identity
    # provider); test_oci_identity exercises it.
    assert declared - collected.operations == {"identity.list_idp_group_mappings"}


def test_policy_statements_are_least_privilege() -> None:
    statements = policy_statements(required_permissions(SERVICES).values(), "Auditors")
    assert "Allow group Auditors to read buckets in tenancy" in statements
    assert "Allow group Auditors to inspect compartments in tenancy" in statements
    assert not any(" manage " in s for s in statements)
    # Listing an NSG's rules is granted only with `use` (there is no read-level permission).
    assert [s for s in statements if " use " in s] == [
        "Allow group Auditors to use network-security-groups in tenancy"
    ]
    assert statements == sorted(statements, key=lambda s: s.split(" ", 5)[5])


def test_cli_collect_then_evaluate(tmp_path: Path, config: Path, server: OciReplayServer) -> None:
    snap = tmp_path / "snap"
    env = {**os.environ, "AUDITGRAPH_OCI_ENDPOINT": server.endpoint}
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "collect",
            "--cloud",
            "oci",
            "--oci-config",
            str(config),
            "--out",
            str(snap),
            "--quiet",
            "--max-attempts",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert collected.returncode == 0, collected.stderr
    assert "collection gaps" in collected.stdout
    out = tmp_path / "out"
    scanned = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "evaluate",
            str(snap),
            "--out",
            str(out),
            "--json",
            "--control",
            "NET-003,BDR-001",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert scanned.returncode == 0, scanned.stderr
    findings = json.loads((out / "findings.json").read_text())["findings"]
    failing = sorted(
        (f["control_id"], f["resource_name"]) for f in findings if f["status"] == "fail"
    )
    assert failing == [("BDR-001", "datalake-archive"), ("NET-003", "customer-exports")]


def test_cli_permissions_prints_the_policy() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scanner", "permissions", "oci", "--group", "SecAudit"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    needs = required_permissions(SERVICES).values()
    assert lines == permission_report(needs, "SecAudit")
    assert lines[: len(policy_statements(needs, "SecAudit"))] == policy_statements(
        needs, "SecAudit"
    )
    assert "#   Security Administrator" in lines


def test_retries_are_bounded_and_a_throttled_listing_is_a_scope_gap(tmp_path: Path) -> None:
    throttled = Route(
        path="/eu-amsterdam-1/n/acmeprod/b",
        status=429,
        body={"code": "TooManyRequests", "message": "slow down"},
    )
    routes = [throttled, *load_routes(sorted(FIXTURES.glob("*.yaml")))]
    with OciReplayServer(routes) as srv:
        config = write_oci_config(tmp_path, TENANCY)
        opts = OciOptions(
            config_file=config, endpoint=srv.endpoint, retry_attempts=2, retry_max_wait_seconds=0.01
        )
        snapshot, _ = collect_oci(opts)
        hits = [r for r in srv.requests if r.path == throttled.path]
    # three compartments, two attempts each; the gaps are one per scope
    assert len(hits) == 6
    gaps = [g for g in snapshot.gaps if g.operation == "list_buckets"]
    assert {(g.region, g.error_class, g.resource_type, g.kind) for g in gaps} == {
        ("eu-amsterdam-1", "TooManyRequests", "oci.objectstorage.bucket", "store.object")
    }
    assert len(gaps) == 1
    assert "datalake-personal-dr" not in {r.name for r in snapshot.resources}
    assert "datalake-personal" in {r.name for r in snapshot.resources}


def test_cli_scan_cloud_oci_gives_the_oci_findings_of_the_reference_estate(
    tmp_path: Path, config: Path, server: OciReplayServer
) -> None:
    out = tmp_path / "out"
    estate = REPO / "fixtures" / "estates" / "reference" / "estate.yaml"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "--cloud",
            "oci",
            "--oci-config",
            str(config),
            "--oci-endpoint",
            server.endpoint,
            "--config",
            str(estate),
            "--out",
            str(out),
            "--quiet",
            "--max-attempts",
            "1",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 0, result.stderr
    assert (out / "snapshot" / "manifest.json").is_file()
    findings = json.loads((out / "findings.json").read_text())["findings"]
    by_status = {
        status: sorted(
            (f["control_id"], f["resource_name"]) for f in findings if f["status"] == status
        )
        for status in ("fail", "inconclusive", "error")
    }
    assert by_status["fail"] == [
        ("BDR-001", "datalake-archive"),
        ("BDR-008", "customer-exports"),
        ("KMS-001", "legacy-analytics-key"),
        ("MFA-002", "Entra-Federation"),
        ("NET-001", "app-subnet-seclist"),
        ("NET-003", "customer-exports"),
    ]
    # The declared replication to S3 points at a bucket this OCI-only scan did not collect:
    # the chain is unknown, so the controls that follow it are inconclusive, not passed.
    followers = ["BDR-006", "BDR-007", "EAR-007", "ICN-004", "KMS-008", "LOG-005", "RES-003"]
    followers += ["RES-005", "RES-008", "RES-009"]
    assert sorted(c for c, name in by_status["inconclusive"] if name == "datalake-personal") == (
        followers
    )
    # The throttled security-list listing in eu-amsterdam-1 leaves the firewall controls open.
    assert sorted(c for c, name in by_status["inconclusive"] if name != "datalake-personal") == [
        "NET-001",
        "NET-002",
        "NET-005",
    ]
    assert by_status["error"] == []
