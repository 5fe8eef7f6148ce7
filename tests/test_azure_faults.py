"""Paging, faults and scope of the Azure collector: the real SDK clients against a loopback
replay server serving each scenario's ARM responses."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest

from scanner.collectors.azure import connectivity, defender, keyvault, storage
from scanner.collectors.azure.clients import ARM_TOKEN_ENV, AzureOptions
from scanner.collectors.azure.collector import SERVICES, collect_azure
from scanner.collectors.base import Collected, Service
from scanner.model import Snapshot
from tests.support.azure_replay import AzureReplayServer, Route, fake_token

SUB = "11111111-2222-4333-8444-555555555555"
S = f"/subscriptions/{SUB}"
RG = f"{S}/resourceGroups/rg-one"
STORAGE_API, KV_API, NET_API = "2026-09-01", "2026-05-15", "2026-03-01"
ARM = "https://management.azure.com"
AUTHZ = f"{S}/providers/Microsoft.Authorization"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ARM_TOKEN_ENV, fake_token())


def scope_routes(state: str = "Enabled", groups: Sequence[str] = ("rg-one",)) -> list[Route]:
    subscription = {"id": S, "subscriptionId": SUB, "displayName": "sub-one", "state": state}
    return [
        Route(path="/subscriptions", api_version="2022-12-01", body={"value": [subscription]}),
        Route(path=S, api_version="2022-12-01", body=subscription),
        Route(
            path=f"{S}/resourcegroups",
            api_version="2021-04-01",
            body={
                "value": [
                    {"id": f"{S}/resourceGroups/{g}", "name": g, "location": "northeurope"}
                    for g in groups
                ]
            },
        ),
    ]


def run(
    routes: list[Route],
    services: Sequence[Service[Any]] = SERVICES,
    attempts: int = 1,
    subscriptions: tuple[str, ...] = (),
) -> tuple[Snapshot, Collected, AzureReplayServer]:
    with AzureReplayServer(routes) as server:
        options = AzureOptions(
            subscriptions=subscriptions, arm_endpoint=server.url, max_attempts=attempts
        )
        snapshot, collected, _ = collect_azure(options, services=services)
    assert server.unmatched == []
    return snapshot, collected, server


def only(name: str) -> list[Service[Any]]:
    return [s for s in SERVICES if s.name == name]


def account(name: str, sku: str = "Standard_LRS", **props: Any) -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/Microsoft.Storage/storageAccounts/{name}",
        "name": name,
        "type": "Microsoft.Storage/storageAccounts",
        "location": "northeurope",
        "sku": {"name": sku},
        "properties": {
            "minimumTlsVersion": "TLS1_2",
            "supportsHttpsTrafficOnly": True,
            "allowBlobPublicAccess": True,
            "encryption": {"keySource": "Microsoft.Storage"},
            **props,
        },
    }


def account_reads(
    name: str, blob: Any = None, blob_status: int = 200, policies: Any = None
) -> list[Route]:
    uid = f"{RG}/providers/Microsoft.Storage/storageAccounts/{name}"
    return [
        Route(
            path=f"{uid}/blobServices/default",
            api_version=STORAGE_API,
            status=blob_status,
            body=blob if blob is not None else {"properties": {"isVersioningEnabled": False}},
        ),
        Route(
            path=f"{uid}/blobServices/default/providers/Microsoft.Insights/diagnosticSettings",
            api_version="2021-05-01-preview",
            body={"value": []},
        ),
        Route(
            path=f"{uid}/objectReplicationPolicies",
            api_version=STORAGE_API,
            body={"value": policies or []},
        ),
    ]


ACCOUNTS = f"{S}/providers/Microsoft.Storage/storageAccounts"
REPLICATION = {
    "name": "orp-1",
    "properties": {
        "policyId": "orp-1",
        "sourceAccount": "first",
        "destinationAccount": "second",
        "rules": [{"ruleId": "r1", "sourceContainer": "in", "destinationContainer": "out"}],
    },
}


def test_storage_follows_next_link_across_pages() -> None:
    link = f"{ARM}{ACCOUNTS}?api-version={STORAGE_API}&$skiptoken=p2"
    routes = [
        *scope_routes(),
        Route(
            path=ACCOUNTS,
            api_version=STORAGE_API,
            query={"$skiptoken": "p2"},
            body={"value": [account("second", "Standard_RAGZRS", secondaryLocation="westeurope")]},
        ),
        Route(
            path=ACCOUNTS,
            api_version=STORAGE_API,
            body={"value": [account("first")], "nextLink": link},
        ),
        *account_reads("first", policies=[REPLICATION]),
        *account_reads("second", {"properties": {"deleteRetentionPolicy": {"enabled": True}}}),
    ]
    snapshot, _, server = run(routes, only("storage"))
    stores = {r.name: r for r in snapshot.resources if r.kind == "store.object"}
    assert sorted(stores) == ["first", "second", "second (geo-secondary)"]
    assert stores["first"].props == {
        "public_access": True,
        "encrypted": True,
        "cmk": False,
        "https_only": True,
        "min_tls_version": "1.2",
        "versioning": False,
        "data_events_logged": False,
        "replication_targets": [
            {"dst_uid": stores["second"].uid, "mechanism": "azure_object_replication"}
        ],
    }
    assert stores["second"].props["versioning"] is True
    assert stores["second"].props["replication_targets"] == []
    assert stores["second (geo-secondary)"].region == "westeurope"
    assert stores["second (geo-secondary)"].props == {
        "public_access": True,
        "encrypted": True,
        "cmk": False,
        "read_only": True,
        "implicit_copy_of": stores["second"].uid,
    }
    pages = [r.query.get("$skiptoken") for r in server.requests if r.path == ACCOUNTS]
    assert pages == [None, "p2"]
    assert snapshot.gaps == []


def test_a_next_link_to_another_host_is_refused_as_a_gap() -> None:
    link = f"https://elsewhere.example.net{ACCOUNTS}?api-version={STORAGE_API}&$skiptoken=p2"
    routes = [
        *scope_routes(),
        Route(
            path=ACCOUNTS,
            api_version=STORAGE_API,
            body={"value": [account("first")], "nextLink": link},
        ),
    ]
    snapshot, _, server = run(routes, only("storage"))
    assert [r for r in snapshot.resources if r.kind == "store.object"] == []
    (gap,) = snapshot.gaps
    assert (gap.operation, gap.error_class) == ("list_storage_accounts", "ServiceRequestError")
    assert gap.message == "refusing to follow a link to another host: elsewhere.example.net"
    assert all("elsewhere" not in r.path for r in server.requests)


def test_authorization_failed_on_a_listing_is_a_gap_and_the_rest_is_collected() -> None:
    denied = {
        "error": {
            "code": "AuthorizationFailed",
            "message": "The client 'auditor' does not "
            "have authorization to perform action 'Microsoft.KeyVault/vaults/read'",
        }
    }
    routes = [
        *scope_routes(),
        Route(
            path=f"{S}/providers/Microsoft.KeyVault/vaults",
            api_version=KV_API,
            status=403,
            body=denied,
        ),
        Route(
            path=f"{S}/providers/Microsoft.KeyVault/managedHSMs",
            api_version=KV_API,
            body={"value": []},
        ),
    ]
    snapshot, _, _ = run(routes, only("keyvault"))
    (gap,) = snapshot.gaps
    assert gap.model_dump(exclude_none=True) == {
        "cloud": "azure",
        "account": SUB,
        "region": "northeurope",
        "service": "keyvault",
        "resource_type": keyvault.VAULT_TYPE,
        "kind": "vault",
        "operation": "list_vaults",
        "error_class": "AuthorizationFailed",
        "message": denied["error"]["message"],
    }


def test_a_refused_detail_read_is_a_gap_naming_the_fields_it_hides() -> None:
    routes = [
        *scope_routes(),
        Route(path=ACCOUNTS, api_version=STORAGE_API, body={"value": [account("first")]}),
        *account_reads("first", {"error": {"code": "AuthorizationFailed", "message": "no"}}, 403),
    ]
    snapshot, _, _ = run(routes, only("storage"))
    (store,) = [r for r in snapshot.resources if r.kind == "store.object"]
    assert "versioning" not in store.props
    (gap,) = snapshot.gaps
    assert (gap.resource_uid, gap.fields, gap.operation) == (
        store.uid,
        ["versioning"],
        "get_blob_service_properties",
    )


PRICINGS = f"{S}/providers/Microsoft.Security/pricings"
THROTTLED = {
    "status": 429,
    "headers": {"Retry-After": "0"},
    "body": {"error": {"code": "TooManyRequests", "message": "slow down"}},
}
PLANS = {"body": {"value": [{"name": "KeyVaults", "properties": {"pricingTier": "Standard"}}]}}


def test_throttling_is_retried_after_retry_after() -> None:
    routes = [
        *scope_routes(),
        Route(
            path=PRICINGS,
            api_version="2024-01-01",
            responses=[{**THROTTLED, "headers": {"Retry-After": "1"}}, PLANS],
        ),
    ]
    started = time.monotonic()
    snapshot, _, server = run(routes, only("defender"), attempts=2)
    assert time.monotonic() - started >= 1.0  # the first retry waits only for Retry-After
    (subscription,) = snapshot.resources
    assert subscription.props == {
        "threat_detection": {
            "service": "defender_for_cloud",
            "enabled": True,
            "plans": {"KeyVaults": True},
        }
    }
    assert [r.path for r in server.requests].count(PRICINGS) == 2
    assert snapshot.gaps == []


def test_throttling_past_the_attempts_is_a_gap() -> None:
    routes = [
        *scope_routes(),
        Route(path=PRICINGS, api_version="2024-01-01", responses=[THROTTLED]),
    ]
    snapshot, _, server = run(routes, only("defender"), attempts=2)
    (gap,) = snapshot.gaps
    assert (gap.operation, gap.error_class, gap.fields) == (
        "list_pricings",
        "TooManyRequests",
        ["threat_detection"],
    )
    assert [r.path for r in server.requests].count(PRICINGS) == 2
    assert "threat_detection" not in snapshot.resources[0].props


def test_a_vault_whose_keys_are_not_found_stays_with_a_gap() -> None:
    vault = {
        "id": f"{RG}/providers/Microsoft.KeyVault/vaults/kv",
        "name": "kv",
        "location": "northeurope",
        "properties": {
            "sku": {"name": "standard"},
            "vaultUri": "https://kv.vault.azure.net/",
            "publicNetworkAccess": "Enabled",
        },
    }
    routes = [
        *scope_routes(),
        Route(
            path=f"{S}/providers/Microsoft.KeyVault/vaults",
            api_version=KV_API,
            body={"value": [vault]},
        ),
        Route(
            path=f"{S}/providers/Microsoft.KeyVault/managedHSMs",
            api_version=KV_API,
            body={"value": []},
        ),
        Route(
            path=f"{vault['id']}/keys",
            api_version=KV_API,
            status=404,
            body={"error": {"code": "ResourceNotFound", "message": "kv was not found"}},
        ),
    ]
    snapshot, _, _ = run(routes, only("keyvault"))
    (found,) = [r for r in snapshot.resources if r.kind == "vault"]
    assert found.props == {
        "vault_type": "standard",
        "hsm_backed": False,
        "soft_delete": True,
        "purge_protection": False,
        "public_network_access": True,
    }
    (gap,) = snapshot.gaps
    assert (gap.error_class, gap.resource_uid, gap.operation) == (
        "ResourceNotFound",
        vault["id"],
        "list_keys",
    )


def empty_listings() -> list[Route]:
    lists = [
        (ACCOUNTS, STORAGE_API),
        (f"{S}/providers/Microsoft.KeyVault/vaults", KV_API),
        (f"{S}/providers/Microsoft.KeyVault/managedHSMs", KV_API),
        (PRICINGS, "2024-01-01"),
        (f"{S}/providers/Microsoft.Insights/diagnosticSettings", "2021-05-01-preview"),
        (f"{S}/providers/Microsoft.Network/networkSecurityGroups", NET_API),
        (f"{S}/providers/Microsoft.Network/expressRouteCircuits", NET_API),
        (f"{S}/providers/Microsoft.Network/virtualNetworks", NET_API),
        (f"{S}/providers/Microsoft.Network/networkWatchers", NET_API),
    ]
    authorization = [
        Route(
            path=f"{AUTHZ}/roleAssignments",
            api_version="2022-04-01",
            query={"$filter": "atScope()"},
            body={"value": []},
        ),
        Route(
            path=f"{AUTHZ}/roleDefinitions",
            api_version="2022-04-01",
            query={"$filter": "type eq 'CustomRole'"},
            body={"value": []},
        ),
    ]
    return [Route(path=p, api_version=v, body={"value": []}) for p, v in lists] + authorization


def test_an_empty_subscription_gives_its_account_and_no_gap() -> None:
    snapshot, _, _ = run([*scope_routes(groups=()), *empty_listings()])
    (subscription,) = snapshot.resources
    assert (subscription.uid, subscription.name, subscription.region) == (S, "sub-one", "global")
    assert subscription.props == {
        "threat_detection": {"service": "defender_for_cloud", "enabled": False, "plans": {}}
    }
    assert snapshot.gaps == []
    assert snapshot.manifest.scope["azure"].accounts == [SUB]


def test_a_disabled_subscription_is_a_gap_and_not_collected() -> None:
    snapshot, _, server = run(scope_routes(state="Disabled"))
    assert snapshot.resources == []
    (gap,) = snapshot.gaps
    assert (gap.error_class, gap.resource_uid) == ("SubscriptionNotEnabled", S)
    assert [r.path for r in server.requests] == ["/subscriptions"]


def test_named_subscriptions_are_read_one_by_one() -> None:
    snapshot, collected, server = run(
        [*scope_routes(groups=()), *empty_listings()], subscriptions=(SUB,)
    )
    assert "resources.get_subscription" in collected.operations
    assert "/subscriptions" not in [r.path for r in server.requests]
    assert [r.uid for r in snapshot.resources] == [S]


def test_express_route_direct_reads_the_port_macsec() -> None:
    port = f"{RG}/providers/Microsoft.Network/expressRoutePorts/erd-ams"
    circuit = {
        "id": f"{RG}/providers/Microsoft.Network/expressRouteCircuits/er-direct",
        "name": "er-direct",
        "location": "northeurope",
        "properties": {"expressRoutePort": {"id": port}, "peerings": []},
    }
    link = {
        "name": "link1",
        "properties": {
            "macSecConfig": {
                "cipher": "GcmAesXpn256",
                "cknSecretIdentifier": "https://kv.vault.azure.net/secrets/ckn",
                "cakSecretIdentifier": "https://kv.vault.azure.net/secrets/cak",
                "sciState": "Enabled",
            }
        },
    }
    routes = [
        *scope_routes(),
        Route(
            path=f"{S}/providers/Microsoft.Network/expressRouteCircuits",
            api_version=NET_API,
            body={"value": [circuit]},
        ),
        Route(
            path=port,
            api_version=NET_API,
            body={"id": port, "name": "erd-ams", "properties": {"links": [link, link]}},
        ),
        Route(
            path=f"{RG}/providers/Microsoft.Network/connections",
            api_version=NET_API,
            body={"value": []},
        ),
    ]
    snapshot, collected, _ = run(routes, only("connectivity"))
    (found,) = [r for r in snapshot.resources if r.type == connectivity.CIRCUIT_TYPE]
    assert found.props == {
        "provider": "expressroute_direct",
        "macsec_enabled": True,
        "macsec_cipher": "AES256_GCM_XPN",
        "ipsec_overlay": False,
        "redundant": False,
    }
    assert "connectivity.get_express_route_port" in collected.operations
    assert snapshot.gaps == []


def test_service_modules_are_registered_in_order() -> None:
    assert [s.name for s in SERVICES] == [
        "storage",
        "keyvault",
        "defender",
        "monitor",
        "network",
        "vnets",
        "connectivity",
        "authorization",
    ]
    assert {op.split(".")[0] for op in storage.PERMISSIONS} == {storage.SERVICE}
    assert {op.split(".")[0] for op in defender.PERMISSIONS} == {defender.SERVICE}


def test_foreign_principals_and_star_custom_roles() -> None:
    star = f"{AUTHZ}/roleDefinitions/aaaaaaaa-0000-4000-8000-000000000001"
    assignments = [
        {
            "id": f"{AUTHZ}/roleAssignments/{n}",
            "name": n,
            "properties": {
                "roleDefinitionId": role,
                "principalId": principal,
                "principalType": kind,
            },
        }
        for n, role, principal, kind in (
            ("a1", star, "p-foreign", "ForeignGroup"),
            ("a2", f"{AUTHZ}/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c", "p-ci", "User"),
        )
    ]
    custom = {
        "id": star,
        "name": "aaaaaaaa-0000-4000-8000-000000000001",
        "properties": {
            "roleName": "god-mode",
            "permissions": [{"actions": ["*"], "notActions": ["Microsoft.Authorization/*/Delete"]}],
        },
    }
    routes = [
        *scope_routes(),
        Route(
            path=f"{AUTHZ}/roleAssignments",
            api_version="2022-04-01",
            query={"$filter": "atScope()"},
            body={"value": assignments},
        ),
        Route(
            path=f"{AUTHZ}/roleDefinitions",
            api_version="2022-04-01",
            query={"$filter": "type eq 'CustomRole'"},
            body={"value": [custom]},
        ),
    ]
    snapshot, _, _ = run(routes, only("authorization"))
    found = {r.name: r.props for r in snapshot.resources if r.kind in ("role", "policy")}
    assert found == {
        "god-mode / ForeignGroup p-foreign": {"is_admin": True, "federated_providers": []},
        "Contributor / User p-ci": {
            "is_admin": True,
            "federated_providers": [],
            "external_accounts": [],
        },
        "god-mode": {
            "grants_full_admin": True,
            "attached_to": ["p-foreign"],
            "statements": ["*", "NOT Microsoft.Authorization/*/Delete"],
            "provider_managed": False,
        },
    }


def test_vnet_peering_and_unreadable_flow_logs() -> None:
    vnet = f"{RG}/providers/Microsoft.Network/virtualNetworks/hub"
    remote = (
        "/subscriptions/other/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/spoke"
    )
    peering = {
        "id": f"{vnet}/virtualNetworkPeerings/to-spoke",
        "name": "to-spoke",
        "properties": {"remoteVirtualNetwork": {"id": remote}, "peeringState": "Connected"},
    }
    routes = [
        *scope_routes(),
        Route(
            path=f"{S}/providers/Microsoft.Network/virtualNetworks",
            api_version=NET_API,
            body={
                "value": [
                    {
                        "id": vnet,
                        "name": "hub",
                        "location": "northeurope",
                        "properties": {
                            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                            "virtualNetworkPeerings": [peering],
                        },
                    }
                ]
            },
        ),
        Route(
            path=f"{S}/providers/Microsoft.Network/networkWatchers",
            api_version=NET_API,
            status=403,
            body={"error": {"code": "AuthorizationFailed", "message": "no"}},
        ),
    ]
    snapshot, _, _ = run(routes, only("vnets"))
    found = {r.type: r.props for r in snapshot.resources if r.kind != "account"}
    assert found == {
        "azure.network.vnet": {"cidr_blocks": ["10.0.0.0/16"]},
        "azure.network.vnet_peering": {"peer_uid": remote, "status": "connected"},
    }
    assert {(e.src, e.dst, e.kind) for e in snapshot.edges} == {
        (peering["id"], vnet, "peers_with"),
        (peering["id"], remote, "peers_with"),
    }
    (gap,) = snapshot.gaps
    assert (gap.operation, gap.fields) == ("list_network_watchers", ["flow_logs_enabled"])
