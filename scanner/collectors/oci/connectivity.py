"""FastConnect and Site-to-Site VPN: cross-connects, virtual circuits, IPSec connections.

``fetch_connectivity`` talks to the SDK (``VirtualNetworkClient``, every compartment of
the region); ``to_resources`` / ``to_edges`` are pure.

Cross-connects (``link.interconnect``): ``macsec_enabled`` is true when the MACsec
configuration is ENABLED *and* ``get_cross_connect_status`` reports the encryption UP
(absent when the status cannot be read); ``macsec_cipher`` is the configured cipher
(AES128_GCM, AES128_GCM_XPN, AES256_GCM, AES256_GCM_XPN); ``fail_closed`` is
``not is_unprotected_traffic_allowed``. ``redundant`` comes from the redundancy metadata
of the virtual circuits riding the cross-connect (DEVICE/POP/REGION → true,
NON_REDUNDANT → false). ``ipsec_overlay`` is true when an IPSec connection over
FastConnect has a tunnel on one of those virtual circuits (absent when a listing it
depends on failed).

IPSec connections (``link.vpn``): tunnels are listed per connection; a tunnel listed
without phase-one/phase-two details is read again with ``get_ip_sec_connection_tunnel``.
The negotiated algorithms are used, the configured (custom) ones when nothing has been
negotiated; a list is absent rather than partial when a phase is unknown. Names are
normalised: encryption AES256-GCM / AES256 / AES128..., integrity SHA2-256 / SHA2-384 /
SHA1, DH groups as integers; tunnel status UP → up, anything else → down.

Tag convention: the API does not say which path is primary, nor which cloud sits at the
far end. Freeform tags ``link_role`` (primary / backup) and ``peer_cloud`` (aws, azure,
gcp, on-prem...) on the IPSec connection / cross-connect fill ``role`` and
``peer_cloud``; without them the props are absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci.context import OciUnit, list_all, to_plain
from scanner.collectors.oci.network import (
    api_edge,
    list_in_compartments,
    lower,
    make_resource,
    raw_payload,
)
from scanner.model import Edge, Resource

SERVICE = "core"
CROSS_CONNECT_TYPE = "oci.core.cross_connect"
VIRTUAL_CIRCUIT_TYPE = "oci.core.virtual_circuit"
IPSEC_TYPE = "oci.core.ipsec_connection"

PERMISSIONS: dict[str, str] = {
    "list_cross_connects": "inspect cross-connects",
    "get_cross_connect_status": "inspect cross-connects",
    "list_virtual_circuits": "inspect virtual-circuits",
    "list_ip_sec_connections": "inspect ipsec-connections",
    "list_ip_sec_connection_tunnels": "inspect ipsec-connections",
    "get_ip_sec_connection_tunnel": "inspect ipsec-connections",
}
"""Each SDK operation this module calls → the OCI policy verb and resource type it needs."""

ROLE_TAG = "link_role"
PEER_CLOUD_TAG = "peer_cloud"
ROLES = ("primary", "backup")
REDUNDANT_LEVELS = frozenset({"DEVICE", "POP", "REGION"})


@dataclass
class ConnectivityPayload:
    """Plain (snake_case) payloads of one region."""

    cross_connects: list[dict[str, Any]] = field(default_factory=list)
    virtual_circuits: list[dict[str, Any]] = field(default_factory=list)
    ipsec_connections: list[dict[str, Any]] = field(default_factory=list)
    circuits_complete: bool = True
    ipsec_complete: bool = True


def fetch_cross_connects(unit: OciUnit, rec: Recorder, client: Any) -> list[dict[str, Any]]:
    cross_connects, _ = list_in_compartments(
        unit,
        rec,
        "list_cross_connects",
        client.list_cross_connects,
        CROSS_CONNECT_TYPE,
        "link.interconnect",
    )
    for cross_connect in cross_connects:
        status = rec.call(
            "get_cross_connect_status",
            client.get_cross_connect_status,
            cross_connect["id"],
            resource_type=CROSS_CONNECT_TYPE,
            kind="link.interconnect",
            resource_uid=cross_connect["id"],
            fields=["macsec_enabled"],
        )
        cross_connect["_status"] = to_plain(status.data) if status is not None else None
    return cross_connects


def has_phase_details(tunnel: Mapping[str, Any]) -> bool:
    return bool(tunnel.get("phase_one_details")) and bool(tunnel.get("phase_two_details"))


def fetch_tunnels(rec: Recorder, client: Any, connection_id: str) -> list[dict[str, Any]] | None:
    """The tunnels of one IPSec connection, each with its phase details when readable."""
    gap: dict[str, Any] = {
        "resource_type": IPSEC_TYPE,
        "kind": "link.vpn",
        "resource_uid": connection_id,
        "fields": ["tunnels"],
    }
    tunnels = list_all(
        rec,
        "list_ip_sec_connection_tunnels",
        client.list_ip_sec_connection_tunnels,
        connection_id,
        **gap,
    )
    if tunnels is None:
        return None
    complete: list[dict[str, Any]] = []
    for tunnel in tunnels:
        if not has_phase_details(tunnel):
            detail = rec.call(
                "get_ip_sec_connection_tunnel",
                client.get_ip_sec_connection_tunnel,
                connection_id,
                tunnel["id"],
                **gap,
            )
            if detail is not None:
                tunnel = to_plain(detail.data)
        complete.append(tunnel)
    return complete


def fetch_connectivity(unit: OciUnit, rec: Recorder) -> ConnectivityPayload:
    client = unit.clients.virtual_network(unit.region)
    cross_connects = fetch_cross_connects(unit, rec, client)
    circuits, circuits_complete = list_in_compartments(
        unit,
        rec,
        "list_virtual_circuits",
        client.list_virtual_circuits,
        VIRTUAL_CIRCUIT_TYPE,
        "link.virtual_circuit",
    )
    connections, ipsec_complete = list_in_compartments(
        unit, rec, "list_ip_sec_connections", client.list_ip_sec_connections, IPSEC_TYPE, "link.vpn"
    )
    for connection in connections:
        connection["_tunnels"] = fetch_tunnels(rec, client, connection["id"])
    return ConnectivityPayload(
        cross_connects=cross_connects,
        virtual_circuits=circuits,
        ipsec_connections=connections,
        circuits_complete=circuits_complete,
        ipsec_complete=ipsec_complete,
    )


# ── normalisation ─────────────────────────────────────────────────────────────


def encryption_name(value: str) -> str:
    """AES_256_GCM → AES256-GCM, AES_256_CBC → AES256; others upper-cased."""
    upper = value.upper()
    match = re.search(r"AES[_-]?(128|192|256)(?:[_-]?(GCM|CBC|CTR))?", upper)
    if match is None:
        return upper.replace("_", "-")
    return f"AES{match[1]}" + ("-GCM" if match[2] == "GCM" else "")


def integrity_name(value: str) -> str:
    """SHA2_384 / HMAC_SHA2_256_128 → SHA2-384 / SHA2-256; SHA1_96 → SHA1."""
    upper = value.upper()
    match = re.search(r"SHA2?[_-]?(256|384|512)", upper)
    if match is not None:
        return f"SHA2-{match[1]}"
    if "SHA1" in upper:
        return "SHA1"
    return "MD5" if "MD5" in upper else upper.replace("_", "-")


def dh_group(value: Any) -> int | None:
    """GROUP14 → 14."""
    match = re.search(r"(\d+)\s*$", str(value))
    return int(match[1]) if match else None


def macsec_cipher(value: str) -> str:
    """AES256_GCM_XPN (any separator or case) → the canonical OCI cipher name."""
    upper = value.upper().replace("-", "_")
    match = re.search(r"(128|256)", upper)
    if match is None or "GCM" not in upper:
        return upper
    return f"AES{match[1]}_GCM" + ("_XPN" if "XPN" in upper else "")


def chosen(details: Mapping[str, Any], name: str, custom: str | None = None) -> Any:
    """The negotiated value of a phase, else the configured (custom) one."""
    return details.get(f"negotiated_{name}") or details.get(custom or f"custom_{name}")


def unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def tunnel_crypto(tunnel: Mapping[str, Any]) -> dict[str, Any]:
    """Encryption, integrity, DH groups and PFS of both phases (None where unknown)."""
    one = tunnel.get("phase_one_details") or {}
    two = tunnel.get("phase_two_details") or {}
    if not one or not two:
        return {}
    enc = [chosen(one, "encryption_algorithm"), chosen(two, "encryption_algorithm")]
    auth_one = chosen(one, "authentication_algorithm")
    auth_two = chosen(two, "authentication_algorithm")
    aead = enc[1] is not None and "GCM" in str(enc[1]).upper()
    pfs = two.get("is_pfs_enabled")
    raw_groups = [chosen(one, "dh_group")]
    if pfs:
        raw_groups.append(chosen(two, "dh_group", custom="dh_group"))
    groups = [dh_group(g) if g else None for g in raw_groups]
    return {
        "encryption": unique(encryption_name(e) for e in enc) if all(enc) else None,
        "integrity": None
        if auth_one is None or (auth_two is None and not aead)
        else unique(integrity_name(a) for a in (auth_one, auth_two) if a),
        "dh_groups": unique(groups) if None not in groups else None,
        "pfs": pfs,
    }


def tunnel_props(tunnel: Mapping[str, Any]) -> dict[str, Any]:
    status = tunnel.get("status")
    ike = tunnel.get("ike_version")
    return {
        "status": None if status is None else ("up" if status == "UP" else "down"),
        "ike_version": {"V1": "v1", "V2": "v2"}.get(str(ike)),
        **tunnel_crypto(tunnel),
    }


def tagged(item: Mapping[str, Any], key: str) -> str | None:
    value = (item.get("freeform_tags") or {}).get(key)
    return str(value).strip().lower() if value else None


# ── resources ─────────────────────────────────────────────────────────────────


def interconnect_uids(
    circuit: Mapping[str, Any], groups: Mapping[str, Sequence[str]]
) -> list[str] | None:
    """Cross-connects a circuit rides on; a cross-connect group counts as its members."""
    mappings = circuit.get("cross_connect_mappings")
    if mappings is None:
        return None
    uids: list[str] = []
    for mapping in mappings:
        target = str(mapping.get("cross_connect_or_cross_connect_group_id") or "")
        if target.startswith("ocid1.crossconnect."):
            uids.append(target)
        else:
            uids.extend(groups.get(target, ()))
    return unique(uids)


def group_members(cross_connects: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    members: dict[str, list[str]] = {}
    for cross_connect in cross_connects:
        group = cross_connect.get("cross_connect_group_id")
        if group:
            members.setdefault(str(group), []).append(str(cross_connect["id"]))
    return members


def circuit_resource(
    circuit: Mapping[str, Any], tenancy: str, region: str, uids: list[str] | None
) -> Resource:
    props = {
        "provider": circuit.get("provider_name"),
        "bandwidth": circuit.get("bandwidth_shape_name"),
        "bgp_state": lower(circuit.get("bgp_session_state")),
        "gateway_uid": circuit.get("gateway_id"),
        "interconnect_uids": uids,
        "circuit_type": lower(circuit.get("type")),
    }
    raw = raw_payload(circuit)
    if raw.get("cross_connect_mappings"):  # never keep the BGP MD5 key
        raw["cross_connect_mappings"] = [
            {k: v for k, v in m.items() if k != "bgp_md5_auth_key"}
            for m in raw["cross_connect_mappings"]
        ]
    return make_resource(
        circuit, tenancy, region, VIRTUAL_CIRCUIT_TYPE, "link.virtual_circuit", props, raw
    )


def overlay_circuits(payload: ConnectivityPayload) -> set[str] | None:
    """Virtual circuits carrying an IPSec-over-FastConnect tunnel; None when unknowable."""
    if not payload.ipsec_complete:
        return None
    circuits: set[str] = set()
    for connection in payload.ipsec_connections:
        if connection.get("transport_type") != "FASTCONNECT":
            continue
        tunnels = connection.get("_tunnels")
        if tunnels is None:
            return None
        for tunnel in tunnels:
            circuits.update(tunnel.get("associated_virtual_circuits") or [])
    return circuits


def redundancy(circuits: Sequence[Mapping[str, Any]]) -> bool | None:
    levels = {
        (c.get("virtual_circuit_redundancy_metadata") or {}).get("configured_redundancy_level")
        for c in circuits
    }
    if levels & REDUNDANT_LEVELS:
        return True
    return False if levels == {"NON_REDUNDANT"} else None


def macsec_props(cross_connect: Mapping[str, Any]) -> dict[str, Any]:
    macsec = cross_connect.get("macsec_properties") or {}
    if macsec.get("state") != "ENABLED":
        return {"macsec_enabled": False, "fail_closed": False}
    status = cross_connect.get("_status")
    cipher = macsec.get("encryption_cipher")
    unprotected = macsec.get("is_unprotected_traffic_allowed")
    return {
        "macsec_enabled": None if status is None else status.get("encryption_status") == "UP",
        "macsec_cipher": macsec_cipher(str(cipher)) if cipher else None,
        "fail_closed": None if unprotected is None else not unprotected,
    }


def cross_connect_resource(
    cross_connect: Mapping[str, Any],
    tenancy: str,
    region: str,
    riding: Sequence[Mapping[str, Any]] | None,
    overlay: set[str] | None,
) -> Resource:
    """``riding``: circuits on this cross-connect (None when circuits were not all listed)."""
    props: dict[str, Any] = {
        "provider": "fastconnect",
        "location": cross_connect.get("location_name"),
        **macsec_props(cross_connect),
        "peer_cloud": tagged(cross_connect, PEER_CLOUD_TAG),
    }
    if riding is not None:
        props["redundant"] = redundancy(riding)
        if overlay is not None:
            props["ipsec_overlay"] = any(str(c["id"]) in overlay for c in riding)
    raw = raw_payload(cross_connect)
    if cross_connect.get("_status") is not None:
        raw["status"] = cross_connect["_status"]
    return make_resource(
        cross_connect, tenancy, region, CROSS_CONNECT_TYPE, "link.interconnect", props, raw
    )


def ipsec_resource(connection: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    tunnels = connection.get("_tunnels")
    role = tagged(connection, ROLE_TAG)
    transport = connection.get("transport_type")
    props = {
        "role": role if role in ROLES else None,
        "peer_cloud": tagged(connection, PEER_CLOUD_TAG),
        "gateway_uid": connection.get("drg_id"),
        "transport": lower(transport),
        "tunnels": None
        if tunnels is None
        else [tunnel_props(t) for t in sorted(tunnels, key=lambda t: str(t.get("id")))],
    }
    raw = raw_payload(connection)
    if tunnels is not None:
        raw["tunnels"] = tunnels
    return make_resource(connection, tenancy, region, IPSEC_TYPE, "link.vpn", props, raw)


def to_resources(payload: ConnectivityPayload, tenancy: str, region: str) -> list[Resource]:
    groups = group_members(payload.cross_connects)
    rides = {str(c["id"]): interconnect_uids(c, groups) for c in payload.virtual_circuits}
    overlay = overlay_circuits(payload)
    resources = [
        cross_connect_resource(
            cc,
            tenancy,
            region,
            [c for c in payload.virtual_circuits if cc["id"] in (rides[str(c["id"])] or [])]
            if payload.circuits_complete
            else None,
            overlay,
        )
        for cc in payload.cross_connects
    ]
    resources += [
        circuit_resource(c, tenancy, region, rides[str(c["id"])]) for c in payload.virtual_circuits
    ]
    resources += [ipsec_resource(c, tenancy, region) for c in payload.ipsec_connections]
    return resources


def to_edges(payload: ConnectivityPayload) -> list[Edge]:
    """Circuits and IPSec connections ``connects`` to their DRG; a circuit ``routes_via``
    its cross-connects; an IPSec-over-FastConnect connection ``routes_via`` its circuits."""
    groups = group_members(payload.cross_connects)
    edges: list[Edge] = []
    for circuit in payload.virtual_circuits:
        uid = str(circuit["id"])
        if circuit.get("gateway_id"):
            edges.append(api_edge(uid, str(circuit["gateway_id"]), "connects"))
        for target in interconnect_uids(circuit, groups) or []:
            edges.append(api_edge(uid, target, "routes_via"))
    for connection in payload.ipsec_connections:
        uid = str(connection["id"])
        if connection.get("drg_id"):
            edges.append(api_edge(uid, str(connection["drg_id"]), "connects"))
        for tunnel in connection.get("_tunnels") or []:
            for circuit_id in tunnel.get("associated_virtual_circuits") or []:
                edges.append(api_edge(uid, str(circuit_id), "routes_via"))
    return edges


def collect(unit: OciUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    payload = fetch_connectivity(unit, rec)
    return Collected(
        resources=to_resources(payload, unit.scope.tenancy, unit.region),
        edges=to_edges(payload),
        gaps=list(rec.gaps),
        operations=rec.operations,
    )
