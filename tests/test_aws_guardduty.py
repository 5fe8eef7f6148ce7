"""GuardDuty → the account's threat_detection; CloudTrail data events → buckets.

moto 5 in-process, seeded with the real create APIs. Failures moto cannot produce are
injected with botocore's Stubber on the clients of one service in one region, through a
subclass of AwsClients (the one seam); every failure must become the right gap while
the rest is still collected.
"""

# ruff: noqa: E402
from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, StubPlan, stubbed_clients, use_fake_credentials

use_fake_credentials()

from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scanner.collectors.aws import collector, guardduty, scope, trail_events
from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import Service, collect_aws
from scanner.collectors.aws.context import AwsUnit
from scanner.collectors.base import Collected, PropDefault, PropPatch
from scanner.model import Cloud, CollectionGap, Resource, Snapshot

EUW1, EUC1 = "eu-west-1", "eu-central-1"
REGIONS = (EUW1, EUC1)
ACCOUNT_UID = f"arn:aws:iam::{MOTO_ACCOUNT}:root"
BUCKET = "aws.s3.bucket"
GUARDDUTY = Service("guardduty", guardduty.collect, False, guardduty.PERMISSIONS)
DATA_EVENTS = Service(
    "cloudtrail-data-events", trail_events.collect, False, trail_events.PERMISSIONS
)
BOTH_PLANS = [
    {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
    {"Name": "RDS_LOGIN_EVENTS", "Status": "ENABLED"},
]


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def run(
    *services: Service,
    monkeypatch: pytest.MonkeyPatch | None = None,
    stubs: tuple[str, Mapping[str, StubPlan]] | None = None,
) -> tuple[Snapshot, Collected, set[str]]:
    stubbers: list[Stubber] = []
    if stubs is not None:
        assert monkeypatch is not None
        clients, stubbers = stubbed_clients(*stubs)
        monkeypatch.setattr(collector, "AwsClients", clients)
    snapshot, collected, log = collect_aws(
        AwsOptions(regions=REGIONS, max_attempts=1, max_workers=1), services=services
    )
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    return snapshot, collected, log.operations


def account(snapshot: Snapshot) -> Resource:
    (found,) = [r for r in snapshot.resources if r.type == "aws.account"]
    return found


def gap(region: str | None, operation: str, error: str, **target: Any) -> CollectionGap:
    return CollectionGap(
        cloud=Cloud.AWS,
        account=MOTO_ACCOUNT,
        region=region,
        service=target.pop("service"),
        operation=operation,
        error_class=error,
        message=target.pop("message"),
        **target,
    )


def detector_gap(region: str, operation: str, error: str, status: int) -> CollectionGap:
    return gap(
        region,
        operation,
        error,
        service="guardduty",
        message=f"HTTP {status} {error}: denied",
        resource_type="aws.account",
        kind="account",
        resource_uid=ACCOUNT_UID,
        fields=["threat_detection"],
    )


def create_detector(region: str, enable: bool = True, features: Any = None) -> None:
    client = boto3.client("guardduty", region_name=region)
    client.create_detector(Enable=enable, Features=BOTH_PLANS if features is None else features)


def permissions(*services: Service) -> set[str]:
    return {op for s in services for op in s.permissions} | set(scope.PERMISSIONS)


# ───────────────────────────────────────── GuardDuty ────────────────────────────────────────


def test_every_region_enabled_with_every_plan(aws: None) -> None:
    create_detector(EUW1)
    create_detector(EUC1)
    snapshot, collected, operations = run(GUARDDUTY)
    found = account(snapshot)
    assert found.uid == ACCOUNT_UID
    assert found.name == MOTO_ACCOUNT
    assert found.props["threat_detection"] == {
        "service": "guardduty",
        "enabled": True,
        "plans": {"RDS_LOGIN_EVENTS": True, "S3_DATA_EVENTS": True},
    }
    summary = found.raw["guardduty_detectors"]
    assert sorted(summary) == sorted(REGIONS)
    for region in REGIONS:
        (detector,) = summary[region]
        assert detector["Status"] == "ENABLED"
        assert detector["Features"] == {"S3_DATA_EVENTS": "ENABLED", "RDS_LOGIN_EVENTS": "ENABLED"}
    assert len(collected.patches) == 1
    assert collected.patches[0].uid == ACCOUNT_UID
    assert snapshot.gaps == []
    assert operations == permissions(GUARDDUTY)


def test_region_without_detector_is_a_fact(aws: None) -> None:
    create_detector(EUW1)
    snapshot, _, _ = run(GUARDDUTY)
    assert account(snapshot).props["threat_detection"] == {
        "service": "guardduty",
        "enabled": False,
        "plans": {"RDS_LOGIN_EVENTS": False, "S3_DATA_EVENTS": False},
    }
    assert account(snapshot).raw["guardduty_detectors"][EUC1] == []
    assert snapshot.gaps == []


def test_a_plan_off_in_one_region_is_off(aws: None) -> None:
    create_detector(EUW1)
    create_detector(
        EUC1,
        features=[
            {"Name": "S3_DATA_EVENTS", "Status": "ENABLED"},
            {"Name": "RDS_LOGIN_EVENTS", "Status": "DISABLED"},
            {"Name": "EKS_AUDIT_LOGS", "Status": "ENABLED"},
        ],
    )
    snapshot, _, _ = run(GUARDDUTY)
    assert account(snapshot).props["threat_detection"] == {
        "service": "guardduty",
        "enabled": True,
        "plans": {"EKS_AUDIT_LOGS": False, "RDS_LOGIN_EVENTS": False, "S3_DATA_EVENTS": True},
    }


def test_a_disabled_detector_enables_nothing(aws: None) -> None:
    create_detector(EUW1)
    create_detector(EUC1, enable=False)
    snapshot, _, _ = run(GUARDDUTY)
    assert account(snapshot).props["threat_detection"] == {
        "service": "guardduty",
        "enabled": False,
        "plans": {"RDS_LOGIN_EVENTS": False, "S3_DATA_EVENTS": False},
    }


def _deny_listing(stubber: Stubber) -> None:
    stubber.add_client_error(
        "list_detectors", "AccessDeniedException", "denied", 403, expected_params={}
    )


def _deny_detector(stubber: Stubber) -> None:
    stubber.add_response("list_detectors", {"DetectorIds": ["d" * 32]}, {})
    stubber.add_client_error(
        "get_detector", "BadRequestException", "denied", 400, {"DetectorId": "d" * 32}
    )


def test_a_failed_region_is_a_gap_and_the_rest_is_collected(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_detector(EUW1)
    snapshot, _, operations = run(
        GUARDDUTY, monkeypatch=monkeypatch, stubs=("guardduty", {EUC1: _deny_listing})
    )
    # eu-west-1 alone says enabled: the gap on the account makes MON-001 inconclusive.
    assert account(snapshot).props["threat_detection"] == {
        "service": "guardduty",
        "enabled": True,
        "plans": {"RDS_LOGIN_EVENTS": True, "S3_DATA_EVENTS": True},
    }
    assert sorted(account(snapshot).raw["guardduty_detectors"]) == [EUW1]
    assert snapshot.gaps == [detector_gap(EUC1, "list_detectors", "AccessDeniedException", 403)]
    assert operations == permissions(GUARDDUTY)


def test_a_failed_detector_read_is_a_gap(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot, _, _ = run(
        GUARDDUTY, monkeypatch=monkeypatch, stubs=("guardduty", {EUW1: _deny_detector})
    )
    # eu-central-1 has no detector: False is a fact whatever eu-west-1 would have said.
    assert account(snapshot).props["threat_detection"] == {
        "service": "guardduty",
        "enabled": False,
        "plans": {},
    }
    assert snapshot.gaps == [detector_gap(EUW1, "get_detector", "BadRequestException", 400)]


def test_no_region_read_leaves_threat_detection_unknown(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = {EUW1: _deny_listing, EUC1: _deny_listing}
    snapshot, collected, _ = run(GUARDDUTY, monkeypatch=monkeypatch, stubs=("guardduty", plans))
    assert "threat_detection" not in account(snapshot).props
    assert collected.patches == []
    assert snapshot.gaps == sorted(
        (detector_gap(r, "list_detectors", "AccessDeniedException", 403) for r in REGIONS),
        key=CollectionGap.sort_key,
    )


def test_threat_detection_over_several_detectors() -> None:
    regions = [
        guardduty.RegionDetectors(
            EUW1,
            [
                {
                    "Status": "DISABLED",
                    "Features": [{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}],
                },
                {
                    "Status": "ENABLED",
                    "Features": [{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}],
                },
            ],
        ),
        guardduty.RegionDetectors(EUC1, None),
    ]
    assert guardduty.threat_detection(regions) == {
        "service": "guardduty",
        "enabled": True,
        "plans": {"S3_DATA_EVENTS": True},
    }
    assert guardduty.threat_detection([guardduty.RegionDetectors(EUW1, None)]) is None


# ─────────────────────────────────── CloudTrail data events ─────────────────────────────────


def make_buckets(**regions: list[str]) -> None:
    for region, names in regions.items():
        s3 = boto3.client("s3", region_name=region.replace("_", "-"))
        for name in names:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region.replace("_", "-")},
            )


def make_trail(
    name: str,
    region: str,
    multi_region: bool = False,
    logging: bool = True,
    basic: list[dict[str, Any]] | None = None,
    advanced: list[dict[str, Any]] | None = None,
) -> str:
    client = boto3.client("cloudtrail", region_name=region)
    arn = client.create_trail(
        Name=name, S3BucketName="trail-logs", IsMultiRegionTrail=multi_region
    )["TrailARN"]
    if logging:
        client.start_logging(Name=name)
    if basic is not None:
        client.put_event_selectors(TrailName=name, EventSelectors=basic)
    if advanced is not None:
        client.put_event_selectors(TrailName=name, AdvancedEventSelectors=advanced)
    return str(arn)


def s3_objects(*values: str, rw: str = "All") -> list[dict[str, Any]]:
    return [
        {
            "ReadWriteType": rw,
            "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": list(values)}],
        }
    ]


def advanced_s3(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "Name": "s3 objects",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                *extra,
            ],
        }
    ]


def list_buckets(unit: AwsUnit) -> Collected:
    """A stand-in for the S3 module: the buckets, with nothing but identity."""
    s3 = unit.client("s3")
    found = []
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        region = s3.get_bucket_location(Bucket=name)["LocationConstraint"] or "us-east-1"
        found.append(
            Resource(
                uid=f"arn:aws:s3:::{name}",
                cloud=Cloud.AWS,
                account=unit.scope.account,
                region=region,
                type=BUCKET,
                kind="store.object",
                name=name,
            )
        )
    return Collected(resources=found)


BUCKETS = Service("buckets", list_buckets, False)
S3_OPERATIONS = {"s3:ListBuckets", "s3:GetBucketLocation"}


def logged(snapshot: Snapshot) -> dict[str, Any]:
    return {
        r.name: r.props.get("data_events_logged") for r in snapshot.resources if r.type == BUCKET
    }


def standard_buckets() -> None:
    make_buckets(
        eu_west_1=["trail-logs", "acme-data", "other-euw1"],
        eu_central_1=["bucket-euc1", "named-euc1"],
    )


def test_data_events_from_named_and_all_bucket_selectors(aws: None) -> None:
    standard_buckets()
    make_trail("org-trail", EUW1, multi_region=True, basic=s3_objects("arn:aws:s3:::acme-data/"))
    make_trail("euc1-trail", EUC1, advanced=advanced_s3())
    make_trail("stopped", EUW1, logging=False, advanced=advanced_s3())
    snapshot, collected, operations = run(BUCKETS, DATA_EVENTS)
    assert collected.defaults == [
        PropDefault(BUCKET, EUW1, {"data_events_logged": False}),
        PropDefault(BUCKET, EUC1, {"data_events_logged": True}),
    ]
    assert collected.patches == [
        PropPatch(BUCKET, "", "acme-data", {"data_events_logged": True}, "arn:aws:s3:::acme-data")
    ]
    assert logged(snapshot) == {
        "acme-data": True,
        "other-euw1": False,
        "trail-logs": False,
        "bucket-euc1": True,
        "named-euc1": True,
    }
    assert snapshot.gaps == []
    assert operations == permissions(DATA_EVENTS) | S3_OPERATIONS


def test_reads_and_writes_must_both_be_covered(aws: None) -> None:
    standard_buckets()
    make_trail("reads", EUW1, basic=s3_objects("arn:aws:s3", rw="ReadOnly"))
    writes = {"Field": "readOnly", "Equals": ["false"]}
    named = {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::acme-data/"]}
    make_trail("writes", EUW1, advanced=advanced_s3(writes, named))
    make_trail("prefix", EUW1, basic=s3_objects("arn:aws:s3:::other-euw1/logs/"))
    snapshot, collected, _ = run(BUCKETS, DATA_EVENTS)
    assert collected.patches == [PropPatch(BUCKET, EUW1, "acme-data", {"data_events_logged": True})]
    assert logged(snapshot) == {
        "acme-data": True,
        "other-euw1": False,
        "trail-logs": False,
        "bucket-euc1": False,
        "named-euc1": False,
    }


def test_a_selector_over_unnamed_buckets_leaves_the_rest_unknown(aws: None) -> None:
    standard_buckets()
    excluded = {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::trail-logs/"]}
    make_trail("all-but-logs", EUW1, advanced=advanced_s3(excluded))
    make_trail("named", EUC1, basic=s3_objects("arn:aws:s3:::named-euc1/"))
    snapshot, collected, _ = run(BUCKETS, DATA_EVENTS)
    assert collected.defaults == [PropDefault(BUCKET, EUC1, {"data_events_logged": False})]
    assert logged(snapshot) == {
        "acme-data": None,
        "other-euw1": None,
        "trail-logs": None,
        "bucket-euc1": False,
        "named-euc1": True,
    }


def trail_gap(region: str | None, operation: str) -> CollectionGap:
    return gap(
        region,
        operation,
        "AccessDeniedException",
        service="cloudtrail",
        message="HTTP 403 AccessDeniedException: denied",
        resource_type=BUCKET,
        kind="store.object",
        fields=["data_events_logged"],
    )


def test_a_failed_listing_is_a_gap_on_its_region(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    standard_buckets()
    make_trail("org-trail", EUW1, multi_region=True, basic=s3_objects("arn:aws:s3:::named-euc1/"))

    def deny(stubber: Stubber) -> None:
        stubber.add_client_error(
            "describe_trails", "AccessDeniedException", "denied", 403, {"includeShadowTrails": True}
        )

    snapshot, collected, _ = run(
        BUCKETS, DATA_EVENTS, monkeypatch=monkeypatch, stubs=("cloudtrail", {EUC1: deny})
    )
    assert snapshot.gaps == [trail_gap(EUC1, "describe_trails")]
    assert collected.defaults == [PropDefault(BUCKET, EUW1, {"data_events_logged": False})]
    # The multi-region trail read through eu-west-1 still covers its bucket in eu-central-1.
    assert logged(snapshot) == {
        "acme-data": False,
        "other-euw1": False,
        "trail-logs": False,
        "bucket-euc1": None,
        "named-euc1": True,
    }


def test_a_failed_multi_region_trail_is_a_gap_everywhere(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    standard_buckets()
    arn = make_trail("org-trail", EUW1, multi_region=True, basic=s3_objects("arn:aws:s3"))
    listed = {
        "Name": "org-trail",
        "S3BucketName": "trail-logs",
        "IsMultiRegionTrail": True,
        "HomeRegion": EUW1,
        "TrailARN": arn,
    }

    def deny_selectors(stubber: Stubber) -> None:
        stubber.add_response(
            "describe_trails", {"trailList": [listed]}, {"includeShadowTrails": True}
        )
        stubber.add_response("get_trail_status", {"IsLogging": True}, {"Name": arn})
        stubber.add_client_error(
            "get_event_selectors", "AccessDeniedException", "denied", 403, {"TrailName": arn}
        )

    snapshot, collected, operations = run(
        BUCKETS, DATA_EVENTS, monkeypatch=monkeypatch, stubs=("cloudtrail", {EUW1: deny_selectors})
    )
    assert snapshot.gaps == [trail_gap(None, "get_event_selectors")]
    assert collected.defaults == []
    assert collected.patches == []
    assert set(logged(snapshot).values()) == {None}
    assert operations == permissions(DATA_EVENTS) | S3_OPERATIONS


@pytest.mark.parametrize(
    ("prefix", "buckets", "ambiguous"),
    [
        ("arn:aws:s3", {"*"}, False),
        ("arn:aws:s3:::", {"*"}, False),
        ("arn:aws-cn:s3:::", {"*"}, False),
        ("arn:aws:s3:::acme-data/", {"acme-data"}, False),
        ("arn:aws:s3:::acme-data/logs/", set(), False),
        ("arn:aws:s3:::acme-", {"acme-"}, True),
        ("arn:aws:s3:::acme-data", {"acme-data"}, True),
        ("arn:aws:dynamodb", set(), True),
    ],
)
def test_prefix_coverage(prefix: str, buckets: set[str], ambiguous: bool) -> None:
    coverage = trail_events.prefix_coverage(prefix, trail_events.FULL)
    assert set(coverage.buckets) == buckets
    assert coverage.ambiguous is ambiguous


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([], {"*": trail_events.FULL}),
        ([{"Field": "readOnly", "Equals": ["true"]}], {"*": frozenset({"read"})}),
        ([{"Field": "readOnly", "NotEquals": ["true"]}], {"*": frozenset({"write"})}),
        ([{"Field": "resources.ARN", "Equals": ["arn:aws:s3:::b/key"]}], {}),
        (
            [{"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::a/", "arn:aws:s3:::b/"]}],
            {"a": trail_events.FULL, "b": trail_events.FULL},
        ),
    ],
)
def test_advanced_coverage(extra: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    (selector,) = advanced_s3(*extra)
    coverage = trail_events.advanced_coverage(selector)
    assert coverage.buckets == expected
    assert not coverage.ambiguous


@pytest.mark.parametrize(
    "extra",
    [
        {"Field": "eventName", "Equals": ["PutObject"]},
        {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::trail-logs/"]},
        {"Field": "readOnly", "StartsWith": ["t"]},
    ],
)
def test_unmodelled_conditions_are_ambiguous(extra: dict[str, Any]) -> None:
    (selector,) = advanced_s3(extra)
    assert trail_events.advanced_coverage(selector) == trail_events.Coverage(ambiguous=True)


def test_advanced_selectors_on_other_resources_cover_nothing() -> None:
    selector = {
        "Name": "lambda",
        "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::Lambda::Function"]},
        ],
    }
    assert trail_events.advanced_coverage(selector) == trail_events.NOTHING
