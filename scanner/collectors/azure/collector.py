"""Collect Azure: the identity's subscriptions (or ``--azure-subscriptions``), every
registered service in each, on a bounded thread pool.

Services are registered explicitly in :data:`SERVICES`; each runs once per subscription.
Entra ID (Microsoft Graph) is not collected by this version.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import version

from scanner import __version__
from scanner.collectors.azure import (
    authorization,
    connectivity,
    defender,
    keyvault,
    monitor,
    network,
    scope,
    storage,
    vnets,
)
from scanner.collectors.azure.clients import AzureClients, AzureOptions
from scanner.collectors.azure.context import GLOBAL, AzureUnit
from scanner.collectors.base import Collected, Service, UnitProgress, finalise_resources
from scanner.model import CloudScope, Manifest, Snapshot

SERVICES: tuple[Service[AzureUnit], ...] = (
    Service("storage", storage.collect, False, storage.PERMISSIONS),
    Service("keyvault", keyvault.collect, False, keyvault.PERMISSIONS),
    Service("defender", defender.collect, False, defender.PERMISSIONS),
    Service("monitor", monitor.collect, False, monitor.PERMISSIONS),
    Service("network", network.collect, False, network.PERMISSIONS),
    Service("vnets", vnets.collect, False, vnets.PERMISSIONS),
    Service("connectivity", connectivity.collect, False, connectivity.PERMISSIONS),
    Service("authorization", authorization.collect, False, authorization.PERMISSIONS),
)
SDK_PACKAGES = (
    "azure-identity",
    "azure-mgmt-authorization",
    "azure-mgmt-keyvault",
    "azure-mgmt-network",
    "azure-mgmt-security",
    "azure-mgmt-storage",
)


def required_permissions(services: Sequence[Service[AzureUnit]] = SERVICES) -> dict[str, str]:
    needs = dict(scope.PERMISSIONS)
    for service in services:
        needs.update(service.permissions)
    return needs


def collect_azure(
    options: AzureOptions,
    services: Sequence[Service[AzureUnit]] = SERVICES,
    progress: UnitProgress | None = None,
    clients: AzureClients | None = None,
) -> tuple[Snapshot, Collected, AzureClients]:
    started = datetime.now(UTC)
    root = clients or AzureClients.from_options(options)
    root.identify()
    found, collected = scope.fetch_subscriptions(root, options.subscriptions)
    units: list[tuple[Service[AzureUnit], AzureUnit]] = []
    for item in found:
        subscription, prepared = scope.prepare(root, item)
        collected.extend(prepared)
        units.extend((service, AzureUnit(root, subscription)) for service in services)
    with ThreadPoolExecutor(max_workers=max(1, options.max_workers)) as pool:
        futures = [pool.submit(service.collect, unit) for service, unit in units]
        for done, ((service, unit), future) in enumerate(zip(units, futures, strict=True), 1):
            collected.extend(future.result())
            if progress is not None:
                progress(f"{service.name} {unit.subscription.id}", done, len(units))
    resources = finalise_resources(collected)
    finished = datetime.now(UTC)
    manifest = Manifest(
        scanner_version=__version__,
        sdk_versions={name: version(name) for name in SDK_PACKAGES},
        scope={
            "azure": CloudScope(
                accounts=sorted(str(item["subscriptionId"]) for item in found),
                regions=sorted({r.region for r in resources} - {GLOBAL}),
                caller=root.caller,
            )
        },
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        finished_at=finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    snapshot = Snapshot(
        manifest=manifest, resources=resources, edges=collected.edges, gaps=collected.gaps
    ).normalised()
    return snapshot, collected, root
