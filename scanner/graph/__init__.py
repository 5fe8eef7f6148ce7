"""The estate graph: nodes are resources, edges are typed relations across clouds."""

from scanner.graph.build import EstateGraph, build_graph

__all__ = ["EstateGraph", "build_graph"]
