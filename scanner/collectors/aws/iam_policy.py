"""IAM policy and trust documents (pure): statements, full-admin grants, trust props.

- A document botocore did not decode (URL-encoded JSON text) is decoded; anything that is
  not a policy document reads as unknown (None).
- Full admin: an Allow of action ``*`` on resource ``*``; NotAction and NotResource never
  count, a Condition or a Deny elsewhere is not weighed.
- Trust policies give ``federated_providers``, ``audience_condition`` (every federated Allow
  statement pins ``SAML:aud``/``<provider>:aud``) and ``external_accounts`` (empty lists
  when a trust policy that was read names none).
- ``is_admin`` of a role: an attached AdministratorAccess, customer-managed or inline policy
  allows ``*`` on ``*``. Other AWS-managed policies are taken not to (none other grants
  that); a policy that could not be read makes a "no" unknown.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

ADMIN_POLICY = "AdministratorAccess"


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
        "federated_providers": sorted(federated),
        "external_accounts": sorted(external),
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


def customer_admin(policies: Sequence[Mapping[str, Any]] | None) -> dict[str, bool | None]:
    """Customer-managed policy ARN → grants full admin (None: its document is unknown)."""
    grants: dict[str, bool | None] = {}
    for policy in policies or []:
        statements = version_statements(policy)
        grants[policy["Arn"]] = None if statements is None else grants_full_admin(statements)
    return grants
