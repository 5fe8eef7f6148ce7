"""Resource drift between two snapshots: added, removed and changed resources by uid.

A resource is compared on what describes it (account, region, type, kind, name, tags,
props), never on ``raw``: the SDK payload carries request ids and timestamps that change
on every collection. Nested values are compared leaf by leaf, so a change is reported
at its path (``props.rotation.enabled``, ``tags.env``, ``props.rules[2].source``); a list
whose length changed is reported whole, since matching elements by position would then
report every element after an insertion.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.model import JSONValue, Resource

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class ResourceState:
    """What drift compares of one resource (a history store can keep exactly this)."""

    uid: str
    account: str
    region: str
    type: str
    kind: str
    name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    props: Mapping[str, JSONValue] = field(default_factory=dict)

    @classmethod
    def of(cls, resource: Resource) -> ResourceState:
        return cls(
            uid=resource.uid,
            account=resource.account,
            region=resource.region,
            type=resource.type,
            kind=resource.kind,
            name=resource.name,
            tags=dict(resource.tags),
            props=dict(resource.props),
        )

    def compared(self) -> dict[str, JSONValue]:
        return {
            "account": self.account,
            "region": self.region,
            "type": self.type,
            "kind": self.kind,
            "name": self.name,
            "tags": dict(self.tags),
            "props": dict(self.props),
        }


ABSENT: Any = object()
"""A value missing on one side (distinct from a JSON null)."""


@dataclass(frozen=True)
class PropChange:
    path: str
    before: JSONValue
    """:data:`ABSENT` when the path did not exist before."""
    after: JSONValue
    """:data:`ABSENT` when the path no longer exists."""

    def as_json(self) -> dict[str, JSONValue]:
        data: dict[str, JSONValue] = {"path": self.path}
        if self.before is not ABSENT:
            data["before"] = self.before
        if self.after is not ABSENT:
            data["after"] = self.after
        return data


@dataclass(frozen=True)
class ResourceRef:
    uid: str
    name: str
    kind: str

    def as_json(self) -> dict[str, str]:
        return {"uid": self.uid, "name": self.name, "kind": self.kind}


@dataclass(frozen=True)
class ResourceChange:
    resource: ResourceRef
    changes: tuple[PropChange, ...]
    """Sorted by path."""

    def as_json(self) -> dict[str, Any]:
        return self.resource.as_json() | {"changes": [c.as_json() for c in self.changes]}


@dataclass(frozen=True)
class Drift:
    """Each list sorted by uid."""

    added: tuple[ResourceRef, ...]
    removed: tuple[ResourceRef, ...]
    changed: tuple[ResourceChange, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "added": [ref.as_json() for ref in self.added],
            "removed": [ref.as_json() for ref in self.removed],
            "changed": [change.as_json() for change in self.changed],
        }


def diff_resources(
    before: Mapping[str, ResourceState], after: Mapping[str, ResourceState]
) -> Drift:
    """Resources added, removed and changed from ``before`` to ``after`` (keyed by uid)."""
    added = tuple(_ref(after[uid]) for uid in sorted(after.keys() - before.keys()))
    removed = tuple(_ref(before[uid]) for uid in sorted(before.keys() - after.keys()))
    changed: list[ResourceChange] = []
    for uid in sorted(before.keys() & after.keys()):
        changes = value_changes(before[uid].compared(), after[uid].compared())
        if changes:
            changed.append(ResourceChange(_ref(after[uid]), changes))
    return Drift(added, removed, tuple(changed))


def value_changes(before: JSONValue, after: JSONValue) -> tuple[PropChange, ...]:
    """Every leaf that differs between two JSON values, sorted by path."""
    return tuple(sorted(_walk("", before, after), key=lambda change: change.path))


def _walk(path: str, before: JSONValue, after: JSONValue) -> Iterator[PropChange]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            yield from _walk(_join(path, key), before.get(key, ABSENT), after.get(key, ABSENT))
    elif isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            yield from _walk(f"{path}[{index}]", old, new)
    elif before is ABSENT or after is ABSENT or not _same(before, after):
        yield PropChange(path, before, after)


def _same(before: JSONValue, after: JSONValue) -> bool:
    """Equal, and of the same JSON type (``1 == True`` in Python, not in JSON)."""
    return type(before) is type(after) and before == after


def _join(path: str, key: str) -> str:
    step = key if _PLAIN_KEY.match(key) else f"[{_quote(key)}]"
    if not path:
        return step
    return f"{path}{step}" if step.startswith("[") else f"{path}.{step}"


def _quote(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _ref(state: ResourceState) -> ResourceRef:
    return ResourceRef(state.uid, state.name, state.kind)
