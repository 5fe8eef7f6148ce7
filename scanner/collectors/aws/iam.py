"""IAM: account summary, users, roles, SAML/OIDC providers, full-admin policies.

Global: one unit per account, every resource in region ``global``. ``fetch_*`` talk to
the SDK (``_``-prefixed keys carry per-item detail, None where its call failed);
everything else is pure.

- Users and root: :mod:`scanner.collectors.aws.iam_users` (credential report, MFA devices,
  access keys, inline policies).
- Empty lists (no access keys, no federated or external principals) are left out, as the
  reference estate does; a policy's ``attached_to`` is always set once read (PAM-002 uses
  an empty one).
- Roles: the trust policy gives ``federated_providers`` (each also a ``trusts_idp`` edge,
  provenance api), ``audience_condition`` and ``external_accounts``; ``is_admin`` as
  :mod:`scanner.collectors.aws.iam_policy` decides it.
- SAML providers (``trust.saml``): issuer and pinned certificate from the metadata
  (:mod:`scanner.collectors.saml`); ``sp_entity_id`` is AWS's SAML audience.
  ``relying_party_enforces_mfa`` is false for SAML and OIDC providers: STS only checks an
  assertion's or token's signature, issuer and audience, and no IAM condition key says
  whether the IdP did MFA (``aws:MultiFactorAuthPresent`` is absent from federated
  sessions), so AWS cannot require it.
- Policies: customer-managed ones, AdministratorAccess while attached to anything (or its
  attachments unknown), inline policies allowing ``*`` on ``*`` (``<principal>/inline/<name>``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.collectors.aws.common import on, own_gap, plain
from scanner.collectors.aws.context import AwsUnit, paginate
from scanner.collectors.aws.iam_policy import (
    ADMIN_POLICY,
    attached_names,
    customer_admin,
    grants_full_admin,
    policy_props,
    role_is_admin,
    statements_of,
    trust_props,
    version_statements,
)
from scanner.collectors.aws.iam_users import (
    INLINE,
    INLINE_TYPE,
    collect_users,
    fetch_inline,
    iam_resource,
)
from scanner.collectors.aws.scope import account_uid
from scanner.collectors.base import Collected, Recorder
from scanner.collectors.saml import SamlMetadata, parse_metadata
from scanner.model import Edge, Provenance, Resource

SERVICE = "iam"
ROLE_TYPE = "aws.iam.role"
POLICY_TYPE = "aws.iam.policy"
SAML_TYPE = "aws.iam.saml_provider"
OIDC_TYPE = "aws.iam.oidc_provider"
_OPERATIONS = (
    "GetAccountSummary GetAccountPasswordPolicy GenerateCredentialReport GetCredentialReport "
    "ListUsers ListMFADevices ListVirtualMFADevices ListAccessKeys GetAccessKeyLastUsed "
    "ListUserPolicies GetUserPolicy ListGroups ListGroupPolicies GetGroupPolicy ListRoles "
    "ListAttachedRolePolicies ListRolePolicies GetRolePolicy ListPolicies GetPolicyVersion "
    "ListEntitiesForPolicy ListSAMLProviders GetSAMLProvider ListOpenIDConnectProviders "
    "GetOpenIDConnectProvider"
)
PERMISSIONS: dict[str, str] = {f"iam:{op}": f"iam:{op}" for op in _OPERATIONS.split()}
"""Every API operation called → its IAM action (the same name; IAM classes all as Read)."""

AWS_SAML_AUDIENCE = "urn:amazon:webservices"
SUMMARY_KEYS = ("AccountMFAEnabled", "AccountAccessKeysPresent")
SAML_FIELDS = ["issuer", "signing_cert_sha256", "signing_cert_not_after", "assertion_encryption"]
ENCRYPTION = {"Required": "required", "Allowed": "allowed"}


# ──────────────────────────────── fetch (SDK) ────────────────────────────────


def fetch_account(unit: AwsUnit, rec: Recorder) -> dict[str, Any]:
    """Summary map, and password policy (``{"PasswordPolicy": None}``: there is none).

    Both only fill the account's ``raw``, so their gaps name no props.
    """
    client, uid = unit.client("iam"), account_uid(unit.scope.account)
    summary = rec.call("get_account_summary", client.get_account_summary, **on(uid))
    policy = rec.call("get_account_password_policy", read_password_policy, client, **on(uid))
    return {"summary": None if summary is None else summary.get("SummaryMap", {}), "policy": policy}


def read_password_policy(client: Any) -> dict[str, Any]:
    try:
        return dict(client.get_account_password_policy())
    except client.exceptions.NoSuchEntityException:
        return {"PasswordPolicy": None}


def fetch_roles(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    client = unit.client("iam")
    roles = paginate(rec, client, "list_roles", "Roles", resource_type=ROLE_TYPE, kind="role")
    for role in roles or []:
        name, gap = role["RoleName"], on(role["Arn"], "is_admin")
        role["_attached"] = paginate(
            rec, client, "list_attached_role_policies", "AttachedPolicies", RoleName=name, **gap
        )
        role["_inline"] = fetch_inline(client, rec, "RoleName", name)
    return roles


def fetch_groups(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    """Groups, for their inline policies."""
    client = unit.client("iam")
    groups = paginate(rec, client, "list_groups", "Groups", **INLINE)
    for group in groups or []:
        group["_inline"] = fetch_inline(client, rec, "GroupName", group["GroupName"])
    return groups


def fetch_policies(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    """Customer-managed policies with their default version and attachments."""
    client, gap = unit.client("iam"), {"resource_type": POLICY_TYPE, "kind": "policy"}
    policies = paginate(rec, client, "list_policies", "Policies", Scope="Local", **gap)
    for policy in policies or []:
        arn = policy["Arn"]
        policy["_version"] = rec.call(
            "get_policy_version",
            client.get_policy_version,
            PolicyArn=arn,
            VersionId=policy["DefaultVersionId"],
            **on(arn, "grants_full_admin", "statements"),
        )
        policy["_entities"] = fetch_entities(client, rec, arn)
    return policies


def fetch_entities(client: Any, rec: Recorder, arn: str) -> dict[str, Any] | None:
    """Groups, users and roles a managed policy is attached to (every page)."""

    def run() -> dict[str, Any]:
        pages = client.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn)
        return dict(pages.build_full_result())

    return rec.call("list_entities_for_policy", run, **on(arn, "attached_to"))


def fetch_saml_providers(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    client = unit.client("iam")
    gap: dict[str, Any] = {"resource_type": SAML_TYPE, "kind": "trust.saml"}
    listed = rec.call("list_saml_providers", client.list_saml_providers, **gap)
    providers = None if listed is None else list(listed.get("SAMLProviderList") or [])
    for provider in providers or []:
        arn = provider["Arn"]
        provider["_detail"] = rec.call(
            "get_saml_provider",
            client.get_saml_provider,
            SAMLProviderArn=arn,
            **on(arn, *SAML_FIELDS),
        )
    return providers


def fetch_oidc_providers(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]] | None:
    client = unit.client("iam")
    gap: dict[str, Any] = {"resource_type": OIDC_TYPE, "kind": "trust.oidc"}
    listed = rec.call(
        "list_open_id_connect_providers", client.list_open_id_connect_providers, **gap
    )
    providers = None if listed is None else list(listed.get("OpenIDConnectProviderList") or [])
    for provider in providers or []:
        arn = provider["Arn"]
        provider["_detail"] = rec.call(
            "get_open_id_connect_provider",
            client.get_open_id_connect_provider,
            OpenIDConnectProviderArn=arn,
            **on(arn, "issuer", "client_ids"),
        )
    return providers


# ──────────────────────────────── resources (pure) ────────────────────────────────


def account_resource(data: Mapping[str, Any], account: str) -> Resource:
    """Merged into the account resource by uid: empty props, the IAM facts in ``raw``."""
    raw: dict[str, Any] = {}
    if data["summary"] is not None:
        raw.update({key: data["summary"].get(key) for key in SUMMARY_KEYS})
    if data["policy"] is not None:
        raw["password_policy"] = data["policy"].get("PasswordPolicy")
    uid = account_uid(account)
    return iam_resource(account, uid=uid, type="aws.account", kind="account", name=account, raw=raw)


def role_resource(
    role: Mapping[str, Any], account: str, customer: Mapping[str, bool | None]
) -> Resource:
    props = trust_props(role.get("AssumeRolePolicyDocument"), account)
    props["is_admin"] = role_is_admin(role, customer)
    raw = {**plain(role), "AttachedPolicies": role["_attached"], "InlinePolicies": role["_inline"]}
    name = role["RoleName"]
    return iam_resource(
        account, uid=role["Arn"], type=ROLE_TYPE, kind="role", name=name, props=props, raw=raw
    )


def role_edges(role: Mapping[str, Any]) -> list[Edge]:
    """role → each identity provider its trust policy names (``trusts_idp``, api)."""
    providers = trust_props(role.get("AssumeRolePolicyDocument"), "").get("federated_providers")
    return [
        Edge(src=role["Arn"], dst=uid, kind="trusts_idp", provenance=Provenance.API)
        for uid in providers or []
    ]


def policy_resource(policy: Mapping[str, Any], account: str) -> Resource:
    props = policy_props(version_statements(policy), policy["_entities"])
    version = policy["_version"] or {}
    raw = {**plain(policy), "Document": (version.get("PolicyVersion") or {}).get("Document")}
    return iam_resource(
        account,
        uid=policy["Arn"],
        type=POLICY_TYPE,
        kind="policy",
        name=policy["PolicyName"],
        props=props,
        raw=raw,
    )


def admin_policy(entities: Mapping[str, Any] | None, account: str, arn: str) -> list[Resource]:
    """AdministratorAccess while attached to anything, or while its attachments are unknown."""
    if entities is not None and not attached_names(entities):
        return []
    props = {**policy_props(None, entities), "grants_full_admin": True, "provider_managed": True}
    raw = {"Arn": arn, **plain(entities or {}, "IsTruncated", "Marker")}
    return [
        iam_resource(
            account,
            uid=arn,
            type=POLICY_TYPE,
            kind="policy",
            name=ADMIN_POLICY,
            props=props,
            raw=raw,
        )
    ]


def inline_admin_policies(
    principals: Sequence[Mapping[str, Any]] | None, param: str, account: str
) -> list[Resource]:
    """Inline policies allowing ``*`` on ``*``, one resource each."""
    out = []
    for principal in principals or []:
        for policy, document in (principal.get("_inline") or {}).items():
            statements = statements_of(document)
            if statements is None or not grants_full_admin(statements):
                continue
            props = {**policy_props(statements, None), "attached_to": [principal[param]]}
            raw = {param: principal[param], "PolicyName": policy, "PolicyDocument": document}
            out.append(
                iam_resource(
                    account,
                    uid=f"{principal['Arn']}/inline/{policy}",
                    type=INLINE_TYPE,
                    kind="policy",
                    name=policy,
                    props=props,
                    raw=raw,
                )
            )
    return out


def saml_resource(
    provider: Mapping[str, Any], metadata: SamlMetadata | None, account: str
) -> Resource:
    arn, detail = provider["Arn"], provider["_detail"]
    props: dict[str, Any] = {"sp_entity_id": AWS_SAML_AUDIENCE, "relying_party_enforces_mfa": False}
    if metadata is not None:
        props["issuer"] = metadata.entity_id
        props["signing_cert_sha256"] = metadata.signing_cert_sha256
        props["signing_cert_not_after"] = metadata.signing_cert_not_after
    if detail is not None:
        props["assertion_encryption"] = ENCRYPTION.get(str(detail.get("AssertionEncryptionMode")))
    raw = {
        "SAMLProviderArn": arn,
        **plain(provider, "Arn"),
        **plain(detail or {}, "SAMLMetadataDocument"),
    }
    return iam_resource(
        account,
        uid=arn,
        type=SAML_TYPE,
        kind="trust.saml",
        name=arn.split(":saml-provider/", 1)[-1],
        props=props,
        raw=raw,
    )


def oidc_resource(provider: Mapping[str, Any], account: str) -> Resource:
    """IAM returns the issuer URL without its (mandatory) https:// scheme; it is put back."""
    arn, detail = provider["Arn"], provider["_detail"]
    props: dict[str, Any] = {"relying_party_enforces_mfa": False}
    if detail is not None:
        url = str(detail.get("Url") or "")
        props["issuer"] = url if "://" in url else f"https://{url}"
        props["client_ids"] = sorted(detail.get("ClientIDList") or [])
    raw = {"OpenIDConnectProviderArn": arn, **plain(detail or {})}
    return iam_resource(
        account,
        uid=arn,
        type=OIDC_TYPE,
        kind="trust.oidc",
        name=arn.split(":oidc-provider/", 1)[-1],
        props=props,
        raw=raw,
    )


# ──────────────────────────────────── collect ────────────────────────────────────


def saml_metadata(rec: Recorder, provider: Mapping[str, Any]) -> SamlMetadata | None:
    document = (provider["_detail"] or {}).get("SAMLMetadataDocument")
    if not document:
        return None
    try:
        return parse_metadata(str(document))
    except ValueError as exc:
        gap = own_gap(
            rec,
            resource_type=SAML_TYPE,
            kind="trust.saml",
            **on(provider["Arn"], *SAML_FIELDS[:3]),
            operation="get_saml_provider",
            error_class="InvalidSamlMetadata",
            message=str(exc),
        )
        rec.gaps.append(gap)
        return None


def collect(unit: AwsUnit) -> Collected:
    rec, account = unit.recorder(SERVICE), unit.scope.account
    resources = [account_resource(fetch_account(unit, rec), account)]
    user_resources, users = collect_users(unit, rec)
    policies = fetch_policies(unit, rec)
    roles = fetch_roles(unit, rec)
    groups = fetch_groups(unit, rec)
    partition = (unit.scope.caller_arn.split(":")[1:2] or ["aws"])[0]
    admin_arn = f"arn:{partition}:iam::aws:policy/{ADMIN_POLICY}"
    admin_entities = fetch_entities(unit.client("iam"), rec, admin_arn)
    customer = customer_admin(policies)
    resources += user_resources
    resources += admin_policy(admin_entities, account, admin_arn)
    resources += [policy_resource(p, account) for p in policies or []]
    resources += [role_resource(r, account, customer) for r in roles or []]
    for principals, param in ((users, "UserName"), (roles, "RoleName"), (groups, "GroupName")):
        resources += inline_admin_policies(principals, param, account)
    resources += [oidc_resource(p, account) for p in fetch_oidc_providers(unit, rec) or []]
    for provider in fetch_saml_providers(unit, rec) or []:
        resources.append(saml_resource(provider, saml_metadata(rec, provider), account))
    edges = [edge for role in roles or [] for edge in role_edges(role)]
    return Collected(resources=resources, edges=edges, gaps=rec.gaps, operations=rec.operations)
