"""The Markdown summary: scan info, framework totals, failing and inconclusive findings.

Cloud text lands in table cells, so every cell goes through :func:`md_cell`, which keeps
it on one line and stops it from closing the cell, opening a code span or forming a link.
The environment also escapes HTML, so a Markdown viewer that passes raw HTML through still
shows hostile text as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.engine.catalog import Catalog
from scanner.model import FindingsDocument, Status
from scanner.outputs.html import make_environment
from scanner.outputs.views import findings_with_status, framework_views

SUMMARY_TEMPLATE = "summary.md.j2"

_MD_SPECIAL = frozenset("\\|`*_[]~")
"""Characters escaped with a backslash in a cell. ``<``, ``>`` and ``&`` are left to the
environment's HTML escaping: a backslash before the entity it produces would show the
entity itself."""


def md_cell(value: object) -> str:
    """Make any value safe as the content of one Markdown table cell.

    Line breaks of any kind become spaces, and backslashes, pipes, backticks and the
    characters that start emphasis, links or strike-through are backslash-escaped. HTML
    special characters are escaped afterwards by the template environment.
    """
    text = " ".join(str(value).splitlines())
    return "".join(f"\\{char}" if char in _MD_SPECIAL else char for char in text)


def render_summary_md(
    doc: FindingsDocument,
    catalog: Catalog,
    frameworks: Sequence[str],
    templates_dir: Path,
) -> str:
    """The Markdown summary for the given frameworks; equal inputs give equal text."""
    env = make_environment(templates_dir)
    env.filters["md_cell"] = md_cell
    template = env.get_template(SUMMARY_TEMPLATE)
    return template.render(
        scan=doc.scan,
        format_version=doc.format_version,
        views=framework_views(doc, catalog, frameworks),
        failing=findings_with_status(doc, Status.FAIL),
        inconclusive=findings_with_status(doc, Status.INCONCLUSIVE),
        errors=findings_with_status(doc, Status.ERROR),
        waived=findings_with_status(doc, Status.WAIVED),
        total_findings=len(doc.findings),
    )
