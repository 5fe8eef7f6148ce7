"""Populate an AWS endpoint (a moto server) with the AWS part of the reference estate.

``python -m tests.support.aws_estate http://127.0.0.1:5000`` seeds a running moto server;
tests call :func:`populate` with boto3 pointed at their own server. Everything is created
with the ordinary AWS APIs, so the same script documents what each planted problem is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from scanner.collectors.aws.clients import _strip_account_prefix

OCI_IDP = "https://idcs-4f1c9a2b7e.identity.oraclecloud.com:443/fed"
REGION = "eu-west-1"


def _certificate(common_name: str, days: int) -> str:
    """A self-signed certificate, the same bytes on every run (Ed25519 signs deterministically)."""
    seed = hashlib.sha256(common_name.encode()).digest()
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .sign(key, None)
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode()


def saml_metadata(entity_id: str, certificate_b64: str) -> str:
    """IdP metadata as an identity provider publishes it (padded past botocore's minimum)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        f"<ds:X509Data><ds:X509Certificate>{certificate_b64}</ds:X509Certificate></ds:X509Data>"
        "</ds:KeyInfo></md:KeyDescriptor>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>"
        "<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="{entity_id}/sso"/>'
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{entity_id}/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _tls_only(bucket: str) -> str:
    """A bucket policy refusing plain HTTP."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TlsOnly",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def _account(kw: dict[str, Any]) -> str:
    return str(boto3.client("sts", region_name=REGION, **kw).get_caller_identity()["Account"])


def populate(endpoint: str | None = None) -> dict[str, Any]:
    """Create the estate; return the names of what was created."""
    kw: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    iam = boto3.client("iam", region_name="us-east-1", **kw)
    s3 = boto3.client("s3", region_name=REGION, **kw)
    s3_use1 = boto3.client("s3", region_name="us-east-1", **kw)
    kms = boto3.client("kms", region_name=REGION, **kw)
    ec2 = boto3.client("ec2", region_name=REGION, **kw)
    trail = boto3.client("cloudtrail", region_name=REGION, **kw)

    # The account blocks public access to every bucket.
    s3control = boto3.client("s3control", region_name=REGION, **kw)
    if endpoint:
        s3control.meta.events.register("before-sign.s3-control.*", _strip_account_prefix)
    s3control.put_public_access_block(
        AccountId=_account(kw),
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )

    # Federation: the SAML provider pins a certificate the OCI domain has rotated away from.
    provider = iam.create_saml_provider(
        Name="acme-oci-identity",
        SAMLMetadataDocument=saml_metadata(OCI_IDP, _certificate("old-signing", 340)),
    )["SAMLProviderArn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            }
        ],
    }
    iam.create_role(RoleName="AcmeFederatedAdmins", AssumeRolePolicyDocument=json.dumps(trust))

    # A console user without MFA (planted), a break-glass user with MFA, a CI user.
    iam.create_user(UserName="ops-legacy")
    iam.create_login_profile(UserName="ops-legacy", Password="Correct-Horse-9!")
    iam.create_user(UserName="breakglass-aws")
    iam.create_login_profile(UserName="breakglass-aws", Password="Correct-Horse-9!")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="breakglass-aws")[
        "VirtualMFADevice"
    ]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="breakglass-aws",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_user(UserName="ci-deployer")
    iam.create_access_key(UserName="ci-deployer")
    full = iam.create_policy(
        PolicyName="ci-full-access",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName="ci-deployer", PolicyArn=full)

    # Keys: imported material shared with OCI, and a provider-generated key in us-east-1.
    imported = kms.create_key(
        Origin="EXTERNAL",
        Description="acme-datalake-imported",
        Tags=[
            {"TagKey": "key_lineage", "TagValue": "imported_from_hsm"},
            {"TagKey": "key_material_id", "TagValue": "mat-datalake-2026"},
        ],
    )["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/acme-datalake-imported", TargetKeyId=imported)

    # Storage: the cross-cloud replica (SSE-S3, planted) replicating on to us-east-1 (planted).
    for client, name, region in (
        (s3, "acme-datalake-replica-euw1", REGION),
        (s3_use1, "acme-datalake-replica-use1", "us-east-1"),
    ):
        if region == "us-east-1":
            client.create_bucket(Bucket=name)
        else:
            client.create_bucket(
                Bucket=name, CreateBucketConfiguration={"LocationConstraint": region}
            )
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        client.put_bucket_tagging(
            Bucket=name, Tagging={"TagSet": [{"Key": "data_class", "Value": "personal"}]}
        )
        client.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        client.put_bucket_policy(Bucket=name, Policy=_tls_only(name))
    kms_use1 = boto3.client("kms", region_name="us-east-1", **kw)
    use1_key = kms_use1.create_key(Description="replica-use1-cmk")["KeyMetadata"]["Arn"]
    kms_use1.enable_key_rotation(KeyId=use1_key)
    kms_use1.create_alias(AliasName="alias/replica-use1-cmk", TargetKeyId=use1_key)
    # AWS encrypts every bucket with SSE-S3 unless told otherwise; moto needs telling.
    s3.put_bucket_encryption(
        Bucket="acme-datalake-replica-euw1",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3_use1.put_bucket_encryption(
        Bucket="acme-datalake-replica-use1",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": use1_key,
                    }
                }
            ]
        },
    )
    role = iam.create_role(
        RoleName="s3-crr",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "s3.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    s3.put_bucket_replication(
        Bucket="acme-datalake-replica-euw1",
        ReplicationConfiguration={
            "Role": role,
            "Rules": [
                {
                    "ID": "dr-copy",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {"Prefix": ""},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "arn:aws:s3:::acme-datalake-replica-use1"},
                }
            ],
        },
    )

    # Network: a bastion security group open only to a partner range.
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="sg-bastion", Description="bastion", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "203.0.113.0/24"}],
            }
        ],
    )

    # Connectivity: the backup VPN to OCI (AWS's default tunnel options still allow IKEv1:
    # planted) and the Direct Connect link to the OCI FastConnect location.
    customer_gateway = ec2.create_customer_gateway(
        Type="ipsec.1", PublicIp="198.51.100.10", BgpAsn=31898
    )["CustomerGateway"]["CustomerGatewayId"]
    vpn_gateway = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=vpc, VpnGatewayId=vpn_gateway)
    ec2.create_vpn_connection(
        Type="ipsec.1",
        CustomerGatewayId=customer_gateway,
        VpnGatewayId=vpn_gateway,
        TagSpecifications=[
            {
                "ResourceType": "vpn-connection",
                "Tags": [
                    {"Key": "Name", "Value": "vpn-oci-backup"},
                    {"Key": "link_role", "Value": "backup"},
                    {"Key": "peer_cloud", "Value": "oci"},
                ],
            }
        ],
    )
    dx_connection = boto3.client("directconnect", region_name=REGION, **kw).create_connection(
        location="EqFR5",
        bandwidth="100Gbps",
        connectionName="dx-frankfurt-oci",
        requestMACSec=True,
        tags=[{"key": "peer_cloud", "value": "oci"}],
    )["connectionId"]

    # A confidential bucket whose policy denies the auditor GetBucketEncryption: the
    # recording answers that call with AccessDenied (tests.support.aws_reference).
    s3.create_bucket(
        Bucket="acme-finance-reports", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_bucket_versioning(
        Bucket="acme-finance-reports", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_tagging(
        Bucket="acme-finance-reports",
        Tagging={"TagSet": [{"Key": "data_class", "Value": "confidential"}]},
    )
    s3.put_bucket_policy(Bucket="acme-finance-reports", Policy=_tls_only("acme-finance-reports"))
    s3.put_bucket_encryption(
        Bucket="acme-finance-reports",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )

    # Audit: a single-region trail (planted), encrypted with a rotated key, logging to a
    # TLS-only bucket; GuardDuty on in both regions.
    trail_key = kms.create_key(Description="cloudtrail-logs")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=trail_key)
    kms.create_alias(AliasName="alias/cloudtrail-logs", TargetKeyId=trail_key)
    s3.create_bucket(
        Bucket="acme-cloudtrail-logs", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_bucket_tagging(
        Bucket="acme-cloudtrail-logs",
        Tagging={"TagSet": [{"Key": "data_class", "Value": "audit-logs"}]},
    )
    s3.put_bucket_policy(Bucket="acme-cloudtrail-logs", Policy=_tls_only("acme-cloudtrail-logs"))
    for region in (REGION, "us-east-1"):
        boto3.client("guardduty", region_name=region, **kw).create_detector(Enable=True)
    trail.create_trail(
        Name="security-trail",
        S3BucketName="acme-cloudtrail-logs",
        IsMultiRegionTrail=False,
        EnableLogFileValidation=True,
        KmsKeyId=trail_key,
    )
    trail.start_logging(Name="security-trail")
    return {
        "saml_provider": provider,
        "imported_key": imported,
        "security_group": group,
        "dx_connection": dx_connection,
        "vpn_gateway": vpn_gateway,
    }


if __name__ == "__main__":
    print(json.dumps(populate(sys.argv[1] if len(sys.argv) > 1 else None), indent=2))
