"""IAM: account summary, users, roles, SAML/OIDC providers, full-admin policies.

Global: one unit per account, every resource in region ``global``. ``fetch_*`` talk to
the SDK (``_``-prefixed keys carry per-item detail, None where its call failed);
everything else is pure.

- Users: ``list_users`` plus the credential report, generated and polled a bounded number
  of times while AWS says STARTED. ``console_access`` is the report's
  ``password_enabled``; AWS reuses a report for up to four hours, so a user it does not
  list yet gets a gap, not a guess. ``mfa_enabled`` and ``mfa_type`` come from the user's
  live MFA devices (the report's ``mfa_active`` when they cannot be listed): a serial the
  virtual-device list names is ``virtual``, a ``u2f`` ARN ``fido``, any other serial a
  ``hardware`` token; the strongest device wins. No secret is kept: these APIs return
  access key ids, never secret keys, and virtual-device seeds are dropped inside
  :func:`fetch_virtual_mfa`.
- Root: the report's ``<root_account>`` row. ``arn:aws:iam::<acct>:root`` is the account
  resource's uid, so the root user is ``arn:aws:iam::<acct>:user/<root_account>`` (no IAM
  user name may contain ``<``: it never collides). The report gives no root key ids: its
  keys are named by column (``access_key_1``). Unknown for root: ``console_access`` (the
  report says ``not_supported``) and the type of a non-virtual MFA device.
- Empty lists (no access keys, no federated or external principals) are left out, as the
  reference estate does; a policy's ``attached_to`` is always set once read (PAM-002 uses
  an empty one).
- Roles: the trust policy gives ``federated_providers`` (each also a ``trusts_idp`` edge,
  provenance api), ``audience_condition`` (every federated Allow statement pins
  ``SAML:aud``/``<provider>:aud``) and ``external_accounts``. ``is_admin``: an attached
  AdministratorAccess, customer-managed or inline policy allows ``*`` on ``*``. Other
  AWS-managed policies are taken not to (none other grants that); a policy that could not
  be read makes a "no" unknown.
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

import csv
import io
import json
import time
import urllib.parse
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from scanner.collectors.aws.context import GLOBAL, AwsUnit, jsonable, paginate
from scanner.collectors.aws.scope import account_uid
from scanner.collectors.base import Collected, Recorder
from scanner.collectors.saml import SamlMetadata, parse_metadata
from scanner.model import Cloud, CollectionGap, Edge, Provenance, Resource

SERVICE = "iam"
USER_TYPE = "aws.iam.user"
ROLE_TYPE = "aws.iam.role"
POLICY_TYPE = "aws.iam.policy"
INLINE_TYPE = "aws.iam.inline_policy"
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

ROOT_USER = "<root_account>"
ADMIN_POLICY = "AdministratorAccess"
AWS_SAML_AUDIENCE = "urn:amazon:webservices"
REPORT_WAITS = (0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0)
"""Seconds between credential report polls while STARTED; then the report is a gap."""
SUMMARY_KEYS = ("AccountMFAEnabled", "AccountAccessKeysPresent")
SAML_FIELDS = ["issuer", "signing_cert_sha256", "signing_cert_not_after", "assertion_encryption"]
ENCRYPTION = {"Required": "required", "Allowed": "allowed"}
MFA_STRENGTH = ("fido", "hardware", "virtual")
INLINE_CALLS = {
    "UserName": ("list_user_policies", "get_user_policy"),
    "RoleName": ("list_role_policies", "get_role_policy"),
    "GroupName": ("list_group_policies", "get_group_policy"),
}
"""Principal name parameter → the calls listing and reading its inline policies."""
USERS: dict[str, Any] = {"resource_type": USER_TYPE, "kind": "principal.user"}
INLINE: dict[str, Any] = {"resource_type": INLINE_TYPE, "kind": "policy"}


def on(uid: str, *fields: str) -> dict[str, Any]:
    """Gap attributes for a detail call about one resource."""
    return {"resource_uid": uid, "fields": list(fields)}


def own_gap(rec: Recorder, **fields: Any) -> CollectionGap:
    """A gap no failed call produced (the recorder makes the others)."""
    return CollectionGap(
        cloud=Cloud.AWS, account=rec.account, region=rec.region, service=rec.service, **fields
    )


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


def fetch_credential_report(
    unit: AwsUnit, rec: Recorder, waits: Sequence[float] = REPORT_WAITS
) -> dict[str, dict[str, str]] | None:
    """Credential report rows by ARN; None when there is none (a gap says why)."""
    client = unit.client("iam")
    gap = {**USERS, "fields": ["console_access"]}
    for wait in (*waits, None):
        state = rec.call("generate_credential_report", client.generate_credential_report, **gap)
        if state is None:
            return None
        if state.get("State") == "COMPLETE":
            break
        if wait is None:
            message = f"credential report still {state.get('State')} after {len(waits)} waits"
            rec.gaps.append(
                own_gap(
                    rec,
                    operation="generate_credential_report",
                    error_class="ReportNotReady",
                    message=message,
                    **gap,
                )
            )
            return None
        time.sleep(wait)
    report = rec.call("get_credential_report", client.get_credential_report, **gap)
    return None if report is None else parse_credential_report(report.get("Content") or b"")


def fetch_virtual_mfa(unit: AwsUnit, rec: Recorder) -> dict[str, str | None] | None:
    """Assigned virtual MFA serial → its user's ARN. Seeds and QR codes never leave here."""
    client, gap = unit.client("iam"), {**USERS, "fields": ["mfa_type"]}
    devices = paginate(
        rec,
        client,
        "list_virtual_mfa_devices",
        "VirtualMFADevices",
        AssignmentStatus="Assigned",
        **gap,
    )
    if devices is None:
        return None
    return {str(d["SerialNumber"]): (d.get("User") or {}).get("Arn") for d in devices}


def fetch_users(
    unit: AwsUnit, rec: Recorder, reported: Collection[str]
) -> list[dict[str, Any]] | None:
    """Users with their MFA devices, access keys (and last use), inline policies."""
    client = unit.client("iam")
    users = paginate(rec, client, "list_users", "Users", **USERS)
    for user in users or []:
        name, arn = user["UserName"], user["Arn"]
        mfa = ("mfa_type",) if arn in reported else ("mfa_enabled", "mfa_type")
        user["_mfa_devices"] = paginate(
            rec, client, "list_mfa_devices", "MFADevices", UserName=name, **on(arn, *mfa)
        )
        keys = paginate(
            rec,
            client,
            "list_access_keys",
            "AccessKeyMetadata",
            UserName=name,
            **on(arn, "access_keys"),
        )
        for key in keys or []:
            used = rec.call(
                "get_access_key_last_used",
                client.get_access_key_last_used,
                AccessKeyId=key["AccessKeyId"],
                **on(arn, "access_keys"),
            )
            key["_last_used"] = None if used is None else used.get("AccessKeyLastUsed") or {}
        user["_access_keys"] = keys
        user["_inline"] = fetch_inline(client, rec, "UserName", name)
    return users


def fetch_inline(client: Any, rec: Recorder, param: str, name: str) -> dict[str, Any] | None:
    """A principal's inline policy documents by name (a document is None if unreadable).

    A failure may hide an admin inline policy: the gap covers inline policies as a type.
    """
    list_op, get_op = INLINE_CALLS[param]
    principal: dict[str, Any] = {param: name, **INLINE}
    names = paginate(rec, client, list_op, "PolicyNames", **principal)
    if names is None:
        return None
    documents: dict[str, Any] = {}
    for policy in names:
        got = rec.call(get_op, getattr(client, get_op), PolicyName=policy, **principal)
        documents[policy] = None if got is None else got.get("PolicyDocument")
    return documents


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


# ──────────────────────────── policy documents (pure) ────────────────────────────


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements_of(document: Any) -> list[dict[str, Any]] | None:
    """A policy document's statements; None when it is not one. botocore decodes IAM
    documents; a string that reaches here (URL-encoded JSON) is decoded."""
    if isinstance(document, str):
        try:
            document = json.loads(urllib.parse.unquote(document))
        except ValueError:
            return None
    if not isinstance(document, dict):
        return None
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def grants_full_admin(statements: Sequence[Mapping[str, Any]]) -> bool:
    """An Allow of action ``*`` on resource ``*`` (string or list form). NotAction and
    NotResource never count; a Condition or a Deny elsewhere is not weighed."""
    return any(
        s.get("Effect") == "Allow"
        and "NotAction" not in s
        and "NotResource" not in s
        and any(a in ("*", "*:*") for a in as_list(s.get("Action")))
        and "*" in as_list(s.get("Resource"))
        for s in statements
    )


def version_statements(policy: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    version = policy.get("_version")
    if version is None:
        return None
    return statements_of((version.get("PolicyVersion") or {}).get("Document"))


def account_of(principal: str) -> str | None:
    """The account of an AWS principal (``*``: anyone); None for the unique id AWS shows
    in place of a deleted principal, which names no account."""
    if principal == "*" or (principal.isdigit() and len(principal) == 12):
        return principal
    parts = principal.split(":")
    return parts[4] if principal.startswith("arn:") and len(parts) > 5 and parts[4] else None


def pins_audience(condition: Any) -> bool:
    """A positive condition (not ``StringNotEquals``, not ``Null``) on a ``...:aud`` key."""
    if not isinstance(condition, dict):
        return False
    return any(
        isinstance(keys, dict)
        and "not" not in str(operator).lower()
        and str(operator).lower() != "null"
        and any(str(key).lower().endswith(":aud") for key in keys)
        for operator, keys in condition.items()
    )


def trust_props(document: Any, account: str) -> dict[str, Any]:
    """federated_providers, audience_condition and external_accounts of a trust policy."""
    statements = statements_of(document)
    if statements is None:
        return {}
    federated: set[str] = set()
    external: set[str] = set()
    pinned: list[bool] = []
    for statement in (s for s in statements if s.get("Effect") == "Allow"):
        principal = statement.get("Principal")
        if principal == "*":
            external.add("*")
        if not isinstance(principal, dict):
            continue
        names = [str(p) for p in as_list(principal.get("Federated"))]
        if names:
            federated.update(n for n in names if n.startswith("arn:"))
            pinned.append(pins_audience(statement.get("Condition")))
        accounts = {account_of(str(p)) for p in as_list(principal.get("AWS"))}
        external.update(a for a in accounts if a is not None and a != account)
    props: dict[str, Any] = {
        "federated_providers": sorted(federated) or None,
        "external_accounts": sorted(external) or None,
    }
    if pinned:
        props["audience_condition"] = all(pinned)
    return props


def role_is_admin(role: Mapping[str, Any], customer: Mapping[str, bool | None]) -> bool | None:
    """True as soon as one policy grants ``*`` on ``*``; False only if all were read."""
    attached, inline = role.get("_attached"), role.get("_inline")
    known = attached is not None and inline is not None
    for policy in attached or []:
        arn = str(policy.get("PolicyArn"))
        aws_managed = arn.split(":")[4:5] == ["aws"]
        grant = arn.endswith(f"/{ADMIN_POLICY}") if aws_managed else customer.get(arn)
        if grant:
            return True
        known = known and grant is not None
    for document in (inline or {}).values():
        statements = statements_of(document)
        if statements is not None and grants_full_admin(statements):
            return True
        known = known and statements is not None
    return False if known else None


# ──────────────────────────────── resources (pure) ────────────────────────────────


def rfc3339(value: Any) -> str | None:
    """A datetime or ISO 8601 text → RFC 3339 UTC; None for N/A, no_information..."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def flag(value: str | None) -> bool | None:
    return {"true": True, "false": False}.get(value or "")


def parse_credential_report(content: bytes | str) -> dict[str, dict[str, str]]:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return {row["arn"]: dict(row) for row in csv.DictReader(io.StringIO(text)) if row.get("arn")}


def device_kind(serial: str, virtual: Mapping[str, str | None] | None) -> str | None:
    if ":u2f/" in serial:
        return "fido"
    if virtual is None:
        return None
    return "virtual" if serial in virtual else "hardware"


def mfa_type(serials: Sequence[str], virtual: Mapping[str, str | None] | None) -> str | None:
    """The strongest device's type; None if there is none or one cannot be told apart."""
    kinds = {device_kind(serial, virtual) for serial in serials}
    if "fido" in kinds or (kinds and None not in kinds):
        return next(kind for kind in MFA_STRENGTH if kind in kinds)
    return None


def iam_resource(account: str, **fields: Any) -> Resource:
    """A global IAM resource; ``raw`` made JSON."""
    raw = jsonable(fields.pop("raw", {}))
    return Resource(cloud=Cloud.AWS, account=account, region=GLOBAL, raw=raw, **fields)


def plain(payload: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    """A payload without our ``_`` detail keys, ResponseMetadata and ``drop``."""
    skip = {"ResponseMetadata", *drop}
    return {k: v for k, v in payload.items() if not k.startswith("_") and k not in skip}


def account_resource(data: Mapping[str, Any], account: str) -> Resource:
    """Merged into the account resource by uid: empty props, the IAM facts in ``raw``."""
    raw: dict[str, Any] = {}
    if data["summary"] is not None:
        raw.update({key: data["summary"].get(key) for key in SUMMARY_KEYS})
    if data["policy"] is not None:
        raw["password_policy"] = data["policy"].get("PasswordPolicy")
    uid = account_uid(account)
    return iam_resource(account, uid=uid, type="aws.account", kind="account", name=account, raw=raw)


def access_key(key: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": key["AccessKeyId"],
        "active": key.get("Status") == "Active",
        "created": rfc3339(key.get("CreateDate")),
        "last_used": rfc3339((key.get("_last_used") or {}).get("LastUsedDate")),
    }


def user_facts(
    user: Mapping[str, Any], row: Mapping[str, str] | None, virtual: Mapping[str, str | None] | None
) -> dict[str, Any]:
    """uid, name, props and raw of an IAM user."""
    devices, keys = user.get("_mfa_devices"), user.get("_access_keys")
    props: dict[str, Any] = {"enabled": True}
    if row is not None:
        props["console_access"] = flag(row.get("password_enabled"))
        props["mfa_enabled"] = flag(row.get("mfa_active"))
    if devices is not None:  # live, where the report may be hours old
        serials = [str(d["SerialNumber"]) for d in devices]
        props["mfa_enabled"] = bool(serials)
        props["mfa_type"] = mfa_type(serials, virtual)
    if keys:
        props["access_keys"] = sorted((access_key(k) for k in keys), key=lambda k: str(k["id"]))
    raw = {**plain(user), "MFADevices": [plain(d) for d in devices or []], "CredentialReport": row}
    return {"uid": user["Arn"], "name": user["UserName"], "props": props, "raw": raw}


def root_facts(row: Mapping[str, str], virtual: Mapping[str, str | None] | None) -> dict[str, Any]:
    """uid, name, props and raw of the root user, from its credential report row."""
    props: dict[str, Any] = {
        "is_root": True,
        "enabled": True,
        "console_access": flag(row.get("password_enabled")),
        "mfa_enabled": flag(row.get("mfa_active")),
        "mfa_type": "virtual" if row.get("arn") in (virtual or {}).values() else None,
    }
    keys = [
        {
            "id": f"access_key_{n}",
            "active": flag(row.get(f"access_key_{n}_active")) is True,
            "created": rfc3339(row.get(f"access_key_{n}_last_rotated")),
            "last_used": rfc3339(row.get(f"access_key_{n}_last_used_date")),
        }
        for n in (1, 2)
        if rfc3339(row.get(f"access_key_{n}_last_rotated")) is not None
    ]
    props["access_keys"] = keys or None
    uid = str(row["arn"]).removesuffix(":root") + f":user/{ROOT_USER}"
    return {"uid": uid, "name": ROOT_USER, "props": props, "raw": {"CredentialReport": row}}


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


def attached_names(entities: Mapping[str, Any]) -> list[str]:
    names = {str(g["GroupName"]) for g in entities.get("PolicyGroups") or []}
    names.update(str(u["UserName"]) for u in entities.get("PolicyUsers") or [])
    names.update(str(r["RoleName"]) for r in entities.get("PolicyRoles") or [])
    return sorted(names)


def policy_props(
    statements: Sequence[Mapping[str, Any]] | None, entities: Mapping[str, Any] | None
) -> dict[str, Any]:
    props: dict[str, Any] = {"provider_managed": False}
    if statements is not None:
        props["grants_full_admin"] = grants_full_admin(statements)
        props["statements"] = [json.dumps(s, separators=(",", ":")) for s in statements]
    if entities is not None:
        props["attached_to"] = attached_names(entities)
    return props


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


def collect_users(unit: AwsUnit, rec: Recorder) -> tuple[list[Resource], list[dict[str, Any]]]:
    report = fetch_credential_report(unit, rec)
    virtual = fetch_virtual_mfa(unit, rec)
    users = fetch_users(unit, rec, report or {}) or []
    found = []
    for user in users:
        row = None if report is None else report.get(user["Arn"])
        if report is not None and row is None:
            message = f"user {user['UserName']} is not in the credential report yet"
            missing = own_gap(
                rec,
                operation="get_credential_report",
                error_class="NotInCredentialReport",
                message=message,
                **on(user["Arn"], "console_access"),
            )
            rec.gaps.append(missing)
        found.append(user_facts(user, row, virtual))
    root = (report or {}).get(account_uid(unit.scope.account))
    found += [root_facts(root, virtual)] if root is not None else []
    resources = [
        iam_resource(unit.scope.account, type=USER_TYPE, kind="principal.user", **user)
        for user in found
    ]
    return resources, users


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


def customer_admin(policies: Sequence[Mapping[str, Any]] | None) -> dict[str, bool | None]:
    """Customer-managed policy ARN → grants full admin (None: its document is unknown)."""
    grants: dict[str, bool | None] = {}
    for policy in policies or []:
        statements = version_statements(policy)
        grants[policy["Arn"]] = None if statements is None else grants_full_admin(statements)
    return grants


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
