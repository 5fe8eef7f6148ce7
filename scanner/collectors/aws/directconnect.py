"""Direct Connect: connections (``link.interconnect``), virtual interfaces
(``link.virtual_circuit``) and Direct Connect gateways (``net.gateway``).

``fetch_directconnect`` talks to the SDK; ``to_resources`` / ``to_edges`` are pure.

Connections: uid ``arn:<partition>:directconnect:<region>:<owner>:dxcon/<id>``. Some
emulators return an ARN as the connection id; its last path segment is the id, and the ARN
it returned is what ``describe_tags`` is asked about.

- ``macsec_enabled``: the port is MACsec capable and ``portEncryptionStatus`` is
  "Encryption Up" (False when not capable or down; absent when neither is reported);
- ``macsec_cipher``: the API does not report the cipher suite. AWS runs only GCM-AES-XPN-256
  on 100 and 400 Gbps MACsec ports, so those read AES256_GCM_XPN; a 10 Gbps port may run
  GCM-AES-256 or GCM-AES-XPN-256 and stays absent (unknown);
- ``fail_closed``: ``encryptionMode`` is must_encrypt;
- ``redundant``: ``hasLogicalRedundancy`` (yes / no; unknown → absent);
- ``ipsec_overlay``: a live site-to-site VPN with PrivateIpv4 outside addresses rides a
  transit-gateway attachment to a Direct Connect gateway that one of the connection's
  virtual interfaces lands on (absent when a listing it depends on failed);
- ``peer_cloud``: the ``peer_cloud`` tag (``describe_tags``).

Virtual interfaces: ``bgp_state`` up when every BGP peer is up, down when one is down;
``gateway_uid`` the Direct Connect gateway or virtual private gateway; ``interconnect_uids``
the connection (for a LAG: its member connections). A circuit ``routes_via`` its
connections and ``connects`` to its gateway. BGP keys (``authKey``,
``customerRouterConfig``) never reach ``raw``.

Direct Connect gateways are global: the unit of the first scoped region lists them, with
region ``global``. Deleted and rejected items are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.aws.common import (
    Arns,
    alive,
    api_edge,
    arns_for,
    describe_all,
    tag_map,
    without,
)
from scanner.collectors.aws.context import GLOBAL, AwsUnit, jsonable, paginate
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Edge, Resource

SERVICE = "directconnect"
CONNECTION_TYPE = "aws.directconnect.connection"
VIF_TYPE = "aws.directconnect.virtual_interface"
GATEWAY_TYPE = "aws.directconnect.gateway"
PERMISSIONS: dict[str, str] = {
    "directconnect:DescribeConnections": "directconnect:DescribeConnections",
    "directconnect:DescribeTags": "directconnect:DescribeTags",
    "directconnect:DescribeVirtualInterfaces": "directconnect:DescribeVirtualInterfaces",
    "directconnect:DescribeDirectConnectGateways": "directconnect:DescribeDirectConnectGateways",
    "ec2:DescribeVpnConnections": "ec2:DescribeVpnConnections",
    "ec2:DescribeTransitGatewayAttachments": "ec2:DescribeTransitGatewayAttachments",
}
"""Each API operation this module calls → the IAM action it needs."""

PEER_CLOUD_TAG = "peer_cloud"
DEAD_STATES = frozenset({"deleted", "rejected"})
XPN_ONLY_BANDWIDTHS = frozenset({"100Gbps", "400Gbps"})
REDUNDANCY = {"yes": True, "true": True, "no": False, "false": False}
SECRET_KEYS = frozenset({"authKey", "customerRouterConfig"})
TAG_BATCH = 20


@dataclass
class DxPayload:
    """One region's payloads; None where the listing failed."""

    connections: list[dict[str, Any]] | None = None
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    interfaces: list[dict[str, Any]] | None = None
    gateways: list[dict[str, Any]] | None = None
    overlay_gateways: set[str] | None = None
    """Direct Connect gateway ids that carry a private-IP VPN."""


def live(items: Sequence[Mapping[str, Any]] | None, state: str) -> list[dict[str, Any]] | None:
    if items is None:
        return None
    return [dict(i) for i in items if str(i.get(state)).lower() not in DEAD_STATES]


def dx_id(value: Any) -> str:
    """``dxcon-…`` from an id, or from an ARN some emulators return as the id."""
    text = str(value or "")
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def tag_arn(connection: Mapping[str, Any], arns: Arns) -> str:
    raw = str(connection.get("connectionId"))
    return raw if raw.startswith("arn:") else connection_uid(connection, arns)


def fetch_tags(
    rec: Recorder, client: Any, connections: Sequence[Mapping[str, Any]], arns: Arns
) -> dict[str, dict[str, str]]:
    """Tags by resource ARN, ``TAG_BATCH`` connections per call."""
    wanted = [tag_arn(c, arns) for c in connections]
    tags: dict[str, dict[str, str]] = {}
    for start in range(0, len(wanted), TAG_BATCH):
        described = rec.call(
            "describe_tags",
            client.describe_tags,
            resourceArns=wanted[start : start + TAG_BATCH],
            resource_type=CONNECTION_TYPE,
            kind="link.interconnect",
            fields=["peer_cloud"],
        )
        for entry in (described or {}).get("resourceTags") or []:
            tags[str(entry.get("resourceArn"))] = tag_map(entry.get("tags"), key="key")
    return tags


def fetch_overlay_gateways(unit: AwsUnit, rec: Recorder) -> set[str] | None:
    """Direct Connect gateway ids that a PrivateIpv4 VPN's transport attachment joins."""
    ec2 = unit.client("ec2")
    gap = {
        "resource_type": CONNECTION_TYPE,
        "kind": "link.interconnect",
        "fields": ["ipsec_overlay"],
    }
    vpns = describe_all(rec, ec2, "describe_vpn_connections", "VpnConnections", False, **gap)
    if vpns is None:
        return None
    transports = {
        (vpn.get("Options") or {}).get("TransportTransitGatewayAttachmentId")
        for vpn in vpns
        if alive(vpn) and (vpn.get("Options") or {}).get("OutsideIpAddressType") == "PrivateIpv4"
    } - {None}
    if not transports:
        return set()
    attachments = paginate(
        rec, ec2, "describe_transit_gateway_attachments", "TransitGatewayAttachments", **gap
    )
    if attachments is None:
        return None
    return {
        str(a["ResourceId"])
        for a in attachments
        if a.get("TransitGatewayAttachmentId") in transports
        and a.get("ResourceType") == "direct-connect-gateway"
        and a.get("ResourceId")
        and alive(a)
    }


def fetch_directconnect(unit: AwsUnit, rec: Recorder, ec2_rec: Recorder) -> DxPayload:
    client = unit.client("directconnect")
    arns = arns_for(unit)
    listed = rec.call(
        "describe_connections",
        client.describe_connections,
        resource_type=CONNECTION_TYPE,
        kind="link.interconnect",
    )
    interfaces = rec.call(
        "describe_virtual_interfaces",
        client.describe_virtual_interfaces,
        resource_type=VIF_TYPE,
        kind="link.virtual_circuit",
    )
    payload = DxPayload(
        connections=live(
            None if listed is None else listed.get("connections") or [], "connectionState"
        ),
        interfaces=live(
            None if interfaces is None else interfaces.get("virtualInterfaces") or [],
            "virtualInterfaceState",
        ),
        gateways=[],
        overlay_gateways=set(),
    )
    if unit.region == (unit.scope.regions or (unit.region,))[0]:
        gateways = paginate(
            rec,
            client,
            "describe_direct_connect_gateways",
            "directConnectGateways",
            resource_type=GATEWAY_TYPE,
            kind="net.gateway",
        )
        payload.gateways = live(gateways, "directConnectGatewayState")
    if payload.connections:
        payload.tags = fetch_tags(rec, client, payload.connections, arns)
        payload.overlay_gateways = fetch_overlay_gateways(unit, ec2_rec)
    return payload


# ── normalisation ─────────────────────────────────────────────────────────────


def dx_arn(arns: Arns, kind: str, ident: str, region: Any = None, owner: Any = None) -> str:
    where = region or arns.region
    return f"arn:{arns.partition}:directconnect:{where}:{owner or arns.account}:{kind}/{ident}"


def connection_uid(connection: Mapping[str, Any], arns: Arns) -> str:
    ident = dx_id(connection.get("connectionId"))
    return dx_arn(arns, "dxcon", ident, connection.get("region"), connection.get("ownerAccount"))


def macsec_enabled(connection: Mapping[str, Any]) -> bool | None:
    status = connection.get("portEncryptionStatus")
    if connection.get("macSecCapable") is False:
        return False
    return None if not status else status == "Encryption Up"


def connection_props(
    connection: Mapping[str, Any], tags: Mapping[str, str], overlay: bool | None
) -> dict[str, Any]:
    mode = connection.get("encryptionMode")
    xpn = connection.get("macSecCapable") and connection.get("bandwidth") in XPN_ONLY_BANDWIDTHS
    return {
        "provider": "directconnect",
        "location": connection.get("location"),
        "macsec_enabled": macsec_enabled(connection),
        "macsec_cipher": "AES256_GCM_XPN" if xpn else None,
        "fail_closed": None if not mode else mode == "must_encrypt",
        "redundant": REDUNDANCY.get(str(connection.get("hasLogicalRedundancy")).lower()),
        "ipsec_overlay": overlay,
        "peer_cloud": tags.get(PEER_CLOUD_TAG, "").strip().lower() or None,
    }


def riding(connection: Mapping[str, Any], interfaces: Sequence[Mapping[str, Any]]) -> list[str]:
    """Direct Connect gateway ids of the circuits on a connection (or on its LAG)."""
    on = {dx_id(connection.get("connectionId")), dx_id(connection.get("lagId"))} - {""}
    return [
        str(i["directConnectGatewayId"])
        for i in interfaces
        if dx_id(i.get("connectionId")) in on and i.get("directConnectGatewayId")
    ]


def overlay_of(connection: Mapping[str, Any], payload: DxPayload) -> bool | None:
    overlay = payload.overlay_gateways
    if overlay is None or (overlay and payload.interfaces is None):
        return None
    return any(g in overlay for g in riding(connection, payload.interfaces or []))


def connection_resource(connection: Mapping[str, Any], payload: DxPayload, arns: Arns) -> Resource:
    tags = payload.tags.get(tag_arn(connection, arns))
    if tags is None:
        tags = tag_map(connection.get("tags"), key="key")
    return Resource(
        uid=connection_uid(connection, arns),
        cloud=Cloud.AWS,
        account=arns.account,
        region=arns.region,
        type=CONNECTION_TYPE,
        kind="link.interconnect",
        name=str(connection.get("connectionName") or dx_id(connection.get("connectionId"))),
        tags=tags,
        props=connection_props(connection, tags, overlay_of(connection, payload)),
        raw=jsonable(dict(connection)),
    )


def interconnect_uids(
    interface: Mapping[str, Any], connections: Sequence[Mapping[str, Any]] | None, arns: Arns
) -> list[str]:
    target = dx_id(interface.get("connectionId"))
    if not target:
        return []
    members = [
        connection_uid(c, arns) for c in connections or [] if dx_id(c.get("lagId")) == target
    ]
    kind = "dxlag" if target.startswith("dxlag-") else "dxcon"
    return members or [dx_arn(arns, kind, target, interface.get("region"))]


def circuit_gateway(interface: Mapping[str, Any], arns: Arns) -> str | None:
    owner = interface.get("ownerAccount")
    if interface.get("directConnectGatewayId"):
        return arns.dx_gateway(str(interface["directConnectGatewayId"]), owner)
    if interface.get("virtualGatewayId"):
        vgw = str(interface["virtualGatewayId"])
        return arns.ec2("vpn-gateway", vgw, owner, interface.get("region"))
    return None


def bgp_state(interface: Mapping[str, Any]) -> str | None:
    states = {str(p.get("bgpStatus")).lower() for p in interface.get("bgpPeers") or []}
    if states == {"up"}:
        return "up"
    return "down" if "down" in states else None


def interface_uid(interface: Mapping[str, Any], arns: Arns) -> str:
    ident = str(interface["virtualInterfaceId"])
    return dx_arn(arns, "dxvif", ident, interface.get("region"), interface.get("ownerAccount"))


def interface_resource(interface: Mapping[str, Any], payload: DxPayload, arns: Arns) -> Resource:
    kind = interface.get("virtualInterfaceType")
    props = {
        "provider": "directconnect",
        "bgp_state": bgp_state(interface),
        "gateway_uid": circuit_gateway(interface, arns),
        "interconnect_uids": interconnect_uids(interface, payload.connections, arns),
        "circuit_type": str(kind).lower() if kind else None,
    }
    return Resource(
        uid=interface_uid(interface, arns),
        cloud=Cloud.AWS,
        account=arns.account,
        region=arns.region,
        type=VIF_TYPE,
        kind="link.virtual_circuit",
        name=str(interface.get("virtualInterfaceName") or interface["virtualInterfaceId"]),
        tags=tag_map(interface.get("tags"), key="key"),
        props=props,
        raw=without(jsonable(dict(interface)), SECRET_KEYS),
    )


def gateway_resource(gateway: Mapping[str, Any], arns: Arns) -> Resource:
    ident = str(gateway["directConnectGatewayId"])
    return Resource(
        uid=arns.dx_gateway(ident, gateway.get("ownerAccount")),
        cloud=Cloud.AWS,
        account=arns.account,
        region=GLOBAL,
        type=GATEWAY_TYPE,
        kind="net.gateway",
        name=str(gateway.get("directConnectGatewayName") or ident),
        tags=tag_map(gateway.get("tags"), key="key"),
        props={"gateway_type": "directconnect"},
        raw=jsonable(dict(gateway)),
    )


def to_resources(payload: DxPayload, arns: Arns) -> list[Resource]:
    resources = [connection_resource(c, payload, arns) for c in payload.connections or []]
    resources += [interface_resource(i, payload, arns) for i in payload.interfaces or []]
    return resources + [gateway_resource(g, arns) for g in payload.gateways or []]


def to_edges(payload: DxPayload, arns: Arns) -> list[Edge]:
    """A circuit ``routes_via`` its connections and ``connects`` to its gateway."""
    edges: list[Edge] = []
    for interface in payload.interfaces or []:
        uid = interface_uid(interface, arns)
        for connection in interconnect_uids(interface, payload.connections, arns):
            edges.append(api_edge(uid, connection, "routes_via"))
        gateway = circuit_gateway(interface, arns)
        if gateway:
            edges.append(api_edge(uid, gateway, "connects"))
    return edges


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    ec2_rec = unit.recorder("ec2")
    payload = fetch_directconnect(unit, rec, ec2_rec)
    arns = arns_for(unit)
    return Collected(
        resources=to_resources(payload, arns),
        edges=to_edges(payload, arns),
        gaps=rec.gaps + ec2_rec.gaps,
        operations=rec.operations | ec2_rec.operations,
    )
