"""Export a run folder as an evidence bundle (see ``manifest.py`` for the container).

The bundle unpacks to a run folder: ``snapshot/``, ``inputs/`` and ``run.json`` (what
was evaluated and how), plus what that evaluation gives (``findings.json``,
``evidence-index.json``, ``collection-gaps.json``, ``waivers.json`` when waivers were
used, ``reports/``), the ``manifest.json`` that hashes all of it and, when signed, the
``signature``. Export evaluates the run's inputs again rather than trusting the files in
the run folder, and refuses a run folder whose findings.json no longer matches them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner import __version__
from scanner.canonical import sha256_bytes
from scanner.errors import AuditgraphError
from scanner.model import Snapshot
from scanner.outputs.evidence.keys import key_id
from scanner.outputs.evidence.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILE,
    BundleManifest,
    CatalogInfo,
    TimeWindow,
    expression_digests,
    zip_members,
)
from scanner.outputs.evidence.redact_ids import IdRedactor, account_ids
from scanner.outputs.evidence.reproduce import (
    FINDINGS_FILE,
    Reproduced,
    RunFolder,
    derived_files,
    open_run,
    report_files,
    reproduce,
)
from scanner.outputs.run_record import (
    CATALOG_DIR,
    RUN_FILE,
    SNAPSHOT_DIR,
    SNAPSHOT_FILES,
    RunRecord,
    catalog_files,
    input_name,
    render_record,
)
from scanner.snapshot import read_snapshot, write_snapshot


class EvidenceError(AuditgraphError):
    """A run folder that cannot be exported as it is."""


@dataclass(frozen=True)
class ExportOptions:
    sign_key: Ed25519PrivateKey | None = None
    redact_key: bytes | None = None
    """Key of the id pseudonyms; None keeps the ids as they are."""


@dataclass(frozen=True)
class Exported:
    data: bytes
    manifest: BundleManifest
    members: list[str]


def input_files(run: RunFolder) -> dict[str, bytes]:
    """The run's inputs under the standard run-folder layout, and a run.json to match."""
    files = {
        f"{SNAPSHOT_DIR}/{name}": (run.snapshot / name).read_bytes() for name in SNAPSHOT_FILES
    }
    files.update({f"{CATALOG_DIR}/{n}": data for n, data in catalog_files(run.catalog).items()})
    record = run.record.model_copy(
        update={"snapshot": SNAPSHOT_DIR, "catalog": CATALOG_DIR, "config": None, "waivers": None}
    )
    for field, path in (("config", run.config), ("waivers", run.waivers)):
        if path is not None:
            name = input_name("estate" if field == "config" else "waivers", path)
            files[name] = path.read_bytes()
            record = record.model_copy(update={field: name})
    files[RUN_FILE] = render_record(record)
    return files


def redacted_inputs(files: Mapping[str, bytes], run: RunFolder, key: bytes) -> dict[str, bytes]:
    """The inputs with every account id pseudonymised; the snapshot is written again so
    that its manifest hashes the redacted files."""
    snapshot = read_snapshot(run.snapshot)
    redactor = IdRedactor(account_ids(snapshot), key)
    out = {name: redactor.file(name, data) for name, data in files.items()}
    out.update(_snapshot_files(redactor.snapshot(snapshot)))
    return out


def _snapshot_files(snapshot: Snapshot) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="auditgraph-snapshot-") as scratch:
        write_snapshot(snapshot, Path(scratch))
        return {f"{SNAPSHOT_DIR}/{n}": (Path(scratch) / n).read_bytes() for n in SNAPSHOT_FILES}


def materialise(files: Mapping[str, bytes], root: Path) -> None:
    """Write ``files`` (relative POSIX paths) under ``root``."""
    for name, data in files.items():
        target = root.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def evaluate_inputs(files: dict[str, bytes]) -> tuple[RunRecord, Reproduced]:
    """Evaluate the inputs of a bundle-to-be; run.json gets the digests they really have."""
    with tempfile.TemporaryDirectory(prefix="auditgraph-run-") as scratch:
        root = Path(scratch)
        materialise(files, root)
        run = open_run(root)
        result = reproduce(run)
    record = run.record.model_copy(
        update={
            "snapshot_digest": sha256_bytes(files[f"{SNAPSHOT_DIR}/{MANIFEST_FILE}"]),
            "catalog_digest": result.catalog.digest,
            "scanner_version": __version__,
        }
    )
    files[RUN_FILE] = render_record(record)
    return record, result


def _check_against_run(run: RunFolder, findings: bytes) -> None:
    path = run.root / FINDINGS_FILE
    if path.is_file() and path.read_bytes() != findings:
        raise EvidenceError(
            f"{path}: differs from a fresh evaluation of the run folder's own inputs "
            "(edited, or written by another auditgraph version); run the scan again"
        )


def build_manifest(
    record: RunRecord, result: Reproduced, files: Mapping[str, bytes], options: ExportOptions
) -> BundleManifest:
    manifest = result.snapshot.manifest
    findings = result.findings
    return BundleManifest(
        scanner_version=__version__,
        collector_version=manifest.scanner_version,
        sdk_versions=manifest.sdk_versions,
        scope=manifest.scope,
        callers={cloud: scope.caller for cloud, scope in manifest.scope.items()},
        time_window=TimeWindow(started=manifest.started_at, finished=manifest.finished_at),
        catalog=CatalogInfo(
            digest=result.catalog.digest,
            evaluated_digest=findings.scan.catalog_digest,
            expressions=expression_digests(result.catalog),
        ),
        snapshot_digest=findings.scan.snapshot_digest,
        findings_digest=sha256_bytes(files[FINDINGS_FILE]),
        selection=record.selection,
        frameworks=record.frameworks,
        active_waivers=result.active_waivers,
        redacted_ids=options.redact_key is not None,
        signed_by=key_id(options.sign_key.public_key()) if options.sign_key else None,
        files={name: sha256_bytes(files[name]) for name in sorted(files)},
    )


def export_bundle(run_dir: Path, options: ExportOptions) -> Exported:
    """Build the bundle of ``run_dir`` in memory."""
    run = open_run(run_dir)
    files = input_files(run)
    if options.redact_key is not None:
        files = redacted_inputs(files, run, options.redact_key)
    record, result = evaluate_inputs(files)
    derived = derived_files(result, record.frameworks)
    if options.redact_key is None:
        _check_against_run(run, derived[FINDINGS_FILE])
    files.update(derived)
    files.update(report_files(result, record.frameworks))
    manifest = build_manifest(record, result, files, options)
    members = {MANIFEST_FILE: manifest.render(), **files}
    if options.sign_key is not None:
        members[SIGNATURE_FILE] = options.sign_key.sign(members[MANIFEST_FILE])
    data = zip_members(members, manifest.time_window.finished)
    return Exported(data, manifest, sorted(members))
