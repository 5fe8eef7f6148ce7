"""Collect AWS: the caller's account (or every organisation member through
``--aws-org-role``), every enabled region, services on a bounded thread pool.

Services are registered explicitly in :data:`SERVICES`; global ones (IAM, S3 listing)
run once per account, regional ones in every region.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import boto3

from scanner import __version__
from scanner.collectors.aws import (
    audit,
    datasync,
    directconnect,
    guardduty,
    iam,
    kms,
    network,
    s3,
    scope,
    trail_events,
    vpn,
)
from scanner.collectors.aws.clients import AwsClients, AwsOptions, OperationLog
from scanner.collectors.aws.context import GLOBAL, AwsUnit
from scanner.collectors.aws.errors import classify_aws_error
from scanner.collectors.base import Collected, Service, UnitProgress, finalise_resources
from scanner.model import Cloud, CloudScope, CollectionGap, Manifest, Snapshot

SERVICES: tuple[Service[AwsUnit], ...] = (
    Service("iam", iam.collect, False, iam.PERMISSIONS),
    Service("s3", s3.collect, False, s3.PERMISSIONS),
    Service("kms", kms.collect, True, kms.PERMISSIONS),
    Service("network", network.collect, True, network.PERMISSIONS),
    Service("vpn", vpn.collect, True, vpn.PERMISSIONS),
    Service("directconnect", directconnect.collect, True, directconnect.PERMISSIONS),
    Service("cloudtrail", audit.collect, True, audit.PERMISSIONS),
    Service("cloudtrail-data-events", trail_events.collect, False, trail_events.PERMISSIONS),
    Service("guardduty", guardduty.collect, False, guardduty.PERMISSIONS),
    Service("datasync", datasync.collect, True, datasync.PERMISSIONS),
)


def required_permissions(
    services: Sequence[Service[AwsUnit]] = SERVICES, organisation: bool = False
) -> dict[str, str]:
    needs = dict(scope.PERMISSIONS)
    if organisation:
        needs.update(scope.ORG_PERMISSIONS)
    for service in services:
        needs.update(service.permissions)
    return needs


def _account_clients(root: AwsClients, account: str, collected: Collected) -> AwsClients | None:
    if account == root.account or root.options.org_role is None:
        return root
    try:
        return root.assume(account, root.options.org_role)
    except Exception as exc:
        classified = classify_aws_error(exc)
        if classified is None:
            raise
        collected.operations.add("sts.assume_role")
        collected.gaps.append(
            CollectionGap(
                cloud=Cloud.AWS,
                account=account,
                service="sts",
                operation="assume_role",
                error_class=classified[0],
                message=classified[1],
            )
        )
        return None


def collect_aws(
    options: AwsOptions,
    services: Sequence[Service[AwsUnit]] = SERVICES,
    progress: UnitProgress | None = None,
    clients: AwsClients | None = None,
) -> tuple[Snapshot, Collected, OperationLog]:
    """Collect; ``clients`` is the one seam for tests that need botocore's Stubber."""
    started = datetime.now(UTC)
    root = clients or AwsClients.from_options(options)
    root.identify()
    collected = Collected()
    accounts = [root.account]
    if options.org_role:
        accounts, org = scope.organisation_accounts(root)
        collected.extend(org)
    units: list[tuple[Service[AwsUnit], AwsUnit]] = []
    scoped_regions: set[str] = set()
    for account in accounts:
        account_clients = _account_clients(root, account, collected)
        if account_clients is None:
            continue
        account_clients.account = account
        regions, discovered = scope.discover_regions(account_clients)
        collected.extend(discovered)
        scoped_regions.update(regions)
        account_scope = scope.scope_for(account_clients, regions)
        for service in services:
            for region in regions if service.regional else (GLOBAL,):
                units.append((service, AwsUnit(account_clients, account_scope, region)))
    with ThreadPoolExecutor(max_workers=max(1, options.max_workers)) as pool:
        futures = [pool.submit(service.collect, unit) for service, unit in units]
        for done, ((service, unit), future) in enumerate(zip(units, futures, strict=True), 1):
            collected.extend(future.result())
            if progress is not None:
                progress(f"{service.name} {unit.scope.account} {unit.region}", done, len(units))
    finished = datetime.now(UTC)
    manifest = Manifest(
        scanner_version=__version__,
        sdk_versions={"boto3": boto3.__version__},
        scope={
            "aws": CloudScope(
                accounts=accounts, regions=sorted(scoped_regions), caller=root.caller_arn
            )
        },
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        finished_at=finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    snapshot = Snapshot(
        manifest=manifest,
        resources=finalise_resources(collected),
        edges=collected.edges,
        gaps=collected.gaps,
    ).normalised()
    return snapshot, collected, root.log
