"""Read and write snapshot folders.

A snapshot folder holds::

    manifest.json      format version, versions, scope, times, sha256 of every data file
    resources.jsonl    one resource per line, sorted by uid
    edges.jsonl        one edge per line, sorted by (src, kind, dst, provenance)
    gaps.jsonl         one collection gap per line, sorted

Every line is canonical JSON, so equal snapshots are equal bytes. Reading verifies each
file's hash against the manifest before parsing it, and refuses a tampered, truncated or
incomplete folder with a :class:`SnapshotError` that names the file (and line).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from scanner.canonical import dumps, dumps_pretty, sha256_bytes
from scanner.errors import SnapshotError
from scanner.model import CollectionGap, Edge, Manifest, Resource, Snapshot
from scanner.model.snapshot import SNAPSHOT_FORMAT_VERSION

MANIFEST_FILE = "manifest.json"
DATA_FILES: dict[str, type[BaseModel]] = {
    "resources.jsonl": Resource,
    "edges.jsonl": Edge,
    "gaps.jsonl": CollectionGap,
}

_Model = TypeVar("_Model", bound=BaseModel)


def _jsonl(items: Iterable[BaseModel]) -> bytes:
    lines = (dumps(item.model_dump(mode="json", exclude_none=True)) + "\n" for item in items)
    return "".join(lines).encode("utf-8")


def write_snapshot(snapshot: Snapshot, folder: Path) -> Snapshot:
    """Write ``snapshot`` to ``folder`` (created if needed); return it with hashes set."""
    snapshot = snapshot.normalised()
    folder.mkdir(parents=True, exist_ok=True)
    payloads = {
        "resources.jsonl": _jsonl(snapshot.resources),
        "edges.jsonl": _jsonl(snapshot.edges),
        "gaps.jsonl": _jsonl(snapshot.gaps),
    }
    for name, payload in payloads.items():
        (folder / name).write_bytes(payload)
    manifest = snapshot.manifest.model_copy(
        update={
            "format_version": SNAPSHOT_FORMAT_VERSION,
            "files": {name: sha256_bytes(payload) for name, payload in payloads.items()},
            "counts": {
                "resources": len(snapshot.resources),
                "edges": len(snapshot.edges),
                "gaps": len(snapshot.gaps),
            },
        }
    )
    (folder / MANIFEST_FILE).write_text(
        dumps_pretty(manifest.model_dump(mode="json", exclude_none=True)), encoding="utf-8"
    )
    return snapshot.model_copy(update={"manifest": manifest})


def snapshot_digest(folder: Path) -> str:
    """The snapshot's identity: sha256 of its manifest (which hashes every data file)."""
    return sha256_bytes((folder / MANIFEST_FILE).read_bytes())


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise SnapshotError(f"{folder}: not a snapshot folder (no such directory)")
    if not path.is_file():
        raise SnapshotError(f"{path}: missing; a snapshot folder needs a manifest")
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise SnapshotError(f"{path}: invalid manifest: {_first_error(exc)}") from exc
    if manifest.format_version != SNAPSHOT_FORMAT_VERSION:
        raise SnapshotError(
            f"{path}: format version {manifest.format_version!r} is not supported "
            f"(this auditgraph reads {SNAPSHOT_FORMAT_VERSION!r})"
        )
    missing = sorted(set(DATA_FILES) - set(manifest.files))
    if missing:
        raise SnapshotError(f"{path}: the manifest lists no hash for {', '.join(missing)}")
    return manifest


def read_snapshot(folder: Path) -> Snapshot:
    """Read and verify a snapshot folder."""
    manifest = read_manifest(folder)
    contents: dict[str, bytes] = {}
    for name in DATA_FILES:
        path = folder / name
        if not path.is_file():
            raise SnapshotError(f"{path}: missing (listed in {MANIFEST_FILE})")
        data = path.read_bytes()
        if sha256_bytes(data) != manifest.files[name]:
            raise SnapshotError(
                f"{path}: sha256 does not match {MANIFEST_FILE}; the file was changed or "
                "truncated after collection, refusing to evaluate it"
            )
        contents[name] = data
    snapshot = Snapshot(
        manifest=manifest,
        resources=list(
            _parse_lines(folder / "resources.jsonl", contents["resources.jsonl"], Resource)
        ),
        edges=list(_parse_lines(folder / "edges.jsonl", contents["edges.jsonl"], Edge)),
        gaps=list(_parse_lines(folder / "gaps.jsonl", contents["gaps.jsonl"], CollectionGap)),
    )
    counts = {
        "resources": len(snapshot.resources),
        "edges": len(snapshot.edges),
        "gaps": len(snapshot.gaps),
    }
    if manifest.counts and manifest.counts != counts:
        raise SnapshotError(f"{folder / MANIFEST_FILE}: counts {manifest.counts} != {counts}")
    return snapshot


def _parse_lines(path: Path, data: bytes, model: type[_Model]) -> Iterator[_Model]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"{path}: not UTF-8 text at byte {exc.start}") from exc
    # Split on newline only: JSON strings may hold U+2028 and friends, which splitlines()
    # would break apart.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield model.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{path}:{number}:{exc.colno}: invalid JSON: {exc.msg}") from exc
        except ValidationError as exc:
            raise SnapshotError(f"{path}:{number}: {_first_error(exc)}") from exc


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])
