"""Discover what to collect: subscribed regions and the active compartment tree."""

from __future__ import annotations

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci.clients import OciClients
from scanner.collectors.oci.context import OciScope, list_all
from scanner.collectors.oci.errors import classify_oci_error
from scanner.model import Cloud, CollectionGap, Resource

SERVICE = "identity"
PERMISSIONS: dict[str, str] = {
    "list_region_subscriptions": "inspect tenancies",
    "get_tenancy": "inspect tenancies",
    "list_compartments": "inspect compartments",
}
"""Each SDK operation scope discovery calls → the OCI policy verb and resource type."""


def discover_scope(clients: OciClients) -> tuple[OciScope, Collected]:
    """Regions and compartments; the tenancy and compartments become resources too."""
    tenancy, home = clients.tenancy, clients.home_region
    rec = Recorder(Cloud.OCI, tenancy, home, SERVICE, classify_oci_error)
    identity = clients.identity(home)
    subscriptions = list_all(
        rec,
        "list_region_subscriptions",
        identity.list_region_subscriptions,
        tenancy,
        kind="account",
    )
    subscribed = sorted(s["region_name"] for s in subscriptions or [] if s.get("status") == "READY")
    if clients.options.regions:
        regions = tuple(r for r in clients.options.regions if r in subscribed or not subscriptions)
        for region in clients.options.regions:
            if subscriptions is not None and region not in subscribed:
                rec.gaps.append(
                    CollectionGap(
                        cloud=Cloud.OCI,
                        account=tenancy,
                        region=region,
                        service=SERVICE,
                        operation="list_region_subscriptions",
                        error_class="RegionNotSubscribed",
                        message=f"region {region} is not subscribed by the tenancy",
                    )
                )
    else:
        regions = tuple(subscribed) or (home,)
    compartments = list_all(
        rec,
        "list_compartments",
        identity.list_compartments,
        tenancy,
        compartment_id_in_subtree=True,
        access_level="ANY",
        lifecycle_state="ACTIVE",
        kind="account",
    )
    active = sorted(compartments or [], key=lambda c: str(c["id"]))
    names = {tenancy: "root", **{str(c["id"]): str(c["name"]) for c in active}}
    tenancy_detail = rec.call("get_tenancy", identity.get_tenancy, tenancy, kind="account")
    tenancy_name = str(tenancy_detail.data.name) if tenancy_detail is not None else tenancy
    account = Resource(
        uid=tenancy,
        cloud=Cloud.OCI,
        account=tenancy,
        region=home,
        type="oci.identity.tenancy",
        kind="account",
        name=tenancy_name,
        props={"subscribed_regions": subscribed} if subscriptions is not None else {},
    )
    scope = OciScope(
        tenancy=tenancy,
        home_region=home,
        regions=regions,
        compartments=(tenancy, *(str(c["id"]) for c in active)),
        compartment_names=names,
        tenancy_name=tenancy_name if tenancy_detail is not None else "",
        compartment_records=tuple(active),
    )
    return scope, Collected(resources=[account], gaps=rec.gaps, operations=rec.operations)
