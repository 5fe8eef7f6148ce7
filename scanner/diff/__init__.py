"""Scan-to-scan diff: findings that changed and resources that drifted (see ``core``)."""

from scanner.diff.core import DiffSide, ScanDiff, diff_sides
from scanner.diff.drift import Drift, PropChange, ResourceState, diff_resources
from scanner.diff.findings import CATEGORIES, FindingChange, FindingsDiff, diff_findings

__all__ = [
    "CATEGORIES",
    "DiffSide",
    "Drift",
    "FindingChange",
    "FindingsDiff",
    "PropChange",
    "ResourceState",
    "ScanDiff",
    "diff_findings",
    "diff_resources",
    "diff_sides",
]
