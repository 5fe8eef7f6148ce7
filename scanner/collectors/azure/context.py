"""What one Azure collection unit works with: the clients, one subscription, its scope;
and the two ways a module reads ARM (an SDK listing, a plain REST GET)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.rest import HttpRequest

from scanner.collectors.azure.clients import AzureClients
from scanner.collectors.azure.errors import classify_azure_error
from scanner.collectors.base import Recorder
from scanner.model import Cloud

GLOBAL = "global"


@dataclass(frozen=True)
class Subscription:
    id: str
    name: str
    tenant: str | None
    home: str
    """Region recorded for subscription-wide resources: where its resource groups live."""
    resource_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class AzureUnit:
    """One collection unit: a service in one subscription."""

    clients: AzureClients
    subscription: Subscription

    @property
    def account(self) -> str:
        return self.subscription.id

    @property
    def scope_id(self) -> str:
        return f"/subscriptions/{self.subscription.id}"

    def recorder(self, service: str, region: str | None = None) -> Recorder:
        return Recorder(
            Cloud.AZURE,
            self.account,
            region or self.subscription.home,
            service,
            classify_azure_error,
        )

    def mgmt(self, client_class: type[Any]) -> Any:
        return self.clients.mgmt(client_class, self.subscription.id)


def at(rec: Recorder, region: Any) -> Recorder:
    """A recorder whose gaps carry ``region`` (the resource's location), sharing ``rec``'s
    operations and gaps."""
    where = str(region) if region else rec.region
    return Recorder(
        rec.cloud, rec.account, where, rec.service, rec.classify, rec.operations, rec.gaps
    )


def as_json(item: Any) -> dict[str, Any]:
    """An SDK model as its REST JSON (hybrid models are dicts; msrest ones serialize)."""
    if isinstance(item, Mapping):
        payload: Any = item
    elif hasattr(item, "serialize"):
        payload = item.serialize(keep_readonly=True)
    else:
        payload = item.as_dict()
    copied: dict[str, Any] = json_copy(payload)
    return copied


def json_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): json_copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_copy(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def listing(fn: Callable[..., Iterable[Any]]) -> Callable[..., list[dict[str, Any]]]:
    """``fn`` (an SDK list call) drained through every ``nextLink`` into REST JSON."""

    def call(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        return [as_json(item) for item in fn(*args, **kwargs)]

    return call


def single(fn: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return as_json(fn(*args, **kwargs))

    return call


def rest_get(client: Any, path: str, api_version: str) -> Callable[[], Any]:
    """A GET of a REST operation through ``client``'s pipeline; the JSON answer."""

    def call() -> Any:
        response = client.send_request(
            HttpRequest("GET", client.format_url(path), params={"api-version": api_version})
        )
        response.raise_for_status()
        return response.json()

    return call


def rest_list(client: Any, path: str, api_version: str) -> Callable[[], list[Any]]:
    """Every ``value`` of a REST listing, following ``nextLink`` (on ``host`` only: the
    pipeline refuses any other)."""

    def call() -> list[Any]:
        items: list[Any] = []
        page = rest_get(client, path, api_version)()
        while True:
            items.extend(page.get("value") or [])
            link = page.get("nextLink")
            if not link:
                return items
            response = client.send_request(HttpRequest("GET", link))
            response.raise_for_status()
            page = response.json()

    return call


def rfc3339_epoch(seconds: Any) -> str | None:
    """Key Vault's epoch seconds as RFC 3339 UTC."""
    if not isinstance(seconds, int | float):
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def resource_group(resource_id: str) -> str:
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1] if "resourcegroups" in lowered else ""


def tags_of(item: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("tags") or {}).items()}
