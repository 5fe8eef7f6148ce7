"""Collect an OCI tenancy: scope discovery, then services × regions on a bounded pool.

Services are registered explicitly in :data:`SERVICES`. Tenancy-wide services run once,
in the home region; regional services run in every collected region. Each unit returns a
partial snapshot; :func:`merge` combines them deterministically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import oci

from scanner import __version__
from scanner.collectors.base import Collected, PropPatch
from scanner.collectors.oci import objectstorage
from scanner.collectors.oci.clients import OciClients, OciOptions
from scanner.collectors.oci.context import OciUnit, ServiceCollector
from scanner.collectors.oci.scope import discover_scope
from scanner.model import CloudScope, Manifest, Resource, Snapshot


@dataclass(frozen=True)
class Service:
    name: str
    collect: ServiceCollector
    regional: bool


SERVICES: tuple[Service, ...] = (Service("objectstorage", objectstorage.collect, regional=True),)

UnitProgress = Callable[[str, int, int], None]
"""Called as (unit label, done, total) as units finish."""


def plan_units(
    services: Sequence[Service], regions: Sequence[str], home: str
) -> list[tuple[Service, str]]:
    return [
        (service, region)
        for service in services
        for region in (regions if service.regional else [home])
    ]


def merge_resources(resources: Sequence[Resource]) -> list[Resource]:
    """Resources with the same uid (filled by several services) become one."""
    merged: dict[str, Resource] = {}
    for resource in sorted(resources, key=lambda r: (r.uid, r.type)):
        first = merged.get(resource.uid)
        if first is None:
            merged[resource.uid] = resource
            continue
        merged[resource.uid] = first.model_copy(
            update={
                "props": {
                    **first.props,
                    **{k: v for k, v in resource.props.items() if v is not None},
                },
                "tags": {**first.tags, **resource.tags},
                "raw": {**first.raw, **resource.raw},
            }
        )
    return [merged[uid] for uid in sorted(merged)]


def apply_patches(resources: list[Resource], patches: Sequence[PropPatch]) -> list[Resource]:
    """Merge each patch into the resource of that type, region and name (if collected)."""
    index = {(r.type, r.region, r.name): i for i, r in enumerate(resources)}
    patched = list(resources)
    ordered = sorted(patches, key=lambda p: (p.type, p.region, p.name, sorted(p.props)))
    for patch in ordered:
        position = index.get((patch.type, patch.region, patch.name))
        if position is not None:
            target = patched[position]
            patched[position] = target.model_copy(update={"props": {**target.props, **patch.props}})
    return patched


def resolve_bucket_refs(resources: list[Resource]) -> list[Resource]:
    """Replication targets named by (region, namespace, bucket) → the bucket's OCID."""
    by_ref = {
        objectstorage.bucket_ref(r.region, str(r.raw.get("namespace")), r.name): r.uid
        for r in resources
        if r.type == objectstorage.BUCKET_TYPE
    }
    resolved = []
    for resource in resources:
        targets = resource.props.get("replication_targets")
        if resource.type == objectstorage.BUCKET_TYPE and targets:
            new_targets = [
                {**t, "dst_uid": by_ref.get(t["dst_uid"], t["dst_uid"])} for t in targets
            ]
            resource = resource.model_copy(
                update={"props": {**resource.props, "replication_targets": new_targets}}
            )
        resolved.append(resource)
    return resolved


def collect_oci(
    options: OciOptions,
    services: Sequence[Service] = SERVICES,
    progress: UnitProgress | None = None,
) -> tuple[Snapshot, Collected]:
    """Collect one tenancy; returns the snapshot and the merged parts (with operations)."""
    started = datetime.now(UTC)
    clients = OciClients.from_options(options)
    scope, collected = discover_scope(clients)
    units = plan_units(services, scope.regions, scope.home_region)
    with ThreadPoolExecutor(max_workers=max(1, options.max_workers)) as pool:
        futures = [
            pool.submit(service.collect, OciUnit(clients, scope, region))
            for service, region in units
        ]
        for done, ((service, region), future) in enumerate(zip(units, futures, strict=True), 1):
            collected.extend(future.result())
            if progress is not None:
                progress(f"{service.name} {region}", done, len(units))
    resources = resolve_bucket_refs(
        apply_patches(merge_resources(collected.resources), collected.patches)
    )
    finished = datetime.now(UTC)
    manifest = Manifest(
        scanner_version=__version__,
        sdk_versions={"oci": oci.__version__},
        scope={
            "oci": CloudScope(
                accounts=[scope.tenancy],
                regions=list(scope.regions),
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
