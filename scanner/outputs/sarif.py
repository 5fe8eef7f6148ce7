"""SARIF 2.1.0 (``findings.sarif``) for code-scanning dashboards.

Rules are the controls of the catalog; results are the failing findings, each located at
its resource through a logical location (the resource uid is its fully qualified name),
with the stable finding id as a partial fingerprint so dashboards track a finding across
scans. A failing finding covered by a waiver carries an external, accepted suppression.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from scanner.canonical import dumps_pretty
from scanner.engine.catalog import Catalog, CompiledControl
from scanner.model import Finding, FindingsDocument, Severity
from scanner.outputs.machine import failing

FINDINGS_SARIF = "findings.sarif"

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "auditgraph"
FINGERPRINT_KEY = "auditgraphFindingId/v1"

LEVELS: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.CRITICAL: "error",
        Severity.HIGH: "error",
        Severity.MEDIUM: "warning",
        Severity.LOW: "note",
        Severity.INFO: "note",
    }
)
"""SARIF result level per control severity."""

SECURITY_SEVERITY: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.CRITICAL: "9.5",
        Severity.HIGH: "8.0",
        Severity.MEDIUM: "5.5",
        Severity.LOW: "3.0",
        Severity.INFO: "0.0",
    }
)
"""The ``security-severity`` score code-scanning dashboards bucket into critical ... low."""


def render_sarif_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {FINDINGS_SARIF: render_sarif(doc, catalog)}


def render_sarif(doc: FindingsDocument, catalog: Catalog) -> str:
    """One run: the catalog's controls as rules, the failing findings as results."""
    controls = sorted(catalog.controls, key=lambda c: c.id)
    rule_index = {compiled.id: index for index, compiled in enumerate(controls)}
    driver = {
        "name": TOOL_NAME,
        "version": doc.scan.scanner_version,
        "semanticVersion": doc.scan.scanner_version,
        "rules": [_rule(compiled) for compiled in controls],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(finding, rule_index) for finding in failing(doc)],
        "properties": {
            "snapshotDigest": doc.scan.snapshot_digest,
            "catalogDigest": doc.scan.catalog_digest,
            "collectionStarted": doc.scan.started,
            "collectionFinished": doc.scan.finished,
            "findingsFormatVersion": doc.format_version,
        },
    }
    return dumps_pretty({"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]})


def _rule(compiled: CompiledControl) -> dict[str, object]:
    control = compiled.control
    help_text = "\n".join(control.remediation) or control.description
    tags = ["compliance", "security", control.domain] + [
        f"{framework_id}:{requirement_id}"
        for framework_id in sorted(control.maps_to)
        for requirement_id in control.maps_to[framework_id]
    ]
    return {
        "id": control.id,
        "name": control.title,
        "shortDescription": {"text": control.title},
        "fullDescription": {"text": control.description},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[control.severity]},
        "properties": {
            "severity": control.severity.value,
            "security-severity": SECURITY_SEVERITY[control.severity],
            "domain": control.domain,
            "controlVersion": control.version,
            "frameworks": {key: list(value) for key, value in sorted(control.maps_to.items())},
            "tags": tags,
        },
    }


def _result(finding: Finding, rule_index: Mapping[str, int]) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.control_id,
        "level": LEVELS[finding.severity],
        "kind": "fail",
        "message": {"text": finding.message},
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": finding.resource_name,
                        "fullyQualifiedName": finding.resource_uid,
                        "kind": "resource",
                    }
                ]
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.finding_id},
        "properties": {
            "findingId": finding.finding_id,
            "severity": finding.severity.value,
            "cloud": finding.cloud.value,
            "account": finding.account,
            "region": finding.region,
            "resourceType": finding.resource_type,
            "kind": finding.kind,
            "frameworks": {key: list(value) for key, value in sorted(finding.frameworks.items())},
            "evidence": finding.evidence.model_dump(mode="json"),
        },
    }
    if finding.control_id in rule_index:
        result["ruleIndex"] = rule_index[finding.control_id]
    if finding.waiver_id is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.waiver_id}
        ]
    return result
