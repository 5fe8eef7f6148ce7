# ruff: noqa: E402
"""EC2 networking collector (scanner/collectors/aws/network.py): moto estates through
``collect_aws``, fault injection through an ``AwsClients`` subclass, paging and the full
operation list through botocore's Stubber, and the pure normalisation."""

from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, use_fake_credentials

use_fake_credentials()

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from botocore.validate import validate_parameters
from moto import mock_aws

from scanner.collectors.aws import collector, common, network
from scanner.collectors.aws.clients import GLOBAL_REGION, AwsClients, AwsOptions
from scanner.collectors.aws.collector import Service, collect_aws, required_permissions
from scanner.collectors.aws.context import AwsScope, AwsUnit
from scanner.collectors.base import Collected
from scanner.config import EstateConfig
from scanner.engine.catalog import load_catalog
from scanner.model import Resource, Snapshot
from scanner.model.props import normalise_props
from scanner.pipeline import evaluate_snapshot

REGION = "eu-west-1"
OTHER = "eu-central-1"
NETWORK = Service("network", network.collect, True, network.PERMISSIONS)
ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures/aws/reference-expected.yaml"
CONTROLS = ROOT / "controls"


# ── shared test seams (also used by test_aws_connectivity) ───────────────────

Replies = Mapping[tuple[str, str], Mapping[str, Any]]
"""(service, region) → {OperationName: (HTTP status, error code) or a canned response}."""
Plans = Mapping[tuple[str, str], Callable[[Stubber], None]]
"""(service, region) → what to queue on the Stubber of that client."""


def _canned(replies: Mapping[str, Any], model: Any, **_: Any) -> Any:
    """A before-call handler: an injected error (status, code) or a canned response."""
    reply = replies.get(model.name)
    if reply is None:
        return None
    if isinstance(reply, tuple):
        status, code = reply
        error = {"Code": code, "Message": f"injected {code}"}
        parsed = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}
        return AWSResponse("https://fault.invalid", status, {}, None), parsed
    validate_parameters(reply, model.output_shape)
    return AWSResponse("https://canned.invalid", 200, {}, None), dict(reply)


def clients_class(replies: Replies, plans: Plans, stubbers: list[Stubber]) -> type[AwsClients]:
    """AwsClients whose clients for chosen (service, region) answer some operations with an
    injected error or a canned (model-validated) response, or answer everything from a
    Stubber; every other call goes to moto."""

    class Faulty(AwsClients):
        def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
            key = (service, region)
            stubbed: dict[tuple[str, str], Any] = self.__dict__.setdefault("_stubbed", {})
            if key in stubbed:
                return stubbed[key]
            client = super().client(service, region)
            if key in plans:
                # A stubbed call never reaches the session's before-call hook: log it here.
                client.meta.events.register_first("before-call.*.*", self.log.record)
                stubber = Stubber(client)
                plans[key](stubber)
                stubber.activate()
                stubbers.append(stubber)
                stubbed[key] = client
            elif key in replies:
                client.meta.events.register("before-call", partial(_canned, replies[key]))
            return client

    return Faulty


def run(
    monkeypatch: pytest.MonkeyPatch,
    services: Sequence[Service],
    regions: tuple[str, ...] = (REGION, OTHER),
    replies: Replies | None = None,
    plans: Plans | None = None,
) -> tuple[Snapshot, Collected, set[str]]:
    """collect_aws with the Faulty clients; every planned stub must have been used up."""
    stubbers: list[Stubber] = []
    monkeypatch.setattr(
        collector, "AwsClients", clients_class(replies or {}, plans or {}, stubbers)
    )
    snapshot, collected, log = collect_aws(
        AwsOptions(regions=regions, max_attempts=1, max_workers=1), services=services
    )
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    return snapshot, collected, log.operations


def reference(uid: str) -> dict[str, Any]:
    """A resource of the reference estate (fixtures/aws/reference-expected.yaml), its
    props normalised as a snapshot holds them (defaults filled)."""
    resources = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["resources"]
    found: dict[str, Any] = next(r for r in resources if r["uid"] == uid)
    return {**found, "props": normalise_props(found["kind"], found["props"])}


def by_uid(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.uid: r for r in snapshot.resources}


def edges_of(collected: Collected) -> set[tuple[str, str, str]]:
    return {(e.src, e.kind, e.dst) for e in collected.edges}


def gaps_of(collected: Collected) -> set[tuple[str | None, str, str, str | None]]:
    return {(g.region, g.operation, g.error_class, g.resource_type) for g in collected.gaps}


# ── moto estate ───────────────────────────────────────────────────────────────


def arn(resource: str, ident: str, region: str = REGION) -> str:
    return f"arn:aws:ec2:{region}:{MOTO_ACCOUNT}:{resource}/{ident}"


@dataclass
class Estate:
    ids: dict[str, str] = field(default_factory=dict)

    def uid(self, resource: str, key: str) -> str:
        return arn(resource, self.ids[key])


def seed(ec2: Any, s3: Any) -> Estate:
    """A VPC with two subnets (one flow-logged), sg-bastion, a custom NACL, an IGW route,
    a NAT gateway (and a deleted one), a VGW, a transit gateway attachment and a peering."""
    ids: dict[str, str] = {}
    ids["vpc"] = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "core"}]}],
    )["Vpc"]["VpcId"]
    ids["peer_vpc"] = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    ids["public"] = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.0.1.0/24")["Subnet"][
        "SubnetId"
    ]
    ids["private"] = ec2.create_subnet(VpcId=ids["vpc"], CidrBlock="10.0.2.0/24")["Subnet"][
        "SubnetId"
    ]
    ec2.modify_subnet_attribute(SubnetId=ids["public"], MapPublicIpOnLaunch={"Value": True})
    s3.create_bucket(Bucket="flow-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    ec2.create_flow_logs(
        ResourceIds=[ids["public"]],
        ResourceType="Subnet",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::flow-logs",
    )
    ids["sg"] = ec2.create_security_group(
        GroupName="sg-bastion", Description="bastion", VpcId=ids["vpc"]
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ids["sg"],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            },
        ],
    )
    ids["ike"] = ec2.create_security_group(
        GroupName="ike", Description="IKE between members", VpcId=ids["vpc"]
    )["GroupId"]
    pair = {"IpProtocol": "udp", "FromPort": 500, "ToPort": 500, "UserIdGroupPairs": []}
    pair["UserIdGroupPairs"] = [{"GroupId": ids["ike"]}]
    ec2.authorize_security_group_ingress(GroupId=ids["ike"], IpPermissions=[pair])
    ids["acl"] = ec2.create_network_acl(VpcId=ids["vpc"])["NetworkAcl"]["NetworkAclId"]
    for number, protocol, action, ports in (
        (100, "6", "allow", (443, 443)),
        (90, "6", "deny", (22, 22)),
    ):
        ec2.create_network_acl_entry(
            NetworkAclId=ids["acl"],
            RuleNumber=number,
            Protocol=protocol,
            RuleAction=action,
            Egress=False,
            CidrBlock="0.0.0.0/0",
            PortRange={"From": ports[0], "To": ports[1]},
        )
    ec2.create_network_acl_entry(
        NetworkAclId=ids["acl"],
        RuleNumber=100,
        Protocol="-1",
        RuleAction="allow",
        Egress=True,
        CidrBlock="0.0.0.0/0",
    )
    ids["igw"] = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=ids["igw"], VpcId=ids["vpc"])
    ids["rtb"] = ec2.create_route_table(VpcId=ids["vpc"])["RouteTable"]["RouteTableId"]
    ec2.create_route(
        RouteTableId=ids["rtb"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["igw"]
    )
    ids["nat"] = ec2.create_nat_gateway(SubnetId=ids["private"])["NatGateway"]["NatGatewayId"]
    gone = ec2.create_nat_gateway(SubnetId=ids["private"])["NatGateway"]["NatGatewayId"]
    ec2.delete_nat_gateway(NatGatewayId=gone)
    ec2.create_route(
        RouteTableId=ids["rtb"], DestinationCidrBlock="192.168.0.0/16", NatGatewayId=ids["nat"]
    )
    ids["vgw"] = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=ids["vpc"], VpnGatewayId=ids["vgw"])
    ids["tgw"] = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    ids["attach"] = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=ids["tgw"], VpcId=ids["vpc"], SubnetIds=[ids["private"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    ids["pcx"] = ec2.create_vpc_peering_connection(VpcId=ids["vpc"], PeerVpcId=ids["peer_vpc"])[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ids["pcx"])
    ec2.create_route(
        RouteTableId=ids["rtb"],
        DestinationCidrBlock="10.1.0.0/16",
        VpcPeeringConnectionId=ids["pcx"],
    )
    return Estate(ids)


@pytest.fixture
def moto_estate() -> Iterator[Estate]:
    with mock_aws():
        yield seed(boto3.client("ec2", region_name=REGION), boto3.client("s3", region_name=REGION))


def test_moto_estate_is_collected_exactly(moto_estate: Estate) -> None:
    est = moto_estate
    snapshot, collected, log = collect_aws(
        AwsOptions(regions=(REGION, OTHER), max_attempts=1), services=(NETWORK,)
    )
    resources = by_uid(snapshot)
    vpc = est.uid("vpc", "vpc")
    assert resources[vpc].props == {"cidr_blocks": ["10.0.0.0/16"], "flow_logs_enabled": False}
    assert (resources[vpc].name, resources[vpc].type, resources[vpc].kind) == (
        "core",
        "aws.ec2.vpc",
        "net.network",
    )
    assert resources[est.uid("subnet", "public")].props == {
        "network_uid": vpc,
        "cidr": "10.0.1.0/24",
        "public_ip_on_launch": True,
        "flow_logs_enabled": True,
    }
    assert resources[est.uid("subnet", "private")].props["flow_logs_enabled"] is False
    sg = resources[est.uid("security-group", "sg")]
    reference_sg = reference("arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0b45bastion")
    assert (sg.name, sg.type, sg.kind) == (
        reference_sg["name"],
        reference_sg["type"],
        reference_sg["kind"],
    )
    assert sg.props == {**reference_sg["props"], "is_default": False, "network_uid": vpc}
    assert resources[est.uid("security-group", "ike")].props["rules"] == [
        {
            "direction": "ingress",
            "action": "allow",
            "protocol": "udp",
            "source": est.ids["ike"],
            "port_from": 500,
            "port_to": 500,
        },
        {"direction": "egress", "action": "allow", "protocol": "all", "source": "0.0.0.0/0"},
    ]
    assert resources[est.uid("network-acl", "acl")].props == {
        "rules": [
            {
                "direction": "ingress",
                "action": "deny",
                "protocol": "tcp",
                "source": "0.0.0.0/0",
                "port_from": 22,
                "port_to": 22,
            },
            {
                "direction": "ingress",
                "action": "allow",
                "protocol": "tcp",
                "source": "0.0.0.0/0",
                "port_from": 443,
                "port_to": 443,
            },
            {"direction": "egress", "action": "allow", "protocol": "all", "source": "0.0.0.0/0"},
        ],
        "is_default": False,
        "network_uid": vpc,
    }
    igw, nat, pcx = (
        est.uid("internet-gateway", "igw"),
        est.uid("natgateway", "nat"),
        est.uid("vpc-peering-connection", "pcx"),
    )
    assert resources[est.uid("route-table", "rtb")].props == {
        "network_uid": vpc,
        "routes": [
            {"destination": "10.0.0.0/16"},
            {"destination": "0.0.0.0/0", "target_uid": igw},
            {"destination": "192.168.0.0/16", "target_uid": nat},
            {"destination": "10.1.0.0/16", "target_uid": pcx},
        ],
    }
    tgw = est.uid("transit-gateway", "tgw")
    gateways = {uid: r.props for uid, r in resources.items() if r.kind == "net.gateway"}
    assert gateways == {
        igw: {"gateway_type": "internet", "network_uid": vpc},
        nat: {"gateway_type": "nat", "network_uid": vpc},
        est.uid("vpn-gateway", "vgw"): {"gateway_type": "vpn", "network_uid": vpc},
        tgw: {"gateway_type": "transit"},
    }
    peer_vpc = est.uid("vpc", "peer_vpc")
    peerings = {uid: r.props for uid, r in resources.items() if r.kind == "net.peering"}
    assert peerings == {
        pcx: {
            "peer_uid": peer_vpc,
            "peer_region": REGION,
            "peer_account": MOTO_ACCOUNT,
            "status": "active",
        },
        est.uid("transit-gateway-attachment", "attach"): {
            "peer_uid": vpc,
            "peer_account": MOTO_ACCOUNT,
            "status": "available",
            "gateway_uid": tgw,
        },
    }
    edges = edges_of(collected)
    for member in (
        est.uid("subnet", "public"),
        est.uid("subnet", "private"),
        sg.uid,
        est.uid("network-acl", "acl"),
    ):
        assert (member, "member_of", vpc) in edges
    rtb = est.uid("route-table", "rtb")
    assert {(s, k, d) for s, k, d in edges if s == rtb} == {
        (rtb, "routes_via", igw),
        (rtb, "routes_via", nat),
        (rtb, "routes_via", pcx),
    }
    assert {(s, k, d) for s, k, d in edges if k == "peers_with"} == {
        (pcx, "peers_with", vpc),
        (pcx, "peers_with", peer_vpc),
        (est.uid("transit-gateway-attachment", "attach"), "peers_with", vpc),
    }
    assert all(e.provenance.value == "api" for e in snapshot.edges)
    assert snapshot.gaps == []
    assert log.operations == set(required_permissions((NETWORK,)))


def test_net_001_reads_the_collected_rules(moto_estate: Estate) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    open_group = ec2.create_security_group(
        GroupName="open-ssh", Description="open", VpcId=moto_estate.ids["vpc"]
    )["GroupId"]
    world = {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
    ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=[world])
    snapshot, _, _ = collect_aws(AwsOptions(regions=(REGION,), max_attempts=1), services=(NETWORK,))
    evaluation = evaluate_snapshot(snapshot, "digest", load_catalog(CONTROLS), EstateConfig())
    statuses = {
        f.resource_uid: f.status.value
        for f in evaluation.findings.findings
        if f.control_id == "NET-001"
    }
    assert statuses[moto_estate.uid("security-group", "sg")] == "pass"
    assert statuses[arn("security-group", open_group)] == "fail"
    # The custom NACL denies 22 and allows only 443; a default NACL allows everything
    # from 0.0.0.0/0, which NET-001 (like CIS AWS 5.1) reports.
    assert statuses[moto_estate.uid("network-acl", "acl")] == "pass"
    defaults = [
        r.uid for r in snapshot.resources if r.type == network.NACL_TYPE and r.props["is_default"]
    ]
    assert defaults
    assert {statuses[uid] for uid in defaults} == {"fail"}


def test_empty_region_holds_only_the_default_vpc(moto_estate: Estate) -> None:
    snapshot, _, _ = collect_aws(AwsOptions(regions=(OTHER,), max_attempts=1), services=(NETWORK,))
    kinds = sorted(r.kind for r in snapshot.resources if r.type.startswith("aws.ec2."))
    assert kinds == [
        "net.firewall",  # default NACL
        "net.firewall",  # default security group
        "net.network",
        "net.route_table",
        "net.subnet",
        "net.subnet",
        "net.subnet",
    ]
    default_sg = next(r for r in snapshot.resources if r.type == "aws.ec2.security_group")
    assert default_sg.props["is_default"] is True
    assert snapshot.gaps == []


@pytest.mark.parametrize(
    ("status", "code"),
    [(403, "UnauthorizedOperation"), (400, "RequestLimitExceeded"), (500, "InternalError")],
)
def test_a_failed_listing_is_a_gap_and_the_rest_is_collected(
    moto_estate: Estate, monkeypatch: pytest.MonkeyPatch, status: int, code: str
) -> None:
    replies = {
        ("ec2", REGION): {"DescribeSecurityGroups": (status, code)},
        ("ec2", OTHER): {"DescribeFlowLogs": (status, code)},
    }
    snapshot, collected, _ = run(monkeypatch, (NETWORK,), replies=replies)
    assert gaps_of(collected) == {
        (REGION, "describe_security_groups", code, "aws.ec2.security_group"),
        (OTHER, "describe_flow_logs", code, None),
    }
    flow_gap = next(g for g in snapshot.gaps if g.region == OTHER)
    assert (flow_gap.kind, flow_gap.fields, flow_gap.service) == (
        None,
        ["flow_logs_enabled"],
        "ec2",
    )
    assert flow_gap.message == f"HTTP {status} {code}: injected {code}"
    resources = by_uid(snapshot)
    types = {(r.region, r.type) for r in resources.values()}
    assert (REGION, "aws.ec2.security_group") not in types
    assert (OTHER, "aws.ec2.security_group") in types
    assert resources[moto_estate.uid("subnet", "public")].props["flow_logs_enabled"] is True
    for resource in resources.values():
        if resource.region == OTHER and resource.kind in ("net.network", "net.subnet"):
            assert "flow_logs_enabled" not in resource.props


@contextmanager
def mocked_account(monkeypatch: pytest.MonkeyPatch, account: str) -> Iterator[None]:
    """moto for STS and region discovery, answering as ``account``."""
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
    with mock_aws():
        yield


# ── paging and the full operation list (Stubber) ─────────────────────────────

ACCOUNT = "111122223333"
VPC_ID, SUBNET_ID = "vpc-0a1b2c3d", "subnet-0a1b2c3d"


def stub_listings(stub: Stubber, pages: Mapping[str, list[dict[str, Any]]]) -> None:
    """One (possibly paged) response per listing, in fetch order."""
    for listing in network.LISTINGS:
        responses = pages.get(listing.operation, [{listing.result_key: []}])
        for number, response in enumerate(responses):
            expected = {"NextToken": f"page{number}"} if number else {}
            body = (
                {**response, "NextToken": f"page{number + 1}"}
                if number + 1 < len(responses)
                else response
            )
            stub.add_response(listing.operation, body, expected)


def plan_listings(pages: Mapping[str, list[dict[str, Any]]]) -> Callable[[Stubber], None]:
    def plan(stub: Stubber) -> None:
        stub_listings(stub, pages)

    return plan


def test_stubbed_paging_and_the_full_operation_list(monkeypatch: pytest.MonkeyPatch) -> None:
    vpc = {"VpcId": VPC_ID, "OwnerId": ACCOUNT, "CidrBlock": "10.9.0.0/16", "State": "available"}
    active = {"FlowLogStatus": "ACTIVE", "DeliverLogsStatus": "SUCCESS"}
    pages = {
        "describe_vpcs": [{"Vpcs": [vpc]}, {"Vpcs": [{**vpc, "VpcId": "vpc-second"}]}],
        "describe_subnets": [
            {"Subnets": [{"SubnetId": SUBNET_ID, "VpcId": VPC_ID, "CidrBlock": "10.9.1.0/24"}]}
        ],
        "describe_flow_logs": [
            {
                "FlowLogs": [
                    {"ResourceId": VPC_ID, **active},
                    {"ResourceId": "vpc-second", **active, "DeliverLogsStatus": "FAILED"},
                ]
            }
        ],
    }
    with mocked_account(monkeypatch, ACCOUNT):
        snapshot, _, operations = run(
            monkeypatch, (NETWORK,), (REGION,), plans={("ec2", REGION): plan_listings(pages)}
        )
    resources = by_uid(snapshot)
    vpc_uid = f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{VPC_ID}"
    assert resources[vpc_uid].props == {"cidr_blocks": ["10.9.0.0/16"], "flow_logs_enabled": True}
    assert resources[vpc_uid.replace(VPC_ID, "vpc-second")].props["flow_logs_enabled"] is False
    subnet = resources[f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{SUBNET_ID}"]
    assert subnet.props == {
        "network_uid": vpc_uid,
        "cidr": "10.9.1.0/24",
        "flow_logs_enabled": True,
    }
    assert snapshot.gaps == []
    assert operations == set(required_permissions((NETWORK,)))


# ── pure normalisation ───────────────────────────────────────────────────────

ARNS = common.Arns("aws", ACCOUNT, REGION)


def rules_of(group: dict[str, Any]) -> Any:
    payload = network.NetworkPayload({"describe_security_groups": [{"GroupId": "sg-1", **group}]})
    return network.to_resources(payload, ARNS)[0].props["rules"]


def test_security_group_protocols_ports_and_sources() -> None:
    rules = rules_of(
        {
            "GroupName": "default",
            "IpPermissions": [
                {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
                {
                    "IpProtocol": "6",
                    "FromPort": -1,
                    "ToPort": -1,
                    "PrefixListIds": [{"PrefixListId": "pl-1"}],
                },
                {
                    "IpProtocol": "17",
                    "FromPort": 53,
                    "ToPort": 53,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "10.1.0.0/16"}],
                },
                {
                    "IpProtocol": "icmp",
                    "FromPort": 8,
                    "ToPort": -1,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                },
                {
                    "IpProtocol": "58",
                    "FromPort": 128,
                    "ToPort": 0,
                    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                },
                {"IpProtocol": "50", "UserIdGroupPairs": [{"GroupId": "sg-peer", "UserId": "999"}]},
                {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535},
            ],
            "IpPermissionsEgress": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                }
            ],
        }
    )
    assert rules == [
        {"direction": "ingress", "action": "allow", "protocol": "all", "source": "::/0"},
        {"direction": "ingress", "action": "allow", "protocol": "tcp", "source": "pl-1"},
        {
            "direction": "ingress",
            "action": "allow",
            "protocol": "udp",
            "source": "10.0.0.0/8",
            "port_from": 53,
            "port_to": 53,
        },
        {
            "direction": "ingress",
            "action": "allow",
            "protocol": "udp",
            "source": "10.1.0.0/16",
            "port_from": 53,
            "port_to": 53,
        },
        {"direction": "ingress", "action": "allow", "protocol": "icmp", "source": "0.0.0.0/0"},
        {"direction": "ingress", "action": "allow", "protocol": "icmpv6", "source": "::/0"},
        {"direction": "ingress", "action": "allow", "protocol": "50", "source": "sg-peer"},
        {
            "direction": "egress",
            "action": "allow",
            "protocol": "tcp",
            "source": "0.0.0.0/0",
            "port_from": 443,
            "port_to": 443,
        },
    ]


def test_network_acl_entries_in_evaluation_order() -> None:
    payload = network.NetworkPayload(
        {
            "describe_network_acls": [
                {
                    "NetworkAclId": "acl-1",
                    "VpcId": VPC_ID,
                    "IsDefault": True,
                    "Entries": [
                        {
                            "RuleNumber": 32767,
                            "Protocol": "-1",
                            "RuleAction": "deny",
                            "Egress": False,
                            "CidrBlock": "0.0.0.0/0",
                        },
                        {
                            "RuleNumber": 200,
                            "Protocol": "17",
                            "RuleAction": "allow",
                            "Egress": False,
                            "Ipv6CidrBlock": "::/0",
                            "PortRange": {"From": 1024, "To": 65535},
                        },
                        {
                            "RuleNumber": 100,
                            "Protocol": "6",
                            "RuleAction": "allow",
                            "Egress": False,
                            "CidrBlock": "0.0.0.0/0",
                        },
                        {
                            "RuleNumber": 100,
                            "Protocol": "1",
                            "RuleAction": "allow",
                            "Egress": True,
                            "CidrBlock": "0.0.0.0/0",
                            "IcmpTypeCode": {"Type": -1, "Code": -1},
                        },
                    ],
                }
            ]
        }
    )
    (acl,) = network.to_resources(payload, ARNS)
    assert acl.props == {
        "rules": [
            {"direction": "ingress", "action": "allow", "protocol": "tcp", "source": "0.0.0.0/0"},
            {
                "direction": "ingress",
                "action": "allow",
                "protocol": "udp",
                "source": "::/0",
                "port_from": 1024,
                "port_to": 65535,
            },
            {"direction": "ingress", "action": "deny", "protocol": "all", "source": "0.0.0.0/0"},
            {"direction": "egress", "action": "allow", "protocol": "icmp", "source": "0.0.0.0/0"},
        ],
        "is_default": True,
        "network_uid": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{VPC_ID}",
    }
    assert network.to_edges(payload, ARNS)[0].kind == "member_of"


def test_cross_account_peering_transit_attachments_and_route_targets() -> None:
    payload = network.NetworkPayload(
        {
            "describe_vpc_peering_connections": [
                {
                    "VpcPeeringConnectionId": "pcx-1",
                    "Status": {"Code": "active"},
                    "RequesterVpcInfo": {
                        "VpcId": "vpc-far",
                        "OwnerId": "444455556666",
                        "Region": "us-east-1",
                    },
                    "AccepterVpcInfo": {"VpcId": VPC_ID, "OwnerId": ACCOUNT, "Region": REGION},
                },
                {"VpcPeeringConnectionId": "pcx-dead", "Status": {"Code": "deleted"}},
            ],
            "describe_transit_gateway_attachments": [
                {
                    "TransitGatewayAttachmentId": "tgw-attach-dx",
                    "TransitGatewayId": "tgw-shared",
                    "TransitGatewayOwnerId": "777788889999",
                    "ResourceType": "direct-connect-gateway",
                    "ResourceId": "dxgw-1",
                    "ResourceOwnerId": ACCOUNT,
                    "State": "available",
                },
                {
                    "TransitGatewayAttachmentId": "tgw-attach-p",
                    "ResourceType": "peering",
                    "ResourceId": "tgw-x",
                    "State": "pendingAcceptance",
                },
            ],
            "describe_route_tables": [
                {
                    "RouteTableId": "rtb-1",
                    "Routes": [
                        {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-1"},
                        {
                            "DestinationIpv6CidrBlock": "::/0",
                            "EgressOnlyInternetGatewayId": "eigw-1",
                        },
                        {"DestinationCidrBlock": "10.8.0.0/16", "TransitGatewayId": "tgw-shared"},
                        {
                            "DestinationCidrBlock": "10.7.0.0/16",
                            "InstanceId": "i-1",
                            "InstanceOwnerId": ACCOUNT,
                            "NetworkInterfaceId": "eni-1",
                        },
                        {
                            "DestinationCidrBlock": "10.6.0.0/16",
                            "CoreNetworkArn": "arn:aws:networkmanager::1:core-network/c",
                        },
                    ],
                }
            ],
        }
    )
    payload.items = {k: [i for i in v if common.alive(i)] for k, v in payload.items.items()}
    by_uid = {r.uid: r for r in network.to_resources(payload, ARNS)}
    pcx = by_uid["arn:aws:ec2:us-east-1:444455556666:vpc-peering-connection/pcx-1"]
    assert (pcx.region, pcx.props) == (
        "us-east-1",
        {
            "peer_uid": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{VPC_ID}",
            "peer_region": REGION,
            "peer_account": ACCOUNT,
            "status": "active",
        },
    )
    attachment = by_uid[f"arn:aws:ec2:{REGION}:{ACCOUNT}:transit-gateway-attachment/tgw-attach-dx"]
    assert attachment.props == {
        "peer_uid": f"arn:aws:directconnect::{ACCOUNT}:dx-gateway/dxgw-1",
        "peer_account": ACCOUNT,
        "status": "available",
        "gateway_uid": f"arn:aws:ec2:{REGION}:777788889999:transit-gateway/tgw-shared",
    }
    unresolved = by_uid[f"arn:aws:ec2:{REGION}:{ACCOUNT}:transit-gateway-attachment/tgw-attach-p"]
    assert "peer_uid" not in unresolved.props
    table = by_uid[f"arn:aws:ec2:{REGION}:{ACCOUNT}:route-table/rtb-1"]
    assert [r.get("target_uid") for r in table.props["routes"]] == [
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/vpce-1",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:egress-only-internet-gateway/eigw-1",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:transit-gateway/tgw-shared",
        f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1",
        "arn:aws:networkmanager::1:core-network/c",
    ]
    assert len(by_uid) == 4


def test_partition_comes_from_the_caller() -> None:
    scope = AwsScope("123", ("cn-north-1",), "arn:aws-cn:sts::123:assumed-role/r/s")
    unit = AwsUnit(AwsClients.from_options(AwsOptions()), scope, "cn-north-1")
    assert common.arns_for(unit).ec2("vpc", "vpc-1") == "arn:aws-cn:ec2:cn-north-1:123:vpc/vpc-1"
    assert (
        common.arns_for(AwsUnit(unit.clients, AwsScope("123", (), ""), "eu-west-1")).partition
        == "aws"
    )
