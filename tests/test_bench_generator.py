"""The benchmark's synthetic estate generator: deterministic, valid, and graph-shaped."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.generate import estate_config, generate_estate
from scanner.graph import build_graph
from scanner.model import Resource, Snapshot
from scanner.snapshot import read_snapshot, write_snapshot

N = 500


@pytest.fixture(scope="module")
def estate() -> Snapshot:
    return generate_estate(N, seed=7)


def test_same_seed_gives_the_same_estate(estate: Snapshot) -> None:
    again = generate_estate(N, seed=7)
    assert again.model_dump(mode="json") == estate.model_dump(mode="json")


def test_another_seed_gives_another_estate(estate: Snapshot) -> None:
    other = generate_estate(N, seed=8)
    assert [r.uid for r in other.resources] != [r.uid for r in estate.resources]


def test_size_and_cloud_mix(estate: Snapshot) -> None:
    assert 0.9 * N <= len(estate.resources) <= 1.1 * N
    clouds = Counter(resource.cloud.value for resource in estate.resources)
    assert clouds["oci"] > clouds["aws"] > clouds["azure"] > 0
    assert len({resource.uid for resource in estate.resources}) == len(estate.resources)


def test_every_resource_validates(estate: Snapshot) -> None:
    # Constructing a Resource validates its props against the kind's schema; re-validating
    # the dumped form proves the generated data round-trips through the contract.
    for resource in estate.resources:
        Resource.model_validate(resource.model_dump(mode="json"))


def test_kinds_present(estate: Snapshot) -> None:
    kinds = {resource.kind for resource in estate.resources}
    assert {"store.object", "key", "net.firewall", "trust.saml", "idp"} <= kinds
    assert {"vault", "idp.app", "account", "log.trail", "link.vpn"} <= kinds


def test_graph_has_cross_cloud_replication(estate: Snapshot) -> None:
    graph = build_graph(estate)
    cross_cloud = [
        edge
        for edge in graph.edges
        if edge.kind == "replicates_to"
        and edge.dst in graph.resources
        and graph.resources[edge.src].cloud != graph.resources[edge.dst].cloud
    ]
    assert cross_cloud
    kinds = {edge.kind for edge in graph.edges}
    assert {"encrypted_by", "hosted_in", "trusts_idp", "served_by"} <= kinds


def test_gaps_and_config(estate: Snapshot) -> None:
    assert estate.gaps
    params = estate_config(estate).params
    idps = {r.props["entity_id"] for r in estate.resources if r.kind == "idp"}
    assert set(params.approved_idp_entity_ids) == idps


def test_snapshot_roundtrip(estate: Snapshot, tmp_path: Path) -> None:
    written = write_snapshot(estate, tmp_path / "estate")
    read = read_snapshot(tmp_path / "estate")
    assert read.model_dump(mode="json") == written.model_dump(mode="json")
    assert [r.uid for r in read.resources] == [r.uid for r in estate.resources]
