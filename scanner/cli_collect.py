"""Command-line options and glue for live collection (``scan --cloud``, ``collect``,
``permissions``). Each cloud's collector is registered explicitly in :data:`COLLECTABLE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli_support import EXIT_ERROR, progress_hook
from scanner.collectors.oci.clients import ENDPOINT_ENV, AuthMode, OciOptions
from scanner.collectors.oci.collector import collect_oci, required_permissions
from scanner.collectors.oci.permissions import permission_report
from scanner.model import Cloud, Snapshot
from scanner.snapshot import write_snapshot

COLLECTABLE: tuple[Cloud, ...] = (Cloud.OCI,)
"""Clouds with a live collector in this version."""

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
WorkersOpt = Annotated[
    int,
    typer.Option(
        "--workers", min=1, max=64, help="Parallel API workers.", rich_help_panel="Collection"
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

    def oci(self) -> OciOptions:
        if self.oci_auth not in ("config", "instance_principal", "resource_principal"):
            raise typer.BadParameter(
                "use config, instance_principal or resource_principal", param_hint="--oci-auth"
            )
        auth: AuthMode = self.oci_auth  # type: ignore[assignment]
        regions = tuple(r.strip() for r in (self.regions or "").split(",") if r.strip())
        return OciOptions(
            auth=auth,
            config_file=self.oci_config,
            profile=self.oci_profile,
            regions=regions,
            endpoint=self.oci_endpoint,
            max_workers=self.workers,
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


def collect_to(folder: Path, options: CollectOptions, show_progress: bool) -> Snapshot:
    """Collect OCI (the one live collector) and write the snapshot folder."""
    oci_options = options.oci()
    with progress_hook(show_progress, 1, verb="Collecting", noun="OCI") as hook:
        snapshot, _ = collect_oci(oci_options, progress=hook)
    return write_snapshot(snapshot, folder)


def print_permissions(cloud: Cloud, group: str) -> None:
    if cloud not in COLLECTABLE:
        typer.echo(f"error: no collector for {cloud.value} in this version", err=True)
        raise typer.Exit(EXIT_ERROR)
    for line in permission_report(required_permissions().values(), group):
        typer.echo(line)
