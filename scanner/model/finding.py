"""Findings: the result of one control on one resource, and the findings document."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import Field

from scanner.model.base import Cloud, Contract, JSONValue
from scanner.model.control import Severity

FINDINGS_FORMAT_VERSION = "1"


class Status(StrEnum):
    PASS = "pass"  # noqa: S105
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    """Data the control needs is missing (collection gap, absent field)."""
    ERROR = "error"
    """The control itself broke on this resource."""
    WAIVED = "waived"
    """Never written by this version: a waived finding keeps its underlying status and
    carries ``waiver_id``. Still read (findings files of earlier versions) and shown as
    waived."""


class Evidence(Contract):
    fields: dict[str, JSONValue] = Field(
        default_factory=dict, description="Each field path the expression reads → its value."
    )
    related: list[str] = Field(
        default_factory=list, description="uids of other resources the evaluation visited."
    )
    gaps: list[str] = Field(default_factory=list, description="Collection gaps in play.")


class Finding(Contract):
    finding_id: str = Field(description="Stable: hash of control id and resource uid.")
    control_id: str
    control_version: int
    resource_uid: str
    resource_name: str
    cloud: Cloud
    account: str
    region: str
    resource_type: str
    kind: str
    status: Status
    severity: Severity
    title: str
    message: str
    reason: str | None = Field(default=None, description="Why inconclusive or error.")
    frameworks: dict[str, list[str]]
    evidence: Evidence
    snapshot_digest: str
    waiver_id: str | None = None


class ScanInfo(Contract):
    snapshot_digest: str
    catalog_digest: str
    started: str = Field(description="Collection start of the snapshot (not wall clock).")
    finished: str = Field(description="Collection end of the snapshot; the controls' `now`.")
    scanner_version: str


class FindingsDocument(Contract):
    format_version: str = FINDINGS_FORMAT_VERSION
    scan: ScanInfo
    findings: list[Finding]


def finding_id(control_id: str, resource_uid: str) -> str:
    digest = hashlib.sha256(f"{control_id}\x00{resource_uid}".encode()).hexdigest()
    return f"{control_id}-{digest[:16]}"
