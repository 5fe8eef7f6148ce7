"""Build the estate graph from a snapshot and answer the traversals controls use."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from scanner.config import DeclaredLink
from scanner.graph.derive import declared_edges, derive_edges
from scanner.model import Edge, Resource, Snapshot


@dataclass
class EstateGraph:
    """A networkx MultiDiGraph of the estate plus memoised traversals.

    Nodes are resource uids; a node's ``resource`` attribute is the :class:`Resource`, or
    ``None`` for a uid that an edge names but the snapshot does not hold (a dangling
    target: a control reading it is inconclusive). Edge keys are the edge kinds.
    """

    graph: nx.MultiDiGraph
    resources: dict[str, Resource]
    edges: list[Edge]
    _out: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    _in: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    _reach: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = field(default_factory=dict)

    def resource(self, uid: str) -> Resource | None:
        return self.resources.get(uid)

    def missing(self) -> list[str]:
        """uids that edges name but the snapshot does not hold."""
        return sorted(uid for uid in self.graph.nodes if uid not in self.resources)

    def out(self, uid: str, kind: str) -> tuple[str, ...]:
        """Direct successors of ``uid`` over edges of ``kind``, sorted."""
        key = (uid, kind)
        if key not in self._out:
            self._out[key] = self._neighbours(uid, kind, outgoing=True)
        return self._out[key]

    def inbound(self, uid: str, kind: str) -> tuple[str, ...]:
        """Direct predecessors of ``uid`` over edges of ``kind``, sorted."""
        key = (uid, kind)
        if key not in self._in:
            self._in[key] = self._neighbours(uid, kind, outgoing=False)
        return self._in[key]

    def reach(self, uid: str, kinds: Iterable[str]) -> tuple[str, ...]:
        """Every node reachable from ``uid`` over edges of ``kinds`` (not ``uid`` itself).

        Breadth-first and cycle-safe; memoised, so each (node, kinds) is computed once.
        """
        kind_key = tuple(sorted(set(kinds)))
        key = (uid, kind_key)
        cached = self._reach.get(key)
        if cached is not None:
            return cached
        seen: set[str] = {uid}
        queue = deque([uid])
        while queue:
            current = queue.popleft()
            for kind in kind_key:
                for nxt in self.out(current, kind):
                    if nxt not in seen:
                        seen.add(nxt)
                        queue.append(nxt)
        seen.discard(uid)
        result = tuple(sorted(seen))
        self._reach[key] = result
        return result

    def _neighbours(self, uid: str, kind: str, *, outgoing: bool) -> tuple[str, ...]:
        if uid not in self.graph:
            return ()
        view = (
            self.graph.out_edges(uid, keys=True)
            if outgoing
            else self.graph.in_edges(uid, keys=True)
        )
        found = {(dst if outgoing else src) for src, dst, key in view if key == kind}
        return tuple(sorted(found))


def build_graph(snapshot: Snapshot, declared: Sequence[DeclaredLink] = ()) -> EstateGraph:
    """Snapshot (+ declared links) → EstateGraph with derived cross-cloud edges."""
    resources = {resource.uid: resource for resource in snapshot.resources}
    graph = nx.MultiDiGraph()
    for uid, resource in resources.items():
        graph.add_node(uid, resource=resource)
    all_edges = {
        edge.sort_key(): edge
        for edge in (
            *snapshot.edges,
            *derive_edges(snapshot.resources),
            *declared_edges(declared),
        )
    }
    edges = [all_edges[key] for key in sorted(all_edges)]
    for edge in edges:
        for uid in (edge.src, edge.dst):
            if uid not in graph:
                graph.add_node(uid, resource=None)
        graph.add_edge(edge.src, edge.dst, key=edge.kind, provenance=edge.provenance.value)
    return EstateGraph(graph=graph, resources=resources, edges=edges)
