"""Vault / Key Management collector: the real SDK against the replay server.

The reference fixtures must produce the vault and keys of the reference estate exactly;
every injected failure must become the right gap while the rest is still collected.
"""

from __future__ import annotations

import os

os.environ["OCI_SDK_DEFAULT_RETRY_ENABLED"] = "false"

import copy
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.collectors.base import Collected
from scanner.collectors.oci import kms
from scanner.collectors.oci.clients import OciOptions
from scanner.collectors.oci.collector import Service, collect_oci
from scanner.model import CollectionGap, Resource, Snapshot
from tests.support.oci_replay import (
    OciReplayServer,
    RecordedRequest,
    Route,
    load_routes,
    write_oci_config,
)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "oci" / "reference"
SOURCE = ROOT / "fixtures" / "oci" / "reference-expected.yaml"

TENANCY = "ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
ROOT_COMPARTMENT = TENANCY
DATA_PLATFORM = "ocid1.compartment.oc1..aaaaaaaadataplatform2w"
NETWORK = "ocid1.compartment.oc1..aaaaaaaanetwork8s"
FRA, AMS = "eu-frankfurt-1", "eu-amsterdam-1"

HSM_VAULT = "ocid1.vault.oc1.eu-frankfurt-1.aaaaaaaaacmehsmvault6t"
NETWORK_VAULT = "ocid1.vault.oc1.eu-frankfurt-1.aaaaaaaanetworkvault4k"
DATALAKE_KEY = "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaadatalakemaster2c"
LEGACY_KEY = "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"
HSM_MGMT = "/kms/acmehsmvault6t-management/20180608"

SERVICES = (Service(kms.SERVICE, kms.collect, True, kms.PERMISSIONS),)

NETWORK_VAULT_PROPS = {"vault_type": "DEFAULT", "hsm_backed": True, "replica_regions": []}
VERSION_COUNTS = {DATALAKE_KEY: 3, LEGACY_KEY: 3}
"""Not in the reference estate's source: the one prop the collector adds to its keys."""


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


def reference_routes() -> list[Route]:
    return load_routes([FIXTURES / "scope.yaml", FIXTURES / "kms.yaml"])


def source_resources() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    return {r["uid"]: r for r in doc["resources"] if r["cloud"] == "oci"}


def fault(path: str, status: int, code: str, query: dict[str, str] | None = None) -> Route:
    return Route(
        path=path,
        query=query or {},
        status=status,
        body={"code": code, "message": f"injected {status}"},
    )


def route(routes: list[Route], path: str) -> Route:
    return next(r for r in routes if r.path == path)


Run = Callable[[list[Route]], tuple[Snapshot, Collected, list[RecordedRequest]]]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    config = write_oci_config(tmp_path, TENANCY)

    def _run(routes: list[Route]) -> tuple[Snapshot, Collected, list[RecordedRequest]]:
        with OciReplayServer(routes) as server:
            options = OciOptions(config_file=config, endpoint=server.endpoint, retry_attempts=1)
            snapshot, collected = collect_oci(options, services=SERVICES)
            return snapshot, collected, list(server.requests)

    return _run


def kms_resources(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.uid: r for r in snapshot.resources if r.type in (kms.VAULT_TYPE, kms.KEY_TYPE)}


def gap_view(gap: CollectionGap) -> tuple[Any, ...]:
    return (
        gap.service,
        gap.operation,
        gap.error_class,
        gap.region,
        gap.resource_type,
        gap.kind,
        gap.resource_uid,
        gap.fields,
    )


def expected_props(uid: str) -> dict[str, Any]:
    props = dict(source_resources()[uid]["props"])
    if uid in VERSION_COUNTS:
        props["version_count"] = VERSION_COUNTS[uid]
    return props


# ───────────────────────────────────── reference estate ─────────────────────────────────────


def test_reference_vault_and_keys_are_exactly_those_of_the_estate(run: Run) -> None:
    snapshot, _, _ = run(reference_routes())
    assert snapshot.gaps == []
    found = kms_resources(snapshot)
    assert set(found) == {HSM_VAULT, NETWORK_VAULT, DATALAKE_KEY, LEGACY_KEY}
    source = source_resources()
    for uid in (HSM_VAULT, DATALAKE_KEY, LEGACY_KEY):
        resource, expected = found[uid], source[uid]
        assert (resource.cloud.value, resource.account, resource.region) == (
            expected["cloud"],
            expected["account"],
            expected["region"],
        )
        assert (resource.type, resource.kind, resource.name) == (
            expected["type"],
            expected["kind"],
            expected["name"],
        )
        assert resource.props == expected_props(uid)
    network = found[NETWORK_VAULT]
    assert (network.region, network.kind, network.name) == (FRA, "vault", "network-secrets-vault")
    assert network.props == NETWORK_VAULT_PROPS


def test_key_props_in_detail(run: Run) -> None:
    snapshot, _, _ = run(reference_routes())
    found = kms_resources(snapshot)
    datalake, legacy = found[DATALAKE_KEY], found[LEGACY_KEY]
    assert datalake.props == {
        "protection": "hsm",
        "algorithm": "AES",
        "length_bits": 256,
        "origin": "imported",
        "lineage": "imported_from_hsm",
        "material_id": "mat-datalake-2026",
        "rotation_enabled": True,
        "rotation_period_days": 180,
        "last_rotated": "2026-09-14T08:00:00Z",
        "state": "enabled",
        "vault_uid": HSM_VAULT,
        "version_count": 3,
    }
    # Lineage and material from defined tags; the tags stay on the resource.
    assert legacy.tags == {
        "security.key_lineage": "oci_export_software",
        "security.key_material_id": "mat-analytics-legacy",
    }
    assert legacy.props["origin"] == "generated"
    assert len(legacy.raw["key_versions"]) == 3  # both pages of list_key_versions
    assert found[HSM_VAULT].raw["vault_replicas"][0]["region"] == AMS


def test_replica_and_deleted_resources_are_not_collected(run: Run) -> None:
    snapshot, _, requests = run(reference_routes())
    vaults = [r for r in snapshot.resources if r.type == kms.VAULT_TYPE]
    assert [(v.uid, v.region) for v in vaults if v.uid == HSM_VAULT] == [(HSM_VAULT, FRA)]
    assert not [r for r in snapshot.resources if r.region == AMS and r.type.startswith("oci.kms")]
    paths = [r.path for r in requests]
    # The replica's endpoint, the deleted vault's and the deleted key are never called.
    assert not [p for p in paths if "replica-management" in p or "oldvpnvault2x" in p]
    assert not [p for p in paths if "oldetlkey5d" in p]
    assert "old-etl-key" not in {r.name for r in snapshot.resources}


def test_requests_are_signed_reads_and_every_page_is_read(run: Run) -> None:
    _, _, requests = run(reference_routes())
    assert requests and all(r.signed and r.method == "GET" for r in requests)
    paged = {(r.path, r.query.get("compartmentId")) for r in requests if r.query.get("page")}
    assert (f"/{FRA}/20180608/vaults", NETWORK) in paged
    assert (f"{HSM_MGMT}/keys", DATA_PLATFORM) in paged
    assert (f"{HSM_MGMT}/keys/{LEGACY_KEY}/keyVersions", None) in paged
    # Keys are listed on each vault's own endpoint, for every compartment in scope.
    for endpoint in (HSM_MGMT, "/kms/networkvault4k-management/20180608"):
        listed = {r.query.get("compartmentId") for r in requests if r.path == f"{endpoint}/keys"}
        assert listed == {ROOT_COMPARTMENT, DATA_PLATFORM, NETWORK}


def test_operations_are_exactly_the_declared_permissions(run: Run) -> None:
    _, collected, _ = run(reference_routes())
    called = {op for op in collected.operations if op.startswith(f"{kms.SERVICE}.")}
    assert called == {f"{kms.SERVICE}.{op}" for op in kms.PERMISSIONS}
    for need in kms.PERMISSIONS.values():
        verb, resource = need.split(" ")
        assert verb in {"inspect", "read"}
        assert resource in {"vaults", "keys"}


# ───────────────────────────────────── fault injection ──────────────────────────────────────


def test_throttled_get_key_keeps_what_the_summary_tells(run: Run) -> None:
    routes = [fault(f"{HSM_MGMT}/keys/{DATALAKE_KEY}", 429, "TooManyRequests"), *reference_routes()]
    snapshot, _, _ = run(routes)
    assert [gap_view(g) for g in snapshot.gaps] == [
        (
            "kms",
            "get_key",
            "TooManyRequests",
            FRA,
            kms.KEY_TYPE,
            "key",
            DATALAKE_KEY,
            ["length_bits", "rotation_period_days", "last_rotated", "origin"],
        )
    ]
    assert "429" in snapshot.gaps[0].message
    found = kms_resources(snapshot)
    assert found[DATALAKE_KEY].props == {
        "protection": "hsm",
        "algorithm": "AES",
        "lineage": "imported_from_hsm",
        "material_id": "mat-datalake-2026",
        "rotation_enabled": True,
        "state": "enabled",
        "vault_uid": HSM_VAULT,
        "version_count": 3,
    }
    assert found[LEGACY_KEY].props == expected_props(LEGACY_KEY)
    assert found[HSM_VAULT].props == expected_props(HSM_VAULT)


def test_server_error_on_key_versions_leaves_rotation_unknown(run: Run) -> None:
    versions = f"{HSM_MGMT}/keys/{LEGACY_KEY}/keyVersions"
    snapshot, _, _ = run([fault(versions, 500, "InternalServerError"), *reference_routes()])
    assert [gap_view(g) for g in snapshot.gaps] == [
        (
            "kms",
            "list_key_versions",
            "ServerError500",
            FRA,
            kms.KEY_TYPE,
            "key",
            LEGACY_KEY,
            ["last_rotated", "version_count", "origin"],
        )
    ]
    found = kms_resources(snapshot)
    legacy = expected_props(LEGACY_KEY)
    for missing in ("last_rotated", "version_count", "origin"):
        legacy.pop(missing)
    assert found[LEGACY_KEY].props == legacy
    assert found[DATALAKE_KEY].props == expected_props(DATALAKE_KEY)


def test_forbidden_vault_replicas_leave_replica_regions_unknown(run: Run) -> None:
    replicas = f"/{FRA}/20180608/vaults/{HSM_VAULT}/actions/listReplicas"
    snapshot, _, _ = run([fault(replicas, 403, "NotAuthorizedOrNotFound"), *reference_routes()])
    assert [gap_view(g) for g in snapshot.gaps] == [
        (
            "kms",
            "list_vault_replicas",
            "NotAuthorizedOrNotFound",
            FRA,
            kms.VAULT_TYPE,
            "vault",
            HSM_VAULT,
            ["replica_regions"],
        )
    ]
    found = kms_resources(snapshot)
    assert found[HSM_VAULT].props == {"vault_type": "VIRTUAL_PRIVATE", "hsm_backed": True}
    assert found[DATALAKE_KEY].props == expected_props(DATALAKE_KEY)
    assert found[LEGACY_KEY].props == expected_props(LEGACY_KEY)


def test_forbidden_get_vault_still_lists_its_keys(run: Run) -> None:
    vault = f"/{FRA}/20180608/vaults/{HSM_VAULT}"
    snapshot, _, requests = run([fault(vault, 403, "NotAuthorizedOrNotFound"), *reference_routes()])
    assert [gap_view(g) for g in snapshot.gaps] == [
        (
            "kms",
            "get_vault",
            "NotAuthorizedOrNotFound",
            FRA,
            kms.VAULT_TYPE,
            "vault",
            HSM_VAULT,
            ["replica_regions"],
        )
    ]
    found = kms_resources(snapshot)
    assert found[HSM_VAULT].props == {"vault_type": "VIRTUAL_PRIVATE", "hsm_backed": True}
    assert found[HSM_VAULT].name == "acme-hsm-vault"
    assert found[DATALAKE_KEY].props == expected_props(DATALAKE_KEY)
    assert not [r for r in requests if r.path.endswith("/actions/listReplicas")]


def test_missing_vault_listing_is_a_scope_gap(run: Run) -> None:
    routes = [
        fault(
            f"/{AMS}/20180608/vaults", 404, "NotAuthorizedOrNotFound", {"compartmentId": NETWORK}
        ),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    assert [gap_view(g) for g in snapshot.gaps] == [
        ("kms", "list_vaults", "NotAuthorizedOrNotFound", AMS, kms.VAULT_TYPE, "vault", None, None)
    ]
    found = kms_resources(snapshot)
    assert set(found) == {HSM_VAULT, NETWORK_VAULT, DATALAKE_KEY, LEGACY_KEY}
    assert all(found[uid].props == expected_props(uid) for uid in (HSM_VAULT, DATALAKE_KEY))


def test_forbidden_key_listing_in_one_compartment_keeps_the_others(run: Run) -> None:
    routes = [
        fault(f"{HSM_MGMT}/keys", 403, "NotAuthorizedOrNotFound", {"compartmentId": TENANCY}),
        *reference_routes(),
    ]
    snapshot, _, _ = run(routes)
    assert [gap_view(g) for g in snapshot.gaps] == [
        ("kms", "list_keys", "NotAuthorizedOrNotFound", FRA, kms.KEY_TYPE, "key", None, None)
    ]
    found = kms_resources(snapshot)
    assert found[DATALAKE_KEY].props == expected_props(DATALAKE_KEY)
    assert found[LEGACY_KEY].props == expected_props(LEGACY_KEY)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/kms/unreachable-management"


def test_unreachable_management_endpoint_is_a_key_gap_not_an_empty_vault(run: Run) -> None:
    routes = reference_routes()
    unreachable = closed_port_url()
    vault = route(routes, f"/{FRA}/20180608/vaults/{HSM_VAULT}")
    vault.body = {**copy.deepcopy(vault.body), "managementEndpoint": unreachable}
    snapshot, _, requests = run(routes)
    assert len(snapshot.gaps) == 1  # the other compartments are not tried again
    gap = snapshot.gaps[0]
    assert (gap.service, gap.operation, gap.region, gap.resource_type, gap.kind) == (
        "kms",
        "list_keys",
        FRA,
        kms.KEY_TYPE,
        "key",
    )
    assert (gap.resource_uid, gap.fields) == (None, None)
    assert gap.error_class == "RequestException"  # the SDK's wrapper of transport errors
    assert "Connection refused" in gap.message
    found = kms_resources(snapshot)
    assert set(found) == {HSM_VAULT, NETWORK_VAULT}
    assert found[HSM_VAULT].props == expected_props(HSM_VAULT)
    # The gap covers every key of the region: the keys are unknown, not absent.
    assert gap.covers(source_resource(DATALAKE_KEY))
    assert not [r for r in requests if r.path.startswith(HSM_MGMT)]


def source_resource(uid: str) -> Resource:
    return Resource.model_validate(source_resources()[uid])


# ─────────────────────────────────────── pure mapping ───────────────────────────────────────


def key_payload(**overrides: Any) -> dict[str, Any]:
    """A key as ``get_key`` + ``list_key_versions`` render through ``to_plain``."""
    payload: dict[str, Any] = {
        "id": "ocid1.key.oc1.eu-frankfurt-1.k",
        "display_name": "k",
        "vault_id": "ocid1.vault.oc1.eu-frankfurt-1.v",
        "lifecycle_state": "PENDING_DELETION",
        "protection_mode": "HSM",
        "current_key_version": "kv2",
        "key_shape": {"algorithm": "AES", "length": 16, "curve_id": None},
        "is_auto_rotation_enabled": False,
        "auto_key_rotation_details": None,
        "external_key_reference_details": None,
        "freeform_tags": {},
        "defined_tags": {},
        "_detail_collected": True,
        "_versions": [
            {"id": "kv1", "origin": "INTERNAL", "time_created": "2025-01-01T00:00:00+00:00"},
            {"id": "kv2", "origin": "INTERNAL", "time_created": "2025-06-01T10:20:30.456+00:00"},
        ],
    }
    payload.update(overrides)
    return payload


def test_key_without_rotation_dates_from_its_current_version() -> None:
    resource = kms.to_key_resource(key_payload(), TENANCY, FRA)
    assert resource.props == {
        "protection": "hsm",
        "algorithm": "AES",
        "length_bits": 128,
        "origin": "generated",
        "rotation_enabled": False,
        "last_rotated": "2025-06-01T10:20:30Z",
        "state": "pending_deletion",
        "vault_uid": "ocid1.vault.oc1.eu-frankfurt-1.v",
        "version_count": 2,
    }


def test_last_rotated_is_the_newest_of_rotation_and_current_version() -> None:
    rotation = {"rotation_interval_in_days": 90, "time_of_last_rotation": "2025-07-01T00:00:00Z"}
    payload = key_payload(is_auto_rotation_enabled=True, auto_key_rotation_details=rotation)
    props = kms.to_key_resource(payload, TENANCY, FRA).props
    assert (props["last_rotated"], props["rotation_period_days"]) == ("2025-07-01T00:00:00Z", 90)


def test_external_key_and_ecdsa_lengths() -> None:
    external = key_payload(
        protection_mode="EXTERNAL",
        external_key_reference_details={
            "external_key_id": "ekm-123",
            "external_key_version_id": "1",
        },
        _versions=[{"id": "kv2", "origin": "EXTERNAL", "time_created": "2025-06-01T00:00:00Z"}],
    )
    props = kms.to_key_resource(external, TENANCY, FRA).props
    assert (props["protection"], props["origin"], props["external_key_id"]) == (
        "external",
        "external",
        "ekm-123",
    )
    ecdsa = key_payload(key_shape={"algorithm": "ECDSA", "length": 66, "curve_id": "NIST_P521"})
    assert kms.to_key_resource(ecdsa, TENANCY, FRA).props["length_bits"] == 521
    rsa = key_payload(key_shape={"algorithm": "RSA", "length": 512})
    assert kms.to_key_resource(rsa, TENANCY, FRA).props["length_bits"] == 4096


def test_unknown_enum_values_stay_absent() -> None:
    payload = key_payload(
        protection_mode="UNKNOWN_ENUM_VALUE", lifecycle_state="UNKNOWN_ENUM_VALUE"
    )
    props = kms.to_key_resource(payload, TENANCY, FRA).props
    assert "protection" not in props and "state" not in props
    assert props["origin"] == "generated"  # the version still says who made the material


def vault_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": "ocid1.vault.oc1.eu-frankfurt-1.v",
        "display_name": "v",
        "vault_type": "EXTERNAL",
        "is_primary": True,
        "is_vault_replicable": True,
        "_detail_collected": True,
        "_replicas": [
            {"region": AMS, "status": "CREATED"},
            {"region": "eu-madrid-1", "status": "DELETED"},
        ],
    }
    payload.update(overrides)
    return payload


def test_vault_types_and_replicas() -> None:
    external = kms.to_vault_resource(vault_payload(), TENANCY, FRA)
    assert external.props == {
        "vault_type": "EXTERNAL",
        "hsm_backed": False,
        "replica_regions": [AMS],
    }
    unknown = kms.to_vault_resource(
        vault_payload(vault_type="UNKNOWN_ENUM_VALUE", _replicas=None, _detail_collected=False),
        TENANCY,
        FRA,
    )
    assert unknown.props == {}
