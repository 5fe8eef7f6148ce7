"""A local HTTP server that answers the real azure-mgmt-* clients (and Key Vault's data
plane) from fixtures in the exact ARM JSON shape.

Fixtures are YAML files, each a list of routes::

    - path: /subscriptions/SUB/providers/Microsoft.Storage/storageAccounts
      api-version: "2026-09-01"                    # must equal what the SDK sends
      query: {$skiptoken: "2"}                      # optional, a subset of the query
      body: {value: [...], nextLink: "https://management.azure.com/...&$skiptoken=2"}
    - path: /acme-kv-weu.vault.azure.net/keys/payments-signing/rotationpolicy
      api-version: "7.5"
      status: 403                                   # fault injection
      body: {error: {code: Forbidden, message: ...}}
    - path: /subscriptions/SUB/providers/Microsoft.Security/pricings
      api-version: "2024-01-01"
      responses:                                    # served in turn, the last one repeats
        - {status: 429, headers: {Retry-After: "0"}, body: {error: {code: TooManyRequests}}}
        - {body: {value: []}}

Routing is by method, path (case-insensitive, as ARM), api-version and ``query``. Recorded
ARM hosts (``https://management.azure.com``) in bodies are rewritten to the server's own
URL, so ``nextLink`` comes back here. A request no route matches gets 501 NoFixture and
is kept in :attr:`AzureReplayServer.unmatched`: tests assert there is none. Every request
is recorded with its method, path, query and whether it carried a bearer token.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

RECORDED_HOST = "https://management.azure.com"
TENANT = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
APP_ID = "7d9e2f41-0c3a-4b5e-8f61-2a9c4e8d1b07"


def fake_token(claims: dict[str, Any] | None = None) -> str:
    """An unsigned JWT-shaped token: the collector reads its claims, never verifies it."""

    def part(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    body = claims or {"appid": APP_ID, "idtyp": "app", "tid": TENANT, "oid": "auditor"}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(body)}.signature"


@dataclass
class Route:
    path: str
    api_version: str | None = None
    method: str = "GET"
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    responses: list[dict[str, Any]] | None = None
    served: int = 0

    def next_response(self) -> tuple[int, dict[str, str], Any]:
        if not self.responses:
            return self.status, self.headers, self.body
        answer = self.responses[min(self.served, len(self.responses) - 1)]
        self.served += 1
        return int(answer.get("status", 200)), dict(answer.get("headers") or {}), answer.get("body")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    bearer: bool


def route_from(entry: dict[str, Any]) -> Route:
    entry = dict(entry)
    entry["api_version"] = entry.pop("api-version", None)
    return Route(**entry)


def load_routes(paths: Iterable[Path]) -> list[Route]:
    return [
        route_from(entry)
        for path in paths
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []
    ]


class AzureReplayServer:
    def __init__(self, routes: list[Route]) -> None:
        self.routes = routes
        self.requests: list[RecordedRequest] = []
        self.unmatched: list[str] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer._handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> AzureReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _match(self, method: str, path: str, query: dict[str, str]) -> Route | None:
        for route in self.routes:
            if route.method != method or route.path.lower() != path.lower():
                continue
            if route.api_version is not None and query.get("api-version") != route.api_version:
                continue
            if all(query.get(k) == v for k, v in route.query.items()):
                return route
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        bearer = str(handler.headers.get("Authorization") or "").startswith("Bearer ")
        with self._lock:
            self.requests.append(RecordedRequest(handler.command, parsed.path, query, bearer))
            route = self._match(handler.command, parsed.path, query)
            if route is None:
                self.unmatched.append(f"{handler.command} {handler.path}")
                answer: tuple[int, dict[str, str], Any] = (
                    501,
                    {},
                    {"error": {"code": "NoFixture", "message": handler.path}},
                )
            else:
                answer = route.next_response()
        self._send(handler, *answer)

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: Any
    ) -> None:
        text = "" if body is None else json.dumps(body).replace(RECORDED_HOST, self.url)
        data = text.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-ms-request-id", "00000000-0000-0000-0000-000000000000")
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
