"""A local HTTP server that answers the real ``oci`` SDK from fixtures in the REST shape.

Fixtures are YAML files, each a list of routes::

    - path: /eu-frankfurt-1/20160918/users          # the region prefix comes from the
      query: {compartmentId: ocid1.tenancy...}      # endpoint template http://HOST/{region}
      pages: [[{...}, {...}], [{...}]]              # opc-next-page paging
    - path: /domains/acme/admin/v1/Apps
      scim: [{...}, {...}]                          # SCIM ListResponse, startIndex/count paging
    - path: /eu-frankfurt-1/n/acme/b/web
      status: 429                                   # fault injection
      body: {code: TooManyRequests, message: slow down}

``method`` defaults to GET, ``status`` to 200. ``query`` must be a subset of the request's
query. The text ``{server}`` anywhere in a body is replaced with the server's own URL, so
that vault management endpoints and identity-domain URLs point back here. A request with
no matching route gets 404 NotAuthorizedOrNotFound, as OCI answers. Every request is
recorded (method, path, query, whether it was signed, body).

With ``accept_uploads=True`` the server also answers Object Storage ``PutObject``
(``PUT [/{region}]/n/{namespace}/b/{bucket}/o/{object}``) as OCI does (200, ETag,
``opc-content-md5``) and keeps each object's bytes in :attr:`OciReplayServer.objects`,
keyed by (namespace, bucket, object name).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TEST_USER = "ocid1.user.oc1..aaaaaaaaauditorsvc5m2q"


@dataclass
class Route:
    path: str
    method: str = "GET"
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    body: Any = None
    pages: list[list[Any]] | None = None
    scim: list[Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    signed: bool
    body: bytes = b""


def load_routes(paths: Iterable[Path]) -> list[Route]:
    routes: list[Route] = []
    for path in paths:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            routes.append(Route(**entry))
    return routes


PUT_OBJECT = re.compile(r"^(?:/[^/]+)?/n/([^/]+)/b/([^/]+)/o/(.+)$")


class OciReplayServer:
    def __init__(self, routes: list[Route], accept_uploads: bool = False) -> None:
        self.routes = routes
        self.accept_uploads = accept_uploads
        self.objects: dict[tuple[str, str, str], bytes] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer._handle(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        """The endpoint template to give the collector."""
        return self.url + "/{region}"

    def __enter__(self) -> OciReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _match(self, method: str, path: str, query: dict[str, str]) -> Route | None:
        for route in self.routes:
            if route.method.upper() != method or route.path != path:
                continue
            if all(query.get(k) == str(v) for k, v in route.query.items()):
                return route
        return None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        signed = handler.headers.get("authorization", "").startswith("Signature ")
        body_in = handler.rfile.read(int(handler.headers.get("Content-Length", "0") or 0))
        with self._lock:
            recorded = RecordedRequest(handler.command, parts.path, query, signed, body_in)
            self.requests.append(recorded)
        upload = PUT_OBJECT.match(parts.path) if handler.command == "PUT" else None
        if upload is not None and self.accept_uploads:
            self._put_object(handler, upload, body_in)
            return
        route = self._match(handler.command, parts.path, query)
        headers = {
            "opc-request-id": "replay-" + hashlib.sha1(handler.path.encode()).hexdigest()[:8]
        }
        if route is None:
            body = {"code": "NotAuthorizedOrNotFound", "message": f"no route for {parts.path}"}
            self._send(handler, 404, body, headers)
            return
        headers.update(route.headers)
        body: Any = route.body
        if route.pages is not None:
            page = int(query.get("page", "0"))
            if page + 1 < len(route.pages):
                headers["opc-next-page"] = str(page + 1)
            body = route.pages[page] if route.pages else []
        elif route.scim is not None:
            start = int(query.get("startIndex", "1"))
            count = int(query.get("count", "50"))
            chunk = route.scim[start - 1 : start - 1 + count]
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "totalResults": len(route.scim),
                "startIndex": start,
                "itemsPerPage": len(chunk),
                "Resources": chunk,
            }
        self._send(handler, route.status, body, headers)

    def _put_object(
        self, handler: BaseHTTPRequestHandler, match: re.Match[str], body: bytes
    ) -> None:
        namespace, bucket, name = (urllib.parse.unquote(part) for part in match.groups())
        with self._lock:
            self.objects[(namespace, bucket, name)] = body
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        handler.send_response(200)
        handler.send_header("ETag", hashlib.sha256(body).hexdigest()[:32])
        handler.send_header("opc-content-md5", md5)
        handler.send_header("last-modified", "Sun, 01 Nov 2026 09:04:12 GMT")
        handler.send_header("opc-request-id", "replay-put")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, doc: Any, headers: dict[str, str]
    ) -> None:
        data = json.dumps(doc).replace("{server}", self.url).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)


def write_oci_config(folder: Path, tenancy: str, region: str = "eu-frankfurt-1") -> Path:
    """An OCI config file and a freshly generated API key (never leaves the test)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # OCI key fingerprints are the MD5 of the DER public key.
    digest = hashlib.md5(der).hexdigest()
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, 32, 2))
    key_path = folder / "oci_api_key.pem"
    key_path.write_bytes(pem)
    key_path.chmod(0o600)
    config = folder / "config"
    config.write_text(
        "[DEFAULT]\n"
        f"user={TEST_USER}\nfingerprint={fingerprint}\ntenancy={tenancy}\n"
        f"region={region}\nkey_file={key_path}\n",
        encoding="utf-8",
    )
    return config
