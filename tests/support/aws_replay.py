"""Record AWS API exchanges on the wire, and replay them from fixtures to the real boto3.

Fixtures are YAML files, one per service, each a list of exchanges::

    - call: ec2 DescribeVpcs                        # for the reader; not matched
      service: ec2                                  # from the SigV4 credential scope
      region: eu-west-1
      request: {method: POST, path: /, query: "", body: "Action=DescribeVpcs&Version=..."}
      response: {status: 200, headers: {Content-Type: text/xml}, body: "<DescribeVpcsResponse ..."}

A request matches an exchange when service, region, target (the ``X-Amz-Target`` header
of JSON protocols), method, path, query and body are
equal after canonicalisation (query and form parameters sorted, JSON re-serialised with
sorted keys), so every protocol boto3 speaks (query, JSON, REST-JSON, REST-XML) replays
byte for byte through botocore's real serialiser and parser. The text ``{server}`` in a
body stands for the server's own URL. A request with no exchange gets a 400 with the
error code ``NoRecordedExchange`` (a collection gap, never a silent empty answer).

:class:`AwsRecordingProxy` sits between the SDK and a moto server and writes what passes.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

SERVER_PLACEHOLDER = "{server}"
KEPT_HEADERS = ("content-type", "x-amz-bucket-region", "x-amz-server-side-encryption")
_SECRET_ELEMENT = re.compile(r"<(Base32StringSeed|QRCodePNG)>[^<]*</\1>")
"""Emulator-generated MFA seeds: never kept in a recording, even fake ones."""
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")

Key = tuple[str, str, str, str, str, str, str]


@dataclass
class Exchange:
    service: str
    region: str
    request: dict[str, str]
    response: dict[str, Any]
    call: str = ""

    def key(self) -> Key:
        r = self.request
        target = r.get("target", "")
        return (self.service, self.region, target, r["method"], r["path"], r["query"], r["body"])


@dataclass
class Incoming:
    service: str
    region: str
    method: str
    path: str
    query: str
    body: str
    call: str
    target: str = ""

    def key(self) -> Key:
        return (
            self.service,
            self.region,
            self.target,
            self.method,
            self.path,
            self.query,
            self.body,
        )


def _canonical_query(query: str) -> str:
    return urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(query, keep_blank_values=True)))


def _canonical_body(raw: bytes, content_type: str) -> str:
    if not raw:
        return ""
    text = raw.decode("utf-8")
    if "x-www-form-urlencoded" in content_type:
        return _canonical_query(text)
    if "json" in content_type:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    return text


def _call_name(handler: BaseHTTPRequestHandler, service: str, body: str) -> str:
    target = handler.headers.get("X-Amz-Target")
    if target:
        return f"{service} {target.rsplit('.', 1)[-1]}"
    action = dict(urllib.parse.parse_qsl(body)).get("Action") if "=" in body else None
    if action:
        return f"{service} {action}"
    split = urllib.parse.urlsplit(handler.path)
    query = "&".join(sorted(part.split("=", 1)[0] for part in split.query.split("&") if part))
    return f"{service} {handler.command} {split.path}" + (f"?{query}" if query else "")


def read_incoming(handler: BaseHTTPRequestHandler) -> tuple[Incoming, bytes]:
    """The request as the matching key sees it, and its raw body (to forward)."""
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    scope = _SCOPE.search(handler.headers.get("Authorization", ""))
    region, service = scope.groups() if scope else ("", "")
    split = urllib.parse.urlsplit(handler.path)
    body = _canonical_body(raw, handler.headers.get("Content-Type", ""))
    incoming = Incoming(
        service=service,
        region=region,
        method=handler.command,
        path=split.path,
        query=_canonical_query(split.query),
        body=body,
        call=_call_name(handler, service, body),
        target=handler.headers.get("X-Amz-Target", ""),
    )
    return incoming, raw


def load_exchanges(paths: Iterable[Path]) -> dict[Key, Exchange]:
    exchanges: dict[Key, Exchange] = {}
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            exchange = Exchange(**entry)
            exchanges.setdefault(exchange.key(), exchange)
    return exchanges


def _send(
    handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


class _Server:
    """A threaded loopback HTTP server whose handler calls ``self.handle``."""

    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.handle(self)

            do_POST = do_PUT = do_HEAD = do_DELETE = do_GET

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class AwsReplayServer(_Server):
    """Answers boto3 from recorded exchanges; records which calls it could not answer."""

    def __init__(self, exchanges: dict[Key, Exchange]) -> None:
        super().__init__()
        self.exchanges = exchanges
        self.unmatched: list[str] = []
        self._lock = threading.Lock()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        incoming, _ = read_incoming(handler)
        exchange = self.exchanges.get(incoming.key())
        if exchange is None:
            with self._lock:
                self.unmatched.append(f"{incoming.region} {incoming.call}")
            body = json.dumps({"__type": "NoRecordedExchange", "message": incoming.call})
            _send(handler, 400, {"Content-Type": "application/x-amz-json-1.1"}, body.encode())
            return
        response = exchange.response
        text = str(response.get("body") or "").replace(SERVER_PLACEHOLDER, self.url)
        _send(handler, int(response["status"]), dict(response.get("headers") or {}), text.encode())


ResponsePatch = Callable[[str], tuple[int, str]]
"""Rewrites one recorded response (for what the emulator cannot express): body → status, body."""


@dataclass
class AwsRecordingProxy(_Server):
    """Forwards every request to ``upstream`` and keeps the exchange."""

    upstream: str = ""
    patches: dict[tuple[str, str], ResponsePatch] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        self.recorded: dict[Key, Exchange] = {}
        self._lock = threading.Lock()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        incoming, raw = read_incoming(handler)
        host = urllib.parse.urlsplit(self.upstream).netloc
        connection = http.client.HTTPConnection(host, timeout=60)
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        connection.request(handler.command, handler.path, body=raw or None, headers=headers)
        upstream = connection.getresponse()
        body = upstream.read()
        kept = {k: v for k, v in upstream.getheaders() if k.lower() in KEPT_HEADERS}
        connection.close()
        text = body.decode("utf-8").replace(self.upstream, SERVER_PLACEHOLDER)
        text = _SECRET_ELEMENT.sub(r"<\1>UkVEQUNURUQ=</\1>", text)  # base64 "REDACTED"
        patch = self.patches.get((incoming.region, incoming.call))
        status = upstream.status
        if patch is not None:
            status, text = patch(text)
        exchange = Exchange(
            service=incoming.service,
            region=incoming.region,
            request={
                **({"target": incoming.target} if incoming.target else {}),
                "method": incoming.method,
                "path": incoming.path,
                "query": incoming.query,
                "body": incoming.body,
            },
            response={"status": status, "headers": kept, "body": text},
            call=incoming.call,
        )
        with self._lock:
            # The last answer wins: a polled call (a credential report being generated)
            # replays as its final state.
            self.recorded[exchange.key()] = exchange
        served = text.replace(SERVER_PLACEHOLDER, self.upstream).encode()
        _send(handler, status, kept, served)

    def write(self, folder: Path) -> list[Path]:
        """One YAML file per service, exchanges in a stable order."""
        by_service: dict[str, list[Exchange]] = {}
        for key in sorted(self.recorded):
            exchange = self.recorded[key]
            by_service.setdefault(exchange.service or "unsigned", []).append(exchange)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for service, exchanges in sorted(by_service.items()):
            path = folder / f"{service}.yaml"
            entries = [
                {
                    "call": e.call,
                    "service": e.service,
                    "region": e.region,
                    "request": e.request,
                    "response": e.response,
                }
                for e in exchanges
            ]
            path.write_text(
                yaml.dump(entries, Dumper=_LiteralDumper, sort_keys=False, width=100),
                encoding="utf-8",
            )
            written.append(path)
        return written


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line bodies as literal blocks, so recorded XML and JSON stay readable."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_LiteralDumper.add_representer(str, _str_presenter)
