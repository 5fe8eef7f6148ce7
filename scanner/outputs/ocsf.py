"""OCSF Detection Finding records (``findings.ocsf.json``, a JSON array; class_uid 2004).

One record per finding, passes included, so a security data lake holds the whole posture:
``status_code`` is the auditgraph status (pass, fail, inconclusive, error) and
``unmapped.compliance`` the OCSF compliance object (standards, requirements, control,
status_id). OCSF 1.5 defines that object on Compliance Finding, not on Detection Finding,
so it travels in ``unmapped``, where Detection Finding consumers keep source data. The
event time is the snapshot's collection end, in epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from scanner.canonical import dumps_pretty
from scanner.engine.catalog import Catalog
from scanner.model import Cloud, Finding, FindingsDocument, Severity, Status
from scanner.outputs.machine import snapshot_time

FINDINGS_OCSF = "findings.ocsf.json"

OCSF_VERSION = "1.5.0"
DETECTION_FINDING_CLASS_UID = 2004
FINDINGS_CATEGORY_UID = 2
ACTIVITY_CREATE = 1
TYPE_UID_CREATE = DETECTION_FINDING_CLASS_UID * 100 + ACTIVITY_CREATE
STATUS_NEW = 1
STATUS_SUPPRESSED = 3

SEVERITY_IDS: Mapping[Severity, tuple[int, str]] = MappingProxyType(
    {
        Severity.INFO: (1, "Informational"),
        Severity.LOW: (2, "Low"),
        Severity.MEDIUM: (3, "Medium"),
        Severity.HIGH: (4, "High"),
        Severity.CRITICAL: (5, "Critical"),
    }
)
"""OCSF severity_id and its caption per control severity."""

COMPLIANCE_STATUS_IDS: Mapping[Status, int] = MappingProxyType(
    {
        Status.PASS: 1,
        Status.FAIL: 3,
        Status.INCONCLUSIVE: 2,
        Status.ERROR: 0,
        Status.WAIVED: 99,
    }
)
"""OCSF compliance status_id: Pass 1, Fail 3, Warning 2 (no result for lack of
information: inconclusive), Unknown 0 (the control broke), Other 99."""

CLOUD_PROVIDERS: Mapping[Cloud, tuple[str, int, str]] = MappingProxyType(
    {
        Cloud.AWS: ("AWS", 10, "AWS Account"),
        Cloud.AZURE: ("Azure", 99, "Azure Subscription"),
        Cloud.OCI: ("OCI", 99, "OCI Tenancy"),
    }
)
"""Cloud → (cloud.provider, account.type_id, account.type). 10 is AWS Account, 99 Other."""


def render_ocsf_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {FINDINGS_OCSF: render_ocsf(doc, catalog, frameworks)}


def render_ocsf(doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str]) -> str:
    """Every finding as a Detection Finding, in document order."""
    time_ms = int(snapshot_time(doc.scan.finished).timestamp() * 1000)
    remediation = {
        compiled.id: " ".join(compiled.control.remediation) for compiled in catalog.controls
    }
    records = [
        detection_finding(doc, finding, time_ms, frameworks, remediation.get(finding.control_id))
        for finding in doc.findings
    ]
    return dumps_pretty(records)


def detection_finding(
    doc: FindingsDocument,
    finding: Finding,
    time_ms: int,
    frameworks: Sequence[str],
    remediation: str | None,
) -> dict[str, object]:
    """One OCSF Detection Finding (activity Create) for one auditgraph finding."""
    severity_id, severity = SEVERITY_IDS[finding.severity]
    suppressed = finding.waiver_id is not None or finding.status == Status.WAIVED
    record: dict[str, object] = {
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_name": "Findings",
        "category_uid": FINDINGS_CATEGORY_UID,
        "class_name": "Detection Finding",
        "class_uid": DETECTION_FINDING_CLASS_UID,
        "type_uid": TYPE_UID_CREATE,
        "type_name": "Detection Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": STATUS_SUPPRESSED if suppressed else STATUS_NEW,
        "status": "Suppressed" if suppressed else "New",
        "status_code": finding.status.value,
        "message": finding.message,
        "metadata": _metadata(doc, finding),
        "finding_info": {
            "uid": finding.finding_id,
            "title": finding.title,
            "desc": finding.message,
            "types": ["Compliance"],
            "created_time": time_ms,
        },
        "cloud": _cloud(finding),
        "resources": [_resource(finding)],
        "unmapped": _unmapped(finding, frameworks),
    }
    if finding.reason is not None:
        record["status_detail"] = finding.reason
    if remediation:
        record["remediation"] = {"desc": remediation}
    return record


def _metadata(doc: FindingsDocument, finding: Finding) -> dict[str, object]:
    return {
        "version": OCSF_VERSION,
        "uid": finding.finding_id,
        "event_code": finding.control_id,
        "profiles": ["cloud"],
        "product": {
            "name": "auditgraph",
            "vendor_name": "auditgraph",
            "version": doc.scan.scanner_version,
        },
    }


def _cloud(finding: Finding) -> dict[str, object]:
    provider, account_type_id, account_type = CLOUD_PROVIDERS[finding.cloud]
    return {
        "provider": provider,
        "region": finding.region,
        "account": {
            "uid": finding.account,
            "name": finding.account,
            "type_id": account_type_id,
            "type": account_type,
        },
    }


def _resource(finding: Finding) -> dict[str, object]:
    return {
        "uid": finding.resource_uid,
        "name": finding.resource_name,
        "type": finding.resource_type,
        "region": finding.region,
        "group": {"uid": finding.account, "type": CLOUD_PROVIDERS[finding.cloud][2]},
        "data": {"kind": finding.kind, "cloud": finding.cloud.value},
    }


def _unmapped(finding: Finding, frameworks: Sequence[str]) -> dict[str, object]:
    selected = [fid for fid in dict.fromkeys(frameworks) if finding.frameworks.get(fid)]
    compliance: dict[str, object] = {
        "control": finding.control_id,
        "status_id": COMPLIANCE_STATUS_IDS[finding.status],
        "standards": selected,
        "requirements": [
            f"{framework_id}:{requirement_id}"
            for framework_id in selected
            for requirement_id in finding.frameworks[framework_id]
        ],
    }
    unmapped: dict[str, object] = {
        "compliance": compliance,
        "evidence": finding.evidence.model_dump(mode="json"),
        "snapshot_digest": finding.snapshot_digest,
        "control_version": finding.control_version,
    }
    if finding.waiver_id is not None:
        unmapped["waiver_id"] = finding.waiver_id
    return unmapped
