"""ExpressRoute circuits → ``link.interconnect`` (type
``azure.network.express_route_circuit``) and IPsec connections of virtual network
gateways → ``link.vpn`` (type ``azure.network.vpn_connection``).

- ``provider``: ``expressroute_direct`` on an ExpressRoute Direct port, else the service
  provider's name in snake case; an Oracle provider (the OCI–Azure interconnect) is
  ``oracle_interconnect``. ``location``: the peering location.
- MACsec exists only on ExpressRoute Direct ports: ``macsec_enabled`` is the port's every
  link having a cipher and a CKN secret, ``macsec_cipher`` the cipher (GcmAesXpn256 →
  AES256_GCM_XPN); a provider circuit has no MACsec. ``redundant``: every peering has a
  primary and a secondary link.
- ``ipsec_overlay``: an IPsec connection in the subscription runs over private peering
  (``useLocalAzureIpAddress``).
- VPN ``tunnels``: one per ``tunnelConnectionHealth`` entry (two on an active-active
  gateway), else one; ``status`` from ``connectionStatus``, IKE version
  from ``connectionProtocol``, algorithms from the custom IPsec policies (absent when the
  connection uses Azure's default proposals); ``dh_groups`` the IKE DH groups, ``pfs`` a
  PFS group other than None.
- Tags ``link_role`` (primary / backup) and ``peer_cloud`` fill ``role`` and ``peer_cloud``.

Gateway connections are listed per resource group (ARM has no subscription-wide list).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from azure.mgmt.network import NetworkManagementClient

from scanner.collectors.azure.context import (
    AzureUnit,
    at,
    listing,
    resource_group,
    single,
    tags_of,
)
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Resource

SERVICE = "connectivity"
CIRCUIT_TYPE = "azure.network.express_route_circuit"
VPN_TYPE = "azure.network.vpn_connection"
ROLE_TAG = "link_role"
PEER_CLOUD_TAG = "peer_cloud"
PERMISSIONS: dict[str, str] = {
    "connectivity.list_express_route_circuits": "Microsoft.Network/expressRouteCircuits/read",
    "connectivity.get_express_route_port": "Microsoft.Network/ExpressRoutePorts/read",
    "connectivity.list_gateway_connections": "Microsoft.Network/connections/read",
}


def fetch(unit: AzureUnit, rec: Recorder) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    client = unit.mgmt(NetworkManagementClient)
    circuits = (
        rec.call(
            "list_express_route_circuits",
            listing(client.express_route_circuits.list_all),
            resource_type=CIRCUIT_TYPE,
            kind="link.interconnect",
        )
        or []
    )
    for circuit in circuits:
        port = ((circuit.get("properties") or {}).get("expressRoutePort") or {}).get("id")
        if port:
            circuit["_port"] = at(rec, circuit.get("location")).call(
                "get_express_route_port",
                single(client.express_route_ports.get),
                resource_group(str(port)),
                str(port).rsplit("/", 1)[-1],
                resource_type=CIRCUIT_TYPE,
                kind="link.interconnect",
                resource_uid=str(circuit["id"]),
                fields=["macsec_enabled", "macsec_cipher"],
            )
    connections: list[dict[str, Any]] = []
    for group in unit.subscription.resource_groups:
        listed = rec.call(
            "list_gateway_connections",
            listing(client.virtual_network_gateway_connections.list),
            group,
            resource_type=VPN_TYPE,
            kind="link.vpn",
        )
        connections.extend(listed or [])
    return circuits, connections


def snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def cipher_name(value: str) -> str:
    """GcmAesXpn256 → AES256_GCM_XPN, GcmAes128 → AES128_GCM."""
    bits = re.search(r"(128|256)", value)
    xpn = "_XPN" if "xpn" in value.lower() else ""
    return f"AES{bits[1]}_GCM{xpn}" if bits else value.upper()


def macsec(port: Mapping[str, Any] | None) -> dict[str, Any]:
    if port is None:
        return {}
    links = (port.get("properties") or {}).get("links") or []
    configs = [(link.get("properties") or {}).get("macSecConfig") or {} for link in links]
    enabled = bool(configs) and all(
        c.get("cipher") and c.get("cknSecretIdentifier") for c in configs
    )
    ciphers = sorted({cipher_name(str(c["cipher"])) for c in configs if c.get("cipher")})
    return {"macsec_enabled": enabled, "macsec_cipher": ciphers[0] if enabled and ciphers else None}


def circuit_props(circuit: Mapping[str, Any], overlay: bool) -> dict[str, Any]:
    props: Mapping[str, Any] = circuit.get("properties") or {}
    service = props.get("serviceProviderProperties") or {}
    direct = bool((props.get("expressRoutePort") or {}).get("id"))
    provider_name = str(service.get("serviceProviderName") or "")
    provider = (
        "expressroute_direct"
        if direct
        else "oracle_interconnect"
        if "oracle" in provider_name.lower()
        else snake(provider_name) or None
    )
    peerings = props.get("peerings") or []
    tags = tags_of(circuit)
    out: dict[str, Any] = {
        "provider": provider,
        "location": service.get("peeringLocation") or props.get("peeringLocation"),
        "macsec_enabled": False,
        "ipsec_overlay": overlay,
        "redundant": bool(peerings)
        and all(
            (p.get("properties") or {}).get("primaryPeerAddressPrefix")
            and (p.get("properties") or {}).get("secondaryPeerAddressPrefix")
            for p in peerings
        ),
        "peer_cloud": tags.get(PEER_CLOUD_TAG, "").strip().lower() or None,
    }
    if direct:
        out.pop("macsec_enabled")
        out.update(macsec(circuit.get("_port")))
    return out


def integrity_name(value: Any) -> str:
    """SHA256 → SHA2-256, GCMAES256 → GCM-AES256; MD5 and SHA1 as they are."""
    upper = str(value).upper()
    match = re.fullmatch(r"SHA(256|384|512)", upper)
    return f"SHA2-{match[1]}" if match else upper


def encryption_name(value: Any) -> str:
    """GCMAES256 → AES256-GCM; AES256 as it is."""
    upper = str(value).upper()
    match = re.fullmatch(r"GCMAES(128|192|256)", upper)
    return f"AES{match[1]}-GCM" if match else upper


def unique(values: Sequence[str]) -> list[str]:
    return sorted(set(values))


def tunnel(connection: Mapping[str, Any]) -> dict[str, Any]:
    props: Mapping[str, Any] = connection.get("properties") or {}
    status = str(props.get("connectionStatus") or "")
    protocol = str(props.get("connectionProtocol") or "").lower()
    out: dict[str, Any] = {
        "status": "up" if status == "Connected" else "down" if status else None,
        "ike_version": {"ikev2": "v2", "ikev1": "v1"}.get(protocol),
    }
    policies = props.get("ipsecPolicies") or []
    if policies:
        out.update(
            encryption=unique(
                [
                    encryption_name(p.get(k))
                    for p in policies
                    for k in ("ikeEncryption", "ipsecEncryption")
                    if p.get(k)
                ]
            ),
            integrity=unique(
                [
                    integrity_name(p.get(k))
                    for p in policies
                    for k in ("ikeIntegrity", "ipsecIntegrity")
                    if p.get(k)
                ]
            ),
            dh_groups=sorted(
                {
                    int(m[1])
                    for p in policies
                    if (m := re.search(r"(\d+)$", str(p.get("dhGroup") or "")))
                }
            ),
            pfs=all(str(p.get("pfsGroup") or "None") != "None" for p in policies),
        )
    return out


def tunnels(connection: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One tunnel per ``tunnelConnectionHealth`` entry (an active-active gateway has two),
    else the connection's own."""
    shared = tunnel(connection)
    health = (connection.get("properties") or {}).get("tunnelConnectionHealth") or []
    if not health:
        return [shared]
    states = [str(h.get("connectionStatus") or "") for h in health]
    return [
        {**shared, "status": "up" if state == "Connected" else "down" if state else None}
        for state in states
    ]


def vpn_props(connection: Mapping[str, Any]) -> dict[str, Any]:
    tags = tags_of(connection)
    role = tags.get(ROLE_TAG, "").strip().lower()
    return {
        "role": role if role in ("primary", "backup") else None,
        "peer_cloud": tags.get(PEER_CLOUD_TAG, "").strip().lower() or None,
        "tunnels": tunnels(connection),
    }


def is_ipsec(connection: Mapping[str, Any]) -> bool:
    return str((connection.get("properties") or {}).get("connectionType")) == "IPsec"


def to_resources(
    circuits: Sequence[Mapping[str, Any]], connections: Sequence[Mapping[str, Any]], sub: str
) -> list[Resource]:
    vpns = [c for c in connections if is_ipsec(c)]
    overlay = any((c.get("properties") or {}).get("useLocalAzureIpAddress") for c in vpns)
    resources = [
        Resource(
            uid=str(c["id"]),
            cloud=Cloud.AZURE,
            account=sub,
            region=str(c["location"]),
            type=CIRCUIT_TYPE,
            kind="link.interconnect",
            name=str(c["name"]),
            tags=tags_of(c),
            props=circuit_props(c, overlay),
            raw={k: v for k, v in c.items() if not k.startswith("_")},
        )
        for c in circuits
    ]
    resources.extend(
        Resource(
            uid=str(c["id"]),
            cloud=Cloud.AZURE,
            account=sub,
            region=str(c["location"]),
            type=VPN_TYPE,
            kind="link.vpn",
            name=str(c["name"]),
            tags=tags_of(c),
            props=vpn_props(c),
            raw=dict(c),
        )
        for c in vpns
    )
    return resources


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    circuits, connections = fetch(unit, rec)
    return Collected(
        resources=to_resources(circuits, connections, unit.account),
        gaps=rec.gaps,
        operations=rec.operations,
    )
