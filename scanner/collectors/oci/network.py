"""Virtual networking: VCNs, subnets, security lists, NSGs, gateways, route tables, peering.

``fetch_network`` talks to the SDK (``VirtualNetworkClient``, every compartment of the
region); ``to_resources`` / ``to_edges`` are pure. Every list call that fails becomes a
scope gap naming the native type and kind it would have listed; an NSG whose security
rules cannot be listed is still collected, without ``rules``, and a gap names it.

Firewall rules are normalised from the REST vocabulary: protocol ``6``/``17``/``1``/``58``/
``all`` → ``tcp``/``udp``/``icmp``/``icmpv6``/``all`` (other protocol numbers are kept as
is); an egress rule's destination goes into ``source`` (the peer of the rule); a TCP/UDP
rule without a destination port range allows every port (``port_from`` absent). A
security list ``is_default`` when its VCN names it ``default_security_list_id`` (unknown
when the VCN could not be read). DRG attachments are listed with ``attachment_type=ALL``
(the API's default is VCN attachments only).

FastConnect and IPSec are in :mod:`scanner.collectors.oci.connectivity`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci.context import OciUnit, list_all
from scanner.collectors.oci.tags import flatten_tags
from scanner.model import Cloud, Edge, Provenance, Resource

SERVICE = "core"
VCN_TYPE = "oci.core.vcn"
SUBNET_TYPE = "oci.core.subnet"
SECURITY_LIST_TYPE = "oci.core.security_list"
NSG_TYPE = "oci.core.network_security_group"
INTERNET_GATEWAY_TYPE = "oci.core.internet_gateway"
NAT_GATEWAY_TYPE = "oci.core.nat_gateway"
SERVICE_GATEWAY_TYPE = "oci.core.service_gateway"
DRG_TYPE = "oci.core.drg"
ROUTE_TABLE_TYPE = "oci.core.route_table"
DRG_ATTACHMENT_TYPE = "oci.core.drg_attachment"
LPG_TYPE = "oci.core.local_peering_gateway"
RPC_TYPE = "oci.core.remote_peering_connection"

PERMISSIONS: dict[str, str] = {
    "list_vcns": "inspect vcns",
    "list_subnets": "inspect subnets",
    "list_security_lists": "inspect security-lists",
    "list_network_security_groups": "read network-security-groups",
    # NETWORK_SECURITY_GROUP_LIST_SECURITY_RULES is granted by `use`, not `read`.
    "list_network_security_group_security_rules": "use network-security-groups",
    "list_internet_gateways": "inspect internet-gateways",
    # nat-gateways grant nothing with `inspect`; NAT_GATEWAY_READ comes with `read`.
    "list_nat_gateways": "read nat-gateways",
    "list_service_gateways": "inspect service-gateways",
    "list_drgs": "inspect drgs",
    "list_drg_attachments": "inspect drg-attachments",
    "list_route_tables": "inspect route-tables",
    "list_local_peering_gateways": "inspect local-peering-gateways",
    "list_remote_peering_connections": "inspect remote-peering-connections",
}
"""Each SDK operation this module calls → the OCI policy verb and resource type it needs."""

PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "all"}


@dataclass(frozen=True)
class Listing:
    """One per-compartment list call and what its items become."""

    key: str
    operation: str
    resource_type: str
    kind: str
    kwargs: Mapping[str, str] = field(default_factory=dict)


LISTINGS: tuple[Listing, ...] = (
    Listing("vcns", "list_vcns", VCN_TYPE, "net.network"),
    Listing("subnets", "list_subnets", SUBNET_TYPE, "net.subnet"),
    Listing("security_lists", "list_security_lists", SECURITY_LIST_TYPE, "net.firewall"),
    Listing("nsgs", "list_network_security_groups", NSG_TYPE, "net.firewall"),
    Listing("internet_gateways", "list_internet_gateways", INTERNET_GATEWAY_TYPE, "net.gateway"),
    Listing("nat_gateways", "list_nat_gateways", NAT_GATEWAY_TYPE, "net.gateway"),
    Listing("service_gateways", "list_service_gateways", SERVICE_GATEWAY_TYPE, "net.gateway"),
    Listing("drgs", "list_drgs", DRG_TYPE, "net.gateway"),
    Listing(
        "drg_attachments",
        "list_drg_attachments",
        DRG_ATTACHMENT_TYPE,
        "net.peering",
        {"attachment_type": "ALL"},
    ),
    Listing("route_tables", "list_route_tables", ROUTE_TABLE_TYPE, "net.route_table"),
    Listing("lpgs", "list_local_peering_gateways", LPG_TYPE, "net.peering"),
    Listing("rpcs", "list_remote_peering_connections", RPC_TYPE, "net.peering"),
)


@dataclass
class NetworkPayload:
    """Plain (snake_case) payloads of one region, by listing key."""

    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def get(self, key: str) -> list[dict[str, Any]]:
        return self.items.get(key, [])


def list_in_compartments(
    unit: OciUnit,
    rec: Recorder,
    operation: str,
    fn: Callable[..., Any],
    resource_type: str,
    kind: str,
    **kwargs: Any,
) -> tuple[list[dict[str, Any]], bool]:
    """Every item of a list call over every compartment; False when any listing failed.

    ``compartment_id`` is passed by keyword: some list calls take it keyword-only.
    """
    items: list[dict[str, Any]] = []
    complete = True
    for compartment in unit.scope.compartments:
        found = list_all(
            rec,
            operation,
            fn,
            compartment_id=compartment,
            resource_type=resource_type,
            kind=kind,
            **kwargs,
        )
        if found is None:
            complete = False
            continue
        items.extend(found)
    return items, complete


def fetch_network(unit: OciUnit, rec: Recorder) -> NetworkPayload:
    client = unit.clients.virtual_network(unit.region)
    payload = NetworkPayload()
    for listing in LISTINGS:
        payload.items[listing.key], _ = list_in_compartments(
            unit,
            rec,
            listing.operation,
            getattr(client, listing.operation),
            listing.resource_type,
            listing.kind,
            **listing.kwargs,
        )
    for nsg in payload.get("nsgs"):
        nsg["_rules"] = list_all(
            rec,
            "list_network_security_group_security_rules",
            client.list_network_security_group_security_rules,
            nsg["id"],
            resource_type=NSG_TYPE,
            kind="net.firewall",
            resource_uid=nsg["id"],
            fields=["rules"],
        )
    return payload


def port_range(rule: Mapping[str, Any], protocol: str) -> tuple[int | None, int | None]:
    """The destination port range of a TCP/UDP rule; (None, None) means every port."""
    options = {"tcp": rule.get("tcp_options"), "udp": rule.get("udp_options")}.get(protocol)
    span = (options or {}).get("destination_port_range") or {}
    low, high = span.get("min"), span.get("max")
    if low is None:
        return None, None
    return int(low), int(high if high is not None else low)


def firewall_rule(rule: Mapping[str, Any], direction: str) -> dict[str, Any]:
    """One OCI security rule → a normalised ``FirewallRule`` (as a dict)."""
    raw_protocol = str(rule.get("protocol"))
    protocol = PROTOCOLS.get(raw_protocol.lower(), raw_protocol)
    peer = rule.get("source") if direction == "ingress" else rule.get("destination")
    port_from, port_to = port_range(rule, protocol)
    return {
        "direction": direction,
        "action": "allow",
        "protocol": protocol,
        "source": str(peer),
        "port_from": port_from,
        "port_to": port_to,
    }


def security_list_rules(security_list: Mapping[str, Any]) -> list[dict[str, Any]]:
    ingress = security_list.get("ingress_security_rules") or []
    egress = security_list.get("egress_security_rules") or []
    return [firewall_rule(r, "ingress") for r in ingress] + [
        firewall_rule(r, "egress") for r in egress
    ]


def nsg_rules(rules: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """NSG security rules; a NETWORK_SECURITY_GROUP source/destination is the NSG OCID.

    None (unknown) when a rule has no recognisable direction: dropping it could hide an
    open port.
    """
    directions = [str(r.get("direction", "")).lower() for r in rules]
    if not set(directions) <= {"ingress", "egress"}:
        return None
    return [firewall_rule(r, d) for r, d in zip(rules, directions, strict=True)]


def raw_payload(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def make_resource(
    item: Mapping[str, Any],
    tenancy: str,
    region: str,
    resource_type: str,
    kind: str,
    props: dict[str, Any],
    raw: dict[str, Any] | None = None,
) -> Resource:
    return Resource(
        uid=str(item["id"]),
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=resource_type,
        kind=kind,
        name=str(item.get("display_name") or item["id"]),
        tags=flatten_tags(item),
        props=props,
        raw=raw if raw is not None else raw_payload(item),
    )


def lower(value: Any) -> str | None:
    return str(value).lower() if value is not None else None


def vcn_props(vcn: Mapping[str, Any]) -> dict[str, Any]:
    blocks = vcn.get("cidr_blocks") or ([vcn["cidr_block"]] if vcn.get("cidr_block") else None)
    return {"cidr_blocks": blocks}


def subnet_props(subnet: Mapping[str, Any]) -> dict[str, Any]:
    prohibit = subnet.get("prohibit_public_ip_on_vnic")
    return {
        "network_uid": subnet.get("vcn_id"),
        "cidr": subnet.get("cidr_block"),
        "public_ip_on_launch": None if prohibit is None else not prohibit,
    }


def security_list_props(
    security_list: Mapping[str, Any], vcns: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    vcn = vcns.get(str(security_list.get("vcn_id")))
    return {
        "network_uid": security_list.get("vcn_id"),
        "rules": security_list_rules(security_list),
        "is_default": None
        if vcn is None
        else vcn.get("default_security_list_id") == security_list["id"],
    }


def nsg_resource(nsg: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    rules = nsg.get("_rules")
    props: dict[str, Any] = {"network_uid": nsg.get("vcn_id")}
    raw = raw_payload(nsg)
    if rules is not None:
        props["rules"] = nsg_rules(rules)
        raw["security_rules"] = rules
    return make_resource(nsg, tenancy, region, NSG_TYPE, "net.firewall", props, raw)


def gateway_props(item: Mapping[str, Any], gateway_type: str) -> dict[str, Any]:
    """Internet gateways say ``is_enabled``; NAT and service gateways ``block_traffic``."""
    if gateway_type == "internet":
        enabled = item.get("is_enabled")
    else:
        blocked = item.get("block_traffic")
        enabled = None if blocked is None else not blocked
    return {"gateway_type": gateway_type, "network_uid": item.get("vcn_id"), "enabled": enabled}


def route_table_props(table: Mapping[str, Any]) -> dict[str, Any]:
    routes = [
        {
            "destination": str(rule.get("destination") or rule.get("cidr_block")),
            "target_uid": rule.get("network_entity_id"),
        }
        for rule in table.get("route_rules") or []
    ]
    return {"network_uid": table.get("vcn_id"), "routes": routes}


def drg_attachment_props(attachment: Mapping[str, Any]) -> dict[str, Any]:
    """The attached network: a VCN, virtual circuit, IPSec connection or RPC."""
    details = attachment.get("network_details") or {}
    peer = details.get("ipsec_connection_id") or details.get("id") or attachment.get("vcn_id")
    return {
        "peer_uid": peer,
        "gateway_uid": attachment.get("drg_id"),
        "status": lower(attachment.get("lifecycle_state")),
    }


def lpg_props(lpg: Mapping[str, Any]) -> dict[str, Any]:
    return {"peer_uid": lpg.get("peer_id"), "status": lower(lpg.get("peering_status"))}


def rpc_props(rpc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "peer_uid": rpc.get("peer_id"),
        "peer_region": rpc.get("peer_region_name"),
        "peer_account": rpc.get("peer_tenancy_id"),
        "status": lower(rpc.get("peering_status")),
        "gateway_uid": rpc.get("drg_id"),
    }


GATEWAYS: tuple[tuple[str, str, str], ...] = (
    ("internet_gateways", INTERNET_GATEWAY_TYPE, "internet"),
    ("nat_gateways", NAT_GATEWAY_TYPE, "nat"),
    ("service_gateways", SERVICE_GATEWAY_TYPE, "service"),
    ("drgs", DRG_TYPE, "drg"),
)

PEERINGS: tuple[tuple[str, str, Callable[[Mapping[str, Any]], dict[str, Any]]], ...] = (
    ("drg_attachments", DRG_ATTACHMENT_TYPE, drg_attachment_props),
    ("lpgs", LPG_TYPE, lpg_props),
    ("rpcs", RPC_TYPE, rpc_props),
)


def to_resources(payload: NetworkPayload, tenancy: str, region: str) -> list[Resource]:
    vcns = {str(v["id"]): v for v in payload.get("vcns")}

    def build(
        key: str, resource_type: str, kind: str, props: Callable[[Mapping[str, Any]], Any]
    ) -> list[Resource]:
        return [
            make_resource(item, tenancy, region, resource_type, kind, props(item))
            for item in payload.get(key)
        ]

    resources = build("vcns", VCN_TYPE, "net.network", vcn_props)
    resources += build("subnets", SUBNET_TYPE, "net.subnet", subnet_props)
    resources += build(
        "security_lists",
        SECURITY_LIST_TYPE,
        "net.firewall",
        lambda item: security_list_props(item, vcns),
    )
    resources += [nsg_resource(nsg, tenancy, region) for nsg in payload.get("nsgs")]
    for key, resource_type, gateway_type in GATEWAYS:
        props = partial(gateway_props, gateway_type=gateway_type)
        resources += build(key, resource_type, "net.gateway", props)
    resources += build("route_tables", ROUTE_TABLE_TYPE, "net.route_table", route_table_props)
    for key, resource_type, peering_props in PEERINGS:
        resources += build(key, resource_type, "net.peering", peering_props)
    return resources


def api_edge(src: str, dst: str, kind: str) -> Edge:
    return Edge(src=src, dst=dst, kind=kind, provenance=Provenance.API)


def to_edges(payload: NetworkPayload) -> list[Edge]:
    """Subnets, security lists and NSGs are ``member_of`` their VCN; route tables
    ``routes_via`` every target their rules name."""
    edges = [
        api_edge(str(item["id"]), str(item["vcn_id"]), "member_of")
        for key in ("subnets", "security_lists", "nsgs")
        for item in payload.get(key)
        if item.get("vcn_id")
    ]
    edges += [
        api_edge(str(table["id"]), str(rule["network_entity_id"]), "routes_via")
        for table in payload.get("route_tables")
        for rule in table.get("route_rules") or []
        if rule.get("network_entity_id")
    ]
    return edges


def collect(unit: OciUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    payload = fetch_network(unit, rec)
    return Collected(
        resources=to_resources(payload, unit.scope.tenancy, unit.region),
        edges=to_edges(payload),
        gaps=list(rec.gaps),
        operations=rec.operations,
    )
