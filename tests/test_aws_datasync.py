"""DataSync tasks between another cloud's object store and S3 → replicates_to edges.

moto 5 knows S3 and SMB locations, not object-storage or Azure Blob ones: those runs
answer from botocore's Stubber on the DataSync clients, through a subclass of AwsClients
(the one seam). Every failure must become the right gap while the rest is collected.
"""

# ruff: noqa: E402
from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, StubPlan, stubbed_clients, use_fake_credentials

use_fake_credentials()

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scanner.collectors.aws import collector, datasync, scope
from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import Service, collect_aws
from scanner.collectors.base import Collected
from scanner.collectors.refs import oci_bucket_ref as bucket_ref
from scanner.model import Cloud, CollectionGap, Edge, Provenance, Snapshot

EUW1, EUC1 = "eu-west-1", "eu-central-1"
REGIONS = (EUW1, EUC1)
DATASYNC = Service("datasync", datasync.collect, True, datasync.PERMISSIONS)

PREFIX = f"arn:aws:datasync:{EUW1}:{MOTO_ACCOUNT}"
OCI_HTTPS, REPLICA, AZURE, OCI_HTTP, NFS = (
    f"{PREFIX}:location/loc-0000000000000000{i}" for i in range(1, 6)
)
DATALAKE_TASK, ARCHIVE_TASK, LEGACY_TASK, NFS_TASK = (
    f"{PREFIX}:task/task-0f3c9a1b2d4e6f70{i}" for i in range(8, 12)
)
OCI_HOST = "acmens.compat.objectstorage.eu-frankfurt-1.oraclecloud.com"
URIS = {
    OCI_HTTPS: f"object-storage://{OCI_HOST}/datalake-personal/",
    REPLICA: "s3://acme-datalake-replica-euw1/from-oci/",
    AZURE: "azure-blob://acmearchive.blob.core.windows.net/replica/datalake/",
    OCI_HTTP: f"object-storage://{OCI_HOST}/legacy-exports/",
    NFS: "nfs://10.0.0.12/exports/",
}
TASKS = {
    DATALAKE_TASK: (
        OCI_HTTPS,
        REPLICA,
        {"ScheduleExpression": "rate(1 hour)", "Status": "ENABLED"},
    ),
    ARCHIVE_TASK: (REPLICA, AZURE, None),
    LEGACY_TASK: (OCI_HTTP, REPLICA, {"ScheduleExpression": "rate(1 day)", "Status": "DISABLED"}),
    NFS_TASK: (NFS, REPLICA, None),
}
CREATED = datetime(2025, 1, 6, tzinfo=UTC)

DATALAKE = bucket_ref("eu-frankfurt-1", "acmens", "datalake-personal")
LEGACY = bucket_ref("eu-frankfurt-1", "acmens", "legacy-exports")
S3_REPLICA = "arn:aws:s3:::acme-datalake-replica-euw1"
ARCHIVE = "azure-blob-ref:acmearchive/replica"


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def run(
    monkeypatch: pytest.MonkeyPatch | None = None, plans: Mapping[str, StubPlan] | None = None
) -> tuple[Snapshot, Collected, set[str]]:
    stubbers: list[Stubber] = []
    if plans is not None:
        assert monkeypatch is not None
        clients, stubbers = stubbed_clients("datasync", plans)
        monkeypatch.setattr(collector, "AwsClients", clients)
    snapshot, collected, log = collect_aws(
        AwsOptions(regions=REGIONS, max_attempts=1, max_workers=1), services=(DATASYNC,)
    )
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    return snapshot, collected, log.operations


def replicates(src: str, dst: str, task: str, schedule: str | None, **transport: str) -> Edge:
    return Edge(
        src=src,
        dst=dst,
        kind="replicates_to",
        provenance=Provenance.API,
        attrs={"mechanism": "aws_datasync", **transport, "task": task, "schedule": schedule},
    )


def datasync_gap(operation: str, error: str, **target: Any) -> CollectionGap:
    return CollectionGap(
        cloud=Cloud.AWS,
        account=MOTO_ACCOUNT,
        region=EUW1,
        service="datasync",
        operation=operation,
        error_class=error,
        message=f"HTTP 400 {error}: denied",
        **target,
    )


def deny(stubber: Stubber, operation: str, params: dict[str, Any]) -> None:
    stubber.add_client_error(operation, "InvalidRequestException", "denied", 400, params)


def add_tasks(stubber: Stubber, failing: frozenset[str] = frozenset()) -> None:
    listed = [{"TaskArn": arn, "Status": "AVAILABLE", "Name": arn[-8:]} for arn in TASKS]
    stubber.add_response("list_tasks", {"Tasks": listed}, {})
    for arn, (src, dst, schedule) in TASKS.items():
        if arn in failing:
            deny(stubber, "describe_task", {"TaskArn": arn})
            continue
        task = {
            "TaskArn": arn,
            "Status": "AVAILABLE",
            "Name": arn[-8:],
            "SourceLocationArn": src,
            "DestinationLocationArn": dst,
            "CreationTime": CREATED,
        }
        if schedule is not None:
            task["Schedule"] = schedule
        stubber.add_response("describe_task", task, {"TaskArn": arn})


def add_locations(stubber: Stubber) -> None:
    listed = [{"LocationArn": arn, "LocationUri": uri} for arn, uri in URIS.items()]
    stubber.add_response("list_locations", {"Locations": listed}, {})


def location_payload(arn: str) -> tuple[str, dict[str, Any]]:
    base = {"LocationArn": arn, "LocationUri": URIS[arn], "CreationTime": CREATED}
    if arn in (OCI_HTTPS, OCI_HTTP):
        protocol, port = ("HTTPS", 443) if arn == OCI_HTTPS else ("HTTP", 80)
        extra = {"ServerProtocol": protocol, "ServerPort": port, "AccessKey": "ocid1.credential"}
        return "describe_location_object_storage", {**base, **extra}
    if arn == REPLICA:
        role = f"arn:aws:iam::{MOTO_ACCOUNT}:role/datasync-replica"
        return "describe_location_s3", {**base, "S3Config": {"BucketAccessRoleArn": role}}
    agent = f"{PREFIX}:agent/agent-0b1c2d3e4f5a6b7c8"
    return "describe_location_azure_blob", {
        **base,
        "AuthenticationType": "SAS",
        "AgentArns": [agent],
    }


def add_describes(stubber: Stubber, arns: list[str], failing: frozenset[str] = frozenset()) -> None:
    for arn in sorted(arns):
        operation, payload = location_payload(arn)
        if arn in failing:
            deny(stubber, operation, {"LocationArn": arn})
        else:
            stubber.add_response(operation, payload, {"LocationArn": arn})


def full_estate(stubber: Stubber) -> None:
    add_tasks(stubber)
    add_locations(stubber)
    add_describes(stubber, [OCI_HTTPS, REPLICA, AZURE, OCI_HTTP])


def no_tasks(stubber: Stubber) -> None:
    stubber.add_response("list_tasks", {"Tasks": []}, {})


# ─────────────────────────────────────────── tests ──────────────────────────────────────────


def test_foreign_store_tasks_become_replicates_to_edges(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot, _, operations = run(monkeypatch, {EUW1: full_estate, EUC1: no_tasks})
    assert snapshot.edges == sorted(
        [
            replicates(DATALAKE, S3_REPLICA, DATALAKE_TASK, "rate(1 hour)", transport="tls1.2"),
            replicates(S3_REPLICA, ARCHIVE, ARCHIVE_TASK, None, transport="tls1.2"),
            replicates(LEGACY, S3_REPLICA, LEGACY_TASK, None, transport="plaintext"),
        ],
        key=Edge.sort_key,
    )
    assert [r.type for r in snapshot.resources] == ["aws.account"]
    assert snapshot.gaps == []
    assert operations == set(datasync.PERMISSIONS) | set(scope.PERMISSIONS)


def test_failed_reads_are_gaps_and_the_rest_is_collected(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def partly_denied(stubber: Stubber) -> None:
        add_tasks(stubber, failing=frozenset({ARCHIVE_TASK}))
        add_locations(stubber)
        add_describes(stubber, [OCI_HTTPS, REPLICA, OCI_HTTP], failing=frozenset({OCI_HTTPS}))

    snapshot, _, _ = run(monkeypatch, {EUW1: partly_denied, EUC1: no_tasks})
    # The task is still known from the listed URI; only its transport is unknown.
    assert snapshot.edges == sorted(
        [
            replicates(DATALAKE, S3_REPLICA, DATALAKE_TASK, "rate(1 hour)"),
            replicates(LEGACY, S3_REPLICA, LEGACY_TASK, None, transport="plaintext"),
        ],
        key=Edge.sort_key,
    )
    assert snapshot.gaps == sorted(
        [
            datasync_gap(
                "describe_task",
                "InvalidRequestException",
                resource_type=datasync.TASK_TYPE,
                resource_uid=ARCHIVE_TASK,
            ),
            datasync_gap(
                "describe_location_object_storage",
                "InvalidRequestException",
                resource_type=datasync.LOCATION_TYPE,
                resource_uid=OCI_HTTPS,
            ),
        ],
        key=CollectionGap.sort_key,
    )


def test_a_failed_task_listing_is_a_gap(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot, _, _ = run(monkeypatch, {EUW1: lambda s: deny(s, "list_tasks", {}), EUC1: no_tasks})
    assert snapshot.edges == []
    assert snapshot.gaps == [
        datasync_gap("list_tasks", "InvalidRequestException", resource_type=datasync.TASK_TYPE)
    ]


def test_a_failed_location_listing_is_a_gap(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def unlisted(stubber: Stubber) -> None:
        add_tasks(stubber)
        deny(stubber, "list_locations", {})

    snapshot, _, _ = run(monkeypatch, {EUW1: unlisted, EUC1: no_tasks})
    assert snapshot.edges == []
    assert snapshot.gaps == [
        datasync_gap(
            "list_locations", "InvalidRequestException", resource_type=datasync.LOCATION_TYPE
        )
    ]


def test_tasks_inside_aws_give_no_edge(aws: None) -> None:
    ds = boto3.client("datasync", region_name=EUW1)
    s3_arn = "arn:aws:s3:::acme-datalake-replica-euw1"
    role = {"BucketAccessRoleArn": f"arn:aws:iam::{MOTO_ACCOUNT}:role/datasync"}
    replica = ds.create_location_s3(S3BucketArn=s3_arn, S3Config=role)["LocationArn"]
    copy = ds.create_location_s3(S3BucketArn="arn:aws:s3:::acme-copy", S3Config=role)["LocationArn"]
    share = ds.create_location_smb(
        ServerHostname="files.acme.example",
        Subdirectory="/share",
        User="sync",
        Password="not-a-secret",
        AgentArns=[f"arn:aws:datasync:{EUW1}:{MOTO_ACCOUNT}:agent/agent-0b1c2d3e4f5a6b7c8"],
    )["LocationArn"]
    ds.create_task(SourceLocationArn=share, DestinationLocationArn=replica, Name="from-smb")
    ds.create_task(SourceLocationArn=replica, DestinationLocationArn=copy, Name="s3-copy")
    snapshot, _, operations = run()
    assert snapshot.edges == []
    assert snapshot.gaps == []
    assert operations == {
        "datasync:ListTasks",
        "datasync:DescribeTask",
        "datasync:ListLocations",
        "datasync:DescribeLocationS3",
    } | set(scope.PERMISSIONS)


def test_no_task_no_location_call(aws: None) -> None:
    snapshot, _, operations = run()
    assert snapshot.edges == []
    assert operations == {"datasync:ListTasks"} | set(scope.PERMISSIONS)


@pytest.mark.parametrize(
    ("uri", "detail", "expected"),
    [
        (
            f"object-storage://{OCI_HOST}/datalake-personal/",
            {"ServerProtocol": "HTTPS"},
            datasync.Store(DATALAKE, True, "tls1.2"),
        ),
        (
            "object-storage://acmens.compat.objectstorage.eu-frankfurt-1.oci.customer-oci.com"
            "/datalake-personal/sub/dir/",
            {"ServerProtocol": "HTTP"},
            datasync.Store(DATALAKE, True, "plaintext"),
        ),
        (
            "object-storage://acmearchive.blob.core.windows.net/replica/",
            None,
            datasync.Store(ARCHIVE, True, None),
        ),
        (
            "azure-blob://acmearchive.blob.core.windows.net/replica/",
            None,
            datasync.Store(ARCHIVE, True, "tls1.2"),
        ),
        ("s3://acme-datalake-replica-euw1/prefix/", None, datasync.Store(S3_REPLICA, False)),
        ("object-storage://minio.acme.internal:9000/bucket/", {"ServerProtocol": "HTTPS"}, None),
        (f"object-storage://{OCI_HOST}/", None, None),
        ("nfs://10.0.0.12/exports/", None, None),
        ("", None, None),
    ],
)
def test_to_store(uri: str, detail: dict[str, Any] | None, expected: datasync.Store | None) -> None:
    payload = None if detail is None else {"LocationUri": uri, **detail}
    assert datasync.to_store(uri, payload) == expected


def test_tasks_between_the_same_stores_give_the_weakest_edge() -> None:
    second_https = f"{PREFIX}:location/loc-00000000000000009"
    tasks = [
        {
            "TaskArn": DATALAKE_TASK,
            "SourceLocationArn": OCI_HTTPS,
            "DestinationLocationArn": REPLICA,
        },
        {
            "TaskArn": LEGACY_TASK,
            "SourceLocationArn": second_https,
            "DestinationLocationArn": REPLICA,
        },
        {"TaskArn": NFS_TASK, "SourceLocationArn": OCI_HTTP, "DestinationLocationArn": REPLICA},
    ]
    plaintext_uri = f"object-storage://{OCI_HOST}/datalake-personal/"
    uris = {OCI_HTTPS: URIS[OCI_HTTPS], second_https: URIS[OCI_HTTPS], OCI_HTTP: plaintext_uri}
    uris[REPLICA] = URIS[REPLICA]
    details = {
        OCI_HTTPS: {"LocationUri": URIS[OCI_HTTPS], "ServerProtocol": "HTTPS"},
        second_https: {"LocationUri": URIS[OCI_HTTPS], "ServerProtocol": "HTTPS"},
        OCI_HTTP: {"LocationUri": plaintext_uri, "ServerProtocol": "HTTP"},
    }
    (edge,) = datasync.to_edges(tasks, uris, details)
    assert (edge.src, edge.dst) == (DATALAKE, S3_REPLICA)
    assert edge.attrs == {
        "mechanism": "aws_datasync",
        "transport": "plaintext",
        "task": NFS_TASK,
        "schedule": None,
        "other_tasks": sorted([DATALAKE_TASK, LEGACY_TASK]),
    }
