"""Evaluate a run folder again, exactly as ``scan``/``evaluate`` did, from its own files.

Export uses it to produce the bundle's findings and reports; verify uses it on the
unpacked bundle and compares what it gets with what the bundle holds. Both go through
the same selection, evaluation and waiver functions as the CLI.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scanner.bundled import reports_dir
from scanner.config import EstateConfig, load_config
from scanner.engine.catalog import Catalog, load_catalog
from scanner.engine.waiver_file import load_waivers
from scanner.engine.waivers import WaiverRegister, WaiverState
from scanner.model import FindingsDocument, Snapshot
from scanner.outputs.evidence.index import render_gaps, render_index
from scanner.outputs.findings_json import render_findings_json
from scanner.outputs.run_record import RunRecord, read_record
from scanner.outputs.waiver_register import WAIVERS_JSON, render_register_json
from scanner.outputs.writer import OUTPUT_FORMATS, write_reports
from scanner.pipeline import evaluate_folder
from scanner.selection import select_catalog, select_findings, selection_of

FINDINGS_FILE = "findings.json"
INDEX_FILE = "evidence-index.json"
GAPS_FILE = "collection-gaps.json"
REPORTS_DIR = "reports"
REPORT_FORMATS = ("html", "csv")
"""Report formats a bundle carries, rendered through the writer registry by name."""


@dataclass(frozen=True)
class RunFolder:
    """A run folder on disk and its ``run.json``."""

    root: Path
    record: RunRecord

    def path(self, relative: str) -> Path:
        return self.root.joinpath(*PurePosixPath(relative).parts)

    @property
    def snapshot(self) -> Path:
        return self.path(self.record.snapshot)

    @property
    def catalog(self) -> Path:
        return self.path(self.record.catalog)

    @property
    def config(self) -> Path | None:
        return self.path(self.record.config) if self.record.config else None

    @property
    def waivers(self) -> Path | None:
        return self.path(self.record.waivers) if self.record.waivers else None


def open_run(root: Path) -> RunFolder:
    return RunFolder(root, read_record(root))


@dataclass(frozen=True)
class Reproduced:
    """What evaluating a run folder again gives."""

    catalog: Catalog
    """The whole catalog of the run's inputs."""
    selected: Catalog
    """The controls the run's selection kept."""
    snapshot: Snapshot
    findings: FindingsDocument
    register: WaiverRegister | None

    @property
    def active_waivers(self) -> list[str]:
        if self.register is None:
            return []
        return [entry.waiver.id for entry in self.register.in_state(WaiverState.ACTIVE)]


def reproduce(run: RunFolder) -> Reproduced:
    """Load the run's catalog, config and waivers; select, evaluate and waive as the CLI."""
    catalog = load_catalog(run.catalog)
    selection = selection_of(run.record.selection)
    selected = select_catalog(catalog, selection)
    config = load_config(run.config) if run.config else EstateConfig()
    known_ids = {compiled.id for compiled in catalog.controls}
    waivers = load_waivers(run.waivers, known_ids) if run.waivers else None
    evaluation = evaluate_folder(run.snapshot, selected, config, waivers=waivers)
    doc = select_findings(evaluation.findings, selection)
    return Reproduced(catalog, selected, evaluation.snapshot, doc, evaluation.waiver_register)


def derived_files(result: Reproduced, frameworks: Sequence[str]) -> dict[str, bytes]:
    """The files of a bundle that are computed from its inputs (verify recomputes them)."""
    files = {
        FINDINGS_FILE: render_findings_json(result.findings).encode("utf-8"),
        INDEX_FILE: render_index(result.findings, result.selected, frameworks),
        GAPS_FILE: render_gaps(result.snapshot.gaps),
    }
    if result.register is not None:
        files[WAIVERS_JSON] = render_register_json(result.register).encode("utf-8")
    return files


def report_files(result: Reproduced, frameworks: Sequence[str]) -> dict[str, bytes]:
    """The framework reports (the formats of :data:`REPORT_FORMATS` that are registered),
    by their path inside the bundle."""
    formats = [name for name in REPORT_FORMATS if name in OUTPUT_FORMATS]
    with tempfile.TemporaryDirectory(prefix="auditgraph-reports-") as scratch:
        folder = Path(scratch)
        written = write_reports(
            result.findings, result.selected, folder, formats, frameworks, reports_dir()
        )
        return {
            f"{REPORTS_DIR}/{path.relative_to(folder).as_posix()}": path.read_bytes()
            for path in written
        }
