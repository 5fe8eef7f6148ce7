"""Storage accounts → ``store.object`` (type ``azure.storage.account``, uid the resource id),
and each geo-redundant account's secondary → its own ``store.object`` (type
``azure.storage.account.geo_secondary``, uid ``<account id>#secondary``), whose
``implicit_copy_of`` names the primary: the graph derives the ``geo_copy_to`` edge.

- ``public_access``: ``allowBlobPublicAccess`` (anonymous container access is possible only
  when the account allows it; container ACLs are not read). ARM documents an absent value
  as false. ``https_only``:
  ``supportsHttpsTrafficOnly``; ``min_tls_version``: ``minimumTlsVersion`` (TLS1_2 → 1.2).
- ``encrypted``: Azure Storage encrypts every account (it cannot be turned off);
  ``cmk``: ``encryption.keySource`` is Microsoft.Keyvault, and ``kms_key_uid`` the
  version-less key URI (``<keyvaulturi>keys/<keyname>``), the uid of the key resource.
- ``versioning``: blob versioning or blob soft delete on the blob service
  (``get_blob_service_properties``). ``data_events_logged``: a diagnostic setting of the
  blob service sends StorageRead and StorageWrite (or the ``allLogs`` group) somewhere.
- ``replication_targets``: the destination accounts of the object replication policies
  whose source is this account (mechanism ``azure_object_replication``; the graph derives
  ``replicates_to``). A destination named by account name is resolved in the subscription.
- ``data_class``: the ``data_class`` tag.
- The secondary (``sku.name`` GRS / RAGRS / GZRS / RAGZRS, in ``secondaryLocation``) holds
  the same data with the same key and access rules: it carries the primary's
  ``data_class``, ``public_access``, ``encrypted``, ``cmk``, ``kms_key_uid`` and tags, and
  ``read_only`` (no write reaches a secondary).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.mgmt.storage import StorageManagementClient

from scanner.collectors.azure.context import (
    AzureUnit,
    at,
    listing,
    resource_group,
    rest_list,
    single,
    tags_of,
)
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Resource

SERVICE = "storage"
ACCOUNT_TYPE = "azure.storage.account"
SECONDARY_TYPE = "azure.storage.account.geo_secondary"
KIND = "store.object"
CLASSIFICATION_TAG = "data_class"
DIAGNOSTICS_API = "2021-05-01-preview"
GEO_SKUS = ("_GRS", "_RAGRS", "_GZRS", "_RAGZRS")
DATA_EVENT_CATEGORIES = frozenset({"StorageRead", "StorageWrite"})
TLS = {"TLS1_0": "1.0", "TLS1_1": "1.1", "TLS1_2": "1.2", "TLS1_3": "1.3"}
SHARED_WITH_SECONDARY = ("data_class", "public_access", "encrypted", "cmk", "kms_key_uid")
PERMISSIONS: dict[str, str] = {
    "storage.list_storage_accounts": "Microsoft.Storage/storageAccounts/read",
    "storage.get_blob_service_properties": "Microsoft.Storage/storageAccounts/blobServices/read",
    "storage.list_diagnostic_settings": "Microsoft.Insights/diagnosticSettings/read",
    "storage.list_object_replication_policies": (
        "Microsoft.Storage/storageAccounts/objectReplicationPolicies/read"
    ),
}


# ───────────────────────────────────────── SDK calls ─────────────────────────────────────────


def fetch_accounts(unit: AzureUnit, rec: Recorder) -> list[dict[str, Any]]:
    """Each account's REST JSON with ``_blob`` and ``_diagnostics`` (None: unreadable)."""
    client = unit.mgmt(StorageManagementClient)
    accounts = rec.call(
        "list_storage_accounts",
        listing(client.storage_accounts.list),
        resource_type=ACCOUNT_TYPE,
        kind=KIND,
    )
    arm = unit.clients.arm()
    for account in accounts or []:
        uid, name = str(account["id"]), str(account["name"])
        where = {"resource_type": ACCOUNT_TYPE, "kind": KIND, "resource_uid": uid}
        local = at(rec, account.get("location"))
        account["_blob"] = local.call(
            "get_blob_service_properties",
            single(client.blob_services.get_service_properties),
            resource_group(uid),
            name,
            fields=["versioning"],
            **where,
        )
        path = f"{uid}/blobServices/default/providers/Microsoft.Insights/diagnosticSettings"
        account["_diagnostics"] = local.call(
            "list_diagnostic_settings",
            rest_list(arm, path, DIAGNOSTICS_API),
            fields=["data_events_logged"],
            **where,
        )
        account["_replication"] = local.call(
            "list_object_replication_policies",
            listing(client.object_replication_policies.list),
            resource_group(uid),
            name,
            fields=["replication_targets"],
            **where,
        )
    return accounts or []


# ─────────────────────────────────────── pure mapping ────────────────────────────────────────


def key_uid(encryption: Mapping[str, Any]) -> str | None:
    vault = encryption.get("keyvaultproperties") or {}
    uri, name = vault.get("keyvaulturi"), vault.get("keyname")
    return f"{str(uri).rstrip('/')}/keys/{name}" if uri and name else None


def versioning(blob: Mapping[str, Any]) -> bool:
    props = blob.get("properties") or {}
    soft_delete = (props.get("deleteRetentionPolicy") or {}).get("enabled")
    return bool(props.get("isVersioningEnabled")) or bool(soft_delete)


def logs_data_events(settings: list[Mapping[str, Any]]) -> bool:
    for setting in settings:
        logs = (setting.get("properties") or {}).get("logs") or []
        enabled = {
            str(log.get("category") or log.get("categoryGroup"))
            for log in logs
            if log.get("enabled")
        }
        if "allLogs" in enabled or enabled >= DATA_EVENT_CATEGORIES:
            return True
    return False


def replication_targets(
    account: Mapping[str, Any], known: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Destinations of the object replication policies this account is the source of; a
    destination named only by account name is resolved among ``known`` (name → uid)."""
    uid, name = str(account["id"]), str(account["name"])
    targets: dict[str, dict[str, Any]] = {}
    for policy in account.get("_replication") or []:
        props = policy.get("properties") or {}
        if str(props.get("sourceAccount")) not in (uid, name):
            continue
        destination = str(props.get("destinationAccount") or "")
        if not destination:
            continue
        dst = destination if destination.startswith("/") else known.get(destination, destination)
        targets[dst] = {"dst_uid": dst, "mechanism": "azure_object_replication"}
    return [targets[k] for k in sorted(targets)]


def account_props(account: Mapping[str, Any], known: Mapping[str, str]) -> dict[str, Any]:
    props: Mapping[str, Any] = account.get("properties") or {}
    encryption = props.get("encryption") or {}
    cmk = str(encryption.get("keySource", "")).lower() == "microsoft.keyvault"
    out: dict[str, Any] = {
        "data_class": tags_of(account).get(CLASSIFICATION_TAG),
        "public_access": bool(props.get("allowBlobPublicAccess", False)),
        "encrypted": True,
        "cmk": cmk if encryption.get("keySource") else None,
        "kms_key_uid": key_uid(encryption) if cmk else None,
        "https_only": props.get("supportsHttpsTrafficOnly"),
        "min_tls_version": TLS.get(str(props.get("minimumTlsVersion"))),
    }
    if account.get("_blob") is not None:
        out["versioning"] = versioning(account["_blob"])
    if account.get("_diagnostics") is not None:
        out["data_events_logged"] = logs_data_events(account["_diagnostics"])
    if account.get("_replication") is not None:
        out["replication_targets"] = replication_targets(account, known)
    return out


def raw_of(account: Mapping[str, Any]) -> dict[str, Any]:
    raw = {k: v for k, v in account.items() if not k.startswith("_")}
    if account.get("_blob") is not None:
        raw["blobServiceProperties"] = account["_blob"].get("properties") or {}
    if account.get("_diagnostics") is not None:
        raw["blobDiagnosticSettings"] = account["_diagnostics"]
    if account.get("_replication") is not None:
        raw["objectReplicationPolicies"] = account["_replication"]
    return raw


def is_geo_redundant(account: Mapping[str, Any]) -> bool:
    sku = str((account.get("sku") or {}).get("name") or "")
    secondary = (account.get("properties") or {}).get("secondaryLocation")
    return sku.endswith(GEO_SKUS) and bool(secondary)


def to_resources(
    account: Mapping[str, Any], subscription: str, known: Mapping[str, str] | None = None
) -> list[Resource]:
    """One account → the account, and its geo-secondary when it has one. ``known`` maps
    the subscription's account names to their uids."""
    uid, name, tags = str(account["id"]), str(account["name"]), tags_of(account)
    props = account_props(account, known or {})
    primary = Resource(
        uid=uid,
        cloud=Cloud.AZURE,
        account=subscription,
        region=str(account["location"]),
        type=ACCOUNT_TYPE,
        kind=KIND,
        name=name,
        tags=tags,
        props=props,
        raw=raw_of(account),
    )
    if not is_geo_redundant(account):
        return [primary]
    properties = account.get("properties") or {}
    secondary = Resource(
        uid=f"{uid}#secondary",
        cloud=Cloud.AZURE,
        account=subscription,
        region=str(properties["secondaryLocation"]),
        type=SECONDARY_TYPE,
        kind=KIND,
        name=f"{name} (geo-secondary)",
        tags=tags,
        props={
            **{k: props[k] for k in SHARED_WITH_SECONDARY if props.get(k) is not None},
            "implicit_copy_of": uid,
            "read_only": True,
        },
        raw={
            "sku": account.get("sku"),
            "secondaryLocation": properties.get("secondaryLocation"),
            "statusOfSecondary": properties.get("statusOfSecondary"),
        },
    )
    return [primary, secondary]


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    accounts = fetch_accounts(unit, rec)
    known = {str(a["name"]): str(a["id"]) for a in accounts}
    resources = [r for a in accounts for r in to_resources(a, unit.account, known)]
    return Collected(resources=resources, gaps=rec.gaps, operations=rec.operations)
