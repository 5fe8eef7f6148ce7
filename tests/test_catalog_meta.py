"""Meta tests over the bundled catalog: grammar, params, mappings, coverage, and that every
control reads only what the OCI or AWS collectors really produce."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from scanner.bundled import controls_dir
from scanner.config import Params
from scanner.engine.catalog import CompiledControl, check_catalog, load_catalog
from scanner.engine.examples import run_example
from scanner.frameworks import coverage_problems, framework_coverage
from scanner.model import FRAMEWORK_IDS
from scanner.snapshot import read_snapshot

ROOT = Path(__file__).resolve().parents[1]
CATALOG = load_catalog(controls_dir())
IDS = tuple(c.id for c in CATALOG.controls)
GOLDEN = ROOT / "tests" / "data" / "control_mappings.yaml"
REFERENCE = read_snapshot(ROOT / "fixtures" / "estates" / "reference" / "snapshot")
COLLECTED = [r for r in REFERENCE.resources if r.cloud.value in ("oci", "aws")]
"""The OCI and AWS parts of the reference estate: the collectors' own output."""

DOMAIN_PREFIXES = {
    "identity": "IDF",
    "mfa": "MFA",
    "privileged-access": "PAM",
    "encryption-at-rest": "EAR",
    "encryption-in-transit": "EIT",
    "keys": "KMS",
    "network": "NET",
    "interconnect": "ICN",
    "residency": "RES",
    "logging": "LOG",
    "monitoring": "MON",
    "resilience": "BDR",
}
_RESOURCE_PROP = re.compile(r"\bresource\.props\.([A-Za-z_]\w*)")

CROSS_CLOUD = [
    *("BDR-006", "BDR-007", "EAR-007", "ICN-004", "IDF-001", "KMS-006", "KMS-007", "KMS-008"),
    *("KMS-010", "LOG-005", "MFA-003", "RES-003", "RES-005", "RES-008", "RES-009"),
]


def _control(control_id: str) -> CompiledControl:
    compiled = CATALOG.get(control_id)
    assert compiled is not None
    return compiled


def test_the_catalog_has_sixty_controls_over_the_twelve_domains() -> None:
    assert len(IDS) == 60
    assert len(set(IDS)) == len(IDS)
    domains = Counter(c.control.domain for c in CATALOG.controls)
    assert set(domains) == set(DOMAIN_PREFIXES)


@pytest.mark.parametrize("control_id", IDS)
def test_id_grammar_matches_the_domain(control_id: str) -> None:
    control = _control(control_id).control
    assert re.fullmatch(r"[A-Z]{3}-\d{3}", control_id)
    assert control_id.split("-")[0] == DOMAIN_PREFIXES[control.domain]


@pytest.mark.parametrize("control_id", IDS)
def test_every_bundled_control_that_follows_edges_declares_its_graph_scope(
    control_id: str,
) -> None:
    control = _control(control_id).control
    texts = f"{control.when or ''} {control.expression}"
    follows = re.search(r"\b(out|inbound|reach)\(", texts) is not None
    assert (control.graph_scope in ("graph", "cross-cloud")) == follows


def test_cross_cloud_controls_are_exactly_the_declared_ones() -> None:
    declared = sorted(c.id for c in CATALOG.controls if c.control.graph_scope == "cross-cloud")
    assert declared == sorted(CROSS_CLOUD)


@pytest.mark.parametrize("control_id", CROSS_CLOUD)
def test_cross_cloud_control_has_a_failing_example_that_crosses_clouds(control_id: str) -> None:
    compiled = _control(control_id)
    crossing = [
        example
        for example in compiled.control.examples
        if example.expect == "fail"
        and any(
            item.get("cloud", "oci") != example.resource.get("cloud", "oci")
            for item in example.related
        )
    ]
    assert crossing, f"{control_id} has no failing example across clouds"
    for example in crossing:
        result = run_example(compiled, example)
        assert result.actual == "fail", (example.name, result.reason)


@pytest.mark.parametrize("control_id", IDS)
def test_every_param_read_has_a_documented_default(control_id: str) -> None:
    defaults = Params()
    for name in _control(control_id).control.params:
        assert name in Params.model_fields
        assert Params.model_fields[name].description, f"param {name} is undocumented"
        assert getattr(defaults, name) is not None


@pytest.mark.parametrize("control_id", IDS)
def test_every_mapping_has_a_rationale(control_id: str) -> None:
    mapping = _control(control_id).control.mapping
    assert mapping is not None and len(mapping.rationale) > 20


@pytest.mark.parametrize("control_id", IDS)
def test_control_kinds_are_produced_by_a_collector(control_id: str) -> None:
    """Some OCI or AWS resource of the estate is of a kind (and cloud) the control reads."""
    applies = _control(control_id).control.applies_to
    clouds = {c.value for c in applies.clouds}
    produced = [r for r in COLLECTED if r.kind in applies.kinds and r.cloud.value in clouds]
    assert produced, f"{control_id}: no collector produces {applies.kinds} in {sorted(clouds)}"


@pytest.mark.parametrize("control_id", IDS)
def test_props_a_control_decides_on_are_filled_by_a_collector(control_id: str) -> None:
    """Every props field the control's `when`/`expression` reads on its resource (beyond a
    has() guard) is present on at least one resource an OCI or AWS collector produced."""
    compiled = _control(control_id)
    applies = compiled.control.applies_to
    texts = [compiled.control.when or "", compiled.control.expression]
    read = {name for text in texts for name in _RESOURCE_PROP.findall(text)}
    clouds = {c.value for c in applies.clouds}
    produced = [r for r in COLLECTED if r.kind in applies.kinds and r.cloud.value in clouds]
    for name in sorted(read - compiled.guarded):
        assert any(name in r.props for r in produced), f"{control_id}: nobody fills {name}"


def test_golden_mapping_table() -> None:
    golden = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
    current = {
        c.id: {fid: list(c.control.maps_to.get(fid, [])) for fid in FRAMEWORK_IDS}
        for c in CATALOG.controls
    }
    assert current == golden


def test_declared_coverage_agrees_with_the_catalog() -> None:
    assert coverage_problems(CATALOG) == []


def test_coverage_counts() -> None:
    counts = {fid: framework_coverage(CATALOG, fid).counts() for fid in FRAMEWORK_IDS}
    assert counts == {
        "soc2": {"automated": 4, "partial": 13, "manual": 44},
        "iso27001_2022": {"automated": 10, "partial": 23, "manual": 60},
        "gdpr": {"automated": 2, "partial": 13, "manual": 7},
    }


def test_gdpr_articles_roll_up_their_sub_points() -> None:
    coverage = framework_coverage(CATALOG, "gdpr")
    by_id = {item.requirement.id: item for item in coverage.requirements}
    direct = {c.id for c in by_id["32(1)(a)"].controls} | {c.id for c in by_id["32(1)(d)"].controls}
    assert direct <= {c.id for c in by_id["32"].controls}
    assert {c.id for c in by_id["5(1)(f)"].controls} == {
        c.id for c in CATALOG.controls if "5(1)(f)" in c.control.maps_to.get("gdpr", [])
    }
    assert by_id["28(3)(c)"].controls == ()
    assert "44" not in {
        item.requirement.id for item in coverage.requirements if item.controls == ()
    }


def test_a_wrong_graph_scope_is_a_located_problem(tmp_path: Path) -> None:
    catalog = tmp_path / "controls"
    shutil.copytree(controls_dir(), catalog)
    path = catalog / "encryption.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: KMS-007")
    damaged = text[:start] + text[start:].replace(
        "graph_scope: cross-cloud", "graph_scope: resource", 1
    )
    path.write_text(damaged, encoding="utf-8")
    report = check_catalog(catalog)
    line = damaged.count("\n", 0, damaged.index("graph_scope: resource", start)) + 1
    assert [str(p) for p in report.problems] == [
        f"{path}:{line}:18 [KMS-007]: graph_scope is resource but the CEL follows edges"
    ]
