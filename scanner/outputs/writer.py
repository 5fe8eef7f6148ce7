"""The report formats, as an explicit registry, and writing them to an output folder.

:data:`RENDERERS` maps each format name to a renderer: a pure function of the findings
document, the catalog, the selected frameworks and the templates folder that returns the
files of that format as {file name: text}. Adding a format is one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from scanner.engine.catalog import Catalog
from scanner.model import FindingsDocument
from scanner.outputs.csv_report import render_csv_files
from scanner.outputs.findings_json import render_findings_json
from scanner.outputs.html import render_framework_html
from scanner.outputs.junit import render_junit_files
from scanner.outputs.markdown import render_summary_md
from scanner.outputs.ocsf import render_ocsf_files
from scanner.outputs.oscal import render_oscal_files
from scanner.outputs.prometheus import render_prometheus_files
from scanner.outputs.sarif import render_sarif_files

FINDINGS_JSON = "findings.json"
SUMMARY_MD = "summary.md"


class Renderer(Protocol):
    """Renders one format: {file name: text}, equal inputs giving equal text."""

    def __call__(
        self,
        doc: FindingsDocument,
        catalog: Catalog,
        frameworks: Sequence[str],
        templates_dir: Path,
    ) -> dict[str, str]: ...


def framework_report_name(framework_id: str) -> str:
    return f"report-{framework_id}.html"


def render_json_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {FINDINGS_JSON: render_findings_json(doc)}


def render_html_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {
        framework_report_name(framework_id): render_framework_html(
            doc, catalog, framework_id, templates_dir
        )
        for framework_id in frameworks
    }


def render_md_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {SUMMARY_MD: render_summary_md(doc, catalog, frameworks, templates_dir)}


RENDERERS: Mapping[str, Renderer] = MappingProxyType(
    {
        "json": render_json_files,
        "html": render_html_files,
        "md": render_md_files,
        "csv": render_csv_files,
        "sarif": render_sarif_files,
        "junit": render_junit_files,
        "ocsf": render_ocsf_files,
        "oscal": render_oscal_files,
        "prom": render_prometheus_files,
    }
)
"""Format name → renderer, in the order formats are listed in help texts."""

OUTPUT_FORMATS: tuple[str, ...] = tuple(RENDERERS)
"""Every format name the writer accepts."""

DEFAULT_FORMATS: tuple[str, ...] = ("json", "html", "md")
"""What scan, evaluate and report write when no --format is given."""

ALL_FORMATS = "all"
"""The --format value that selects every registered format."""

FORMAT_CHOICES: tuple[str, ...] = (*OUTPUT_FORMATS, ALL_FORMATS)
"""Values --format accepts."""


def resolve_formats(chosen: Sequence[str]) -> list[str]:
    """The formats to write: the defaults when none is chosen, every one for ``all``."""
    if not chosen:
        return list(DEFAULT_FORMATS)
    if ALL_FORMATS in chosen:
        return list(OUTPUT_FORMATS)
    return list(dict.fromkeys(chosen))


def render_reports(
    doc: FindingsDocument,
    catalog: Catalog,
    formats: Sequence[str],
    frameworks: Sequence[str],
    templates_dir: Path,
) -> dict[str, str]:
    """Every file of the selected formats as {file name: text}, without writing anything.

    ``all`` selects every format. Raises ValueError naming an unknown format or framework.
    """
    selected = list(OUTPUT_FORMATS) if ALL_FORMATS in formats else list(dict.fromkeys(formats))
    for name in selected:
        if name not in RENDERERS:
            raise ValueError(
                f"unknown output format {name!r}; accepted formats: {', '.join(OUTPUT_FORMATS)}"
            )
    unknown = [fid for fid in frameworks if fid not in catalog.frameworks]
    if unknown:
        raise ValueError(
            f"unknown framework {unknown[0]!r}; known frameworks: "
            f"{', '.join(sorted(catalog.frameworks)) or 'none'}"
        )
    framework_ids = list(dict.fromkeys(frameworks))
    outputs: dict[str, str] = {}
    for name in selected:
        outputs.update(RENDERERS[name](doc, catalog, framework_ids, templates_dir))
    return outputs


def write_reports(
    doc: FindingsDocument,
    catalog: Catalog,
    out_dir: Path,
    formats: Sequence[str],
    frameworks: Sequence[str],
    templates_dir: Path,
) -> list[Path]:
    """Write the files of the selected formats (see :data:`RENDERERS`) to ``out_dir``.

    Formats and frameworks are checked, and every report rendered, before anything is
    written, so a bad argument leaves ``out_dir`` untouched. Returns the written paths,
    sorted.
    """
    outputs = render_reports(doc, catalog, formats, frameworks, templates_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, text in outputs.items():
        path = out_dir / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return sorted(written)
