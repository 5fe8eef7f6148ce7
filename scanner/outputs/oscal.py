"""OSCAL Assessment Results (``assessment-results.oscal.json``) for GRC tools.

One result per scan. Its subjects are the resources (inventory items of the result's local
definitions); each finding of the scan (one control on one resource) is an observation
with the fields the control read as evidence; and each framework requirement that an
evaluated control maps to is an OSCAL finding whose target is that requirement
(``satisfied`` when all its controls pass, ``not-satisfied`` otherwise, with the reason),
related to the observations behind it: the failing, inconclusive and error ones when it is
not satisfied, all of them when it is. An OSCAL finding has exactly one target, so the
findings are per requirement rather than per failing resource; the failing resources are
its related observations.

UUIDs are version 5, derived from stable ids (snapshot digest, finding id, resource uid,
requirement id), and every time stamp comes from the snapshot, so equal scans give equal
bytes. auditgraph has no separate assessment plan: ``import-ap`` points at the back-matter
resource describing the control catalog the scan used.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from scanner.canonical import dumps, dumps_pretty
from scanner.engine.catalog import Catalog
from scanner.model import Finding, FindingsDocument, Status
from scanner.outputs.machine import iso_utc, one_line
from scanner.outputs.views import ControlStatus, FrameworkView, RequirementView, framework_views

ASSESSMENT_RESULTS_OSCAL = "assessment-results.oscal.json"

OSCAL_VERSION = "1.2.1"
PROPS_NS = "urn:auditgraph"
"""Namespace of the auditgraph-specific ``props``."""

_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:auditgraph:oscal")
_NON_TOKEN = re.compile(r"[^A-Za-z0-9._-]+")

TARGET_STATES: Mapping[ControlStatus, tuple[str, str]] = MappingProxyType(
    {
        ControlStatus.PASS: ("satisfied", "pass"),
        ControlStatus.FAIL: ("not-satisfied", "fail"),
        ControlStatus.ERROR: ("not-satisfied", "other"),
        ControlStatus.INCONCLUSIVE: ("not-satisfied", "other"),
    }
)
"""Requirement status → OSCAL objective status (state, reason). Not applicable: no finding."""

_PROBLEMS = frozenset({Status.FAIL, Status.ERROR, Status.INCONCLUSIVE})
"""Findings a not-satisfied requirement relates to; a satisfied one relates to all of its."""


def render_oscal_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {ASSESSMENT_RESULTS_OSCAL: render_oscal(doc, catalog, frameworks)}


def stable_uuid(*parts: str) -> str:
    """A version 5 UUID of the parts: the same ids give the same UUID in every run."""
    return str(uuid.uuid5(_UUID_NAMESPACE, "\x00".join(parts)))


def target_id(framework_id: str, requirement_id: str) -> str:
    """An OSCAL token for a requirement: ``gdpr-32_1_a`` for GDPR 32(1)(a)."""
    return f"{framework_id}-{_NON_TOKEN.sub('_', requirement_id).strip('_')}"


def render_oscal(doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str]) -> str:
    scan = doc.scan
    views = framework_views(doc, catalog, frameworks)
    catalog_uuid = stable_uuid("catalog", scan.catalog_digest)
    observations = {
        f.finding_id: stable_uuid("observation", scan.snapshot_digest, f.finding_id)
        for f in doc.findings
    }
    result = _omit_empty(
        {
            "uuid": stable_uuid("result", scan.snapshot_digest, scan.catalog_digest),
            "title": f"auditgraph scan of snapshot {scan.snapshot_digest[:12]}",
            "description": "Controls of the auditgraph catalog evaluated against a snapshot "
            f"collected from {scan.started} to {scan.finished}.",
            "start": iso_utc(scan.started),
            "end": iso_utc(scan.finished),
            "props": [_prop("snapshot-digest", scan.snapshot_digest)],
            "local-definitions": _omit_empty({"inventory-items": _inventory(doc.findings)}),
            "reviewed-controls": _reviewed_controls(views),
            "observations": [
                _observation(doc, f, observations[f.finding_id]) for f in doc.findings
            ],
            "findings": [
                _finding(doc, view, requirement, observations)
                for view in views
                for requirement in view.requirements
                if requirement.status in TARGET_STATES
            ],
        }
    )
    document = {
        "uuid": stable_uuid(
            "assessment-results",
            scan.snapshot_digest,
            scan.catalog_digest,
            *dict.fromkeys(frameworks),
        ),
        "metadata": {
            "title": "auditgraph assessment results",
            "last-modified": iso_utc(scan.finished),
            "version": scan.scanner_version,
            "oscal-version": OSCAL_VERSION,
            "props": [
                _prop("snapshot-digest", scan.snapshot_digest),
                _prop("catalog-digest", scan.catalog_digest),
            ],
        },
        "import-ap": {
            "href": f"#{catalog_uuid}",
            "remarks": "The assessment plan is the auditgraph control catalog in back-matter.",
        },
        "results": [result],
        "back-matter": {
            "resources": [
                {
                    "uuid": catalog_uuid,
                    "title": "auditgraph control catalog",
                    "description": "The controls evaluated and their framework mappings, "
                    "identified by the SHA-256 digest of their canonical JSON.",
                    "props": [_prop("catalog-digest", scan.catalog_digest)],
                }
            ]
        },
    }
    return dumps_pretty({"assessment-results": document})


def _prop(name: str, value: object) -> dict[str, str]:
    return {"name": name, "ns": PROPS_NS, "value": one_line(value)}


def _props(pairs: Iterable[tuple[str, object]]) -> list[dict[str, str]]:
    """Properties for the pairs whose value is not blank (OSCAL values cannot be)."""
    return [_prop(name, value) for name, value in pairs if value is not None and one_line(value)]


def _omit_empty(fields: dict[str, object]) -> dict[str, object]:
    """OSCAL arrays and objects must not be empty: leave such members out."""
    return {key: value for key, value in fields.items() if value not in ([], {}, None)}


def _inventory(findings: Sequence[Finding]) -> list[dict[str, object]]:
    """One inventory item per resource evaluated, sorted by uid."""
    first: dict[str, Finding] = {}
    for finding in findings:
        first.setdefault(finding.resource_uid, finding)
    items: list[dict[str, object]] = []
    for uid in sorted(first):
        resource = first[uid]
        fields = ("cloud", "account", "region", "resource_type", "kind")
        pairs: list[tuple[str, object]] = [
            ("resource-uid", uid),
            ("resource-name", resource.resource_name),
        ]
        pairs += [(key.replace("_", "-"), getattr(resource, key)) for key in fields]
        items.append(
            {
                "uuid": stable_uuid("resource", uid),
                "description": resource.resource_name or uid,
                "props": _props(pairs),
            }
        )
    return items


def _reviewed_controls(views: Sequence[FrameworkView]) -> dict[str, object]:
    """The requirements a control covers, or every requirement when none is covered."""
    covered = [
        {"control-id": target_id(view.framework_id, requirement.requirement_id)}
        for view in views
        for requirement in view.requirements
        if requirement.covered
    ]
    selection: dict[str, object] = {"include-controls": covered} if covered else {"include-all": {}}
    return {"control-selections": [selection]}


def _observation(
    doc: FindingsDocument, finding: Finding, observation_uuid: str
) -> dict[str, object]:
    label = one_line(finding.resource_name) or finding.resource_uid
    pairs: list[tuple[str, object]] = [
        ("finding-id", finding.finding_id),
        ("control-id", finding.control_id),
        ("status", finding.status.value),
        ("severity", finding.severity.value),
        ("reason", finding.reason),
        ("waiver-id", finding.waiver_id),
    ]
    subject = {
        "subject-uuid": stable_uuid("resource", finding.resource_uid),
        "type": "inventory-item",
        "title": one_line(label),
    }
    return {
        "uuid": observation_uuid,
        "title": one_line(f"{finding.control_id} {finding.status.value}: {label}"),
        "description": finding.message,
        "props": _props(pairs),
        "methods": ["TEST"],
        "types": ["finding" if finding.status == Status.FAIL else "control-objective"],
        "subjects": [subject],
        "relevant-evidence": [
            {
                "description": f"Fields {finding.control_id} read, resources it visited and "
                "collection gaps in play (JSON in remarks).",
                "remarks": dumps(finding.evidence.model_dump(mode="json")),
            }
        ],
        "collected": iso_utc(doc.scan.finished),
    }


def _finding(
    doc: FindingsDocument,
    view: FrameworkView,
    requirement: RequirementView,
    observations: Mapping[str, str],
) -> dict[str, object]:
    state, reason = TARGET_STATES[requirement.status]
    findings = [finding for control in requirement.controls for finding in control.findings]
    problems = [finding for finding in findings if finding.status in _PROBLEMS]
    related = [
        {"observation-uuid": observations[finding.finding_id]} for finding in problems or findings
    ]
    controls = ", ".join(control.control_id for control in requirement.controls)
    title = f"{view.name} {requirement.requirement_id}: {requirement.title}"
    return _omit_empty(
        {
            "uuid": stable_uuid(
                "finding", doc.scan.snapshot_digest, view.framework_id, requirement.requirement_id
            ),
            "title": one_line(title),
            "description": f"Worst status of the controls mapped to requirement "
            f"{requirement.requirement_id} ({controls}): {requirement.status.value}.",
            "props": _props(
                [("framework", view.framework_id), ("requirement-id", requirement.requirement_id)]
            ),
            "target": {
                "type": "objective-id",
                "target-id": target_id(view.framework_id, requirement.requirement_id),
                "title": one_line(requirement.title),
                "status": {"state": state, "reason": reason},
            },
            "related-observations": related,
        }
    )
