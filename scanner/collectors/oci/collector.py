"""Collect an OCI tenancy: scope discovery, then services × regions on a bounded pool.

Services are registered explicitly in :data:`SERVICES`. Tenancy-wide services run once,
in the home region; regional services run in every collected region. Each unit returns a
partial snapshot; :func:`merge` combines them deterministically.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import oci

from scanner import __version__
from scanner.collectors.base import (
    Collected,
    Service,
    UnitProgress,
    finalise_resources,
    with_props,
)
from scanner.collectors.oci import (
    connectivity,
    domains,
    identity,
    kms,
    monitoring,
    network,
    objectstorage,
    scope,
)
from scanner.collectors.oci.clients import OciClients, OciOptions
from scanner.collectors.oci.context import OciUnit
from scanner.collectors.oci.permissions import declared_permissions
from scanner.collectors.oci.scope import discover_scope
from scanner.collectors.refs import reference_index, resolve_in_resources
from scanner.model import CloudScope, Manifest, Resource, Snapshot

SERVICES: tuple[Service[OciUnit], ...] = (
    Service("identity", identity.collect, False, identity.PERMISSIONS),
    Service("identity_domains", domains.collect, False, domains.PERMISSIONS),
    Service("monitoring", monitoring.collect_tenancy, False, monitoring.TENANCY_PERMISSIONS),
    Service("objectstorage", objectstorage.collect, True, objectstorage.PERMISSIONS),
    Service("kms", kms.collect, True, kms.PERMISSIONS),
    Service("core", network.collect, True, network.PERMISSIONS),
    Service("core", connectivity.collect, True, connectivity.PERMISSIONS),
    Service("logging", monitoring.collect_regional, True, monitoring.REGIONAL_PERMISSIONS),
)


def required_permissions(services: Sequence[Service[OciUnit]] = SERVICES) -> dict[str, str]:
    """Every operation the collector may call → what it needs, scope discovery included."""
    return declared_permissions(
        [(scope.SERVICE, scope.PERMISSIONS), *((s.name, s.permissions) for s in services)]
    )


def plan_units(
    services: Sequence[Service[OciUnit]], regions: Sequence[str], home: str
) -> list[tuple[Service[OciUnit], str]]:
    return [
        (service, region)
        for service in services
        for region in (regions if service.regional else [home])
    ]


def inherit_vcn_flow_logs(resources: list[Resource]) -> list[Resource]:
    """A VCN-wide flow log covers each of its subnets."""
    vcn_logged = {
        r.uid for r in resources if r.kind == "net.network" and r.props.get("flow_logs_enabled")
    }
    return [
        with_props(r, props={**r.props, "flow_logs_enabled": True})
        if r.kind == "net.subnet"
        and not r.props.get("flow_logs_enabled")
        and r.props.get("network_uid") in vcn_logged
        else r
        for r in resources
    ]


def collect_oci(
    options: OciOptions,
    services: Sequence[Service[OciUnit]] = SERVICES,
    progress: UnitProgress | None = None,
) -> tuple[Snapshot, Collected]:
    """Collect one tenancy; returns the snapshot and the merged parts (with operations)."""
    started = datetime.now(UTC)
    clients = OciClients.from_options(options)
    tenancy_scope, collected = discover_scope(clients)
    units = plan_units(services, tenancy_scope.regions, tenancy_scope.home_region)
    with ThreadPoolExecutor(max_workers=max(1, options.max_workers)) as pool:
        futures = [
            pool.submit(service.collect, OciUnit(clients, tenancy_scope, region))
            for service, region in units
        ]
        for done, ((service, region), future) in enumerate(zip(units, futures, strict=True), 1):
            collected.extend(future.result())
            if progress is not None:
                progress(f"{service.name} {region}", done, len(units))
    resources = inherit_vcn_flow_logs(finalise_resources(collected))
    resources = resolve_in_resources(resources, reference_index(resources))
    finished = datetime.now(UTC)
    manifest = Manifest(
        scanner_version=__version__,
        sdk_versions={"oci": oci.__version__},
        scope={
            "oci": CloudScope(
                accounts=[tenancy_scope.tenancy],
                regions=list(tenancy_scope.regions),
                caller=str(clients.config.get("user") or options.auth),
            )
        },
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        finished_at=finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    snapshot = Snapshot(
        manifest=manifest, resources=resources, edges=collected.edges, gaps=collected.gaps
    ).normalised()
    return snapshot, collected
