"""The reference estate: every planted problem, and nothing else, fails or is inconclusive."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scanner.config import load_config
from scanner.engine.catalog import load_catalog
from scanner.model import Status
from scanner.pipeline import Evaluation, evaluate_folder
from scanner.snapshot import read_snapshot
from tests.support.reference_estate import build as build_reference_estate

ESTATE = Path(__file__).resolve().parents[1] / "fixtures" / "estates" / "reference"
CONTROLS = Path(__file__).resolve().parents[1] / "controls"

TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
SUB = "/subscriptions/3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f"

EXPECTED_FAIL = {
    ("BDR-001", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakearchive"),
    ("BDR-002", "arn:aws:s3:::acme-cloudtrail-logs"),
    ("BDR-002", "arn:aws:s3:::acme-finance-reports"),
    ("BDR-006", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"),
    ("BDR-008", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaacustomerexports"),
    ("EAR-001", "arn:aws:s3:::acme-datalake-replica-euw1"),
    (
        "EIT-001",
        f"{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/"
        "acmeweucustomers",
    ),
    (
        "ICN-001",
        f"{SUB}/resourceGroups/rg-network/providers/Microsoft.Network/"
        "expressRouteCircuits/er-oci-interconnect-ams",
    ),
    ("ICN-002", "arn:aws:ec2:eu-west-1:111122223333:vpn-connection/vpn-27a31a7e25bff4747"),
    (
        "ICN-007",
        f"{SUB}/resourceGroups/rg-network/providers/Microsoft.Network/connections/vpn-backup-oci",
    ),
    ("IDF-001", "arn:aws:iam::111122223333:saml-provider/acme-oci-identity"),
    ("IDF-003", "arn:aws:iam::111122223333:user/ops-legacy"),
    ("KMS-001", "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"),
    ("KMS-002", "https://acme-kv-weu.vault.azure.net/keys/app-secrets-key"),
    ("KMS-005", "arn:aws:kms:us-east-1:111122223333:key/ae892478-2fe5-41f7-b09b-9255ff03f29f"),
    ("KMS-006", "https://acme-mhsm.managedhsm.azure.net/keys/analytics-legacy-import"),
    ("KMS-006", "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"),
    ("KMS-007", "arn:aws:kms:eu-west-1:111122223333:key/89b63649-bd4d-402b-b5f1-b5b2d7a321ed"),
    ("KMS-007", "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaadatalakemaster2c"),
    ("LOG-001", "arn:aws:cloudtrail:eu-west-1:111122223333:trail/security-trail"),
    ("LOG-002", "arn:aws:s3:::acme-datalake-replica-euw1"),
    ("LOG-002", "arn:aws:s3:::acme-datalake-replica-use1"),
    ("LOG-002", "arn:aws:s3:::acme-finance-reports"),
    ("LOG-004", "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-c9f69a19f2a2ab217"),
    ("LOG-004", "arn:aws:ec2:us-east-1:111122223333:vpc/vpc-2b73c8ed4202a952f"),
    ("LOG-005", "arn:aws:s3:::acme-datalake-replica-euw1"),
    ("LOG-005", "arn:aws:s3:::acme-datalake-replica-use1"),
    ("LOG-005", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"),
    ("MFA-002", "ocid1.domainapp.oc1..aaaaaaaaentrafed9w4n"),
    ("MFA-003", "azure:tenant/9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d/domains/acme.example"),
    ("MFA-005", "arn:aws:iam::111122223333:user/ops-legacy"),
    ("MFA-007", "arn:aws:iam::111122223333:user/ci-deployer"),
    ("MON-001", f"{SUB}"),
    ("NET-001", "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-a02234ed0dae6da50"),
    ("NET-001", "arn:aws:ec2:us-east-1:111122223333:network-acl/acl-3f367da7e49130c9a"),
    ("NET-001", "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u"),
    ("NET-002", "arn:aws:ec2:eu-west-1:111122223333:network-acl/acl-a02234ed0dae6da50"),
    ("NET-002", "arn:aws:ec2:us-east-1:111122223333:network-acl/acl-3f367da7e49130c9a"),
    ("NET-003", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaacustomerexports"),
    ("NET-007", "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-28a42cea2c5ae450b"),
    ("NET-007", "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-7495a99f11996ace7"),
    ("NET-007", "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-abfd8ab18c9e6c178"),
    ("NET-007", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-60c35cfd6d5e245de"),
    ("NET-007", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-6b07fb861a6bc4cb3"),
    ("NET-007", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-6e02fa3fafcbcfdc2"),
    ("NET-007", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-828c45493d91dbb81"),
    ("NET-007", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-9c300b4cf2b6ccb56"),
    ("NET-007", "arn:aws:ec2:us-east-1:111122223333:subnet/subnet-e99bf24e3f0c9e532"),
    ("PAM-002", "arn:aws:iam::111122223333:policy/ci-full-access"),
    ("RES-001", "arn:aws:s3:::acme-datalake-replica-use1"),
    ("RES-003", "arn:aws:s3:::acme-datalake-replica-euw1"),
    ("RES-003", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"),
}

EXPECTED_INCONCLUSIVE = {
    ("EAR-001", "arn:aws:s3:::acme-finance-reports"),
    ("EAR-005", "arn:aws:s3:::acme-finance-reports"),
    ("KMS-002", "https://acme-kv-weu.vault.azure.net/keys/payments-signing"),
    ("NET-001", f"gap:oci/{TENANCY}/eu-amsterdam-1/oci.core.security_list"),
    ("NET-002", f"gap:oci/{TENANCY}/eu-amsterdam-1/oci.core.security_list"),
    ("NET-005", f"gap:oci/{TENANCY}/eu-amsterdam-1/oci.core.security_list"),
}


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    catalog = load_catalog(CONTROLS)
    config = load_config(ESTATE / "estate.yaml")
    return evaluate_folder(ESTATE / "snapshot", catalog, config)


def _pairs(evaluation: Evaluation, status: Status) -> set[tuple[str, str]]:
    return {
        (f.control_id, f.resource_uid) for f in evaluation.findings.findings if f.status is status
    }


def test_exactly_the_planted_problems_fail(evaluation: Evaluation) -> None:
    assert _pairs(evaluation, Status.FAIL) == EXPECTED_FAIL


def test_exactly_the_collection_gaps_are_inconclusive(evaluation: Evaluation) -> None:
    assert _pairs(evaluation, Status.INCONCLUSIVE) == EXPECTED_INCONCLUSIVE


def test_no_control_errors(evaluation: Evaluation) -> None:
    assert _pairs(evaluation, Status.ERROR) == set()


def test_every_control_of_the_catalog_passes_somewhere(evaluation: Evaluation) -> None:
    """The estate also exercises the pass path of every control."""
    passed = {f.control_id for f in evaluation.findings.findings if f.status is Status.PASS}
    assert passed == {c.id for c in load_catalog(CONTROLS).controls}


def test_failure_messages_name_the_offending_values(evaluation: Evaluation) -> None:
    messages = {
        (f.control_id, f.resource_uid): f.message
        for f in evaluation.findings.findings
        if f.status is Status.FAIL
    }
    res003 = messages[("RES-003", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal")]
    assert "acme-datalake-replica-use1 in us-east-1 (THIRD)" in res003
    mfa003 = next(m for (cid, _), m in messages.items() if cid == "MFA-003")
    assert "Entra-Federation exempts contractors" in mfa003
    net001 = messages[("NET-001", "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u")]
    assert "0.0.0.0/0 to ports 22-22" in net001
    assert "443" not in net001


def test_declared_cross_cloud_link_is_in_the_graph(evaluation: Evaluation) -> None:
    declared = [e for e in evaluation.graph.edges if e.provenance.value == "declared"]
    assert [(e.src, e.dst, e.kind) for e in declared] == [
        (
            "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal",
            "arn:aws:s3:::acme-datalake-replica-euw1",
            "replicates_to",
        )
    ]


def test_bundled_snapshot_is_what_the_collectors_produce() -> None:
    """The OCI and AWS parts come from their collectors over recorded API exchanges."""
    built = build_reference_estate()
    stored = read_snapshot(ESTATE / "snapshot")
    assert stored.resources == built.resources
    assert stored.edges == built.edges
    assert stored.gaps == built.gaps
    assert stored.manifest.scope == built.manifest.scope
    by_cloud = Counter(r.cloud.value for r in stored.resources)
    assert by_cloud["oci"] >= 19
    aws_kinds = {r.kind for r in stored.resources if r.cloud.value == "aws"}
    assert aws_kinds == {
        "account",
        "key",
        "link.interconnect",
        "link.virtual_circuit",
        "link.vpn",
        "log.trail",
        "net.firewall",
        "net.gateway",
        "net.network",
        "net.route_table",
        "net.subnet",
        "policy",
        "principal.user",
        "role",
        "store.object",
        "trust.saml",
    }
    (aws_gap,) = [g for g in stored.gaps if g.cloud.value == "aws"]
    assert (aws_gap.operation, aws_gap.error_class, aws_gap.resource_uid) == (
        "get_bucket_encryption",
        "AccessDenied",
        "arn:aws:s3:::acme-finance-reports",
    )


def test_findings_are_deterministic() -> None:
    catalog = load_catalog(CONTROLS)
    config = load_config(ESTATE / "estate.yaml")
    first = evaluate_folder(ESTATE / "snapshot", catalog, config).findings
    second = evaluate_folder(ESTATE / "snapshot", catalog, config).findings
    assert first.model_dump_json() == second.model_dump_json()


def test_cross_cloud_findings_name_both_clouds(evaluation: Evaluation) -> None:
    """The cross-cloud controls' messages carry the values from each cloud they compared."""
    messages = {
        (f.control_id, f.resource_uid): f.message
        for f in evaluation.findings.findings
        if f.status is Status.FAIL
    }
    kms007 = messages[("KMS-007", "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaadatalakemaster2c")]
    assert kms007 == (
        "Copies of the material in datalake-master-key were rotated apart: "
        "2026-09-14T08:00:00Z here; acme-datalake-imported (aws) 2026-05-02T10:00:00Z"
    )
    log005 = messages[("LOG-005", "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal")]
    assert log005.endswith(
        "acme-datalake-replica-euw1 (aws/eu-west-1), acme-datalake-replica-use1 (aws/us-east-1)"
    )
