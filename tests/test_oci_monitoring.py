"""Audit, Cloud Guard and Logging: real SDK clients against the replay server."""

from __future__ import annotations

import os

os.environ["OCI_SDK_DEFAULT_RETRY_ENABLED"] = "false"

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.bundled import controls_dir
from scanner.collectors.base import Collected, PropPatch, apply_patches
from scanner.collectors.oci import monitoring, objectstorage
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import Service, collect_oci, required_permissions
from scanner.collectors.oci.permissions import policy_statements
from scanner.config import EstateConfig
from scanner.engine.catalog import Catalog, load_catalog
from scanner.model import Cloud, Resource, Snapshot
from scanner.pipeline import evaluate_snapshot
from tests.support.oci_replay import (
    OciReplayServer,
    RecordedRequest,
    Route,
    load_routes,
    write_oci_config,
)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "oci" / "reference"
REFERENCE = REPO / "fixtures" / "oci" / "reference-expected.yaml"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
TRAIL = f"{TENANCY}/audit"
DATA = "ocid1.compartment.oc1..aaaaaaaadataplatform2w"
SUBNET = "ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaaappsubnet4r"
VCN = "ocid1.vcn.oc1.eu-frankfurt-1.aaaaaaaaprodvcn1q"
FRA_GROUPS = "/eu-frankfurt-1/20200531/logGroups"
FRA_GROUP = f"{FRA_GROUPS}/ocid1.loggroup.oc1.eu-frankfurt-1.aaaaaaaa"
LAKE_LOGS = f"{FRA_GROUP}datalakeaudit/logs"
APP_LOGS = f"{FRA_GROUP}applogs/logs"
FLOW_LOGS = f"{FRA_GROUP}networkflows/logs"
AMS_GROUPS = "/eu-amsterdam-1/20200531/logGroups"
AUDIT_CONFIG = "/eu-frankfurt-1/20190901/configuration"
GUARD_CONFIG = "/eu-frankfurt-1/20200131/configuration"
GUARD_TARGETS = "/eu-frankfurt-1/20200131/targets"
TARGET_IDS = [
    "ocid1.cloudguardtarget.oc1.eu-frankfurt-1.aaaaaaaadatatarget",
    "ocid1.cloudguardtarget.oc1.eu-frankfurt-1.aaaaaaaaroottarget",
]
BUCKETS = ("customer-exports", "datalake-archive", "datalake-personal", "datalake-personal-dr")

TENANCY_SERVICE = Service(
    "monitoring", monitoring.collect_tenancy, False, monitoring.TENANCY_PERMISSIONS
)
LOGGING_SERVICE = Service(
    "logging", monitoring.collect_regional, True, monitoring.REGIONAL_PERMISSIONS
)
OBJECTSTORAGE_SERVICE = Service(
    "objectstorage", objectstorage.collect, True, objectstorage.PERMISSIONS
)
ALL = (OBJECTSTORAGE_SERVICE, TENANCY_SERVICE, LOGGING_SERVICE)


@dataclass
class Run:
    snapshot: Snapshot
    collected: Collected
    requests: list[RecordedRequest]

    def resource(self, uid: str) -> Resource:
        return next(r for r in self.snapshot.resources if r.uid == uid)

    def bucket(self, name: str) -> Resource:
        return next(
            r
            for r in self.snapshot.resources
            if r.type == objectstorage.BUCKET_TYPE and r.name == name
        )

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def fixture_routes() -> list[Route]:
    files = ("scope.yaml", "objectstorage.yaml", "monitoring.yaml")
    return load_routes(FIXTURES / name for name in files)


def fault(path: str, status: int, query: dict[str, str] | None = None) -> Route:
    codes = {403: "NotAuthorizedOrNotFound", 429: "TooManyRequests", 500: "InternalServerError"}
    return Route(
        path=path,
        query=query or {},
        status=status,
        body={"code": codes[status], "message": f"injected {status}"},
    )


def collect(tmp_path: Path, services: Sequence[Service] = ALL, routes: Sequence[Route] = ()) -> Run:
    """Collect through the real SDK; ``routes`` are matched before the fixtures."""
    with OciReplayServer([*routes, *fixture_routes()]) as server:
        config = write_oci_config(tmp_path, TENANCY)
        options = OciOptions(config_file=config, endpoint=server.endpoint, retry_attempts=1)
        snapshot, collected = collect_oci(options, services=services)
        return Run(snapshot, collected, list(server.requests))


def edited(path: str, edit: Any) -> Route:
    """A copy of the fixture route at ``path`` (first match), changed by ``edit``."""
    route = copy.deepcopy(next(r for r in fixture_routes() if r.path == path))
    edit(route)
    return route


def reference_resource(uid: str) -> dict[str, Any]:
    doc = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    return dict(next(r for r in doc["resources"] if r["uid"] == uid))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(controls_dir())


def statuses(snapshot: Snapshot, catalog: Catalog, control: str) -> dict[str, str]:
    evaluation = evaluate_snapshot(snapshot, "digest", catalog, EstateConfig())
    return {
        f.resource_uid: f.status.value
        for f in evaluation.findings.findings
        if f.control_id == control
    }


# ───────────────────────────── the reference estate ─────────────────────────────


def test_tenancy_and_audit_trail_match_the_reference_estate(tmp_path: Path) -> None:
    run = collect(tmp_path, services=(TENANCY_SERVICE,))
    assert run.snapshot.gaps == []
    tenancy, expected = run.resource(TENANCY), reference_resource(TENANCY)
    assert (tenancy.name, tenancy.type, tenancy.kind, tenancy.region) == (
        expected["name"],
        expected["type"],
        expected["kind"],
        expected["region"],
    )
    props = dict(tenancy.props)
    assert sorted(props.pop("subscribed_regions")) == sorted(
        expected["props"].pop("subscribed_regions")
    )
    assert props == expected["props"]
    assert props == {
        "threat_detection": {"service": "cloud_guard", "enabled": True},
        "audit_retention_days": 365,
    }
    # Both pages of Cloud Guard targets are evidence; none of it becomes `plans`.
    assert [t["id"] for t in tenancy.raw["cloud_guard_targets"]] == TARGET_IDS
    assert tenancy.raw["cloud_guard_configuration"]["reporting_region"] == "eu-frankfurt-1"

    trail, expected = run.resource(TRAIL), reference_resource(TRAIL)
    assert trail.model_dump(mode="json", exclude={"raw"}) == {
        "tags": {},
        **{k: v for k, v in expected.items() if k != "raw"},
    }
    assert trail.raw == {"retention_period_days": 365}


def test_operations_are_exactly_the_declared_permissions(tmp_path: Path) -> None:
    run = collect(tmp_path)
    assert run.collected.operations == set(required_permissions(ALL))
    assert {
        op
        for op in run.collected.operations
        if op.split(".")[0] in {"audit", "cloudguard", "logging"}
    } == set(monitoring.PERMISSIONS)
    assert run.requests and all(r.signed for r in run.requests)
    assert {r.method for r in run.requests} == {"GET"}


def test_policy_statements_for_the_module() -> None:
    assert policy_statements(monitoring.PERMISSIONS.values(), "Auditors") == [
        "Allow group Auditors to read audit-events in tenancy",
        "Allow group Auditors to read cloud-guard-config in tenancy",
        "Allow group Auditors to inspect cloud-guard-targets in tenancy",
        "Allow group Auditors to inspect log-groups in tenancy",
    ]


def test_logging_marks_every_reference_bucket_as_data_events_logged(tmp_path: Path) -> None:
    run = collect(tmp_path)
    # objectstorage's own planted gap only; Logging had none
    assert [g.operation for g in run.snapshot.gaps] == ["list_preauthenticated_requests"]
    for name in BUCKETS:
        assert run.bucket(name).props["data_events_logged"] is True, name
    assert sorted(run.collected.patches, key=repr) == sorted(
        [
            PropPatch(objectstorage.BUCKET_TYPE, "eu-amsterdam-1", "datalake-personal-dr",
                      {"data_events_logged": True}),
            PropPatch(objectstorage.BUCKET_TYPE, "eu-frankfurt-1", "customer-exports",
                      {"data_events_logged": True}),
            PropPatch(objectstorage.BUCKET_TYPE, "eu-frankfurt-1", "datalake-archive",
                      {"data_events_logged": True}),
            PropPatch(objectstorage.BUCKET_TYPE, "eu-frankfurt-1", "datalake-personal",
                      {"data_events_logged": True}),
            PropPatch(monitoring.SUBNET_TYPE, "eu-frankfurt-1", SUBNET,
                      {"flow_logs_enabled": True}, uid=SUBNET),
            PropPatch(monitoring.VCN_TYPE, "eu-frankfurt-1", VCN,
                      {"flow_logs_enabled": True}, uid=VCN),
        ],
        key=repr,
    )  # fmt: skip
    # both pages of log groups and of logs were followed
    assert run.paths().count(LAKE_LOGS) == 2
    assert run.paths().count(FRA_GROUPS) == 4  # root, data-platform (2 pages), network


def test_flow_log_patches_reach_subnets_and_vcns_by_ocid(tmp_path: Path) -> None:
    run = collect(tmp_path, services=(LOGGING_SERVICE,))

    def net(uid: str, type_: str, kind: str, name: str) -> Resource:
        return Resource(
            uid=uid, cloud=Cloud.OCI, account=TENANCY, region="eu-frankfurt-1",
            type=type_, kind=kind, name=name,
        )  # fmt: skip

    network = [
        net(SUBNET, monitoring.SUBNET_TYPE, "net.subnet", "app-subnet"),
        net(VCN, monitoring.VCN_TYPE, "net.network", "prod-vcn"),
        net("ocid1.subnet.oc1.eu-frankfurt-1.other", monitoring.SUBNET_TYPE, "net.subnet", "x"),
    ]
    patched = {r.name: r.props for r in apply_patches(network, run.collected.patches)}
    assert patched == {
        "app-subnet": {"flow_logs_enabled": True},
        "prod-vcn": {"flow_logs_enabled": True},
        "x": {},
    }


# ───────────────────────────── what the logs say ─────────────────────────────


def _disable_exports_and_drop_archive(route: Route) -> None:
    assert route.pages is not None
    personal_write, _personal_read = route.pages[0]
    exports, _archive = route.pages[1]
    personal_write["isEnabled"] = False  # its read log is still on
    exports["isEnabled"] = False
    route.pages[1] = [exports]


def test_buckets_get_true_or_false_as_the_logs_say(tmp_path: Path) -> None:
    logs = edited(LAKE_LOGS, _disable_exports_and_drop_archive)
    run = collect(tmp_path, routes=[logs])
    assert run.bucket("datalake-personal").props["data_events_logged"] is True
    assert run.bucket("customer-exports").props["data_events_logged"] is False
    # No log names it and every log group was read: no data-event logging.
    assert run.bucket("datalake-archive").props["data_events_logged"] is False
    assert run.bucket("datalake-personal-dr").props["data_events_logged"] is True


def test_an_inactive_flow_log_is_false(tmp_path: Path) -> None:
    def deactivate_subnet_flows(route: Route) -> None:
        route.body[0]["lifecycleState"] = "INACTIVE"

    flows = edited(FLOW_LOGS, deactivate_subnet_flows)
    run = collect(tmp_path, services=(LOGGING_SERVICE,), routes=[flows])
    facts = {p.uid: p.props for p in run.collected.patches if p.uid}
    assert facts == {SUBNET: {"flow_logs_enabled": False}, VCN: {"flow_logs_enabled": True}}


# ───────────────────────────── faults ─────────────────────────────


def test_a_failed_log_listing_is_a_gap_and_withholds_false(tmp_path: Path) -> None:
    logs = edited(LAKE_LOGS, _disable_exports_and_drop_archive)
    run = collect(tmp_path, routes=[logs, fault(APP_LOGS, 500)])
    gaps = [g for g in run.snapshot.gaps if g.service == "logging"]
    assert sorted((g.resource_type, g.kind, tuple(g.fields or ())) for g in gaps) == [
        ("oci.core.subnet", "net.subnet", ("flow_logs_enabled",)),
        ("oci.core.vcn", "net.network", ("flow_logs_enabled",)),
        ("oci.objectstorage.bucket", "store.object", ("data_events_logged",)),
    ]
    assert {(g.region, g.operation, g.error_class, g.resource_uid) for g in gaps} == {
        ("eu-frankfurt-1", "list_logs", "ServerError500", None)
    }
    # an enabled log is still proof; a disabled one is not, since the unread group may
    # hold an enabled log for the same bucket
    assert run.bucket("datalake-personal").props["data_events_logged"] is True
    assert "data_events_logged" not in run.bucket("customer-exports").props
    assert run.bucket("datalake-personal-dr").props["data_events_logged"] is True  # Amsterdam


def test_a_refused_log_group_listing_is_a_gap_in_that_region_only(tmp_path: Path) -> None:
    refused = fault(AMS_GROUPS, 403, {"compartmentId": DATA})
    run = collect(tmp_path, routes=[refused])
    gaps = [g for g in run.snapshot.gaps if g.service == "logging"]
    assert {(g.region, g.operation, g.error_class) for g in gaps} == {
        ("eu-amsterdam-1", "list_log_groups", "NotAuthorizedOrNotFound")
    }
    assert len(gaps) == 3
    assert "data_events_logged" not in run.bucket("datalake-personal-dr").props
    for name in ("customer-exports", "datalake-archive", "datalake-personal"):
        assert run.bucket(name).props["data_events_logged"] is True


def test_a_throttled_second_page_drops_the_whole_listing(tmp_path: Path) -> None:
    throttled = fault(FRA_GROUPS, 429, {"compartmentId": DATA, "page": "1"})
    run = collect(tmp_path, routes=[throttled])
    gaps = [g for g in run.snapshot.gaps if g.service == "logging"]
    assert {(g.region, g.operation, g.error_class) for g in gaps} == {
        ("eu-frankfurt-1", "list_log_groups", "TooManyRequests")
    }
    # the first page's group is not read on its own: the region is inconclusive instead
    assert LAKE_LOGS not in run.paths()
    for name in ("customer-exports", "datalake-archive", "datalake-personal"):
        assert "data_events_logged" not in run.bucket(name).props
    assert run.bucket("datalake-personal-dr").props["data_events_logged"] is True
    assert {p.uid for p in run.collected.patches if p.uid} == {SUBNET, VCN}  # network group


def test_an_audit_failure_leaves_the_always_on_facts(tmp_path: Path) -> None:
    run = collect(tmp_path, services=(TENANCY_SERVICE,), routes=[fault(AUDIT_CONFIG, 500)])
    gaps = sorted(run.snapshot.gaps, key=lambda g: str(g.resource_uid))
    assert [
        (g.service, g.operation, g.error_class, g.resource_uid, g.kind, g.fields) for g in gaps
    ] == [
        ("audit", "get_configuration", "ServerError500", TENANCY, "account",
         ["audit_retention_days"]),
        ("audit", "get_configuration", "ServerError500", TRAIL, "log.trail", ["retention_days"]),
    ]  # fmt: skip
    assert run.resource(TRAIL).props == {"multi_region": True, "is_logging": True}
    tenancy = run.resource(TENANCY).props
    assert "audit_retention_days" not in tenancy
    assert tenancy["threat_detection"] == {"service": "cloud_guard", "enabled": True}


def test_a_refused_cloud_guard_configuration_is_a_gap(tmp_path: Path) -> None:
    run = collect(tmp_path, services=(TENANCY_SERVICE,), routes=[fault(GUARD_CONFIG, 403)])
    gaps = [(g.service, g.operation, g.error_class, g.resource_uid) for g in run.snapshot.gaps]
    assert gaps == [("cloudguard", "get_configuration", "NotAuthorizedOrNotFound", TENANCY)]
    assert run.snapshot.gaps[0].fields == ["threat_detection"]
    tenancy = run.resource(TENANCY)
    assert "threat_detection" not in tenancy.props
    assert tenancy.props["audit_retention_days"] == 365
    assert GUARD_TARGETS not in run.paths()  # targets are not guessed at


def test_targets_are_read_in_the_reporting_region(tmp_path: Path) -> None:
    def report_from_amsterdam(route: Route) -> None:
        route.body["reportingRegion"] = "eu-amsterdam-1"

    def serve_from_amsterdam(route: Route) -> None:
        route.path = "/eu-amsterdam-1/20200131/targets"

    routes = [
        edited(GUARD_CONFIG, report_from_amsterdam),
        edited(GUARD_TARGETS, serve_from_amsterdam),
    ]
    run = collect(tmp_path, services=(TENANCY_SERVICE,), routes=routes)
    assert run.snapshot.gaps == []
    assert GUARD_TARGETS not in run.paths()
    assert run.paths().count("/eu-amsterdam-1/20200131/targets") == 2
    tenancy = run.resource(TENANCY)
    assert [t["id"] for t in tenancy.raw["cloud_guard_targets"]] == TARGET_IDS
    assert tenancy.region == "eu-frankfurt-1"


def test_a_failure_in_the_reporting_region_is_a_gap_there(tmp_path: Path) -> None:
    def report_from_amsterdam(route: Route) -> None:
        route.body["reportingRegion"] = "eu-amsterdam-1"

    refused = fault("/eu-amsterdam-1/20200131/targets", 403)
    routes = [edited(GUARD_CONFIG, report_from_amsterdam), refused]
    run = collect(tmp_path, services=(TENANCY_SERVICE,), routes=routes)
    assert [(g.region, g.operation, g.error_class) for g in run.snapshot.gaps] == [
        ("eu-amsterdam-1", "list_targets", "NotAuthorizedOrNotFound")
    ]
    assert run.resource(TENANCY).props["threat_detection"]["enabled"] is True


def test_throttled_targets_are_a_gap_that_keeps_the_status(tmp_path: Path) -> None:
    run = collect(tmp_path, services=(TENANCY_SERVICE,), routes=[fault(GUARD_TARGETS, 429)])
    assert [(g.operation, g.error_class, g.resource_uid, g.fields) for g in run.snapshot.gaps] == [
        ("list_targets", "TooManyRequests", TENANCY, ["cloud_guard_targets"])
    ]
    tenancy = run.resource(TENANCY)
    assert tenancy.props["threat_detection"] == {"service": "cloud_guard", "enabled": True}
    assert "cloud_guard_targets" not in tenancy.raw


def test_disabled_cloud_guard_is_not_enabled_and_has_no_targets(tmp_path: Path) -> None:
    def disable(route: Route) -> None:
        route.body = {"reportingRegion": None, "status": "DISABLED", "selfManageResources": False}

    run = collect(tmp_path, services=(TENANCY_SERVICE,), routes=[edited(GUARD_CONFIG, disable)])
    assert run.snapshot.gaps == []
    tenancy = run.resource(TENANCY)
    assert tenancy.props["threat_detection"] == {"service": "cloud_guard", "enabled": False}
    assert GUARD_TARGETS not in run.paths()


# ───────────────────────────── through the controls ─────────────────────────────


def test_controls_pass_on_the_reference_and_fail_when_cloud_guard_is_off(
    tmp_path: Path, catalog: Catalog
) -> None:
    run = collect(tmp_path, services=(TENANCY_SERVICE,))
    assert statuses(run.snapshot, catalog, "LOG-001") == {TRAIL: "pass"}
    assert statuses(run.snapshot, catalog, "MON-001") == {TENANCY: "pass"}

    def disable(route: Route) -> None:
        route.body = {"status": "DISABLED"}

    (tmp_path / "off").mkdir()
    off = collect(tmp_path / "off", (TENANCY_SERVICE,), [edited(GUARD_CONFIG, disable)])
    assert statuses(off.snapshot, catalog, "MON-001") == {TENANCY: "fail"}


# ───────────────────────────── pure functions ─────────────────────────────


def log(service: str, resource: str, category: str, enabled: bool = True) -> dict[str, Any]:
    source = {"source_type": "OCISERVICE", "service": service, "resource": resource}
    return {
        "is_enabled": enabled,
        "lifecycle_state": "ACTIVE",
        "configuration": {"source": {**source, "category": category}},
    }


def test_bucket_data_events_reads_only_object_access_logs() -> None:
    logs = [
        log("objectstorage", "a", "write", enabled=False),
        log("objectstorage", "a", "read"),
        log("objectstorage", "b", "write", enabled=False),
        log("objectstorage", "c", "other"),
        log("flowlogs", "d", "write"),
        {"is_enabled": True, "lifecycle_state": "ACTIVE", "configuration": None},
        {"is_enabled": True, "lifecycle_state": "ACTIVE"},
    ]
    assert monitoring.bucket_data_events(logs) == {"a": True, "b": False}


def test_flow_log_facts_by_category() -> None:
    logs = [
        log("flowlogs", "ocid1.subnet.x", "subnet"),
        log("flowlogs", "ocid1.subnet.y", "all", enabled=False),
        log("flowlogs", "ocid1.vcn.z", "vcn"),
        log("flowlogs", "ocid1.vnic.w", "vnic"),
    ]
    assert monitoring.flow_log_facts(logs) == {
        "ocid1.subnet.x": (monitoring.SUBNET_TYPE, True),
        "ocid1.subnet.y": (monitoring.SUBNET_TYPE, False),
        "ocid1.vcn.z": (monitoring.VCN_TYPE, True),
    }
