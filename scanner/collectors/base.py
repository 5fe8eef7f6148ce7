"""What every collector shares: the partial snapshot a collection unit returns, and the
recorder through which every SDK call goes.

The recorder is the one place that turns a failed call into a :class:`CollectionGap`
(never an empty result), and it records every operation called, which is how the
read-only property and the least-privilege policy are proven.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from scanner.collectors.redact import redact_resources, scrub
from scanner.model import Cloud, CollectionGap, Edge, Resource

T = TypeVar("T")

UnitT = TypeVar("UnitT")

UnitProgress = Callable[[str, int, int], None]
"""Called as (unit label, done, total) as collection units finish."""


@dataclass(frozen=True)
class Service(Generic[UnitT]):
    """One registered collector module: how to run it and what it needs."""

    name: str
    collect: Callable[[UnitT], Collected]
    regional: bool
    """Run in every collected region (True) or once per account/tenancy (False)."""
    permissions: Mapping[str, str] = field(default_factory=dict)
    """Each API operation the module calls → the permission it needs."""


ErrorClassifier = Callable[[BaseException], tuple[str, str] | None]
"""Maps an SDK exception to (error class, message); None for a bug to re-raise."""

READ_ONLY_PREFIXES = ("get_", "list_", "summarize_", "describe_")
READ_ONLY_OPERATIONS = frozenset({"generate_credential_report"})
"""Operations outside the prefixes that only read (IAM classifies it as Read)."""


def is_read_only(operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES) or operation in READ_ONLY_OPERATIONS


@dataclass(frozen=True)
class PropPatch:
    """Props one service learns about a resource another service collects.

    Matched by ``uid`` when given, else by native type, region and name (the logging
    service knows a bucket's name, not its OCID); applied once every unit has finished.
    """

    type: str
    region: str
    name: str
    props: dict[str, Any]
    uid: str | None = None


@dataclass(frozen=True)
class PropDefault:
    """Props for every resource of ``type`` in ``region`` that lacks them.

    For facts known by absence, once a listing is complete: a bucket that no log names
    has no data-event logging.
    """

    type: str
    region: str
    props: dict[str, Any]


@dataclass
class Collected:
    """A partial snapshot: what one or more collection units produced."""

    resources: list[Resource] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    gaps: list[CollectionGap] = field(default_factory=list)
    operations: set[str] = field(default_factory=set)
    patches: list[PropPatch] = field(default_factory=list)
    defaults: list[PropDefault] = field(default_factory=list)

    def extend(self, other: Collected) -> None:
        self.resources.extend(other.resources)
        self.edges.extend(other.edges)
        self.gaps.extend(other.gaps)
        self.operations.update(other.operations)
        self.patches.extend(other.patches)
        self.defaults.extend(other.defaults)

    def add(self, resources: Iterable[Resource] = (), edges: Iterable[Edge] = ()) -> None:
        self.resources.extend(resources)
        self.edges.extend(edges)


@dataclass
class Recorder:
    """Runs SDK calls for one collection unit (cloud, account, region, service)."""

    cloud: Cloud
    account: str
    region: str | None
    service: str
    classify: ErrorClassifier
    operations: set[str] = field(default_factory=set)
    gaps: list[CollectionGap] = field(default_factory=list)

    def call(
        self,
        operation: str,
        fn: Callable[..., T],
        *args: Any,
        resource_type: str | None = None,
        kind: str | None = None,
        resource_uid: str | None = None,
        fields: list[str] | None = None,
        **kwargs: Any,
    ) -> T | None:
        """Call ``fn``; on failure record a gap and return None.

        ``operation`` is the SDK method name (``list_buckets``); it must be read-only.
        """
        if not is_read_only(operation):
            raise ValueError(f"collectors only call read-only operations, not {operation}")
        self.operations.add(f"{self.service}.{operation}")
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            classified = self.classify(exc)
            if classified is None:
                raise
            error_class, message = classified
            self.gaps.append(
                CollectionGap(
                    cloud=self.cloud,
                    account=self.account,
                    region=self.region,
                    service=self.service,
                    resource_type=resource_type,
                    kind=kind,
                    resource_uid=resource_uid,
                    fields=fields,
                    operation=operation,
                    error_class=error_class,
                    message=scrub(message),
                )
            )
            return None


def with_props(resource: Resource, **updates: Any) -> Resource:
    """A copy of ``resource`` with fields replaced, validated again (props included)."""
    return Resource.model_validate({**resource.model_dump(), **updates})


def merge_resources(resources: Sequence[Resource]) -> list[Resource]:
    """Resources with the same uid (filled by several services) become one."""
    merged: dict[str, Resource] = {}
    for resource in sorted(resources, key=lambda r: (r.uid, r.type, r.name)):
        first = merged.get(resource.uid)
        if first is None:
            merged[resource.uid] = resource
            continue
        name = resource.name if first.name == first.uid else first.name
        merged[resource.uid] = with_props(
            first,
            name=name,
            props={**first.props, **resource.props},
            tags={**first.tags, **resource.tags},
            raw={**first.raw, **resource.raw},
        )
    return [merged[uid] for uid in sorted(merged)]


def apply_patches(resources: list[Resource], patches: Sequence[PropPatch]) -> list[Resource]:
    """Merge each patch into its resource (by uid, or by type, region and name)."""
    by_uid = {r.uid: i for i, r in enumerate(resources)}
    by_name = {(r.type, r.region, r.name): i for i, r in enumerate(resources)}
    patched = list(resources)
    ordered = sorted(
        patches, key=lambda p: (p.uid or "", p.type, p.region, p.name, sorted(p.props))
    )
    for patch in ordered:
        position = (
            by_uid.get(patch.uid)
            if patch.uid is not None
            else by_name.get((patch.type, patch.region, patch.name))
        )
        if position is not None:
            target = patched[position]
            patched[position] = with_props(target, props={**target.props, **patch.props})
    return patched


def apply_defaults(resources: list[Resource], defaults: Sequence[PropDefault]) -> list[Resource]:
    """Fill props that no service set, for resources of a type in a region."""
    out = list(resources)
    for default in sorted(defaults, key=lambda d: (d.type, d.region, sorted(d.props))):
        for position, resource in enumerate(out):
            if resource.type != default.type or resource.region != default.region:
                continue
            missing = {k: v for k, v in default.props.items() if k not in resource.props}
            if missing:
                out[position] = with_props(resource, props={**resource.props, **missing})
    return out


def finalise_resources(collected: Collected) -> list[Resource]:
    """Merge same-uid resources, apply patches and defaults, then scrub secrets, in that
    order: nothing a collector kept reaches a snapshot before :mod:`redact` has seen it."""
    resources = merge_resources(collected.resources)
    resources = apply_patches(resources, collected.patches)
    return redact_resources(apply_defaults(resources, collected.defaults))
