"""S3 bucket policy and access reading (pure): secure transport, TLS version floor, and
three-valued public access from the policy status, public access blocks and the ACL.

See :mod:`scanner.collectors.aws.s3` for how these facts become bucket props.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

ENDPOINT_TLS_FLOOR = 1.2
TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
PUBLIC_GRANTEES = frozenset(
    f"http://acs.amazonaws.com/groups/global/{group}"
    for group in ("AllUsers", "AuthenticatedUsers")
)


def bucket_uid(name: str) -> str:
    return f"arn:aws:s3:::{name}"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def glob_match(pattern: Any, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def parse_policy(text: Any) -> Any:
    """A policy document's JSON text parsed; the text itself when it is not JSON."""
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def matches_any(patterns: Any, value: str, ignore_case: bool = False) -> bool:
    return any(glob_match(p, value, ignore_case) for p in as_list(patterns))


def denies_everyone_reads(statement: Mapping[str, Any], name: str) -> bool:
    """A Deny on every principal that covers reading this bucket's objects."""
    principal = statement.get("Principal")
    everyone = principal == "*" or (
        isinstance(principal, Mapping) and "*" in as_list(principal.get("AWS"))
    )
    if statement.get("Effect") != "Deny" or not everyone or "NotPrincipal" in statement:
        return False
    action, sample = "s3:GetObject", f"{bucket_uid(name)}/object"
    if "NotAction" in statement:
        covers = not matches_any(statement["NotAction"], action, ignore_case=True)
    else:
        covers = matches_any(statement.get("Action"), action, ignore_case=True)
    if "NotResource" in statement:
        return covers and not matches_any(statement["NotResource"], sample)
    return covers and matches_any(statement.get("Resource"), sample)


def conditions(statement: Mapping[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(operator, lower-case key) → values as lower-case text."""
    return {
        (str(operator), str(key).lower()): [str(v).lower() for v in as_list(values)]
        for operator, entries in (statement.get("Condition") or {}).items()
        for key, values in (entries or {}).items()
    }


def is_secure_transport(operator: str, key: str) -> bool:
    return key == "aws:securetransport" and operator in ("Bool", "BoolIfExists")


def denies_plaintext(statement: Mapping[str, Any]) -> bool:
    """Its one condition is ``aws:SecureTransport`` false."""
    found = list(conditions(statement).items())
    return len(found) == 1 and is_secure_transport(*found[0][0]) and "false" in found[0][1]


def tls_floor(statement: Mapping[str, Any]) -> float | None:
    """The TLS version below which it denies (besides, at most, an HTTPS condition)."""
    floor: float | None = None
    for (operator, key), values in conditions(statement).items():
        if key == "s3:tlsversion" and operator in ("NumericLessThan", "NumericLessThanIfExists"):
            numbers = [float(v) for v in values if re.fullmatch(r"\d+(\.\d+)?", v)]
            floor = max(numbers) if numbers and len(numbers) == len(values) else None
        elif not is_secure_transport(operator, key):
            return None
    return floor


def transport_props(response: Mapping[str, Any], name: str) -> dict[str, Any]:
    policy = parse_policy(response.get("Policy") or "{}")
    if not isinstance(policy, Mapping):
        return {}
    found = [s for s in as_list(policy.get("Statement")) if isinstance(s, Mapping)]
    denies = [s for s in found if denies_everyone_reads(s, name)]
    floor = max([ENDPOINT_TLS_FLOOR, *(f for f in map(tls_floor, denies) if f is not None)])
    version = next((v for v in TLS_VERSIONS if float(v) >= floor), TLS_VERSIONS[-1])
    return {"https_only": any(map(denies_plaintext, denies)), "min_tls_version": version}


def any3(*values: bool | None) -> bool | None:
    """Three-valued or (None: unknown)."""
    return True if True in values else None if None in values else False


def all3(*values: bool | None) -> bool | None:
    """Three-valued and (None: unknown)."""
    return False if False in values else None if None in values else True


def not3(value: bool | None) -> bool | None:
    return None if value is None else not value


def public_access(
    bucket: Mapping[str, Any], account_block: Mapping[str, Any] | None
) -> bool | None:
    block, status, acl = (
        bucket.get(op)
        for op in ("get_public_access_block", "get_bucket_policy_status", "get_bucket_acl")
    )
    blocks = (
        account_block,
        None if block is None else block.get("PublicAccessBlockConfiguration") or {},
    )
    restrict = any3(*(None if b is None else bool(b.get("RestrictPublicBuckets")) for b in blocks))
    ignore = any3(*(None if b is None else bool(b.get("IgnorePublicAcls")) for b in blocks))
    policy_public = (
        None if status is None else bool((status.get("PolicyStatus") or {}).get("IsPublic"))
    )
    acl_public = None
    if acl is not None:
        grantees = {(g.get("Grantee") or {}).get("URI") for g in acl.get("Grants") or []}
        acl_public = not PUBLIC_GRANTEES.isdisjoint(grantees)
    return any3(all3(policy_public, not3(restrict)), all3(acl_public, not3(ignore)))
