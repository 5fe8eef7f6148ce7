"""Defender for Cloud plans (``pricings``), folded into the subscription's
``threat_detection``: ``plans`` maps each plan (StorageAccounts, KeyVaults, Arm,
VirtualMachines...) to whether it is on the Standard tier, ``enabled`` whether any is.
An unreadable listing leaves ``threat_detection`` absent, with a gap on the subscription.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.mgmt.security import SecurityCenter

from scanner.collectors.azure.context import AzureUnit, as_json
from scanner.collectors.azure.scope import ACCOUNT_TYPE, subscription_uid
from scanner.collectors.base import Collected, PropPatch

SERVICE = "defender"
PERMISSIONS: dict[str, str] = {
    "defender.list_pricings": "Microsoft.Security/pricings/read",
}


def fetch_pricings(unit: AzureUnit, rec: Any) -> list[dict[str, Any]] | None:
    client = unit.mgmt(SecurityCenter)

    def run() -> list[dict[str, Any]]:
        answer = client.pricings.list(scope_id=f"subscriptions/{unit.subscription.id}")
        return [as_json(p) for p in answer.value or []]

    return rec.call(  # type: ignore[no-any-return]
        "list_pricings",
        run,
        resource_type=ACCOUNT_TYPE,
        kind="account",
        resource_uid=subscription_uid(unit.subscription.id),
        fields=["threat_detection"],
    )


def threat_detection(pricings: Sequence[dict[str, Any]]) -> dict[str, Any]:
    plans = {
        str(p["name"]): str((p.get("properties") or {}).get("pricingTier")) == "Standard"
        for p in pricings
    }
    return {"service": "defender_for_cloud", "enabled": any(plans.values()), "plans": plans}


def to_patches(unit: AzureUnit, pricings: Sequence[dict[str, Any]] | None) -> list[PropPatch]:
    if pricings is None:
        return []
    return [
        PropPatch(
            type=ACCOUNT_TYPE,
            region=unit.subscription.home,
            name=unit.subscription.name,
            props={"threat_detection": threat_detection(pricings)},
            uid=subscription_uid(unit.subscription.id),
        )
    ]


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    pricings = fetch_pricings(unit, rec)
    return Collected(gaps=rec.gaps, operations=rec.operations, patches=to_patches(unit, pricings))
