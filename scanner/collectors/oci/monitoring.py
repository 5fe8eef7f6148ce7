"""Audit, Cloud Guard and Logging: who records what happens in the tenancy.

Tenancy-wide or regional — the design, and why:

- :func:`collect_tenancy` (register with ``regional=False``; it runs once, in the home
  region). The Audit retention period is one tenancy-level setting that applies to every
  region and compartment, so ``get_configuration`` is read once, in the home region.
  Cloud Guard has one configuration per tenancy; its data APIs (targets) are served from
  the *reporting region* the configuration names, so ``list_targets`` goes there.
- :func:`collect_regional` (register with ``regional=True``). Log groups and logs are
  regional resources, and a service log lives in the region of the resource it logs: the
  logs of a bucket or subnet are found only in that bucket's or subnet's region.

What it produces:

- the tenancy (kind ``account``, uid = tenancy OCID, merged by the collector with the one
  scope discovery emits): ``audit_retention_days`` and ``threat_detection``
  ``{service: cloud_guard, enabled}``. Cloud Guard has no per-plan switches, so ``plans``
  stays absent; its targets are kept in ``raw`` (``cloud_guard_targets``) as evidence.
- the Audit trail ``<tenancy>/audit`` (kind ``log.trail``): OCI Audit records every API
  call in every region of the tenancy and cannot be switched off, so ``multi_region``
  and ``is_logging`` are provider facts (true); ``retention_days`` comes from the API.
- prop patches: ``data_events_logged`` on buckets (by region and bucket name, as
  the Object Storage service log names them) and ``flow_logs_enabled`` on subnets and
  VCNs (by OCID, as the flow log names them).

A patch says ``true`` when an enabled, active service log covers the resource and
``false`` when every log that names it is disabled or inactive. ``false`` is only sent
when every log group of the region was read: otherwise an unread log could enable it.
A resource no log names gets no patch (the Logging API alone cannot list the buckets or
subnets that lack a log).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scanner.collectors.base import Collected, PropDefault, PropPatch, Recorder
from scanner.collectors.oci.context import OciUnit, list_all, to_plain
from scanner.model import Cloud, CollectionGap, Resource

SERVICE = "monitoring"
"""The module's name for registration; each SDK client records under its own service."""
AUDIT_SERVICE = "audit"
CLOUD_GUARD_SERVICE = "cloudguard"
LOGGING_SERVICE = "logging"

TENANCY_TYPE = "oci.identity.tenancy"
TRAIL_TYPE = "oci.audit.configuration"
TRAIL_NAME = "oci-audit"
BUCKET_TYPE = "oci.objectstorage.bucket"
SUBNET_TYPE = "oci.core.subnet"
VCN_TYPE = "oci.core.vcn"

BUCKET_LOG_SERVICE = "objectstorage"
BUCKET_LOG_CATEGORIES = frozenset({"write", "read"})
"""Object Storage service-log categories that record object-level access."""
FLOW_LOG_SERVICE = "flowlogs"
FLOW_LOG_TARGETS: Mapping[str, str] = {"all": SUBNET_TYPE, "subnet": SUBNET_TYPE, "vcn": VCN_TYPE}
"""Flow-log category → the type of the resource the log names (``vnic`` logs name a VNIC,
which is not collected)."""

TENANCY_PERMISSIONS: dict[str, str] = {
    "audit.get_configuration": "read audit-events",
    "cloudguard.get_configuration": "read cloud-guard-config",
    "cloudguard.list_targets": "inspect cloud-guard-targets",
}
REGIONAL_PERMISSIONS: dict[str, str] = {
    "logging.list_log_groups": "inspect log-groups",
    "logging.list_logs": "inspect log-groups",
}
PERMISSIONS: dict[str, str] = {**TENANCY_PERMISSIONS, **REGIONAL_PERMISSIONS}
"""Each SDK operation (``service.operation``: two clients have a ``get_configuration``)
→ the OCI policy verb and resource type it needs. Log records are never read, so
``log-content`` is not needed."""


def trail_uid(tenancy: str) -> str:
    return f"{tenancy}/audit"


# ───────────────────────────── tenancy-wide: Audit, Cloud Guard ─────────────────────────────


def fetch_audit_configuration(unit: OciUnit, rec: Recorder) -> dict[str, Any] | None:
    """The tenancy's Audit configuration (retention period); None when unreadable."""
    tenancy = unit.scope.tenancy
    client = unit.clients.audit(unit.scope.home_region)
    response = rec.call(
        "get_configuration",
        client.get_configuration,
        compartment_id=tenancy,
        resource_type=TENANCY_TYPE,
        kind="account",
        resource_uid=tenancy,
        fields=["audit_retention_days"],
    )
    return dict(to_plain(response.data)) if response is not None else None


def fetch_cloud_guard_configuration(unit: OciUnit, rec: Recorder) -> dict[str, Any] | None:
    """The tenancy's Cloud Guard configuration (status, reporting region)."""
    tenancy = unit.scope.tenancy
    client = unit.clients.cloud_guard(unit.scope.home_region)
    response = rec.call(
        "get_configuration",
        client.get_configuration,
        compartment_id=tenancy,
        resource_type=TENANCY_TYPE,
        kind="account",
        resource_uid=tenancy,
        fields=["threat_detection"],
    )
    return dict(to_plain(response.data)) if response is not None else None


def fetch_cloud_guard_targets(unit: OciUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    """Every Cloud Guard target of the tenancy, read in ``unit.region`` (the reporting
    region: Cloud Guard serves its data there).

    A failure records a gap on the tenancy naming ``cloud_guard_targets`` (kept in raw;
    no prop depends on it, so no control becomes inconclusive because of it).
    """
    tenancy = unit.scope.tenancy
    client = unit.clients.cloud_guard(unit.region)
    return list_all(
        rec,
        "list_targets",
        client.list_targets,
        compartment_id=tenancy,
        compartment_id_in_subtree=True,
        access_level="ACCESSIBLE",
        resource_type=TENANCY_TYPE,
        kind="account",
        resource_uid=tenancy,
        fields=["cloud_guard_targets"],
    )


def cloud_guard_enabled(configuration: Mapping[str, Any]) -> bool:
    return configuration.get("status") == "ENABLED"


def to_account(
    tenancy: str,
    region: str,
    audit: Mapping[str, Any] | None,
    cloud_guard: Mapping[str, Any] | None,
    targets: Sequence[Mapping[str, Any]] | None,
) -> Resource:
    """The tenancy's monitoring props; merged with scope discovery's tenancy resource.

    The name is the tenancy OCID: scope discovery's resource carries the tenancy's real
    name, and the collector keeps the first name in (uid, type, name) order.
    """
    props: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    if audit is not None:
        props["audit_retention_days"] = audit.get("retention_period_days")
        raw["audit_configuration"] = dict(audit)
    if cloud_guard is not None:
        props["threat_detection"] = {
            "service": "cloud_guard",
            "enabled": cloud_guard_enabled(cloud_guard),
        }
        raw["cloud_guard_configuration"] = dict(cloud_guard)
    if targets is not None:
        raw["cloud_guard_targets"] = sorted(
            (dict(t) for t in targets), key=lambda t: str(t.get("id"))
        )
    return Resource(
        uid=tenancy,
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=TENANCY_TYPE,
        kind="account",
        name=tenancy,
        props=props,
        raw=raw,
    )


def to_trail(tenancy: str, region: str, audit: Mapping[str, Any] | None) -> Resource:
    """OCI Audit as a ``log.trail``: always on, in every region (provider facts)."""
    props: dict[str, Any] = {"multi_region": True, "is_logging": True}
    if audit is not None:
        props["retention_days"] = audit.get("retention_period_days")
    return Resource(
        uid=trail_uid(tenancy),
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=TRAIL_TYPE,
        kind="log.trail",
        name=TRAIL_NAME,
        props=props,
        raw=dict(audit) if audit is not None else {},
    )


def trail_gaps(gaps: Iterable[CollectionGap], tenancy: str) -> list[CollectionGap]:
    """An Audit configuration failure also hides the trail's retention period."""
    return [
        gap.model_copy(
            update={
                "resource_type": TRAIL_TYPE,
                "kind": "log.trail",
                "resource_uid": trail_uid(tenancy),
                "fields": ["retention_days"],
            }
        )
        for gap in gaps
    ]


def collect_tenancy(unit: OciUnit) -> Collected:
    """Audit and Cloud Guard, once per tenancy (register with ``regional=False``)."""
    tenancy, home = unit.scope.tenancy, unit.scope.home_region
    audit_rec = unit.recorder(AUDIT_SERVICE)
    audit = fetch_audit_configuration(unit, audit_rec)
    guard_rec = unit.recorder(CLOUD_GUARD_SERVICE)
    guard = fetch_cloud_guard_configuration(unit, guard_rec)
    targets = None
    if guard is not None and cloud_guard_enabled(guard):
        reporting = OciUnit(unit.clients, unit.scope, str(guard.get("reporting_region") or home))
        targets_rec = reporting.recorder(CLOUD_GUARD_SERVICE)
        targets = fetch_cloud_guard_targets(reporting, targets_rec)
        guard_rec.gaps.extend(targets_rec.gaps)
        guard_rec.operations.update(targets_rec.operations)
    return Collected(
        resources=[
            to_account(tenancy, home, audit, guard, targets),
            to_trail(tenancy, home, audit),
        ],
        gaps=[*audit_rec.gaps, *trail_gaps(audit_rec.gaps, tenancy), *guard_rec.gaps],
        operations=audit_rec.operations | guard_rec.operations,
    )


# ───────────────────────────── regional: Logging ─────────────────────────────


def fetch_logs(unit: OciUnit, rec: Recorder) -> list[dict[str, Any]]:
    """Every log of every log group in every compartment of the unit's region."""
    client = unit.clients.logging(unit.region)
    logs: list[dict[str, Any]] = []
    for compartment in unit.scope.compartments:
        groups = list_all(
            rec,
            "list_log_groups",
            client.list_log_groups,
            compartment,
            resource_type=BUCKET_TYPE,
            kind="store.object",
            fields=["data_events_logged"],
        )
        for group in groups or []:
            logs.extend(
                list_all(
                    rec,
                    "list_logs",
                    client.list_logs,
                    group["id"],
                    resource_type=BUCKET_TYPE,
                    kind="store.object",
                    fields=["data_events_logged"],
                )
                or []
            )
    return logs


def log_source(log: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``OCISERVICE`` source of a service log ({} for a custom log)."""
    configuration = log.get("configuration") or {}
    source = configuration.get("source") or {}
    return source if isinstance(source, Mapping) else {}


def log_is_on(log: Mapping[str, Any]) -> bool:
    return bool(log.get("is_enabled")) and log.get("lifecycle_state") == "ACTIVE"


def coverage(
    logs: Iterable[Mapping[str, Any]], service: str, categories: Iterable[str]
) -> dict[tuple[str, str], bool]:
    """(category, resource) → whether any log of ``service`` for it is on."""
    wanted = frozenset(categories)
    covered: dict[tuple[str, str], bool] = {}
    for log in logs:
        source = log_source(log)
        category, resource = source.get("category"), source.get("resource")
        if source.get("service") != service or category not in wanted or not resource:
            continue
        key = (str(category), str(resource))
        covered[key] = covered.get(key, False) or log_is_on(log)
    return covered


def bucket_data_events(logs: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """Bucket name → True when an enabled read or write service log records its objects."""
    logged: dict[str, bool] = {}
    for (_, bucket), on in coverage(logs, BUCKET_LOG_SERVICE, BUCKET_LOG_CATEGORIES).items():
        logged[bucket] = logged.get(bucket, False) or on
    return logged


def flow_log_facts(logs: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, bool]]:
    """Subnet or VCN OCID → (native type, flow logs on), from the flow logs naming it.

    A ``vcn`` flow log covers every subnet of the VCN too; only the VCN is patched here
    (the subnet → VCN link is the network module's).
    """
    facts: dict[str, tuple[str, bool]] = {}
    for (category, uid), on in coverage(logs, FLOW_LOG_SERVICE, FLOW_LOG_TARGETS).items():
        type_ = FLOW_LOG_TARGETS[category]
        previous = facts.get(uid, (type_, False))[1]
        facts[uid] = (type_, previous or on)
    return facts


def bucket_patches(region: str, logged: Mapping[str, bool], complete: bool) -> list[PropPatch]:
    """``data_events_logged`` per bucket; false ones only when every log was read."""
    return [
        PropPatch(BUCKET_TYPE, region, name, {"data_events_logged": on})
        for name, on in sorted(logged.items())
        if on or complete
    ]


def flow_log_patches(
    region: str, facts: Mapping[str, tuple[str, bool]], complete: bool
) -> list[PropPatch]:
    """``flow_logs_enabled`` per subnet or VCN, matched by OCID."""
    return [
        PropPatch(type_, region, uid, {"flow_logs_enabled": on}, uid=uid)
        for uid, (type_, on) in sorted(facts.items())
        if on or complete
    ]


def logging_gaps(gaps: Iterable[CollectionGap]) -> list[CollectionGap]:
    """A failed Logging call hides bucket, subnet and VCN log coverage in the region."""
    targets = (
        (BUCKET_TYPE, "store.object", "data_events_logged"),
        (SUBNET_TYPE, "net.subnet", "flow_logs_enabled"),
        (VCN_TYPE, "net.network", "flow_logs_enabled"),
    )
    return [
        gap.model_copy(update={"resource_type": type_, "kind": kind, "fields": [field]})
        for gap in gaps
        for type_, kind, field in targets
    ]


def collect_regional(unit: OciUnit) -> Collected:
    """Logging in one region (register with ``regional=True``)."""
    rec = unit.recorder(LOGGING_SERVICE)
    logs = fetch_logs(unit, rec)
    complete = not rec.gaps
    return Collected(
        gaps=logging_gaps(rec.gaps),
        operations=rec.operations,
        patches=[
            *bucket_patches(unit.region, bucket_data_events(logs), complete),
            *flow_log_patches(unit.region, flow_log_facts(logs), complete),
        ],
        defaults=absence_defaults(unit.region) if complete else [],
    )


def absence_defaults(region: str) -> list[PropDefault]:
    """Every log group of the region was read: what no log names has no logging."""
    return [
        PropDefault(BUCKET_TYPE, region, {"data_events_logged": False}),
        PropDefault(SUBNET_TYPE, region, {"flow_logs_enabled": False}),
        PropDefault(VCN_TYPE, region, {"flow_logs_enabled": False}),
    ]
