"""Findings documents for the report-format tests: the real reference estate, and a copy of
it in which one failing finding carries hostile resource text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from scanner.config import load_config
from scanner.engine.catalog import Catalog, load_catalog
from scanner.model import Evidence, Finding, FindingsDocument, Status
from scanner.pipeline import evaluate_folder

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "reports"
FRAMEWORKS = ("soc2", "iso27001_2022", "gdpr")
ESTATE = ROOT / "fixtures" / "estates" / "reference"

HOSTILE_NAME = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">&\''
HOSTILE_TAG = "</code></td><script>alert(1)</script>"
HOSTILE_MESSAGE = '=HYPERLINK("http://evil.invalid")\n]]><!-- \x01\x1b[31m'


@cache
def reference() -> tuple[FindingsDocument, Catalog]:
    """The findings of the bundled reference estate, evaluated with the bundled catalog."""
    catalog = load_catalog(ROOT / "controls")
    config = load_config(ESTATE / "estate.yaml")
    evaluation = evaluate_folder(ESTATE / "snapshot", catalog, config)
    return evaluation.findings, catalog


def hostile_finding(finding: Finding) -> Finding:
    """The finding with a hostile resource name, tag value and message."""
    fields = {**finding.evidence.fields, "tags.owner": HOSTILE_TAG}
    return finding.model_copy(
        update={
            "resource_name": HOSTILE_NAME,
            "message": HOSTILE_MESSAGE,
            "evidence": Evidence(
                fields=fields, related=finding.evidence.related, gaps=finding.evidence.gaps
            ),
        }
    )


@cache
def hostile_reference() -> tuple[FindingsDocument, Catalog, Finding]:
    """The reference findings with the first failing one made hostile; also returns it."""
    doc, catalog = reference()
    target = next(f for f in doc.findings if f.status == Status.FAIL)
    changed = hostile_finding(target)
    findings = [changed if f.finding_id == target.finding_id else f for f in doc.findings]
    return doc.model_copy(update={"findings": findings}), catalog, changed
