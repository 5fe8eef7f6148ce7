"""The self-sufficient run folder: what ``scan``/``evaluate`` ran on, next to its reports.

Besides ``findings.json`` and the reports, a run folder holds::

    snapshot/            the snapshot evaluated (manifest.json + data files), byte for byte
    inputs/catalog/      the control files and frameworks/ of the catalog used
    inputs/estate.yaml   the estate config, when one was given
    inputs/waivers.yaml  the waivers file, when one was given
    run.json             what was run: version, selection, frameworks, formats, digests

so that the folder alone is enough to re-evaluate the run or to export evidence from it.
Every source is read into memory before anything is written, so re-evaluating a run
folder into itself (``--catalog run/inputs/catalog --out run``) is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import Field, ValidationError, field_validator

from scanner import __version__
from scanner.canonical import dumps_pretty, sha256_bytes
from scanner.errors import AuditgraphError
from scanner.model.base import Contract
from scanner.snapshot.io import DATA_FILES, MANIFEST_FILE

RUN_RECORD_FORMAT_VERSION = "1"
RUN_FILE = "run.json"
SNAPSHOT_DIR = "snapshot"
INPUTS_DIR = "inputs"
CATALOG_DIR = f"{INPUTS_DIR}/catalog"
FRAMEWORKS_SUBDIR = "frameworks"
SNAPSHOT_FILES = (MANIFEST_FILE, *DATA_FILES)


class RunFolderError(AuditgraphError):
    """A run folder that cannot be used: no run.json, or one that is not valid."""


class RunSelection(Contract):
    """What --control, --severity and --cloud kept; empty means everything."""

    controls: list[str] = Field(default_factory=list)
    min_severity: str | None = None
    clouds: list[str] = Field(default_factory=list)


class RunRecord(Contract):
    """``run.json``: enough to re-run the evaluation exactly. Paths are relative, POSIX."""

    format_version: str = RUN_RECORD_FORMAT_VERSION
    scanner_version: str
    selection: RunSelection
    frameworks: list[str]
    formats: list[str]
    snapshot: str = SNAPSHOT_DIR
    snapshot_digest: str
    catalog: str = CATALOG_DIR
    catalog_digest: str = Field(description="Digest of the whole catalog copied to inputs/.")
    config: str | None = None
    waivers: str | None = None

    @field_validator("snapshot", "catalog", "config", "waivers")
    @classmethod
    def _inside_the_run(cls, value: str | None) -> str | None:
        """Paths stay inside the run folder: a bundle's run.json is untrusted input."""
        if value is None:
            return value
        parts = PurePosixPath(value).parts
        if not parts or value.startswith("/") or "\\" in value or ".." in parts:
            raise ValueError(f"{value!r} is not a relative path inside the run folder")
        return value


@dataclass(frozen=True)
class RunSources:
    """Where the inputs of a run came from, before they are copied into the run folder."""

    snapshot: Path
    catalog: Path
    config: Path | None
    waivers: Path | None


def catalog_files(catalog: Path) -> dict[str, bytes]:
    """The control files and framework files of a catalog folder (or of one control file),
    keyed by their path inside ``inputs/catalog`` (the layout the catalog loader reads)."""
    controls_root = catalog.parent if catalog.is_file() else catalog
    controls = [catalog] if catalog.is_file() else sorted(catalog.glob("*.yaml"))
    frameworks = sorted((controls_root / FRAMEWORKS_SUBDIR).glob("*.yaml"))
    files = {path.name: path.read_bytes() for path in controls}
    files.update({f"{FRAMEWORKS_SUBDIR}/{path.name}": path.read_bytes() for path in frameworks})
    return files


def input_name(stem: str, source: Path) -> str:
    """``inputs/<stem><suffix>``: a fixed name, the source's suffix kept (.yaml, .yml)."""
    return f"{INPUTS_DIR}/{stem}{source.suffix or '.yaml'}"


def run_files(sources: RunSources) -> dict[str, bytes]:
    """Every input file of the run folder, by relative POSIX path, read from the sources."""
    files = {
        f"{SNAPSHOT_DIR}/{name}": (sources.snapshot / name).read_bytes() for name in SNAPSHOT_FILES
    }
    files.update({f"{CATALOG_DIR}/{n}": data for n, data in catalog_files(sources.catalog).items()})
    if sources.config is not None:
        files[input_name("estate", sources.config)] = sources.config.read_bytes()
    if sources.waivers is not None:
        files[input_name("waivers", sources.waivers)] = sources.waivers.read_bytes()
    return files


def make_record(
    sources: RunSources,
    selection: RunSelection,
    frameworks: list[str],
    formats: list[str],
    catalog_digest: str,
) -> RunRecord:
    snapshot_digest = sha256_bytes((sources.snapshot / MANIFEST_FILE).read_bytes())
    return RunRecord(
        scanner_version=__version__,
        selection=selection,
        frameworks=frameworks,
        formats=formats,
        snapshot_digest=snapshot_digest,
        catalog_digest=catalog_digest,
        config=input_name("estate", sources.config) if sources.config else None,
        waivers=input_name("waivers", sources.waivers) if sources.waivers else None,
    )


def render_record(record: RunRecord) -> bytes:
    return dumps_pretty(record.model_dump(mode="json")).encode("utf-8")


def write_run_folder(out: Path, sources: RunSources, record: RunRecord) -> list[Path]:
    """Copy the inputs into ``out`` and write ``run.json``; returns the paths written.

    Files of ``inputs/`` that belong to no input of this run are removed, so the folder
    never mixes two runs' catalogs.
    """
    files = run_files(sources)
    files[RUN_FILE] = render_record(record)
    stale = [
        path
        for path in sorted((out / INPUTS_DIR).rglob("*"))
        if path.is_file() and path.relative_to(out).as_posix() not in files
    ]
    for path in stale:
        path.unlink()
    written: list[Path] = []
    for name, data in sorted(files.items()):
        target = out.joinpath(*PurePosixPath(name).parts)
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def read_record(run_dir: Path) -> RunRecord:
    """The run record of a run folder, or a :class:`RunFolderError` naming the file."""
    path = run_dir / RUN_FILE
    if not run_dir.is_dir():
        raise RunFolderError(f"{run_dir}: not a run folder (no such directory)")
    if not path.is_file():
        raise RunFolderError(
            f"{path}: missing; a run folder is written by `auditgraph scan` or `evaluate`"
        )
    try:
        return RunRecord.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise RunFolderError(f"{path}: not a run record: {where}: {error['msg']}") from exc


def record_run(
    out: Path,
    sources: RunSources,
    selection: RunSelection,
    frameworks: list[str],
    formats: list[str],
    catalog_digest: str,
) -> list[Path]:
    """Make ``out`` a self-sufficient run folder (see the module docstring)."""
    record = make_record(sources, selection, frameworks, formats, catalog_digest)
    return write_run_folder(out, sources, record)
