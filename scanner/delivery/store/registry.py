"""The result-store backends by URL scheme, parsing ``--store``, and the upload itself."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.delivery.errors import StoreUrlError, UploadError
from scanner.delivery.store.azure_blob import open_blob_container
from scanner.delivery.store.destination import (
    LOCAL_SCHEME,
    Backend,
    Destination,
    StoreSettings,
    UploadFailure,
    content_type,
    run_files,
)
from scanner.delivery.store.local import open_folder
from scanner.delivery.store.oci_objects import open_oci_bucket
from scanner.delivery.store.s3 import open_s3

BACKENDS: Mapping[str, Backend] = {
    LOCAL_SCHEME: Backend(LOCAL_SCHEME, "PATH", 1, open_folder, "write access to the folder"),
    "s3": Backend("s3", "s3://bucket/prefix", 1, open_s3, "s3:PutObject on the bucket"),
    "oci": Backend(
        "oci",
        "oci://namespace/bucket/prefix",
        2,
        open_oci_bucket,
        "manage objects on the bucket (OBJECT_CREATE, OBJECT_OVERWRITE)",
    ),
    "az": Backend(
        "az",
        "az://account/container/prefix",
        2,
        open_blob_container,
        "the Storage Blob Data Contributor role on the container",
    ),
}

EVIDENCE_KEY = "evidence.zip"
"""The evidence bundle's name next to the run's files (``--store-evidence``)."""


def accepted_forms() -> str:
    return ", ".join(backend.form for backend in BACKENDS.values())


def parse_destination(value: str) -> Destination:
    """``value`` as a destination; raises StoreUrlError naming the accepted forms."""
    if "://" not in value:
        if not value.strip():
            raise StoreUrlError(f"--store: empty destination; give one of {accepted_forms()}")
        return Destination(LOCAL_SCHEME, (value,), "")
    scheme, _, rest = value.partition("://")
    backend = BACKENDS.get(scheme.lower())
    if backend is None or backend.scheme == LOCAL_SCHEME:
        raise StoreUrlError(
            f"--store {value}: unknown scheme {scheme + '://'!r}; accepted: {accepted_forms()}"
        )
    parts = [part for part in rest.split("/") if part]
    root = tuple(parts[: backend.root_parts])
    if len(root) < backend.root_parts:
        raise StoreUrlError(f"--store {value}: incomplete destination; write {backend.form}")
    if "@" in root[0] or any(char in part for part in root for char in "?#"):
        raise StoreUrlError(
            f"--store {backend.scheme}://…: credentials, queries and fragments do not belong "
            "in the destination; the cloud's credential chain is used"
        )
    return Destination(backend.scheme, root, "/".join(parts[backend.root_parts :]))


@dataclass(frozen=True)
class Uploaded:
    location: str
    """Where the run is: ``<destination>/<prefix>/<run-id>/``."""
    keys: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"status": "uploaded", "location": self.location, "files": len(self.keys)}


def upload_files(
    destination: Destination,
    settings: StoreSettings,
    run: str,
    files: Sequence[tuple[str, Path]],
) -> Uploaded:
    """Upload ``files`` (name, path) under ``<prefix>/<run>/``, in order; stop at the first
    failure with an UploadError naming the destination, the file and how far it got."""
    backend = BACKENDS[destination.scheme]
    location = destination.url(destination.key(run)) + "/"
    try:
        uploader = backend.open(destination, settings)
    except UploadFailure as exc:
        raise UploadError(f"upload to {location} could not start: {exc}") from exc
    done: list[str] = []
    for name, path in files:
        key = destination.key(run, name)
        try:
            uploader.put(key, path, content_type(name))
        except UploadFailure as exc:
            raise UploadError(
                f"upload of {path} to {destination.url(key)} failed: {exc} "
                f"({len(done)} of {len(files)} files uploaded; the credentials need "
                f"{backend.permission})"
            ) from exc
        done.append(key)
    return Uploaded(location, tuple(done))


def upload_run(
    destination: Destination,
    settings: StoreSettings,
    run: str,
    run_dir: Path,
    evidence: bytes | None = None,
) -> Uploaded:
    """Every file of ``run_dir``, then the evidence bundle (if given) as evidence.zip."""
    files = run_files(run_dir)
    if evidence is None:
        return upload_files(destination, settings, run, files)
    with tempfile.TemporaryDirectory(prefix="auditgraph-evidence-") as folder:
        bundle = Path(folder) / EVIDENCE_KEY
        bundle.write_bytes(evidence)
        return upload_files(destination, settings, run, [*files, (EVIDENCE_KEY, bundle)])
