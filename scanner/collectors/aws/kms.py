"""KMS: customer keys → ``key`` (type ``aws.kms.key``, uid the key ARN) and custom key
stores → ``vault`` (type ``aws.kms.custom_key_store``).

Regional. ``list_keys`` lists AWS-managed keys too: ``describe_key`` tells them apart and
only ``KeyManager`` CUSTOMER keys become resources. A key ``describe_key`` cannot read is
kept with its uid and no props, so that its gap (``fields`` None) reaches the key
controls as inconclusive instead of the key vanishing.

- ``protection`` / ``origin`` / ``lineage`` from ``Origin``: AWS_KMS → hsm, generated,
  provider_generated; EXTERNAL (imported material, held in KMS HSMs) → hsm, imported, and
  the lineage only the ``key_lineage`` tag can tell; AWS_CLOUDHSM → hsm, generated,
  hsm_generated; EXTERNAL_KEY_STORE → external, external, external_kms. The tag is read
  for imported material only: for the other origins the API already tells.
- ``material_id``: the ``key_material_id`` tag (equal ids share material across clouds).
- ``algorithm`` / ``length_bits`` from ``KeySpec`` (SYMMETRIC_DEFAULT is AES-256).
- ``state``: ``KeyState`` in snake case (PendingDeletion → pending_deletion).
- ``rotation_enabled`` / ``rotation_period_days``: ``get_key_rotation_status``; a period
  that is not reported for an enabled rotation is KMS's fixed yearly one (365, as before
  custom periods existed; moto omits it). Keys that cannot rotate automatically
  (asymmetric, HMAC, custom key stores) answer UnsupportedOperationException: off.
- ``last_rotated``: the newest ``RotationDate`` of ``list_key_rotations``; a key never
  rotated still has its first material, so its ``CreationDate`` is used (for imported
  material that is when the key, not the material, was created).
- ``replica_regions``: the other regions of a multi-region key's set; [] otherwise.
- ``vault_uid``: the custom key store holding the key. Custom key stores have no ARN: their
  uid is ``arn:aws:kms:<region>:<account>:custom-key-store/<id>``. A store is
  ``hsm_backed`` when it is an AWS CloudHSM key store; an external key store's
  ``public_network_access`` is its proxy's connectivity.
- ``public_policy`` / ``external_accounts``: the key policy has an Allow statement open to
  every principal without a condition / the other accounts its Allow statements name.
- ``raw`` also holds the key policy (parsed), its ``PublicStatements`` (Allow statements
  open to every principal without a condition), ``ExternalAccounts`` (accounts other
  than the key's that Allow statements name), the grants and the alias names. A key is
  named by its first alias (without ``alias/``), else by its key id.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from scanner.collectors.aws.context import AwsUnit, jsonable, paginate
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Resource

SERVICE = "kms"
KEY_TYPE = "aws.kms.key"
STORE_TYPE = "aws.kms.custom_key_store"
PERMISSIONS: dict[str, str] = {
    "kms:DescribeCustomKeyStores": "kms:DescribeCustomKeyStores",
    "kms:ListAliases": "kms:ListAliases",
    "kms:ListKeys": "kms:ListKeys",
    "kms:DescribeKey": "kms:DescribeKey",
    "kms:GetKeyRotationStatus": "kms:GetKeyRotationStatus",
    "kms:ListKeyRotations": "kms:ListKeyRotations",
    "kms:GetKeyPolicy": "kms:GetKeyPolicy",
    "kms:ListGrants": "kms:ListGrants",
    "kms:ListResourceTags": "kms:ListResourceTags",
}
"""Each API operation this module calls → the IAM action it needs."""

LINEAGE_TAG = "key_lineage"
MATERIAL_TAG = "key_material_id"
DEFAULT_ROTATION_DAYS = 365
UNSUPPORTED = "UnsupportedOperationException"

ORIGINS: dict[str, tuple[str, str, str | None]] = {
    "AWS_KMS": ("hsm", "generated", "provider_generated"),
    "EXTERNAL": ("hsm", "imported", None),
    "AWS_CLOUDHSM": ("hsm", "generated", "hsm_generated"),
    "EXTERNAL_KEY_STORE": ("external", "external", "external_kms"),
}
"""``Origin`` → (protection, origin, lineage; None: only the ``key_lineage`` tag tells)."""

KEY_SPECS: dict[str, tuple[str, int | None]] = {
    "SYMMETRIC_DEFAULT": ("AES", 256),
    **{f"RSA_{n}": ("RSA", n) for n in (2048, 3072, 4096)},
    **{f"ECC_NIST_P{n}": ("EC", n) for n in (256, 384, 521)},
    "ECC_SECG_P256K1": ("EC", 256),
    "ECC_NIST_EDWARDS25519": ("EC", 256),
    **{f"HMAC_{n}": ("HMAC", n) for n in (224, 256, 384, 512)},
    "SM2": ("SM2", 256),
    **{f"ML_DSA_{n}": ("ML-DSA", None) for n in (44, 65, 87)},
    **{f"ML_KEM_{n}": ("ML-KEM", None) for n in (512, 768, 1024)},
}
"""``KeySpec`` → (algorithm, key length in bits; None for lattice parameter sets)."""

KEY_FIELDS = {
    "get_key_rotation_status": ["rotation_enabled", "rotation_period_days"],
    "list_key_rotations": ["last_rotated"],
    "get_key_policy": ["KeyPolicy", "public_policy", "external_accounts"],
    "list_grants": ["Grants"],
    "list_resource_tags": ["lineage", "material_id"],
}
"""Each per-key read → the fields its gap names (props, or the raw key it fills)."""


# ───────────────────────────────────────── SDK calls ─────────────────────────────────────────


def tolerating(fn: Callable[..., Any], code: str, empty: Any) -> Callable[..., Any]:
    """``fn``, answering ``empty`` when the API refuses with the error ``code``."""

    def call(**kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == code:
                return empty
            raise

    return call


def pages(client: Any, operation: str, result_key: str) -> Callable[..., list[Any]]:
    """Every page of a list call, as one call."""

    def call(**kwargs: Any) -> list[Any]:
        items: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(result_key) or [])
        return items

    return call


def fetch_aliases(rec: Recorder, client: Any) -> dict[str, list[str]] | None:
    """Alias names by target key id; None when unreadable."""
    aliases = paginate(
        rec,
        client,
        "list_aliases",
        "Aliases",
        resource_type=KEY_TYPE,
        kind="key",
        fields=["Aliases"],
    )
    if aliases is None:
        return None
    by_key: dict[str, list[str]] = defaultdict(list)
    for alias in aliases:
        if alias.get("TargetKeyId"):
            by_key[str(alias["TargetKeyId"])].append(str(alias["AliasName"]))
    return {key: sorted(names) for key, names in by_key.items()}


def read_key(
    rec: Recorder, client: Any, meta: Mapping[str, Any], aliases: Mapping[str, list[str]] | None
) -> dict[str, Any]:
    """A customer key's metadata, aliases and each per-key read by operation (None: failed)."""
    arn = str(meta["Arn"])
    calls: dict[str, Callable[..., Any]] = {
        "get_key_rotation_status": tolerating(client.get_key_rotation_status, UNSUPPORTED, {}),
        "list_key_rotations": tolerating(
            pages(client, "list_key_rotations", "Rotations"), UNSUPPORTED, []
        ),
        "get_key_policy": partial(client.get_key_policy, PolicyName="default"),
        "list_grants": pages(client, "list_grants", "Grants"),
        "list_resource_tags": pages(client, "list_resource_tags", "Tags"),
    }
    key: dict[str, Any] = {
        "_meta": dict(meta),
        "_aliases": None if aliases is None else aliases.get(str(meta["KeyId"]), []),
    }
    for operation, fn in calls.items():
        key[operation] = rec.call(
            operation,
            fn,
            KeyId=arn,
            resource_type=KEY_TYPE,
            kind="key",
            resource_uid=arn,
            fields=KEY_FIELDS[operation],
        )
    return key


def fetch_keys(
    rec: Recorder, client: Any, aliases: Mapping[str, list[str]] | None
) -> list[dict[str, Any]]:
    listed = paginate(rec, client, "list_keys", "Keys", resource_type=KEY_TYPE, kind="key")
    keys: list[dict[str, Any]] = []
    for entry in listed or []:
        arn = str(entry["KeyArn"])
        described = rec.call(
            "describe_key",
            client.describe_key,
            KeyId=arn,
            resource_type=KEY_TYPE,
            kind="key",
            resource_uid=arn,
        )
        if described is None:
            keys.append({"_meta": None, "KeyId": entry.get("KeyId"), "KeyArn": arn})
        elif described["KeyMetadata"].get("KeyManager") == "CUSTOMER":
            keys.append(read_key(rec, client, described["KeyMetadata"], aliases))
    return keys


# ─────────────────────────────────────── pure mapping ────────────────────────────────────────


def store_uid(region: str, account: str, store_id: str) -> str:
    return f"arn:aws:kms:{region}:{account}:custom-key-store/{store_id}"


def rfc3339(value: Any) -> str | None:
    """A boto3 datetime as RFC 3339 UTC to the second; None for anything else."""
    if not isinstance(value, datetime):
        return None
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def parse_policy(text: Any) -> Any:
    """A policy document's JSON text parsed; the text itself when it is not JSON."""
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def principal_account(principal: str) -> str | None:
    """The account of an IAM principal (account id or ARN); None for services or ``*``."""
    if re.fullmatch(r"\d{12}", principal):
        return principal
    parts = principal.split(":")
    if len(parts) > 4 and parts[0] == "arn" and re.fullmatch(r"\d{12}", parts[4]):
        return parts[4]
    return None


def policy_findings(policy: Any, account: str) -> dict[str, list[str]]:
    """Allow statements open to everyone without condition; other accounts allowed in."""
    public: list[str] = []
    external: set[str] = set()
    found = as_list(policy.get("Statement")) if isinstance(policy, Mapping) else []
    for index, statement in enumerate(s for s in found if isinstance(s, Mapping)):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if "NotPrincipal" in statement or principal == "*":
            principals = ["*"]
        else:
            principals = as_list(principal.get("AWS")) if isinstance(principal, Mapping) else []
        if "*" in principals and not statement.get("Condition"):
            public.append(str(statement.get("Sid") or f"#{index}"))
        external.update(a for a in map(principal_account, map(str, principals)) if a)
    return {"PublicStatements": public, "ExternalAccounts": sorted(external - {account})}


def rotation_props(key: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    status = key.get("get_key_rotation_status")
    if status is not None:
        props["rotation_enabled"] = bool(status.get("KeyRotationEnabled"))
        if props["rotation_enabled"]:
            period = status.get("RotationPeriodInDays") or DEFAULT_ROTATION_DAYS
            props["rotation_period_days"] = period
    rotations = key.get("list_key_rotations")
    if rotations is not None:
        dates = [d for d in (rfc3339(r.get("RotationDate")) for r in rotations) if d]
        props["last_rotated"] = max(dates) if dates else rfc3339(meta.get("CreationDate"))
    return props


def replica_regions(meta: Mapping[str, Any], region: str) -> list[str]:
    if not meta.get("MultiRegion"):
        return []
    config = meta.get("MultiRegionConfiguration") or {}
    copies = [config.get("PrimaryKey") or {}, *(config.get("ReplicaKeys") or [])]
    return sorted({str(c["Region"]) for c in copies if c.get("Region")} - {region})


def key_props(key: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
    meta: Mapping[str, Any] = key["_meta"]
    protection, origin, lineage = ORIGINS.get(str(meta.get("Origin")), (None, None, None))
    algorithm, length = KEY_SPECS.get(str(meta.get("KeySpec")), (None, None))
    store = meta.get("CustomKeyStoreId")
    props: dict[str, Any] = {
        "protection": protection,
        "origin": origin,
        "lineage": lineage,
        "algorithm": algorithm,
        "length_bits": length,
        "state": snake(str(meta["KeyState"])) if meta.get("KeyState") else None,
        "replica_regions": replica_regions(meta, region),
        "vault_uid": store_uid(region, account, str(store)) if store else None,
        "external_key_id": (meta.get("XksKeyConfiguration") or {}).get("Id"),
    }
    if key.get("list_resource_tags") is not None:
        tags = key_tags(key)
        if origin == "imported":
            props["lineage"] = tags.get(LINEAGE_TAG)
        props["material_id"] = tags.get(MATERIAL_TAG)
    props.update(rotation_props(key, meta))
    if key.get("get_key_policy") is not None:
        findings = policy_findings(parse_policy(key["get_key_policy"].get("Policy")), account)
        props["public_policy"] = bool(findings["PublicStatements"])
        props["external_accounts"] = findings["ExternalAccounts"]
    return props


def key_tags(key: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(t["TagKey"]): str(t.get("TagValue", "")) for t in key.get("list_resource_tags") or []
    }


def key_raw(key: Mapping[str, Any], account: str) -> dict[str, Any]:
    raw: dict[str, Any] = dict(key["_meta"])
    if key.get("get_key_rotation_status") is not None:
        status = key["get_key_rotation_status"]
        raw["KeyRotationStatus"] = {k: v for k, v in status.items() if k != "ResponseMetadata"}
    if key.get("list_key_rotations") is not None:
        raw["Rotations"] = key["list_key_rotations"]
    if key.get("get_key_policy") is not None:
        policy = parse_policy(key["get_key_policy"].get("Policy"))
        raw.update(KeyPolicy=policy, **policy_findings(policy, account))
    if key.get("list_grants") is not None:
        raw["Grants"] = key["list_grants"]
    if key.get("_aliases") is not None:
        raw["Aliases"] = key["_aliases"]
    plain: dict[str, Any] = jsonable(raw)
    return plain


def to_key_resource(key: Mapping[str, Any], account: str, region: str) -> Resource:
    """One key payload (see :func:`read_key`; ``_meta`` None: unreadable) → a ``key``."""
    meta = key.get("_meta")
    if meta is None:
        uid = str(key["KeyArn"])
        name, props, tags = str(key.get("KeyId") or uid), {}, {}
        raw: dict[str, Any] = {"KeyId": key.get("KeyId"), "KeyArn": uid}
    else:
        uid = str(meta["Arn"])
        aliases = key.get("_aliases") or []
        name = aliases[0].removeprefix("alias/") if aliases else str(meta["KeyId"])
        props, tags, raw = key_props(key, account, region), key_tags(key), key_raw(key, account)
    return Resource(
        uid=uid,
        cloud=Cloud.AWS,
        account=account,
        region=region,
        type=KEY_TYPE,
        kind="key",
        name=name,
        tags=tags,
        props=props,
        raw=raw,
    )


def to_store_resource(store: Mapping[str, Any], account: str, region: str) -> Resource:
    """One ``describe_custom_key_stores`` entry → a ``vault``."""
    store_type = str(store.get("CustomKeyStoreType") or "AWS_CLOUDHSM")  # absent before XKS
    proxy = store.get("XksProxyConfiguration")
    props: dict[str, Any] = {"vault_type": store_type, "hsm_backed": store_type == "AWS_CLOUDHSM"}
    raw = {**store, "StoreType": "CloudHSM" if store_type == "AWS_CLOUDHSM" else "external"}
    if proxy is not None:
        props["public_network_access"] = proxy.get("Connectivity") == "PUBLIC_ENDPOINT"
        # The access key id is half of the proxy's authentication credential: not evidence.
        raw["XksProxyConfiguration"] = {k: v for k, v in proxy.items() if k != "AccessKeyId"}
    return Resource(
        uid=store_uid(region, account, str(store["CustomKeyStoreId"])),
        cloud=Cloud.AWS,
        account=account,
        region=region,
        type=STORE_TYPE,
        kind="vault",
        name=str(store.get("CustomKeyStoreName") or store["CustomKeyStoreId"]),
        props=props,
        raw=jsonable(raw),
    )


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    client = unit.client("kms")
    account, region = unit.scope.account, unit.region
    stores = paginate(
        rec,
        client,
        "describe_custom_key_stores",
        "CustomKeyStores",
        resource_type=STORE_TYPE,
        kind="vault",
    )
    keys = fetch_keys(rec, client, fetch_aliases(rec, client))
    resources = [to_store_resource(s, account, region) for s in stores or []]
    resources.extend(to_key_resource(k, account, region) for k in keys)
    return Collected(resources=resources, gaps=rec.gaps, operations=rec.operations)
