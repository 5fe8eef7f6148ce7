"""Azure credentials, clouds, endpoints and transport safety (``collectors/azure/clients.py``)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ServiceRequestError
from azure.identity import DefaultAzureCredential

from scanner.collectors.azure.clients import (
    ARM_ENDPOINT_ENV,
    ARM_TOKEN_ENV,
    AzureClients,
    AzureOptions,
    StaticToken,
    TenantCredential,
    build_credential,
    caller_of,
    check_transport,
    token_claims,
)
from scanner.collectors.azure.collector import collect_azure
from scanner.errors import CollectorError
from tests.support.azure_reference import AZURE_FIXTURES
from tests.support.azure_replay import AzureReplayServer, fake_token, load_routes


class ScopeRecorder:
    """A token credential (azure-core's protocol) that records the scopes asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[tuple[str, ...], dict[str, Any]]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requests.append((scopes, kwargs))
        return AccessToken(fake_token(), int(time.time()) + 3600)

    def close(self) -> None:
        return None


def test_plain_http_is_allowed_only_to_loopback() -> None:
    assert check_transport("https://management.azure.com") is True
    assert check_transport("http://127.0.0.1:8080") is False
    assert check_transport("http://localhost:8080") is False
    assert check_transport("http://[::1]:8080") is False
    with pytest.raises(CollectorError, match="plain http only to a loopback address"):
        check_transport("http://10.1.2.3")


@pytest.mark.parametrize(
    ("cloud", "arm"),
    [
        ("AzurePublicCloud", "https://management.azure.com"),
        ("AzureUSGovernment", "https://management.usgovcloudapi.net"),
        ("AzureChinaCloud", "https://management.chinacloudapi.cn"),
    ],
)
def test_each_cloud_has_its_arm_endpoint(
    cloud: str, arm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ARM_ENDPOINT_ENV, raising=False)
    assert AzureOptions(cloud=cloud).endpoint() == arm
    monkeypatch.setenv(ARM_ENDPOINT_ENV, "https://arm.private.example/")
    assert AzureOptions(cloud=cloud).endpoint() == "https://arm.private.example"
    assert (
        AzureOptions(cloud=cloud, arm_endpoint="https://x.example").endpoint()
        == "https://x.example"
    )


def test_an_unknown_cloud_is_refused() -> None:
    with pytest.raises(CollectorError, match="AzureMoon"):
        AzureOptions(cloud="AzureMoon").endpoint()


def test_sovereign_cloud_tokens_are_asked_for_its_audiences(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ARM_TOKEN_ENV, raising=False)
    credential = ScopeRecorder()
    routes = load_routes(sorted(AZURE_FIXTURES.glob("*.yaml")))
    with AzureReplayServer(routes) as server:
        options = AzureOptions(cloud="AzureUSGovernment", arm_endpoint=server.url, max_attempts=1)
        clients = AzureClients(options, credential)
        snapshot, _, _ = collect_azure(options, clients=clients)
    scopes = {scope for asked, _ in credential.requests for scope in asked}
    assert scopes == {"https://management.usgovcloudapi.net/.default"}
    # The recorded vaults are public-cloud hosts: no US Government token goes to them.
    refused = [g for g in snapshot.gaps if g.operation == "get_key_rotation_policy"]
    assert len(refused) == 4
    assert {g.error_class for g in refused} == {"ServiceRequestError"}


def test_keyvault_data_plane_follows_the_endpoint_override() -> None:
    clients = AzureClients(AzureOptions(arm_endpoint="http://127.0.0.1:9"), StaticToken("t"))
    _, base = clients.keyvault("https://kv.vault.azure.net/")
    assert base == "http://127.0.0.1:9/kv.vault.azure.net"
    public = AzureClients(AzureOptions(), StaticToken("t"))
    assert public.keyvault("https://kv.vault.azure.net/")[1] == "https://kv.vault.azure.net"


def test_a_pre_obtained_token_replaces_the_credential_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ARM_TOKEN_ENV, "pre.obtained.token")
    credential = build_credential(AzureOptions())
    assert isinstance(credential, StaticToken)
    assert credential.get_token("https://management.azure.com/.default").token == (
        "pre.obtained.token"
    )
    monkeypatch.delenv(ARM_TOKEN_ENV)
    assert isinstance(build_credential(AzureOptions()), DefaultAzureCredential)
    assert isinstance(build_credential(AzureOptions(tenant="t1")), TenantCredential)


def test_the_tenant_is_asked_of_every_token() -> None:
    inner = ScopeRecorder()
    TenantCredential(inner, "tenant-1").get_token("scope/.default")
    assert inner.requests == [(("scope/.default",), {"tenant_id": "tenant-1"})]


def test_caller_comes_from_the_token_claims() -> None:
    app = token_claims(fake_token({"appid": "app-1", "idtyp": "app", "tid": "t"}))
    assert caller_of(app) == "app:app-1"
    person = token_claims(fake_token({"upn": "ana@acme.example", "oid": "o", "tid": "t"}))
    assert caller_of(person) == "user:ana@acme.example"
    assert token_claims("opaque-token") == {}
    assert caller_of({}) == "object:unknown"


def test_unusable_credentials_are_a_clear_error() -> None:
    class Broken:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            raise RuntimeError("no login")

    clients = AzureClients(AzureOptions(), Broken())
    with pytest.raises(CollectorError, match="Azure credentials are not usable: no login"):
        clients.identify()


@pytest.mark.parametrize(
    "uri",
    [
        "https://kv.vault.azure.net.evil.example/",
        "http://kv.vault.azure.net/",
        "https://evil.example/",
    ],
)
def test_a_vault_uri_outside_azure_gets_no_token(uri: str) -> None:
    clients = AzureClients(AzureOptions(), StaticToken("t"))
    with pytest.raises(ServiceRequestError, match="refusing a Key Vault URI outside Azure"):
        clients.keyvault(uri)


def test_managed_hsm_tokens_have_their_own_audience() -> None:
    clients = AzureClients(AzureOptions(cloud="AzureChinaCloud"), StaticToken("t"))
    _, base = clients.keyvault("https://pool.managedhsm.azure.cn/")
    assert base == "https://pool.managedhsm.azure.cn"
