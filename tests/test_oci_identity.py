"""Classic IAM collection against the replay server: the real SDK, real request signing."""

from __future__ import annotations

import os

os.environ["OCI_SDK_DEFAULT_RETRY_ENABLED"] = "false"

import base64
import datetime
import hashlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import oci
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanner.collectors.base import Collected
from scanner.collectors.oci import identity
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import Service, collect_oci, required_permissions
from scanner.collectors.oci.permissions import VERB_RANK
from scanner.model import Edge, Provenance, Resource, Snapshot
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

API = "/eu-frankfurt-1/20160918"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
DATA_PLATFORM = "ocid1.compartment.oc1..aaaaaaaadataplatform2w"
NETWORK = "ocid1.compartment.oc1..aaaaaaaanetwork8s"
BREAKGLASS = "ocid1.user.oc1..aaaaaaaabreakglassoci4h"
ADMINS = "ocid1.group.oc1..aaaaaaaaadministrators5a"
BREAKGLASS_ADMINS = "ocid1.group.oc1..aaaaaaaabreakglassadm2c"
CONTRACTORS = "ocid1.group.oc1..aaaaaaaacontractors7k3"
ENGINEERS = "ocid1.group.oc1..aaaaaaaacloudengineers4"
ALL_USERS = "ocid1.group.oc1..aaaaaaaaalldomainusers9"
FUNCTIONS = "ocid1.dynamicgroup.oc1..aaaaaaaadatalakefn5v"
ADMIN_POLICY = "ocid1.policy.oc1..aaaaaaaatenancyadmins8d"
PARTNER = "ocid1.tenancy.oc1..aaaaaaaapartnerbackup6z"
IDP = "ocid1.saml2idp.oc1..aaaaaaaacorpadfs2m"

SERVICES = (Service("identity", identity.collect, False, identity.PERMISSIONS),)
REFERENCE_UIDS = {
    TENANCY,
    DATA_PLATFORM,
    NETWORK,
    BREAKGLASS,
    ADMINS,
    BREAKGLASS_ADMINS,
    CONTRACTORS,
    ENGINEERS,
    ALL_USERS,
    FUNCTIONS,
    ADMIN_POLICY,
}
ADMIN_STATEMENT = "Allow group Administrators to manage all-resources in tenancy"


@dataclass
class Run:
    snapshot: Snapshot
    collected: Collected
    requests: list[RecordedRequest]

    def resource(self, uid: str) -> Resource:
        return next(r for r in self.snapshot.resources if r.uid == uid)

    @property
    def uids(self) -> set[str]:
        return {r.uid for r in self.snapshot.resources}

    def edges(self) -> set[tuple[str, str, str]]:
        return {(e.src, e.kind, e.dst) for e in self.snapshot.edges}

    def gaps(self) -> list[tuple[Any, ...]]:
        return [
            (g.operation, g.error_class, g.kind, g.resource_type, g.resource_uid, g.fields)
            for g in self.snapshot.gaps
        ]


def collect(tmp_path: Path, *overrides: Route) -> Run:
    """Collect with the reference fixtures; ``overrides`` win (the first route matching)."""
    routes = [*overrides, *load_routes([FIXTURES / "scope.yaml", FIXTURES / "identity.yaml"])]
    config = write_oci_config(tmp_path, TENANCY)
    with OciReplayServer(routes) as server:
        options = OciOptions(config_file=config, endpoint=server.endpoint, retry_attempts=1)
        snapshot, collected = collect_oci(options, services=SERVICES)
        return Run(snapshot, collected, list(server.requests))


def fault(path: str, status: int, code: str, query: dict[str, str] | None = None) -> Route:
    return Route(
        path=API + path,
        query=query or {},
        status=status,
        body={"code": code, "message": f"injected {status}"},
    )


def source_resource(uid: str) -> dict[str, Any]:
    estate = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    return next(r for r in estate["resources"] if r["uid"] == uid)


def walk_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in walk_keys(v)}
    return set()


ADMIN_POLICY_PROPS = {
    "statements": [ADMIN_STATEMENT],
    "parsed": [
        {
            "action": "allow",
            "subject": "group Administrators",
            "verb": "manage",
            "resource": "all-resources",
            "location": "tenancy",
            "text": ADMIN_STATEMENT,
        }
    ],
    "grants_full_admin": True,
    "attached_to": ["Administrators"],
    "provider_managed": False,
    "cross_tenancy": [],
}


# ────────────────────────────── the reference estate ──────────────────────────────


def test_reference_identity(tmp_path: Path) -> None:
    run = collect(tmp_path)

    assert run.uids == REFERENCE_UIDS
    assert run.snapshot.gaps == []
    assert {(r.uid, r.type, r.kind, r.name, r.region) for r in run.snapshot.resources} == {
        (TENANCY, "oci.identity.tenancy", "account", "acme-prod", "eu-frankfurt-1"),
        (
            DATA_PLATFORM,
            "oci.identity.compartment",
            "org.compartment",
            "data-platform",
            "eu-frankfurt-1",
        ),
        (NETWORK, "oci.identity.compartment", "org.compartment", "network", "eu-frankfurt-1"),
        (BREAKGLASS, "oci.identity.user", "principal.user", "breakglass-oci", "eu-frankfurt-1"),
        (ADMINS, "oci.identity.group", "principal.group", "Administrators", "eu-frankfurt-1"),
        (
            BREAKGLASS_ADMINS,
            "oci.identity.group",
            "principal.group",
            "breakglass-admins",
            "eu-frankfurt-1",
        ),
        (CONTRACTORS, "oci.identity.group", "principal.group", "contractors", "eu-frankfurt-1"),
        (ENGINEERS, "oci.identity.group", "principal.group", "cloud-engineers", "eu-frankfurt-1"),
        (ALL_USERS, "oci.identity.group", "principal.group", "All Domain Users", "eu-frankfurt-1"),
        (
            FUNCTIONS,
            "oci.identity.dynamic_group",
            "principal.group",
            "datalake-functions",
            "eu-frankfurt-1",
        ),
        (ADMIN_POLICY, "oci.identity.policy", "policy", "tenancy-admins", "eu-frankfurt-1"),
    }

    user = run.resource(BREAKGLASS)
    assert user.props == {
        "console_access": True,
        "mfa_enabled": True,
        "enabled": True,
        "access_keys": [],
    }
    assert user.tags == {"role": "break-glass"}
    assert user.raw["api_keys"] == user.raw["auth_tokens"] == []
    assert user.raw["mfa_totp_devices"] == []
    assert run.resource(ADMIN_POLICY).props == ADMIN_POLICY_PROPS
    for group in (ADMINS, BREAKGLASS_ADMINS, ALL_USERS):
        assert run.resource(group).props == {"members": [BREAKGLASS], "dynamic": False}
    for group in (CONTRACTORS, ENGINEERS):
        assert run.resource(group).props == {"members": [], "dynamic": False}
    assert run.resource(FUNCTIONS).props == {
        "dynamic": True,
        "matching_rule": "ALL {resource.type = 'fnfunc', "
        f"resource.compartment.id = '{DATA_PLATFORM}'}}",
    }
    assert run.resource(DATA_PLATFORM).props == {
        "parent_uid": TENANCY,
        "path": "root/data-platform",
    }
    account = run.resource(TENANCY)
    assert account.props == {"subscribed_regions": ["eu-amsterdam-1", "eu-frankfurt-1"]}
    assert account.raw["password_policy"]["minimum_password_length"] == 14
    assert account.raw["network_policy"] == {"network_source_ids": []}

    assert run.edges() == {
        (BREAKGLASS, "member_of", ADMINS),
        (BREAKGLASS, "member_of", BREAKGLASS_ADMINS),
        (BREAKGLASS, "member_of", ALL_USERS),
        (ADMIN_POLICY, "grants", ADMINS),
    }
    assert all(e.provenance == Provenance.API for e in run.snapshot.edges)


def test_reference_resources_match_the_reference_estate(tmp_path: Path) -> None:
    """Same uid, name, region, type, kind and props as source.yaml, with the deltas that
    classic IAM imposes: no FIDO (mfa_type unknown), and props the estate does not list."""
    run = collect(tmp_path)
    extra = {BREAKGLASS: {"access_keys"}, ADMIN_POLICY: {"parsed", "cross_tenancy"}}
    for uid, added in extra.items():
        expected, got = source_resource(uid), run.resource(uid)
        for field in ("uid", "name", "region", "type", "kind", "cloud", "account"):
            assert str(getattr(got, field)) == expected[field]
        want = {k: v for k, v in expected["props"].items() if k != "mfa_type"}
        assert {k: v for k, v in got.props.items() if k not in added} == want
    assert source_resource(BREAKGLASS)["props"]["mfa_type"] == "fido"
    assert "mfa_type" not in run.resource(BREAKGLASS).props


def test_operations_are_read_only_declared_and_signed(tmp_path: Path) -> None:
    run = collect(tmp_path)
    declared = required_permissions(SERVICES)
    # No classic IdP in the reference estate, so no group mappings to list.
    assert run.collected.operations == set(declared) - {"identity.list_idp_group_mappings"}
    assert all(r.signed and r.method == "GET" for r in run.requests)
    assert all(need.split(" ")[0] in VERB_RANK for need in identity.PERMISSIONS.values())
    for operation in identity.PERMISSIONS:
        assert operation.startswith(("get_", "list_"))
        assert inspect.isfunction(getattr(oci.identity.IdentityClient, operation))


# ────────────────────────────── credentials and users ──────────────────────────────

USER_PATH = f"{API}/users/{BREAKGLASS}"
PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsecretish\n-----END PUBLIC KEY-----"  # noqa: E501


def credential_routes() -> list[Route]:
    return [
        Route(
            path=f"{USER_PATH}/apiKeys",
            body=[
                {
                    "keyId": f"{TENANCY}/{BREAKGLASS}/aa:bb",
                    "keyValue": PUBLIC_KEY,
                    "fingerprint": "aa:bb",
                    "userId": BREAKGLASS,
                    "timeCreated": "2026-01-05T10:00:00.000Z",
                    "lifecycleState": "ACTIVE",
                },
                {
                    "keyId": f"{TENANCY}/{BREAKGLASS}/cc:dd",
                    "keyValue": PUBLIC_KEY,
                    "fingerprint": "cc:dd",
                    "userId": BREAKGLASS,
                    "timeCreated": "2025-01-05T10:00:00.000Z",
                    "lifecycleState": "INACTIVE",
                    "inactiveStatus": 2,
                },
            ],
        ),
        Route(
            path=f"{USER_PATH}/authTokens",
            body=[
                {
                    "id": "ocid1.credential.oc1..token1",
                    "token": "s3cr3t-auth-token",
                    "userId": BREAKGLASS,
                    "description": "ci",
                    "lifecycleState": "ACTIVE",
                    "timeCreated": "2026-02-01T00:00:00.000Z",
                    "timeExpires": "2027-02-01T00:00:00.000Z",
                },
            ],
        ),
        Route(
            path=f"{USER_PATH}/customerSecretKeys",
            body=[
                {
                    "id": "4f1c2b",
                    "key": "s3cr3t-customer-key",
                    "userId": BREAKGLASS,
                    "displayName": "s3-compat",
                    "lifecycleState": "ACTIVE",
                    "timeCreated": "2026-03-01T12:30:00.000Z",
                },
            ],
        ),
        Route(
            path=f"{USER_PATH}/mfaTotpDevices",
            body=[
                {
                    "id": "ocid1.mfatotpdevice.oc1..old",
                    "userId": BREAKGLASS,
                    "lifecycleState": "DELETED",
                    "isActivated": True,
                    "timeCreated": "2025-03-01T00:00:00.000Z",
                },
                {
                    "id": "ocid1.mfatotpdevice.oc1..phone",
                    "userId": BREAKGLASS,
                    "lifecycleState": "ACTIVE",
                    "isActivated": True,
                    "timeCreated": "2025-03-02T00:00:00.000Z",
                },
            ],
        ),
    ]


def test_credentials_are_collected_as_metadata_only(tmp_path: Path) -> None:
    run = collect(tmp_path, *credential_routes())
    user = run.resource(BREAKGLASS)

    assert user.props["access_keys"] == [
        {"id": "4f1c2b", "active": True, "created": "2026-03-01T12:30:00Z"},
        {"id": "ocid1.credential.oc1..token1", "active": True, "created": "2026-02-01T00:00:00Z"},
        {"id": f"{TENANCY}/{BREAKGLASS}/aa:bb", "active": True, "created": "2026-01-05T10:00:00Z"},
        {"id": f"{TENANCY}/{BREAKGLASS}/cc:dd", "active": False, "created": "2025-01-05T10:00:00Z"},
    ]
    assert user.props["mfa_type"] == "totp"
    assert not walk_keys(user.raw) & identity.REDACTED_FIELDS
    assert [k["fingerprint"] for k in user.raw["api_keys"]] == ["aa:bb", "cc:dd"]
    dumped = run.snapshot.model_dump_json()
    for secret in ("s3cr3t-auth-token", "s3cr3t-customer-key", "secretish"):
        assert secret not in dumped


def user_payload(uid: str, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": uid,
        "compartmentId": TENANCY,
        "name": name,
        "description": name,
        "timeCreated": "2025-06-01T00:00:00.000Z",
        "lifecycleState": "ACTIVE",
        "isMfaActivated": False,
        "capabilities": {"canUseConsolePassword": True, "canUseApiKeys": True},
        **fields,
    }


def test_federated_blocked_and_paged_users(tmp_path: Path) -> None:
    federated = "ocid1.user.oc1..aaaaaaaafederated1"
    blocked = "ocid1.user.oc1..aaaaaaaablocked2"
    users = Route(
        path=f"{API}/users",
        query={"compartmentId": TENANCY},
        pages=[
            [
                user_payload(
                    federated,
                    "jane@corp.example",
                    email="jane@corp.example",
                    identityProviderId="ocid1.saml2idp.oc1..corp",
                )
            ],
            [user_payload(blocked, "ops-old", lifecycleState="INACTIVE", inactiveStatus=4)],
        ],
    )
    empty = [
        Route(path=f"{API}/users/{uid}/{side}", body=[])
        for uid in (federated, blocked)
        for side in ("apiKeys", "authTokens", "customerSecretKeys")
    ]
    run = collect(tmp_path, users, *empty)

    assert run.resource(federated).props == {
        "console_access": False,
        "mfa_enabled": False,
        "enabled": True,
        "email": "jane@corp.example",
        "access_keys": [],
    }
    assert run.resource(blocked).props == {
        "console_access": True,
        "mfa_enabled": False,
        "enabled": False,
        "access_keys": [],
    }
    assert BREAKGLASS not in run.uids
    # TOTP devices are only read for users with MFA activated.
    assert not any(r.path.endswith("/mfaTotpDevices") for r in run.requests)
    assert run.snapshot.gaps == []


# ────────────────────────────── faults ──────────────────────────────


@dataclass(frozen=True)
class Fault:
    route: Route
    gap: tuple[Any, ...]
    missing: frozenset[str] = frozenset()


FAULTS = {
    "api keys throttled": Fault(
        fault(f"/users/{BREAKGLASS}/apiKeys", 429, "TooManyRequests"),
        ("list_api_keys", "TooManyRequests", None, identity.USER_TYPE, BREAKGLASS, ["access_keys"]),
    ),
    "totp devices forbidden": Fault(
        fault(f"/users/{BREAKGLASS}/mfaTotpDevices", 403, "NotAuthorizedOrNotFound"),
        (
            "list_mfa_totp_devices",
            "NotAuthorizedOrNotFound",
            None,
            identity.USER_TYPE,
            BREAKGLASS,
            ["mfa_type"],
        ),
    ),
    "users forbidden": Fault(
        fault("/users", 403, "NotAuthorizedOrNotFound"),
        ("list_users", "NotAuthorizedOrNotFound", "principal.user", identity.USER_TYPE, None, None),
        frozenset({BREAKGLASS}),
    ),
    "memberships forbidden": Fault(
        fault("/userGroupMemberships", 403, "NotAuthorized", {"groupId": ADMINS}),
        (
            "list_user_group_memberships",
            "NotAuthorized",
            None,
            identity.GROUP_TYPE,
            ADMINS,
            ["members"],
        ),
    ),
    "dynamic groups unavailable": Fault(
        fault("/dynamicGroups", 503, "ServiceUnavailable"),
        (
            "list_dynamic_groups",
            "ServerError503",
            "principal.group",
            identity.DYNAMIC_GROUP_TYPE,
            None,
            None,
        ),
        frozenset({FUNCTIONS}),
    ),
    "compartment policies fail": Fault(
        fault("/policies", 500, "InternalServerError", {"compartmentId": DATA_PLATFORM}),
        ("list_policies", "ServerError500", "policy", identity.POLICY_TYPE, None, None),
    ),
    "root policies throttled": Fault(
        fault("/policies", 429, "TooManyRequests", {"compartmentId": TENANCY}),
        ("list_policies", "TooManyRequests", "policy", identity.POLICY_TYPE, None, None),
        frozenset({ADMIN_POLICY}),
    ),
    "authentication policy fails": Fault(
        fault(f"/authenticationPolicies/{TENANCY}", 500, "InternalServerError"),
        (
            "get_authentication_policy",
            "ServerError500",
            "account",
            identity.TENANCY_TYPE,
            TENANCY,
            [],
        ),
    ),
    "identity providers forbidden": Fault(
        fault("/identityProviders", 403, "NotAuthorizedOrNotFound"),
        (
            "list_identity_providers",
            "NotAuthorizedOrNotFound",
            "trust.saml",
            identity.IDP_TYPE,
            None,
            None,
        ),
    ),
}


@pytest.mark.parametrize("case", list(FAULTS), ids=list(FAULTS))
def test_one_failed_call_is_one_gap_and_the_rest_is_collected(tmp_path: Path, case: str) -> None:
    injected = FAULTS[case]
    run = collect(tmp_path, injected.route)

    assert run.gaps() == [injected.gap]
    assert run.uids == REFERENCE_UIDS - injected.missing
    policy_collected = ADMIN_POLICY not in injected.missing
    if policy_collected:
        assert run.resource(ADMIN_POLICY).props == ADMIN_POLICY_PROPS


def test_gaps_leave_the_affected_props_absent(tmp_path: Path) -> None:
    run = collect(
        tmp_path,
        fault(f"/users/{BREAKGLASS}/customerSecretKeys", 502, "BadGateway"),
        fault("/userGroupMemberships", 403, "NotAuthorized", {"groupId": ADMINS}),
        fault(f"/authenticationPolicies/{TENANCY}", 403, "NotAuthorizedOrNotFound"),
    )
    user = run.resource(BREAKGLASS)
    assert "access_keys" not in user.props  # two of three lists are not the whole truth
    assert user.props["mfa_enabled"] is True
    assert "customer_secret_keys" not in user.raw
    assert run.resource(ADMINS).props == {"dynamic": False}
    assert run.resource(ENGINEERS).props == {"members": [], "dynamic": False}
    assert run.edges() == {
        (ADMIN_POLICY, "grants", ADMINS),
        (BREAKGLASS, "member_of", BREAKGLASS_ADMINS),
        (BREAKGLASS, "member_of", ALL_USERS),
    }
    assert "password_policy" not in run.resource(TENANCY).raw
    assert {g.operation for g in run.snapshot.gaps} == {
        "list_customer_secret_keys",
        "list_user_group_memberships",
        "get_authentication_policy",
    }


# ────────────────────────────── cross-tenancy policies, SAML IdPs ──────────────────────────────

CROSS_STATEMENTS = [
    f"Define tenancy PartnerBackup as {PARTNER}",
    "Endorse group cloud-engineers to manage remote-peering-to in tenancy PartnerBackup",
    "Admit group BackupOperators of tenancy PartnerBackup to read object-family in tenancy",
    f"Allow group id {ENGINEERS} to manage virtual-network-family in compartment network",
    "allow dynamic-group 'Default'/'datalake-functions' to read objects in compartment "
    "data-platform where target.bucket.name = 'datalake-personal'",
    "Allow group 'acme-identity'/'Auditors' to inspect all-resources in tenancy",
    "Deny group cloud-engineers to manage vaults in tenancy",
]
CROSS_POLICY = "ocid1.policy.oc1..aaaaaaaapartnerpeering4q"


def cross_tenancy_routes() -> list[Route]:
    policy = {
        "id": CROSS_POLICY,
        "compartmentId": TENANCY,
        "name": "partner-peering",
        "description": "Peering and backups with the partner tenancy",
        "statements": CROSS_STATEMENTS,
        "timeCreated": "2026-01-01T00:00:00.000Z",
        "lifecycleState": "ACTIVE",
        "freeformTags": {"owner": "network"},
    }
    admin = {
        "id": ADMIN_POLICY,
        "compartmentId": TENANCY,
        "name": "tenancy-admins",
        "statements": [ADMIN_STATEMENT],
        "lifecycleState": "ACTIVE",
    }
    return [Route(path=f"{API}/policies", query={"compartmentId": TENANCY}, body=[admin, policy])]


def signing_certificate() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "adfs.corp.example")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=730))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def idp_routes(der: bytes, mappings: Route | None = None) -> list[Route]:
    metadata = (
        '<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:'
        'metadata" entityID="http://adfs.corp.example/adfs/services/trust">'
        "<md:IDPSSODescriptor/></md:EntityDescriptor>"
    )
    idp = {
        "id": IDP,
        "compartmentId": TENANCY,
        "name": "corp-adfs",
        "description": "Corporate ADFS",
        "productType": "ADFS",
        "protocol": "SAML2",
        "timeCreated": "2025-05-01T00:00:00.000Z",
        "lifecycleState": "ACTIVE",
        "metadataUrl": "https://adfs.corp.example/FederationMetadata/2007-06/FederationMetadata.xml",
        "metadata": metadata,
        "signingCertificate": base64.b64encode(der).decode(),
        "redirectUrl": "https://adfs.corp.example/adfs/ls",
        "freeformAttributes": {},
    }
    return [
        Route(
            path=f"{API}/identityProviders",
            query={"protocol": "SAML2", "compartmentId": TENANCY},
            body=[idp],
        ),
        mappings
        or Route(
            path=f"{API}/identityProviders/{IDP}/groupMappings",
            body=[
                {
                    "id": "ocid1.idpgroupmapping.oc1..m1",
                    "idpId": IDP,
                    "idpGroupName": "CORP\\OCI-Network",
                    "groupId": ENGINEERS,
                    "compartmentId": TENANCY,
                    "lifecycleState": "ACTIVE",
                    "timeCreated": "2025-05-01T00:00:00.000Z",
                },
            ],
        ),
    ]


def test_cross_tenancy_policy(tmp_path: Path) -> None:
    run = collect(tmp_path, *cross_tenancy_routes())
    policy = run.resource(CROSS_POLICY)

    assert policy.tags == {"owner": "network"}
    assert policy.props["statements"] == CROSS_STATEMENTS
    assert policy.props["grants_full_admin"] is False
    assert policy.props["cross_tenancy"] == [PARTNER]
    assert policy.props["attached_to"] == [
        "cloud-engineers",
        "BackupOperators of tenancy PartnerBackup",
        "dynamic-group datalake-functions",
        "acme-identity/Auditors",
    ]
    assert [s["action"] for s in policy.props["parsed"]] == [
        "define",
        "endorse",
        "admit",
        "allow",
        "allow",
        "allow",
        "deny",
    ]
    grants = [e for e in run.snapshot.edges if e.src == CROSS_POLICY]
    assert grants == [
        Edge(
            src=CROSS_POLICY,
            dst=f"oci-tenancy:{PARTNER}",
            kind="grants",
            provenance=Provenance.API,
            attrs={"cross_tenancy": True, "action": "admit,endorse"},
        ),
        Edge(src=CROSS_POLICY, dst=FUNCTIONS, kind="grants", provenance=Provenance.API),
        Edge(src=CROSS_POLICY, dst=ENGINEERS, kind="grants", provenance=Provenance.API),
    ]
    assert run.resource(ADMIN_POLICY).props == ADMIN_POLICY_PROPS


def test_classic_saml_identity_provider(tmp_path: Path) -> None:
    der = signing_certificate()
    run = collect(tmp_path, *idp_routes(der))
    trust = run.resource(IDP)

    assert (trust.kind, trust.type, trust.name) == ("trust.saml", identity.IDP_TYPE, "corp-adfs")
    assert trust.props == {
        "issuer": "http://adfs.corp.example/adfs/services/trust",
        "signing_cert_sha256": hashlib.sha256(der).hexdigest(),
    }
    assert trust.raw["group_mappings"][0]["group_id"] == ENGINEERS
    assert run.collected.operations == set(required_permissions(SERVICES))
    assert run.snapshot.gaps == []


def test_failed_group_mappings_keep_the_trust(tmp_path: Path) -> None:
    broken = fault(f"/identityProviders/{IDP}/groupMappings", 429, "TooManyRequests")
    run = collect(tmp_path, *idp_routes(signing_certificate(), broken))

    assert run.gaps() == [
        ("list_idp_group_mappings", "TooManyRequests", None, identity.IDP_TYPE, IDP, [])
    ]
    assert run.resource(IDP).props["issuer"] == "http://adfs.corp.example/adfs/services/trust"
    assert "group_mappings" not in run.resource(IDP).raw


# ────────────────────────────── pure helpers ──────────────────────────────


def test_issuer_falls_back_to_the_metadata_url() -> None:
    idp = {"metadata": "<not-xml", "metadata_url": "https://idp.example/metadata"}
    assert identity.saml_issuer(idp) == "https://idp.example/metadata"
    assert identity.saml_issuer({}) is None
    single_quoted = {"metadata": "<EntityDescriptor ID='x' entityID='urn:corp:idp'>"}
    assert identity.saml_issuer(single_quoted) == "urn:corp:idp"


def test_certificate_fingerprint_accepts_pem_and_rejects_junk() -> None:
    der = b"\x30\x03\x02\x01\x07"
    body = base64.b64encode(der).decode()
    pem = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    assert identity.certificate_sha256(pem) == hashlib.sha256(der).hexdigest()
    assert identity.certificate_sha256(body) == hashlib.sha256(der).hexdigest()
    assert identity.certificate_sha256("not base64 !") is None
    assert identity.certificate_sha256(None) is None


def test_compartment_paths() -> None:
    compartments = [
        {"id": "c1", "name": "apps", "compartment_id": "t"},
        {"id": "c2", "name": "prod", "compartment_id": "c1"},
        {"id": "c3", "name": "orphan", "compartment_id": "hidden"},
    ]
    resources = identity.compartment_resources(compartments, "t", "eu-frankfurt-1")
    assert {r.uid: r.props.get("path") for r in resources} == {
        "c1": "root/apps",
        "c2": "root/apps/prod",
        "c3": None,
    }


def test_redact_and_timestamps() -> None:
    nested = {"a": [{"token": "x", "b": {"key": "y", "c": 1}}], "password": "p"}
    assert identity.redact(nested) == {"a": [{"b": {"c": 1}}]}
    assert identity.rfc3339("2026-01-05T10:00:00.123000+00:00") == "2026-01-05T10:00:00Z"
    assert identity.rfc3339("2026-01-05T12:00:00+02:00") == "2026-01-05T10:00:00Z"
    assert identity.rfc3339("yesterday") == "yesterday"
    assert identity.rfc3339(None) is None


def test_fixture_is_in_the_rest_wire_shape() -> None:
    """Every key of the fixture bodies is a camelCase attribute of the SDK model."""
    models = {
        "/users": oci.identity.models.User,
        "/groups": oci.identity.models.Group,
        "/userGroupMemberships": oci.identity.models.UserGroupMembership,
        "/dynamicGroups": oci.identity.models.DynamicGroup,
        "/policies": oci.identity.models.Policy,
    }
    routes = load_routes([FIXTURES / "identity.yaml"])
    for route in routes:
        model = models.get(route.path.removeprefix(API))
        if model is None:
            continue
        items = [i for page in route.pages for i in page] if route.pages else route.body
        wire = set(model().attribute_map.values())
        for item in items:
            assert set(item) <= wire, (route.path, set(item) - wire)
    auth = next(r for r in routes if "authenticationPolicies" in r.path)
    assert set(auth.body) <= set(oci.identity.models.AuthenticationPolicy().attribute_map.values())
    assert json.dumps([r.body for r in routes])  # plain JSON
