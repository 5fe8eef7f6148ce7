"""Core networking, FastConnect and IPSec collectors: the real SDK against the replay server.

The reference fixtures must produce the network resources of the reference estate exactly
(plus the gateways, route tables, attachments and circuit no control evaluates), with the
estate's scope gap in eu-amsterdam-1; every injected failure must become the right gap
while the rest is still collected.
"""

from __future__ import annotations

import os

os.environ["OCI_SDK_DEFAULT_RETRY_ENABLED"] = "false"

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.collectors.base import Collected
from scanner.collectors.oci import connectivity, network
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import Service, collect_oci, required_permissions
from scanner.config import load_config
from scanner.engine.catalog import load_catalog
from scanner.model import CollectionGap, Resource, Snapshot
from scanner.model.props import normalise_props
from scanner.pipeline import evaluate_snapshot
from tests.support.oci_replay import (
    OciReplayServer,
    RecordedRequest,
    Route,
    load_routes,
    write_oci_config,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "oci" / "reference"
SOURCE = ROOT / "fixtures" / "oci" / "reference-expected.yaml"

TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
DATA_PLATFORM = "ocid1.compartment.oc1..aaaaaaaadataplatform2w"
NETWORK = "ocid1.compartment.oc1..aaaaaaaanetwork8s"
FRA, AMS = "eu-frankfurt-1", "eu-amsterdam-1"
API = f"/{FRA}/20160918"

VCN = "ocid1.vcn.oc1.eu-frankfurt-1.aaaaaaaaprodvcn1q"
SUBNET = "ocid1.subnet.oc1.eu-frankfurt-1.aaaaaaaaappsubnet4r"
SECLIST = "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u"
NSG = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.aaaaaaaadbnsg2k"
NAT = "ocid1.natgateway.oc1.eu-frankfurt-1.aaaaaaaaprodnat5c"
SGW = "ocid1.servicegateway.oc1.eu-frankfurt-1.aaaaaaaaprodsgw8e"
DRG = "ocid1.drg.oc1.eu-frankfurt-1.aaaaaaaaproddrg6h"
APP_RT = "ocid1.routetable.oc1.eu-frankfurt-1.aaaaaaaaapprt3d"
DEFAULT_RT = "ocid1.routetable.oc1.eu-frankfurt-1.aaaaaaaaprodvcndefrt"
ATT_VCN = "ocid1.drgattachment.oc1.eu-frankfurt-1.aaaaaaaaprodvcnatt1"
ATT_VC = "ocid1.drgattachment.oc1.eu-frankfurt-1.aaaaaaaavcawsatt2"
ATT_TUN1 = "ocid1.drgattachment.oc1.eu-frankfurt-1.aaaaaaaavpntun1att3"
ATT_TUN2 = "ocid1.drgattachment.oc1.eu-frankfurt-1.aaaaaaaavpntun2att4"
CROSS_CONNECT = "ocid1.crossconnect.oc1.eu-frankfurt-1.aaaaaaaafcawsfra5x"
CIRCUIT = "ocid1.virtualcircuit.oc1.eu-frankfurt-1.aaaaaaaavcawsfra8p"
VPN = "ocid1.ipsecconnection.oc1.eu-frankfurt-1.aaaaaaaaawsbackupvpn3m"
TUNNEL_2 = "ocid1.ipsectunnel.oc1.eu-frankfurt-1.aaaaaaaaawsbackuptun2"

SERVICES = (
    Service(network.SERVICE, network.collect, True, network.PERMISSIONS),
    Service(connectivity.SERVICE, connectivity.collect, True, connectivity.PERMISSIONS),
)
TYPES = {
    "oci.core.vcn",
    "oci.core.subnet",
    "oci.core.security_list",
    "oci.core.network_security_group",
    "oci.core.internet_gateway",
    "oci.core.nat_gateway",
    "oci.core.service_gateway",
    "oci.core.drg",
    "oci.core.route_table",
    "oci.core.drg_attachment",
    "oci.core.local_peering_gateway",
    "oci.core.remote_peering_connection",
    "oci.core.cross_connect",
    "oci.core.virtual_circuit",
    "oci.core.ipsec_connection",
}

TUNNEL = {
    "status": "up",
    "ike_version": "v2",
    "encryption": ["AES256-GCM"],
    "integrity": ["SHA2-384"],
    "dh_groups": [20],
    "pfs": True,
}
CROSS_CONNECT_PROPS = {
    "provider": "fastconnect",
    "location": "Equinix FR5",
    "macsec_enabled": True,
    "macsec_cipher": "AES256_GCM_XPN",
    "fail_closed": True,
    "ipsec_overlay": False,
    "redundant": True,
    "peer_cloud": "aws",
}
VPN_PROPS = {
    "role": "backup",
    "peer_cloud": "aws",
    "tunnels": [TUNNEL, TUNNEL],
    "gateway_uid": DRG,
    "transport": "internet",
}
ALL_RULES = [
    {"direction": "ingress", "action": "allow", "protocol": "tcp", "source": "0.0.0.0/0"}
    | {"port_from": 22, "port_to": 22},
    {"direction": "ingress", "action": "allow", "protocol": "tcp", "source": "0.0.0.0/0"}
    | {"port_from": 443, "port_to": 443},
    {"direction": "egress", "action": "allow", "protocol": "all", "source": "0.0.0.0/0"},
]
NSG_RULES = [
    {"direction": "ingress", "action": "allow", "protocol": "tcp", "source": "10.20.1.0/24"}
    | {"port_from": 1521, "port_to": 1522}
]


def attachment(peer: str) -> dict[str, Any]:
    return {"peer_uid": peer, "gateway_uid": DRG, "status": "attached"}


EXPECTED: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    VCN: ("oci.core.vcn", "net.network", "prod-vcn", {"cidr_blocks": ["10.20.0.0/16"]}),
    SUBNET: (
        "oci.core.subnet",
        "net.subnet",
        "app-subnet",
        {"network_uid": VCN, "cidr": "10.20.1.0/24", "public_ip_on_launch": False},
    ),
    SECLIST: (
        "oci.core.security_list",
        "net.firewall",
        "app-subnet-seclist",
        {"network_uid": VCN, "is_default": False, "rules": ALL_RULES},
    ),
    NSG: (
        "oci.core.network_security_group",
        "net.firewall",
        "db-nsg",
        {"network_uid": VCN, "rules": NSG_RULES},
    ),
    NAT: (
        "oci.core.nat_gateway",
        "net.gateway",
        "prod-nat",
        {"gateway_type": "nat", "network_uid": VCN, "enabled": True},
    ),
    SGW: (
        "oci.core.service_gateway",
        "net.gateway",
        "prod-sgw",
        {"gateway_type": "service", "network_uid": VCN, "enabled": True},
    ),
    DRG: ("oci.core.drg", "net.gateway", "prod-drg", {"gateway_type": "drg"}),
    APP_RT: (
        "oci.core.route_table",
        "net.route_table",
        "app-rt",
        {
            "network_uid": VCN,
            "routes": [
                {"destination": "0.0.0.0/0", "target_uid": NAT},
                {"destination": "all-fra-services-in-oracle-services-network", "target_uid": SGW},
                {"destination": "10.50.0.0/16", "target_uid": DRG},
            ],
        },
    ),
    DEFAULT_RT: (
        "oci.core.route_table",
        "net.route_table",
        "Default Route Table for prod-vcn",
        {"network_uid": VCN, "routes": []},
    ),
    ATT_VCN: ("oci.core.drg_attachment", "net.peering", "prod-vcn-attachment", attachment(VCN)),
    ATT_VC: (
        "oci.core.drg_attachment",
        "net.peering",
        "vc-aws-frankfurt-attachment",
        attachment(CIRCUIT),
    ),
    ATT_TUN1: (
        "oci.core.drg_attachment",
        "net.peering",
        "oci-aws-backup-vpn-tunnel-1",
        attachment(VPN),
    ),
    ATT_TUN2: (
        "oci.core.drg_attachment",
        "net.peering",
        "oci-aws-backup-vpn-tunnel-2",
        attachment(VPN),
    ),
    CROSS_CONNECT: (
        "oci.core.cross_connect",
        "link.interconnect",
        "fastconnect-aws-frankfurt",
        CROSS_CONNECT_PROPS,
    ),
    CIRCUIT: (
        "oci.core.virtual_circuit",
        "link.virtual_circuit",
        "vc-aws-frankfurt",
        {
            "bandwidth": "10 Gbps",
            "bgp_state": "up",
            "gateway_uid": DRG,
            "interconnect_uids": [CROSS_CONNECT],
            "circuit_type": "private",
        },
    ),
    VPN: ("oci.core.ipsec_connection", "link.vpn", "oci-aws-backup-vpn", VPN_PROPS),
}

EXPECTED_EDGES = {
    (SUBNET, "member_of", VCN),
    (SECLIST, "member_of", VCN),
    (NSG, "member_of", VCN),
    (APP_RT, "routes_via", NAT),
    (APP_RT, "routes_via", SGW),
    (APP_RT, "routes_via", DRG),
    (CIRCUIT, "connects", DRG),
    (CIRCUIT, "routes_via", CROSS_CONNECT),
    (VPN, "connects", DRG),
}

AMSTERDAM_GAP = (
    "core",
    "list_security_lists",
    "TooManyRequests",
    AMS,
    "oci.core.security_list",
    "net.firewall",
    None,
    None,
)


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


def reference_routes() -> list[Route]:
    return load_routes([FIXTURES / "scope.yaml", FIXTURES / "network.yaml"])


def source_resources() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    return {r["uid"]: r for r in doc["resources"] if r["cloud"] == "oci" and r["type"] in TYPES}


def fault(path: str, status: int, code: str, query: dict[str, str] | None = None) -> Route:
    return Route(
        path=path, query=query or {}, status=status, body={"code": code, "message": "injected"}
    )


Run = Callable[[list[Route]], tuple[Snapshot, Collected, list[RecordedRequest]]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    config = write_oci_config(tmp_path, TENANCY)

    def _run(routes: list[Route]) -> tuple[Snapshot, Collected, list[RecordedRequest]]:
        with OciReplayServer(routes) as server:
            options = OciOptions(config_file=config, endpoint=server.endpoint, retry_attempts=1)
            snapshot, collected = collect_oci(options, services=SERVICES)
            return snapshot, collected, list(server.requests)

    return _run


def network_resources(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.uid: r for r in snapshot.resources if r.type in TYPES}


def view(resources: dict[str, Resource]) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    return {uid: (r.type, r.kind, r.name, r.props) for uid, r in resources.items()}


def gap_view(gap: CollectionGap) -> tuple[Any, ...]:
    return (
        gap.service,
        gap.operation,
        gap.error_class,
        gap.region,
        gap.resource_type,
        gap.kind,
        gap.resource_uid,
        gap.fields,
    )


def expected_with(
    changes: dict[str, dict[str, Any] | None],
) -> dict[str, tuple[str, str, str, dict[str, Any]]]:
    """EXPECTED with some resources gone (None) or some props replaced (None drops one)."""
    expected = copy.deepcopy(EXPECTED)
    for uid, props in changes.items():
        if props is None:
            del expected[uid]
            continue
        merged = {**expected[uid][3], **props}
        expected[uid] = (*expected[uid][:3], {k: v for k, v in merged.items() if v is not None})
    return expected


# ───────────────────────────────────── reference estate ─────────────────────────────────────


def test_reference_network_is_exactly_the_expected_set(run: Run) -> None:
    snapshot, _, requests = run(reference_routes())
    assert view(network_resources(snapshot)) == EXPECTED
    assert all(
        r.account == TENANCY and r.region == FRA for r in network_resources(snapshot).values()
    )
    # Route tables come in two pages; the second page is really asked for.
    pages = [r.query.get("page") for r in requests if r.path == f"{API}/routeTables"]
    assert "1" in pages


def test_reference_resources_match_the_reference_estate(run: Run) -> None:
    """Same uid, name, region, type, kind and props as source.yaml, except for:

    * ``flow_logs_enabled`` of the VCN and subnet: the logging service fills it;
    * ``gateway_uid`` and ``transport`` of the VPN: the API tells them, source.yaml omits them.
    """
    snapshot, _, _ = run(reference_routes())
    found = network_resources(snapshot)
    source = source_resources()
    assert set(source) == {VCN, SUBNET, SECLIST, NSG, CROSS_CONNECT, VPN}
    for uid, expected in source.items():
        resource = found[uid]
        assert (resource.cloud.value, resource.account, resource.region) == (
            expected["cloud"],
            expected["account"],
            expected["region"],
        )
        assert (resource.type, resource.kind, resource.name) == (
            expected["type"],
            expected["kind"],
            expected["name"],
        )
        props = {k: v for k, v in expected["props"].items() if k != "flow_logs_enabled"}
        if uid == VPN:
            props.update(gateway_uid=DRG, transport="internet")
        assert resource.props == normalise_props(expected["kind"], props), uid


def test_network_controls_judge_the_collected_estate_as_the_reference(run: Run) -> None:
    """NET-001 fails on the SSH-open security list only; the throttled listing is
    inconclusive; the MACsec cross-connect and the IKEv2 VPN pass ICN-001 / ICN-002."""
    snapshot, _, _ = run(reference_routes())
    catalog = load_catalog(ROOT / "controls")
    config = load_config(ROOT / "fixtures" / "estates" / "reference" / "estate.yaml")
    findings = evaluate_snapshot(snapshot, "test", catalog, config).findings.findings
    outcomes = {
        (f.control_id, f.resource_uid): f.status.value
        for f in findings
        if f.control_id in ("NET-001", "ICN-001", "ICN-002")
    }
    assert outcomes == {
        ("NET-001", SECLIST): "fail",
        ("NET-001", NSG): "pass",
        ("NET-001", f"gap:oci/{TENANCY}/{AMS}/oci.core.security_list"): "inconclusive",
        ("ICN-001", CROSS_CONNECT): "pass",
        ("ICN-002", VPN): "pass",
    }


def test_reference_edges(run: Run) -> None:
    snapshot, _, _ = run(reference_routes())
    assert {(e.src, e.kind, e.dst) for e in snapshot.edges} == EXPECTED_EDGES
    assert {e.provenance.value for e in snapshot.edges} == {"api"}


def test_amsterdam_security_lists_throttled_is_the_one_scope_gap(run: Run) -> None:
    snapshot, collected, _ = run(reference_routes())
    assert [gap_view(g) for g in snapshot.gaps] == [AMSTERDAM_GAP]
    # One per compartment before the snapshot de-duplicates them.
    assert len(collected.gaps) == 3
    assert (
        snapshot.gaps[0].message == "HTTP 429 TooManyRequests: Tenancy request-rate limit exceeded"
    )


def test_operations_are_read_only_signed_and_exactly_the_declared_ones(run: Run) -> None:
    _, collected, requests = run(reference_routes())
    assert collected.operations == set(required_permissions(SERVICES))
    assert {r.method for r in requests} == {"GET"}
    assert all(r.signed for r in requests)
    # DRG attachments of every type are listed, not only the API's default (VCN).
    drg_queries = [r.query for r in requests if r.path.endswith("/drgAttachments")]
    assert drg_queries and all(q.get("attachmentType") == "ALL" for q in drg_queries)


def test_permissions_name_only_virtual_network_resource_types() -> None:
    needs = {**network.PERMISSIONS, **connectivity.PERMISSIONS}
    assert {need.split(" ")[0] for need in needs.values()} <= {"inspect", "read", "use"}
    assert {need.split(" ")[1] for need in needs.values()} == {
        "vcns",
        "subnets",
        "security-lists",
        "network-security-groups",
        "internet-gateways",
        "nat-gateways",
        "service-gateways",
        "drgs",
        "drg-attachments",
        "route-tables",
        "local-peering-gateways",
        "remote-peering-connections",
        "cross-connects",
        "virtual-circuits",
        "ipsec-connections",
    }


# ───────────────────────────────────── injected failures ────────────────────────────────────


def test_cross_connect_status_server_error_leaves_macsec_enabled_unknown(run: Run) -> None:
    routes = [
        fault(f"{API}/crossConnects/{CROSS_CONNECT}/status", 500, "InternalServerError"),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    assert view(network_resources(snapshot)) == expected_with(
        {CROSS_CONNECT: {"macsec_enabled": None}}
    )
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        (
            "core",
            "get_cross_connect_status",
            "ServerError500",
            FRA,
            "oci.core.cross_connect",
            "link.interconnect",
            CROSS_CONNECT,
            ["macsec_enabled"],
        ),
    ]


def test_nsg_rules_forbidden_keeps_the_nsg_without_rules(run: Run) -> None:
    routes = [
        fault(f"{API}/networkSecurityGroups/{NSG}/securityRules", 403, "NotAuthorizedOrNotFound"),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    assert view(network_resources(snapshot)) == expected_with({NSG: {"rules": None}})
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        (
            "core",
            "list_network_security_group_security_rules",
            "NotAuthorizedOrNotFound",
            FRA,
            "oci.core.network_security_group",
            "net.firewall",
            NSG,
            ["rules"],
        ),
    ]


def test_tunnels_not_found_leaves_the_vpn_without_tunnels(run: Run) -> None:
    routes = [fault(f"{API}/ipsecConnections/{VPN}/tunnels", 404, "NotFound"), *reference_routes()]
    snapshot, _, _ = run(routes)
    # The VPN runs over the internet: the cross-connect's IPSec overlay is still known.
    assert view(network_resources(snapshot)) == expected_with({VPN: {"tunnels": None}})
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        (
            "core",
            "list_ip_sec_connection_tunnels",
            "NotFound",
            FRA,
            "oci.core.ipsec_connection",
            "link.vpn",
            VPN,
            ["tunnels"],
        ),
    ]


def test_one_tunnel_detail_failing_leaves_only_its_crypto_unknown(run: Run) -> None:
    routes = [
        fault(f"{API}/ipsecConnections/{VPN}/tunnels/{TUNNEL_2}", 502, "BadGateway"),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    tunnels = [TUNNEL, {"status": "up", "ike_version": "v2"}]
    assert view(network_resources(snapshot)) == expected_with({VPN: {"tunnels": tunnels}})
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        (
            "core",
            "get_ip_sec_connection_tunnel",
            "ServerError502",
            FRA,
            "oci.core.ipsec_connection",
            "link.vpn",
            VPN,
            ["tunnels"],
        ),
    ]


def test_vcns_throttled_is_a_scope_gap_and_default_status_unknown(run: Run) -> None:
    routes = [
        fault(f"{API}/vcns", 429, "TooManyRequests", {"compartmentId": NETWORK}),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    assert view(network_resources(snapshot)) == expected_with(
        {VCN: None, SECLIST: {"is_default": None}}
    )
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        ("core", "list_vcns", "TooManyRequests", FRA, "oci.core.vcn", "net.network", None, None),
    ]


def test_circuits_unavailable_leave_redundancy_and_overlay_unknown(run: Run) -> None:
    routes = [
        fault(
            f"{API}/virtualCircuits", 503, "ServiceUnavailable", {"compartmentId": DATA_PLATFORM}
        ),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    assert view(network_resources(snapshot)) == expected_with(
        {CROSS_CONNECT: {"redundant": None, "ipsec_overlay": None}}
    )
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        (
            "core",
            "list_virtual_circuits",
            "ServerError503",
            FRA,
            "oci.core.virtual_circuit",
            "link.virtual_circuit",
            None,
            None,
        ),
    ]


def test_a_failed_later_page_drops_the_partial_listing(run: Run) -> None:
    routes = reference_routes()
    # Page 2 of the route tables fails: the first page is not kept as if it were all.
    routes.insert(0, fault(f"{API}/routeTables", 500, "InternalError", {"page": "1"}))
    snapshot, _, _ = run(routes)
    assert view(network_resources(snapshot)) == expected_with({APP_RT: None, DEFAULT_RT: None})
    assert [gap_view(g)[:6] for g in snapshot.gaps] == [
        AMSTERDAM_GAP[:6],
        (
            "core",
            "list_route_tables",
            "ServerError500",
            FRA,
            "oci.core.route_table",
            "net.route_table",
        ),
    ]


# ───────────────────────────────────── other shapes ─────────────────────────────────────────

IGW = "ocid1.internetgateway.oc1.eu-frankfurt-1.aaaaaaaalabigw"
LPG = "ocid1.localpeeringgateway.oc1.eu-frankfurt-1.aaaaaaaalablpg"
RPC = "ocid1.remotepeeringconnection.oc1.eu-frankfurt-1.aaaaaaaalabrpc"
LAB_VCN = "ocid1.vcn.oc1.eu-frankfurt-1.aaaaaaaalabvcn"
LAB_DEFAULT_SL = "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaalabdefaultsl"
LAB_NSG = "ocid1.networksecuritygroup.oc1.eu-frankfurt-1.aaaaaaaalabnsg"
LAB_GROUP = "ocid1.crossconnectgroup.oc1.eu-frankfurt-1.aaaaaaaalabccg"
LAB_CC = "ocid1.crossconnect.oc1.eu-frankfurt-1.aaaaaaaalabcc"
LAB_VC = "ocid1.virtualcircuit.oc1.eu-frankfurt-1.aaaaaaaalabvc"
LAB_VPN = "ocid1.ipsecconnection.oc1.eu-frankfurt-1.aaaaaaaalabvpn"
IN_NETWORK = {"compartmentId": NETWORK}
LAB_STAMP = {"lifecycleState": "AVAILABLE", "timeCreated": "2026-01-01T00:00:00.000Z"}


def lab_routes() -> list[Route]:
    """A lab estate in the network compartment that exercises the remaining shapes."""
    common = {"compartmentId": NETWORK, **LAB_STAMP}
    tunnels = [
        {
            "id": "ocid1.ipsectunnel.oc1.eu-frankfurt-1.aaaaaaaalabtun1",
            "status": "DOWN",
            "ikeVersion": "V1",
            "phaseOneDetails": {
                "isCustomPhaseOneConfig": True,
                "customAuthenticationAlgorithm": "SHA1_96",
                "customEncryptionAlgorithm": "AES_128_CBC",
                "customDhGroup": "GROUP14",
            },
            "phaseTwoDetails": {
                "isCustomPhaseTwoConfig": True,
                "customAuthenticationAlgorithm": "HMAC_SHA2_256_128",
                "customEncryptionAlgorithm": "AES_256_CBC",
                "isPfsEnabled": False,
            },
            "associatedVirtualCircuits": [LAB_VC],
            **common,
        },
        {
            "id": "ocid1.ipsectunnel.oc1.eu-frankfurt-1.aaaaaaaalabtun2",
            "status": "UP",
            "ikeVersion": "V2",
            "phaseOneDetails": {
                "negotiatedAuthenticationAlgorithm": "SHA2_256",
                "negotiatedEncryptionAlgorithm": "AES_256_CBC",
                "negotiatedDhGroup": "GROUP19",
            },
            "phaseTwoDetails": {
                "negotiatedAuthenticationAlgorithm": "HMAC_SHA2_256_128",
                "negotiatedEncryptionAlgorithm": "AES_256_CBC",
                "negotiatedDhGroup": "GROUP21",
                "isPfsEnabled": True,
            },
            "associatedVirtualCircuits": [LAB_VC],
            **common,
        },
    ]
    return [
        Route(
            path=f"{API}/vcns",
            query=IN_NETWORK,
            body=[
                {
                    "id": LAB_VCN,
                    "displayName": "lab-vcn",
                    "cidrBlock": "10.99.0.0/16",
                    "defaultSecurityListId": LAB_DEFAULT_SL,
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/securityLists",
            query=IN_NETWORK,
            body=[
                {
                    "id": LAB_DEFAULT_SL,
                    "displayName": "Default Security List for lab-vcn",
                    "vcnId": LAB_VCN,
                    "ingressSecurityRules": [
                        {"protocol": "17", "source": "10.0.0.0/8"},
                        {"protocol": "1", "source": "0.0.0.0/0", "icmpOptions": {"type": 3}},
                        {
                            "protocol": "6",
                            "source": "192.168.0.0/16",
                            "tcpOptions": {"sourcePortRange": {"min": 1024, "max": 65535}},
                        },
                    ],
                    "egressSecurityRules": [
                        {
                            "protocol": "6",
                            "destination": "all-fra-services-in-oracle-services-network",
                            "destinationType": "SERVICE_CIDR_BLOCK",
                            "tcpOptions": {"destinationPortRange": {"min": 443, "max": 443}},
                        }
                    ],
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/networkSecurityGroups",
            query=IN_NETWORK,
            body=[{"id": LAB_NSG, "displayName": "lab-nsg", "vcnId": LAB_VCN, **common}],
        ),
        Route(
            path=f"{API}/networkSecurityGroups/{LAB_NSG}/securityRules",
            pages=[
                [
                    {
                        "id": "r1",
                        "direction": "INGRESS",
                        "protocol": "all",
                        "source": LAB_NSG,
                        "sourceType": "NETWORK_SECURITY_GROUP",
                    }
                ],
                [
                    {
                        "id": "r2",
                        "direction": "EGRESS",
                        "protocol": "17",
                        "destination": "10.20.0.0/16",
                        "destinationType": "CIDR_BLOCK",
                        "udpOptions": {"destinationPortRange": {"min": 53, "max": 53}},
                    }
                ],
            ],
        ),
        Route(
            path=f"{API}/internetGateways",
            query=IN_NETWORK,
            body=[
                {
                    "id": IGW,
                    "displayName": "lab-igw",
                    "vcnId": LAB_VCN,
                    "isEnabled": False,
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/localPeeringGateways",
            query=IN_NETWORK,
            body=[
                {
                    "id": LPG,
                    "displayName": "lab-lpg",
                    "vcnId": LAB_VCN,
                    "peerId": "ocid1.localpeeringgateway.oc1.eu-frankfurt-1.aaaaaaaaotherlpg",
                    "peeringStatus": "PEERED",
                    "isCrossTenancyPeering": False,
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/remotePeeringConnections",
            query=IN_NETWORK,
            body=[
                {
                    "id": RPC,
                    "displayName": "lab-rpc",
                    "drgId": DRG,
                    "peerId": "ocid1.remotepeeringconnection.oc1.us-ashburn-1.aaaaaaaapartner",
                    "peerRegionName": "us-ashburn-1",
                    "peerTenancyId": "ocid1.tenancy.oc1..aaaaaaaapartner",
                    "peeringStatus": "PENDING",
                    "isCrossTenancyPeering": True,
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/crossConnects",
            query=IN_NETWORK,
            body=[
                {
                    "id": LAB_CC,
                    "displayName": "lab-cc",
                    "crossConnectGroupId": LAB_GROUP,
                    "locationName": "Interxion FRA8",
                    "portSpeedShapeName": "1 Gbps",
                    "macsecProperties": {"state": "DISABLED"},
                    "freeformTags": {"peer_cloud": "Azure"},
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/crossConnects/{LAB_CC}/status",
            body={"crossConnectId": LAB_CC, "interfaceState": "UP", "encryptionStatus": "DOWN"},
        ),
        Route(
            path=f"{API}/virtualCircuits",
            query=IN_NETWORK,
            body=[
                {
                    "id": LAB_VC,
                    "displayName": "lab-vc",
                    "type": "PRIVATE",
                    "bandwidthShapeName": "1 Gbps",
                    "bgpSessionState": "DOWN",
                    "providerName": "Megaport",
                    "gatewayId": DRG,
                    "crossConnectMappings": [
                        {
                            "crossConnectOrCrossConnectGroupId": LAB_GROUP,
                            "bgpMd5AuthKey": "s3cr3t",
                            "vlan": 200,
                        }
                    ],
                    "virtualCircuitRedundancyMetadata": {
                        "configuredRedundancyLevel": "NON_REDUNDANT"
                    },
                    **common,
                }
            ],
        ),
        Route(
            path=f"{API}/ipsecConnections",
            query=IN_NETWORK,
            body=[
                {
                    "id": LAB_VPN,
                    "displayName": "lab-vpn",
                    "cpeId": "ocid1.cpe.oc1.eu-frankfurt-1.aaaaaaaalabcpe",
                    "drgId": DRG,
                    "staticRoutes": [],
                    "transportType": "FASTCONNECT",
                    "freeformTags": {"link_role": "Primary", "peer_cloud": "azure"},
                    **common,
                }
            ],
        ),
        Route(path=f"{API}/ipsecConnections/{LAB_VPN}/tunnels", body=tunnels),
    ]


def test_other_shapes_are_normalised(run: Run) -> None:
    snapshot, _, _ = run([*lab_routes(), *reference_routes()])
    found = network_resources(snapshot)
    lab = {uid: r for uid, r in found.items() if "aaaaaaaalab" in uid}
    assert view(lab) == {
        LAB_VCN: ("oci.core.vcn", "net.network", "lab-vcn", {"cidr_blocks": ["10.99.0.0/16"]}),
        LAB_DEFAULT_SL: (
            "oci.core.security_list",
            "net.firewall",
            "Default Security List for lab-vcn",
            {
                "network_uid": LAB_VCN,
                "is_default": True,
                "rules": [
                    {
                        "direction": "ingress",
                        "action": "allow",
                        "protocol": "udp",
                        "source": "10.0.0.0/8",
                    },
                    {
                        "direction": "ingress",
                        "action": "allow",
                        "protocol": "icmp",
                        "source": "0.0.0.0/0",
                    },
                    # Only a source port range: every destination port.
                    {
                        "direction": "ingress",
                        "action": "allow",
                        "protocol": "tcp",
                        "source": "192.168.0.0/16",
                    },
                    {
                        "direction": "egress",
                        "action": "allow",
                        "protocol": "tcp",
                        "source": "all-fra-services-in-oracle-services-network",
                        "port_from": 443,
                        "port_to": 443,
                    },
                ],
            },
        ),
        LAB_NSG: (
            "oci.core.network_security_group",
            "net.firewall",
            "lab-nsg",
            {
                "network_uid": LAB_VCN,
                "rules": [
                    {
                        "direction": "ingress",
                        "action": "allow",
                        "protocol": "all",
                        "source": LAB_NSG,
                    },
                    {
                        "direction": "egress",
                        "action": "allow",
                        "protocol": "udp",
                        "source": "10.20.0.0/16",
                        "port_from": 53,
                        "port_to": 53,
                    },
                ],
            },
        ),
        IGW: (
            "oci.core.internet_gateway",
            "net.gateway",
            "lab-igw",
            {"gateway_type": "internet", "network_uid": LAB_VCN, "enabled": False},
        ),
        LPG: (
            "oci.core.local_peering_gateway",
            "net.peering",
            "lab-lpg",
            {
                "peer_uid": "ocid1.localpeeringgateway.oc1.eu-frankfurt-1.aaaaaaaaotherlpg",
                "status": "peered",
            },
        ),
        RPC: (
            "oci.core.remote_peering_connection",
            "net.peering",
            "lab-rpc",
            {
                "peer_uid": "ocid1.remotepeeringconnection.oc1.us-ashburn-1.aaaaaaaapartner",
                "peer_region": "us-ashburn-1",
                "peer_account": "ocid1.tenancy.oc1..aaaaaaaapartner",
                "status": "pending",
                "gateway_uid": DRG,
            },
        ),
        LAB_CC: (
            "oci.core.cross_connect",
            "link.interconnect",
            "lab-cc",
            {
                "provider": "fastconnect",
                "location": "Interxion FRA8",
                "macsec_enabled": False,
                "fail_closed": False,
                # An IPSec-over-FastConnect tunnel rides the circuit on its group.
                "ipsec_overlay": True,
                "redundant": False,
                "peer_cloud": "azure",
            },
        ),
        LAB_VC: (
            "oci.core.virtual_circuit",
            "link.virtual_circuit",
            "lab-vc",
            {
                "provider": "Megaport",
                "bandwidth": "1 Gbps",
                "bgp_state": "down",
                "gateway_uid": DRG,
                "interconnect_uids": [LAB_CC],
                "circuit_type": "private",
            },
        ),
        LAB_VPN: (
            "oci.core.ipsec_connection",
            "link.vpn",
            "lab-vpn",
            {
                "role": "primary",
                "peer_cloud": "azure",
                "gateway_uid": DRG,
                "transport": "fastconnect",
                "tunnels": [
                    {
                        "status": "down",
                        "ike_version": "v1",
                        "encryption": ["AES128", "AES256"],
                        "integrity": ["SHA1", "SHA2-256"],
                        "dh_groups": [14],
                        "pfs": False,
                    },
                    {
                        "status": "up",
                        "ike_version": "v2",
                        "encryption": ["AES256"],
                        "integrity": ["SHA2-256"],
                        "dh_groups": [19, 21],
                        "pfs": True,
                    },
                ],
            },
        ),
    }
    assert "s3cr3t" not in str(found[LAB_VC].raw)
    edges = {(e.src, e.kind, e.dst) for e in snapshot.edges}
    assert {
        (LAB_DEFAULT_SL, "member_of", LAB_VCN),
        (LAB_NSG, "member_of", LAB_VCN),
        (LAB_VC, "routes_via", LAB_CC),
        (LAB_VC, "connects", DRG),
        (LAB_VPN, "connects", DRG),
        (LAB_VPN, "routes_via", LAB_VC),
    } <= edges
    assert [gap_view(g) for g in snapshot.gaps] == [AMSTERDAM_GAP]


# ───────────────────────────────────── pure normalisers ─────────────────────────────────────


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("AES_256_GCM", "AES256-GCM"),
        ("AES_256_CBC", "AES256"),
        ("aes128gcm16", "AES128-GCM"),
        ("AES_192_CBC", "AES192"),
        ("3DES", "3DES"),
    ],
)
def test_encryption_names(value: str, name: str) -> None:
    assert connectivity.encryption_name(value) == name


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("SHA2_384", "SHA2-384"),
        ("HMAC_SHA2_256_128", "SHA2-256"),
        ("SHA1_96", "SHA1"),
        ("HMAC_SHA1_128", "SHA1"),
        ("HMAC_MD5_96", "MD5"),
    ],
)
def test_integrity_names(value: str, name: str) -> None:
    assert connectivity.integrity_name(value) == name


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("AES256_GCM_XPN", "AES256_GCM_XPN"),
        ("aes128-gcm", "AES128_GCM"),
        ("GCM-AES-XPN-256", "AES256_GCM_XPN"),
    ],
)
def test_macsec_cipher_names(value: str, name: str) -> None:
    assert connectivity.macsec_cipher(value) == name


def test_dh_groups_and_unknown_phases() -> None:
    assert connectivity.dh_group("GROUP14") == 14
    assert connectivity.dh_group("none") is None
    # A phase whose algorithms are neither negotiated nor configured: lists are absent.
    partial = {
        "status": "UP",
        "ike_version": "V2",
        "phase_one_details": {"negotiated_encryption_algorithm": "AES_256_CBC"},
        "phase_two_details": {"is_pfs_enabled": True},
    }
    assert connectivity.tunnel_props(partial) == {
        "status": "up",
        "ike_version": "v2",
        "encryption": None,
        "integrity": None,
        "dh_groups": None,
        "pfs": True,
    }


def test_unknown_link_role_tag_is_not_guessed() -> None:
    connection = {"id": "x", "display_name": "x", "freeform_tags": {"link_role": "tertiary"}}
    resource = connectivity.ipsec_resource({**connection, "_tunnels": []}, TENANCY, FRA)
    assert "role" not in resource.props


def test_overlay_unknown_when_a_fastconnect_vpn_has_unreadable_tunnels(run: Run) -> None:
    routes = [
        fault(f"{API}/ipsecConnections/{LAB_VPN}/tunnels", 429, "TooManyRequests"),
        *lab_routes(),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    found = network_resources(snapshot)
    # Which circuits the unreadable FastConnect VPN rides is unknown, so is the overlay.
    assert "ipsec_overlay" not in found[LAB_CC].props
    assert found[LAB_CC].props["redundant"] is False
    assert "tunnels" not in found[LAB_VPN].props
    assert [gap_view(g) for g in snapshot.gaps] == [
        AMSTERDAM_GAP,
        (
            "core",
            "list_ip_sec_connection_tunnels",
            "TooManyRequests",
            FRA,
            "oci.core.ipsec_connection",
            "link.vpn",
            LAB_VPN,
            ["tunnels"],
        ),
    ]


def test_unparsable_values_leave_fields_unknown_rather_than_fail() -> None:
    tunnel = {
        "status": "UP",
        "ike_version": "V3",
        "phase_one_details": {
            "negotiated_encryption_algorithm": "AES_256_CBC",
            "negotiated_authentication_algorithm": "SHA2_256",
            "negotiated_dh_group": "ECP",
        },
        "phase_two_details": {
            "negotiated_encryption_algorithm": "AES_256_GCM",
            "is_pfs_enabled": False,
        },
    }
    assert connectivity.tunnel_props(tunnel) == {
        "status": "up",
        "ike_version": None,
        "encryption": ["AES256", "AES256-GCM"],
        "integrity": ["SHA2-256"],
        "dh_groups": None,
        "pfs": False,
    }
    nsg = {"id": "n", "display_name": "n", "vcn_id": "v", "_rules": [{"protocol": "6"}]}
    assert network.nsg_resource(nsg, TENANCY, FRA).props == {"network_uid": "v"}
