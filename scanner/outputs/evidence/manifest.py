"""``manifest.json`` of an evidence bundle, and the canonical zip container around it.

The manifest names everything an auditor needs to judge the bundle (versions, scope,
time window, who collected, which catalog, which selection, which waivers) and the
sha256 of every other member; the Ed25519 ``signature`` member signs the manifest's exact
bytes. The container is canonical: members in a fixed order, stored (not compressed),
with the snapshot's collection end as their time and fixed attributes, so the same
members always give the same zip bytes and any change to the container itself shows.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime

from pydantic import Field

from scanner.canonical import dumps, dumps_pretty, sha256_bytes
from scanner.engine.catalog import CEL_FIELDS, Catalog
from scanner.model import CloudScope
from scanner.model.base import Contract
from scanner.outputs.run_record import RunSelection

BUNDLE_FORMAT_VERSION = "1"
MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "signature"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can carry."""


class TimeWindow(Contract):
    started: str = Field(description="Collection start of the snapshot.")
    finished: str = Field(description="Collection end: the controls' `now`, the time of record.")


class CatalogInfo(Contract):
    digest: str = Field(description="Digest of the whole bundled catalog.")
    evaluated_digest: str = Field(description="Digest of the controls the selection kept.")
    expressions: dict[str, str] = Field(
        description="Control id → sha256 of its CEL (when, expression, details)."
    )


class BundleManifest(Contract):
    bundle_format_version: str = BUNDLE_FORMAT_VERSION
    scanner_version: str = Field(description="The auditgraph that evaluated the bundle.")
    collector_version: str = Field(description="The auditgraph that collected the snapshot.")
    sdk_versions: dict[str, str]
    scope: dict[str, CloudScope] = Field(description="Per cloud: accounts, regions, caller.")
    callers: dict[str, str | None] = Field(description="Identity the collector ran as, per cloud.")
    time_window: TimeWindow
    catalog: CatalogInfo
    snapshot_digest: str
    findings_digest: str
    selection: RunSelection
    frameworks: list[str]
    active_waivers: list[str]
    redacted_ids: bool
    signed_by: str | None = Field(description="Key id (sha256 of the raw public key).")
    files: dict[str, str] = Field(description="sha256 of every other member but `signature`.")

    def render(self) -> bytes:
        return dumps_pretty(self.model_dump(mode="json")).encode("utf-8")


def expression_digests(catalog: Catalog) -> dict[str, str]:
    """Control id → sha256 of the canonical JSON of its CEL fields."""
    return {
        compiled.id: sha256_bytes(
            dumps({name: getattr(compiled.control, name) for name in CEL_FIELDS}).encode("utf-8")
        )
        for compiled in catalog.controls
    }


def member_order(names: list[str]) -> list[str]:
    """Manifest first, then the signature, then every other member by name."""
    first = [name for name in (MANIFEST_FILE, SIGNATURE_FILE) if name in names]
    return first + sorted(name for name in names if name not in first)


def entry_time(finished_at: str) -> tuple[int, int, int, int, int, int]:
    """A zip entry time from the time of record (UTC), never before 1980."""
    moment = datetime.fromisoformat(finished_at.replace("Z", "+00:00"))
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, ZIP_EPOCH)


def zip_members(members: Mapping[str, bytes], finished_at: str) -> bytes:
    """The canonical zip of ``members``: equal members and time give equal bytes."""
    when = entry_time(finished_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name in member_order(list(members)):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()
