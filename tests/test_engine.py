"""Evaluation of controls over hand-built estates, and the graph they are evaluated on."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from typing import Any

import pytest

from scanner.bundled import controls_dir
from scanner.config import DeclaredLink, EstateConfig, Params
from scanner.engine.catalog import Catalog, CompiledControl, load_catalog
from scanner.engine.evaluate import EvaluationContext, Evaluator
from scanner.graph import EstateGraph, build_graph
from scanner.model import (
    CollectionGap,
    Edge,
    Finding,
    Manifest,
    Provenance,
    Resource,
    Snapshot,
    Status,
    finding_id,
)
from scanner.pipeline import evaluate_snapshot

NOW = "2026-11-01T00:00:00Z"

# A tiny catalog of test controls over `key` resources, written next to a copy of the
# bundled framework files.
_TEST_CONTROL = """
  - id: {id}
    title: {title}
    description: test control
    domain: test
    severity: low
    applies_to: {{kinds: [{kind}]}}
{extra}    expression: '{expression}'
    message: "{message}"
    maps_to: {{soc2: [CC6.1], iso27001_2022: ["8.24"], gdpr: ["32(1)(a)"]}}
"""

TEST_CONTROLS: dict[str, dict[str, str]] = {
    "TST-001": {"expression": 'resource.props.length_bits == "x"'},
    "TST-002": {"expression": "resource.props.length_bits"},
    "TST-003": {
        "expression": 'resource.props.length_bits >= 256 && resource.props.algorithm == "AES"'
    },
    "TST-004": {
        "expression": 'jurisdiction(resource.region) == "EU"',
        "extra": (
            "    details: 'jurisdiction(resource.region) + \" \" + country(resource.region)'\n"
        ),
        "message": "{resource.name} is in {details}",
    },
    "TST-005": {
        "expression": "true",
        "extra": "    when: resource.props.length_bits\n",
    },
    "TST-006": {
        "expression": 'resource.props.rotation_enabled ? resource.props.algorithm == "AES" : true'
    },
    "TST-007": {
        "expression": 'reach(resource, ["shares_key_with"]).size() > 0 || '
        'out(resource, "hosted_in").size() > 0',
    },
}


def _test_catalog_text() -> str:
    entries = []
    for control_id, spec in TEST_CONTROLS.items():
        entries.append(
            _TEST_CONTROL.format(
                id=control_id,
                title=f"test control {control_id}",
                kind=spec.get("kind", "key"),
                extra=spec.get("extra", ""),
                expression=spec["expression"],
                message=spec.get("message", "key {resource.name} fails"),
            )
        )
    return "controls:" + "".join(entries)


@pytest.fixture(scope="module")
def bundled() -> Catalog:
    return load_catalog(controls_dir())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("catalog")
    shutil.copytree(controls_dir() / "frameworks", root / "frameworks")
    (root / "tests.yaml").write_text(_test_catalog_text(), encoding="utf-8")
    return load_catalog(root)


def _control(catalog: Catalog, control_id: str) -> CompiledControl:
    control = catalog.get(control_id)
    assert control is not None, control_id
    return control


def res(uid: str, kind: str, props: dict[str, Any] | None = None, **fields: Any) -> Resource:
    data: dict[str, Any] = {
        "uid": uid,
        "cloud": "oci",
        "account": "acct-1",
        "region": "eu-frankfurt-1",
        "type": f"test.{kind}",
        "kind": kind,
        "name": uid,
        "props": props or {},
    }
    data.update(fields)
    return Resource.model_validate(data)


def snapshot_of(
    resources: Sequence[Resource],
    edges: Sequence[Edge] = (),
    gaps: Sequence[CollectionGap] = (),
) -> Snapshot:
    manifest = Manifest(scanner_version="test", started_at=NOW, finished_at=NOW)
    return Snapshot(
        manifest=manifest, resources=list(resources), edges=list(edges), gaps=list(gaps)
    )


def evaluate(
    control: CompiledControl,
    resources: Sequence[Resource],
    edges: Sequence[Edge] = (),
    gaps: Sequence[CollectionGap] = (),
    params: Params | None = None,
    declared: Sequence[DeclaredLink] = (),
) -> list[Finding]:
    snapshot = snapshot_of(resources, edges, gaps)
    context = EvaluationContext(
        graph=build_graph(snapshot, declared),
        gaps=snapshot.gaps,
        params=params or Params(),
        now=NOW,
        snapshot_digest="digest-1",
    )
    return list(Evaluator(context).evaluate_control(control))


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [(f.resource_uid, f.status) for f in findings]
    return findings[0]


def gap(**fields: Any) -> CollectionGap:
    data: dict[str, Any] = {
        "cloud": "oci",
        "service": "audit",
        "operation": "GetConfiguration",
        "error_class": "NotAuthorized",
        "message": "not authorized",
    }
    data.update(fields)
    return CollectionGap.model_validate(data)


def personal_store(uid: str, *targets: str, **fields: Any) -> Resource:
    props: dict[str, Any] = {"data_class": "personal"}
    if targets:
        props["replication_targets"] = [{"dst_uid": t} for t in targets]
    return res(uid, "store.object", props, **fields)


def store(uid: str, region: str, *targets: str, cloud: str = "aws") -> Resource:
    props: dict[str, Any] = {}
    if targets:
        props["replication_targets"] = [{"dst_uid": t} for t in targets]
    return res(uid, "store.object", props, cloud=cloud, region=region)


# --- pass / fail / inconclusive / error ----------------------------------------------


def test_pass(bundled: Catalog) -> None:
    control = _control(bundled, "LOG-001")
    finding = only(
        evaluate(control, [res("t1", "log.trail", {"is_logging": True, "multi_region": True})])
    )
    assert finding.status is Status.PASS
    assert finding.reason is None
    assert finding.message == f"{control.control.title}: satisfied"
    assert finding.finding_id == finding_id("LOG-001", "t1")
    assert finding.snapshot_digest == "digest-1"
    assert finding.frameworks == {k: v for k, v in sorted(control.control.maps_to.items())}
    assert finding.evidence.fields == {"props.is_logging": True, "props.multi_region": True}
    assert finding.evidence.related == []
    assert finding.evidence.gaps == []


def test_fail_fills_the_message(bundled: Catalog) -> None:
    finding = only(
        evaluate(
            _control(bundled, "LOG-001"),
            [res("t1", "log.trail", {"is_logging": True, "multi_region": False}, name="main")],
        )
    )
    assert finding.status is Status.FAIL
    assert finding.reason is None
    assert finding.message == "Audit trail main: logging=true, every region=false"


def test_missing_field_is_inconclusive_and_named(bundled: Catalog) -> None:
    finding = only(
        evaluate(_control(bundled, "LOG-001"), [res("t1", "log.trail", {"is_logging": True})])
    )
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason == "field not collected: multi_region"
    assert "multi_region" in finding.message
    assert finding.evidence.fields == {
        "props.is_logging": True,
        "props.multi_region": "<absent>",
    }


def test_both_sides_of_and_missing_is_inconclusive_not_error(bundled: Catalog) -> None:
    finding = only(evaluate(_control(bundled, "LOG-001"), [res("t1", "log.trail", {})]))
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason == "field not collected: is_logging, multi_region"


def test_false_and_missing_is_fail(bundled: Catalog) -> None:
    """CEL: false && <error> is false, so a known false side decides."""
    finding = only(
        evaluate(_control(bundled, "LOG-001"), [res("t1", "log.trail", {"is_logging": False})])
    )
    assert finding.status is Status.FAIL


def test_type_error_is_error(tiny: Catalog) -> None:
    finding = only(evaluate(_control(tiny, "TST-001"), [res("k1", "key", {"length_bits": 256})]))
    assert finding.status is Status.ERROR
    assert finding.reason is not None
    assert "IntType" in finding.reason
    assert "StringType" in finding.reason
    assert finding.message == f"test control TST-001: error: {finding.reason}"


def test_type_error_on_a_missing_field_is_inconclusive(tiny: Catalog) -> None:
    finding = only(evaluate(_control(tiny, "TST-001"), [res("k1", "key", {})]))
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason == "field not collected: length_bits"


def test_non_bool_result_is_error(tiny: Catalog) -> None:
    finding = only(evaluate(_control(tiny, "TST-002"), [res("k1", "key", {"length_bits": 256})]))
    assert finding.status is Status.ERROR
    assert finding.reason == "expression returned IntType, not a bool"


def test_non_bool_when_is_error(tiny: Catalog) -> None:
    finding = only(evaluate(_control(tiny, "TST-005"), [res("k1", "key", {"length_bits": 256})]))
    assert finding.status is Status.ERROR
    assert finding.reason == "`when` is not a bool"


def test_missing_field_in_when_is_inconclusive(tiny: Catalog) -> None:
    finding = only(evaluate(_control(tiny, "TST-005"), [res("k1", "key", {})]))
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason == "when: field not collected: length_bits"


def test_and_with_one_type_error_and_one_missing_field_is_error(tiny: Catalog) -> None:
    """Only missing data is inconclusive; a real failure inside `&&` stays an error."""
    control = _control(tiny, "TST-003")
    assert only(evaluate(control, [res("k1", "key", {"length_bits": 128})])).status is (Status.FAIL)
    assert only(evaluate(control, [res("k1", "key", {})])).reason == (
        "field not collected: algorithm, length_bits"
    )
    finding = only(evaluate(control, [res("k1", "key", {"length_bits": 512, "algorithm": "AES"})]))
    assert finding.status is Status.PASS


def test_missing_field_in_a_ternary_condition_is_inconclusive(tiny: Catalog) -> None:
    """`cond ? a : b` with `cond` absent is missing data, like `a && b`: not an error."""
    control = _control(tiny, "TST-006")
    assert only(evaluate(control, [res("k1", "key", {"rotation_enabled": False})])).status is (
        Status.PASS
    )
    finding = only(evaluate(control, [res("k1", "key", {})]))
    assert finding.status is Status.INCONCLUSIVE, finding.reason
    # celpy evaluates both branches, so the branch's field is reported as looked up too.
    assert finding.reason == "field not collected: algorithm, rotation_enabled"


def _vpn(tunnels: list[dict[str, Any]]) -> list[Resource]:
    return [res("vpn-1", "link.vpn", {"tunnels": tunnels})]


def _weak_replicas(count: int) -> list[Resource]:
    source = res(
        "s1",
        "store.object",
        {
            "data_class": "personal",
            "cmk": True,
            "replication_targets": [{"dst_uid": f"r{n}"} for n in range(count)],
        },
    )
    replicas = [res(f"r{n}", "store.object", {"public_access": False}) for n in range(count)]
    return [source, *replicas]


@pytest.mark.parametrize(
    ("control_id", "subject", "resources", "names"),
    [
        pytest.param(
            "RES-003",
            "s1",
            [personal_store("s1", "ghost-1", "ghost-2")],
            ["region", "ghost-1", "ghost-2"],
            id="RES-003-two-uncollected-targets",
        ),
        pytest.param(
            "ICN-002",
            "vpn-1",
            _vpn([{"status": "up", "ike_version": "v2"}, {"status": "up", "ike_version": "v2"}]),
            ["pfs"],
            id="ICN-002-two-tunnels-without-parameters",
        ),
        pytest.param(
            "BDR-006",
            "s1",
            _weak_replicas(2),
            ["cmk"],
            id="BDR-006-two-replicas-without-settings",
        ),
        pytest.param(
            "NET-001",
            "fw-1",
            [
                res(
                    "fw-1",
                    "net.firewall",
                    {
                        "rules": [
                            {
                                "direction": "ingress",
                                "protocol": "tcp",
                                "source": "0.0.0.0/0",
                                "port_from": 22,
                            }
                        ]
                    },
                )
            ],
            ["port_to"],
            id="NET-001-rule-without-upper-port",
        ),
    ],
)
def test_missing_data_inside_a_list_macro_is_inconclusive(
    bundled: Catalog,
    control_id: str,
    subject: str,
    resources: list[Resource],
    names: list[str],
) -> None:
    """`.all()` / `.exists()` over several elements with absent fields is missing data."""
    findings = evaluate(_control(bundled, control_id), resources)
    finding = next(f for f in findings if f.resource_uid == subject)
    assert finding.status is Status.INCONCLUSIVE, finding.reason
    assert finding.reason is not None
    for name in names:
        assert name in finding.reason


def test_missing_data_in_one_list_element_is_inconclusive(bundled: Catalog) -> None:
    """The single-element counterparts of the cases above."""
    one_ghost = evaluate(_control(bundled, "RES-003"), [personal_store("s1", "ghost-1")])
    assert only(one_ghost).status is Status.INCONCLUSIVE
    assert only(one_ghost).reason == "missing region; referenced but not collected: ghost-1"
    one_tunnel = evaluate(
        _control(bundled, "ICN-002"), _vpn([{"status": "up", "ike_version": "v2"}])
    )
    assert only(one_tunnel).status is Status.INCONCLUSIVE
    one_replica = evaluate(_control(bundled, "BDR-006"), _weak_replicas(1))
    finding = next(f for f in one_replica if f.resource_uid == "s1")
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason is not None
    assert "cmk" in finding.reason


# --- collection gaps -----------------------------------------------------------------


def test_resource_gap_turns_a_pass_into_inconclusive(bundled: Catalog) -> None:
    trail_gap = gap(resource_uid="t1", operation="GetTrailStatus")
    finding = only(
        evaluate(
            _control(bundled, "LOG-001"),
            [res("t1", "log.trail", {"is_logging": True, "multi_region": True})],
            gaps=[trail_gap],
        )
    )
    assert finding.status is Status.INCONCLUSIVE
    assert trail_gap.describe() == "GetTrailStatus failed in oci: NotAuthorized: not authorized"
    assert finding.reason == f"collection gap: {trail_gap.describe()}"
    assert finding.evidence.gaps == [trail_gap.describe()]


def test_resource_gap_on_another_resource_does_not_matter(bundled: Catalog) -> None:
    finding = only(
        evaluate(
            _control(bundled, "LOG-001"),
            [res("t1", "log.trail", {"is_logging": True, "multi_region": True})],
            gaps=[gap(resource_uid="t2")],
        )
    )
    assert finding.status is Status.PASS


def test_resource_gap_does_not_hide_a_fail(bundled: Catalog) -> None:
    finding = only(
        evaluate(
            _control(bundled, "LOG-001"),
            [res("t1", "log.trail", {"is_logging": False, "multi_region": True})],
            gaps=[gap(resource_uid="t1")],
        )
    )
    assert finding.status is Status.FAIL
    assert finding.evidence.gaps == [gap(resource_uid="t1").describe()]


def test_scope_gap_adds_an_inconclusive_finding(bundled: Catalog) -> None:
    listing = gap(account="acct-1", kind="log.trail", operation="ListTrails")
    findings = evaluate(
        _control(bundled, "LOG-001"),
        [res("t1", "log.trail", {"is_logging": True, "multi_region": True})],
        gaps=[listing],
    )
    assert [(f.resource_uid, f.status) for f in findings] == [
        ("t1", Status.INCONCLUSIVE),
        ("gap:oci/acct-1/*/log.trail", Status.INCONCLUSIVE),
    ]
    covered, placeholder = findings
    assert covered.reason == f"collection gap: {listing.describe()}"
    assert placeholder.resource_uid.startswith("gap:")
    assert placeholder.reason == f"resources may be missing: {listing.describe()}"
    assert placeholder.kind == "log.trail"
    assert placeholder.account == "acct-1"
    assert placeholder.region == "*"
    assert placeholder.evidence.gaps == [listing.describe()]


def test_scope_gap_in_another_account_only_adds_its_own_finding(bundled: Catalog) -> None:
    listing = gap(account="acct-2", kind="log.trail", operation="ListTrails")
    findings = evaluate(
        _control(bundled, "LOG-001"),
        [res("t1", "log.trail", {"is_logging": True, "multi_region": True})],
        gaps=[listing],
    )
    assert [(f.resource_uid, f.status) for f in findings] == [
        ("t1", Status.PASS),
        ("gap:oci/acct-2/*/log.trail", Status.INCONCLUSIVE),
    ]


def test_scope_gap_matches_on_kind_and_cloud(bundled: Catalog) -> None:
    trail = res("t1", "log.trail", {"is_logging": True, "multi_region": True})
    control = _control(bundled, "LOG-001")
    assert [f.status for f in evaluate(control, [trail], gaps=[gap(kind="key")])] == [Status.PASS]
    assert [f.status for f in evaluate(control, [trail], gaps=[gap(cloud="aws")])] == [
        Status.PASS,
        Status.INCONCLUSIVE,
    ]
    findings = evaluate(control, [trail], gaps=[gap(cloud="aws")])
    assert findings[1].resource_uid == "gap:aws/*/*/*"


def test_pass_that_visits_a_gapped_resource_is_inconclusive(bundled: Catalog) -> None:
    replica_gap = gap(
        cloud="aws", service="s3", resource_uid="s2", operation="GetBucketReplication"
    )
    findings = evaluate(
        _control(bundled, "RES-003"),
        [personal_store("s1", "s2"), store("s2", "eu-west-1")],
        gaps=[replica_gap],
    )
    finding = next(f for f in findings if f.resource_uid == "s1")
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason == f"collection gap: {replica_gap.describe()}"
    assert finding.evidence.related == ["s2"]
    assert finding.evidence.gaps == [replica_gap.describe()]
    # without the gap the same estate passes
    clean = evaluate(
        _control(bundled, "RES-003"), [personal_store("s1", "s2"), store("s2", "eu-west-1")]
    )
    assert next(f for f in clean if f.resource_uid == "s1").status is Status.PASS


def test_when_false_gives_no_finding(bundled: Catalog) -> None:
    public = res("s1", "store.object", {"data_class": "public"}, cloud="aws", region="us-east-1")
    assert evaluate(_control(bundled, "RES-001"), [public]) == []
    assert evaluate(_control(bundled, "RES-003"), [public]) == []


# --- determinism and messages --------------------------------------------------------


def _estate() -> tuple[list[Resource], list[CollectionGap]]:
    resources = [
        personal_store("s1", "s2", name="crm-exports"),
        store("s2", "eu-west-1", "s3"),
        store("s3", "us-east-1"),
        personal_store("s4", name="hr"),
        res("t1", "log.trail", {"is_logging": True, "multi_region": True}),
        res("t2", "log.trail", {"is_logging": False}),
        res("k1", "key", {"protection": "hsm", "material_id": "m"}),
        res("k2", "key", {"protection": "software", "material_id": "m"}, cloud="aws"),
    ]
    gaps = [gap(cloud="aws", service="kms", kind="key", operation="ListKeys")]
    return resources, gaps


def test_findings_are_sorted_and_deterministic(bundled: Catalog) -> None:
    resources, gaps = _estate()

    def run(order: list[Resource]) -> list[dict[str, Any]]:
        findings: list[Finding] = []
        for control in bundled.controls:
            findings.extend(evaluate(control, order, gaps=gaps))
        return [f.model_dump(mode="json") for f in findings]

    first = run(resources)
    assert first == run(resources)
    assert first == run(list(reversed(resources)))
    for control in bundled.controls:
        uids = [f["resource_uid"] for f in first if f["control_id"] == control.id]
        real = [uid for uid in uids if not uid.startswith("gap:")]
        assert real == sorted(real)
        assert uids == real + [uid for uid in uids if uid.startswith("gap:")]


def test_pipeline_document_is_sorted_and_deterministic(bundled: Catalog) -> None:
    resources, gaps = _estate()
    config = EstateConfig()
    first = evaluate_snapshot(snapshot_of(resources, gaps=gaps), "d", bundled, config)
    second = evaluate_snapshot(
        snapshot_of(list(reversed(resources)), gaps=gaps), "d", bundled, config
    )
    assert first.findings.model_dump() == second.findings.model_dump()
    keys = [(f.control_id, f.resource_uid) for f in first.findings.findings]
    assert keys == sorted(keys)
    assert first.findings.scan.catalog_digest == bundled.digest
    assert first.findings.scan.finished == NOW


def test_fail_message_names_the_offending_copy(bundled: Catalog) -> None:
    findings = evaluate(
        _control(bundled, "RES-003"),
        [
            personal_store("s1", "s2", name="crm-exports"),
            res(
                "s2",
                "store.object",
                {"replication_targets": [{"dst_uid": "s3"}]},
                cloud="aws",
                region="eu-west-1",
                name="crm-dublin",
            ),
            res("s3", "store.object", {}, cloud="aws", region="us-east-1", name="crm-virginia"),
        ],
    )
    finding = next(f for f in findings if f.resource_uid == "s1")
    assert finding.status is Status.FAIL
    assert finding.message == (
        "Personal data in crm-exports is copied outside the allowed jurisdictions to "
        "crm-virginia in us-east-1 (THIRD)"
    )
    assert finding.evidence.related == ["s2", "s3"]


def test_registered_transfer_makes_the_copy_pass(bundled: Catalog) -> None:
    params = Params.model_validate(
        {"transfer_register": [{"src": "s2", "dst": "s3", "basis": "scc"}]}
    )
    findings = evaluate(
        _control(bundled, "RES-003"),
        [personal_store("s1", "s2"), store("s2", "eu-west-1", "s3"), store("s3", "us-east-1")],
        params=params,
    )
    assert next(f for f in findings if f.resource_uid == "s1").status is Status.PASS


def test_jurisdiction_from_cel(tiny: Catalog) -> None:
    control = _control(tiny, "TST-004")
    dublin = only(evaluate(control, [res("k1", "key", cloud="aws", region="eu-west-1")]))
    assert dublin.status is Status.PASS
    london = only(
        evaluate(control, [res("k1", "key", cloud="aws", region="eu-west-2", name="ldn")])
    )
    assert london.status is Status.FAIL
    assert london.message == "ldn is in ADEQUATE GB"
    unknown = only(evaluate(control, [res("k1", "key", region="mars-north-1", name="m")]))
    assert unknown.status is Status.FAIL
    assert unknown.message == "m is in UNKNOWN "


def test_london_is_outside_the_default_jurisdictions(bundled: Catalog) -> None:
    london = personal_store("s1", cloud="aws", region="eu-west-2", name="ldn")
    finding = only(evaluate(_control(bundled, "RES-001"), [london]))
    assert finding.status is Status.FAIL
    assert finding.message == (
        "ldn holds personal data outside the allowed jurisdictions: eu-west-2 is ADEQUATE (GB)"
    )
    allowed = Params(allowed_jurisdictions=["EU", "EEA", "ADEQUATE"])
    assert only(evaluate(_control(bundled, "RES-001"), [london], params=allowed)).status is (
        Status.PASS
    )


# --- traversal -----------------------------------------------------------------------


def test_reach_is_cycle_safe(bundled: Catalog) -> None:
    a = personal_store("a", "b")
    b = res(
        "b",
        "store.object",
        {"replication_targets": [{"dst_uid": "a"}, {"dst_uid": "c"}]},
        cloud="aws",
        region="eu-west-1",
    )
    c = store("c", "eu-central-1", "b")
    graph = build_graph(snapshot_of([a, b, c]))
    assert graph.reach("a", ["replicates_to"]) == ("b", "c")
    assert graph.reach("b", ["replicates_to"]) == ("a", "c")
    assert graph.reach("c", ["replicates_to", "geo_copy_to"]) == ("a", "b")
    assert graph.reach("a", ["geo_copy_to"]) == ()
    findings = evaluate(_control(bundled, "RES-003"), [a, b, c])
    finding = next(f for f in findings if f.resource_uid == "a")
    assert finding.status is Status.PASS
    assert finding.evidence.related == ["b", "c"]


def test_dangling_edge_target_is_inconclusive_and_named(bundled: Catalog) -> None:
    source = personal_store("s1", "arn:aws:s3:::never-collected")
    graph = build_graph(snapshot_of([source]))
    assert graph.missing() == ["arn:aws:s3:::never-collected"]
    assert graph.resource("arn:aws:s3:::never-collected") is None
    finding = only(evaluate(_control(bundled, "RES-003"), [source]))
    assert finding.status is Status.INCONCLUSIVE
    assert finding.reason == (
        "missing region; referenced but not collected: arn:aws:s3:::never-collected"
    )
    assert finding.evidence.related == ["arn:aws:s3:::never-collected"]


def test_host_functions_record_what_they_visit(tiny: Catalog) -> None:
    control = _control(tiny, "TST-007")
    keys = [
        res("k1", "key", {"material_id": "m"}),
        res("k2", "key", {"material_id": "m"}, cloud="aws"),
        res("k3", "key", {"vault_uid": "v1"}),
        res("k4", "key", {}),
    ]
    findings = {f.resource_uid: f for f in evaluate(control, keys)}
    assert findings["k1"].status is Status.PASS
    assert findings["k1"].evidence.related == ["k2"]
    assert findings["k3"].status is Status.PASS
    assert findings["k3"].evidence.related == ["v1"]
    assert findings["k4"].status is Status.FAIL
    assert findings["k4"].evidence.related == []


# --- graph derivation ----------------------------------------------------------------

ISSUER = "https://idcs-1.identity.oraclecloud.com"
AUDIENCE = "urn:amazon:webservices"


def _graph_estate() -> list[Resource]:
    return [
        res("idp-1", "idp", {"entity_id": ISSUER}),
        res("idp-2", "idp", {"entity_id": "https://other.example"}),
        res("app-1", "idp.app", {"idp_uid": "idp-1", "sp_entity_id": AUDIENCE}),
        res("app-2", "idp.app", {"idp_uid": "idp-1", "sp_entity_id": "urn:other"}),
        res(
            "trust-1",
            "trust.saml",
            {"issuer": ISSUER, "sp_entity_id": AUDIENCE},
            cloud="aws",
        ),
        res("trust-2", "trust.oidc", {"issuer": "https://unknown.example"}, cloud="azure"),
        res(
            "s1",
            "store.object",
            {
                "kms_key_uid": "k1",
                "replication_targets": [
                    {"dst_uid": "s2", "mechanism": "s3_crr", "transport": "tls1.2"}
                ],
            },
        ),
        res("s2", "store.object", {}, cloud="aws", region="eu-west-1"),
        res("s1-grs", "store.object", {"implicit_copy_of": "s1"}),
        res("k1", "key", {"vault_uid": "v1", "material_id": "m1"}),
        res("k2", "key", {"material_id": "m1"}, cloud="aws"),
        res("k3", "key", {"material_id": "m2"}, cloud="azure"),
        res("v1", "vault", {}),
    ]


def _edge_rows(graph: EstateGraph) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    return [(e.src, e.kind, e.dst, e.provenance.value, e.attrs) for e in graph.edges]


def test_graph_derivation() -> None:
    links = [
        DeclaredLink(
            src="s2", dst="s9", kind="backup_to", attrs={"tool": "rclone"}, evidence="runbook"
        )
    ]
    graph = build_graph(snapshot_of(_graph_estate()), links)
    assert _edge_rows(graph) == [
        ("k1", "hosted_in", "v1", "api", {}),
        ("k1", "shares_key_with", "k2", "derived", {"material_id": "m1"}),
        ("k2", "shares_key_with", "k1", "derived", {"material_id": "m1"}),
        ("s1", "encrypted_by", "k1", "api", {}),
        ("s1", "geo_copy_to", "s1-grs", "api", {}),
        (
            "s1",
            "replicates_to",
            "s2",
            "api",
            {"mechanism": "s3_crr", "transport": "tls1.2"},
        ),
        ("s2", "backup_to", "s9", "declared", {"tool": "rclone", "evidence": "runbook"}),
        ("trust-1", "served_by", "app-1", "derived", {"matched_on": "issuer+audience"}),
        ("trust-1", "trusts_idp", "idp-1", "derived", {"matched_on": "issuer"}),
    ]
    assert graph.out("trust-1", "trusts_idp") == ("idp-1",)
    assert graph.out("trust-2", "trusts_idp") == ()
    assert graph.inbound("k1", "encrypted_by") == ("s1",)
    assert graph.out("k1", "shares_key_with") == ("k2",)
    assert graph.out("k2", "shares_key_with") == ("k1",)
    assert graph.out("k3", "shares_key_with") == ()
    assert graph.missing() == ["s9"]
    assert graph.reach("s1", ["replicates_to", "geo_copy_to", "backup_to"]) == (
        "s1-grs",
        "s2",
        "s9",
    )


def test_snapshot_edges_and_derived_edges_are_merged_without_duplicates() -> None:
    declared_in_snapshot = Edge(src="s1", dst="k1", kind="encrypted_by", provenance="api")
    graph = build_graph(
        snapshot_of(_graph_estate(), edges=[declared_in_snapshot, declared_in_snapshot])
    )
    rows = [row for row in _edge_rows(graph) if row[1] == "encrypted_by"]
    assert rows == [("s1", "encrypted_by", "k1", "api", {})]


def test_declared_links_from_config_carry_declared_provenance(bundled: Catalog) -> None:
    config = EstateConfig.model_validate(
        {
            "declared_links": [
                {"src": "s1", "dst": "s9", "kind": "backup_to", "evidence": "DPA annex 3"}
            ]
        }
    )
    s1 = personal_store("s1", name="crm")
    s9 = store("s9", "us-east-1")
    s9 = s9.model_copy(update={"name": "offsite"})
    graph = build_graph(snapshot_of([s1, s9]), config.declared_links)
    assert [(e.src, e.dst, e.kind, e.provenance, e.attrs) for e in graph.edges] == [
        ("s1", "s9", "backup_to", Provenance.DECLARED, {"evidence": "DPA annex 3"})
    ]
    findings = evaluate(_control(bundled, "RES-003"), [s1, s9], declared=config.declared_links)
    finding = next(f for f in findings if f.resource_uid == "s1")
    assert finding.status is Status.FAIL
    assert finding.message.endswith("to offsite in us-east-1 (THIRD)")
