"""Key Vault vaults and Managed HSMs → ``vault`` (types ``azure.keyvault.vault`` /
``azure.keyvault.managed_hsm``), their keys → ``key`` (see :mod:`keyvault_keys`).

- ``vault_type``: the vault's SKU (standard / premium), ``managed_hsm`` for an HSM pool;
  ``hsm_backed``: premium vaults and Managed HSMs can hold HSM-protected keys.
- ``soft_delete`` / ``purge_protection``: ``enableSoftDelete`` / ``enablePurgeProtection``
  (a vault that does not say has soft delete on: it cannot be turned off since 2020).
- ``public_network_access``: ``publicNetworkAccess`` is Enabled. ``raw`` keeps
  ``enableRbacAuthorization`` (RBAC vs access policies) and the network ACLs; access
  policies' object ids are kept, never secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.mgmt.keyvault import KeyVaultManagementClient

from scanner.collectors.azure import keyvault_keys
from scanner.collectors.azure.context import AzureUnit, listing
from scanner.collectors.base import Collected
from scanner.model import Cloud, Resource

SERVICE = "keyvault"
VAULT_TYPE = "azure.keyvault.vault"
HSM_TYPE = "azure.keyvault.managed_hsm"
PERMISSIONS: dict[str, str] = {
    "keyvault.list_vaults": "Microsoft.KeyVault/vaults/read",
    "keyvault.list_managed_hsms": "Microsoft.KeyVault/managedHSMs/read",
    **keyvault_keys.PERMISSIONS,
}


def vault_props(item: Mapping[str, Any], managed_hsm: bool) -> dict[str, Any]:
    props: Mapping[str, Any] = item.get("properties") or {}
    sku = str(((item.get("sku") or props.get("sku")) or {}).get("name") or "").lower()
    access = props.get("publicNetworkAccess")
    return {
        "vault_type": "managed_hsm" if managed_hsm else sku or None,
        "hsm_backed": True if managed_hsm else (sku == "premium" if sku else None),
        "soft_delete": props.get("enableSoftDelete", True) is not False,
        "purge_protection": bool(props.get("enablePurgeProtection")),
        "public_network_access": str(access).lower() == "enabled" if access else None,
    }


def to_resource(item: Mapping[str, Any], subscription: str, managed_hsm: bool) -> Resource:
    return Resource(
        uid=str(item["id"]),
        cloud=Cloud.AZURE,
        account=subscription,
        region=str(item["location"]),
        type=HSM_TYPE if managed_hsm else VAULT_TYPE,
        kind="vault",
        name=str(item["name"]),
        tags={str(k): str(v) for k, v in (item.get("tags") or {}).items()},
        props=vault_props(item, managed_hsm),
        raw=dict(item),
    )


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    client = unit.mgmt(KeyVaultManagementClient)
    vaults = rec.call(
        "list_vaults",
        listing(client.vaults.list_by_subscription),
        resource_type=VAULT_TYPE,
        kind="vault",
    )
    hsms = rec.call(
        "list_managed_hsms",
        listing(client.managed_hsms.list_by_subscription),
        resource_type=HSM_TYPE,
        kind="vault",
    )
    collected = Collected(gaps=rec.gaps, operations=rec.operations)
    for item, managed in [*((v, False) for v in vaults or []), *((h, True) for h in hsms or [])]:
        collected.resources.append(to_resource(item, unit.account, managed))
        keys = keyvault_keys.fetch_keys(unit, rec, client, item, managed)
        collected.resources.extend(keyvault_keys.to_resources(keys, unit.account, item, managed))
    return collected
