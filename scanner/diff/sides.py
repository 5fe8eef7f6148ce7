"""Turn what the user names on ``auditgraph diff`` into a :class:`DiffSide`.

Each resolver recognises one kind of argument and returns ``None`` for the others;
:data:`SIDE_RESOLVERS` lists them in the order they are tried. A new source of scans (a
scan id in a history store) is one more resolver in that tuple.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from scanner.bundled import controls_dir
from scanner.config import EstateConfig, load_config
from scanner.diff.core import DiffSide
from scanner.engine.catalog import Catalog, load_catalog
from scanner.engine.waiver_file import load_waivers
from scanner.engine.waivers import Waiver
from scanner.errors import DiffInputError
from scanner.model import FindingsDocument
from scanner.pipeline import evaluate_folder
from scanner.snapshot import read_snapshot, snapshot_digest
from scanner.snapshot.io import MANIFEST_FILE

FINDINGS_FILE = "findings.json"
RUN_SNAPSHOT_DIR = "snapshot"


@dataclass(frozen=True)
class SideContext:
    """What evaluating a snapshot folder needs; loaded once, and only when needed."""

    catalog_path: Path | None = None
    config_path: Path | None = None
    waivers_path: Path | None = None

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.catalog_path or controls_dir())

    @cached_property
    def config(self) -> EstateConfig:
        return load_config(self.config_path) if self.config_path else EstateConfig()

    @cached_property
    def waivers(self) -> tuple[Waiver, ...] | None:
        if self.waivers_path is None:
            return None
        return load_waivers(self.waivers_path, {c.id for c in self.catalog.controls})


SideResolver = Callable[[str, SideContext], DiffSide | None]
"""Returns the side ``argument`` names, or None when the argument is not its kind."""


def run_folder_side(argument: str, context: SideContext) -> DiffSide | None:
    """A run folder (``scan --out``): its findings.json and the snapshot/ it evaluated."""
    folder = Path(argument)
    findings_path = folder / FINDINGS_FILE
    if not findings_path.is_file():
        return None
    snapshot_dir = folder / RUN_SNAPSHOT_DIR
    if not (snapshot_dir / MANIFEST_FILE).is_file():
        raise DiffInputError(
            f"{folder}: a run folder without {RUN_SNAPSHOT_DIR}/{MANIFEST_FILE}; resource "
            "drift needs the snapshot the findings came from"
        )
    findings = _read_findings(findings_path)
    digest = snapshot_digest(snapshot_dir)
    if digest != findings.scan.snapshot_digest:
        raise DiffInputError(
            f"{snapshot_dir}: snapshot {digest[:12]} is not the one {findings_path} was "
            f"produced from ({findings.scan.snapshot_digest[:12]})"
        )
    return DiffSide.of(argument, findings, read_snapshot(snapshot_dir).resources)


def snapshot_folder_side(argument: str, context: SideContext) -> DiffSide | None:
    """A snapshot folder, evaluated now with the context's catalog, config and waivers."""
    folder = Path(argument)
    if not (folder / MANIFEST_FILE).is_file():
        return None
    evaluation = evaluate_folder(folder, context.catalog, context.config, waivers=context.waivers)
    return DiffSide.of(argument, evaluation.findings, evaluation.snapshot.resources)


SIDE_RESOLVERS: tuple[SideResolver, ...] = (run_folder_side, snapshot_folder_side)


def resolve_side(
    argument: str,
    context: SideContext,
    resolvers: tuple[SideResolver, ...] = SIDE_RESOLVERS,
) -> DiffSide:
    """The side ``argument`` names: the first resolver that recognises it wins."""
    for resolver in resolvers:
        side = resolver(argument, context)
        if side is not None:
            return side
    raise DiffInputError(
        f"{argument}: neither a run folder ({FINDINGS_FILE} and {RUN_SNAPSHOT_DIR}/) nor a "
        f"snapshot folder ({MANIFEST_FILE})"
    )


def _read_findings(path: Path) -> FindingsDocument:
    try:
        return FindingsDocument.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise DiffInputError(f"{path}: not a findings document: {where}: {error['msg']}") from exc
