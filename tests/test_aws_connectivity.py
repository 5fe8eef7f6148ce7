# ruff: noqa: E402
"""Site-to-site VPN (vpn.py) and Direct Connect (directconnect.py): moto estates, Stubber
estates equivalent to the reference estate, fault injection, redaction."""

from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, use_fake_credentials

use_fake_credentials()

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scanner.collectors.aws import directconnect, network, vpn
from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import Service, collect_aws, required_permissions
from scanner.config import EstateConfig
from scanner.engine.catalog import load_catalog
from scanner.model import Resource
from scanner.pipeline import evaluate_snapshot
from tests.test_aws_network import (
    CONTROLS,
    OTHER,
    REGION,
    by_uid,
    edges_of,
    gaps_of,
    mocked_account,
    reference,
    run,
)

ACCOUNT = "111122223333"
NETWORK = Service("network", network.collect, True, network.PERMISSIONS)
VPN = Service("vpn", vpn.collect, True, vpn.PERMISSIONS)
DX = Service("directconnect", directconnect.collect, True, directconnect.PERMISSIONS)


def assert_like_reference(resource: Resource, extra: dict[str, Any]) -> None:
    """Same uid, kind, type, name and props as the reference estate (plus ``extra`` props
    the reference leaves out)."""
    expected = reference(resource.uid)
    assert (resource.kind, resource.type, resource.name, resource.region) == (
        expected["kind"],
        expected["type"],
        expected["name"],
        expected["region"],
    )
    assert resource.props == {**expected["props"], **extra}


def ec2_arn(resource: str, ident: str, account: str = MOTO_ACCOUNT, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{account}:{resource}/{ident}"


# ── VPN: moto ─────────────────────────────────────────────────────────────────


@pytest.fixture
def vpn_estate() -> Iterator[dict[str, str]]:
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
        ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vgw)
        cgw = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="198.51.100.7", BgpAsn=65000)
        cgw_id = cgw["CustomerGateway"]["CustomerGatewayId"]
        tags = [
            {"Key": "Name", "Value": "vpn-oci-backup"},
            {"Key": "link_role", "Value": "Backup"},
            {"Key": "peer_cloud", "Value": "OCI"},
        ]
        backup = ec2.create_vpn_connection(
            Type="ipsec.1",
            CustomerGatewayId=cgw_id,
            VpnGatewayId=vgw,
            TagSpecifications=[{"ResourceType": "vpn-connection", "Tags": tags}],
        )["VpnConnection"]["VpnConnectionId"]
        tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
        on_tgw = ec2.create_vpn_connection(
            Type="ipsec.1",
            CustomerGatewayId=cgw_id,
            TransitGatewayId=tgw,
            TagSpecifications=[
                {"ResourceType": "vpn-connection", "Tags": [{"Key": "link_role", "Value": "spare"}]}
            ],
        )["VpnConnection"]["VpnConnectionId"]
        gone = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw_id, VpnGatewayId=vgw)
        ec2.delete_vpn_connection(VpnConnectionId=gone["VpnConnection"]["VpnConnectionId"])
        yield {"vgw": vgw, "tgw": tgw, "backup": backup, "on_tgw": on_tgw}


def test_moto_vpn_connections(vpn_estate: dict[str, str]) -> None:
    ids = vpn_estate
    snapshot, collected, log = collect_aws(
        AwsOptions(regions=(REGION, OTHER), max_attempts=1), services=(NETWORK, VPN)
    )
    vpns = {r.uid: r for r in snapshot.resources if r.kind == "link.vpn"}
    backup, on_tgw = (
        ec2_arn("vpn-connection", ids["backup"]),
        ec2_arn("vpn-connection", ids["on_tgw"]),
    )
    vgw, tgw = ec2_arn("vpn-gateway", ids["vgw"]), ec2_arn("transit-gateway", ids["tgw"])
    # moto keeps neither tunnel options nor telemetry: tunnels are unknown, not empty.
    assert {uid: (r.name, r.type, r.props) for uid, r in vpns.items()} == {
        backup: (
            "vpn-oci-backup",
            "aws.ec2.vpn_connection",
            {"role": "backup", "peer_cloud": "oci", "gateway_uid": vgw, "transport": "internet"},
        ),
        on_tgw: (
            ids["on_tgw"],
            "aws.ec2.vpn_connection",
            {"gateway_uid": tgw, "transport": "internet"},
        ),
    }
    assert (backup, "connects", vgw) in edges_of(collected)
    assert (on_tgw, "connects", tgw) in edges_of(collected)
    resources = {r.uid for r in snapshot.resources}
    assert {vgw, tgw} <= resources
    assert snapshot.gaps == []
    assert log.operations == set(required_permissions((NETWORK, VPN)))


def test_vpn_access_denied_in_one_region(
    vpn_estate: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    replies = {("ec2", OTHER): {"DescribeVpnConnections": (403, "UnauthorizedOperation")}}
    snapshot, collected, _ = run(monkeypatch, (VPN,), replies=replies)
    assert gaps_of(collected) == {
        (OTHER, "describe_vpn_connections", "UnauthorizedOperation", "aws.ec2.vpn_connection")
    }
    assert {r.uid for r in snapshot.resources if r.kind == "link.vpn"} == {
        ec2_arn("vpn-connection", vpn_estate["backup"]),
        ec2_arn("vpn-connection", vpn_estate["on_tgw"]),
    }


# ── VPN: Stubber (tunnel options and telemetry) ──────────────────────────────

REFERENCE_VPN = "vpn-0a1b2c3d4e5f60718"


def values(*items: Any) -> list[dict[str, Any]]:
    return [{"Value": item} for item in items]


def hardened(address: str, ike: str) -> dict[str, Any]:
    return {
        "OutsideIpAddress": address,
        "PreSharedKey": "psk-never-stored",
        "IkeVersions": values(ike),
        "Phase1EncryptionAlgorithms": values("AES256"),
        "Phase2EncryptionAlgorithms": values("AES256"),
        "Phase1IntegrityAlgorithms": values("SHA2-256"),
        "Phase2IntegrityAlgorithms": values("SHA2-256"),
        "Phase1DHGroupNumbers": values(14),
        "Phase2DHGroupNumbers": values(14),
    }


def telemetry(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"OutsideIpAddress": address, "Status": status} for address, status in pairs]


STUBBED_VPNS = [
    {
        "VpnConnectionId": REFERENCE_VPN,
        "State": "available",
        "VpnGatewayId": "vgw-0ref",
        "CustomerGatewayConfiguration": "<pre_shared_key>psk-never-stored</pre_shared_key>",
        "Tags": [
            {"Key": "Name", "Value": "vpn-oci-backup"},
            {"Key": "link_role", "Value": "backup"},
            {"Key": "peer_cloud", "Value": "oci"},
        ],
        "Options": {
            "OutsideIpAddressType": "PublicIpv4",
            "TunnelOptions": [hardened("52.0.0.1", "ikev2"), hardened("52.0.0.2", "ikev1")],
        },
        "VgwTelemetry": telemetry(("52.0.0.1", "UP"), ("52.0.0.2", "UP")),
    },
    {
        "VpnConnectionId": "vpn-defaults",
        "State": "available",
        "TransitGatewayId": "tgw-0hub",
        "Options": {
            "OutsideIpAddressType": "PrivateIpv4",
            "TunnelOptions": [
                {"OutsideIpAddress": "10.0.0.1"},
                {
                    "OutsideIpAddress": "10.0.0.2",
                    "IkeVersions": values("ikev2"),
                    "Phase1EncryptionAlgorithms": values("AES256-GCM-16"),
                },
            ],
        },
        "VgwTelemetry": telemetry(("10.0.0.1", "UP"), ("10.0.0.2", "DOWN")),
    },
    {
        "VpnConnectionId": "vpn-telemetry-only",
        "State": "pending",
        "VgwTelemetry": telemetry(("52.0.0.9", "DOWN")),
    },
    {"VpnConnectionId": "vpn-gone", "State": "deleted"},
]

AES_ALL = ["AES128", "AES256", "AES128-GCM", "AES256-GCM"]
SHA_ALL = ["SHA1", "SHA2-256", "SHA2-384", "SHA2-512"]


def stub_vpns(stub: Stubber) -> None:
    stub.add_response("describe_vpn_connections", {"VpnConnections": STUBBED_VPNS}, {})


def test_stubbed_tunnels_match_the_reference_estate_and_defaults_are_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mocked_account(monkeypatch, ACCOUNT):
        snapshot, _, operations = run(
            monkeypatch, (VPN,), (REGION,), plans={("ec2", REGION): stub_vpns}
        )
    resources = {r.uid: r for r in snapshot.resources if r.kind == "link.vpn"}
    ref_uid = ec2_arn("vpn-connection", REFERENCE_VPN, ACCOUNT)
    assert_like_reference(
        resources[ref_uid],
        {"gateway_uid": ec2_arn("vpn-gateway", "vgw-0ref", ACCOUNT), "transport": "internet"},
    )
    assert "psk-never-stored" not in json.dumps(resources[ref_uid].raw)
    assert "defaults_applied" not in resources[ref_uid].raw

    defaults = resources[ec2_arn("vpn-connection", "vpn-defaults", ACCOUNT)]
    assert defaults.props == {
        "gateway_uid": ec2_arn("transit-gateway", "tgw-0hub", ACCOUNT),
        "transport": "directconnect",
        "tunnels": [
            {
                "status": "up",
                "ike_version": "v1",
                "encryption": AES_ALL,
                "integrity": SHA_ALL,
                "dh_groups": [2, 5, *range(14, 25)],
                "pfs": True,
            },
            {
                "status": "down",
                "ike_version": "v2",
                "encryption": ["AES256-GCM", "AES128", "AES256", "AES128-GCM"],
                "integrity": SHA_ALL,
                "dh_groups": [2, 5, *range(14, 25)],
                "pfs": True,
            },
        ],
    }
    every_list = sorted(vpn.AWS_DEFAULTS)
    assert {k: sorted(v) for k, v in defaults.raw["defaults_applied"].items()} == {
        "10.0.0.1": every_list,
        "10.0.0.2": sorted(set(every_list) - {"IkeVersions", "Phase1EncryptionAlgorithms"}),
    }
    only_telemetry = resources[ec2_arn("vpn-connection", "vpn-telemetry-only", ACCOUNT)]
    assert only_telemetry.props == {"tunnels": [{"status": "down"}], "transport": "internet"}
    assert len(resources) == 3
    assert snapshot.gaps == []
    assert operations == set(required_permissions((VPN,)))


# ── Direct Connect: Stubber (the full run) ───────────────────────────────────

DX_REF = "dxcon-fgoci7k2"


def dx_uid(kind: str, ident: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:directconnect:{REGION}:{account}:{kind}/{ident}"


def gateway_uid(ident: str) -> str:
    return f"arn:aws:directconnect::{ACCOUNT}:dx-gateway/{ident}"


def connection(ident: str, **fields: Any) -> dict[str, Any]:
    return {
        "connectionId": ident,
        "connectionName": ident,
        "connectionState": "available",
        "region": REGION,
        "ownerAccount": ACCOUNT,
        "location": "EqLD5",
        **fields,
    }


CONNECTIONS = [
    connection(
        DX_REF,
        connectionName="dx-frankfurt-oci",
        location="Equinix FR5",
        bandwidth="100Gbps",
        macSecCapable=True,
        portEncryptionStatus="Encryption Up",
        encryptionMode="must_encrypt",
        hasLogicalRedundancy="yes",
        macSecKeys=[{"secretARN": "arn:aws:secretsmanager:x", "ckn": "ab", "state": "associated"}],
    ),
    connection(
        "dxcon-azure10g",
        bandwidth="10Gbps",
        macSecCapable=False,
        encryptionMode="no_encrypt",
        hasLogicalRedundancy="no",
    ),
    connection(
        "dxcon-lagmember",
        lagId="dxlag-ffabc",
        bandwidth="10Gbps",
        macSecCapable=True,
        portEncryptionStatus="Encryption Down",
        encryptionMode="should_encrypt",
        hasLogicalRedundancy="unknown",
    ),
    connection("dxcon-gone", connectionState="deleted"),
]


def interface(ident: str, on: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "virtualInterfaceId": ident,
        "virtualInterfaceName": ident,
        "virtualInterfaceType": kind,
        "virtualInterfaceState": "available",
        "connectionId": on,
        "ownerAccount": ACCOUNT,
        "region": REGION,
        "authKey": "bgp-md5-never-stored",
        "customerRouterConfig": "neighbor password bgp-md5-never-stored",
        **fields,
    }


INTERFACES = [
    interface(
        "dxvif-oci",
        DX_REF,
        "private",
        directConnectGatewayId="dxgw-oci",
        bgpPeers=[
            {"bgpPeerId": "p1", "bgpStatus": "up", "authKey": "bgp-md5-never-stored"},
            {"bgpPeerId": "p2", "bgpStatus": "up"},
        ],
    ),
    interface(
        "dxvif-azure",
        "dxcon-azure10g",
        "transit",
        directConnectGatewayId="dxgw-overlay",
        bgpPeers=[{"bgpPeerId": "p3", "bgpStatus": "up"}, {"bgpPeerId": "p4", "bgpStatus": "down"}],
    ),
    interface("dxvif-lag", "dxlag-ffabc", "private", virtualGatewayId="vgw-0lag"),
    interface("dxvif-gone", DX_REF, "private", virtualInterfaceState="deleted"),
]

PRIVATE_VPN = {
    "VpnConnectionId": "vpn-over-dx",
    "State": "available",
    "Options": {
        "OutsideIpAddressType": "PrivateIpv4",
        "TransportTransitGatewayAttachmentId": "tgw-attach-dx",
    },
}


def stub_dx(dx: Stubber) -> None:
    dx.add_response("describe_connections", {"connections": CONNECTIONS}, {})
    dx.add_response("describe_virtual_interfaces", {"virtualInterfaces": INTERFACES}, {})
    dx.add_response(
        "describe_direct_connect_gateways",
        {
            "directConnectGateways": [
                {
                    "directConnectGatewayId": gw,
                    "directConnectGatewayName": gw,
                    "ownerAccount": ACCOUNT,
                }
                for gw in ("dxgw-oci", "dxgw-overlay")
            ]
        },
        {},
    )
    live = [dx_uid("dxcon", c["connectionId"]) for c in CONNECTIONS[:3]]
    dx.add_response(
        "describe_tags",
        {
            "resourceTags": [
                {"resourceArn": live[0], "tags": [{"key": "peer_cloud", "value": "OCI"}]},
                {"resourceArn": live[1], "tags": [{"key": "peer_cloud", "value": "azure"}]},
                {"resourceArn": live[2]},
            ]
        },
        {"resourceArns": live},
    )


def stub_dx_attachments(ec2: Stubber) -> None:
    attachment = {
        "TransitGatewayAttachmentId": "tgw-attach-dx",
        "ResourceType": "direct-connect-gateway",
        "ResourceId": "dxgw-overlay",
        "State": "available",
    }
    ec2.add_response(
        "describe_transit_gateway_attachments", {"TransitGatewayAttachments": [attachment]}, {}
    )


def stub_dx_ec2(ec2: Stubber) -> None:
    ec2.add_response("describe_vpn_connections", {"VpnConnections": [PRIVATE_VPN]}, {})
    stub_dx_attachments(ec2)


def test_stubbed_direct_connect_estate(monkeypatch: pytest.MonkeyPatch) -> None:
    plans = {("directconnect", REGION): stub_dx, ("ec2", REGION): stub_dx_ec2}
    with mocked_account(monkeypatch, ACCOUNT):
        snapshot, collected, operations = run(monkeypatch, (DX,), (REGION,), plans=plans)
    resources = {r.uid: r for r in snapshot.resources if r.type.startswith("aws.directconnect")}
    assert_like_reference(resources[dx_uid("dxcon", DX_REF)], {})
    common = {"provider": "directconnect", "location": "EqLD5"}
    assert resources[dx_uid("dxcon", "dxcon-azure10g")].props == {
        **common,
        "macsec_enabled": False,
        "fail_closed": False,
        "redundant": False,
        "ipsec_overlay": True,
        "peer_cloud": "azure",
    }
    assert resources[dx_uid("dxcon", "dxcon-lagmember")].props == {
        **common,
        "macsec_enabled": False,
        "fail_closed": False,
        "ipsec_overlay": False,
    }
    circuits = {uid: r.props for uid, r in resources.items() if r.kind == "link.virtual_circuit"}
    vgw = ec2_arn("vpn-gateway", "vgw-0lag", ACCOUNT)
    assert circuits == {
        dx_uid("dxvif", "dxvif-oci"): {
            "provider": "directconnect",
            "bgp_state": "up",
            "gateway_uid": gateway_uid("dxgw-oci"),
            "interconnect_uids": [dx_uid("dxcon", DX_REF)],
            "circuit_type": "private",
        },
        dx_uid("dxvif", "dxvif-azure"): {
            "provider": "directconnect",
            "bgp_state": "down",
            "gateway_uid": gateway_uid("dxgw-overlay"),
            "interconnect_uids": [dx_uid("dxcon", "dxcon-azure10g")],
            "circuit_type": "transit",
        },
        dx_uid("dxvif", "dxvif-lag"): {
            "provider": "directconnect",
            "gateway_uid": vgw,
            "interconnect_uids": [dx_uid("dxcon", "dxcon-lagmember")],
            "circuit_type": "private",
        },
    }
    gateways = {
        uid: (r.region, r.kind, r.props) for uid, r in resources.items() if r.kind == "net.gateway"
    }
    assert gateways == {
        gateway_uid(gw): ("global", "net.gateway", {"gateway_type": "directconnect"})
        for gw in ("dxgw-oci", "dxgw-overlay")
    }
    assert edges_of(collected) == {
        (dx_uid("dxvif", "dxvif-oci"), "routes_via", dx_uid("dxcon", DX_REF)),
        (dx_uid("dxvif", "dxvif-oci"), "connects", gateway_uid("dxgw-oci")),
        (dx_uid("dxvif", "dxvif-azure"), "routes_via", dx_uid("dxcon", "dxcon-azure10g")),
        (dx_uid("dxvif", "dxvif-azure"), "connects", gateway_uid("dxgw-overlay")),
        (dx_uid("dxvif", "dxvif-lag"), "routes_via", dx_uid("dxcon", "dxcon-lagmember")),
        (dx_uid("dxvif", "dxvif-lag"), "connects", vgw),
    }
    raw = json.dumps([r.raw for r in resources.values()])
    assert "bgp-md5-never-stored" not in raw
    assert len(resources) == 8
    assert snapshot.gaps == []
    assert operations == set(required_permissions((DX,)))


# ── Direct Connect: moto connections, injected server errors ────────────────


@pytest.fixture
def dx_estate() -> Iterator[str]:
    with mock_aws():
        dx = boto3.client("directconnect", region_name=REGION)
        created = dx.create_connection(
            location="EqFA5",
            bandwidth="100Gbps",
            connectionName="dx-frankfurt-oci",
            requestMACSec=True,
            tags=[{"key": "peer_cloud", "value": "oci"}],
        )
        yield str(created["connectionId"])


def moto_connection_uid(moto_id: str) -> str:
    return dx_uid("dxcon", moto_id.rsplit("/", 1)[-1], MOTO_ACCOUNT)


def test_server_errors_are_gaps_and_connections_are_still_collected(
    dx_estate: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dx_estate.startswith("arn:aws:directconnect:")  # moto's ARN-like connection id
    replies: dict[tuple[str, str], dict[str, Any]] = {}
    replies[("directconnect", REGION)] = {
        "DescribeVirtualInterfaces": (500, "DirectConnectServerException"),
        "DescribeDirectConnectGateways": (500, "DirectConnectServerException"),
    }
    replies[("directconnect", OTHER)] = {
        "DescribeConnections": (403, "AccessDeniedException"),
        "DescribeVirtualInterfaces": {"virtualInterfaces": []},
    }
    snapshot, collected, _ = run(monkeypatch, (DX,), replies=replies)
    resources = {r.uid: r for r in snapshot.resources if r.type.startswith("aws.directconnect")}
    assert gaps_of(collected) == {
        (
            REGION,
            "describe_virtual_interfaces",
            "DirectConnectServerException",
            directconnect.VIF_TYPE,
        ),
        (
            REGION,
            "describe_direct_connect_gateways",
            "DirectConnectServerException",
            directconnect.GATEWAY_TYPE,
        ),
        (OTHER, "describe_connections", "AccessDeniedException", directconnect.CONNECTION_TYPE),
    }
    (resource,) = resources.values()
    assert (resource.uid, resource.name, resource.tags) == (
        moto_connection_uid(dx_estate),
        "dx-frankfurt-oci",
        {"peer_cloud": "oci"},
    )
    # MACsec is configured but moto reports the port encryption down; no private VPN.
    assert resource.props == {
        "provider": "directconnect",
        "location": "EqFA5",
        "macsec_enabled": False,
        "macsec_cipher": "AES256_GCM_XPN",
        "fail_closed": True,
        "redundant": False,
        "ipsec_overlay": False,
        "peer_cloud": "oci",
    }


def test_throttled_detail_calls_leave_only_their_fields_unknown(
    dx_estate: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    replies: dict[tuple[str, str], dict[str, Any]] = {}
    replies[("directconnect", REGION)] = {
        "DescribeVirtualInterfaces": {"virtualInterfaces": []},
        "DescribeDirectConnectGateways": {"directConnectGateways": []},
        "DescribeTags": (400, "ThrottlingException"),
    }
    replies[("ec2", REGION)] = {"DescribeVpnConnections": (400, "RequestLimitExceeded")}
    snapshot, collected, operations = run(monkeypatch, (DX,), (REGION,), replies=replies)
    gaps = {(g.service, g.operation, g.error_class, tuple(g.fields or ())) for g in collected.gaps}
    assert gaps == {
        ("directconnect", "describe_tags", "ThrottlingException", ("peer_cloud",)),
        ("ec2", "describe_vpn_connections", "RequestLimitExceeded", ("ipsec_overlay",)),
    }
    props = by_uid(snapshot)[moto_connection_uid(dx_estate)].props
    assert "ipsec_overlay" not in props
    assert props["peer_cloud"] == "oci"  # the tags describe_connections itself returned
    assert operations == {
        "sts:GetCallerIdentity",
        "ec2:DescribeRegions",
        "directconnect:DescribeConnections",
        "directconnect:DescribeVirtualInterfaces",
        "directconnect:DescribeDirectConnectGateways",
        "directconnect:DescribeTags",
        "ec2:DescribeVpnConnections",
    }


# ── what the controls make of it ──────────────────────────────────────────────


def stub_vpns_then_dx(ec2: Stubber) -> None:
    """The VPN unit runs first, then the Direct Connect unit, on the same ec2 client."""
    every_vpn = {"VpnConnections": [*STUBBED_VPNS, PRIVATE_VPN]}
    ec2.add_response("describe_vpn_connections", every_vpn, {})
    ec2.add_response("describe_vpn_connections", every_vpn, {})
    stub_dx_attachments(ec2)


def test_interconnect_controls_read_the_collected_props(monkeypatch: pytest.MonkeyPatch) -> None:
    plans = {("directconnect", REGION): stub_dx, ("ec2", REGION): stub_vpns_then_dx}
    with mocked_account(monkeypatch, ACCOUNT):
        snapshot, _, _ = run(monkeypatch, (VPN, DX), (REGION,), plans=plans)
    evaluation = evaluate_snapshot(snapshot, "digest", load_catalog(CONTROLS), EstateConfig())
    statuses = {
        (f.control_id, f.resource_uid.rsplit("/", 1)[-1]): f.status.value
        for f in evaluation.findings.findings
        if f.control_id in ("ICN-001", "ICN-002")
    }
    assert statuses == {
        ("ICN-001", DX_REF): "pass",  # MACsec XPN-256, must_encrypt
        ("ICN-001", "dxcon-azure10g"): "pass",  # no MACsec, but a private-IP VPN rides it
        ("ICN-001", "dxcon-lagmember"): "fail",  # MACsec down, no IPsec overlay
        ("ICN-002", REFERENCE_VPN): "fail",  # the second tunnel still allows IKEv1
        ("ICN-002", "vpn-defaults"): "fail",  # AWS defaults allow IKEv1, SHA1, DH 2
        ("ICN-002", "vpn-telemetry-only"): "fail",  # its one tunnel is down
        ("ICN-002", "vpn-over-dx"): "inconclusive",  # no tunnel options reported
    }
