"""Identity (classic IAM): users, groups, dynamic groups, policies, SAML IdPs, compartments.

Tenancy-wide: runs once, in the home region. ``fetch_*`` talk to the SDK; everything else
is pure. Credentials are listed for their metadata only (the list APIs never return
secret values; any ``token``/``key`` value field is dropped from ``raw`` all the same).

Classic IAM can tell whether a user has MFA (``isMfaActivated``) and whether a TOTP
device is activated, nothing else: a user enrolled with another factor (FIDO, push) in an
identity domain has ``mfa_enabled`` but no ``mfa_type`` here.

Group memberships are listed per group (the API requires a group or user filter);
compartments come from scope discovery, which lists them once with their parents.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci.context import OciUnit, list_all, to_plain
from scanner.collectors.oci.policy_parser import (
    PolicySummary,
    Subject,
    parse_subjects,
    summarise,
    tenancy_aliases,
)
from scanner.collectors.oci.tags import flatten_tags
from scanner.model import Cloud, Edge, Provenance, Resource

SERVICE = "identity"
USER_TYPE = "oci.identity.user"
GROUP_TYPE = "oci.identity.group"
DYNAMIC_GROUP_TYPE = "oci.identity.dynamic_group"
POLICY_TYPE = "oci.identity.policy"
IDP_TYPE = "oci.identity.saml2_idp"
TENANCY_TYPE = "oci.identity.tenancy"
COMPARTMENT_TYPE = "oci.identity.compartment"
PERMISSIONS: dict[str, str] = {
    "list_users": "inspect users",
    "list_api_keys": "read users",
    "list_auth_tokens": "read users",
    "list_customer_secret_keys": "read users",
    "list_mfa_totp_devices": "read users",
    "list_groups": "inspect groups",
    # ListUserGroupMemberships needs inspect users too (declared by list_users).
    "list_user_group_memberships": "inspect groups",
    "list_dynamic_groups": "inspect dynamic-groups",
    # The policy list includes the statements: inspect is enough.
    "list_policies": "inspect policies",
    "list_identity_providers": "inspect identity-providers",
    "list_idp_group_mappings": "inspect identity-providers",
    "get_authentication_policy": "inspect authentication-policies",
}
"""Each SDK operation this module calls → the OCI policy verb and resource type it needs."""

CREDENTIAL_LISTS = ("list_api_keys", "list_auth_tokens", "list_customer_secret_keys")
"""Per-user credential lists; together they make ``access_keys``."""
REDACTED_FIELDS = frozenset({"token", "key", "key_value", "password", "secret", "seed"})
"""Credential value fields never kept in ``raw`` (list APIs do not return them anyway)."""
ENTITY_ID = re.compile(
    r"<(?:[\w.-]+:)?EntityDescriptor\b[^>]*?\bentityID\s*=\s*([\"'])(?P<id>[^\"']+)\1",
    re.IGNORECASE,
)
PEM_LINE = re.compile(r"-----(BEGIN|END) CERTIFICATE-----")


# ────────────────────────────── fetch (SDK) ──────────────────────────────


def side_list(operation: str) -> str:
    """Payload key of a per-item list: ``list_api_keys`` → ``_api_keys``."""
    return "_" + operation.removeprefix("list_")


def fetch_users(unit: OciUnit, rec: Recorder, client: Any) -> list[dict[str, Any]]:
    """Users, each with its credential lists and (when MFA is on) its TOTP devices.

    A side list that could not be read is None (and a gap names the user).
    """
    users = list_all(
        rec,
        "list_users",
        client.list_users,
        unit.scope.tenancy,
        resource_type=USER_TYPE,
        kind="principal.user",
    )
    detailed: list[dict[str, Any]] = []
    for user in sorted(users or [], key=lambda u: str(u["id"])):
        uid = str(user["id"])
        for operation in CREDENTIAL_LISTS:
            user[side_list(operation)] = list_all(
                rec,
                operation,
                getattr(client, operation),
                uid,
                resource_type=USER_TYPE,
                resource_uid=uid,
                fields=["access_keys"],
            )
        if user.get("is_mfa_activated"):
            user["_mfa_totp_devices"] = list_all(
                rec,
                "list_mfa_totp_devices",
                client.list_mfa_totp_devices,
                uid,
                resource_type=USER_TYPE,
                resource_uid=uid,
                fields=["mfa_type"],
            )
        detailed.append(user)
    return detailed


@dataclass(frozen=True)
class GroupPayload:
    groups: list[dict[str, Any]]
    """Each with ``_members``: its memberships, or None when they could not be listed."""
    dynamic_groups: list[dict[str, Any]]


def fetch_groups(unit: OciUnit, rec: Recorder, client: Any) -> GroupPayload:
    tenancy = unit.scope.tenancy
    groups = list_all(
        rec,
        "list_groups",
        client.list_groups,
        tenancy,
        resource_type=GROUP_TYPE,
        kind="principal.group",
    )
    for group in groups or []:
        group["_members"] = list_all(
            rec,
            "list_user_group_memberships",
            client.list_user_group_memberships,
            tenancy,
            group_id=group["id"],
            resource_type=GROUP_TYPE,
            resource_uid=str(group["id"]),
            fields=["members"],
        )
    dynamic = list_all(
        rec,
        "list_dynamic_groups",
        client.list_dynamic_groups,
        tenancy,
        resource_type=DYNAMIC_GROUP_TYPE,
        kind="principal.group",
    )
    return GroupPayload(groups=list(groups or []), dynamic_groups=list(dynamic or []))


def fetch_policies(unit: OciUnit, rec: Recorder, client: Any) -> list[dict[str, Any]]:
    """Policies of the tenancy and of every active compartment."""
    policies: list[dict[str, Any]] = []
    for compartment in unit.scope.compartments:
        found = list_all(
            rec,
            "list_policies",
            client.list_policies,
            compartment,
            resource_type=POLICY_TYPE,
            kind="policy",
        )
        policies.extend(found or [])
    return policies


def fetch_identity_providers(unit: OciUnit, rec: Recorder, client: Any) -> list[dict[str, Any]]:
    """Classic SAML 2.0 identity providers the tenancy trusts, with their group mappings."""
    idps = list_all(
        rec,
        "list_identity_providers",
        client.list_identity_providers,
        "SAML2",
        unit.scope.tenancy,
        resource_type=IDP_TYPE,
        kind="trust.saml",
    )
    for idp in idps or []:
        # Group mappings only go to raw: a failure leaves every prop intact (fields=[]).
        idp["_group_mappings"] = list_all(
            rec,
            "list_idp_group_mappings",
            client.list_idp_group_mappings,
            idp["id"],
            resource_type=IDP_TYPE,
            resource_uid=str(idp["id"]),
            fields=[],
        )
    return list(idps or [])


def fetch_authentication_policy(unit: OciUnit, rec: Recorder, client: Any) -> dict[str, Any] | None:
    tenancy = unit.scope.tenancy
    response = rec.call(
        "get_authentication_policy",
        client.get_authentication_policy,
        tenancy,
        resource_type=TENANCY_TYPE,
        kind="account",
        resource_uid=tenancy,
        fields=[],
    )
    if response is None:
        return None
    policy: dict[str, Any] = to_plain(response.data)
    return policy


# ────────────────────────────── pure builders ──────────────────────────────


def rfc3339(value: Any) -> str | None:
    """An SDK timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` (the string as is if unparseable)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def redact(value: Any) -> Any:
    """``value`` without any credential value field, at any depth."""
    if isinstance(value, Mapping):
        return {k: redact(v) for k, v in value.items() if k not in REDACTED_FIELDS}
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _resource(
    payload: Mapping[str, Any],
    *,
    uid: str,
    tenancy: str,
    region: str,
    native_type: str,
    kind: str,
    props: dict[str, Any],
    raw: dict[str, Any] | None = None,
) -> Resource:
    return Resource(
        uid=uid,
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=native_type,
        kind=kind,
        name=str(payload.get("name") or uid),
        tags=flatten_tags(payload),
        props=props,
        raw=redact(raw if raw is not None else _public(payload)),
    )


def _public(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if not k.startswith("_")}


def _active(item: Mapping[str, Any]) -> bool:
    return item.get("lifecycle_state") == "ACTIVE" and not item.get("inactive_status")


def access_keys(user: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """API keys, auth tokens and customer secret keys; None unless all three were listed."""
    lists = [user.get(side_list(operation)) for operation in CREDENTIAL_LISTS]
    if any(items is None for items in lists):
        return None
    api_keys, tokens, secret_keys = lists
    keys = [
        {"id": str(k["key_id"]), "active": _active(k), "created": rfc3339(k.get("time_created"))}
        for k in api_keys or []
    ]
    keys += [
        {"id": str(k["id"]), "active": _active(k), "created": rfc3339(k.get("time_created"))}
        for k in [*(tokens or []), *(secret_keys or [])]
    ]
    return sorted(keys, key=lambda k: k["id"])


def user_to_resource(user: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    """One user payload (``list_users`` plus the side lists) → a ``principal.user``."""
    props: dict[str, Any] = {}
    capabilities = user.get("capabilities") or {}
    if capabilities.get("can_use_console_password") is not None:
        # A federated user signs in at its identity provider, never with an OCI password.
        props["console_access"] = bool(capabilities["can_use_console_password"]) and not user.get(
            "identity_provider_id"
        )
    if user.get("is_mfa_activated") is not None:
        props["mfa_enabled"] = bool(user["is_mfa_activated"])
    devices = user.get("_mfa_totp_devices")
    if devices and any(d.get("is_activated") and _active(d) for d in devices):
        props["mfa_type"] = "totp"
    if user.get("lifecycle_state") is not None:
        props["enabled"] = _active(user)
    if user.get("email"):
        props["email"] = user["email"]
    keys = access_keys(user)
    if keys is not None:
        props["access_keys"] = keys
    raw = _public(user)
    for field in ("api_keys", "auth_tokens", "customer_secret_keys", "mfa_totp_devices"):
        if user.get(f"_{field}") is not None:
            raw[field] = user[f"_{field}"]
    return _resource(
        user,
        uid=str(user["id"]),
        tenancy=tenancy,
        region=region,
        native_type=USER_TYPE,
        kind="principal.user",
        props=props,
        raw=raw,
    )


def members_of(group: Mapping[str, Any]) -> list[str] | None:
    memberships = group.get("_members")
    if memberships is None:
        return None
    return sorted({str(m["user_id"]) for m in memberships if m.get("lifecycle_state") == "ACTIVE"})


def group_to_resource(group: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    props: dict[str, Any] = {"dynamic": False}
    members = members_of(group)
    if members is not None:
        props["members"] = members
    raw = _public(group)
    if group.get("_members") is not None:
        raw["memberships"] = group["_members"]
    return _resource(
        group,
        uid=str(group["id"]),
        tenancy=tenancy,
        region=region,
        native_type=GROUP_TYPE,
        kind="principal.group",
        props=props,
        raw=raw,
    )


def dynamic_group_to_resource(group: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    props: dict[str, Any] = {"dynamic": True, "matching_rule": group.get("matching_rule")}
    return _resource(
        group,
        uid=str(group["id"]),
        tenancy=tenancy,
        region=region,
        native_type=DYNAMIC_GROUP_TYPE,
        kind="principal.group",
        props=props,
    )


def membership_edges(groups: Iterable[Mapping[str, Any]]) -> list[Edge]:
    """user → group ``member_of``, for every group whose memberships were listed."""
    return [
        Edge(src=user, dst=str(group["id"]), kind="member_of", provenance=Provenance.API)
        for group in groups
        for user in members_of(group) or []
    ]


def policy_summary(policy: Mapping[str, Any], group_names: Mapping[str, str]) -> PolicySummary:
    return summarise([str(s) for s in policy.get("statements") or []], group_names)


def policy_to_resource(
    policy: Mapping[str, Any], summary: PolicySummary, tenancy: str, region: str
) -> Resource:
    props: dict[str, Any] = {
        "statements": [str(s) for s in policy.get("statements") or []],
        "parsed": [s.model_dump(mode="json") for s in summary.parsed],
        "grants_full_admin": summary.grants_full_admin,
        "attached_to": summary.attached_to,
        "provider_managed": False,
        "cross_tenancy": summary.cross_tenancy,
    }
    return _resource(
        policy,
        uid=str(policy["id"]),
        tenancy=tenancy,
        region=region,
        native_type=POLICY_TYPE,
        kind="policy",
        props=props,
    )


@dataclass(frozen=True)
class Principals:
    """Local groups and dynamic groups by lower-cased name (default domain) → uid."""

    groups: Mapping[str, str]
    dynamic_groups: Mapping[str, str]

    def resolve(self, subject: Subject) -> str | None:
        if subject.kind not in ("group", "dynamic-group"):
            return None
        if subject.ocid is not None:
            return subject.ocid
        if subject.name is None or not subject.in_default_domain:
            return None
        names = self.groups if subject.kind == "group" else self.dynamic_groups
        return names.get(subject.name.lower())


def tenancy_ref(tenancy: str) -> str:
    """uid of another tenancy a policy names (an OCID, or an alias left unresolved)."""
    return f"oci-tenancy:{tenancy}"


def policy_edges(policy_uid: str, summary: PolicySummary, principals: Principals) -> list[Edge]:
    """policy → the local groups it grants to; policy → other tenancies it trusts."""
    granted: set[str] = set()
    cross: dict[str, set[str]] = {}
    aliases = tenancy_aliases(summary.parsed)
    for statement in summary.parsed:
        if statement.action in ("allow", "endorse"):  # admit names the other tenancy's groups
            for subject in parse_subjects(statement.subject):
                target = principals.resolve(subject)
                if target is not None:
                    granted.add(target)
        if statement.action in ("endorse", "admit") and statement.tenancy is not None:
            other = aliases.get(statement.tenancy, statement.tenancy)
            cross.setdefault(other, set()).add(statement.action)
    edges = [
        Edge(src=policy_uid, dst=uid, kind="grants", provenance=Provenance.API)
        for uid in sorted(granted)
    ]
    edges += [
        Edge(
            src=policy_uid,
            dst=tenancy_ref(other),
            kind="grants",
            provenance=Provenance.API,
            attrs={"cross_tenancy": True, "action": ",".join(sorted(actions))},
        )
        for other, actions in sorted(cross.items())
    ]
    return edges


def saml_issuer(idp: Mapping[str, Any]) -> str | None:
    """The entityID of the IdP metadata, else its metadata URL."""
    match = ENTITY_ID.search(str(idp.get("metadata") or ""))
    if match is not None:
        return match.group("id")
    url = idp.get("metadata_url")
    return str(url) if url else None


def certificate_sha256(certificate: str | None) -> str | None:
    """SHA-256 (hex, lower case) of a base64 (or PEM) certificate's DER bytes."""
    if not certificate:
        return None
    body = "".join(PEM_LINE.sub("", certificate).split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    return hashlib.sha256(der).hexdigest() if der else None


def idp_to_resource(idp: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    """A classic SAML IdP the tenancy trusts (inbound federation) → a ``trust.saml``."""
    props: dict[str, Any] = {
        "issuer": saml_issuer(idp),
        "signing_cert_sha256": certificate_sha256(idp.get("signing_certificate")),
    }
    raw = _public(idp)
    if idp.get("_group_mappings") is not None:
        raw["group_mappings"] = idp["_group_mappings"]
    return _resource(
        idp,
        uid=str(idp["id"]),
        tenancy=tenancy,
        region=region,
        native_type=IDP_TYPE,
        kind="trust.saml",
        props=props,
        raw=raw,
    )


def tenancy_to_resource(
    authentication_policy: Mapping[str, Any], tenancy: str, region: str, name: str
) -> Resource:
    """The tenancy account, carrying the password and network policy in raw (merged)."""
    raw = {
        "password_policy": authentication_policy.get("password_policy"),
        "network_policy": authentication_policy.get("network_policy"),
    }
    return _resource(
        {"name": name},
        uid=tenancy,
        tenancy=tenancy,
        region=region,
        native_type=TENANCY_TYPE,
        kind="account",
        props={},
        raw=raw,
    )


def compartment_path(uid: str, parents: Mapping[str, str], names: Mapping[str, str]) -> str | None:
    """``root/child/grandchild``; None when an ancestor was not listed."""
    parts: list[str] = []
    current: str | None = uid
    while current is not None and current in names and len(parts) <= len(names):
        parts.append(names[current])
        current = parents.get(current)
    if current is not None:
        return None
    return "/".join(reversed(parts))


def compartment_resources(
    compartments: Sequence[Mapping[str, Any]], tenancy: str, region: str
) -> list[Resource]:
    names = {tenancy: "root", **{str(c["id"]): str(c["name"]) for c in compartments}}
    parents = {str(c["id"]): str(c["compartment_id"]) for c in compartments}
    return [
        _resource(
            c,
            uid=str(c["id"]),
            tenancy=tenancy,
            region=region,
            native_type=COMPARTMENT_TYPE,
            kind="org.compartment",
            props={
                "parent_uid": c.get("compartment_id"),
                "path": compartment_path(str(c["id"]), parents, names),
            },
        )
        for c in sorted(compartments, key=lambda c: str(c["id"]))
    ]


def principals_of(groups: GroupPayload) -> Principals:
    return Principals(
        groups={str(g["name"]).lower(): str(g["id"]) for g in groups.groups},
        dynamic_groups={str(g["name"]).lower(): str(g["id"]) for g in groups.dynamic_groups},
    )


def group_names_of(groups: GroupPayload) -> dict[str, str]:
    """OCID → name of every group and dynamic group (resolves ``group id`` subjects)."""
    return {str(g["id"]): str(g["name"]) for g in [*groups.groups, *groups.dynamic_groups]}


def to_collected(
    users: Sequence[Mapping[str, Any]],
    groups: GroupPayload,
    policies: Sequence[Mapping[str, Any]],
    idps: Sequence[Mapping[str, Any]],
    authentication_policy: Mapping[str, Any] | None,
    compartments: Sequence[Mapping[str, Any]],
    *,
    tenancy: str,
    region: str,
    tenancy_name: str,
) -> Collected:
    """Every payload → resources and edges."""
    out = Collected()
    out.add(user_to_resource(u, tenancy, region) for u in users)
    out.add(group_to_resource(g, tenancy, region) for g in groups.groups)
    out.add(dynamic_group_to_resource(g, tenancy, region) for g in groups.dynamic_groups)
    out.add(edges=membership_edges(groups.groups))
    principals, names = principals_of(groups), group_names_of(groups)
    for policy in policies:
        summary = policy_summary(policy, names)
        out.add(
            [policy_to_resource(policy, summary, tenancy, region)],
            policy_edges(str(policy["id"]), summary, principals),
        )
    out.add(idp_to_resource(i, tenancy, region) for i in idps)
    if authentication_policy is not None:
        out.add([tenancy_to_resource(authentication_policy, tenancy, region, tenancy_name)])
    out.add(compartment_resources(compartments, tenancy, region))
    return out


def collect(unit: OciUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    client = unit.clients.identity(unit.region)
    tenancy = unit.scope.tenancy
    collected = to_collected(
        users=fetch_users(unit, rec, client),
        groups=fetch_groups(unit, rec, client),
        policies=fetch_policies(unit, rec, client),
        idps=fetch_identity_providers(unit, rec, client),
        authentication_policy=fetch_authentication_policy(unit, rec, client),
        compartments=list(unit.scope.compartment_records),
        tenancy=tenancy,
        region=unit.region,
        tenancy_name=unit.scope.tenancy_name or tenancy,
    )
    collected.gaps.extend(rec.gaps)
    collected.operations.update(rec.operations)
    return collected
