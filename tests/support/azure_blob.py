"""A loopback server in the shape of the Azure Blob REST API, for Put Blob only.

``PUT /{account}/{container}/{blob}`` with ``x-ms-blob-type: BlockBlob`` stores the body
and answers 201 Created with the headers the service sends (ETag, Last-Modified,
Content-MD5, x-ms-request-id, x-ms-version, x-ms-request-server-encrypted). Anything else
gets the service's XML error document. Files under the SDK's single-shot limit (64 MiB)
are uploaded this way; larger ones would use Put Block / Put Block List, which this server
does not implement. ``deny`` makes every upload fail with 403 AuthorizationPermissionMismatch,
as a principal without Storage Blob Data Contributor sees.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
"""The public, documented development key of the Azure storage emulator (Azurite)."""


@dataclass(frozen=True)
class StoredBlob:
    body: bytes
    content_type: str
    signed: bool
    """Authorization was ``SharedKey devstoreaccount1:...``."""


class BlobServer:
    def __init__(self, deny: bool = False) -> None:
        self.deny = deny
        self.blobs: dict[tuple[str, str], StoredBlob] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_PUT(self) -> None:
                outer._handle(self)

            do_GET = do_POST = do_HEAD = do_DELETE = do_PUT

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint={self.url}/{ACCOUNT};"
        )

    def __enter__(self) -> BlobServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length", "0") or 0))
        path = urllib.parse.urlsplit(handler.path).path
        with self._lock:
            self.requests.append((handler.command, path))
        parts = path.lstrip("/").split("/", 2)
        if handler.command != "PUT" or len(parts) != 3 or parts[0] != ACCOUNT:
            self._error(handler, 400, "UnsupportedHttpVerb", "only Put Blob is served here")
            return
        if handler.headers.get("x-ms-blob-type") != "BlockBlob":
            self._error(handler, 400, "MissingRequiredHeader", "x-ms-blob-type")
            return
        if self.deny:
            message = (
                "This request is not authorized to perform this operation using this permission."
            )
            self._error(handler, 403, "AuthorizationPermissionMismatch", message)
            return
        signed = handler.headers.get("Authorization", "").startswith(f"SharedKey {ACCOUNT}:")
        blob = StoredBlob(body, handler.headers.get("x-ms-blob-content-type", ""), signed)
        with self._lock:
            self.blobs[(parts[1], urllib.parse.unquote(parts[2]))] = blob
        handler.send_response(201)
        for key, value in (
            ("ETag", '"0x8DCF00D' + hashlib.sha256(body).hexdigest()[:8].upper() + '"'),
            ("Last-Modified", "Sun, 01 Nov 2026 09:04:12 GMT"),
            ("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode()),
            ("x-ms-request-id", "00000000-0000-0000-0000-000000000001"),
            ("x-ms-version", handler.headers.get("x-ms-version", "2025-01-05")),
            ("x-ms-request-server-encrypted", "true"),
            ("Date", "Sun, 01 Nov 2026 09:04:12 GMT"),
            ("Content-Length", "0"),
        ):
            handler.send_header(key, value)
        handler.end_headers()

    def _error(self, handler: BaseHTTPRequestHandler, status: int, code: str, text: str) -> None:
        data = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f"<Error><Code>{code}</Code><Message>{text}</Message></Error>"
        ).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("x-ms-error-code", code)
        handler.send_header("x-ms-request-id", "00000000-0000-0000-0000-000000000002")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
