"""IAM: users, root, roles, SAML/OIDC providers, full-admin policies, account facts.

moto 5 in-process, seeded with the real create APIs. What moto cannot produce (the root
row of the credential report, key last-use dates, AssertionEncryptionMode, a stale report,
paging) is answered by botocore's Stubber; failures inside an otherwise real moto run are
injected on the IAM client's ``before-call`` event (the mechanism Stubber itself uses).
Both through a subclass of AwsClients, the one seam.
"""

# ruff: noqa: E402
from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, use_fake_credentials

use_fake_credentials()

import base64
import datetime
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from moto import mock_aws

from scanner.collectors import saml
from scanner.collectors.aws import collector, iam, iam_policy, iam_users, scope
from scanner.collectors.aws.clients import GLOBAL_REGION, AwsClients, AwsOptions, OperationLog
from scanner.collectors.aws.collector import Service, collect_aws
from scanner.collectors.aws.context import AwsScope, AwsUnit
from scanner.model import Cloud, CollectionGap, Edge, Provenance, Resource, Snapshot

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures" / "aws" / "reference-expected.yaml"
IAM = Service("iam", iam.collect, False, iam.PERMISSIONS)
ARN = f"arn:aws:iam::{MOTO_ACCOUNT}"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SAML_ARN = f"{ARN}:saml-provider/acme-oci-identity"
OIDC_ARN = f"{ARN}:oidc-provider/token.actions.githubusercontent.com"
CI_POLICY = f"{ARN}:policy/ci-full-access"
ISSUER = "https://idcs-4f1c9a2b7e.identity.oraclecloud.com:443/fed"
NOT_AFTER = datetime.datetime(2026, 12, 5, 23, 59, 59)
FULL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
PARTNER = "999988887777"
StubPlan = Callable[[Stubber], None]


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


@cache
def certificate(not_after: datetime.datetime = NOT_AFTER) -> bytes:
    """A self-signed RSA certificate (DER); RSA keeps metadata over IAM's 1000 characters."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idcs-4f1c9a2b7e")])
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime.datetime(2025, 1, 1))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    return built.public_bytes(serialization.Encoding.DER)


def b64(der: bytes) -> str:
    return base64.b64encode(der).decode()


def key_descriptor(der: bytes, use: str | None = "signing") -> str:
    attribute = f' use="{use}"' if use else ""
    return (
        f"<md:KeyDescriptor{attribute}><ds:KeyInfo><ds:X509Data>"
        f"<ds:X509Certificate>{b64(der)}</ds:X509Certificate>"
        "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )


def metadata(*keys: str, signature: str = "", entity: str = ISSUER) -> str:
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity}">{signature}'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        + "".join(keys)
        + '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="https://idcs-4f1c9a2b7e.identity.oraclecloud.com/fed/v1/idp/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def reference_metadata() -> str:
    return metadata(key_descriptor(certificate()))


def document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def saml_trust(provider: str = SAML_ARN, audience: bool = True) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider},
        "Action": "sts:AssumeRoleWithSAML",
    }
    if audience:
        statement["Condition"] = {
            "StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}
        }
    return document(statement)


@pytest.fixture
def aws() -> Iterator[Any]:
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        yield boto3.client("iam", region_name=GLOBAL_REGION)


def seed_reference(client: Any) -> dict[str, Any]:
    """The AWS identity part of the reference estate, made with the real create APIs."""
    client.create_saml_provider(
        Name="acme-oci-identity",
        SAMLMetadataDocument=reference_metadata(),
        AssertionEncryptionMode="Required",
    )
    client.create_role(RoleName="AcmeFederatedAdmins", AssumeRolePolicyDocument=saml_trust())
    client.attach_role_policy(RoleName="AcmeFederatedAdmins", PolicyArn=ADMIN)
    for name in ("ops-legacy", "breakglass-aws"):
        client.create_user(UserName=name)
        client.create_login_profile(UserName=name, Password="Correct-Horse-9!")
    client.enable_mfa_device(
        UserName="breakglass-aws",
        SerialNumber="GAHT10000001",
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    client.attach_user_policy(UserName="breakglass-aws", PolicyArn=ADMIN)
    client.create_user(UserName="ci-deployer")
    key = client.create_access_key(UserName="ci-deployer")["AccessKey"]
    client.create_policy(PolicyName="ci-full-access", PolicyDocument=document(FULL))
    client.attach_user_policy(UserName="ci-deployer", PolicyArn=CI_POLICY)
    return key  # type: ignore[no-any-return]


def seed_extras(client: Any) -> None:
    """Everything else the collector reads: inline policies, a group, OIDC, a partner role."""
    client.put_user_policy(UserName="ops-legacy", PolicyName="read", PolicyDocument=document(READ))
    client.create_group(GroupName="Operators")
    client.put_group_policy(
        GroupName="Operators", PolicyName="ops-all", PolicyDocument=document(FULL)
    )
    client.create_role(
        RoleName="partner-audit",
        AssumeRolePolicyDocument=document(
            {
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{PARTNER}:root", f"{ARN}:root"]},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    client.put_role_policy(
        RoleName="partner-audit", PolicyName="read", PolicyDocument=document(READ)
    )
    client.create_open_id_connect_provider(
        Url="https://token.actions.githubusercontent.com",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )


def run(
    monkeypatch: pytest.MonkeyPatch | None = None, clients: type[AwsClients] | None = None
) -> tuple[Snapshot, set[str]]:
    if clients is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(collector, "AwsClients", clients)
    snapshot, _, log = collect_aws(
        AwsOptions(regions=("eu-west-1",), max_attempts=1), services=(IAM,)
    )
    return snapshot, log.operations


def rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def by_uid(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.uid: r for r in snapshot.resources}


def iam_resources(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.uid: r for r in snapshot.resources if r.type != "aws.account"}


def gap(operation: str, error: str, status: int, **target: Any) -> CollectionGap:
    return CollectionGap(
        cloud=Cloud.AWS,
        account=MOTO_ACCOUNT,
        region="global",
        service="iam",
        operation=operation,
        error_class=error,
        message=target.pop("message", f"HTTP {status} {error}: injected"),
        **target,
    )


def faulty(faults: Mapping[str, tuple[int, str]]) -> type[AwsClients]:
    """AwsClients whose IAM clients fail the named operations; moto answers the rest."""

    class Faulty(AwsClients):
        def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
            client = super().client(service, region)
            for operation, (status, code) in faults.items() if service == "iam" else ():
                client.meta.events.register(
                    f"before-call.iam.{operation}", self.failure(status, code)
                )
            return client

        def failure(self, status: int, code: str) -> Callable[..., Any]:
            def respond(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
                # Runs before the session's generic hook, which it pre-empts: log here.
                self.log.record(model=model)
                parsed = {
                    "Error": {"Code": code, "Message": "injected"},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                }
                return AWSResponse("https://iam.amazonaws.com/", status, {}, None), parsed

            return respond

    return Faulty


def stubbed(plan: StubPlan, stubbers: list[Stubber]) -> type[AwsClients]:
    """AwsClients whose one IAM client answers from a Stubber, in the planned order."""

    class Stubbed(AwsClients):
        def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
            if service != "iam":
                return super().client(service, region)
            cached: dict[str, Any] = self.__dict__.setdefault("_iam", {})
            if "client" not in cached:
                client = super().client(service, region)
                stubber = Stubber(client)
                plan(stubber)
                stubber.activate()
                # A stubbed call never reaches the session's before-call hook: log it here.
                client.meta.events.register_first("before-call.*.*", self.log.record)
                stubbers.append(stubber)
                cached["client"] = client
            return cached["client"]

    return Stubbed


def expected_operations() -> set[str]:
    return set(iam.PERMISSIONS) | set(scope.PERMISSIONS)


# ──────────────────────────────────── a full moto run ───────────────────────────────────────


def test_reference_estate_resources_edges_and_operations(aws: Any) -> None:
    key = seed_reference(aws)
    seed_extras(aws)
    snapshot, operations = run()
    created = rfc3339(key["CreateDate"])
    found = {
        uid: (r.kind, r.type, r.region, r.name, r.props)
        for uid, r in iam_resources(snapshot).items()
    }
    assert found == {
        SAML_ARN: (
            "trust.saml",
            "aws.iam.saml_provider",
            "global",
            "acme-oci-identity",
            {
                "issuer": ISSUER,
                "sp_entity_id": "urn:amazon:webservices",
                "signing_cert_sha256": hashlib.sha256(certificate()).hexdigest(),
                "signing_cert_not_after": "2026-12-05T23:59:59Z",
                "relying_party_enforces_mfa": False,
            },
        ),
        OIDC_ARN: (
            "trust.oidc",
            "aws.iam.oidc_provider",
            "global",
            "token.actions.githubusercontent.com",
            {
                "issuer": "https://token.actions.githubusercontent.com",
                "client_ids": ["sts.amazonaws.com"],
                "relying_party_enforces_mfa": False,
            },
        ),
        f"{ARN}:role/AcmeFederatedAdmins": (
            "role",
            "aws.iam.role",
            "global",
            "AcmeFederatedAdmins",
            {
                "federated_providers": [SAML_ARN],
                "external_accounts": [],
                "audience_condition": True,
                "is_admin": True,
            },
        ),
        f"{ARN}:role/partner-audit": (
            "role",
            "aws.iam.role",
            "global",
            "partner-audit",
            {"federated_providers": [], "external_accounts": [PARTNER], "is_admin": False},
        ),
        f"{ARN}:user/ops-legacy": (
            "principal.user",
            "aws.iam.user",
            "global",
            "ops-legacy",
            {"console_access": True, "mfa_enabled": False, "enabled": True, "access_keys": []},
        ),
        f"{ARN}:user/breakglass-aws": (
            "principal.user",
            "aws.iam.user",
            "global",
            "breakglass-aws",
            {
                "console_access": True,
                "mfa_enabled": True,
                "mfa_type": "hardware",
                "enabled": True,
                "access_keys": [],
            },
        ),
        f"{ARN}:user/ci-deployer": (
            "principal.user",
            "aws.iam.user",
            "global",
            "ci-deployer",
            {
                "console_access": False,
                "mfa_enabled": False,
                "enabled": True,
                "access_keys": [{"id": key["AccessKeyId"], "active": True, "created": created}],
            },
        ),
        CI_POLICY: (
            "policy",
            "aws.iam.policy",
            "global",
            "ci-full-access",
            {
                "grants_full_admin": True,
                "statements": ['{"Effect":"Allow","Action":"*","Resource":"*"}'],
                "attached_to": ["ci-deployer"],
                "provider_managed": False,
            },
        ),
        ADMIN: (
            "policy",
            "aws.iam.policy",
            "global",
            "AdministratorAccess",
            {
                "grants_full_admin": True,
                "attached_to": ["AcmeFederatedAdmins", "breakglass-aws"],
                "provider_managed": True,
            },
        ),
        f"{ARN}:group/Operators/inline/ops-all": (
            "policy",
            "aws.iam.inline_policy",
            "global",
            "ops-all",
            {
                "grants_full_admin": True,
                "statements": ['{"Effect":"Allow","Action":"*","Resource":"*"}'],
                "attached_to": ["Operators"],
                "provider_managed": False,
            },
        ),
    }
    assert snapshot.edges == [
        Edge(
            src=f"{ARN}:role/AcmeFederatedAdmins",
            dst=SAML_ARN,
            kind="trusts_idp",
            provenance=Provenance.API,
        )
    ]
    assert snapshot.gaps == []
    assert operations == expected_operations()


def test_account_facts_merge_into_the_account_resource(aws: Any) -> None:
    snapshot, _ = run()
    account = by_uid(snapshot)[scope.account_uid(MOTO_ACCOUNT)]
    assert (account.kind, account.type, account.name) == ("account", "aws.account", MOTO_ACCOUNT)
    assert "subscribed_regions" in account.props  # the scope's props survive the merge
    assert account.raw == {
        "AccountMFAEnabled": 0,
        "AccountAccessKeysPresent": 0,
        "password_policy": None,
    }
    assert snapshot.gaps == []  # no password policy is a fact, not a gap


def test_password_policy_lands_in_raw(aws: Any) -> None:
    aws.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True)
    snapshot, _ = run()
    policy = by_uid(snapshot)[scope.account_uid(MOTO_ACCOUNT)].raw["password_policy"]
    assert policy["MinimumPasswordLength"] == 14
    assert policy["RequireSymbols"] is True


def test_reference_estate_props_are_reproduced(aws: Any) -> None:
    """The reference estate's IAM resources, from an equivalent moto estate."""
    key = seed_reference(aws)
    snapshot, _ = run()
    found = iam_resources(snapshot)
    reference = [
        r
        for r in yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))["resources"]
        if r["type"].startswith("aws.iam.")
    ]
    assert len(reference) == 7
    for expected in reference:
        uid = expected["uid"].replace("111122223333", MOTO_ACCOUNT)
        props = json.loads(json.dumps(expected["props"]).replace("111122223333", MOTO_ACCOUNT))
        got = found[uid]
        assert (got.kind, got.type, got.region, got.name) == (
            expected["kind"],
            expected["type"],
            expected["region"],
            expected["name"],
        )
        if got.kind == "trust.saml":
            # Planted fingerprint of a certificate we do not hold; moto drops the mode.
            props["signing_cert_sha256"] = hashlib.sha256(certificate()).hexdigest()
            assert props.pop("assertion_encryption") == "required"
        if props.get("access_keys"):  # ci-deployer: the key moto created
            props["access_keys"] = [
                {
                    "id": key["AccessKeyId"],
                    "active": True,
                    "created": rfc3339(key["CreateDate"]),
                }
            ]
        assert got.props == props, uid


def test_no_secret_reaches_the_snapshot(aws: Any) -> None:
    key = seed_reference(aws)
    aws.create_user(UserName="phone-user")
    serial = aws.create_virtual_mfa_device(VirtualMFADeviceName="phone")["VirtualMFADevice"]
    aws.enable_mfa_device(
        UserName="phone-user",
        SerialNumber=serial["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    snapshot, _ = run()
    text = snapshot.model_dump_json()
    assert key["SecretAccessKey"] not in text
    assert serial["Base32StringSeed"].decode() not in text
    assert "Base32StringSeed" not in text and "QRCodePNG" not in text
    assert by_uid(snapshot)[f"{ARN}:user/phone-user"].props["mfa_type"] == "virtual"


def test_invalid_metadata_is_a_gap_and_the_trust_stays(aws: Any) -> None:
    doctype = '<?xml version="1.0"?><!DOCTYPE md [<!ENTITY x "y">]>' + reference_metadata()
    aws.create_saml_provider(Name="acme-oci-identity", SAMLMetadataDocument=doctype)
    snapshot, _ = run()
    trust = by_uid(snapshot)[SAML_ARN]
    assert trust.props == {
        "sp_entity_id": "urn:amazon:webservices",
        "relying_party_enforces_mfa": False,
    }
    assert snapshot.gaps == [
        gap(
            "get_saml_provider",
            "InvalidSamlMetadata",
            0,
            message="SAML metadata with a DOCTYPE or ENTITY declaration is refused",
            resource_type="aws.iam.saml_provider",
            kind="trust.saml",
            resource_uid=SAML_ARN,
            fields=["issuer", "signing_cert_sha256", "signing_cert_not_after"],
        )
    ]


# ─────────────────────────────────────── fault injection ────────────────────────────────────


def test_denied_user_listing_is_a_gap_the_rest_is_collected(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_reference(aws)
    snapshot, operations = run(monkeypatch, faulty({"ListUsers": (403, "AccessDenied")}))
    assert snapshot.gaps == [
        gap("list_users", "AccessDenied", 403, resource_type="aws.iam.user", kind="principal.user")
    ]
    kinds = sorted(r.kind for r in iam_resources(snapshot).values())
    assert kinds == ["policy", "policy", "role", "trust.saml"]
    assert "iam:ListUsers" in operations
    assert "iam:ListMFADevices" not in operations


def test_throttled_provider_detail_keeps_the_trust_without_its_facts(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_reference(aws)
    snapshot, _ = run(monkeypatch, faulty({"GetSAMLProvider": (400, "Throttling")}))
    assert snapshot.gaps == [
        gap(
            "get_saml_provider",
            "Throttling",
            400,
            resource_uid=SAML_ARN,
            fields=[
                "issuer",
                "signing_cert_sha256",
                "signing_cert_not_after",
                "assertion_encryption",
            ],
        )
    ]
    resources = by_uid(snapshot)
    assert resources[SAML_ARN].props == {
        "sp_entity_id": "urn:amazon:webservices",
        "relying_party_enforces_mfa": False,
    }
    assert resources[f"{ARN}:role/AcmeFederatedAdmins"].props["is_admin"] is True


def test_failed_attachment_listing_leaves_attached_to_unknown(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_reference(aws)
    snapshot, _ = run(monkeypatch, faulty({"ListEntitiesForPolicy": (500, "ServiceFailure")}))
    assert snapshot.gaps == [
        gap(
            "list_entities_for_policy",
            "ServiceFailure",
            500,
            resource_uid=uid,
            fields=["attached_to"],
        )
        for uid in (CI_POLICY, ADMIN)
    ]
    resources = by_uid(snapshot)
    # AdministratorAccess stays visible (PAM-002 is then inconclusive, not silent).
    assert resources[ADMIN].props == {"grants_full_admin": True, "provider_managed": True}
    assert resources[CI_POLICY].props["grants_full_admin"] is True
    assert "attached_to" not in resources[CI_POLICY].props


def test_unreadable_policy_version_makes_admin_unknown(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_reference(aws)
    aws.create_role(RoleName="deployer", AssumeRolePolicyDocument=saml_trust(audience=False))
    aws.attach_role_policy(RoleName="deployer", PolicyArn=CI_POLICY)
    snapshot, _ = run(monkeypatch, faulty({"GetPolicyVersion": (403, "AccessDenied")}))
    assert snapshot.gaps == [
        gap(
            "get_policy_version",
            "AccessDenied",
            403,
            resource_uid=CI_POLICY,
            fields=["grants_full_admin", "statements"],
        )
    ]
    resources = by_uid(snapshot)
    assert resources[CI_POLICY].props == {
        "attached_to": ["ci-deployer", "deployer"],
        "provider_managed": False,
    }
    assert resources[f"{ARN}:role/deployer"].props == {
        "federated_providers": [SAML_ARN],
        "external_accounts": [],
        "audience_condition": False,
    }


def test_denied_credential_report_leaves_console_access_unknown(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_reference(aws)
    aws.generate_credential_report()
    snapshot, _ = run(monkeypatch, faulty({"GetCredentialReport": (403, "AccessDenied")}))
    assert snapshot.gaps == [
        gap(
            "get_credential_report",
            "AccessDenied",
            403,
            resource_type="aws.iam.user",
            kind="principal.user",
            fields=["console_access"],
        )
    ]
    users = {r.name: r.props for r in snapshot.resources if r.kind == "principal.user"}
    assert users["ops-legacy"] == {"mfa_enabled": False, "enabled": True, "access_keys": []}
    assert users["breakglass-aws"] == {
        "mfa_enabled": True,
        "mfa_type": "hardware",
        "enabled": True,
        "access_keys": [],
    }


ROOT_UID = f"{ARN}:root"
USERS_SCOPE = {"resource_type": "aws.iam.user", "kind": "principal.user"}


@pytest.mark.parametrize(
    ("operation", "method", "target"),
    [
        ("GetAccountSummary", "get_account_summary", {"resource_uid": ROOT_UID, "fields": []}),
        (
            "GetAccountPasswordPolicy",
            "get_account_password_policy",
            {"resource_uid": ROOT_UID, "fields": []},
        ),
        (
            "GenerateCredentialReport",
            "generate_credential_report",
            {**USERS_SCOPE, "fields": ["console_access"]},
        ),
        (
            "ListAttachedRolePolicies",
            "list_attached_role_policies",
            {"resource_uid": f"{ARN}:role/AcmeFederatedAdmins", "fields": ["is_admin"]},
        ),
        (
            "ListVirtualMFADevices",
            "list_virtual_mfa_devices",
            {**USERS_SCOPE, "fields": ["mfa_type"]},
        ),
        (
            "ListMFADevices",
            "list_mfa_devices",
            {"resource_uid": f"{ARN}:user/breakglass-aws", "fields": ["mfa_type"]},
        ),
        (
            "ListRolePolicies",
            "list_role_policies",
            {"resource_type": "aws.iam.inline_policy", "kind": "policy"},
        ),
        (
            "ListSAMLProviders",
            "list_saml_providers",
            {"resource_type": "aws.iam.saml_provider", "kind": "trust.saml"},
        ),
    ],
)
def test_each_failure_is_its_own_gap(
    aws: Any,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    method: str,
    target: dict[str, Any],
) -> None:
    seed_reference(aws)
    aws.generate_credential_report()
    snapshot, operations = run(monkeypatch, faulty({operation: (403, "AccessDenied")}))
    assert {(g.operation, g.error_class) for g in snapshot.gaps} == {(method, "AccessDenied")}
    assert any(all(getattr(g, k) == v for k, v in target.items()) for g in snapshot.gaps)
    assert f"iam:{operation}" in operations
    # What the failed call does not feed is still collected.
    resources = by_uid(snapshot)
    assert resources[CI_POLICY].props["attached_to"] == ["ci-deployer"]
    assert resources[ADMIN].props["attached_to"] == ["AcmeFederatedAdmins", "breakglass-aws"]
    if operation != "GenerateCredentialReport":
        assert resources[f"{ARN}:user/ops-legacy"].props["console_access"] is True


def test_role_is_admin_unknown_when_attachments_unreadable(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_reference(aws)
    aws.create_role(RoleName="plain", AssumeRolePolicyDocument=saml_trust())
    snapshot, _ = run(monkeypatch, faulty({"ListAttachedRolePolicies": (403, "AccessDenied")}))
    assert "is_admin" not in by_uid(snapshot)[f"{ARN}:role/plain"].props


# ─────────────────────────────── stubbed: what moto cannot do ───────────────────────────────

CREATED = datetime.datetime(2026, 5, 2, 10, 0, tzinfo=datetime.UTC)
USED = datetime.datetime(2026, 10, 31, 22, 10, tzinfo=datetime.UTC)
REPORT_HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
ROOT_ROW = (
    f"<root_account>,{ARN}:root,2024-01-01T00:00:00+00:00,not_supported,"
    "2026-10-01T08:00:00+00:00,not_supported,not_supported,true,true,2025-03-01T00:00:00+00:00,"
    "2026-09-30T12:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
ALICE_ROW = (
    f"alice,{ARN}:user/alice,2025-01-01T00:00:00+00:00,true,2026-10-01T08:00:00+00:00,"
    "2025-01-01T00:00:00+00:00,N/A,true,true,2026-05-02T10:00:00+00:00,"
    "2026-10-31T22:10:00+00:00,eu-west-1,iam,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)


def user(name: str) -> dict[str, Any]:
    return {
        "Path": "/",
        "UserName": name,
        "UserId": f"AIDA{name.upper():X<16}",
        "Arn": f"{ARN}:user/{name}",
        "CreateDate": CREATED,
    }


def full_stub_plan(stub: Stubber) -> None:
    """Every IAM call of one collection, in order: paging, polling, root, a stale report."""
    add = stub.add_response
    add(
        "get_account_summary",
        {"SummaryMap": {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1}},
    )
    add("get_account_password_policy", {"PasswordPolicy": {"MinimumPasswordLength": 14}})
    add("generate_credential_report", {"State": "STARTED"})
    add("generate_credential_report", {"State": "COMPLETE"})
    report = "\n".join((REPORT_HEADER, ROOT_ROW, ALICE_ROW)) + "\n"
    add("get_credential_report", {"Content": report.encode(), "ReportFormat": "text/csv"})
    virtual = [
        {
            "SerialNumber": f"{ARN}:mfa/root-account-mfa-device",
            "User": {**user("x"), "Arn": f"{ARN}:root"},
        },
        {"SerialNumber": f"{ARN}:mfa/alice-phone", "User": user("alice")},
    ]
    add(
        "list_virtual_mfa_devices", {"VirtualMFADevices": virtual}, {"AssignmentStatus": "Assigned"}
    )
    # Two pages of users; bob was created after the report was generated.
    add("list_users", {"Users": [user("alice")], "IsTruncated": True, "Marker": "m1"}, {})
    add("list_users", {"Users": [user("bob")], "IsTruncated": False}, {"Marker": "m1"})
    devices = [
        {"UserName": "alice", "SerialNumber": f"{ARN}:mfa/alice-phone", "EnableDate": CREATED},
        {
            "UserName": "alice",
            "SerialNumber": f"{ARN}:u2f/user/alice/yubikey-XYZ",
            "EnableDate": CREATED,
        },
    ]
    add("list_mfa_devices", {"MFADevices": devices}, {"UserName": "alice"})
    keys = [
        {
            "UserName": "alice",
            "AccessKeyId": "AKIAEXAMPLEALICE0001",
            "Status": "Active",
            "CreateDate": CREATED,
        }
    ]
    add("list_access_keys", {"AccessKeyMetadata": keys}, {"UserName": "alice"})
    last_used = {"LastUsedDate": USED, "ServiceName": "iam", "Region": "eu-west-1"}
    add(
        "get_access_key_last_used",
        {"UserName": "alice", "AccessKeyLastUsed": last_used},
        {"AccessKeyId": "AKIAEXAMPLEALICE0001"},
    )
    add("list_user_policies", {"PolicyNames": []}, {"UserName": "alice"})
    add("list_mfa_devices", {"MFADevices": []}, {"UserName": "bob"})
    add("list_access_keys", {"AccessKeyMetadata": []}, {"UserName": "bob"})
    add("list_user_policies", {"PolicyNames": []}, {"UserName": "bob"})
    add("list_policies", {"Policies": []}, {"Scope": "Local"})
    trust = saml_trust()
    role = {
        "Path": "/",
        "RoleName": "federated",
        "RoleId": "AROAFEDERATED0001",
        "Arn": f"{ARN}:role/federated",
        "CreateDate": CREATED,
        "AssumeRolePolicyDocument": trust,
    }
    add("list_roles", {"Roles": [role]}, {})
    add("list_attached_role_policies", {"AttachedPolicies": []}, {"RoleName": "federated"})
    add("list_role_policies", {"PolicyNames": []}, {"RoleName": "federated"})
    add("list_groups", {"Groups": []}, {})
    add(
        "list_entities_for_policy",
        {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []},
        {"PolicyArn": ADMIN},
    )
    add("list_open_id_connect_providers", {"OpenIDConnectProviderList": []}, {})
    add("list_saml_providers", {"SAMLProviderList": [{"Arn": SAML_ARN}]}, {})
    detail = {"SAMLMetadataDocument": reference_metadata(), "AssertionEncryptionMode": "Required"}
    add("get_saml_provider", detail, {"SAMLProviderArn": SAML_ARN})


def test_stubbed_root_paging_polling_and_stale_report(
    aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stubbers: list[Stubber] = []
    snapshot, operations = run(monkeypatch, stubbed(full_stub_plan, stubbers))
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    resources = by_uid(snapshot)
    assert resources[f"{ARN}:user/<root_account>"].props == {
        "is_root": True,
        "enabled": True,
        "mfa_enabled": True,
        "mfa_type": "virtual",
        "access_keys": [
            {
                "id": "access_key_1",
                "active": True,
                "created": "2025-03-01T00:00:00Z",
                "last_used": "2026-09-30T12:00:00Z",
            }
        ],
    }
    assert resources[f"{ARN}:user/alice"].props == {
        "console_access": True,
        "mfa_enabled": True,
        "mfa_type": "fido",
        "enabled": True,
        "access_keys": [
            {
                "id": "AKIAEXAMPLEALICE0001",
                "active": True,
                "created": "2026-05-02T10:00:00Z",
                "last_used": "2026-10-31T22:10:00Z",
            }
        ],
    }
    # bob is not in the (stale) report: MFA comes from his devices, console access is a gap.
    assert resources[f"{ARN}:user/bob"].props == {
        "mfa_enabled": False,
        "enabled": True,
        "access_keys": [],
    }
    assert resources[SAML_ARN].props["assertion_encryption"] == "required"
    assert resources[f"{ARN}:role/federated"].props == {
        "federated_providers": [SAML_ARN],
        "external_accounts": [],
        "audience_condition": True,
        "is_admin": False,
    }
    assert ADMIN not in resources  # attached to nothing
    assert resources[scope.account_uid(MOTO_ACCOUNT)].raw == {
        "AccountMFAEnabled": 1,
        "AccountAccessKeysPresent": 1,
        "password_policy": {"MinimumPasswordLength": 14},
    }
    assert snapshot.gaps == [
        gap(
            "get_credential_report",
            "NotInCredentialReport",
            0,
            message="user bob is not in the credential report yet",
            resource_uid=f"{ARN}:user/bob",
            fields=["console_access"],
        )
    ]
    not_needed = {
        "iam:GetUserPolicy",
        "iam:GetRolePolicy",
        "iam:ListGroupPolicies",
        "iam:GetGroupPolicy",
        "iam:GetOpenIDConnectProvider",
        "iam:GetPolicyVersion",
    }
    assert operations == expected_operations() - not_needed


def test_report_polling_is_bounded(aws: Any) -> None:
    stubbers: list[Stubber] = []

    def plan(stub: Stubber) -> None:
        for _ in range(3):
            stub.add_response("generate_credential_report", {"State": "STARTED"})

    clients = stubbed(plan, stubbers)(AwsOptions(max_attempts=1), boto3.Session(), OperationLog())
    unit = AwsUnit(clients, AwsScope(MOTO_ACCOUNT, ("eu-west-1",), f"{ARN}:user/auditor"), "global")
    rec = unit.recorder("iam")
    assert iam_users.fetch_credential_report(unit, rec, waits=(0.0, 0.0)) is None
    stubbers[0].assert_no_pending_responses()
    assert rec.operations == {"iam.generate_credential_report"}
    assert rec.gaps == [
        gap(
            "generate_credential_report",
            "ReportNotReady",
            0,
            message="credential report still STARTED after 2 waits",
            resource_type="aws.iam.user",
            kind="principal.user",
            fields=["console_access"],
        )
    ]


# ───────────────────────────────────── pure normalisation ───────────────────────────────────


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (FULL, True),
        ({"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}, True),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": "*:*", "Resource": "*"}, True),
        (
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            },
            True,
        ),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::x"}, False),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::bucket/*"}, False),
    ],
)
def test_grants_full_admin(statement: dict[str, Any], expected: bool) -> None:
    assert iam_policy.grants_full_admin([statement]) is expected


def test_statements_of_accepts_every_form() -> None:
    assert iam_policy.statements_of({"Statement": FULL}) == [FULL]
    assert iam_policy.statements_of(document(FULL, READ)) == [FULL, READ]
    assert iam_policy.statements_of("%7B%22Statement%22%3A%20%5B%5D%7D") == []
    assert iam_policy.statements_of("not json") is None
    assert iam_policy.statements_of(None) is None


def test_trust_of_a_cross_account_and_public_role() -> None:
    trust = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "AWS": [
                        f"arn:aws:iam::{PARTNER}:role/x",
                        "111100002222",
                        f"{ARN}:root",
                        "AROADELETEDPRINCIPAL",
                    ]
                },
            },
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::555566667777:root"}},
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}},
        ]
    }
    assert iam_policy.trust_props(trust, MOTO_ACCOUNT) == {
        "federated_providers": [],
        "external_accounts": ["*", "111100002222", PARTNER],
    }


def test_audience_must_be_pinned_on_every_federated_statement() -> None:
    oidc = {
        "Effect": "Allow",
        "Principal": {"Federated": OIDC_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
        },
    }
    negated = {
        **oidc,
        "Condition": {"StringNotEquals": {"token.actions.githubusercontent.com:aud": "x"}},
    }
    pinned = iam_policy.trust_props(
        {"Statement": [oidc, json.loads(saml_trust())["Statement"][0]]}, MOTO_ACCOUNT
    )
    assert pinned == {
        "federated_providers": sorted([OIDC_ARN, SAML_ARN]),
        "external_accounts": [],
        "audience_condition": True,
    }
    unpinned = iam_policy.trust_props(
        {"Statement": [oidc, json.loads(saml_trust(audience=False))["Statement"][0]]}, ""
    )
    assert unpinned["audience_condition"] is False
    assert iam_policy.trust_props({"Statement": [negated]}, "")["audience_condition"] is False


@pytest.mark.parametrize(
    ("serials", "virtual", "expected"),
    [
        (["GAHT10000001"], {}, "hardware"),
        ([f"{ARN}:mfa/phone"], {f"{ARN}:mfa/phone": None}, "virtual"),
        ([f"{ARN}:mfa/phone", "GAHT10000001"], {f"{ARN}:mfa/phone": None}, "hardware"),
        ([f"{ARN}:u2f/user/a/key"], None, "fido"),
        (["GAHT10000001"], None, None),
        ([], {}, None),
    ],
)
def test_mfa_type(
    serials: list[str], virtual: dict[str, str | None] | None, expected: str | None
) -> None:
    assert iam_users.mfa_type(serials, virtual) == expected


# ────────────────────────────────────────── SAML metadata ──────────────────────────────────────


def test_metadata_issuer_and_first_signing_certificate() -> None:
    current, other = certificate(), certificate(datetime.datetime(2030, 1, 1))
    text = metadata(
        key_descriptor(other, "encryption"), key_descriptor(current), key_descriptor(other)
    )
    parsed = saml.parse_metadata(text)
    assert parsed == saml.SamlMetadata(
        ISSUER, hashlib.sha256(current).hexdigest(), "2026-12-05T23:59:59Z"
    )


def test_metadata_signature_certificate_is_not_the_signing_key() -> None:
    signature = (
        "<ds:Signature><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{b64(certificate(datetime.datetime(2030, 1, 1)))}"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"
    )
    parsed = saml.parse_metadata(metadata(key_descriptor(certificate(), None), signature=signature))
    assert parsed.signing_cert_sha256 == hashlib.sha256(certificate()).hexdigest()


def test_metadata_inside_entities_descriptor_and_without_certificate() -> None:
    inner = metadata()
    wrapper = '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
    wrapped = f"{wrapper}{inner}</md:EntitiesDescriptor>"
    assert saml.parse_metadata(wrapped) == saml.SamlMetadata(ISSUER, None, None)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('<!DOCTYPE x [<!ENTITY a "b">]><x/>', "DOCTYPE or ENTITY"),
        ("<!ENTITY a SYSTEM 'file:///etc/passwd'>", "DOCTYPE or ENTITY"),
        ("not xml", "not XML"),
        (
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>',
            "no EntityDescriptor",
        ),
        (
            metadata(
                '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
                "@@not-base64@@</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
            ),
            "malformed certificate",
        ),
    ],
)
def test_unusable_metadata_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        saml.parse_metadata(text)


def test_undecodable_certificate_keeps_its_fingerprint() -> None:
    junk = base64.b64encode(b"not a certificate").decode()
    descriptor = (
        "<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{junk}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )
    parsed = saml.parse_metadata(metadata(descriptor))
    assert parsed.signing_cert_sha256 == hashlib.sha256(b"not a certificate").hexdigest()
    assert parsed.signing_cert_not_after is None


def test_permissions_are_iam_read_actions() -> None:
    assert all(k == v and k.startswith("iam:") for k, v in iam.PERMISSIONS.items())
    assert "iam:GenerateCredentialReport" in iam.PERMISSIONS
    assert len(iam.PERMISSIONS) == 25
