"""Discover what to collect: the subscriptions (every one the identity can read, or
``--azure-subscriptions``), their resource groups and home region, and the subscription
itself as the ``account`` resource.

A subscription that is not Enabled, or one named on the command line that cannot be read,
becomes a gap and is not collected. A subscription's home region (recorded on
subscription-wide resources) is the location most of its resource groups are in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from azure.mgmt.resource.subscriptions import SubscriptionClient

from scanner.collectors.azure.clients import AzureClients
from scanner.collectors.azure.context import (
    GLOBAL,
    AzureUnit,
    Subscription,
    listing,
    rest_list,
    single,
)
from scanner.collectors.azure.errors import classify_azure_error
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, CollectionGap, Resource

SERVICE = "resources"
ACCOUNT_TYPE = "azure.subscription"
RESOURCE_GROUPS_API = "2021-04-01"
PERMISSIONS: dict[str, str] = {
    "resources.list_subscriptions": "Microsoft.Resources/subscriptions/read",
    "resources.get_subscription": "Microsoft.Resources/subscriptions/read",
    "resources.list_resource_groups": "Microsoft.Resources/subscriptions/resourceGroups/read",
}


def subscription_uid(subscription: str) -> str:
    return f"/subscriptions/{subscription}"


def fetch_subscriptions(
    clients: AzureClients, wanted: Sequence[str]
) -> tuple[list[dict[str, Any]], Collected]:
    rec = Recorder(Cloud.AZURE, clients.tenant or "", None, SERVICE, classify_azure_error)
    client = clients.mgmt(SubscriptionClient)
    found: list[dict[str, Any]] = []
    if wanted:
        for subscription in wanted:
            got = rec.call(
                "get_subscription",
                single(client.subscriptions.get),
                subscription,
                kind="account",
                resource_uid=subscription_uid(subscription),
            )
            if got is not None:
                found.append(got)
    else:
        found = (
            rec.call("list_subscriptions", listing(client.subscriptions.list), kind="account") or []
        )
    enabled = [s for s in found if s.get("state") == "Enabled"]
    for item in found:
        if item.get("state") != "Enabled":
            rec.gaps.append(disabled_gap(item))
    return enabled, Collected(gaps=rec.gaps, operations=rec.operations)


def disabled_gap(item: Mapping[str, Any]) -> CollectionGap:
    ident = str(item.get("subscriptionId"))
    return CollectionGap(
        cloud=Cloud.AZURE,
        account=ident,
        service=SERVICE,
        kind="account",
        resource_uid=subscription_uid(ident),
        operation="list_subscriptions",
        error_class="SubscriptionNotEnabled",
        message=f"subscription {ident} is {item.get('state')}: not collected",
    )


def home_region(groups: Sequence[Mapping[str, Any]]) -> str:
    counts = Counter(str(g["location"]) for g in groups if g.get("location"))
    if not counts:
        return GLOBAL
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def prepare(clients: AzureClients, item: Mapping[str, Any]) -> tuple[Subscription, Collected]:
    """The subscription with its resource groups and home region, and its account resource."""
    ident = str(item["subscriptionId"])
    rec = Recorder(Cloud.AZURE, ident, None, SERVICE, classify_azure_error)
    path = f"/subscriptions/{ident}/resourcegroups"
    groups = rec.call(
        "list_resource_groups",
        rest_list(clients.arm(), path, RESOURCE_GROUPS_API),
        kind="org.compartment",
    )
    subscription = Subscription(
        id=ident,
        name=str(item.get("displayName") or ident),
        tenant=item.get("tenantId"),
        home=home_region(groups or []),
        resource_groups=tuple(sorted(str(g["name"]) for g in groups or [])),
    )
    collected = Collected(
        resources=[to_resource(subscription, item)], gaps=rec.gaps, operations=rec.operations
    )
    return subscription, collected


def to_resource(subscription: Subscription, item: Mapping[str, Any]) -> Resource:
    raw = {k: item[k] for k in ("subscriptionId", "displayName", "state", "tenantId") if k in item}
    return Resource(
        uid=subscription_uid(subscription.id),
        cloud=Cloud.AZURE,
        account=subscription.id,
        region=subscription.home,
        type=ACCOUNT_TYPE,
        kind="account",
        name=subscription.name,
        tags={},
        props={},
        raw=raw,
    )


def unit_account(unit: AzureUnit) -> str:
    return subscription_uid(unit.subscription.id)
