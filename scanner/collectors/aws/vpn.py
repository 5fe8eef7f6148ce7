"""Site-to-Site VPN connections (``link.vpn``).

``fetch_vpn_connections`` talks to the SDK; ``to_resource`` / ``to_edges`` are pure.

Tunnels come from ``Options.TunnelOptions`` (what each tunnel permits), joined with
``VgwTelemetry`` by outside IP address for the status (UP → up, DOWN → down). Per tunnel:

- ``ike_version``: the weakest version allowed: ikev1 allowed → v1, else ikev2 → v2;
- ``encryption``: phase 1 and phase 2 algorithms (AES256-GCM-16 → AES256-GCM, AES128 ...);
- ``integrity``: phase 1 and phase 2 integrity algorithms (SHA1, SHA2-256 ...);
- ``dh_groups``: every group allowed in phase 1 and phase 2, sorted;
- ``pfs``: phase 2 allows at least one DH group.

An algorithm list the API leaves out means AWS's defaults apply, i.e. everything AWS offers
(see :data:`AWS_DEFAULTS`, which allow IKEv1, SHA1 and DH group 2). The defaults are
recorded in the props and named in ``raw["defaults_applied"]`` per tunnel outside IP: a
tunnel nobody hardened fails ICN-002, as it should. With no ``TunnelOptions`` at all the
tunnels come from the telemetry, with their status only; with neither, ``tunnels`` is
absent (unknown).

``gateway_uid`` is the transit gateway or virtual private gateway; ``transport`` is
``directconnect`` when ``Options.OutsideIpAddressType`` is PrivateIpv4 (IPsec over a Direct
Connect transit attachment), ``internet`` otherwise (PublicIpv4 is the documented default).
Tags ``link_role`` (primary / backup) and ``peer_cloud`` fill ``role`` and ``peer_cloud``.

Secrets never reach ``raw``: ``CustomerGatewayConfiguration`` (it holds the pre-shared keys)
and each tunnel's ``PreSharedKey`` are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
from scanner.collectors.aws.context import AwsUnit, jsonable
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Edge, Resource

SERVICE = "ec2"
VPN_TYPE = "aws.ec2.vpn_connection"
PERMISSIONS: dict[str, str] = {"ec2:DescribeVpnConnections": "ec2:DescribeVpnConnections"}
"""Each API operation this module calls → the IAM action it needs."""

ROLE_TAG = "link_role"
PEER_CLOUD_TAG = "peer_cloud"
ROLES = ("primary", "backup")
SECRET_KEYS = frozenset({"CustomerGatewayConfiguration", "PreSharedKey"})
STATUS = {"UP": "up", "DOWN": "down"}

_AES = ("AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16")
_SHA = ("SHA1", "SHA2-256", "SHA2-384", "SHA2-512")
AWS_DEFAULTS: Mapping[str, tuple[Any, ...]] = {
    "IkeVersions": ("ikev1", "ikev2"),
    "Phase1EncryptionAlgorithms": _AES,
    "Phase2EncryptionAlgorithms": _AES,
    "Phase1IntegrityAlgorithms": _SHA,
    "Phase2IntegrityAlgorithms": _SHA,
    "Phase1DHGroupNumbers": (2, *range(14, 25)),
    "Phase2DHGroupNumbers": (2, 5, *range(14, 25)),
}
"""What a tunnel permits when its options leave a list out (AWS Site-to-Site VPN user
guide, "Tunnel options": every value is a default)."""


def fetch_vpn_connections(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    """Live VPN connections of the region; None when the listing failed."""
    listed = describe_all(
        rec,
        unit.client("ec2"),
        "describe_vpn_connections",
        "VpnConnections",
        False,
        resource_type=VPN_TYPE,
        kind="link.vpn",
    )
    return None if listed is None else [c for c in listed if alive(c)]


# ── normalisation ─────────────────────────────────────────────────────────────


def encryption_name(value: Any) -> str:
    """AES256-GCM-16 → AES256-GCM, AES128 → AES128; others upper-cased."""
    upper = str(value).upper()
    match = re.fullmatch(r"AES(128|192|256)(-GCM)?(-\d+)?", upper)
    return f"AES{match[1]}{match[2] or ''}" if match else upper


def unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def allowed(options: Mapping[str, Any], field: str, defaulted: list[str]) -> list[Any]:
    """The values a tunnel option allows; AWS's defaults (noted) when the API leaves it out."""
    values = [v.get("Value") for v in options.get(field) or [] if v.get("Value") is not None]
    if values:
        return values
    defaulted.append(field)
    return list(AWS_DEFAULTS[field])


def tunnel_crypto(options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What one tunnel permits, and the option lists that fell back to AWS's defaults."""
    defaulted: list[str] = []

    def both(name: str) -> list[Any]:
        phase1 = allowed(options, f"Phase1{name}", defaulted)
        return phase1 + allowed(options, f"Phase2{name}", defaulted)

    versions = {str(v).lower() for v in allowed(options, "IkeVersions", defaulted)}
    phase2_groups = allowed(options, "Phase2DHGroupNumbers", [])
    props = {
        "ike_version": "v1" if "ikev1" in versions else "v2" if "ikev2" in versions else None,
        "encryption": unique(encryption_name(e) for e in both("EncryptionAlgorithms")),
        "integrity": unique(str(i).upper() for i in both("IntegrityAlgorithms")),
        "dh_groups": sorted({int(g) for g in both("DHGroupNumbers")}),
        "pfs": bool(phase2_groups),
    }
    return props, defaulted


def tunnels(connection: Mapping[str, Any]) -> tuple[list[dict[str, Any]] | None, dict[str, Any]]:
    """The tunnels (None when unknown) and, per outside IP, the options defaulted."""
    options = (connection.get("Options") or {}).get("TunnelOptions") or []
    telemetry = {
        str(t.get("OutsideIpAddress")): t.get("Status")
        for t in connection.get("VgwTelemetry") or []
    }
    if not options:
        if not telemetry:
            return None, {}
        return [{"status": STATUS.get(str(s))} for s in telemetry.values()], {}
    found: list[dict[str, Any]] = []
    defaults: dict[str, Any] = {}
    for tunnel in options:
        address = str(tunnel.get("OutsideIpAddress"))
        crypto, defaulted = tunnel_crypto(tunnel)
        found.append({"status": STATUS.get(str(telemetry.get(address))), **crypto})
        if defaulted:
            defaults[address] = defaulted
    return found, defaults


def gateway_uid(connection: Mapping[str, Any], arns: Arns) -> str | None:
    if connection.get("TransitGatewayId"):
        return arns.ec2("transit-gateway", connection["TransitGatewayId"])
    if connection.get("VpnGatewayId"):
        return arns.ec2("vpn-gateway", connection["VpnGatewayId"])
    core = connection.get("CoreNetworkArn")
    return str(core) if core else None


def to_resource(connection: Mapping[str, Any], arns: Arns) -> Resource:
    ident = connection["VpnConnectionId"]
    tags = tag_map(connection.get("Tags"))
    found, defaults = tunnels(connection)
    role = tags.get(ROLE_TAG, "").strip().lower()
    outside = (connection.get("Options") or {}).get("OutsideIpAddressType")
    props = {
        "role": role if role in ROLES else None,
        "peer_cloud": tags.get(PEER_CLOUD_TAG, "").strip().lower() or None,
        "tunnels": found,
        "gateway_uid": gateway_uid(connection, arns),
        "transport": "directconnect" if outside == "PrivateIpv4" else "internet",
    }
    raw = without(jsonable(dict(connection)), SECRET_KEYS)
    if defaults:
        raw["defaults_applied"] = defaults
    return Resource(
        uid=arns.ec2("vpn-connection", ident),
        cloud=Cloud.AWS,
        account=arns.account,
        region=arns.region,
        type=VPN_TYPE,
        kind="link.vpn",
        name=tags.get("Name") or str(ident),
        tags=tags,
        props=props,
        raw=raw,
    )


def to_edges(connection: Mapping[str, Any], arns: Arns) -> list[Edge]:
    """The connection ``connects`` to the gateway it terminates on."""
    gateway = gateway_uid(connection, arns)
    uid = arns.ec2("vpn-connection", connection["VpnConnectionId"])
    return [api_edge(uid, gateway, "connects")] if gateway else []


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    arns = arns_for(unit)
    connections = fetch_vpn_connections(unit, rec) or []
    return Collected(
        resources=[to_resource(c, arns) for c in connections],
        edges=[e for c in connections for e in to_edges(c, arns)],
        gaps=rec.gaps,
        operations=rec.operations,
    )
