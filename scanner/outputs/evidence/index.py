"""The per-requirement evidence index and the collection-gap list of a bundle.

``evidence-index.json`` answers an auditor's question "what shows that requirement X is
met?" without reading the findings file: framework → requirement → controls → findings →
resource → the exact fields the control's expression read, with their values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scanner.canonical import dumps_pretty
from scanner.engine.catalog import Catalog
from scanner.model import CollectionGap, Finding, FindingsDocument

INDEX_FORMAT_VERSION = "1"


def _finding_entry(finding: Finding) -> dict[str, Any]:
    return {
        "finding_id": finding.finding_id,
        "status": finding.status.value,
        "waiver_id": finding.waiver_id,
        "resource": {
            "uid": finding.resource_uid,
            "name": finding.resource_name,
            "cloud": finding.cloud.value,
            "account": finding.account,
            "region": finding.region,
            "type": finding.resource_type,
        },
        "fields": finding.evidence.fields,
        "related": sorted(finding.evidence.related),
        "gaps": sorted(finding.evidence.gaps),
        "message": finding.message,
        "reason": finding.reason,
    }


def evidence_index(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str]
) -> dict[str, Any]:
    """Every requirement of each framework (covered or not), the controls mapped to it and
    each of their findings with the evidence it was decided on."""
    by_control: dict[str, list[Finding]] = {}
    for finding in doc.findings:
        by_control.setdefault(finding.control_id, []).append(finding)
    index: dict[str, Any] = {}
    for framework_id in frameworks:
        framework = catalog.frameworks[framework_id]
        requirements: dict[str, Any] = {}
        for requirement in framework.requirements:
            controls = {
                compiled.id: {
                    "title": compiled.control.title,
                    "severity": compiled.control.severity.value,
                    "version": compiled.control.version,
                    "findings": [
                        _finding_entry(f)
                        for f in sorted(
                            by_control.get(compiled.id, []), key=lambda f: f.resource_uid
                        )
                    ],
                }
                for compiled in catalog.controls
                if requirement.id in compiled.control.maps_to.get(framework_id, [])
            }
            requirements[requirement.id] = {"title": requirement.title, "controls": controls}
        index[framework_id] = {
            "name": framework.name,
            "version": framework.version,
            "requirements": requirements,
        }
    return {
        "format_version": INDEX_FORMAT_VERSION,
        "snapshot_digest": doc.scan.snapshot_digest,
        "catalog_digest": doc.scan.catalog_digest,
        "frameworks": index,
    }


def render_index(doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str]) -> bytes:
    return dumps_pretty(evidence_index(doc, catalog, frameworks)).encode("utf-8")


def render_gaps(gaps: Sequence[CollectionGap]) -> bytes:
    """The collection gaps, each with its one-line description, in snapshot order."""
    entries = [
        {**gap.model_dump(mode="json", exclude_none=True), "description": gap.describe()}
        for gap in gaps
    ]
    return dumps_pretty({"format_version": INDEX_FORMAT_VERSION, "gaps": entries}).encode("utf-8")
