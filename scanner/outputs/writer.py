"""Write the selected report formats to an output folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scanner.engine.catalog import Catalog
from scanner.model import FindingsDocument
from scanner.outputs.findings_json import render_findings_json
from scanner.outputs.html import render_framework_html
from scanner.outputs.markdown import render_summary_md

OUTPUT_FORMATS: tuple[str, ...] = ("json", "html", "md")

FINDINGS_JSON = "findings.json"
SUMMARY_MD = "summary.md"


def framework_report_name(framework_id: str) -> str:
    return f"report-{framework_id}.html"


def write_reports(
    doc: FindingsDocument,
    catalog: Catalog,
    out_dir: Path,
    formats: Sequence[str],
    frameworks: Sequence[str],
    templates_dir: Path,
) -> list[Path]:
    """Write ``findings.json``, ``report-<framework>.html`` and ``summary.md`` as selected.

    Formats and frameworks are checked, and every report rendered, before anything is
    written, so a bad argument leaves ``out_dir`` untouched. Returns the written paths,
    sorted.
    """
    for name in formats:
        if name not in OUTPUT_FORMATS:
            raise ValueError(
                f"unknown output format {name!r}; accepted formats: {', '.join(OUTPUT_FORMATS)}"
            )
    unknown = [fid for fid in frameworks if fid not in catalog.frameworks]
    if unknown:
        raise ValueError(
            f"unknown framework {unknown[0]!r}; known frameworks: "
            f"{', '.join(sorted(catalog.frameworks)) or 'none'}"
        )
    selected = set(formats)
    framework_ids = list(dict.fromkeys(frameworks))
    outputs: dict[str, str] = {}
    if "json" in selected:
        outputs[FINDINGS_JSON] = render_findings_json(doc)
    if "html" in selected:
        for framework_id in framework_ids:
            outputs[framework_report_name(framework_id)] = render_framework_html(
                doc, catalog, framework_id, templates_dir
            )
    if "md" in selected:
        outputs[SUMMARY_MD] = render_summary_md(doc, catalog, framework_ids, templates_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in outputs.items():
        path = out_dir / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return sorted(written)
