"""One self-contained HTML page per framework: requirements → controls → findings.

Every string that comes from a cloud (names, uids, messages, evidence values) is hostile
text. The Jinja environment escapes everything (``autoescape=True``), the template never
marks anything safe, and the page carries a Content-Security-Policy that forbids scripts
and external assets in case a browser is handed something unexpected.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from scanner.canonical import dumps
from scanner.engine.catalog import Catalog
from scanner.model import Evidence, FindingsDocument, JSONValue
from scanner.outputs.views import ControlCounts, FindingCounts, framework_view

FRAMEWORK_TEMPLATE = "framework.html.j2"

CountItem = tuple[str, str, int]
"""(status value used as a CSS class, label, count)."""


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """A strict, always-escaping Jinja environment reading templates from ``templates_dir``.

    Output does not depend on the platform: line endings are ``\\n`` and the final newline
    of a template is kept.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        newline_sequence="\n",
    )
    env.filters["json_value"] = json_value
    env.filters["status_label"] = status_label
    env.filters["evidence_fields"] = evidence_fields
    env.filters["finding_count_items"] = finding_count_items
    env.filters["control_count_items"] = control_count_items
    env.filters["sorted_strings"] = sorted_strings
    return env


def render_framework_html(
    doc: FindingsDocument, catalog: Catalog, framework_id: str, templates_dir: Path
) -> str:
    """The HTML report of one framework; equal inputs give equal text."""
    view = framework_view(doc, catalog, framework_id)
    template = make_environment(templates_dir).get_template(FRAMEWORK_TEMPLATE)
    return template.render(view=view, scan=doc.scan, format_version=doc.format_version)


def json_value(value: JSONValue) -> str:
    """An evidence value as canonical JSON text (sorted keys, UTF-8 kept as is)."""
    return dumps(value)


def status_label(status: str) -> str:
    """``not_applicable`` → ``not applicable``; other statuses unchanged."""
    return str(status).replace("_", " ")


def evidence_fields(evidence: Evidence) -> list[tuple[str, str]]:
    """Field path → value as JSON text, sorted by field path."""
    return [(key, json_value(evidence.fields[key])) for key in sorted(evidence.fields)]


def sorted_strings(values: list[str]) -> list[str]:
    return sorted(values)


def finding_count_items(counts: FindingCounts) -> list[CountItem]:
    """The non-zero finding counts, problems first."""
    items = [
        ("fail", "fail", counts.failed),
        ("error", "error", counts.error),
        ("inconclusive", "inconclusive", counts.inconclusive),
        ("pass", "pass", counts.passed),
        ("waived", "waived", counts.waived),
    ]
    return [item for item in items if item[2]]


def control_count_items(counts: ControlCounts) -> list[CountItem]:
    """The non-zero control counts, problems first."""
    items = [
        ("fail", "fail", counts.failed),
        ("error", "error", counts.error),
        ("inconclusive", "inconclusive", counts.inconclusive),
        ("pass", "pass", counts.passed),
        ("not_applicable", "not applicable", counts.not_applicable),
    ]
    return [item for item in items if item[2]]
