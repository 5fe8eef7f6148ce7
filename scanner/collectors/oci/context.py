"""What one OCI collection unit works with: clients, the discovered scope, a region."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oci

from scanner.collectors.base import Recorder
from scanner.collectors.oci.clients import OciClients
from scanner.collectors.oci.errors import classify_oci_error
from scanner.model import Cloud


@dataclass(frozen=True)
class OciScope:
    tenancy: str
    home_region: str
    regions: tuple[str, ...]
    """Subscribed regions to collect."""
    compartments: tuple[str, ...]
    """The tenancy (root compartment) and every active compartment below it."""
    compartment_names: dict[str, str]
    tenancy_name: str = ""
    """The tenancy's display name (get_tenancy); empty when it could not be read."""
    compartment_records: tuple[dict[str, Any], ...] = ()
    """The active compartments as listed (with their parents), for modules that need more
    than ids; listed once, by scope discovery."""


@dataclass(frozen=True)
class OciUnit:
    """One collection unit: a service in one region of one tenancy."""

    clients: OciClients
    scope: OciScope
    region: str

    def recorder(self, service: str) -> Recorder:
        return Recorder(Cloud.OCI, self.scope.tenancy, self.region, service, classify_oci_error)


_GAP_KEYS = ("resource_type", "kind", "resource_uid", "fields")


def to_plain(model: Any) -> Any:
    """An SDK model (or list of them) as plain snake_case JSON data."""
    return oci.util.to_dict(model)


def list_all(
    rec: Recorder, operation: str, fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> list[Any] | None:
    """Every page of a list call (``opc-next-page``) as plain data; None on failure.

    Pages are followed here rather than with ``oci.pagination``: its helpers wrap each
    call in the SDK's default retry strategy (8 attempts over up to 10 minutes), which
    would override the bounded retries the clients are built with. A failure on a later
    page drops the partial result and records a gap, so the scope is inconclusive rather
    than silently incomplete.
    """
    gap_kwargs = {k: kwargs.pop(k) for k in _GAP_KEYS if k in kwargs}
    items: list[Any] = []
    page: str | None = None
    while True:
        paging: dict[str, Any] = {"page": page} if page else {}
        response = rec.call(operation, fn, *args, **gap_kwargs, **kwargs, **paging)
        if response is None:
            return None
        data = response.data
        if not isinstance(data, list) and hasattr(data, "items"):
            data = data.items  # *Collection responses wrap their list
        items.extend(to_plain(data) or [])
        page = response.next_page
        if not page:
            return items


def scim_all(
    rec: Recorder, operation: str, fn: Callable[..., Any], count: int = 100, **kwargs: Any
) -> list[Any] | None:
    """Every page of an Identity Domains (SCIM) list call: ``start_index`` / ``count``."""
    gap_kwargs = {
        k: kwargs.pop(k) for k in ("resource_type", "kind", "resource_uid", "fields") if k in kwargs
    }
    items: list[Any] = []
    start = 1
    while True:
        response = rec.call(operation, fn, start_index=start, count=count, **gap_kwargs, **kwargs)
        if response is None:
            return None
        page = response.data
        resources = list(page.resources or [])
        items.extend(to_plain(resources))
        total = int(page.total_results or 0)
        if not resources or start - 1 + len(resources) >= total:
            return items
        start += len(resources)
