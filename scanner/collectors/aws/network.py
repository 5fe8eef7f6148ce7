"""EC2 networking: VPCs, subnets, flow logs, security groups, network ACLs, route tables,
gateways (internet, NAT, transit, VPN) and peerings (VPC peering, transit attachments).

``fetch_network`` talks to the SDK; ``to_resources`` / ``to_edges`` are pure. A listing that
fails is a scope gap naming the native type and kind it would have listed. Items in a dead
state (deleted, rejected, failed, expired) are left out: the API keeps them listed for a
while, but they carry no traffic.

uids are ARNs built as AWS documents them (``arn:<partition>:ec2:<region>:<owner>:vpc/<id>``),
with the owner the payload names (shared VPCs and subnets) or the scanned account.

Normalisation:

- ``flow_logs_enabled``: an ACTIVE flow log (whose delivery has not FAILED) names the VPC or
  subnet; a VPC's log covers its subnets. When ``describe_flow_logs`` fails the prop stays
  absent and a gap names the field (every kind of the region).
- Security groups and network ACLs: rules as :mod:`scanner.collectors.aws.firewall_rules`
  normalises them.
- Route tables: the ``local`` route has no target; other targets become uids.
- VPC peering is described from its requester (uid, region and ``peer_*`` = the accepter),
  so every account that sees it produces the same resource; it ``peers_with`` both VPCs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.aws.common import Arns, alive, api_edge, arns_for, describe_all, tag_map
from scanner.collectors.aws.context import AwsUnit, jsonable
from scanner.collectors.aws.firewall_rules import acl_rules, security_group_rules
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Edge, Resource

SERVICE = "ec2"
VPC_TYPE = "aws.ec2.vpc"
SUBNET_TYPE = "aws.ec2.subnet"
SG_TYPE = "aws.ec2.security_group"
NACL_TYPE = "aws.ec2.network_acl"
ROUTE_TABLE_TYPE = "aws.ec2.route_table"
IGW_TYPE = "aws.ec2.internet_gateway"
NAT_TYPE = "aws.ec2.nat_gateway"
TGW_TYPE = "aws.ec2.transit_gateway"
VGW_TYPE = "aws.ec2.vpn_gateway"
PEERING_TYPE = "aws.ec2.vpc_peering_connection"
TGW_ATTACHMENT_TYPE = "aws.ec2.transit_gateway_attachment"

ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "CoreNetworkArn",
    "InstanceId",
    "NetworkInterfaceId",
)
"""Route fields naming a target, most specific first (an instance before its interface)."""


@dataclass
class NetworkPayload:
    """Live items of one region, by listing key; a failed listing is absent."""

    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def get(self, key: str) -> list[dict[str, Any]]:
        return self.items.get(key, [])

    def listed(self, key: str) -> bool:
        return key in self.items


def fetch_network(unit: AwsUnit, rec: Recorder) -> NetworkPayload:
    client = unit.client("ec2")
    payload = NetworkPayload()
    for listing in LISTINGS:
        items = describe_all(
            rec,
            client,
            listing.operation,
            listing.result_key,
            listing.paginated,
            resource_type=listing.resource_type,
            kind=listing.kind,
            fields=listing.fields,
        )
        if items is not None:
            payload.items[listing.operation] = [i for i in items if alive(i)]
    return payload


def associated(blocks: Sequence[Mapping[str, Any]] | None, key: str, state: str) -> list[str]:
    return [
        str(b[key])
        for b in blocks or []
        if b.get(key) and (b.get(state) or {}).get("State", "associated") == "associated"
    ]


def flow_logged(payload: NetworkPayload) -> set[str] | None:
    """Ids of resources an ACTIVE, delivering flow log names; None when not listed."""
    if not payload.listed("describe_flow_logs"):
        return None
    return {
        str(log.get("ResourceId"))
        for log in payload.get("describe_flow_logs")
        if log.get("FlowLogStatus") == "ACTIVE" and log.get("DeliverLogsStatus") != "FAILED"
    }


def route_target(route: Mapping[str, Any], arns: Arns, known: Mapping[str, str]) -> str | None:
    for key in ROUTE_TARGETS:
        ident = route.get(key)
        if ident and ident != "local":
            return known.get(str(ident)) or arns.of_id(str(ident), route.get("InstanceOwnerId"))
    return None


def routes(table: Mapping[str, Any], arns: Arns, known: Mapping[str, str]) -> list[dict[str, Any]]:
    out = []
    for route in table.get("Routes") or []:
        destination = (
            route.get("DestinationCidrBlock")
            or route.get("DestinationIpv6CidrBlock")
            or route.get("DestinationPrefixListId")
        )
        if destination:
            out.append({"destination": destination, "target_uid": route_target(route, arns, known)})
    return out


def attachment_peer(attachment: Mapping[str, Any], arns: Arns) -> str | None:
    """The network a transit gateway attachment joins (None for kinds not resolvable)."""
    ident, owner = attachment.get("ResourceId"), attachment.get("ResourceOwnerId")
    kind = attachment.get("ResourceType")
    if not ident:
        return None
    if kind == "direct-connect-gateway":
        return arns.dx_gateway(str(ident), owner)
    if kind in ("vpc", "vpn", "connect"):
        return arns.of_id(str(ident), owner)
    return None


# ── resources ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Built:
    """One resource's uid, props and the edges its own payload names."""

    uid: str
    name: str
    props: dict[str, Any]
    edges: tuple[tuple[str, str], ...] = ()
    region: str | None = None


@dataclass(frozen=True)
class Context:
    """What builders share: flow-logged ids, and uids known by id (transit gateways)."""

    logged: set[str] | None
    known: Mapping[str, str]


Builder = Callable[[Mapping[str, Any], Arns, Context], Built]


def name_of(item: Mapping[str, Any], fallback: Any) -> str:
    return tag_map(item.get("Tags")).get("Name") or str(fallback)


def in_vpc(item: Mapping[str, Any], arns: Arns) -> str | None:
    """The uid of the VPC an item sits in (same owner as the item)."""
    return arns.ec2("vpc", item["VpcId"], item.get("OwnerId")) if item.get("VpcId") else None


def member_of(network: str | None) -> tuple[tuple[str, str], ...]:
    return ((network, "member_of"),) if network else ()


def ipv6_blocks(item: Mapping[str, Any]) -> list[str]:
    return associated(
        item.get("Ipv6CidrBlockAssociationSet"), "Ipv6CidrBlock", "Ipv6CidrBlockState"
    )


def vpc(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident = item["VpcId"]
    blocks = associated(item.get("CidrBlockAssociationSet"), "CidrBlock", "CidrBlockState")
    blocks += ipv6_blocks(item)
    props = {
        "cidr_blocks": blocks or ([item["CidrBlock"]] if item.get("CidrBlock") else None),
        "flow_logs_enabled": None if ctx.logged is None else ident in ctx.logged,
    }
    return Built(arns.ec2("vpc", ident, item.get("OwnerId")), name_of(item, ident), props)


def subnet(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident, network, ipv6 = item["SubnetId"], in_vpc(item, arns), ipv6_blocks(item)
    covered = None if ctx.logged is None else {ident, item.get("VpcId")} & ctx.logged
    props = {
        "network_uid": network,
        "cidr": item.get("CidrBlock") or (ipv6[0] if ipv6 else None),
        "public_ip_on_launch": item.get("MapPublicIpOnLaunch"),
        "flow_logs_enabled": None if covered is None else bool(covered),
    }
    uid = arns.ec2("subnet", ident, item.get("OwnerId"))
    return Built(uid, name_of(item, ident), props, member_of(network))


def security_group(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident, network = item["GroupId"], in_vpc(item, arns)
    props = {
        "rules": security_group_rules(item),
        "is_default": item.get("GroupName") == "default",
        "network_uid": network,
    }
    name = name_of(item, item.get("GroupName") or ident)
    uid = arns.ec2("security-group", ident, item.get("OwnerId"))
    return Built(uid, name, props, member_of(network))


def network_acl(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident, network = item["NetworkAclId"], in_vpc(item, arns)
    props = {"rules": acl_rules(item), "is_default": item.get("IsDefault"), "network_uid": network}
    uid = arns.ec2("network-acl", ident, item.get("OwnerId"))
    return Built(uid, name_of(item, ident), props, member_of(network))


def route_table(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident = item["RouteTableId"]
    table_routes = routes(item, arns, ctx.known)
    targets = dict.fromkeys(r["target_uid"] for r in table_routes if r["target_uid"])
    props = {"network_uid": in_vpc(item, arns), "routes": table_routes}
    uid = arns.ec2("route-table", ident, item.get("OwnerId"))
    return Built(uid, name_of(item, ident), props, tuple((t, "routes_via") for t in targets))


GATEWAYS = {
    "internet": ("InternetGatewayId", "internet-gateway"),
    "nat": ("NatGatewayId", "natgateway"),
    "transit": ("TransitGatewayId", "transit-gateway"),
    "vpn": ("VpnGatewayId", "vpn-gateway"),
}
"""gateway_type → (id field, ARN resource type)."""


def gateway(kind: str) -> Builder:
    id_key, resource = GATEWAYS[kind]

    def build(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
        ident, owner = item[id_key], item.get("OwnerId")
        attached = [
            a["VpcId"]
            for a in item.get("Attachments") or item.get("VpcAttachments") or []
            if a.get("VpcId") and a.get("State") in ("available", "attached")
        ]
        network = in_vpc(item, arns) or (arns.ec2("vpc", attached[0], owner) if attached else None)
        uid = item.get("TransitGatewayArn") or arns.ec2(resource, ident, owner)
        props = {"gateway_type": kind, "network_uid": network}
        return Built(str(uid), name_of(item, ident), props)

    return build


def peering(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident = item["VpcPeeringConnectionId"]
    requester = item.get("RequesterVpcInfo") or {}
    accepter = item.get("AccepterVpcInfo") or {}
    sides = [
        arns.ec2("vpc", side["VpcId"], side.get("OwnerId"), side.get("Region"))
        for side in (requester, accepter)
        if side.get("VpcId")
    ]
    status = (item.get("Status") or {}).get("Code")
    props = {
        "peer_uid": sides[-1] if accepter.get("VpcId") else None,
        "peer_region": accepter.get("Region"),
        "peer_account": accepter.get("OwnerId"),
        "status": str(status).lower() if status else None,
    }
    home, owner = requester.get("Region"), requester.get("OwnerId")
    uid = arns.ec2("vpc-peering-connection", ident, owner, home)
    return Built(uid, name_of(item, ident), props, tuple((s, "peers_with") for s in sides), home)


def attachment(item: Mapping[str, Any], arns: Arns, ctx: Context) -> Built:
    ident, tgw = item["TransitGatewayAttachmentId"], item.get("TransitGatewayId")
    peer = attachment_peer(item, arns)
    tgw_uid = None
    if tgw:
        owner = item.get("TransitGatewayOwnerId")
        tgw_uid = ctx.known.get(str(tgw)) or arns.ec2("transit-gateway", tgw, owner)
    state = item.get("State")
    props = {
        "peer_uid": peer,
        "peer_account": item.get("ResourceOwnerId"),
        "status": str(state).lower() if state else None,
        "gateway_uid": tgw_uid,
    }
    uid = arns.ec2("transit-gateway-attachment", ident, item.get("ResourceOwnerId"))
    return Built(uid, name_of(item, ident), props, ((peer, "peers_with"),) if peer else ())


@dataclass(frozen=True)
class Listing:
    """One describe call: its items become resources of ``resource_type`` via ``build``."""

    operation: str
    resource_type: str | None = None
    kind: str | None = None
    build: Builder | None = None
    paginated: bool = True
    fields: list[str] | None = None

    @property
    def result_key(self) -> str:
        """describe_vpc_peering_connections → VpcPeeringConnections."""
        return "".join(word.capitalize() for word in self.operation.split("_")[1:])

    @property
    def action(self) -> str:
        return f"ec2:Describe{self.result_key}"


LISTINGS: tuple[Listing, ...] = (
    Listing("describe_vpcs", VPC_TYPE, "net.network", vpc),
    Listing("describe_subnets", SUBNET_TYPE, "net.subnet", subnet),
    Listing("describe_flow_logs", fields=["flow_logs_enabled"]),
    Listing("describe_security_groups", SG_TYPE, "net.firewall", security_group),
    Listing("describe_network_acls", NACL_TYPE, "net.firewall", network_acl),
    Listing("describe_route_tables", ROUTE_TABLE_TYPE, "net.route_table", route_table),
    Listing("describe_internet_gateways", IGW_TYPE, "net.gateway", gateway("internet")),
    Listing("describe_nat_gateways", NAT_TYPE, "net.gateway", gateway("nat")),
    Listing("describe_transit_gateways", TGW_TYPE, "net.gateway", gateway("transit")),
    Listing("describe_vpn_gateways", VGW_TYPE, "net.gateway", gateway("vpn"), paginated=False),
    Listing("describe_vpc_peering_connections", PEERING_TYPE, "net.peering", peering),
    Listing("describe_transit_gateway_attachments", TGW_ATTACHMENT_TYPE, "net.peering", attachment),
)
"""What ``fetch_network`` lists, in order, and how each item becomes a resource."""

PERMISSIONS: dict[str, str] = {listing.action: listing.action for listing in LISTINGS}
"""Each API operation this module calls (``ec2:DescribeVpcs``) → the IAM action it needs."""


def context_of(payload: NetworkPayload) -> Context:
    known = {
        str(t["TransitGatewayId"]): str(t["TransitGatewayArn"])
        for t in payload.get("describe_transit_gateways")
        if t.get("TransitGatewayArn")
    }
    return Context(logged=flow_logged(payload), known=known)


def build_all(payload: NetworkPayload, arns: Arns) -> list[tuple[Resource, Built]]:
    """Every listed item as a resource, with what its builder found (uid, edges)."""
    ctx = context_of(payload)
    built: list[tuple[Resource, Built]] = []
    for listing in LISTINGS:
        if listing.build is None or listing.resource_type is None or listing.kind is None:
            continue
        for item in payload.get(listing.operation):
            made = listing.build(item, arns, ctx)
            resource = Resource(
                uid=made.uid,
                cloud=Cloud.AWS,
                account=arns.account,
                region=made.region or arns.region,
                type=listing.resource_type,
                kind=listing.kind,
                name=made.name,
                tags=tag_map(item.get("Tags")),
                props=made.props,
                raw=jsonable(dict(item)),
            )
            built.append((resource, made))
    return built


def to_resources(payload: NetworkPayload, arns: Arns) -> list[Resource]:
    return [resource for resource, _ in build_all(payload, arns)]


def to_edges(payload: NetworkPayload, arns: Arns) -> list[Edge]:
    """subnet, SG, NACL → VPC ``member_of``; route table → targets ``routes_via``;
    peering and transit attachment → the networks they join ``peers_with``."""
    return [
        api_edge(made.uid, dst, kind)
        for _, made in build_all(payload, arns)
        for dst, kind in made.edges
    ]


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    payload = fetch_network(unit, rec)
    arns = arns_for(unit)
    return Collected(
        resources=to_resources(payload, arns),
        edges=to_edges(payload, arns),
        gaps=rec.gaps,
        operations=rec.operations,
    )
