"""The contracts between the stages: resources, snapshots, controls and findings."""

from scanner.model.base import Cloud, JSONValue
from scanner.model.control import (
    FRAMEWORK_IDS,
    AppliesTo,
    Control,
    Example,
    Framework,
    Requirement,
    Severity,
)
from scanner.model.finding import (
    Evidence,
    Finding,
    FindingsDocument,
    ScanInfo,
    Status,
    finding_id,
)
from scanner.model.props import KNOWN_KINDS, PROPS_SCHEMAS
from scanner.model.resource import CollectionGap, Edge, Provenance, Resource
from scanner.model.snapshot import CloudScope, Manifest, Snapshot

__all__ = [
    "FRAMEWORK_IDS",
    "KNOWN_KINDS",
    "PROPS_SCHEMAS",
    "AppliesTo",
    "Cloud",
    "CloudScope",
    "CollectionGap",
    "Control",
    "Edge",
    "Evidence",
    "Example",
    "Finding",
    "FindingsDocument",
    "Framework",
    "JSONValue",
    "Manifest",
    "Provenance",
    "Requirement",
    "Resource",
    "ScanInfo",
    "Severity",
    "Snapshot",
    "Status",
    "finding_id",
]
