"""GuardDuty detectors, folded into the account's ``threat_detection``.

Account-wide: one unit per account reads every scoped region (``list_detectors``, then
``get_detector``) and lands ONE PropPatch on the account resource:

- ``enabled``: every region read has an ENABLED detector;
- ``plans``: each feature GuardDuty reports (S3_DATA_EVENTS, RDS_LOGIN_EVENTS...) → True
  when it is ENABLED, on an ENABLED detector, in every region read.

A region without a detector is a fact (not enabled there). A region whose calls failed
is a gap on the account (field ``threat_detection``) and is left out of the aggregate:
a False from the regions read stands; a True becomes inconclusive through the gap.
With no region read at all, ``threat_detection`` stays absent (unknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scanner.collectors.aws.context import AwsUnit, jsonable, paginate
from scanner.collectors.aws.scope import account_uid
from scanner.collectors.base import Collected, PropPatch, Recorder
from scanner.model import Cloud, Resource

SERVICE = "guardduty"
ACCOUNT_TYPE = "aws.account"
ENABLED = "ENABLED"
PERMISSIONS: dict[str, str] = {
    "guardduty:ListDetectors": "guardduty:ListDetectors",
    "guardduty:GetDetector": "guardduty:GetDetector",
}


@dataclass(frozen=True)
class RegionDetectors:
    """What one region's calls returned: None when they failed (a gap was recorded)."""

    region: str
    detectors: list[dict[str, Any]] | None


def fetch_region(unit: AwsUnit, rec: Recorder, region: str) -> RegionDetectors:
    client = unit.clients.client(SERVICE, region)
    uid = account_uid(unit.scope.account)
    gap = {"resource_type": ACCOUNT_TYPE, "kind": "account", "resource_uid": uid}
    ids = paginate(rec, client, "list_detectors", "DetectorIds", fields=["threat_detection"], **gap)
    if ids is None:
        return RegionDetectors(region, None)
    detectors: list[dict[str, Any]] = []
    for detector_id in ids:
        detail = rec.call(
            "get_detector",
            client.get_detector,
            DetectorId=detector_id,
            fields=["threat_detection"],
            **gap,
        )
        if detail is None:
            return RegionDetectors(region, None)
        detectors.append({**detail, "DetectorId": detector_id})
    return RegionDetectors(region, detectors)


def _enabled_features(detector: Mapping[str, Any]) -> dict[str, bool]:
    on = detector.get("Status") == ENABLED
    return {
        str(f["Name"]): on and f.get("Status") == ENABLED
        for f in detector.get("Features") or []
        if f.get("Name")
    }


def _region_state(detectors: Sequence[Mapping[str, Any]]) -> tuple[bool, dict[str, bool]]:
    """(an ENABLED detector exists, feature → enabled on some ENABLED detector)."""
    enabled = any(d.get("Status") == ENABLED for d in detectors)
    plans: dict[str, bool] = {}
    for detector in detectors:
        for name, on in _enabled_features(detector).items():
            plans[name] = plans.get(name, False) or on
    return enabled, plans


def threat_detection(regions: Sequence[RegionDetectors]) -> dict[str, Any] | None:
    """The account's ``threat_detection`` over the regions read; None when none was."""
    states = [_region_state(r.detectors) for r in regions if r.detectors is not None]
    if not states:
        return None
    names = sorted({name for _, plans in states for name in plans})
    return {
        "service": "guardduty",
        "enabled": all(enabled for enabled, _ in states),
        "plans": {name: all(plans.get(name, False) for _, plans in states) for name in names},
    }


def _summary(detector: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "DetectorId": detector.get("DetectorId"),
        "Status": detector.get("Status"),
        "Features": {str(f.get("Name")): f.get("Status") for f in detector.get("Features") or []},
    }


def account_resource(account: str, home: str, regions: Sequence[RegionDetectors]) -> Resource:
    """The account itself (merged with the scope's), raw = per-region detector summary."""
    raw = {r.region: [_summary(d) for d in r.detectors] for r in regions if r.detectors is not None}
    return Resource(
        uid=account_uid(account),
        cloud=Cloud.AWS,
        account=account,
        region=home,
        type=ACCOUNT_TYPE,
        kind="account",
        name=account,
        props={},
        raw=jsonable({"guardduty_detectors": raw}),
    )


def to_patches(account: str, home: str, regions: Sequence[RegionDetectors]) -> list[PropPatch]:
    detection = threat_detection(regions)
    if detection is None:
        return []
    return [
        PropPatch(
            type=ACCOUNT_TYPE,
            region=home,
            name=account,
            props={"threat_detection": detection},
            uid=account_uid(account),
        )
    ]


def collect(unit: AwsUnit) -> Collected:
    account = unit.scope.account
    home = unit.scope.regions[0] if unit.scope.regions else "us-east-1"
    collected = Collected()
    regions: list[RegionDetectors] = []
    for region in unit.scope.regions:
        rec = replace(unit, region=region).recorder(SERVICE)
        regions.append(fetch_region(unit, rec, region))
        collected.gaps.extend(rec.gaps)
        collected.operations.update(rec.operations)
    collected.resources.append(account_resource(account, home, regions))
    collected.patches.extend(to_patches(account, home, regions))
    return collected
