"""The CEL environment: value conversion and the host functions controls may call.

CEL cannot recurse, so graph traversal is done by host functions. They are built by
:func:`build_functions` as closures over one :class:`EstateGraph` and one
:class:`CelValues` cache; nothing is global. The functions, all in one explicit dict:

``out(resource, kind)``        direct successors over edges of ``kind`` (list of resources)
``inbound(resource, kind)``    direct predecessors over edges of ``kind``
``reach(resource, kinds)``     transitive successors over any of ``kinds``, cycle-safe
``jurisdiction(region)``       "EU" | "EEA" | "ADEQUATE" | "THIRD" | "UNKNOWN"
``country(region)``            ISO 3166-1 alpha-2 code, or "" when the region is unknown
``join(list, separator)``      the strings of a list joined, for failure details
``unknown(reason)``            marks the result as unknowable: the finding is inconclusive
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from celpy import celtypes
from celpy.adapter import json_to_cel

from scanner.engine.jurisdiction import country_of, jurisdiction_of
from scanner.graph import EstateGraph
from scanner.model import Resource

CelValue = Any
CelFunction = Callable[..., CelValue]


def resource_document(resource: Resource) -> dict[str, Any]:
    """The JSON view of a resource that CEL sees as ``resource`` (``raw`` left out)."""
    return {
        "uid": resource.uid,
        "cloud": resource.cloud.value,
        "account": resource.account,
        "region": resource.region,
        "type": resource.type,
        "kind": resource.kind,
        "name": resource.name,
        "tags": resource.tags,
        "props": _without_none(resource.props),
    }


def _without_none(value: Any) -> Any:
    """Absent means unknown: drop None so that reading it is an error, not a null."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


class RecordingMap(celtypes.MapType):
    """A CEL map that records each key looked up and not found.

    A missing key is how an uncollected field shows up; celpy does not always carry the
    inner error out of macros and ternaries, so the evaluator reads this record instead.
    """

    def __init__(self, items: dict[Any, Any], misses: set[str]) -> None:
        super().__init__(items)
        self.misses = misses

    def __getitem__(self, key: Any) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            self.misses.add(str(key))
            raise


def to_cel(value: Any, misses: set[str]) -> CelValue:
    """JSON value → CEL value, with maps that record missing keys into ``misses``."""
    if isinstance(value, dict):
        items = {celtypes.StringType(k): to_cel(v, misses) for k, v in value.items()}
        return RecordingMap(items, misses)
    if isinstance(value, list):
        return celtypes.ListType([to_cel(item, misses) for item in value])
    return json_to_cel(value)


@dataclass
class CelValues:
    """Converts each resource to CEL values once and records what an evaluation visits."""

    graph: EstateGraph
    _cache: dict[str, CelValue] = field(default_factory=dict)
    visited: set[str] = field(default_factory=set)
    misses: set[str] = field(default_factory=set)
    """Keys looked up and missing during the current evaluation."""

    def reset(self) -> None:
        self.visited.clear()
        self.misses.clear()

    def of(self, uid: str) -> CelValue:
        cached = self._cache.get(uid)
        if cached is None:
            resource = self.graph.resource(uid)
            document = resource_document(resource) if resource is not None else {"uid": uid}
            cached = to_cel(document, self.misses)
            self._cache[uid] = cached
        return cached

    def listing(self, uids: Iterable[str]) -> CelValue:
        uids = tuple(uids)
        self.visited.update(uids)
        return celtypes.ListType([self.of(uid) for uid in uids])


def _uid(value: CelValue) -> str:
    return str(value["uid"])


def build_functions(values: CelValues) -> dict[str, CelFunction]:
    graph = values.graph

    def out(resource: CelValue, kind: CelValue) -> CelValue:
        return values.listing(graph.out(_uid(resource), str(kind)))

    def inbound(resource: CelValue, kind: CelValue) -> CelValue:
        return values.listing(graph.inbound(_uid(resource), str(kind)))

    def reach(resource: CelValue, kinds: CelValue) -> CelValue:
        return values.listing(graph.reach(_uid(resource), [str(kind) for kind in kinds]))

    def jurisdiction(region: CelValue) -> CelValue:
        return celtypes.StringType(jurisdiction_of(str(region)).value)

    def country(region: CelValue) -> CelValue:
        return celtypes.StringType(country_of(str(region)) or "")

    def join(items: CelValue, separator: CelValue) -> CelValue:
        return celtypes.StringType(str(separator).join(str(item) for item in items))

    def unknown(reason: CelValue) -> CelValue:
        values.misses.add(str(reason))
        raise KeyError(str(reason))

    return {
        "join": join,
        "unknown": unknown,
        "out": out,
        "inbound": inbound,
        "reach": reach,
        "jurisdiction": jurisdiction,
        "country": country,
    }


FUNCTION_NAMES: frozenset[str] = frozenset(
    {"out", "inbound", "reach", "jurisdiction", "country", "join", "unknown"}
)
"""The names build_functions defines; the catalog loader checks calls against it."""
