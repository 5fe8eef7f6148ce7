"""The reference estate, and modified copies of it, evaluated for the history tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scanner.bundled import controls_dir
from scanner.config import load_config
from scanner.engine.catalog import load_catalog
from scanner.model import Resource, Snapshot
from scanner.pipeline import Evaluation, evaluate_folder
from scanner.snapshot import read_snapshot, write_snapshot

REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "estates" / "reference"

OPS_LEGACY = "arn:aws:iam::111122223333:user/ops-legacy"
BREAKGLASS_AWS = "arn:aws:iam::111122223333:user/breakglass-aws"
CI_FULL_ACCESS = "arn:aws:iam::111122223333:policy/ci-full-access"


def evaluate_reference(folder: Path | None = None) -> Evaluation:
    catalog = load_catalog(controls_dir())
    config = load_config(REFERENCE / "estate.yaml")
    return evaluate_folder(folder or REFERENCE / "snapshot", catalog, config)


def _set_props(resource: Resource, **props: object) -> Resource:
    return resource.model_copy(update={"props": {**resource.props, **props}})


def restamped(snapshot: Snapshot, day: int) -> Snapshot:
    """The snapshot as if collected on November ``day`` (same hours)."""
    manifest = snapshot.manifest.model_copy(
        update={
            "started_at": f"2026-11-{day:02d}T09:00:00Z",
            "finished_at": f"2026-11-{day:02d}T09:04:12Z",
        }
    )
    return snapshot.model_copy(update={"manifest": manifest})


def modified(snapshot: Snapshot) -> Snapshot:
    """ops-legacy gets MFA, breakglass-aws loses it, ci-full-access is deleted."""
    edits: dict[str, Callable[[Resource], Resource]] = {
        OPS_LEGACY: lambda r: _set_props(r, mfa_enabled=True),
        BREAKGLASS_AWS: lambda r: _set_props(r, mfa_enabled=False),
    }
    resources = [
        edits.get(r.uid, lambda r: r)(r) for r in snapshot.resources if r.uid != CI_FULL_ACCESS
    ]
    edges = [e for e in snapshot.edges if CI_FULL_ACCESS not in (e.src, e.dst)]
    return snapshot.model_copy(update={"resources": resources, "edges": edges})


def evaluate_variant(
    tmp_path: Path, name: str, change: Callable[[Snapshot], Snapshot]
) -> Evaluation:
    folder = tmp_path / name
    write_snapshot(change(read_snapshot(REFERENCE / "snapshot")), folder)
    return evaluate_reference(folder)
