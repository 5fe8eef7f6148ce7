"""Helpers the machine-readable renderers (CSV, SARIF, JUnit, OCSF, OSCAL, Prometheus) share.

Each renderer is a pure function of the findings document, the catalog and the selected
frameworks. Times come from the snapshot (its collection end is the time of record), never
from the clock, so equal inputs give equal bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from scanner.model import Finding, FindingsDocument, Status

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters XML 1.0 cannot carry, not even escaped (most C0 controls, lone surrogates)."""

_WHITE_SPACE = re.compile(r"\s+")


def snapshot_time(stamp: str) -> datetime:
    """A snapshot time stamp (ISO 8601, ``Z`` or an offset) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(stamp)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso_utc(stamp: str) -> str:
    """A snapshot time stamp normalised to ``YYYY-MM-DDTHH:MM:SSZ`` (microseconds kept)."""
    return snapshot_time(stamp).isoformat().replace("+00:00", "Z")


def xml_text(value: object) -> str:
    """Text an XML 1.0 document can hold: each forbidden character becomes U+FFFD.

    Escaping of ``<``, ``&`` and quotes is left to the XML library; this only removes what
    no escaping can express, so a hostile name cannot make the document ill-formed.
    """
    return _XML_INVALID.sub("\N{REPLACEMENT CHARACTER}", str(value))


def one_line(value: object) -> str:
    """Runs of white space (line breaks included) collapsed to one space, ends trimmed."""
    return _WHITE_SPACE.sub(" ", str(value)).strip()


def requirement_pairs(finding: Finding, frameworks: Sequence[str]) -> list[tuple[str, str]]:
    """(framework id, requirement id) of the finding, for the selected frameworks in order."""
    return [
        (framework_id, requirement_id)
        for framework_id in dict.fromkeys(frameworks)
        for requirement_id in dict.fromkeys(finding.frameworks.get(framework_id, ()))
    ]


def mapping_text(finding: Finding) -> str:
    """Every mapping of the finding as ``framework:requirement`` joined by ``; ``, sorted."""
    return "; ".join(
        f"{framework_id}:{requirement_id}"
        for framework_id in sorted(finding.frameworks)
        for requirement_id in finding.frameworks[framework_id]
    )


def failing(doc: FindingsDocument) -> Iterator[Finding]:
    """Failing findings in document order (control id, then resource uid)."""
    return (finding for finding in doc.findings if finding.status == Status.FAIL)
