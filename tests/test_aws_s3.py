"""S3 collector: moto 5 in-process, seeded with the real create APIs, run by collect_aws.

The reference estate's buckets must come out with the reference's props; every injected
failure must become the right gap while the rest is still collected. Failures are
injected through the one seam, a subclass of AwsClients: its clients answer chosen calls
with the error AWS would return, before any request is sent.
"""

# ruff: noqa: E402
from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, use_fake_credentials

use_fake_credentials()

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from scanner.collectors.aws import s3, s3_policy, scope
from scanner.collectors.aws.clients import GLOBAL_REGION, AwsClients, AwsOptions
from scanner.collectors.aws.collector import Service, collect_aws
from scanner.collectors.aws.context import AwsUnit
from scanner.collectors.base import Collected, is_read_only
from scanner.model import CollectionGap, Resource, Snapshot

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures" / "aws" / "reference-expected.yaml"
EUW1, USE1 = "eu-west-1", "us-east-1"
REGIONS = (EUW1, USE1)
EUW1_BUCKET, USE1_BUCKET, FINANCE = (
    "acme-datalake-replica-euw1",
    "acme-datalake-replica-use1",
    "acme-finance-reports",
)
Faults = Mapping[tuple[str, str | None], tuple[int, str]]
"""(API operation, Bucket or KeyId or None for any) → (HTTP status, error code)."""


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _remember_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["injected_params"] = dict(params)


@dataclass
class FaultyClients(AwsClients):
    """Real clients on which the planned calls fail as AWS would answer them."""

    faults: Faults = field(default_factory=dict)

    def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
        client = super().client(service, region)
        client.meta.events.register("before-parameter-build", _remember_params)
        # After the session's operation log, so that the failed call is still recorded.
        client.meta.events.register_last("before-call", self._answer)
        return client

    def _answer(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        params = context.get("injected_params", {})
        target = params.get("Bucket") or params.get("KeyId")
        for (operation, wanted), (status, code) in self.faults.items():
            if model.name == operation and wanted in (None, target):
                error = {"Code": code, "Message": f"injected {code}"}
                parsed = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}
                return AWSResponse("https://injected.invalid/", status, {}, None), parsed
        return None


def with_faults(faults: Faults) -> Service:
    """The S3 service, its unit's clients swapped for failing ones."""

    def collect(unit: AwsUnit) -> Collected:
        c = unit.clients
        clients = FaultyClients(c.options, c.session, c.log, c.account, c.caller_arn, faults)
        return s3.collect(AwsUnit(clients, unit.scope, unit.region))

    return Service(s3.SERVICE, collect, False, s3.PERMISSIONS)


def run(faults: Faults | None = None) -> tuple[Snapshot, set[str]]:
    service = Service(s3.SERVICE, s3.collect, False, s3.PERMISSIONS)
    snapshot, _, log = collect_aws(
        AwsOptions(regions=REGIONS, max_attempts=1),
        services=(service if faults is None else with_faults(faults),),
    )
    return snapshot, log.operations


def buckets(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.name: r for r in snapshot.resources if r.type == s3.BUCKET_TYPE}


def s3_client(region: str = EUW1) -> Any:
    return boto3.client("s3", region_name=region)


def make_bucket(name: str, region: str = EUW1, **kwargs: Any) -> Any:
    client = s3_client(region)
    config = {} if region == USE1 else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    client.create_bucket(Bucket=name, **config, **kwargs)
    return client


def policy(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny(name: str, condition: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": condition,
        **extra,
    }


def secure_policy(name: str, tls: str | None = None) -> str:
    statements = [deny(name, {"Bool": {"aws:SecureTransport": "false"}}, Sid="HttpsOnly")]
    if tls is not None:
        statements.append(deny(name, {"NumericLessThan": {"s3:TlsVersion": tls}}, Sid="Tls"))
    return policy(*statements)


def block_all_public_access() -> None:
    boto3.client("s3control", region_name=USE1).put_public_access_block(
        AccountId=MOTO_ACCOUNT,
        PublicAccessBlockConfiguration={
            flag: True
            for flag in (
                "BlockPublicAcls",
                "IgnorePublicAcls",
                "BlockPublicPolicy",
                "RestrictPublicBuckets",
            )
        },
    )


def tag(client: Any, name: str, **tags: str) -> None:
    tag_set = [{"Key": k, "Value": v} for k, v in tags.items()]
    client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_set})


def version(client: Any, name: str) -> None:
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def sse(client: Any, name: str, algorithm: str, key: str | None = None) -> None:
    default = {"SSEAlgorithm": algorithm, **({"KMSMasterKeyID": key} if key else {})}
    rule = {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": False}
    client.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})


def replicate(client: Any, name: str, *destinations: str, status: str = "Enabled") -> None:
    rules = [
        {
            "ID": f"copy-{i}",
            "Priority": i,
            "Status": status,
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{destination}"},
        }
        for i, destination in enumerate(destinations)
    ]
    client.put_bucket_replication(
        Bucket=name,
        ReplicationConfiguration={"Role": "arn:aws:iam::123456789012:role/s3-crr", "Rules": rules},
    )


def seed_reference() -> str:
    """The AWS buckets of the reference estate; returns the use1 replica's key ARN."""
    block_all_public_access()
    kms = boto3.client("kms", region_name=USE1)
    key = kms.create_key(Description="replica-use1-cmk")["KeyMetadata"]
    use1 = make_bucket(USE1_BUCKET, USE1)
    tag(use1, USE1_BUCKET, data_class="personal", owner="data-platform")
    version(use1, USE1_BUCKET)
    sse(use1, USE1_BUCKET, "aws:kms", key["KeyId"])  # a bare key id, normalised to its ARN
    use1.put_bucket_policy(Bucket=USE1_BUCKET, Policy=secure_policy(USE1_BUCKET, "1.2"))
    euw1 = make_bucket(EUW1_BUCKET)
    tag(euw1, EUW1_BUCKET, data_class="personal", owner="data-platform")
    version(euw1, EUW1_BUCKET)
    sse(euw1, EUW1_BUCKET, "AES256")
    euw1.put_bucket_policy(Bucket=EUW1_BUCKET, Policy=secure_policy(EUW1_BUCKET, "1.2"))
    replicate(euw1, EUW1_BUCKET, USE1_BUCKET)
    finance = make_bucket(FINANCE)
    tag(finance, FINANCE, data_class="confidential")
    version(finance, FINANCE)
    finance.put_bucket_policy(Bucket=FINANCE, Policy=secure_policy(FINANCE))
    return str(key["Arn"])


def reference(uid: str) -> dict[str, Any]:
    source = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    (found,) = [r for r in source["resources"] if r["uid"] == uid]
    return dict(found)


REFERENCE_FAULT: Faults = {("GetBucketEncryption", FINANCE): (403, "AccessDenied")}
"""The reference estate's one S3 gap."""
NOT_FROM_S3 = {"data_events_logged", "read_only"}
"""Reference props no S3 API tells: CloudTrail's data events; a read-only replica."""
ADDED = {"retention_locked": False, "replication_targets": []}
"""Props the collector adds where the reference's readable source leaves them out."""


def expected_props(uid: str, key_arn: str) -> dict[str, Any]:
    props = {k: v for k, v in reference(uid)["props"].items() if k not in NOT_FROM_S3}
    if "kms_key_uid" in props:
        props["kms_key_uid"] = key_arn  # moto's key stands for the reference's
    return {**ADDED, **props}


# ───────────────────────────────────── reference estate ──────────────────────────────────────


def test_reference_buckets_come_out_with_the_reference_props() -> None:
    key_arn = seed_reference()
    snapshot, _ = run(REFERENCE_FAULT)
    found = buckets(snapshot)
    assert sorted(found) == sorted([EUW1_BUCKET, USE1_BUCKET, FINANCE])
    for name, bucket in found.items():
        ref = reference(f"arn:aws:s3:::{name}")
        assert (bucket.uid, bucket.kind, bucket.type) == (ref["uid"], ref["kind"], ref["type"])
        assert (bucket.region, bucket.tags, bucket.account) == (
            ref["region"],
            ref["tags"],
            MOTO_ACCOUNT,
        )
        assert bucket.props == expected_props(bucket.uid, key_arn), name
    raw = found[EUW1_BUCKET].raw
    assert raw["ServerSideEncryptionConfiguration"] == {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                "BucketKeyEnabled": False,
            }
        ]
    }
    assert raw["ReplicationConfiguration"]["Rules"][0]["Destination"] == {
        "Bucket": f"arn:aws:s3:::{USE1_BUCKET}"
    }


def test_a_denied_encryption_read_is_the_reference_gap() -> None:
    seed_reference()
    snapshot, _ = run(REFERENCE_FAULT)
    (gap,) = snapshot.gaps
    ref = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["gaps"][0]
    for name in ("region", "service", "resource_type", "resource_uid", "fields", "error_class"):
        assert getattr(gap, name) == ref[name], name
    assert (gap.operation, gap.kind, gap.account) == (
        "get_bucket_encryption",
        "store.object",
        MOTO_ACCOUNT,
    )
    assert gap.message == "HTTP 403 AccessDenied: injected AccessDenied"


def test_a_full_run_calls_exactly_the_declared_read_only_operations() -> None:
    seed_reference()
    snapshot, operations = run()
    assert snapshot.gaps == []
    assert operations == set(s3.PERMISSIONS) | set(scope.PERMISSIONS)
    assert all(is_read_only(name) for name in s3.BUCKET_CALLS)


# ───────────────────────────────────────── normalisation ─────────────────────────────────────


def test_each_bucket_is_read_in_its_own_region() -> None:
    make_bucket("bucket-in-use1", USE1)
    make_bucket("bucket-in-euc1", "eu-central-1")  # outside the scan's regions: still collected
    found = buckets(run()[0])
    assert {n: b.region for n, b in found.items()} == {
        "bucket-in-use1": USE1,
        "bucket-in-euc1": "eu-central-1",
    }
    assert found["bucket-in-euc1"].raw["Region"] == "eu-central-1"
    assert [s3.location_region(c) for c in (None, "", "EU", "ap-south-1")] == [
        USE1,
        USE1,
        EUW1,
        "ap-south-1",
    ]


def test_a_bucket_never_configured_reads_as_s3_defaults() -> None:
    make_bucket("plain-bucket")
    (bucket,) = buckets(run()[0]).values()
    assert bucket.props == {
        "public_access": False,
        "encrypted": True,
        "cmk": False,
        "encryption_algorithm": "AES-256",
        "https_only": False,
        "min_tls_version": "1.2",
        "versioning": False,
        "retention_locked": False,
        "replication_targets": [],
    }
    assert bucket.raw["DefaultEncryptionAssumed"] is True
    assert bucket.tags == {}


@pytest.mark.parametrize(
    ("algorithm", "key", "expected"),
    [
        ("aws:kms", None, {"cmk": False}),
        ("aws:kms", "alias/aws/s3", {"cmk": False}),
        (
            "aws:kms",
            "alias/data-lake",
            {"cmk": True, "kms_key_uid": f"arn:aws:kms:{EUW1}:{MOTO_ACCOUNT}:alias/data-lake"},
        ),
        (
            "aws:kms:dsse",
            f"arn:aws:kms:{EUW1}:210987654321:key/abc",
            {"cmk": True, "kms_key_uid": f"arn:aws:kms:{EUW1}:210987654321:key/abc"},
        ),
    ],
)
def test_sse_kms_is_a_customer_key_when_one_is_named(
    algorithm: str, key: str | None, expected: dict[str, Any]
) -> None:
    sse(make_bucket("kms-bucket"), "kms-bucket", algorithm, key)
    props = buckets(run()[0])["kms-bucket"].props
    encryption = {k: props.get(k) for k in ("cmk", "kms_key_uid", "encryption_algorithm")}
    assert {k: v for k, v in encryption.items() if v is not None} == expected
    assert props["encrypted"] is True


@pytest.mark.parametrize(
    ("statements", "https_only", "tls"),
    [
        ([], False, "1.2"),
        ([deny("b-tls", {"Bool": {"aws:SecureTransport": False}})], True, "1.2"),
        ([deny("b-tls", {"NumericLessThan": {"s3:TlsVersion": "1.3"}})], False, "1.3"),
        (
            [
                deny("b-tls", {"Bool": {"aws:SecureTransport": "false"}}),
                deny("b-tls", {"NumericLessThan": {"s3:TLSVersion": 1.3}}),
            ],
            True,
            "1.3",
        ),
        # narrowed by another condition, or not covering object reads: not a guarantee
        (
            [
                deny(
                    "b-tls",
                    {
                        "Bool": {"aws:SecureTransport": "false"},
                        "StringNotEquals": {"aws:SourceVpce": "vpce-1"},
                    },
                )
            ],
            False,
            "1.2",
        ),
        (
            [deny("b-tls", {"Bool": {"aws:SecureTransport": "false"}}, Action="s3:PutObject")],
            False,
            "1.2",
        ),
        # NotAction that spares reads; a lower TLS floor than the endpoints' own
        (
            [
                {
                    **deny("b-tls", {"Bool": {"aws:SecureTransport": "false"}}),
                    "NotAction": "s3:Get*",
                    "Action": None,
                }
            ],
            False,
            "1.2",
        ),
        ([deny("b-tls", {"NumericLessThan": {"s3:TlsVersion": "1.1"}})], False, "1.2"),
    ],
)
def test_transport_comes_from_the_bucket_policy(
    statements: list[dict[str, Any]], https_only: bool, tls: str
) -> None:
    client = make_bucket("b-tls")
    cleaned = [{k: v for k, v in s.items() if v is not None} for s in statements]
    if cleaned:
        client.put_bucket_policy(Bucket="b-tls", Policy=policy(*cleaned))
    props = buckets(run()[0])["b-tls"].props
    assert (props["https_only"], props["min_tls_version"]) == (https_only, tls)


def public_policy(name: str) -> str:
    read = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}
    return policy({**read, "Resource": f"arn:aws:s3:::{name}/*"})


def test_a_public_policy_is_public_unless_a_block_restricts_it() -> None:
    make_bucket("open-bucket").put_bucket_policy(
        Bucket="open-bucket", Policy=public_policy("open-bucket")
    )
    snapshot, _ = run()
    assert buckets(snapshot)["open-bucket"].props["public_access"] is True
    block_all_public_access()
    assert buckets(run()[0])["open-bucket"].props["public_access"] is False


def test_a_public_acl_is_public_unless_a_block_ignores_it() -> None:
    client = make_bucket("acl-bucket")
    client.put_bucket_acl(Bucket="acl-bucket", ACL="public-read")
    assert buckets(run()[0])["acl-bucket"].props["public_access"] is True
    client.put_public_access_block(
        Bucket="acl-bucket", PublicAccessBlockConfiguration={"IgnorePublicAcls": True}
    )
    found = buckets(run()[0])["acl-bucket"]
    assert found.props["public_access"] is False
    assert found.raw["PublicAccessBlockConfiguration"]["IgnorePublicAcls"] is True


def test_public_access_is_absent_only_when_it_cannot_be_decided() -> None:
    make_bucket("open-bucket").put_bucket_policy(
        Bucket="open-bucket", Policy=public_policy("open-bucket")
    )
    make_bucket("closed-bucket")
    # The account block is unreadable: a public policy may or may not be restricted...
    snapshot, _ = run({("GetPublicAccessBlock", None): (403, "AccessDenied")})
    found = buckets(snapshot)
    assert "public_access" not in found["open-bucket"].props
    # ...while a bucket whose policy and ACL are private is private whatever the blocks.
    assert found["closed-bucket"].props["public_access"] is False
    (account_gap,) = [g for g in snapshot.gaps if g.resource_uid is None]
    assert (account_gap.region, account_gap.fields) == (None, ["public_access"])
    assert {g.resource_uid for g in snapshot.gaps} == {
        None,
        "arn:aws:s3:::open-bucket",
        "arn:aws:s3:::closed-bucket",
    }


def test_replication_mechanism_follows_the_destination_region() -> None:
    for name, region in (("source", EUW1), ("same-region", EUW1), ("other-region", USE1)):
        version(make_bucket(f"repl-{name}", region), f"repl-{name}")
    client = s3_client()
    replicate(client, "repl-source", "repl-same-region", "repl-other-region", "not-this-account")
    targets = buckets(run()[0])["repl-source"].props["replication_targets"]
    assert targets == [
        {
            "dst_uid": "arn:aws:s3:::not-this-account",
            "mechanism": "s3_replication",
            "transport": "tls1.2",
        },
        {"dst_uid": "arn:aws:s3:::repl-other-region", "mechanism": "s3_crr", "transport": "tls1.2"},
        {"dst_uid": "arn:aws:s3:::repl-same-region", "mechanism": "s3_srr", "transport": "tls1.2"},
    ]
    replicate(client, "repl-source", "repl-other-region", status="Disabled")
    assert buckets(run()[0])["repl-source"].props["replication_targets"] == []


@pytest.mark.parametrize(("mode", "locked"), [("COMPLIANCE", True), ("GOVERNANCE", False)])
def test_only_a_compliance_default_retention_locks(mode: str, locked: bool) -> None:
    client = make_bucket("locked-bucket", ObjectLockEnabledForBucket=True)
    client.put_object_lock_configuration(
        Bucket="locked-bucket",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": 30}},
        },
    )
    bucket = buckets(run()[0])["locked-bucket"]
    assert bucket.props["retention_locked"] is locked
    assert bucket.props["versioning"] is True  # Object Lock turns versioning on


def test_logging_and_the_policy_are_kept_as_evidence() -> None:
    client = make_bucket("logged-bucket")
    client.put_bucket_policy(Bucket="logged-bucket", Policy=secure_policy("logged-bucket"))
    logs = make_bucket("log-sink")
    logs.put_bucket_acl(Bucket="log-sink", ACL="log-delivery-write")
    target = {"TargetBucket": "log-sink", "TargetPrefix": "s3/"}
    client.put_bucket_logging(
        Bucket="logged-bucket", BucketLoggingStatus={"LoggingEnabled": target}
    )
    raw = buckets(run()[0])["logged-bucket"].raw
    assert raw["LoggingEnabled"]["TargetBucket"] == "log-sink"
    assert raw["Policy"]["Statement"][0]["Sid"] == "HttpsOnly"
    assert raw["Versioning"] == {}


# ───────────────────────────────────────── failures ──────────────────────────────────────────


def bucket_gap(name: str, region: str, operation: str, status: int, code: str) -> CollectionGap:
    return CollectionGap(
        cloud="aws",
        account=MOTO_ACCOUNT,
        region=region,
        service="s3",
        resource_type=s3.BUCKET_TYPE,
        kind="store.object",
        resource_uid=f"arn:aws:s3:::{name}",
        fields=list(s3.BUCKET_CALLS[operation]),
        operation=operation,
        error_class=code,
        message=f"HTTP {status} {code}: injected {code}",
    )


@pytest.mark.parametrize(
    ("api", "operation", "status", "code", "lost"),
    [
        (
            "GetBucketEncryption",
            "get_bucket_encryption",
            403,
            "AccessDenied",
            {"encrypted", "cmk", "kms_key_uid", "encryption_algorithm"},
        ),
        ("GetBucketVersioning", "get_bucket_versioning", 503, "SlowDown", {"versioning"}),
        (
            "GetBucketPolicy",
            "get_bucket_policy",
            500,
            "InternalError",
            {"https_only", "min_tls_version"},
        ),
        ("GetBucketTagging", "get_bucket_tagging", 403, "AccessDenied", {"data_class"}),
        (
            "GetBucketReplication",
            "get_bucket_replication",
            500,
            "InternalError",
            {"replication_targets"},
        ),
        (
            "GetObjectLockConfiguration",
            "get_object_lock_configuration",
            503,
            "SlowDown",
            {"retention_locked"},
        ),
        ("GetBucketPolicyStatus", "get_bucket_policy_status", 403, "AccessDenied", set()),
    ],
)
def test_a_failed_bucket_read_is_a_gap_on_that_bucket_only(
    api: str, operation: str, status: int, code: str, lost: set[str]
) -> None:
    key_arn = seed_reference()
    faults = {**REFERENCE_FAULT, (api, USE1_BUCKET): (status, code)}
    snapshot, operations = run(faults)
    assert snapshot.gaps == sorted(
        [
            bucket_gap(FINANCE, EUW1, "get_bucket_encryption", 403, "AccessDenied"),
            bucket_gap(USE1_BUCKET, USE1, operation, status, code),
        ],
        key=CollectionGap.sort_key,
    )
    found = buckets(snapshot)
    expected = expected_props(f"arn:aws:s3:::{USE1_BUCKET}", key_arn)
    assert found[USE1_BUCKET].props == {k: v for k, v in expected.items() if k not in lost}
    for other in (EUW1_BUCKET, FINANCE):
        assert found[other].props == expected_props(f"arn:aws:s3:::{other}", key_arn), other
    assert f"s3:{api}" in operations


def test_a_failed_listing_is_a_gap_on_every_bucket() -> None:
    seed_reference()
    snapshot, _ = run({("ListBuckets", None): (500, "InternalError")})
    assert buckets(snapshot) == {}
    (gap,) = snapshot.gaps
    assert (gap.operation, gap.region, gap.resource_uid, gap.fields) == (
        "list_buckets",
        "global",
        None,
        None,
    )
    assert (gap.resource_type, gap.kind, gap.error_class) == (
        s3.BUCKET_TYPE,
        "store.object",
        "InternalError",
    )


def test_a_bucket_without_location_is_left_out_with_a_placeholder_gap() -> None:
    seed_reference()
    snapshot, operations = run({("GetBucketLocation", FINANCE): (403, "AccessDenied")})
    assert sorted(buckets(snapshot)) == [EUW1_BUCKET, USE1_BUCKET]
    (gap,) = snapshot.gaps
    assert (gap.operation, gap.region, gap.resource_uid, gap.fields) == (
        "get_bucket_location",
        "global",
        None,
        None,
    )
    assert "s3:GetBucketEncryption" in operations  # the other buckets were still read


def test_throttling_on_every_bucket_read_still_lists_every_bucket() -> None:
    seed_reference()
    faults: Faults = {
        (api, None): (503, "SlowDown") for api in ("GetBucketEncryption", "GetBucketAcl")
    }
    snapshot, _ = run(faults)
    found = buckets(snapshot)
    assert sorted(found) == sorted([EUW1_BUCKET, USE1_BUCKET, FINANCE])
    assert len(snapshot.gaps) == 6
    assert {g.error_class for g in snapshot.gaps} == {"SlowDown"}
    for bucket in found.values():
        assert "encrypted" not in bucket.props
        assert bucket.props["public_access"] is False  # the account block restricts everything


# ───────────────────────────────────────── pure parts ────────────────────────────────────────


def test_key_ids_become_arns_in_the_buckets_region() -> None:
    assert (
        s3.kms_key_uid("1234", EUW1, "111122223333")
        == "arn:aws:kms:eu-west-1:111122223333:key/1234"
    )
    assert s3.kms_key_uid("alias/x", USE1, "1") == "arn:aws:kms:us-east-1:1:alias/x"
    arn = "arn:aws:kms:eu-west-1:1:key/k"
    assert s3.kms_key_uid(arn, USE1, "2") == arn


def test_three_valued_logic() -> None:
    assert [
        s3_policy.any3(True, None),
        s3_policy.any3(False, None),
        s3_policy.any3(False, False),
    ] == [True, None, False]
    assert [
        s3_policy.all3(False, None),
        s3_policy.all3(True, None),
        s3_policy.all3(True, True),
    ] == [False, None, True]
    assert [s3_policy.not3(None), s3_policy.not3(True)] == [None, False]
