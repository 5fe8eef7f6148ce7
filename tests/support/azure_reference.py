"""The Azure part of the reference estate as the Azure collector produces it from the
recorded ARM and Key Vault responses in ``fixtures/azure/reference/``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.collectors.azure.clients import ARM_TOKEN_ENV, AzureClients, AzureOptions
from scanner.collectors.azure.collector import collect_azure
from scanner.model import Snapshot
from tests.support.azure_replay import AzureReplayServer, fake_token, load_routes

REPO = Path(__file__).resolve().parents[2]
AZURE_FIXTURES = REPO / "fixtures" / "azure" / "reference"
SUBSCRIPTION = "3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f"


@contextmanager
def token_env() -> Iterator[None]:
    """The replay server's bearer token in ``AUDITGRAPH_AZURE_ARM_TOKEN`` for the block."""
    before = os.environ.get(ARM_TOKEN_ENV)
    os.environ[ARM_TOKEN_ENV] = fake_token()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(ARM_TOKEN_ENV, None)
        else:
            os.environ[ARM_TOKEN_ENV] = before


def reference_server() -> AzureReplayServer:
    return AzureReplayServer(load_routes(sorted(AZURE_FIXTURES.glob("*.yaml"))))


def collect_reference_azure() -> tuple[Snapshot, AzureClients, AzureReplayServer]:
    with token_env(), reference_server() as server:
        options = AzureOptions(arm_endpoint=server.url, max_attempts=1, max_workers=4)
        snapshot, _, clients = collect_azure(options)
    return snapshot, clients, server
