"""The Azure collector over the recorded reference estate (``fixtures/azure/reference/``):
the real azure-mgmt-* clients and Key Vault's data plane against a loopback replay server.

The headline test: it produces exactly the Azure resources and gap of the hand-written
reference estate (``fixtures/azure/reference-expected.yaml``) for every kind it covers,
with the few fields the API tells beyond them named here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from scanner.cli import app
from scanner.collectors.azure.collector import required_permissions
from scanner.collectors.base import is_read_only
from scanner.model import Snapshot
from scanner.snapshot import read_snapshot
from tests.support.azure_reference import (
    SUBSCRIPTION,
    collect_reference_azure,
    reference_server,
    token_env,
)

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "fixtures" / "azure" / "reference-expected.yaml"
SUB = f"/subscriptions/{SUBSCRIPTION}"
LAW = (
    f"{SUB}/resourceGroups/rg-security/providers/Microsoft.OperationalInsights/"
    "workspaces/acme-law-weu"
)
ACCOUNT = (
    f"{SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/acmeweucustomers"
)
NETWORK = f"{SUB}/resourceGroups/rg-network/providers/Microsoft.Network"
ENTRA_DOMAIN = "azure:tenant/9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d/domains/acme.example"

EXTRA_PROPS: dict[str, dict[str, Any]] = {
    f"{SUB}/providers/Microsoft.Insights/diagnosticSettings/activity-log-export": {"sink_uid": LAW},
    ACCOUNT: {"replication_targets": []},
    f"{ACCOUNT}#secondary": {"encrypted": True},
}
"""Props the API tells beyond the hand-written estate."""
EXTRA_TAGS: dict[str, dict[str, str]] = {
    f"{NETWORK}/expressRouteCircuits/er-oci-interconnect-ams": {"peer_cloud": "oci"},
    f"{NETWORK}/connections/vpn-backup-oci": {"link_role": "backup", "peer_cloud": "oci"},
    "https://acme-mhsm.managedhsm.azure.net/keys/analytics-legacy-import": {
        "key_lineage": "oci_export_software",
        "key_material_id": "mat-analytics-legacy",
    },
}
"""The tags that carry role, peer cloud and key lineage (the estate shows none)."""
AUTHZ = f"{SUB}/providers/Microsoft.Authorization"
EXTRA_RESOURCES: dict[str, tuple[str, str, dict[str, Any]]] = {
    f"{AUTHZ}/roleAssignments/0b6f1e2d-3c4a-4d5e-8f90-1a2b3c4d5e6f": (
        "Owner / Group 4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
        "role",
        {"is_admin": True, "federated_providers": [], "external_accounts": []},
    ),
    f"{AUTHZ}/roleAssignments/6e7f8a9b-0c1d-4e2f-9a3b-4c5d6e7f8a9b": (
        "Reader / ServicePrincipal 2c9e4f1a-7b3d-4e5f-8a6b-0c1d2e3f4a5b",
        "role",
        {"is_admin": False, "federated_providers": [], "external_accounts": []},
    ),
    f"{AUTHZ}/roleDefinitions/5d2e8f3a-1b4c-4d6e-9f7a-8b9c0d1e2f3a": (
        "acme-network-operator",
        "policy",
        {
            "grants_full_admin": False,
            "statements": [
                "Microsoft.Network/*/read",
                "Microsoft.Network/virtualNetworkGateways/reset/action",
            ],
            "attached_to": [],
            "provider_managed": False,
        },
    ),
    f"{NETWORK}/virtualNetworks/vnet-app": (
        "vnet-app",
        "net.network",
        {"cidr_blocks": ["10.40.0.0/16"], "flow_logs_enabled": True},
    ),
    f"{NETWORK}/virtualNetworks/vnet-app/subnets/app": (
        "app",
        "net.subnet",
        {
            "network_uid": f"{NETWORK}/virtualNetworks/vnet-app",
            "cidr": "10.40.1.0/24",
            "public_ip_on_launch": False,
        },
    ),
    f"{NETWORK}/virtualNetworks/vnet-app/subnets/GatewaySubnet": (
        "GatewaySubnet",
        "net.subnet",
        {
            "network_uid": f"{NETWORK}/virtualNetworks/vnet-app",
            "cidr": "10.40.255.0/27",
            "public_ip_on_launch": False,
        },
    ),
}
"""Role assignments, custom roles, the VNet and its subnets, which the hand-written estate
does not model."""
EXTRA_EDGES = {
    (f"{NETWORK}/virtualNetworks/vnet-app/subnets/{s}", f"{NETWORK}/virtualNetworks/vnet-app")
    for s in ("app", "GatewaySubnet")
} | {(f"{NETWORK}/networkSecurityGroups/nsg-app", f"{NETWORK}/virtualNetworks/vnet-app")}
"""``member_of`` edges: subnets and the NSG guarding one → the VNet."""


@pytest.fixture(scope="module")
def collected() -> Any:
    return collect_reference_azure()


def source() -> Snapshot:
    """The expected Azure part, with the reference estate's manifest."""
    document = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    estate = REPO / "fixtures" / "estates" / "reference" / "source.yaml"
    manifest = yaml.safe_load(estate.read_text(encoding="utf-8"))["manifest"]
    return Snapshot.model_validate({"manifest": manifest, "edges": [], **document})


def comparable(resource: Any) -> dict[str, Any]:
    return resource.model_dump(mode="json", exclude={"raw"})


def test_the_reference_estate_is_reproduced_exactly(collected: Any) -> None:
    snapshot, _, server = collected
    assert server.unmatched == []
    expected = {}
    for resource in source().resources:
        if resource.cloud != "azure" or resource.uid == ENTRA_DOMAIN:
            continue
        wanted = comparable(resource)
        wanted["props"] = {**wanted["props"], **EXTRA_PROPS.get(resource.uid, {})}
        wanted["tags"] = {**wanted["tags"], **EXTRA_TAGS.get(resource.uid, {})}
        expected[resource.uid] = wanted
    got = {r.uid: comparable(r) for r in snapshot.resources if r.uid not in EXTRA_RESOURCES}
    assert got == expected
    extras = {
        r.uid: (r.name, r.kind, r.props) for r in snapshot.resources if r.uid in EXTRA_RESOURCES
    }
    assert extras == EXTRA_RESOURCES
    assert {(e.src, e.dst) for e in snapshot.edges} == EXTRA_EDGES
    assert {(e.kind, e.provenance) for e in snapshot.edges} == {("member_of", "api")}


def test_the_forbidden_rotation_policy_is_the_estate_gap(collected: Any) -> None:
    snapshot, _, _ = collected
    (expected,) = [g for g in source().gaps if g.cloud == "azure"]
    # The collector names operations by the SDK-style read it makes.
    assert snapshot.gaps == [expected.model_copy(update={"operation": "get_key_rotation_policy"})]


def test_manifest_names_subscription_regions_and_caller(collected: Any) -> None:
    snapshot, _, _ = collected
    scope = snapshot.manifest.scope["azure"]
    assert scope.accounts == [SUBSCRIPTION]
    assert scope.regions == ["northeurope", "westeurope"]
    assert scope.caller == source().manifest.scope["azure"].caller
    assert set(snapshot.manifest.sdk_versions) == {
        "azure-identity",
        "azure-mgmt-authorization",
        "azure-mgmt-keyvault",
        "azure-mgmt-network",
        "azure-mgmt-security",
        "azure-mgmt-storage",
    }


def test_every_request_is_a_read_with_a_bearer_token(collected: Any) -> None:
    _, clients, server = collected
    assert {r.method for r in server.requests} == {"GET"}
    assert all(r.bearer for r in server.requests)
    assert {entry.split(" ", 1)[0] for entry in clients.log.requests} == {"GET"}
    assert clients.log.requests == {f"{r.method} {r.path}" for r in server.requests}


def test_declared_permissions_are_what_the_collector_calls() -> None:
    declared = set(required_permissions())
    called = reference_operations()
    assert all(is_read_only(op.split(".", 1)[1]) for op in declared)
    # The reference estate has no ExpressRoute Direct port and names no subscription:
    # those two reads are proven in test_azure_faults.py.
    assert declared - called == {
        "resources.get_subscription",
        "connectivity.get_express_route_port",
    }
    assert called <= declared


def reference_operations() -> set[str]:
    from scanner.collectors.azure.clients import AzureOptions
    from scanner.collectors.azure.collector import collect_azure

    with token_env(), reference_server() as server:
        _, collected, _ = collect_azure(AzureOptions(arm_endpoint=server.url, max_attempts=1))
    return set(collected.operations)


def test_permissions_azure_prints_the_role_from_the_declarations() -> None:
    result = CliRunner().invoke(app, ["permissions", "azure"])
    assert result.exit_code == 0
    document, note = result.stdout.split("\n}\n")
    role = yaml.safe_load(document + "}")
    declared = required_permissions().values()
    assert role["Actions"] == sorted({a for a in declared if not a.startswith("data:")})
    assert role["DataActions"] == ["Microsoft.KeyVault/vaults/keys/rotationpolicy/read"]
    assert role["AssignableScopes"] == ["/subscriptions/<subscription-id>"]
    assert all(a.endswith("/read") for a in role["Actions"] + role["DataActions"])
    assert "Microsoft Graph" in note and "not collected" in note


def test_collect_cloud_azure_writes_the_snapshot(tmp_path: Path) -> None:
    with token_env(), reference_server() as server:
        result = CliRunner().invoke(
            app,
            ["collect", "--cloud", "azure", "--out", str(tmp_path / "snap"), "--quiet"],
            env={"AUDITGRAPH_AZURE_ARM_ENDPOINT": server.url},
        )
    assert result.exit_code == 0, result.stderr
    assert "19 resources, 3 edges, 1 collection gaps" in result.stdout
    snapshot = read_snapshot(tmp_path / "snap")
    assert {r.type for r in snapshot.resources} == {
        "azure.subscription",
        "azure.storage.account",
        "azure.storage.account.geo_secondary",
        "azure.keyvault.vault",
        "azure.keyvault.managed_hsm",
        "azure.keyvault.key",
        "azure.keyvault.managed_hsm_key",
        "azure.monitor.activity_log_export",
        "azure.network.nsg",
        "azure.network.express_route_circuit",
        "azure.network.vpn_connection",
        "azure.authorization.role_assignment",
        "azure.authorization.role_definition",
        "azure.network.vnet",
        "azure.network.subnet",
    }


def test_scan_cloud_azure_collects_and_evaluates(tmp_path: Path) -> None:
    estate = REPO / "fixtures" / "estates" / "reference" / "estate.yaml"
    with token_env(), reference_server() as server:
        result = CliRunner().invoke(
            app,
            [
                "scan",
                "--cloud",
                "azure",
                "--config",
                str(estate),
                "--out",
                str(tmp_path),
                "--format",
                "json",
                "--quiet",
            ],
            env={"AUDITGRAPH_AZURE_ARM_ENDPOINT": server.url},
        )
    assert result.exit_code == 0, result.stderr
    findings = yaml.safe_load((tmp_path / "findings.json").read_text(encoding="utf-8"))
    outcome = {
        (f["control_id"], f["resource_name"], f["status"])
        for f in findings["findings"]
        if f["status"] in ("fail", "inconclusive")
    }
    # What the Azure part alone shows: the planted problems P06, P08, P09 and P16, the
    # single-tunnel backup VPN, and the forbidden rotation policy.
    assert outcome == {
        ("EIT-001", "acmeweucustomers", "fail"),
        ("KMS-002", "app-secrets-key", "fail"),
        ("KMS-002", "payments-signing", "inconclusive"),
        ("ICN-001", "er-oci-interconnect-ams", "fail"),
        ("ICN-007", "vpn-backup-oci", "fail"),
        ("MON-001", "acme-azure-prod", "fail"),
    }


def test_collection_is_deterministic_and_keeps_no_replay_address(collected: Any) -> None:
    first, _, server = collected
    again, _, _ = collect_reference_azure()
    text = first.model_dump_json(exclude={"manifest"})
    assert text == again.model_dump_json(exclude={"manifest"})
    assert server.url not in text and "127.0.0.1" not in text


def test_auditgraph_scan_as_a_process_with_endpoint_and_token_variables(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.support.azure_replay import fake_token

    estate = REPO / "fixtures" / "estates" / "reference" / "estate.yaml"
    with reference_server() as server:
        env = {
            **os.environ,
            "AUDITGRAPH_AZURE_ARM_ENDPOINT": server.url,
            "AUDITGRAPH_AZURE_ARM_TOKEN": fake_token(),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "scanner",
                "scan",
                "--cloud",
                "azure",
                "--config",
                str(estate),
                "--out",
                str(tmp_path),
                "--format",
                "json",
                "--quiet",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert server.unmatched == []
    assert {r.method for r in server.requests} == {"GET"}
    snapshot = read_snapshot(tmp_path / "snapshot")
    assert snapshot.manifest.scope["azure"].caller == "app:7d9e2f41-0c3a-4b5e-8f61-2a9c4e8d1b07"
    assert len(snapshot.resources) == 19
