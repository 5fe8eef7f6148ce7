"""JUnit XML (``junit.xml``) for CI dashboards: a test suite per framework.

Each control mapped into a framework gives one test case per resource it evaluated: a
failing finding is a ``failure``, a control that broke is an ``error``, an inconclusive
finding is ``skipped`` with its reason, and so is a waived one. A control with no resource
in scope is one skipped case, "not applicable". The document is built with ElementTree,
which escapes every value; characters XML cannot carry at all are replaced first.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner.canonical import dumps
from scanner.engine.catalog import Catalog
from scanner.model import Finding, FindingsDocument, Status
from scanner.outputs.machine import snapshot_time, xml_text
from scanner.outputs.views import ControlView, FrameworkView, framework_views

JUNIT_XML = "junit.xml"
NOT_APPLICABLE = "no resource in scope for this control: not applicable"
_CASE_DETAILS = ("finding_id", "severity", "status", "resource_uid", "cloud", "account", "region")


@dataclass(frozen=True)
class CaseOutcome:
    """What one test case reports: its JUnit element (None = passed), message and body."""

    element: str | None
    message: str = ""
    body: str = ""


def render_junit_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {JUNIT_XML: render_junit(doc, catalog, frameworks)}


def render_junit(doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str]) -> str:
    """``<testsuites>`` with one ``<testsuite>`` per framework, in the order given."""
    root = ET.Element("testsuites", {"name": "auditgraph"})
    timestamp = snapshot_time(doc.scan.finished).replace(tzinfo=None).isoformat()
    suites = [
        _suite(view, timestamp, doc.scan.snapshot_digest)
        for view in framework_views(doc, catalog, frameworks)
    ]
    for suite in suites:
        root.append(suite)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.set("time", "0")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def outcome(finding: Finding) -> CaseOutcome:
    """The JUnit outcome of one finding."""
    if finding.waiver_id is not None or finding.status == Status.WAIVED:
        return CaseOutcome("skipped", f"waived by {finding.waiver_id} ({finding.status.value})")
    if finding.status == Status.FAIL:
        evidence = dumps(finding.evidence.model_dump(mode="json"))
        return CaseOutcome("failure", finding.message, evidence)
    if finding.status == Status.ERROR:
        return CaseOutcome("error", finding.reason or finding.message)
    if finding.status == Status.INCONCLUSIVE:
        return CaseOutcome("skipped", f"inconclusive: {finding.reason or finding.message}")
    return CaseOutcome(None)


def _suite(view: FrameworkView, timestamp: str, snapshot_digest: str) -> ET.Element:
    suite = ET.Element("testsuite", {"name": xml_text(f"{view.name} ({view.version})")})
    suite.set("id", view.framework_id)
    suite.set("timestamp", timestamp)
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "framework", "value": view.framework_id})
    ET.SubElement(properties, "property", {"name": "snapshot_digest", "value": snapshot_digest})
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    element_count = {"failure": "failures", "error": "errors", "skipped": "skipped"}
    requirements = _requirements_by_control(view)
    for control in view.controls:
        cases = _control_cases(view.framework_id, control, requirements[control.control_id])
        for case, result in cases:
            suite.append(case)
            counts["tests"] += 1
            if result.element is not None:
                counts[element_count[result.element]] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", "0")
    return suite


def _control_cases(
    framework_id: str, control: ControlView, requirement_ids: Sequence[str]
) -> list[tuple[ET.Element, CaseOutcome]]:
    classname = xml_text(f"{framework_id}.{control.control_id}")
    requirements = ", ".join(requirement_ids)
    if not control.findings:
        attributes = {"classname": classname, "name": "not applicable", "time": "0"}
        case = ET.Element("testcase", attributes)
        result = CaseOutcome("skipped", NOT_APPLICABLE)
        _attach(case, result, requirements)
        return [(case, result)]
    cases = []
    for finding in control.findings:
        name = xml_text(f"{finding.resource_name} [{finding.resource_uid}]")
        case = ET.Element("testcase", {"classname": classname, "name": name, "time": "0"})
        result = outcome(finding)
        _attach(case, result, requirements, finding)
        cases.append((case, result))
    return cases


def _attach(
    case: ET.Element, result: CaseOutcome, requirements: str, finding: Finding | None = None
) -> None:
    """The outcome element, then ``system-out`` with the requirements and the finding."""
    if result.element is not None:
        attributes = {"message": xml_text(result.message)}
        if finding is not None and result.element != "skipped":
            attributes["type"] = finding.severity.value
        element = ET.SubElement(case, result.element, attributes)
        if result.body:
            element.text = xml_text(result.body)
    lines = [f"requirements: {requirements}"]
    if finding is not None:
        lines += [f"{key}: {getattr(finding, key)}" for key in _CASE_DETAILS]
    ET.SubElement(case, "system-out").text = xml_text("\n".join(lines))


def _requirements_by_control(view: FrameworkView) -> dict[str, list[str]]:
    mapped: dict[str, list[str]] = {control.control_id: [] for control in view.controls}
    for requirement in view.requirements:
        for control in requirement.controls:
            mapped[control.control_id].append(requirement.requirement_id)
    return mapped
