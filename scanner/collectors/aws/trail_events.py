"""CloudTrail data events for S3 objects → ``data_events_logged`` on buckets.

Account-wide: one unit per account lists the trails of every scoped region
(``describe_trails`` with shadow trails, so each region lists every trail that records
its events), then reads each trail once, in its home region: ``get_trail_status`` (a
stopped trail audits nothing) and ``get_event_selectors``.

A bucket is logged when logging trails that record its region cover both its object
reads and writes. Selectors are ARN prefixes (basic ``DataResources`` values; advanced
``resources.ARN`` StartsWith): ``arn:aws:s3:::`` covers every bucket,
``arn:aws:s3:::<bucket>/`` one bucket, a longer prefix only part of a bucket (not
logged). A multi-region trail covers every region; a single-region trail its home region.

Output, for buckets collected by the S3 module (type ``aws.s3.bucket``, uid
``arn:aws:s3:::<name>``, region = the bucket's region):

- a region where every bucket is covered → PropDefault True for the region;
- a bucket covered by multi-region trails alone → PropPatch by uid; one covered only
  with a region's trails → PropPatch by (type, region, name), which only matches a
  bucket in that region;
- a region where every trail was read and no selector covers a set of buckets we cannot
  name (NotStartsWith, a bucket-name prefix, an eventName filter...) → PropDefault
  False, which fills only buckets no patch set (a fact by absence, so only when
  complete). A selector that names only single objects or a key prefix of a bucket
  leaves that bucket not logged.

Anything unread is a gap on ``data_events_logged`` of the buckets it could cover
(the region a listing failed in; every region for a multi-region trail).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.aws.context import AwsUnit
from scanner.collectors.aws.errors import classify_aws_error
from scanner.collectors.base import Collected, PropDefault, PropPatch, Recorder
from scanner.model import Cloud

SERVICE = "cloudtrail"
BUCKET_TYPE = "aws.s3.bucket"
OBJECT_TYPE = "AWS::S3::Object"
PROP = "data_events_logged"
PERMISSIONS: dict[str, str] = {
    "cloudtrail:DescribeTrails": "cloudtrail:DescribeTrails",
    "cloudtrail:GetTrailStatus": "cloudtrail:GetTrailStatus",
    "cloudtrail:GetEventSelectors": "cloudtrail:GetEventSelectors",
}

READ = "read"
WRITE = "write"
FULL = frozenset({READ, WRITE})
ALL_BUCKETS = "*"
"""Key of :attr:`Coverage.buckets` for selectors that cover every bucket."""

_RW_TYPES: Mapping[str, frozenset[str]] = {
    "All": FULL,
    "ReadOnly": frozenset({READ}),
    "WriteOnly": frozenset({WRITE}),
}
_S3_ARN = re.compile(r"^arn:[a-z-]+:s3(?P<rest>.*)$")
_HARMLESS_FIELDS = {
    "eventCategory": {"Data"},
    "resources.type": {OBJECT_TYPE},
    "eventSource": {"s3.amazonaws.com"},
}
"""Advanced-selector fields whose Equals values do not narrow S3 object events."""


@dataclass(frozen=True)
class Coverage:
    """What selectors say about S3 object events: bucket name (or ``*``) → read/write."""

    buckets: dict[str, frozenset[str]] = field(default_factory=dict)
    ambiguous: bool = False
    """Some selector covers a set of buckets that cannot be named."""

    def merge(self, other: Coverage) -> Coverage:
        buckets = dict(self.buckets)
        for name, kinds in other.buckets.items():
            buckets[name] = buckets.get(name, frozenset()) | kinds
        return Coverage(buckets, self.ambiguous or other.ambiguous)

    def covers(self, name: str) -> bool:
        """Reads and writes of bucket ``name`` (or of every bucket: ``*``) are covered."""
        kinds = self.buckets.get(name, frozenset()) | self.buckets.get(ALL_BUCKETS, frozenset())
        return kinds >= FULL


NOTHING = Coverage()


def merge_all(coverages: Iterable[Coverage]) -> Coverage:
    merged = NOTHING
    for coverage in coverages:
        merged = merged.merge(coverage)
    return merged


def prefix_coverage(prefix: str, kinds: frozenset[str]) -> Coverage:
    """The buckets whose every object ARN starts with ``prefix``."""
    match = _S3_ARN.match(prefix)
    if match is None:
        return Coverage(ambiguous=True)
    rest = match["rest"]
    if ":::".startswith(rest):
        return Coverage({ALL_BUCKETS: kinds})
    if not rest.startswith(":::"):
        return Coverage(ambiguous=True)
    bucket, slash, key_prefix = rest[3:].partition("/")
    if not slash:
        # A bucket-name prefix: this bucket, and any other whose name starts the same.
        return Coverage({bucket: kinds}, ambiguous=True)
    return Coverage({bucket: kinds}) if not key_prefix else NOTHING


def basic_coverage(selector: Mapping[str, Any]) -> Coverage:
    kinds = _RW_TYPES.get(str(selector.get("ReadWriteType") or "All"), FULL)
    return merge_all(
        prefix_coverage(str(value), kinds)
        for resource in selector.get("DataResources") or []
        if resource.get("Type") == OBJECT_TYPE
        for value in resource.get("Values") or []
    )


def _readonly_kinds(condition: Mapping[str, Any], operators: set[str]) -> frozenset[str] | None:
    """Reads and/or writes a ``readOnly`` condition selects; None when not modelled."""
    if operators == {"Equals"}:
        return frozenset(READ if v.lower() == "true" else WRITE for v in condition["Equals"])
    if operators == {"NotEquals"}:
        return FULL - {READ if v.lower() == "true" else WRITE for v in condition["NotEquals"]}
    return None


def advanced_coverage(selector: Mapping[str, Any]) -> Coverage:
    """What one advanced selector covers.

    Modelled: ``resources.type``, ``eventCategory``, ``eventSource`` (Equals),
    ``readOnly`` (Equals/NotEquals) and ``resources.ARN`` (StartsWith; Equals names
    single objects, never a whole bucket). Any other condition (NotStartsWith,
    eventName, userIdentity...) covers a set we cannot name: ambiguous.
    """
    fields = {str(f.get("Field")): f for f in selector.get("FieldSelectors") or []}
    if OBJECT_TYPE not in (fields.get("resources.type") or {}).get("Equals", []):
        return NOTHING
    kinds: frozenset[str] | None = FULL
    arn_prefixes: list[str] | None = None
    for name, condition in fields.items():
        operators = {k for k, v in condition.items() if k != "Field" and v}
        if name == "readOnly":
            kinds = _readonly_kinds(condition, operators)
        elif name == "resources.ARN" and operators == {"StartsWith"}:
            arn_prefixes = list(condition["StartsWith"])
        elif name == "resources.ARN" and operators == {"Equals"}:
            return NOTHING
        elif name in _HARMLESS_FIELDS and operators == {"Equals"}:
            if not set(condition["Equals"]) <= _HARMLESS_FIELDS[name]:
                return NOTHING
        else:
            return Coverage(ambiguous=True)
    if kinds is None:
        return Coverage(ambiguous=True)
    if arn_prefixes is None:
        return Coverage({ALL_BUCKETS: kinds})
    return merge_all(prefix_coverage(p, kinds) for p in arn_prefixes)


def selector_coverage(selectors: Mapping[str, Any]) -> Coverage:
    """Everything a trail's ``get_event_selectors`` payload covers."""
    basic = (basic_coverage(s) for s in selectors.get("EventSelectors") or [])
    advanced = (advanced_coverage(s) for s in selectors.get("AdvancedEventSelectors") or [])
    return merge_all([*basic, *advanced])


@dataclass(frozen=True)
class Trail:
    arn: str
    home: str
    multi_region: bool
    coverage: Coverage | None
    """None: status or selectors unread. A stopped trail covers nothing."""

    def records(self, region: str) -> bool:
        return self.multi_region or self.home == region


def _gap() -> dict[str, Any]:
    """What a failed call hides: ``data_events_logged`` of the buckets in its scope."""
    return {"resource_type": BUCKET_TYPE, "kind": "store.object", "fields": [PROP]}


def _recorder(unit: AwsUnit, region: str | None) -> Recorder:
    """A recorder whose gaps name ``region`` (None: every region)."""
    return Recorder(Cloud.AWS, unit.scope.account, region, SERVICE, classify_aws_error)


def fetch_listing(client: Any, rec: Recorder) -> list[dict[str, Any]] | None:
    """Every trail that records the client's region's events (shadow trails included)."""
    listed = rec.call("describe_trails", client.describe_trails, includeShadowTrails=True, **_gap())
    return None if listed is None else list(listed.get("trailList") or [])


def fetch_trail(client: Any, rec: Recorder, listed: Mapping[str, Any]) -> Trail:
    """Status and selectors of one trail, through a client of its home region."""
    arn = str(listed["TrailARN"])
    home = str(listed["HomeRegion"])
    multi = bool(listed.get("IsMultiRegionTrail"))
    status = rec.call("get_trail_status", client.get_trail_status, Name=arn, **_gap())
    if status is None:
        return Trail(arn, home, multi, None)
    if not status.get("IsLogging"):
        return Trail(arn, home, multi, NOTHING)
    selectors = rec.call("get_event_selectors", client.get_event_selectors, TrailName=arn, **_gap())
    coverage = None if selectors is None else selector_coverage(selectors)
    return Trail(arn, home, multi, coverage)


def _read(trails: Iterable[Trail]) -> Coverage:
    return merge_all(t.coverage for t in trails if t.coverage is not None)


def region_defaults(
    region: str, listing: Sequence[str] | None, trails: Sequence[Trail]
) -> list[PropDefault]:
    """True when the region's trails cover every bucket; False when complete and not."""
    recording = [t for t in trails if t.records(region)]
    coverage = _read(recording)
    if coverage.covers(ALL_BUCKETS):
        return [PropDefault(BUCKET_TYPE, region, {PROP: True})]
    by_arn = {t.arn: t for t in trails}
    complete = (
        listing is not None
        and all(arn in by_arn and by_arn[arn].coverage is not None for arn in listing)
        and all(t.coverage is not None for t in recording)
        and not coverage.ambiguous
    )
    return [PropDefault(BUCKET_TYPE, region, {PROP: False})] if complete else []


def bucket_patches(regions: Sequence[str], trails: Sequence[Trail]) -> list[PropPatch]:
    """True for each bucket a selector names whose reads and writes are covered."""
    everywhere = _read(t for t in trails if t.multi_region)
    patches: list[PropPatch] = []
    names = sorted({n for t in trails if t.coverage for n in t.coverage.buckets} - {ALL_BUCKETS})
    for name in names:
        if everywhere.covers(name):
            uid = f"arn:aws:s3:::{name}"
            patches.append(PropPatch(BUCKET_TYPE, "", name, {PROP: True}, uid=uid))
            continue
        for region in regions:
            coverage = _read(t for t in trails if t.records(region))
            if coverage.covers(name):
                patches.append(PropPatch(BUCKET_TYPE, region, name, {PROP: True}))
    return patches


def collect(unit: AwsUnit) -> Collected:
    collected = Collected()
    clients: dict[str, Any] = {}

    def client(region: str) -> Any:
        if region not in clients:
            clients[region] = unit.clients.client(SERVICE, region)
        return clients[region]

    listings: dict[str, list[str] | None] = {}
    found: dict[str, dict[str, Any]] = {}
    for region in unit.scope.regions:
        rec = _recorder(unit, region)
        listed = fetch_listing(client(region), rec)
        listings[region] = None if listed is None else [str(t["TrailARN"]) for t in listed]
        for trail in listed or []:
            found.setdefault(str(trail["TrailARN"]), {"HomeRegion": region, **trail})
        collected.extend(Collected(gaps=rec.gaps, operations=rec.operations))
    trails: list[Trail] = []
    for arn in sorted(found):
        listed_trail = found[arn]
        scope = None if listed_trail.get("IsMultiRegionTrail") else listed_trail.get("HomeRegion")
        rec = _recorder(unit, str(scope) if scope else None)
        trails.append(fetch_trail(client(str(listed_trail["HomeRegion"])), rec, listed_trail))
        collected.extend(Collected(gaps=rec.gaps, operations=rec.operations))
    for region in unit.scope.regions:
        collected.defaults.extend(region_defaults(region, listings[region], trails))
    collected.patches.extend(bucket_patches(unit.scope.regions, trails))
    return collected
