"""Record the reference estate's AWS part, and collect it again from the recording.

``python -m tests.support.aws_reference record`` seeds a moto server with
:func:`tests.support.aws_estate.populate` (account 111122223333, the clock set to the
estate's dates), runs the AWS collector through :class:`AwsRecordingProxy` and writes
every exchange to ``fixtures/aws/reference/``. What the emulator cannot express is written
into the recorded responses by the patches below, each named after the planted problem or
the fact it stands for; nothing else is edited. :func:`collect_reference_aws` replays the
recording through the real boto3 and the AWS collector.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.collectors.aws.clients import AwsOptions
from scanner.collectors.aws.collector import collect_aws
from scanner.model import Snapshot
from tests.support.aws_replay import (
    AwsRecordingProxy,
    AwsReplayServer,
    ResponsePatch,
    load_exchanges,
)

REPO = Path(__file__).resolve().parents[2]
AWS_FIXTURES = REPO / "fixtures" / "aws" / "reference"
ACCOUNT = "111122223333"
REGIONS = ("eu-west-1", "us-east-1")
ESTATE_BUILT_AT = "2026-05-02T10:00:00Z"
COLLECTED_AT = "2026-11-01T09:00:00Z"
RECORDED_HOST = "https://aws-replay.invalid"
MOTO_SEED = 20261101

_TUNNEL = """<item><outsideIpAddress>{ip}</outsideIpAddress>\
<ikeVersionSet>{ike}</ikeVersionSet>\
<phase1EncryptionAlgorithmSet><item><value>AES256</value></item></phase1EncryptionAlgorithmSet>\
<phase2EncryptionAlgorithmSet><item><value>AES256</value></item></phase2EncryptionAlgorithmSet>\
<phase1IntegrityAlgorithmSet><item><value>SHA2-256</value></item></phase1IntegrityAlgorithmSet>\
<phase2IntegrityAlgorithmSet><item><value>SHA2-256</value></item></phase2IntegrityAlgorithmSet>\
<phase1DHGroupNumberSet><item><value>14</value></item></phase1DHGroupNumberSet>\
<phase2DHGroupNumberSet><item><value>14</value></item></phase2DHGroupNumberSet>\
</item>"""
_TELEMETRY = """<item><outsideIpAddress>{ip}</outsideIpAddress><status>UP</status>\
<statusMessage>2 BGP ROUTES</statusMessage><acceptedRouteCount>2</acceptedRouteCount></item>"""
TUNNEL_IPS = ("34.250.10.11", "52.18.20.22")


def _ike(*versions: str) -> str:
    return "".join(f"<item><value>{v}</value></item>" for v in versions)


def hardened_vpn_tunnels(body: str) -> tuple[int, str]:
    """Tunnel options and telemetry (moto reports neither).

    The first tunnel allows IKEv2 only; the second still allows IKEv1 (planted: P12).
    """
    tunnels = _TUNNEL.format(ip=TUNNEL_IPS[0], ike=_ike("ikev2")) + _TUNNEL.format(
        ip=TUNNEL_IPS[1], ike=_ike("ikev1", "ikev2")
    )
    options = (
        "<options><staticRoutesOnly>false</staticRoutesOnly>"
        "<outsideIpAddressType>PublicIpv4</outsideIpAddressType>"
        f"<tunnelOptionSet>{tunnels}</tunnelOptionSet></options>"
    )
    telemetry = "".join(_TELEMETRY.format(ip=ip) for ip in TUNNEL_IPS)
    body = re.sub(r"<options>.*?</options>", "", body, flags=re.S)
    body = re.sub(r"<vgwTelemetry>.*?</vgwTelemetry>|<vgwTelemetry/>", "", body, flags=re.S)
    return 200, body.replace(
        "</vpnGatewayId>",
        f"</vpnGatewayId>{options}<vgwTelemetry>{telemetry}</vgwTelemetry>",
        1,
    )


def macsec_port_up(body: str) -> tuple[int, str]:
    """The MACsec port is up on a redundant pair (moto leaves port encryption down)."""
    document = json.loads(body)
    for connection in document.get("connections", []):
        connection["portEncryptionStatus"] = "Encryption Up"
        connection["hasLogicalRedundancy"] = "yes"
    return 200, json.dumps(document)


def virtual_interfaces(connection_id: str, gateway_id: str) -> ResponsePatch:
    """One private VIF on the Direct Connect link to the VPN gateway (moto lacks the API)."""

    def patch(body: str) -> tuple[int, str]:
        del body
        interface = {
            "ownerAccount": ACCOUNT,
            "virtualInterfaceId": "dxvif-ffoci7k2",
            "location": "EqFR5",
            "connectionId": connection_id,
            "virtualInterfaceType": "private",
            "virtualInterfaceName": "vif-oci-private",
            "vlan": 101,
            "asn": 31898,
            "amazonSideAsn": 64512,
            "addressFamily": "ipv4",
            "virtualInterfaceState": "available",
            "mtu": 9001,
            "jumboFrameCapable": True,
            "virtualGatewayId": gateway_id,
            "bgpPeers": [{"bgpPeerId": "dxpeer-ffoci7k2", "bgpStatus": "up"}],
            "region": "eu-west-1",
            "awsDeviceV2": "EqFR5-2abc3defg",
            "tags": [{"key": "peer_cloud", "value": "oci"}],
        }
        return 200, json.dumps({"virtualInterfaces": [interface]})

    return patch


def no_virtual_interfaces(body: str) -> tuple[int, str]:
    """No virtual interface in a region without a Direct Connect link (moto lacks the API)."""
    del body
    return 200, json.dumps({"virtualInterfaces": []})


def no_direct_connect_gateways(body: str) -> tuple[int, str]:
    """The link ends on a virtual private gateway, not a Direct Connect gateway."""
    del body
    return 200, json.dumps({"directConnectGateways": []})


def no_custom_key_stores(body: str) -> tuple[int, str]:
    """No CloudHSM or external key store in this account (moto lacks the API)."""
    del body
    return 200, json.dumps({"CustomKeyStores": [], "Truncated": False})


def encryption_denied(body: str) -> tuple[int, str]:
    """The finance bucket's policy denies the auditor GetBucketEncryption (a gap)."""
    del body
    return 403, (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
        "<Message>User: arn:aws:sts::111122223333:assumed-role/AuditGraphReadOnly/auditgraph"
        " is not authorized to perform: s3:GetEncryptionConfiguration on resource:"
        " arn:aws:s3:::acme-finance-reports with an explicit deny in a resource-based policy"
        "</Message><RequestId>R7Q2K9FINANCE</RequestId></Error>"
    )


PATCHES: dict[tuple[str, str], ResponsePatch] = {
    ("eu-west-1", "ec2 DescribeVpnConnections"): hardened_vpn_tunnels,
    ("eu-west-1", "directconnect DescribeConnections"): macsec_port_up,
    ("eu-west-1", "kms DescribeCustomKeyStores"): no_custom_key_stores,
    ("us-east-1", "kms DescribeCustomKeyStores"): no_custom_key_stores,
    ("eu-west-1", "directconnect DescribeDirectConnectGateways"): no_direct_connect_gateways,
    ("eu-west-1", "s3 GET /acme-finance-reports?encryption"): encryption_denied,
}


@contextmanager
def _endpoint(url: str) -> Iterator[None]:
    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous


def _options() -> AwsOptions:
    return AwsOptions(regions=REGIONS, max_attempts=1, max_workers=1)


def record(folder: Path = AWS_FIXTURES) -> list[Path]:
    from freezegun import freeze_time

    from tests.support.aws import moto_server, use_fake_credentials
    from tests.support.aws_estate import populate

    use_fake_credentials()
    os.environ["MOTO_ACCOUNT_ID"] = ACCOUNT
    with moto_server() as upstream:
        # Seeded: a new recording keeps the same generated ids (moto's seed API).
        request = urllib.request.Request(f"{upstream}/moto-api/seed?a={MOTO_SEED}", method="POST")
        with urllib.request.urlopen(request) as response:
            response.read()
        with freeze_time(ESTATE_BUILT_AT):
            created = populate(upstream)
        patches = {
            **PATCHES,
            ("eu-west-1", "directconnect DescribeVirtualInterfaces"): virtual_interfaces(
                created["dx_connection"], created["vpn_gateway"]
            ),
            ("us-east-1", "directconnect DescribeVirtualInterfaces"): no_virtual_interfaces,
        }
        with (
            freeze_time(COLLECTED_AT),
            AwsRecordingProxy(upstream=upstream, patches=patches) as proxy,
            _endpoint(proxy.url),
        ):
            collect_aws(_options())
        for path in folder.glob("*.yaml"):
            path.unlink()
        return proxy.write(folder)


@contextmanager
def reference_replay() -> Iterator[AwsReplayServer]:
    """A replay server answering from the recorded reference exchanges."""
    with AwsReplayServer(load_exchanges(sorted(AWS_FIXTURES.glob("*.yaml")))) as server:
        yield server


def reference_options() -> AwsOptions:
    return _options()


def collect_reference_aws() -> Snapshot:
    """The AWS collector's snapshot of the recorded estate, replayed through boto3."""
    from tests.support.aws import use_fake_credentials

    use_fake_credentials()
    with reference_replay() as server, _endpoint(server.url):
        snapshot, _, _ = collect_aws(_options())
        if server.unmatched:
            raise RuntimeError(f"calls with no recorded exchange: {sorted(server.unmatched)}")
        text = snapshot.model_dump_json().replace(server.url, RECORDED_HOST)
    return Snapshot.model_validate_json(text)


if __name__ == "__main__":
    if sys.argv[1:] != ["record"]:
        sys.exit("usage: python -m tests.support.aws_reference record")
    for written in record():
        print(written.relative_to(REPO))
