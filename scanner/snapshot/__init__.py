"""Snapshot folders on disk."""

from scanner.snapshot.io import read_manifest, read_snapshot, snapshot_digest, write_snapshot

__all__ = ["read_manifest", "read_snapshot", "snapshot_digest", "write_snapshot"]
