"""AWS test support: fake credentials, an in-process moto backend, a moto server.

Import this module before boto3 clients are created: it sets fake credentials and a
default region and removes any profile, so no test can reach a real account.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.stub import Stubber

from scanner.collectors.aws.clients import GLOBAL_REGION, AwsClients

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


StubPlan = Callable[[Stubber], None]
"""Adds the expected calls and canned responses to one region's stubbed client."""


def stubbed_clients(service: str, plans: Mapping[str, StubPlan]) -> tuple[type, list[Stubber]]:
    """AwsClients whose ``service`` clients in the planned regions answer from a Stubber.

    The clients factory is the collector's one swappable seam: no collector function is
    patched, the real module code runs against canned responses checked by botocore.
    """
    stubbers: list[Stubber] = []

    class Stubbed(AwsClients):
        def client(self, name: str, region: str = GLOBAL_REGION) -> Any:
            if name != service or region not in plans:
                return super().client(name, region)
            cache: dict[str, Any] = self.__dict__.setdefault("_stubbed", {})
            if region not in cache:
                client = super().client(name, region)
                stubber = Stubber(client)
                plans[region](stubber)
                stubber.activate()
                # A stubbed call never reaches the session's before-call hook: log it here.
                client.meta.events.register_first("before-call.*.*", self.log.record)
                stubbers.append(stubber)
                cache[region] = client
            return cache[region]

    return Stubbed, stubbers
