"""Snapshot: the manifest plus every resource, edge and collection gap of one collection."""

from __future__ import annotations

from pydantic import Field

from scanner.model.base import Contract
from scanner.model.resource import CollectionGap, Edge, Resource

SNAPSHOT_FORMAT_VERSION = "1"


class CloudScope(Contract):
    """What was (or was meant to be) collected in one cloud."""

    accounts: list[str] = Field(default_factory=list, description="Tenancies/accounts/subs.")
    regions: list[str] = Field(default_factory=list)
    caller: str | None = Field(default=None, description="Identity the collector ran as.")


class Manifest(Contract):
    """``manifest.json`` of a snapshot folder."""

    format_version: str = SNAPSHOT_FORMAT_VERSION
    scanner_version: str
    sdk_versions: dict[str, str] = Field(default_factory=dict)
    scope: dict[str, CloudScope] = Field(default_factory=dict, description="Per cloud.")
    started_at: str = Field(description="RFC 3339 time collection started.")
    finished_at: str = Field(description="RFC 3339 time collection ended; `now` for controls.")
    files: dict[str, str] = Field(
        default_factory=dict, description="sha256 of every data file, by file name."
    )
    counts: dict[str, int] = Field(default_factory=dict, description="resources, edges, gaps.")


class Snapshot(Contract):
    """An in-memory snapshot. Lists are kept in deterministic order (see ``normalised``)."""

    manifest: Manifest
    resources: list[Resource]
    edges: list[Edge] = Field(default_factory=list)
    gaps: list[CollectionGap] = Field(default_factory=list)

    def normalised(self) -> Snapshot:
        """The same snapshot with resources, edges and gaps sorted and de-duplicated."""
        resources = {resource.uid: resource for resource in self.resources}
        edges = {edge.sort_key(): edge for edge in self.edges}
        gaps = {gap.sort_key(): gap for gap in self.gaps}
        return self.model_copy(
            update={
                "resources": [resources[uid] for uid in sorted(resources)],
                "edges": [edges[key] for key in sorted(edges)],
                "gaps": [gaps[key] for key in sorted(gaps)],
            }
        )
