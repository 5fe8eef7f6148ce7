"""IAM users: credential report, MFA devices, access keys, the root user.

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
- Inline policies (of users, roles and groups) are read by :func:`fetch_inline`.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from scanner.collectors.aws.common import on, own_gap, plain
from scanner.collectors.aws.context import GLOBAL, AwsUnit, jsonable, paginate
from scanner.collectors.aws.scope import account_uid
from scanner.collectors.base import Recorder
from scanner.model import Cloud, Resource

USER_TYPE = "aws.iam.user"
INLINE_TYPE = "aws.iam.inline_policy"

ROOT_USER = "<root_account>"
REPORT_WAITS = (0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0)
"""Seconds between credential report polls while STARTED; then the report is a gap."""
MFA_STRENGTH = ("fido", "hardware", "virtual")
INLINE_CALLS = {
    "UserName": ("list_user_policies", "get_user_policy"),
    "RoleName": ("list_role_policies", "get_role_policy"),
    "GroupName": ("list_group_policies", "get_group_policy"),
}
"""Principal name parameter → the calls listing and reading its inline policies."""
USERS: dict[str, Any] = {"resource_type": USER_TYPE, "kind": "principal.user"}


INLINE: dict[str, Any] = {"resource_type": INLINE_TYPE, "kind": "policy"}


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
    if keys is not None:  # listed: an empty list means the user has no access key
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
