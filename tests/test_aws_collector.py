# ruff: noqa: E402
"""The AWS collector end to end: `auditgraph scan --cloud aws` against a moto server."""

from __future__ import annotations

from tests.support.aws import use_fake_credentials

use_fake_credentials()

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import SERVICES, collect_aws, required_permissions
from scanner.collectors.base import is_read_only
from tests.support.aws import moto_server, reset_moto_server
from tests.support.aws_estate import populate

REPO = Path(__file__).resolve().parents[1]
ESTATE_CONFIG = REPO / "fixtures" / "estates" / "reference" / "estate.yaml"
REGIONS = "eu-west-1,us-east-1"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def estate(server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    reset_moto_server(server)
    populate(server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server)
    return server


def _snake(operation: str) -> str:
    name = operation.split(":", 1)[1]
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def test_every_operation_is_read_only_and_declared(estate: str) -> None:
    options = AwsOptions(regions=tuple(REGIONS.split(",")), max_attempts=1)
    _, _, log = collect_aws(options)
    assert log.operations, "no API call was made"
    assert all(is_read_only(_snake(op)) for op in log.operations), sorted(log.operations)
    assert log.operations <= set(required_permissions(SERVICES))


def test_permissions_aws_prints_the_policy_for_exactly_those_actions() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scanner", "permissions", "aws"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    (statement,) = document["Statement"]
    actions = set(required_permissions(SERVICES, organisation=True).values())
    assert statement == {
        "Sid": "AuditgraphReadOnly",
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": "*",
    }
    assert not any(a.split(":")[1].startswith(("Put", "Create", "Delete")) for a in actions)


def test_cli_scan_cloud_aws_gives_the_aws_findings(estate: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scanner",
            "scan",
            "--cloud",
            "aws",
            "--regions",
            REGIONS,
            "--config",
            str(ESTATE_CONFIG),
            "--out",
            str(out),
            "--quiet",
        ],
        env={**os.environ, "AWS_ENDPOINT_URL": estate, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    findings = json.loads((out / "findings.json").read_text())["findings"]

    generated = {
        "aws.ec2.network_acl": "<default NACL>",
        "aws.ec2.subnet": "<default subnet>",
        "aws.ec2.vpc": "<default VPC>",
    }

    def named(f: dict[str, str]) -> tuple[str, str]:
        # The default VPCs, their subnets and NACLs get generated ids: name them by type.
        return (f["control_id"], generated.get(f["resource_type"], f["resource_name"]))

    by_status = {
        status: sorted(named(f) for f in findings if f["status"] == status)
        for status in ("fail", "inconclusive", "error")
    }
    assert by_status["fail"] == [
        # No Object Lock on the trail bucket (audit-logs) nor the finance bucket (confidential).
        ("BDR-002", "acme-cloudtrail-logs"),
        ("BDR-002", "acme-finance-reports"),
        ("EAR-001", "acme-datalake-replica-euw1"),
        # Readable here (the reference estate's recording denies it): SSE-S3, no CMK.
        ("EAR-001", "acme-finance-reports"),
        # moto's MACsec ports never come up (portEncryptionStatus "Encryption Down").
        ("ICN-001", "dx-frankfurt-oci"),
        # moto reports no logical redundancy for the connection.
        ("ICN-003", "dx-frankfurt-oci"),
        ("IDF-003", "ops-legacy"),
        # The pinned certificate expires 2026-12-07: under 30 days from any run after 7 Nov.
        ("IDF-008", "acme-oci-identity"),
        ("KMS-005", "replica-use1-cmk"),
        ("LOG-001", "security-trail"),
        ("LOG-002", "acme-datalake-replica-euw1"),
        ("LOG-002", "acme-datalake-replica-use1"),
        ("LOG-002", "acme-finance-reports"),
        ("LOG-004", "<default VPC>"),
        ("LOG-004", "<default VPC>"),
        ("LOG-005", "acme-datalake-replica-euw1"),
        ("LOG-005", "acme-datalake-replica-use1"),
        ("MFA-005", "ops-legacy"),
        # Each region's default NACL allows everything from 0.0.0.0/0 (CIS AWS 5.1).
        ("NET-001", "<default NACL>"),
        ("NET-001", "<default NACL>"),
        ("NET-002", "<default NACL>"),
        ("NET-002", "<default NACL>"),
        # Default subnets map public IPs on launch: three in eu-west-1, six in us-east-1.
        *[("NET-007", "<default subnet>")] * 9,
        ("PAM-002", "ci-full-access"),
        ("RES-001", "acme-datalake-replica-use1"),
        ("RES-003", "acme-datalake-replica-euw1"),
    ]
    assert by_status["inconclusive"] == [
        # moto reports no tunnel options or telemetry for VPN connections.
        ("ICN-002", "vpn-oci-backup"),
        ("ICN-007", "vpn-oci-backup"),
        # The OCI identity domain the SAML provider trusts is not in an AWS-only scan.
        ("IDF-001", "acme-oci-identity"),
        # moto cannot list custom key stores: each region's listing is a gap.
        ("KMS-009", "kms (aws.kms.custom_key_store) in 123456789012"),
        ("KMS-009", "kms (aws.kms.custom_key_store) in 123456789012"),
        ("MFA-003", "acme-oci-identity"),
    ]
    assert by_status["error"] == []


def test_org_role_collects_every_member_account() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        member = org.create_account(Email="member@example.com", AccountName="member")[
            "CreateAccountStatus"
        ]["AccountId"]
        credentials = boto3.client("sts", region_name="us-east-1").assume_role(
            RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
            RoleSessionName="seed",
        )["Credentials"]
        boto3.client(
            "s3",
            region_name="eu-west-1",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ).create_bucket(
            Bucket="member-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        options = AwsOptions(
            regions=("eu-west-1",), org_role="OrganizationAccountAccessRole", max_attempts=1
        )
        snapshot, _, log = collect_aws(
            options, services=[s for s in SERVICES if s.name in ("s3", "guardduty")]
        )
    management = "123456789012"
    assert snapshot.manifest.scope["aws"].accounts == [management, member]
    buckets = [(r.account, r.name) for r in snapshot.resources if r.type == "aws.s3.bucket"]
    assert buckets == [(member, "member-bucket")]
    assert {"organizations:ListAccounts", "sts:AssumeRole"} <= log.operations
