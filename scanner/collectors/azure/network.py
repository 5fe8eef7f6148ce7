"""Network security groups → ``net.firewall`` (type ``azure.network.nsg``).

``rules`` are the NSG's own security rules in priority order, one per source prefix:
Inbound → ingress, Outbound → egress; ``Tcp``/``Udp``/``Icmp`` → tcp/udp/icmp and ``*``
→ all; the source is the address prefix or service tag as written (``Internet``,
``VirtualNetwork``, ``*``, a CIDR); a destination port ``*`` leaves the ports open (no
``port_from``). Azure's fixed default rules (priority 65000 and up, the same in every NSG)
are kept in ``raw`` only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from azure.mgmt.network import NetworkManagementClient

from scanner.collectors.azure.context import AzureUnit, listing, tags_of
from scanner.collectors.base import Collected
from scanner.model import Cloud, Resource

SERVICE = "network"
NSG_TYPE = "azure.network.nsg"
PERMISSIONS: dict[str, str] = {
    "network.list_network_security_groups": "Microsoft.Network/networkSecurityGroups/read",
}
DIRECTIONS = {"inbound": "ingress", "outbound": "egress"}
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "*": "all"}


def port_ranges(props: Mapping[str, Any]) -> list[tuple[int | None, int | None]]:
    ranges = [props.get("destinationPortRange"), *list(props.get("destinationPortRanges") or [])]
    out: list[tuple[int | None, int | None]] = []
    for value in (str(r) for r in ranges if r):
        if value == "*":
            return [(None, None)]
        low, _, high = value.partition("-")
        out.append((int(low), int(high or low)))
    return out or [(None, None)]


def firewall_rules(rule: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    props: Mapping[str, Any] = rule.get("properties") or {}
    sources = [props.get("sourceAddressPrefix"), *list(props.get("sourceAddressPrefixes") or [])]
    for source in (str(s) for s in sources if s):
        for low, high in port_ranges(props):
            yield {
                "direction": DIRECTIONS.get(str(props.get("direction")).lower(), "ingress"),
                "action": "deny" if str(props.get("access")).lower() == "deny" else "allow",
                "protocol": PROTOCOLS.get(str(props.get("protocol")).lower(), "all"),
                "source": source,
                "port_from": low,
                "port_to": high,
            }


def nsg_props(nsg: Mapping[str, Any]) -> dict[str, Any]:
    rules = (nsg.get("properties") or {}).get("securityRules") or []
    ordered = sorted(rules, key=lambda r: int((r.get("properties") or {}).get("priority") or 0))
    return {"rules": [r for rule in ordered for r in firewall_rules(rule)]}


def to_resource(nsg: Mapping[str, Any], subscription: str) -> Resource:
    return Resource(
        uid=str(nsg["id"]),
        cloud=Cloud.AZURE,
        account=subscription,
        region=str(nsg["location"]),
        type=NSG_TYPE,
        kind="net.firewall",
        name=str(nsg["name"]),
        tags=tags_of(nsg),
        props=nsg_props(nsg),
        raw=dict(nsg),
    )


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    client = unit.mgmt(NetworkManagementClient)
    nsgs = rec.call(
        "list_network_security_groups",
        listing(client.network_security_groups.list_all),
        resource_type=NSG_TYPE,
        kind="net.firewall",
    )
    return Collected(
        resources=[to_resource(n, unit.account) for n in nsgs or []],
        gaps=rec.gaps,
        operations=rec.operations,
    )
