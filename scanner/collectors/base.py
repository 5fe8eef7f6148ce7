"""What every collector shares: the partial snapshot a collection unit returns, and the
recorder through which every SDK call goes.

The recorder is the one place that turns a failed call into a :class:`CollectionGap`
(never an empty result), and it records every operation called, which is how the
read-only property and the least-privilege policy are proven.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scanner.model import Cloud, CollectionGap, Edge, Resource

T = TypeVar("T")

ErrorClassifier = Callable[[BaseException], tuple[str, str] | None]
"""Maps an SDK exception to (error class, message); None for a bug to re-raise."""

READ_ONLY_PREFIXES = ("get_", "list_", "summarize_")


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
        if not operation.startswith(READ_ONLY_PREFIXES):
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
                    message=message,
                )
            )
            return None
