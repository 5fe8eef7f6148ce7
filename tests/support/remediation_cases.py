"""A synthetic estate for the remediation templates: one failing finding per control and
cloud that has a CLI or Terraform template, every identifier and name built from one value.

With a hostile value, the rendered scripts and Terraform must keep it inside one quoted
argument or string; with a plain value, the rendered commands are checked against the
real CLI command models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.config import Params
from scanner.model import Evidence, Finding, FindingsDocument, ScanInfo, Status
from scanner.model.finding import finding_id
from scanner.outputs.remediation import RunInputs

ACCOUNT = "111122223333"


def _resource(
    uid: str, cloud: str, account: str, region: str, rtype: str, kind: str, name: str, **kw: Any
) -> dict[str, Any]:
    return {
        "uid": uid,
        "cloud": cloud,
        "account": account,
        "region": region,
        "type": rtype,
        "kind": kind,
        "name": name,
        "tags": {"owner": name},
        "props": kw.get("props", {}),
        "raw": kw.get("raw", {}),
    }


def estate(v: str) -> tuple[dict[str, dict[str, Any]], list[tuple[str, str]]]:
    """Resources by uid, and (control id, resource uid) of every failing finding."""
    slug = v.replace("/", "_")  # ARN and Azure id segments cannot hold a slash
    sub = f"/subscriptions/{slug}"
    us_bucket = _resource(
        "arn:aws:s3:::us-copy", "aws", ACCOUNT, "us-east-1", "aws.s3.bucket", "store.object", "us"
    )
    arn = f"arn:aws:s3:::{v}"
    aws_bucket = _resource(
        arn,
        "aws",
        ACCOUNT,
        v,
        "aws.s3.bucket",
        "store.object",
        v,
        props={"replication_targets": [{"dst_uid": us_bucket["uid"]}]},
        raw={
            "Policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": v,
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": arn,
                    }
                ],
            }
        },
    )
    oci_bucket = _resource(
        f"ocid1.bucket.oc1..{v}",
        "oci",
        v,
        v,
        "oci.objectstorage.bucket",
        "store.object",
        v,
        props={"replication_targets": [{"dst_uid": us_bucket["uid"]}]},
        raw={
            "namespace": v,
            "compartment_id": v,
            "public_access_type": v,
            "preauthenticated_requests": [{"id": v, "name": v, "access_type": v}],
            "replication_policies": [
                {"id": v, "name": v, "destination_bucket_name": v, "destination_region_name": v}
            ],
        },
    )
    az_store = _resource(
        f"{sub}/resourceGroups/{slug}/providers/Microsoft.Storage/storageAccounts/{slug}",
        "azure",
        slug,
        v,
        "azure.storage.account",
        "store.object",
        v,
        props={"replication_targets": [{"dst_uid": us_bucket["uid"]}]},
        raw={"sku": {"name": "Standard_GRS"}},
    )
    oci_vault = _resource(
        f"ocid1.vault.oc1..{v}",
        "oci",
        v,
        v,
        "oci.kms.vault",
        "vault",
        v,
        raw={"management_endpoint": v, "compartment_id": v},
    )
    az_vault = _resource(
        f"{sub}/resourceGroups/{slug}/providers/Microsoft.KeyVault/vaults/{slug}",
        "azure",
        slug,
        v,
        "azure.keyvault.vault",
        "vault",
        v,
    )
    key_props = {"algorithm": "AES", "length_bits": 256}
    oci_key = _resource(
        f"ocid1.key.oc1..{v}",
        "oci",
        v,
        v,
        "oci.kms.key",
        "key",
        v,
        props={**key_props, "vault_uid": oci_vault["uid"]},
        raw={"compartment_id": v},
    )
    aws_key = _resource(
        f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/{slug}",
        "aws",
        ACCOUNT,
        v,
        "aws.kms.key",
        "key",
        v,
        props=key_props,
    )
    az_key = _resource(
        f"https://{slug}.vault.azure.net/keys/{slug}",
        "azure",
        slug,
        v,
        "azure.keyvault.key",
        "key",
        v,
        props={"algorithm": "RSA", "length_bits": 3072, "vault_uid": az_vault["uid"]},
    )
    world = "0.0.0.0/0"
    nacl = _resource(
        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:network-acl/{slug}",
        "aws",
        ACCOUNT,
        v,
        "aws.ec2.network_acl",
        "net.firewall",
        v,
        raw={
            "Entries": [
                {
                    "Egress": False,
                    "RuleAction": "allow",
                    "RuleNumber": 100,
                    "CidrBlock": world,
                    "Protocol": "-1",
                }
            ]
        },
    )
    sg = _resource(
        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:security-group/{slug}",
        "aws",
        ACCOUNT,
        v,
        "aws.ec2.security_group",
        "net.firewall",
        v,
        raw={
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "IpRanges": [{"CidrIp": world, "Description": v}],
                }
            ]
        },
    )
    ssh = {"destination_port_range": {"min": 22, "max": 22}}
    seclist = _resource(
        f"ocid1.securitylist.oc1..{v}",
        "oci",
        v,
        v,
        "oci.core.security_list",
        "net.firewall",
        v,
        raw={
            "compartment_id": v,
            "vcn_id": v,
            "ingress_security_rules": [
                {"source": world, "protocol": "6", "tcp_options": ssh, "description": v},
                {"source": "10.0.0.0/8", "protocol": "6", "tcp_options": ssh, "description": v},
            ],
            "egress_security_rules": [{"destination": world, "protocol": "all", "description": v}],
        },
    )
    nsg = _resource(
        f"ocid1.networksecuritygroup.oc1..{v}",
        "oci",
        v,
        v,
        "oci.core.network_security_group",
        "net.firewall",
        v,
        raw={
            "security_rules": [
                {
                    "id": v,
                    "direction": "INGRESS",
                    "source": world,
                    "protocol": "6",
                    "tcp_options": None,
                }
            ]
        },
    )
    az_nsg = _resource(
        f"{sub}/resourceGroups/{slug}/providers/Microsoft.Network/networkSecurityGroups/{slug}",
        "azure",
        slug,
        v,
        "azure.network.nsg",
        "net.firewall",
        v,
    )
    dx = _resource(
        f"arn:aws:directconnect:eu-west-1:{ACCOUNT}:dxcon/{slug}",
        "aws",
        ACCOUNT,
        v,
        "aws.directconnect.connection",
        "link.interconnect",
        v,
    )
    vpn = _resource(
        f"arn:aws:ec2:eu-west-1:{ACCOUNT}:vpn-connection/{slug}",
        "aws",
        ACCOUNT,
        v,
        "aws.ec2.vpn_connection",
        "link.vpn",
        v,
        raw={
            "VpnConnectionId": v,
            "CustomerGatewayId": v,
            "VpnGatewayId": v,
            "Type": v,
            "Options": {"TunnelOptions": [{"OutsideIpAddress": v}]},
        },
    )
    saml = _resource(
        f"arn:aws:iam::{ACCOUNT}:saml-provider/{slug}",
        "aws",
        ACCOUNT,
        "global",
        "aws.iam.saml_provider",
        "trust.saml",
        v,
    )
    user = _resource(
        f"arn:aws:iam::{ACCOUNT}:user/{slug}",
        "aws",
        ACCOUNT,
        "global",
        "aws.iam.user",
        "principal.user",
        v,
    )
    policy = _resource(
        f"arn:aws:iam::{ACCOUNT}:policy/{slug}",
        "aws",
        ACCOUNT,
        "global",
        "aws.iam.policy",
        "policy",
        v,
        props={"attached_to": [v, "not-collected"]},
    )
    trail = _resource(
        f"arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:trail/{slug}",
        "aws",
        ACCOUNT,
        v,
        "aws.cloudtrail.trail",
        "log.trail",
        v,
        raw={"S3BucketName": v},
    )
    plans = {"threat_detection": {"enabled": True, "plans": {v: False, "S3_DATA_EVENTS": True}}}
    detectors = {v: [{"DetectorId": v, "Status": "ENABLED"}], "eu-west-1": [], "us-east-1": None}
    aws_account = _resource(
        f"arn:aws:iam::{slug}:root",
        "aws",
        ACCOUNT,
        v,
        "aws.account",
        "account",
        v,
        props=plans,
        raw={"guardduty_detectors": detectors},
    )
    aws_account_off = _resource(
        f"arn:aws:iam::{slug}:off",
        "aws",
        ACCOUNT,
        v,
        "aws.account",
        "account",
        v,
        props={"threat_detection": {"enabled": False}},
    )
    oci_account = _resource(
        f"ocid1.tenancy.oc1..{v}",
        "oci",
        v,
        v,
        "oci.identity.tenancy",
        "account",
        v,
        props={"threat_detection": {"enabled": False}},
    )
    az_account = _resource(sub, "azure", slug, v, "azure.subscription", "account", v, props=plans)
    oci_policy = _resource(
        f"ocid1.policy.oc1..{v}",
        "oci",
        v,
        "global",
        "oci.identity.policy",
        "policy",
        v,
        props={
            "attached_to": [v, "Administrators"],
            "parsed": [
                {"verb": "manage", "resource": "all-resources", "subject": f"group {v}", "text": v},
                {"verb": "read", "resource": "buckets", "subject": f"group {v}", "text": v + " 2"},
            ],
        },
        raw={"compartment_id": v, "description": v},
    )
    az_role = _resource(
        f"{sub}/providers/Microsoft.Authorization/roleDefinitions/{slug}",
        "azure",
        slug,
        v,
        "azure.authorization.role_definition",
        "policy",
        v,
        props={"attached_to": [v]},
    )
    az_trail = _resource(
        f"{sub}/providers/microsoft.insights/diagnosticSettings/{slug}",
        "azure",
        slug,
        v,
        "azure.monitor.diagnostic_setting",
        "log.trail",
        v,
        props={
            "sink_uid": f"{sub}/resourceGroups/{slug}/providers"
            f"/Microsoft.OperationalInsights/workspaces/{slug}"
        },
        raw={"properties": {"logs": [{"category": v, "enabled": False}]}},
    )
    cross_connect = _resource(
        f"ocid1.crossconnect.oc1..{v}",
        "oci",
        v,
        v,
        "oci.core.cross_connect",
        "link.interconnect",
        v,
        raw={"compartment_id": v, "location_name": v, "port_speed_shape_name": v},
    )
    tunnel = {"id": v, "display_name": v, "routing": v}
    oci_vpn = _resource(
        f"ocid1.ipsecconnection.oc1..{v}",
        "oci",
        v,
        v,
        "oci.core.ipsec_connection",
        "link.vpn",
        v,
        raw={"tunnels": [tunnel, {**tunnel, "id": v + "2"}]},
    )
    az_vpn = _resource(
        f"{sub}/resourceGroups/{slug}/providers/Microsoft.Network/connections/{slug}",
        "azure",
        slug,
        v,
        "azure.network.vpn_connection",
        "link.vpn",
        v,
    )
    resources = [
        oci_policy,
        az_role,
        az_trail,
        cross_connect,
        oci_vpn,
        az_vpn,
        us_bucket,
        aws_bucket,
        oci_bucket,
        az_store,
        oci_vault,
        az_vault,
        oci_key,
        aws_key,
        az_key,
        nacl,
        sg,
        seclist,
        nsg,
        az_nsg,
        dx,
        vpn,
        saml,
        user,
        policy,
        trail,
        aws_account,
        aws_account_off,
        oci_account,
        az_account,
    ]
    stores = [aws_bucket["uid"], oci_bucket["uid"], az_store["uid"]]
    keys = [oci_key["uid"], aws_key["uid"], az_key["uid"]]
    findings = [
        (c, s) for c in ("BDR-001", "EAR-001", "EIT-001", "NET-003", "RES-003") for s in stores
    ]
    findings += [(c, k) for c in ("KMS-001", "KMS-002") for k in keys]
    findings += [("NET-001", r["uid"]) for r in (nacl, sg, seclist, nsg, az_nsg)]
    findings += [("ICN-001", r["uid"]) for r in (dx, cross_connect)]
    findings += [("ICN-002", r["uid"]) for r in (vpn, oci_vpn, az_vpn)]
    findings += [("PAM-002", r["uid"]) for r in (policy, oci_policy, az_role)]
    findings += [("LOG-001", r["uid"]) for r in (trail, az_trail)]
    findings += [("IDF-001", saml["uid"])]
    findings += [
        ("MON-001", r["uid"]) for r in (aws_account, aws_account_off, oci_account, az_account)
    ]
    return {r["uid"]: r for r in resources}, sorted(findings)


def case_run(value: str) -> RunInputs:
    """The synthetic estate as a run: every listed finding fails."""
    resources, pairs = estate(value)
    findings = []
    for control_id, uid in pairs:
        r = resources[uid]
        findings.append(
            Finding(
                finding_id=finding_id(control_id, uid),
                control_id=control_id,
                control_version=1,
                resource_uid=uid,
                resource_name=r["name"],
                cloud=r["cloud"],
                account=r["account"],
                region=r["region"],
                resource_type=r["type"],
                kind=r["kind"],
                status=Status.FAIL,
                severity="high",
                title=value,
                message=value,
                frameworks={},
                evidence=Evidence(fields={"props.value": value}, related=[]),
                snapshot_digest="0" * 64,
            )
        )
    scan = ScanInfo(
        snapshot_digest="0" * 64,
        catalog_digest="0" * 64,
        started="2026-11-01T09:00:00Z",
        finished="2026-11-01T09:04:12Z",
        scanner_version="0",
    )
    document = FindingsDocument(scan=scan, findings=findings)
    return RunInputs(Path("."), document, resources, Params().as_cel_input())
