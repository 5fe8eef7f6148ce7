"""``--store DEST``: where a run folder is uploaded, and the pieces every backend shares.

A destination is ``scheme://root.../prefix``: the scheme picks a backend from a registry
(:mod:`scanner.delivery.store.registry`), the first ``root_parts`` path components name
the bucket or container (and the namespace or account), the rest is a key prefix. A
plain path (no ``://``) is a local folder. Every file lands under
``<prefix>/<run-id>/``; the run id comes from the snapshot (collection end and digest),
so uploading the same run twice writes the same keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Protocol

from scanner.collectors.oci.clients import OciOptions


class UploadFailure(Exception):
    """Raised by a backend's ``put``; the message is safe to print (no secret)."""


class Uploader(Protocol):
    def put(self, key: str, source: Path, content_type: str) -> None:
        """Upload the file ``source`` as ``key``; raises UploadFailure."""


@dataclass(frozen=True)
class Destination:
    """A parsed ``--store`` value."""

    scheme: str
    root: tuple[str, ...]
    """The bucket or container, and the namespace or account before it (a path for file)."""
    prefix: str
    """Key prefix without leading or trailing slash; may be empty."""

    def key(self, *parts: str) -> str:
        return "/".join(part.strip("/") for part in (self.prefix, *parts) if part.strip("/"))

    def url(self, key: str = "") -> str:
        """Where ``key`` is, as a user would name it."""
        if self.scheme == LOCAL_SCHEME:
            return str(Path(self.root[0], *PurePosixPath(key).parts)) if key else self.root[0]
        return f"{self.scheme}://{'/'.join((*self.root, key)) if key else '/'.join(self.root)}"


LOCAL_SCHEME = "file"


@dataclass(frozen=True)
class StoreSettings:
    """Credentials and endpoints the cloud backends use (each takes what it needs)."""

    oci: OciOptions = field(default_factory=OciOptions)


Opener = Callable[[Destination, StoreSettings], Uploader]


@dataclass(frozen=True)
class Backend:
    scheme: str
    form: str
    """How a destination of this backend is written, for help and errors."""
    root_parts: int
    """Path components that name the container; the rest is the prefix."""
    open: Opener
    permission: str
    """What the credentials must be allowed to do (documentation and errors)."""


CONTENT_TYPES = {
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".sarif": "application/sarif+json",
    ".xml": "application/xml",
    ".prom": "text/plain; version=0.0.4",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".zip": "application/zip",
}
"""A fixed table (not the system's mime database), so uploads do not vary by machine."""


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def run_id(finished: str, snapshot_digest: str) -> str:
    """``20261101T090412Z-687a46c2``: the snapshot's collection end (UTC) and digest."""
    moment = datetime.fromisoformat(finished.replace("Z", "+00:00")).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{snapshot_digest[:8]}"


def run_files(run_dir: Path) -> list[tuple[str, Path]]:
    """Every regular file under ``run_dir`` as (relative POSIX path, path), sorted."""
    found = [
        (path.relative_to(run_dir).as_posix(), path)
        for path in run_dir.rglob("*")
        if path.is_file() and not path.is_symlink()
    ]
    return sorted(found)
