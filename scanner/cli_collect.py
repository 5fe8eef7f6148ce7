"""Command-line options and glue for live collection (``scan --cloud``, ``collect``,
``permissions``). Each cloud's collector is registered explicitly in :data:`COLLECTABLE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli_support import EXIT_ERROR, progress_hook
from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import collect_aws
from scanner.collectors.aws.collector import required_permissions as aws_permissions
from scanner.collectors.aws.permissions import aws_policy_document
from scanner.collectors.azure.clients import ARM_ENDPOINT_ENV, CLOUDS, AzureOptions
from scanner.collectors.azure.collector import collect_azure
from scanner.collectors.azure.collector import required_permissions as azure_permissions
from scanner.collectors.azure.permissions import GRAPH_NOTE, role_definition
from scanner.collectors.oci.clients import ENDPOINT_ENV, AuthMode, OciOptions
from scanner.collectors.oci.collector import collect_oci
from scanner.collectors.oci.collector import required_permissions as oci_permissions
from scanner.collectors.oci.permissions import permission_report
from scanner.collectors.refs import resolve_references
from scanner.model import Cloud, Snapshot
from scanner.pipeline import ProgressHook
from scanner.snapshot import write_snapshot
from scanner.snapshot.merge import merge_snapshots

OciConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--oci-config",
        metavar="FILE",
        help="OCI config file (default ~/.oci/config).",
        rich_help_panel="OCI",
    ),
]
OciProfileOpt = Annotated[
    str,
    typer.Option("--oci-profile", help="Profile in the OCI config file.", rich_help_panel="OCI"),
]
OciAuthOpt = Annotated[
    str,
    typer.Option(
        "--oci-auth",
        help="config (API key from the config file), instance_principal or resource_principal.",
        rich_help_panel="OCI",
    ),
]
OciEndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--oci-endpoint",
        envvar=ENDPOINT_ENV,
        metavar="URL",
        help="Base URL for every OCI service client (private endpoints, emulators); "
        "{region} is replaced by the region. Requests are still signed.",
        rich_help_panel="OCI",
    ),
]
RegionsOpt = Annotated[
    str | None,
    typer.Option(
        "--regions",
        metavar="LIST",
        help="Regions to collect, comma-separated. Default: every subscribed region.",
        rich_help_panel="Collection",
    ),
]
AwsProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--aws-profile",
        help="Profile of the AWS config (default: the standard credential chain).",
        rich_help_panel="AWS",
    ),
]
AwsOrgRoleOpt = Annotated[
    str | None,
    typer.Option(
        "--aws-org-role",
        metavar="ROLE",
        help="Assume this role in every member account of the organisation.",
        rich_help_panel="AWS",
    ),
]
AzureSubscriptionsOpt = Annotated[
    str | None,
    typer.Option(
        "--azure-subscriptions",
        metavar="LIST",
        help="Subscription ids to collect, comma-separated. Default: every subscription "
        "the identity can read.",
        rich_help_panel="Azure",
    ),
]
AzureTenantOpt = Annotated[
    str | None,
    typer.Option(
        "--azure-tenant", metavar="TENANT", help="Tenant to sign in to.", rich_help_panel="Azure"
    ),
]
AzureCloudOpt = Annotated[
    str,
    typer.Option(
        "--azure-cloud",
        metavar="NAME",
        help=f"Azure cloud: {', '.join(CLOUDS)}.",
        rich_help_panel="Azure",
    ),
]
AzureArmEndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--azure-arm-endpoint",
        envvar=ARM_ENDPOINT_ENV,
        metavar="URL",
        help="Base URL for every ARM call (private endpoints, emulators). A bearer token "
        "goes over plain http only to a loopback address.",
        rich_help_panel="Azure",
    ),
]
AttemptsOpt = Annotated[
    int,
    typer.Option(
        "--max-attempts",
        min=1,
        max=10,
        help="Attempts per API call on throttling and server errors (1: no retries).",
        rich_help_panel="Collection",
    ),
]
WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers",
        "--max-workers",
        min=1,
        max=64,
        help="Parallel API workers (bounded thread pool).",
        rich_help_panel="Collection",
    ),
]


@dataclass(frozen=True)
class CollectOptions:
    oci_config: Path | None = None
    oci_profile: str = "DEFAULT"
    oci_auth: str = "config"
    oci_endpoint: str | None = None
    regions: str | None = None
    workers: int = 8
    aws_profile: str | None = None
    aws_org_role: str | None = None
    max_attempts: int = 3
    azure_subscriptions: str | None = None
    azure_tenant: str | None = None
    azure_cloud: str = "AzurePublicCloud"
    azure_arm_endpoint: str | None = None

    def region_list(self) -> tuple[str, ...]:
        return tuple(r.strip() for r in (self.regions or "").split(",") if r.strip())

    def aws(self) -> AwsOptions:
        return AwsOptions(
            profile=self.aws_profile,
            regions=self.region_list(),
            org_role=self.aws_org_role,
            max_workers=self.workers,
            max_attempts=self.max_attempts,
        )

    def azure(self) -> AzureOptions:
        if self.azure_cloud not in CLOUDS:
            raise typer.BadParameter(f"use one of {', '.join(CLOUDS)}", param_hint="--azure-cloud")
        subscriptions = (self.azure_subscriptions or "").split(",")
        return AzureOptions(
            subscriptions=tuple(s.strip() for s in subscriptions if s.strip()),
            tenant=self.azure_tenant,
            cloud=self.azure_cloud,
            arm_endpoint=self.azure_arm_endpoint,
            max_attempts=self.max_attempts,
            max_workers=self.workers,
        )

    def oci(self) -> OciOptions:
        if self.oci_auth not in ("config", "instance_principal", "resource_principal"):
            raise typer.BadParameter(
                "use config, instance_principal or resource_principal", param_hint="--oci-auth"
            )
        auth: AuthMode = self.oci_auth  # type: ignore[assignment]
        return OciOptions(
            auth=auth,
            config_file=self.oci_config,
            profile=self.oci_profile,
            regions=self.region_list(),
            endpoint=self.oci_endpoint,
            max_workers=self.workers,
            retry_attempts=self.max_attempts,
        )


def require_collectable(clouds: list[str]) -> list[Cloud]:
    """The clouds to collect; exit 2 with a clear message for one without a collector."""
    if not clouds:
        typer.echo(
            "error: say what to scan: --cloud oci (live), --demo, or --snapshot SNAPSHOT_DIR",
            err=True,
        )
        raise typer.Exit(EXIT_ERROR)
    selected = [Cloud(c) for c in clouds]
    missing = [c.value for c in selected if c not in COLLECTABLE]
    if missing:
        typer.echo(
            f"error: live collection for {', '.join(missing)} is not available yet "
            f"(available: {', '.join(c.value for c in COLLECTABLE)}); "
            "evaluate a saved snapshot with --snapshot or `auditgraph evaluate`",
            err=True,
        )
        raise typer.Exit(EXIT_ERROR)
    return selected


def _collect_oci(options: CollectOptions, hook: ProgressHook | None) -> Snapshot:
    snapshot, _ = collect_oci(options.oci(), progress=hook)
    return snapshot


def _collect_aws(options: CollectOptions, hook: ProgressHook | None) -> Snapshot:
    snapshot, _, _ = collect_aws(options.aws(), progress=hook)
    return snapshot


def _collect_azure(options: CollectOptions, hook: ProgressHook | None) -> Snapshot:
    snapshot, _, _ = collect_azure(options.azure(), progress=hook)
    return snapshot


def _oci_permissions(group: str) -> list[str]:
    return permission_report(oci_permissions().values(), group)


def _aws_permissions(group: str) -> list[str]:
    return [aws_policy_document(aws_permissions(organisation=True).values())]


def _azure_permissions(group: str) -> list[str]:
    return [role_definition(azure_permissions().values()), GRAPH_NOTE]


COLLECTORS: dict[Cloud, Callable[[CollectOptions, ProgressHook | None], Snapshot]] = {
    Cloud.OCI: _collect_oci,
    Cloud.AWS: _collect_aws,
    Cloud.AZURE: _collect_azure,
}
"""Clouds with a live collector in this version, registered explicitly."""
PERMISSION_REPORTS: dict[Cloud, Callable[[str], list[str]]] = {
    Cloud.OCI: _oci_permissions,
    Cloud.AWS: _aws_permissions,
    Cloud.AZURE: _azure_permissions,
}
COLLECTABLE: tuple[Cloud, ...] = tuple(COLLECTORS)


def collect_to(
    folder: Path, clouds: list[Cloud], options: CollectOptions, show_progress: bool
) -> Snapshot:
    """Collect each cloud, merge the parts, write the snapshot folder."""
    parts = []
    for cloud in clouds:
        with progress_hook(show_progress, 1, verb="Collecting", noun=cloud.value) as hook:
            parts.append(COLLECTORS[cloud](options, hook))
    return write_snapshot(resolve_references(merge_snapshots(parts)), folder)


def print_permissions(cloud: Cloud, group: str) -> None:
    report = PERMISSION_REPORTS.get(cloud)
    if report is None:
        typer.echo(f"error: no collector for {cloud.value} in this version", err=True)
        raise typer.Exit(EXIT_ERROR)
    for line in report(group):
        typer.echo(line)
