"""The machine-readable findings file: canonical, pretty-printed JSON."""

from __future__ import annotations

from pathlib import Path

from scanner.canonical import dumps_pretty
from scanner.model import FindingsDocument


def render_findings_json(doc: FindingsDocument) -> str:
    """Sorted keys, two-space indent, trailing newline: equal documents give equal text."""
    return dumps_pretty(doc.model_dump(mode="json"))


def write_findings_json(doc: FindingsDocument, path: Path) -> None:
    path.write_bytes(render_findings_json(doc).encode("utf-8"))
