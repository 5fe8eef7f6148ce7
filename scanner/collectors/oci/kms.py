"""Vault / Key Management: vaults and their master encryption keys.

``fetch_vaults`` and ``fetch_keys`` talk to the SDK; ``to_vault_resource`` and
``to_key_resource`` are pure.

Vaults are listed per compartment with the regional ``KmsVaultClient`` and read with
``get_vault`` (``is_primary``, ``is_vault_replicable``); ``list_vault_replicas`` names the
regions a replicable vault is replicated to. DEFAULT and VIRTUAL_PRIVATE vaults both hold
HSM-protected keys (software keys are wrapped by the vault's HSM key); an EXTERNAL vault
keeps its keys in an external key manager, so it is not HSM-backed.

Keys live behind each vault's own management endpoint: ``list_keys`` runs there for every
compartment in scope (a key may sit in another compartment than its vault), then
``get_key`` (protection mode, key shape, auto-rotation) and ``list_key_versions``. An
endpoint that cannot be reached becomes a gap on ``oci.kms.key`` in the region, never an
empty vault; the remaining compartments are then not tried against that endpoint.

- ``length_bits``: the key shape's length is in bytes (x 8); ECDSA keys use their curve
  (NIST_P521 is 521 bits, not 66 x 8).
- ``last_rotated``: the newest of the auto-rotation's ``time_of_last_rotation`` and the
  creation time of the current key version (a manual rotation or a re-import creates a
  version without touching the auto-rotation details).
- ``origin``: from the API. A key version's ``origin`` is INTERNAL when Key Management
  generated the material and EXTERNAL when it was imported; the current version decides
  (generated / imported). An EXTERNAL protection mode means the material lives in an
  external key manager (external).
- Vault replicas and their keys carry the same OCIDs as their source and only answer
  List/Get: a vault that ``get_vault`` reports as not primary is represented by its source
  vault's ``replica_regions`` and is not collected again (nor are its keys). No key API
  names replica regions, so a key's ``replica_regions`` stays absent: keys replicate with
  their vault (``vault_uid``).
- Vaults and keys in state DELETED no longer exist and are skipped.

Tag convention (no API can tell it): where shared key material comes from and which keys in
any cloud hold the same material are declared with tags on the key, freeform or defined in
any namespace:

- ``key_lineage`` → ``lineage`` (hsm_generated, imported_from_hsm, oci_export_software,
  external_kms, provider_generated);
- ``key_material_id`` → ``material_id`` (equal ids share material across clouds).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci.context import OciUnit, list_all, to_plain
from scanner.collectors.oci.tags import classification, flatten_tags
from scanner.model import Cloud, CollectionGap, Resource

SERVICE = "kms"
VAULT_TYPE = "oci.kms.vault"
KEY_TYPE = "oci.kms.key"
PERMISSIONS: dict[str, str] = {
    "list_vaults": "inspect vaults",
    "get_vault": "read vaults",
    "list_vault_replicas": "read vaults",
    "list_keys": "inspect keys",
    "get_key": "read keys",
    "list_key_versions": "read keys",
}
"""Each SDK operation this module calls → the OCI policy verb and resource type it needs.

Key versions have no resource type of their own: the ``keys`` resource type covers them.
"""

LINEAGE_TAG = "key_lineage"
MATERIAL_TAG = "key_material_id"

GONE_STATES = frozenset({"DELETED"})
GONE_REPLICA_STATES = frozenset({"DELETING", "DELETED"})
HSM_VAULT_TYPES = frozenset({"DEFAULT", "VIRTUAL_PRIVATE"})
VAULT_TYPES = HSM_VAULT_TYPES | {"EXTERNAL"}
PROTECTION = {"HSM": "hsm", "SOFTWARE": "software", "EXTERNAL": "external"}
VERSION_ORIGIN = {"INTERNAL": "generated", "EXTERNAL": "imported"}
CURVE_BITS = {"NIST_P256": 256, "NIST_P384": 384, "NIST_P521": 521}
UNKNOWN = "UNKNOWN_ENUM_VALUE"

VAULT_DETAIL_FIELDS = ["replica_regions"]
KEY_DETAIL_FIELDS = ["length_bits", "rotation_period_days", "last_rotated", "origin"]
KEY_VERSION_FIELDS = ["last_rotated", "version_count", "origin"]


# ───────────────────────────────────────── SDK calls ─────────────────────────────────────────


def fetch_vaults(unit: OciUnit, rec: Recorder) -> list[dict[str, Any]]:
    """Every primary vault of the region, read in detail with its replicas."""
    client = unit.clients.kms_vault(unit.region)
    vaults: list[dict[str, Any]] = []
    for compartment in unit.scope.compartments:
        summaries = list_all(
            rec,
            "list_vaults",
            client.list_vaults,
            compartment,
            resource_type=VAULT_TYPE,
            kind="vault",
        )
        for summary in summaries or []:
            if summary.get("lifecycle_state") in GONE_STATES:
                continue
            vault = read_vault(client, rec, summary)
            if vault.get("is_primary") is False:
                continue  # a replica: represented by its source vault's replica_regions
            vaults.append(vault)
    return vaults


def read_vault(client: Any, rec: Recorder, summary: Mapping[str, Any]) -> dict[str, Any]:
    """``get_vault`` (falling back to the summary) and, if replicable, its replicas."""
    vault_id = str(summary["id"])
    detail = rec.call(
        "get_vault",
        client.get_vault,
        vault_id,
        resource_type=VAULT_TYPE,
        kind="vault",
        resource_uid=vault_id,
        fields=VAULT_DETAIL_FIELDS,
    )
    vault: dict[str, Any] = to_plain(detail.data) if detail is not None else dict(summary)
    vault["_detail_collected"] = detail is not None
    vault["_replicas"] = None
    replicable = vault.get("is_vault_replicable") is not False
    if detail is not None and replicable and vault.get("is_primary") is not False:
        vault["_replicas"] = list_all(
            rec,
            "list_vault_replicas",
            client.list_vault_replicas,
            vault_id,
            resource_type=VAULT_TYPE,
            kind="vault",
            resource_uid=vault_id,
            fields=VAULT_DETAIL_FIELDS,
        )
    return vault


def fetch_keys(unit: OciUnit, rec: Recorder, vault: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every key of one vault, listed on the vault's management endpoint."""
    endpoint = vault.get("management_endpoint")
    if not endpoint:
        return []  # a vault still being created has no endpoint and no keys yet
    client = unit.clients.kms_management(unit.region, str(endpoint))
    keys: list[dict[str, Any]] = []
    for compartment in unit.scope.compartments:
        summaries = list_all(
            rec,
            "list_keys",
            client.list_keys,
            compartment,
            resource_type=KEY_TYPE,
            kind="key",
        )
        if summaries is None:
            if not endpoint_answered(rec.gaps[-1]):
                break  # unreachable: the gap already covers every key of the region
            continue
        for summary in summaries:
            if summary.get("lifecycle_state") in GONE_STATES:
                continue
            keys.append(read_key(client, rec, summary))
    return keys


def endpoint_answered(gap: CollectionGap) -> bool:
    """True when the endpoint answered with an HTTP error; False when it was not reached.

    :func:`scanner.collectors.oci.errors.classify_oci_error` words every service error as
    ``HTTP <status> ...``; transport failures carry the exception's own text.
    """
    return gap.message.startswith("HTTP ")


def read_key(client: Any, rec: Recorder, summary: Mapping[str, Any]) -> dict[str, Any]:
    """``get_key`` (falling back to the summary) and the key's versions."""
    key_id = str(summary["id"])
    detail = rec.call(
        "get_key",
        client.get_key,
        key_id,
        resource_type=KEY_TYPE,
        kind="key",
        resource_uid=key_id,
        fields=KEY_DETAIL_FIELDS,
    )
    key: dict[str, Any] = to_plain(detail.data) if detail is not None else dict(summary)
    key["_detail_collected"] = detail is not None
    key["_versions"] = list_all(
        rec,
        "list_key_versions",
        client.list_key_versions,
        key_id,
        resource_type=KEY_TYPE,
        kind="key",
        resource_uid=key_id,
        fields=KEY_VERSION_FIELDS,
    )
    return key


# ─────────────────────────────────────── pure mapping ────────────────────────────────────────


def parse_time(value: Any) -> datetime | None:
    """An SDK timestamp (ISO 8601 text, as ``to_plain`` renders it) in UTC."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def newest_time(*values: Any) -> str | None:
    """The newest of the timestamps given, as RFC 3339 UTC to the second (``...Z``)."""
    moments = [m for m in (parse_time(v) for v in values) if m is not None]
    return max(moments).strftime("%Y-%m-%dT%H:%M:%SZ") if moments else None


def known(value: Any) -> str | None:
    """An enum value as a string; None when absent or unknown to this SDK version."""
    return str(value) if value is not None and value != UNKNOWN else None


def replica_regions(vault: Mapping[str, Any], region: str) -> list[str] | None:
    """Regions the vault is replicated to; None when not collected."""
    replicas = vault.get("_replicas")
    if replicas is not None:
        return sorted(
            {
                str(r["region"])
                for r in replicas
                if r.get("region") not in (None, "", region)
                and r.get("status") not in GONE_REPLICA_STATES
            }
        )
    if vault.get("_detail_collected") and vault.get("is_vault_replicable") is False:
        return []
    return None


def to_vault_resource(vault: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    """One vault payload (``get_vault`` or the summary, plus replicas) → a ``vault``."""
    vault_type = known(vault.get("vault_type"))
    props: dict[str, Any] = {
        "vault_type": vault_type,
        "hsm_backed": vault_type in HSM_VAULT_TYPES if vault_type in VAULT_TYPES else None,
        "replica_regions": replica_regions(vault, region),
    }
    raw = {k: v for k, v in vault.items() if not k.startswith("_")}
    if vault.get("_replicas") is not None:
        raw["vault_replicas"] = vault["_replicas"]
    return Resource(
        uid=str(vault["id"]),
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=VAULT_TYPE,
        kind="vault",
        name=str(vault.get("display_name") or vault["id"]),
        tags=flatten_tags(vault),
        props=props,
        raw=raw,
    )


def length_bits(shape: Mapping[str, Any]) -> int | None:
    """The key length in bits: the curve's size for ECDSA, else the byte length x 8."""
    curve = shape.get("curve_id")
    if isinstance(curve, str) and curve in CURVE_BITS:
        return CURVE_BITS[curve]
    length = shape.get("length")
    return int(length) * 8 if isinstance(length, int) else None


def current_version(
    key: Mapping[str, Any], versions: list[dict[str, Any]]
) -> Mapping[str, Any] | None:
    current = key.get("current_key_version")
    return next((v for v in versions if current and v.get("id") == current), None)


def key_origin(protection: str | None, version: Mapping[str, Any] | None) -> str | None:
    if protection == "external":
        return "external"
    if version is None:
        return None
    return VERSION_ORIGIN.get(str(version.get("origin")))


def detail_props(key: Mapping[str, Any]) -> dict[str, Any]:
    """Props only ``get_key`` tells (the summary has no shape nor rotation details)."""
    shape = key.get("key_shape") or {}
    rotation = key.get("auto_key_rotation_details") or {}
    return {
        "algorithm": known(shape.get("algorithm")),
        "length_bits": length_bits(shape),
        "rotation_period_days": rotation.get("rotation_interval_in_days"),
    }


def version_props(key: Mapping[str, Any], protection: str | None) -> dict[str, Any]:
    """Props from the key versions (and, for the current version, from ``get_key``)."""
    versions = key.get("_versions")
    if versions is None:
        return {"origin": "external"} if protection == "external" else {}
    props: dict[str, Any] = {"version_count": len(versions)}
    if not key.get("_detail_collected"):
        return {**props, "origin": key_origin(protection, None)}
    version = current_version(key, versions)
    rotation = key.get("auto_key_rotation_details") or {}
    last = newest_time(
        rotation.get("time_of_last_rotation"),
        version.get("time_created") if version is not None else None,
    )
    return {**props, "last_rotated": last, "origin": key_origin(protection, version)}


def to_key_resource(key: Mapping[str, Any], tenancy: str, region: str) -> Resource:
    """One key payload (``get_key`` or the summary, plus versions) → a ``key``."""
    tags = flatten_tags(key)
    protection = PROTECTION.get(str(key.get("protection_mode")))
    state = known(key.get("lifecycle_state"))
    external = key.get("external_key_reference_details") or {}
    props: dict[str, Any] = {
        "protection": protection,
        "algorithm": known(key.get("algorithm")),  # the summary's; get_key's shape wins
        "rotation_enabled": key.get("is_auto_rotation_enabled"),
        "state": state.lower() if state is not None else None,
        "vault_uid": key.get("vault_id"),
        "external_key_id": external.get("external_key_id"),
        "lineage": classification(tags, LINEAGE_TAG),
        "material_id": classification(tags, MATERIAL_TAG),
    }
    if key.get("_detail_collected"):
        props.update(detail_props(key))
    props.update(version_props(key, protection))
    raw = {k: v for k, v in key.items() if not k.startswith("_")}
    if key.get("_versions") is not None:
        raw["key_versions"] = key["_versions"]
    return Resource(
        uid=str(key["id"]),
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=KEY_TYPE,
        kind="key",
        name=str(key.get("display_name") or key["id"]),
        tags=tags,
        props=props,
        raw=raw,
    )


def collect(unit: OciUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    tenancy, region = unit.scope.tenancy, unit.region
    vaults = fetch_vaults(unit, rec)
    resources = [to_vault_resource(v, tenancy, region) for v in vaults]
    for vault in vaults:
        resources.extend(to_key_resource(k, tenancy, region) for k in fetch_keys(unit, rec, vault))
    return Collected(resources=resources, gaps=list(rec.gaps), operations=rec.operations)
