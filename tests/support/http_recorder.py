"""A loopback HTTP server that records every request and answers from a script.

``answers`` is a list of :class:`Answer`, used in order, the last one repeated: ``[500,
200]`` fails once, then accepts. An answer may sleep first (a slow receiver) or carry
headers (``Retry-After``). Every request is recorded with its method, path, headers and
body, so a test can assert exactly what was sent and how many times.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: bytes = b"ok"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class RecordingServer:
    def __init__(self, answers: list[Answer] | None = None) -> None:
        self.answers = answers or [Answer()]
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                outer._handle(self)

            do_PUT = do_GET = do_POST

        self._httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length)
        with self._lock:
            index = len(self.requests)
            headers = {key.lower(): value for key, value in handler.headers.items()}
            recorded = Recorded(handler.command, handler.path, headers, body, time.monotonic())
            self.requests.append(recorded)
            answer = self.answers[min(index, len(self.answers) - 1)]
        if answer.delay:
            time.sleep(answer.delay)
        try:
            handler.send_response(answer.status)
            for key, value in answer.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            handler.wfile.write(answer.body)
        except OSError:  # the client gave up (timeout) before the answer
            pass
