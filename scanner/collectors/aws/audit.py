"""CloudTrail trails.

Regional: ``describe_trails`` in a region also returns multi-region trails whose home is
elsewhere ("shadow" trails); each trail is collected only in its home region. S3 data
events on buckets are read by :mod:`trail_events`; GuardDuty by :mod:`guardduty`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.collectors.aws.context import AwsUnit, jsonable
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Resource

SERVICE = "cloudtrail"
TRAIL_TYPE = "aws.cloudtrail.trail"
PERMISSIONS: dict[str, str] = {
    "cloudtrail:DescribeTrails": "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus": "cloudtrail:GetTrailStatus",
}


def fetch_trails(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]]:
    client = unit.client("cloudtrail")
    listed = rec.call(
        "describe_trails",
        client.describe_trails,
        includeShadowTrails=False,
        resource_type=TRAIL_TYPE,
        kind="log.trail",
    )
    trails: list[dict[str, Any]] = []
    for trail in (listed or {}).get("trailList", []):
        arn = trail["TrailARN"]
        status = rec.call(
            "get_trail_status",
            client.get_trail_status,
            Name=arn,
            resource_uid=arn,
            fields=["is_logging"],
        )
        trails.append({**trail, "_status": status})
    return trails


def to_resource(trail: Mapping[str, Any], account: str) -> Resource:
    props: dict[str, Any] = {
        "multi_region": bool(trail.get("IsMultiRegionTrail")),
        "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
        "kms_encrypted": trail.get("KmsKeyId") is not None,
    }
    status = trail.get("_status")
    if status is not None:
        props["is_logging"] = bool(status.get("IsLogging"))
    bucket = trail.get("S3BucketName")
    if bucket:
        props["sink_uid"] = f"arn:aws:s3:::{bucket}"
    raw = {k: v for k, v in trail.items() if not k.startswith("_")}
    return Resource(
        uid=trail["TrailARN"],
        cloud=Cloud.AWS,
        account=account,
        region=str(trail.get("HomeRegion")),
        type=TRAIL_TYPE,
        kind="log.trail",
        name=str(trail["Name"]),
        props=props,
        raw=jsonable(raw),
    )


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    trails = [t for t in fetch_trails(unit, rec) if t.get("HomeRegion") == unit.region]
    return Collected(
        resources=[to_resource(t, unit.scope.account) for t in trails],
        gaps=rec.gaps,
        operations=rec.operations,
    )
