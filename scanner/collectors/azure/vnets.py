"""Virtual networks → ``net.network`` (type ``azure.network.vnet``), their subnets →
``net.subnet`` (type ``azure.network.subnet``) and peerings → ``net.peering`` (type
``azure.network.vnet_peering``), with the flow logs of every network watcher.

- ``cidr_blocks``: the address space; a subnet's ``cidr`` its prefix (the first of
  ``addressPrefixes`` when it has several). ``public_ip_on_launch``: False: Azure never
  gives a new VM a public address unless one is attached to it.
- ``flow_logs_enabled``: an enabled flow log targets the VNet, or every one of its subnets,
  or the NSG of every one of its subnets (NSG flow logs). Unknown when the flow-log
  listing failed.
- Edges: subnet → VNet and NSG → each VNet whose subnets it guards ``member_of``; a
  peering ``peers_with`` both VNets. A peering's ``status`` is its ``peeringState``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.mgmt.network import NetworkManagementClient

from scanner.collectors.azure.context import AzureUnit, listing, resource_group, tags_of
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Edge, Provenance, Resource

SERVICE = "network"
VNET_TYPE = "azure.network.vnet"
SUBNET_TYPE = "azure.network.subnet"
PEERING_TYPE = "azure.network.vnet_peering"
PERMISSIONS: dict[str, str] = {
    "network.list_virtual_networks": "Microsoft.Network/virtualNetworks/read",
    "network.list_network_watchers": "Microsoft.Network/networkWatchers/read",
    "network.list_flow_logs": "Microsoft.Network/networkWatchers/flowLogs/read",
}


def fetch(unit: AzureUnit, rec: Recorder) -> tuple[list[dict[str, Any]], list[Any] | None]:
    """The VNets, and every flow log (None when any watcher's listing failed)."""
    client = unit.mgmt(NetworkManagementClient)
    vnets = rec.call(
        "list_virtual_networks",
        listing(client.virtual_networks.list_all),
        resource_type=VNET_TYPE,
        kind="net.network",
    )
    gap: dict[str, Any] = {
        "resource_type": VNET_TYPE,
        "kind": "net.network",
        "fields": ["flow_logs_enabled"],
    }
    watchers = rec.call("list_network_watchers", listing(client.network_watchers.list_all), **gap)
    logs: list[Any] | None = None if watchers is None else []
    for watcher in watchers or []:
        found = rec.call(
            "list_flow_logs",
            listing(client.flow_logs.list),
            resource_group(str(watcher["id"])),
            str(watcher["name"]),
            **gap,
        )
        if found is None or logs is None:
            logs = None
            continue
        logs.extend(found)
    return vnets or [], logs


def subnets_of(vnet: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((vnet.get("properties") or {}).get("subnets") or [])


def nsg_of(subnet: Mapping[str, Any]) -> str | None:
    nsg = ((subnet.get("properties") or {}).get("networkSecurityGroup") or {}).get("id")
    return str(nsg) if nsg else None


def flow_logged(vnet: Mapping[str, Any], logs: Sequence[Mapping[str, Any]]) -> bool:
    targets = {
        str((log.get("properties") or {}).get("targetResourceId") or "").lower()
        for log in logs
        if (log.get("properties") or {}).get("enabled")
    }
    subnets = subnets_of(vnet)
    if str(vnet["id"]).lower() in targets:
        return True
    if not subnets:
        return False
    return all(str(s["id"]).lower() in targets for s in subnets) or all(
        (nsg_of(s) or "").lower() in targets for s in subnets
    )


def cidr_of(subnet: Mapping[str, Any]) -> str | None:
    props = subnet.get("properties") or {}
    prefixes = props.get("addressPrefixes") or []
    return str(props.get("addressPrefix") or (prefixes[0] if prefixes else "")) or None


def resource(
    item: Mapping[str, Any], kind: str, kind_type: str, where: str, sub: str, props: dict[str, Any]
) -> Resource:
    return Resource(
        uid=str(item["id"]),
        cloud=Cloud.AZURE,
        account=sub,
        region=where,
        type=kind_type,
        kind=kind,
        name=str(item["name"]),
        tags=tags_of(item),
        props=props,
        raw=dict(item),
    )


def edge(src: str, dst: str, kind: str) -> Edge:
    return Edge(src=src, dst=dst, kind=kind, provenance=Provenance.API)


def to_collected(
    vnets: Sequence[Mapping[str, Any]], logs: Sequence[Any] | None, sub: str
) -> Collected:
    out = Collected()
    for vnet in vnets:
        uid, where = str(vnet["id"]), str(vnet["location"])
        space = ((vnet.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes")
        props: dict[str, Any] = {"cidr_blocks": list(space or [])}
        if logs is not None:
            props["flow_logs_enabled"] = flow_logged(vnet, logs)
        shell = {k: v for k, v in vnet.items() if k != "properties"}
        out.resources.append(
            resource(
                {
                    **shell,
                    "properties": {
                        k: v for k, v in (vnet.get("properties") or {}).items() if k != "subnets"
                    },
                },
                "net.network",
                VNET_TYPE,
                where,
                sub,
                props,
            )
        )
        for subnet in subnets_of(vnet):
            out.resources.append(
                resource(
                    subnet,
                    "net.subnet",
                    SUBNET_TYPE,
                    where,
                    sub,
                    {
                        "network_uid": uid,
                        "cidr": cidr_of(subnet),
                        "public_ip_on_launch": False,
                    },
                )
            )
            out.edges.append(edge(str(subnet["id"]), uid, "member_of"))
        for nsg in sorted({n for n in map(nsg_of, subnets_of(vnet)) if n}):
            out.edges.append(edge(nsg, uid, "member_of"))
        for peering in (vnet.get("properties") or {}).get("virtualNetworkPeerings") or []:
            props_p = peering.get("properties") or {}
            remote = str((props_p.get("remoteVirtualNetwork") or {}).get("id") or "")
            out.resources.append(
                resource(
                    peering,
                    "net.peering",
                    PEERING_TYPE,
                    where,
                    sub,
                    {
                        "peer_uid": remote or None,
                        "status": str(props_p.get("peeringState") or "").lower() or None,
                    },
                )
            )
            out.edges.extend(
                edge(str(peering["id"]), side, "peers_with") for side in (uid, remote) if side
            )
    return out


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    vnets, logs = fetch(unit, rec)
    out = to_collected(vnets, logs, unit.account)
    out.gaps, out.operations = rec.gaps, rec.operations
    return out
