"""The stages composed: snapshot folder → graph → findings. Each stage also runs alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scanner import __version__
from scanner.config import EstateConfig
from scanner.engine.catalog import Catalog
from scanner.engine.evaluate import EvaluationContext, Evaluator
from scanner.engine.waivers import Waiver, WaiverRegister, apply_waivers
from scanner.graph import EstateGraph, build_graph
from scanner.model import Finding, FindingsDocument, ScanInfo, Snapshot
from scanner.snapshot import read_snapshot, snapshot_digest

ProgressHook = Callable[[str, int, int], None]
"""Called as (step, done, total) while controls are evaluated."""


@dataclass(frozen=True)
class Evaluation:
    snapshot: Snapshot
    graph: EstateGraph
    findings: FindingsDocument
    waiver_register: WaiverRegister | None = None
    """What each waiver did, when waivers were given."""


def evaluate_snapshot(
    snapshot: Snapshot,
    digest: str,
    catalog: Catalog,
    config: EstateConfig,
    progress: ProgressHook | None = None,
    *,
    waivers: Sequence[Waiver] | None = None,
) -> Evaluation:
    """Evaluate every control of ``catalog``, then apply ``waivers`` (if given) at the
    snapshot's collection end; tag selectors need the resources, so it happens here."""
    graph = build_graph(snapshot, config.declared_links)
    context = EvaluationContext(
        graph=graph,
        gaps=snapshot.gaps,
        params=config.params,
        now=snapshot.manifest.finished_at,
        snapshot_digest=digest,
    )
    evaluator = Evaluator(context)
    findings: list[Finding] = []
    total = len(catalog.controls)
    for done, control in enumerate(catalog.controls, start=1):
        findings.extend(evaluator.evaluate_control(control))
        if progress is not None:
            progress(control.id, done, total)
    findings.sort(key=lambda f: (f.control_id, f.resource_uid))
    scan = ScanInfo(
        snapshot_digest=digest,
        catalog_digest=catalog.digest,
        started=snapshot.manifest.started_at,
        finished=snapshot.manifest.finished_at,
        scanner_version=__version__,
    )
    doc = FindingsDocument(scan=scan, findings=findings)
    if waivers is None:
        return Evaluation(snapshot, graph, doc)
    waived = apply_waivers(doc, snapshot.resources, waivers)
    return Evaluation(snapshot, graph, waived.findings, waived.register)


def evaluate_folder(
    folder: Path,
    catalog: Catalog,
    config: EstateConfig,
    progress: ProgressHook | None = None,
    *,
    waivers: Sequence[Waiver] | None = None,
) -> Evaluation:
    """Read and verify a snapshot folder, then evaluate it."""
    snapshot = read_snapshot(folder)
    digest = snapshot_digest(folder)
    return evaluate_snapshot(snapshot, digest, catalog, config, progress, waivers=waivers)
