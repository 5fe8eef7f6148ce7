"""Identity Domains collection: real SDK clients, signed requests, the replay server.

The fixture ``fixtures/oci/reference/domains.yaml`` is the reference estate's domain
``acme-identity``; the SCIM lists are read two items a page so that paging is exercised.
"""

from __future__ import annotations

import os

os.environ["OCI_SDK_DEFAULT_RETRY_ENABLED"] = "false"

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from scanner.collectors import saml
from scanner.collectors.base import READ_ONLY_PREFIXES, Collected
from scanner.collectors.oci import domains, signon
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import Service, collect_oci
from scanner.config import load_config
from scanner.engine.catalog import load_catalog
from scanner.graph.derive import derive_edges
from scanner.model import Resource, Snapshot
from scanner.pipeline import evaluate_snapshot
from tests.support.oci_replay import OciReplayServer, Route, load_routes, write_oci_config

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "oci" / "reference"
SOURCE = REPO / "fixtures" / "oci" / "reference-expected.yaml"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
DOMAIN = "ocid1.domain.oc1..aaaaaaaaacmeidentity3v7k"
AWS_APP = "ocid1.domainapp.oc1..aaaaaaaaawsconsolefed2p"
ENTRA_APP = "ocid1.domainapp.oc1..aaaaaaaaentrafed9w4n"
DEFAULT_POLICY = f"{DOMAIN}/policies/DefaultSignOnPolicy"
ENTRA_POLICY = f"{DOMAIN}/policies/3b9d6f1a8c2e4d7b9a5c0e3f6b1d8a24"
CONSOLE_POLICY = f"{DOMAIN}/policies/OciConsolePolicy"
ENTITY_ID = "https://idcs-4f1c9a2b7e.identity.oraclecloud.com:443/fed"
PAGE = 2
MFA = ["mfa_required", "mfa_exempt_principals"]
DENIED = {"code": "NotAuthorizedOrNotFound", "message": "Authorization failed."}

SERVICES = (
    Service(
        "identity_domains",
        partial(domains.collect_domains, page_size=PAGE),
        False,
        domains.PERMISSIONS,
    ),
)


def reference_routes() -> list[Route]:
    return load_routes(sorted(FIXTURES.glob("*.yaml")))


def fixture_cert_sha256() -> str:
    """SHA-256 of the signing certificate in the fixture's SAML metadata, read directly."""
    text = (FIXTURES / "domains.yaml").read_text(encoding="utf-8")
    cert = re.search(r"<ds:X509Certificate>(.*?)</ds:X509Certificate>", text, re.S)
    assert cert is not None
    return hashlib.sha256(base64.b64decode("".join(cert.group(1).split()))).hexdigest()


def source_resources() -> dict[str, dict[str, Any]]:
    """The expected OCI resources and the AWS/Azure side of the reference estate."""
    estate = REPO / "fixtures" / "estates" / "reference" / "source.yaml"
    aws = REPO / "fixtures" / "aws" / "reference-expected.yaml"
    azure = REPO / "fixtures" / "azure" / "reference-expected.yaml"
    resources: dict[str, dict[str, Any]] = {}
    for path in (SOURCE, estate, aws, azure):
        source = yaml.safe_load(path.read_text(encoding="utf-8"))
        resources.update({r["uid"]: r for r in source["resources"]})
    return resources


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_oci_config(tmp_path, TENANCY)


def run(
    config: Path, routes: Sequence[Route] = (), retry_attempts: int = 1
) -> tuple[Snapshot, Collected, OciReplayServer]:
    """Collect with ``routes`` placed before the reference fixtures (they win)."""
    with OciReplayServer([*routes, *reference_routes()]) as server:
        options = OciOptions(
            config_file=config, endpoint=server.endpoint, retry_attempts=retry_attempts
        )
        snapshot, collected = collect_oci(options, services=SERVICES)
    return snapshot, collected, server


@pytest.fixture
def reference(config: Path) -> Iterator[tuple[Snapshot, Collected, OciReplayServer]]:
    yield run(config)


def by_uid(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.uid: r for r in snapshot.resources}


def ours(snapshot: Snapshot) -> list[Resource]:
    return [r for r in snapshot.resources if r.type != "oci.identity.tenancy"]


# ─────────────────────────────── the reference estate ───────────────────────────────


def test_domain_and_apps_are_the_reference_estate(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    snapshot, _, _ = reference
    resources = by_uid(snapshot)
    expected = source_resources()
    for uid in (DOMAIN, AWS_APP, ENTRA_APP):
        got, want = resources[uid], expected[uid]
        assert (got.cloud.value, got.account, got.region, got.type, got.kind, got.name) == (
            want["cloud"],
            want["account"],
            want["region"],
            want["type"],
            want["kind"],
            want["name"],
        )
        props = dict(want["props"])
        if uid == DOMAIN:
            # source.yaml's fingerprint is a placeholder no certificate hashes to; the
            # collector reports the fingerprint of the certificate the metadata serves.
            props["signing_cert_sha256"] = fixture_cert_sha256()
        assert got.props == props, uid


def test_exactly_the_domain_its_saml_apps_and_sign_on_policies(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    snapshot, _, _ = reference
    assert sorted((r.kind, r.uid) for r in ours(snapshot)) == [
        ("idp", DOMAIN),
        ("idp.app", AWS_APP),
        ("idp.app", ENTRA_APP),
        ("idp.signon_policy", ENTRA_POLICY),
        ("idp.signon_policy", DEFAULT_POLICY),
        ("idp.signon_policy", CONSOLE_POLICY),
    ]
    assert snapshot.gaps == []
    domain = by_uid(snapshot)[DOMAIN]
    assert domain.raw["settings"][0]["signing_cert_public_access"] is True
    assert domain.raw["saml_metadata"]["entity_id"] == ENTITY_ID
    assert [p["name"] for p in domain.raw["password_policies"]] == [
        "Default Password Policy",
        "Break-glass Password Policy",
    ]
    assert domain.raw["authentication_factor_settings"][0]["totp_enabled"] is True


def test_sign_on_policies_with_their_rules_in_order(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    resources = by_uid(reference[0])
    breakglass = 'user.groups[*].value coany ["5e0c1a9d7b3f4e28a6c2d9b1f4e7a3c5"]'
    login = 'target.action eq "Login"'
    assert resources[DEFAULT_POLICY].name == "Default Sign-On Policy"
    assert resources[DEFAULT_POLICY].props == {
        "idp_uid": DOMAIN,
        "apps": [AWS_APP],
        "rules": [
            {
                "sequence": 1,
                "name": "Break-glass administrators",
                "active": True,
                "conditions": breakglass,
                "mfa_required": False,
                "allow_access": True,
                "principals": ["breakglass-admins"],
            },
            {
                "sequence": 2,
                "name": "Default Sign-On Rule",
                "active": True,
                "conditions": login,
                "mfa_required": True,
                "allow_access": True,
            },
        ],
    }
    entra = resources[ENTRA_POLICY].props
    assert entra["apps"] == [ENTRA_APP]
    assert [
        (r["sequence"], r["name"], r["active"], r.get("allow_access"), r.get("mfa_required"))
        for r in entra["rules"]
    ] == [
        (1, "Block high-risk sign-ins", True, False, None),
        (2, "Break-glass administrators", True, True, False),
        (3, "Contractors from the partner network", True, True, False),
        (4, "Legacy password-only access", False, True, False),
        (5, "All users with MFA", True, True, True),
    ]
    contractors = entra["rules"][2]
    assert contractors["principals"] == ["contractors"]
    assert contractors["conditions"] == (
        'user.groups[*].value coany ["9a4d2f6b1c8e4b7da3f5c0e2b6d9a1f8"] and '
        'client.ip eq #inIPRange("b5d7f9a1c3e54b7d9f1a3c5e7b9d1f02")'
    )
    console = resources[CONSOLE_POLICY].props
    assert console["apps"] == []  # it governs the OCI Console, not a SAML app
    assert [r.get("principals") for r in console["rules"]] == [["Administrators"], None]


def test_edges_member_of_and_governs(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    edges = sorted((e.src, e.kind, e.dst, e.provenance.value) for e in reference[0].edges)
    assert edges == sorted(
        [
            (AWS_APP, "member_of", DOMAIN, "api"),
            (ENTRA_APP, "member_of", DOMAIN, "api"),
            (DEFAULT_POLICY, "governs", AWS_APP, "api"),
            (ENTRA_POLICY, "governs", ENTRA_APP, "api"),
        ]
    )


def test_federation_trusts_resolve_to_the_collected_domain_and_apps(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    trusts = [
        Resource.model_validate(r)
        for r in source_resources().values()
        if r["kind"] == "trust.saml" and r["props"].get("issuer") == ENTITY_ID
    ]
    assert len(trusts) == 2
    edges = derive_edges([*reference[0].resources, *trusts])
    served = {(e.src, e.dst) for e in edges if e.kind == "served_by"}
    names = {t.uid: t.props["sp_entity_id"] for t in trusts}
    assert {(names[src], dst) for src, dst in served} == {
        ("urn:amazon:webservices", AWS_APP),
        ("urn:federation:MicrosoftOnline", ENTRA_APP),
    }
    assert {e.dst for e in edges if e.kind == "trusts_idp"} == {DOMAIN}


def test_mfa_003_fails_only_for_the_trust_served_by_the_app_exempting_contractors(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    snapshot = reference[0]
    trusts = [
        Resource.model_validate(r)
        for r in source_resources().values()
        if r["kind"] == "trust.saml" and r["props"].get("issuer") == ENTITY_ID
    ]
    estate = snapshot.model_copy(update={"resources": [*snapshot.resources, *trusts]})
    config = load_config(REPO / "fixtures" / "estates" / "reference" / "estate.yaml")
    evaluation = evaluate_snapshot(estate, "test", load_catalog(REPO / "controls"), config)
    results = {
        (f.resource_name, f.status.value)
        for f in evaluation.findings.findings
        if f.control_id == "MFA-003"
    }
    assert results == {("acme.example", "fail"), ("acme-oci-identity", "pass")}


def test_scim_lists_are_read_page_by_page(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    server = reference[2]

    def starts(path: str) -> list[int]:
        hits = [r for r in server.requests if r.path == path]
        assert {r.query.get("count") for r in hits} == {str(PAGE)}
        return [int(r.query["startIndex"]) for r in hits]

    assert starts("/admin/v1/Apps") == [1, 3]
    assert starts("/admin/v1/Policies") == [1, 3]
    assert starts("/admin/v1/Rules") == [1, 3, 5, 7, 9]
    assert starts("/admin/v1/Conditions") == [1, 3, 5, 7]
    assert starts("/admin/v1/ConditionGroups") == [1, 3]
    assert starts("/admin/v1/Groups") == [1, 3, 5]
    signon_queries = [r.query for r in server.requests if r.path == "/admin/v1/Rules"]
    assert all(q["filter"] == 'policyType.value eq "SignOn"' for q in signon_queries)


def test_requests_are_signed_reads_and_exactly_the_declared_operations(
    reference: tuple[Snapshot, Collected, OciReplayServer],
) -> None:
    _, collected, server = reference
    assert server.requests and all(r.signed for r in server.requests)
    assert {r.method for r in server.requests} == {"GET"}
    called = {op for op in collected.operations if op.startswith("identity_domains.")}
    assert called == {f"identity_domains.{op}" for op in domains.PERMISSIONS}
    assert all(op.startswith(READ_ONLY_PREFIXES) for op in domains.PERMISSIONS)
    assert domains.PERMISSIONS["list_domains"] == "inspect domains"
    assert {need for op, need in domains.PERMISSIONS.items() if op != "list_domains"} == {
        "domain-role Security Administrator"
    }


# ─────────────────────────────── faults ───────────────────────────────


def gaps_of(snapshot: Snapshot, operation: str) -> list[tuple[Any, ...]]:
    return sorted(
        (g.error_class, g.resource_uid, g.resource_type, g.kind, tuple(g.fields or ()))
        for g in snapshot.gaps
        if g.operation == operation
    )


def test_throttled_rules_leave_mfa_unknown_and_the_rest_collected(config: Path) -> None:
    throttled = Route(path="/admin/v1/Rules", status=429, body={"code": "TooManyRequests"})
    snapshot, _, _ = run(config, [throttled])
    resources = by_uid(snapshot)
    assert gaps_of(snapshot, "list_rules") == [
        ("TooManyRequests", DOMAIN, domains.DOMAIN_TYPE, None, tuple(MFA)),
        ("TooManyRequests", AWS_APP, domains.APP_TYPE, "idp.app", tuple(MFA)),
        ("TooManyRequests", ENTRA_APP, domains.APP_TYPE, "idp.app", tuple(MFA)),
    ]
    for uid in (DOMAIN, AWS_APP, ENTRA_APP):
        assert not set(MFA) & set(resources[uid].props), uid
    assert resources[DOMAIN].props["entity_id"] == ENTITY_ID
    assert resources[AWS_APP].props["sp_entity_id"] == "urn:amazon:webservices"
    assert "rules" not in resources[DEFAULT_POLICY].props
    assert resources[DEFAULT_POLICY].props["apps"] == [AWS_APP]


def test_server_error_on_the_metadata_is_a_gap_on_the_domain_saml_props(config: Path) -> None:
    failing = Route(path="/fed/v1/metadata", status=500, body={"code": "InternalServerError"})
    snapshot, _, _ = run(config, [failing])
    assert gaps_of(snapshot, "get_saml_metadata") == [
        ("ServerError500", DOMAIN, domains.DOMAIN_TYPE, None, tuple(domains.SAML_FIELDS))
    ]
    domain = by_uid(snapshot)[DOMAIN]
    assert domain.props == {
        "mfa_required": True,
        "mfa_exempt_principals": ["breakglass-admins"],
        "replica_regions": ["eu-amsterdam-1"],
    }
    assert by_uid(snapshot)[ENTRA_APP].props["mfa_exempt_principals"] == [
        "breakglass-admins",
        "contractors",
    ]


def test_metadata_calls_are_retried_within_the_bound(config: Path) -> None:
    unavailable = Route(path="/fed/v1/metadata", status=503, body={"code": "ServiceUnavailable"})
    snapshot, _, server = run(config, [unavailable], retry_attempts=2)
    assert len([r for r in server.requests if r.path == "/fed/v1/metadata"]) == 2
    assert [g[0] for g in gaps_of(snapshot, "get_saml_metadata")] == ["ServerError503"]


def test_malformed_metadata_is_a_gap_not_a_guess(config: Path) -> None:
    html = Route(path="/fed/v1/metadata", body="<html><body>Sign in</body></html>")
    snapshot, _, _ = run(config, [html])
    assert gaps_of(snapshot, "get_saml_metadata") == [
        ("MalformedResponse", DOMAIN, domains.DOMAIN_TYPE, None, tuple(domains.SAML_FIELDS))
    ]
    assert "entity_id" not in by_uid(snapshot)[DOMAIN].props


def test_refused_app_listing_is_a_scope_gap(config: Path) -> None:
    refused = Route(path="/admin/v1/Apps", status=403, body=DENIED)
    snapshot, _, _ = run(config, [refused])
    assert gaps_of(snapshot, "list_apps") == [
        ("NotAuthorizedOrNotFound", None, domains.APP_TYPE, "idp.app", ())
    ]
    kinds = sorted(r.kind for r in ours(snapshot))
    assert kinds == ["idp", "idp.signon_policy", "idp.signon_policy", "idp.signon_policy"]
    assert by_uid(snapshot)[DOMAIN].props["mfa_required"] is True
    assert by_uid(snapshot)[DEFAULT_POLICY].props["apps"] == []


def test_a_failed_later_page_of_groups_drops_only_the_principal_names(config: Path) -> None:
    second_page = Route(
        path="/admin/v1/Groups",
        query={"startIndex": "3"},
        status=500,
        body={"code": "InternalServerError"},
    )
    snapshot, _, server = run(config, [second_page])
    fields = ("mfa_exempt_principals",)
    assert gaps_of(snapshot, "list_groups") == [
        ("ServerError500", DOMAIN, domains.DOMAIN_TYPE, None, fields),
        ("ServerError500", AWS_APP, domains.APP_TYPE, "idp.app", fields),
        ("ServerError500", ENTRA_APP, domains.APP_TYPE, "idp.app", fields),
    ]
    assert [r.query["startIndex"] for r in server.requests if r.path == "/admin/v1/Groups"] == [
        "1",
        "3",
    ]
    for uid in (DOMAIN, AWS_APP, ENTRA_APP):
        props = by_uid(snapshot)[uid].props
        assert props["mfa_required"] is True
        assert "mfa_exempt_principals" not in props


def test_missing_condition_groups_affect_only_the_policy_that_uses_them(config: Path) -> None:
    refused = Route(path="/admin/v1/ConditionGroups", status=403, body=DENIED)
    snapshot, _, _ = run(config, [refused])
    resources = by_uid(snapshot)
    # the Entra policy reaches a rule built on a condition group before its catch-all
    assert not set(MFA) & set(resources[ENTRA_APP].props)
    assert resources[AWS_APP].props["mfa_exempt_principals"] == ["breakglass-admins"]
    assert [g[1] for g in gaps_of(snapshot, "list_condition_groups")] == [DOMAIN, ENTRA_APP]
    assert "rules" not in resources[ENTRA_POLICY].props  # never a partial rule list
    assert len(resources[DEFAULT_POLICY].props["rules"]) == 2


def test_refused_domain_listing_is_a_scope_gap(config: Path) -> None:
    refused = Route(
        path="/eu-frankfurt-1/20160918/domains",
        query={"compartmentId": TENANCY},
        status=403,
        body=DENIED,
    )
    snapshot, _, server = run(config, [refused])
    assert gaps_of(snapshot, "list_domains") == [
        ("NotAuthorizedOrNotFound", None, domains.DOMAIN_TYPE, "idp", ())
    ]
    assert ours(snapshot) == []
    assert not [r for r in server.requests if r.path.startswith(("/admin/", "/fed/"))]


def test_an_inactive_domain_is_listed_but_not_read(config: Path) -> None:
    inactive = Route(
        path="/eu-frankfurt-1/20160918/domains",
        query={"compartmentId": "ocid1.compartment.oc1..aaaaaaaanetwork8s"},
        body=[
            {
                "id": "ocid1.domain.oc1..aaaaaaaalegacypartners",
                "compartmentId": "ocid1.compartment.oc1..aaaaaaaanetwork8s",
                "displayName": "legacy-partners",
                "url": "{server}",
                "homeRegion": "eu-frankfurt-1",
                "replicaRegions": [{"region": "eu-amsterdam-1", "state": "REPLICATION_DISABLED"}],
                "type": "SECONDARY",
                "lifecycleState": "INACTIVE",
            }
        ],
    )
    snapshot, _, server = run(config, [inactive])
    legacy = by_uid(snapshot)["ocid1.domain.oc1..aaaaaaaalegacypartners"]
    assert (legacy.kind, legacy.name, legacy.props) == (
        "idp",
        "legacy-partners",
        {"replica_regions": []},
    )
    assert len([r for r in server.requests if r.path == "/fed/v1/metadata"]) == 1


def _certificate(not_after: dt.datetime) -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Microsoft Azure Federated SSO")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - dt.timedelta(days=365 * 3))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode(), hashlib.sha256(der).hexdigest()


def test_an_inbound_saml_identity_provider_is_a_trust(config: Path) -> None:
    certificate, fingerprint = _certificate(dt.datetime(2028, 3, 1, 12, 0, 0, tzinfo=dt.UTC))
    providers = Route(
        path="/admin/v1/IdentityProviders",
        scim=[
            {"id": "UserNamePassword", "partnerName": "Username-Password", "type": "LOCAL"},
            {
                "id": "0c2e4a6b8d1f4c3e5a7b9d0f2c4e6a88",
                "schemas": ["urn:ietf:params:scim:schemas:oracle:idcs:IdentityProvider"],
                "partnerName": "Entra ID (contractors)",
                "partnerProviderId": "https://sts.windows.net/9c4e2a7b-1d3f-4e5a-8b6c-0d2e4f6a8b1c/",
                "idpSsoUrl": "https://login.microsoftonline.com/9c4e2a7b/saml2",
                "signingCertificate": certificate,
                "requiresEncryptedAssertion": True,
                "type": "SAML",
                "enabled": True,
            },
        ],
    )
    snapshot, _, _ = run(config, [providers])
    trusts = [r for r in snapshot.resources if r.kind == "trust.saml"]
    assert [(t.uid, t.type, t.name, t.region) for t in trusts] == [
        (
            f"{DOMAIN}/identity-providers/0c2e4a6b8d1f4c3e5a7b9d0f2c4e6a88",
            "oci.identity_domains.identity_provider",
            "Entra ID (contractors)",
            "eu-frankfurt-1",
        )
    ]
    assert trusts[0].props == {
        "issuer": "https://sts.windows.net/9c4e2a7b-1d3f-4e5a-8b6c-0d2e4f6a8b1c/",
        "sp_entity_id": ENTITY_ID,
        "signing_cert_sha256": fingerprint,
        "signing_cert_not_after": "2028-03-01T12:00:00Z",
        "assertion_encryption": "required",
    }


# ─────────────────────────────── pure reading ───────────────────────────────


def rule(
    sequence: int,
    *,
    include: set[str] | None = None,
    exclude: Iterable[str] = (),
    restricted: bool = False,
    allow: bool | None = True,
    mfa: bool | None = False,
    active: bool = True,
) -> signon.Rule:
    scope = signon.Scope(
        include=None if include is None else frozenset(include),
        exclude=frozenset(exclude),
        restricted=restricted,
    )
    return signon.Rule(sequence, f"rule {sequence}", scope, allow, mfa, active)


def test_evaluate_first_match_walk() -> None:
    evaluate = signon.evaluate
    # a group let in without a factor before an MFA catch-all
    assert evaluate([[rule(1, include={"bg"}), rule(2, mfa=True)]]) == signon.Outcome(True, ("bg",))
    # a group settled with MFA first is not exempted by a later password-only rule
    assert evaluate(
        [[rule(1, include={"admins"}, mfa=True), rule(2, include={"admins"}), rule(3, mfa=True)]]
    ) == signon.Outcome(True, ())
    # a rule for everyone on some network without a factor: MFA is not required
    assert evaluate([[rule(1, restricted=True), rule(2, mfa=True)]]).mfa_required is False
    # an inactive bypass is skipped; a catch-all that denies leaves MFA required
    assert evaluate([[rule(1, active=False), rule(2, allow=False, mfa=None)]]) == (
        signon.Outcome(True, ())
    )
    # no catch-all: unmatched sign-ins are denied
    assert evaluate([[rule(1, include={"eng"}, mfa=True)]]) == signon.Outcome(True, ())
    # a factor the rule does not state: unknown, not a guess
    assert evaluate([[rule(1, include={"bg"}, mfa=None), rule(2, mfa=True)]]) == signon.UNKNOWN


def test_evaluate_falls_back_to_the_default_policy_for_excluded_principals() -> None:
    console = [rule(1, exclude={"breakglass-oci"}, mfa=True)]
    default = [rule(1, include={"cloud-engineers"}, mfa=True), rule(2)]
    # the excluded user falls through to the default policy's password-only catch-all
    assert signon.evaluate([console, default]) == signon.Outcome(True, ("breakglass-oci",))
    # a later password-only group rule may hold the excluded user (membership not expanded)
    assert signon.evaluate(
        [console, [rule(1, include={"contractors"}), rule(2, mfa=True)]]
    ) == signon.Outcome(True, ("breakglass-oci",))


def test_scope_of_conditions() -> None:
    group = signon.Condition("user.groups[*].value", "coany", '["g1","g2"]')
    login = signon.Condition("target.action", "eq", '"Login"')
    network = signon.Condition("client.ip", "eq", '#inIPRange("p1")')
    not_bg = signon.Condition("user.id", "nin", '["u1"]')
    names = {"g1": "contractors"}
    assert signon.scope_of([login]) == signon.Scope()
    assert signon.scope_of([group, network], "and", names) == signon.Scope(
        include=frozenset({"contractors", "g2"}), restricted=True
    )
    assert signon.scope_of([not_bg]) == signon.Scope(exclude=frozenset({"u1"}))
    assert signon.scope_of([group, network], "or") == signon.Scope(restricted=True)
    assert signon.scope_of([group, login], "or") == signon.Scope()
    assert signon.outcome_of([{"name": "effect", "value": "DENY"}]) == (False, None)
    assert signon.outcome_of(
        [{"name": "effect", "value": "ALLOW"}, {"name": "authenticationFactor", "value": "IDP"}]
    ) == (True, False)


def test_saml_metadata_reads_the_idp_signing_key_and_refuses_a_doctype() -> None:
    idp_cert, idp_fingerprint = _certificate(dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    sp_cert, _ = _certificate(dt.datetime(2029, 1, 1, tzinfo=dt.UTC))
    md = saml.MD_NS
    document = (
        f'<md:EntityDescriptor xmlns:md="{md}" xmlns:ds="{saml.DS_NS}" entityID="urn:idp">'
        f'<md:SPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
        f"<ds:X509Certificate>{sp_cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        f"</md:KeyDescriptor></md:SPSSODescriptor><md:IDPSSODescriptor>"
        f'<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{sp_cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        f'<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{idp_cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        f"</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
    metadata = saml.parse_document(document)
    assert metadata.entity_id == "urn:idp"
    assert [saml.cert_facts(der) for der in metadata.signing_certs] == [
        saml.CertFacts(idp_fingerprint, "2027-01-01T00:00:00Z")
    ]
    with pytest.raises(ValueError, match="DOCTYPE"):
        saml.parse_document('<!DOCTYPE x [<!ENTITY a "b">]>' + document)


def test_raw_payloads_carry_no_secrets_or_empty_values() -> None:
    app = {"id": "a", "client_secret": "s3cr3t", "hashed_client_secret": "h", "meta": None}
    assert domains.compact({"app": app, "list": [app]}) == {
        "app": {"id": "a"},
        "list": [{"id": "a"}],
    }
