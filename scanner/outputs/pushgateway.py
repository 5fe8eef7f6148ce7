"""Push a scan's gauges to a Prometheus Pushgateway, grouped by job and scope.

A ``PUT`` replaces every metric of the group, so the gateway always holds the last scan of
each scope and never a mix of two. Credentials in the URL (``https://user:pass@host``)
are sent as HTTP basic authentication and never printed; over plain ``http`` they are
accepted only for a loopback host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from prometheus_client.exposition import basic_auth_handler, default_handler, push_to_gateway
from prometheus_client.registry import CollectorRegistry

from scanner.errors import AuditgraphError

PUSH_JOB = "auditgraph"
"""The ``job`` label of every pushed group."""

SCOPE_LABEL = "scope"
"""Grouping key: the scan's scope (clouds and accounts, plus any selection)."""

DEFAULT_TIMEOUT = 10.0
"""Seconds a push may take before it is given up."""

_SCHEMES = ("http", "https")


class PushgatewayUrlError(AuditgraphError):
    """``--pushgateway`` is not an http(s) URL that can be pushed to."""


class PushError(Exception):
    """The gateway could not be reached or refused the push; the message is printable."""


@dataclass(frozen=True)
class Pushgateway:
    """Where to push: the URL without credentials, and the credentials apart."""

    url: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, text: str) -> Pushgateway:
        """Check ``text`` (http(s)://HOST[:PORT][/PATH]) and split off any credentials."""
        parts = urlsplit(text)
        try:
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError as exc:
            raise PushgatewayUrlError(f"pushgateway URL: {exc}") from exc
        if parts.scheme not in _SCHEMES or not parts.hostname:
            raise PushgatewayUrlError(
                f"pushgateway {_printable(parts)!r}: expected http(s)://HOST[:PORT], "
                "e.g. http://pushgateway.monitoring:9091"
            )
        if parts.query or parts.fragment:
            raise PushgatewayUrlError(
                f"pushgateway {_printable(parts)!r}: a query or fragment cannot be pushed to"
            )
        has_credentials = parts.username is not None or parts.password is not None
        if has_credentials and parts.scheme == "http" and not _is_loopback(parts.hostname):
            raise PushgatewayUrlError(
                f"pushgateway {_printable(parts)!r}: credentials are only sent over https "
                "(or plain http to a loopback address)"
            )
        return cls(_printable(parts), parts.username, parts.password)

    def push(
        self, registry: CollectorRegistry, scope_key: str, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """PUT the registry's exposition to ``/metrics/job/auditgraph/scope@base64/...``.

        Raises :class:`PushError` on any network or HTTP failure.
        """
        try:
            push_to_gateway(
                self.url,
                job=PUSH_JOB,
                registry=registry,
                grouping_key={SCOPE_LABEL: scope_key},
                timeout=timeout,
                handler=self._handler(),
            )
        except (OSError, ValueError) as exc:
            raise PushError(f"pushgateway {self.url}: {_reason(exc)}") from exc

    def _handler(self) -> Callable[..., Callable[[], None]]:
        if self.username is None and self.password is None:
            return default_handler
        return partial(basic_auth_handler, username=self.username, password=self.password or "")


def _printable(parts: SplitResult) -> str:
    """The URL without user and password."""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(exc: BaseException) -> str:
    """The HTTP status, or the network reason, without a traceback."""
    code: Any = getattr(exc, "code", None)
    if code is not None:
        return f"HTTP {code} {getattr(exc, 'reason', '')}".rstrip()
    reason: Any = getattr(exc, "reason", None)
    return str(reason if reason is not None else exc) or type(exc).__name__
