"""Merge partial snapshots (one per cloud, or per shard) into one, deterministically."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.model import Manifest, Snapshot


def merge_snapshots(parts: Sequence[Snapshot]) -> Snapshot:
    """Union of resources, edges and gaps; the manifest spans every part."""
    if not parts:
        raise ValueError("nothing to merge")
    first = parts[0].manifest
    sdk_versions: dict[str, str] = {}
    scope = {}
    for part in parts:
        sdk_versions.update(part.manifest.sdk_versions)
        scope.update(part.manifest.scope)
    manifest = Manifest(
        scanner_version=first.scanner_version,
        sdk_versions=dict(sorted(sdk_versions.items())),
        scope=dict(sorted(scope.items())),
        started_at=min(p.manifest.started_at for p in parts),
        finished_at=max(p.manifest.finished_at for p in parts),
    )
    return Snapshot(
        manifest=manifest,
        resources=[r for p in parts for r in p.resources],
        edges=[e for p in parts for e in p.edges],
        gaps=[g for p in parts for g in p.gaps],
    ).normalised()
