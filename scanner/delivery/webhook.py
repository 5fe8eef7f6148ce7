"""POST one JSON message to a webhook, with a timeout and bounded, backed-off retries.

A webhook URL is a secret (Slack and Teams put the credential in the path), so no message
this module produces quotes more of it than the scheme and host. urllib3 (a dependency
of botocore already) does the HTTP; the retry loop is written out here because the policy
is the alert's own: retry on 429, 5xx and failed connections, honour ``Retry-After`` only
up to a cap, never follow a redirect, and count the attempts for the report. A read
timeout is not retried: the receiver may already have posted the message, and a second
copy in a channel is worse than a reported failure.
"""

from __future__ import annotations

import ipaddress
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.retry import Retry

from scanner import __version__
from scanner.delivery.errors import WebhookUrlError

USER_AGENT = f"auditgraph/{__version__}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class WebhookPolicy:
    """How hard to try. The worst case is about ``attempts × 2 × timeout`` plus the
    back-off sleeps (each at most ``max_wait``)."""

    attempts: int = 3
    timeout: float = 10.0
    """Seconds to connect, and seconds to wait for the answer, per attempt."""
    backoff: float = 1.0
    """First back-off in seconds; doubles with each retry, up to ``max_wait``."""
    max_wait: float = 30.0
    """Longest sleep between attempts, ``Retry-After`` included."""


@dataclass(frozen=True)
class PostResult:
    delivered: bool
    attempts: int
    status: int | None
    """The last HTTP status, None when no answer came."""
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {"attempts": self.attempts, "http_status": self.status, "error": self.error}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def safe_label(url: str) -> str:
    """Scheme and host only: the path and query of a webhook URL are its credential."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def check_webhook_url(url: str) -> str:
    """``url`` if it may carry an alert; raises WebhookUrlError otherwise."""
    parts = urllib.parse.urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        raise WebhookUrlError(
            f"webhook {safe_label(url)}: not an http(s) URL; give https://host/path"
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise WebhookUrlError(
            f"webhook {safe_label(url)}: plain http is refused (the URL is a credential and "
            "the alert names findings); use https, or a loopback address for local tests"
        )
    return url.strip()


def _failure(exc: HTTPError, policy: WebhookPolicy) -> str:
    """A fixed description per failure class: urllib3's own messages may quote the URL."""
    if isinstance(exc, ReadTimeoutError):
        return f"no answer within {policy.timeout:g}s (timed out)"
    if isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError):
        return f"could not connect within {policy.timeout:g}s (timed out)"
    if isinstance(exc, NewConnectionError):
        return "could not connect (connection refused or host unreachable)"
    if isinstance(exc, SSLError):
        return "TLS handshake failed"
    if isinstance(exc, ProtocolError):
        return "the connection broke"
    return f"request failed ({type(exc).__name__})"


def _retryable_connect(exc: HTTPError) -> bool:
    return isinstance(exc, ConnectTimeoutError | ProtocolError) and not isinstance(
        exc, ReadTimeoutError
    )


def _wait(attempt: int, retry_after: float | None, policy: WebhookPolicy) -> float:
    """The receiver's ``Retry-After`` if it gave one, else exponential back-off; capped."""
    chosen = policy.backoff * 2.0 ** (attempt - 1) if retry_after is None else retry_after
    return min(chosen, policy.max_wait)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(Retry().parse_retry_after(value))
    except HTTPError:  # a malformed header: fall back to the back-off
        return None


def post_json(
    url: str,
    payload: Mapping[str, Any],
    policy: WebhookPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> PostResult:
    """POST ``payload``; never raises for network or HTTP failures (see PostResult)."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    timeout = urllib3.Timeout(connect=policy.timeout, read=policy.timeout)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    status: int | None = None
    error = "not attempted"
    with urllib3.PoolManager(timeout=timeout, retries=False) as pool:
        for attempt in range(1, max(1, policy.attempts) + 1):
            retry_after = None
            try:
                response = pool.request(
                    "POST", url, body=body, headers=headers, redirect=False, retries=False
                )
            except HTTPError as exc:
                status, error = None, _failure(exc, policy)
                if not _retryable_connect(exc):
                    return PostResult(False, attempt, None, error)
            else:
                status = response.status
                if 200 <= status < 300:
                    return PostResult(True, attempt, status, None)
                error = f"HTTP {status}"
                if status not in RETRY_STATUSES:
                    return PostResult(False, attempt, status, error)
                retry_after = _retry_after(response.headers)
            if attempt < policy.attempts:
                sleep(_wait(attempt, retry_after, policy))
    return PostResult(False, max(1, policy.attempts), status, f"{error} after every attempt")
