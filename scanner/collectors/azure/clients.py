"""The only place that builds Azure credentials, pipelines and management clients.

- **Credential**: azure-identity's ``DefaultAzureCredential`` (environment, workload
  identity, managed identity, Azure CLI, PowerShell, ...), against the authority of the
  chosen cloud; ``--azure-tenant`` asks every token of that tenant. A pipeline that
  already holds a token passes it in ``AUDITGRAPH_AZURE_ARM_TOKEN`` (and
  ``AUDITGRAPH_AZURE_KEYVAULT_TOKEN`` for Key Vault's data plane) instead.
- **Clouds**: ``AzurePublicCloud``, ``AzureUSGovernment``, ``AzureChinaCloud`` set the
  ARM endpoint, the token authority and the Key Vault token audience.
- **Endpoint override** (private endpoints, emulators, the replay server of the tests):
  ``--azure-arm-endpoint URL`` or ``AUDITGRAPH_AZURE_ARM_ENDPOINT``. Key Vault data-plane
  calls then go to ``<URL>/<vault host>/...``. A bearer token is sent over plain http
  only to a loopback address; any other http endpoint is refused.
- **Paging stays home**: a ``nextLink`` that points at another host than the configured
  endpoint is refused (the call becomes a gap), so a payload cannot send the token away.
- **Bounded retries** (azure-core's policy honours ``Retry-After``) and timeouts.

Every HTTP request any client sends is recorded (method and path) by a pipeline policy:
that is how the read-only property is proven.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from azure.core import PipelineClient
from azure.core.credentials import AccessToken, AccessTokenInfo
from azure.core.exceptions import ServiceRequestError
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import (
    BearerTokenCredentialPolicy,
    HeadersPolicy,
    RetryPolicy,
    SansIOHTTPPolicy,
)
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest, HttpResponse
from azure.identity import AzureAuthorityHosts, DefaultAzureCredential
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

from scanner.errors import CollectorError

ARM_ENDPOINT_ENV = "AUDITGRAPH_AZURE_ARM_ENDPOINT"
ARM_TOKEN_ENV = "AUDITGRAPH_AZURE_ARM_TOKEN"  # noqa: S105 (a variable name)
KEYVAULT_TOKEN_ENV = "AUDITGRAPH_AZURE_KEYVAULT_TOKEN"  # noqa: S105

ClientT = TypeVar("ClientT")
"""A management client class; every one takes (credential, [subscription], base_url=...)."""


@dataclass(frozen=True)
class AzureCloud:
    """Endpoints of one Azure cloud."""

    arm: str
    authority: str
    keyvault_suffixes: tuple[str, str]
    """DNS suffixes of Key Vault vaults and Managed HSMs; each is its token audience too."""


CLOUDS: Mapping[str, AzureCloud] = {
    "AzurePublicCloud": AzureCloud(
        "https://management.azure.com",
        AzureAuthorityHosts.AZURE_PUBLIC_CLOUD,
        ("vault.azure.net", "managedhsm.azure.net"),
    ),
    "AzureUSGovernment": AzureCloud(
        "https://management.usgovcloudapi.net",
        AzureAuthorityHosts.AZURE_GOVERNMENT,
        ("vault.usgovcloudapi.net", "managedhsm.usgovcloudapi.net"),
    ),
    "AzureChinaCloud": AzureCloud(
        "https://management.chinacloudapi.cn",
        AzureAuthorityHosts.AZURE_CHINA,
        ("vault.azure.cn", "managedhsm.azure.cn"),
    ),
}


@dataclass(frozen=True)
class AzureOptions:
    subscriptions: tuple[str, ...] = ()
    """Subscriptions to collect; empty means every subscription the identity can read."""
    tenant: str | None = None
    cloud: str = "AzurePublicCloud"
    arm_endpoint: str | None = None
    max_attempts: int = 3
    max_workers: int = 8
    connection_timeout: float = 10.0
    read_timeout: float = 30.0

    def endpoint(self) -> str:
        """The ARM base URL: the override, else the cloud's."""
        if self.cloud not in CLOUDS:
            known = ", ".join(CLOUDS)
            raise CollectorError(f"--azure-cloud {self.cloud!r} is not one of: {known}")
        chosen = self.arm_endpoint or os.environ.get(ARM_ENDPOINT_ENV) or CLOUDS[self.cloud].arm
        return chosen.rstrip("/")


class StaticToken:
    """A pre-obtained bearer token (``AUDITGRAPH_AZURE_*_TOKEN``) as a credential."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        return AccessTokenInfo(self._token, int(time.time()) + 3600)

    def close(self) -> None:
        return None


class TenantCredential:
    """Asks every token of one tenant (``--azure-tenant``)."""

    def __init__(self, inner: Any, tenant: str) -> None:
        self._inner = inner
        self._tenant = tenant

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        token: AccessToken = self._inner.get_token(*scopes, **{**kwargs, "tenant_id": self._tenant})
        return token

    def close(self) -> None:
        self._inner.close()


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str) -> bool:
    """Whether https must be enforced for ``url``; refuses plain http off loopback."""
    scheme = urlsplit(url).scheme
    if scheme == "https":
        return True
    if scheme == "http" and is_loopback(url):
        return False
    raise CollectorError(
        f"refusing to send an Azure bearer token to {url}: use https (plain http only "
        "to a loopback address)"
    )


@dataclass
class RequestLog:
    """Thread-safe record of every HTTP request sent, as ``METHOD path``."""

    requests: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.add(f"{method} {path}")


class RecordPolicy(SansIOHTTPPolicy[Any, Any]):
    """Records each request, and refuses one that leaves the configured host.

    For a loopback http endpoint (checked by :func:`check_transport`) it lets the bearer
    policy send the token over http, the one place that is allowed.
    """

    def __init__(self, log: RequestLog, host: str, allow_http: bool) -> None:
        self._log = log
        self._host = host
        self._allow_http = allow_http

    def on_request(self, request: PipelineRequest[Any]) -> None:
        url = urlsplit(request.http_request.url)
        if url.netloc.lower() != self._host:
            raise ServiceRequestError(f"refusing to follow a link to another host: {url.netloc}")
        if self._allow_http:
            request.context["enforce_https"] = False
        self._log.record(request.http_request.method, url.path)


def build_credential(options: AzureOptions) -> Any:
    token = os.environ.get(ARM_TOKEN_ENV)
    if token:
        return StaticToken(token)
    credential = DefaultAzureCredential(
        authority=CLOUDS[options.cloud].authority,
        additionally_allowed_tenants=[options.tenant] if options.tenant else [],
    )
    return TenantCredential(credential, options.tenant) if options.tenant else credential


def token_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT access token; {} when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def caller_of(claims: Mapping[str, Any]) -> str:
    """``user:<upn>`` for a person, ``app:<application id>`` for a service principal."""
    user = claims.get("upn") or claims.get("unique_name")
    if user and claims.get("idtyp") != "app":
        return f"user:{user}"
    app = claims.get("appid") or claims.get("azp")
    return f"app:{app}" if app else f"object:{claims.get('oid', 'unknown')}"


@dataclass
class AzureClients:
    """Credential, endpoints and request log shared by every client of one collection."""

    options: AzureOptions
    credential: Any
    log: RequestLog = field(default_factory=RequestLog)
    caller: str = ""
    tenant: str | None = None

    @classmethod
    def from_options(cls, options: AzureOptions) -> AzureClients:
        return cls(options, build_credential(options), tenant=options.tenant)

    @property
    def base_url(self) -> str:
        return self.options.endpoint()

    @property
    def scope(self) -> str:
        return f"{CLOUDS[self.options.cloud].arm}/.default"

    def _policies(self, url: str, scope: str, credential: Any) -> dict[str, Any]:
        enforce = check_transport(url)
        return {
            "authentication_policy": ARMChallengeAuthenticationPolicy(credential, scope),
            "retry_policy": RetryPolicy(
                retry_total=self.options.max_attempts - 1,
                retry_backoff_factor=0.8,
                retry_backoff_max=30,
            ),
            "per_call_policies": [
                RecordPolicy(self.log, urlsplit(url).netloc.lower(), allow_http=not enforce)
            ],
            "connection_timeout": self.options.connection_timeout,
            "read_timeout": self.options.read_timeout,
        }

    def mgmt(
        self, client_class: Callable[..., ClientT], subscription: str | None = None
    ) -> ClientT:
        """A management client (``StorageManagementClient``...) on the configured ARM
        endpoint; ``subscription`` None for tenant-scoped clients."""
        args: list[Any] = [self.credential] + ([subscription] if subscription else [])
        kwargs = self._policies(self.base_url, self.scope, self.credential)
        return client_class(*args, base_url=self.base_url, credential_scopes=[self.scope], **kwargs)

    def arm(self) -> PipelineClient[HttpRequest, HttpResponse]:
        """A plain ARM pipeline for REST operations no installed SDK exposes."""
        return self._pipeline(self.base_url, self.scope, self.credential)

    def keyvault(self, vault_uri: str) -> tuple[PipelineClient[HttpRequest, HttpResponse], str]:
        """A pipeline for a vault's data plane, and the base URL its requests use.

        The URI comes from an API payload: a token is sent only to an https host under
        the cloud's Key Vault or Managed HSM domain (else ServiceRequestError, a gap).
        """
        parsed = urlsplit(vault_uri)
        host = (parsed.hostname or "").lower()
        suffix = next(
            (s for s in CLOUDS[self.options.cloud].keyvault_suffixes if host.endswith("." + s)),
            None,
        )
        if parsed.scheme != "https" or suffix is None:
            raise ServiceRequestError(f"refusing a Key Vault URI outside Azure: {vault_uri}")
        override = self.options.arm_endpoint or os.environ.get(ARM_ENDPOINT_ENV)
        base = f"{override.rstrip('/')}/{host}" if override else f"https://{host}"
        token = os.environ.get(KEYVAULT_TOKEN_ENV)
        credential = StaticToken(token) if token else self.credential
        return self._pipeline(base, f"https://{suffix}/.default", credential), base

    def _pipeline(
        self, url: str, scope: str, credential: Any
    ) -> PipelineClient[HttpRequest, HttpResponse]:
        policies = self._policies(url, scope, credential)
        transport = RequestsTransport(
            connection_timeout=self.options.connection_timeout,
            read_timeout=self.options.read_timeout,
        )
        return PipelineClient(
            base_url=url,
            transport=transport,
            policies=[
                *policies["per_call_policies"],
                HeadersPolicy(),
                policies["retry_policy"],
                BearerTokenCredentialPolicy(credential, scope),
            ],
        )

    def identify(self) -> None:
        """The caller from the token's claims; a clear error when there is no credential."""
        try:
            token = self.credential.get_token(self.scope)
        except Exception as exc:
            raise CollectorError(f"Azure credentials are not usable: {exc}") from exc
        claims = token_claims(token.token)
        self.caller = caller_of(claims)
        self.tenant = self.tenant or claims.get("tid")
