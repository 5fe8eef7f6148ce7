"""AWS test support: fake credentials, an in-process moto backend, a moto server.

Import this module before boto3 clients are created: it sets fake credentials and a
default region and removes any profile, so no test can reach a real account.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
}
MOTO_ACCOUNT = "123456789012"


def use_fake_credentials() -> None:
    os.environ.update(FAKE_ENV)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        os.environ.pop(name, None)
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


@contextmanager
def moto_server() -> Iterator[str]:
    """A ThreadedMotoServer on an ephemeral loopback port; yields its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        server.stop()


def reset_moto_server(url: str) -> None:
    request = urllib.request.Request(url + "/moto-api/reset", method="POST")
    with urllib.request.urlopen(request) as response:
        response.read()
