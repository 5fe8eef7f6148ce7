"""The only place that builds OCI SDK clients.

Authentication modes: an OCI config file and profile (API key), instance principals,
resource principals. Every client gets a bounded retry strategy and no circuit breaker
(a failure becomes a collection gap; a breaker would only turn later calls into more
failures). ``endpoint`` overrides every service's base URL (private endpoints, emulators);
it may contain ``{region}``. Vault management endpoints and identity-domain URLs are used
as the API returns them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import oci

from scanner.errors import CollectorError

ENDPOINT_ENV = "AUDITGRAPH_OCI_ENDPOINT"
AuthMode = Literal["config", "instance_principal", "resource_principal"]


@dataclass(frozen=True)
class OciOptions:
    """How to reach OCI. Everything a user can set from the CLI or the estate config."""

    auth: AuthMode = "config"
    config_file: Path | None = None
    profile: str = "DEFAULT"
    regions: tuple[str, ...] = ()
    """Regions to collect; empty means every subscribed region."""
    endpoint: str | None = None
    """Base URL for every service client; ``{region}`` is replaced. Env: AUDITGRAPH_OCI_ENDPOINT."""
    retry_attempts: int = 3
    """Attempts per call for throttling (429) and server errors (5xx); 1 disables retries."""
    retry_max_wait_seconds: float = 8.0
    """Longest back-off between two attempts."""
    timeout_seconds: float = 30.0
    max_workers: int = 8
    classification_tag: str = "data_class"
    """Freeform or defined tag whose value is a store's data classification."""

    def resolved_endpoint(self) -> str | None:
        return self.endpoint or os.environ.get(ENDPOINT_ENV) or None


@dataclass
class OciClients:
    """Builds clients per region on demand; holds no connection at construction."""

    options: OciOptions
    config: dict[str, Any] = field(default_factory=dict)
    signer: Any = None
    tenancy: str = ""
    home_region: str = ""

    @classmethod
    def from_options(cls, options: OciOptions) -> OciClients:
        if options.auth == "config":
            path = options.config_file or Path("~/.oci/config").expanduser()
            try:
                config = oci.config.from_file(str(path), options.profile)
                oci.config.validate_config(config)
            except (oci.exceptions.ConfigFileNotFound, oci.exceptions.ProfileNotFound) as exc:
                raise CollectorError(f"OCI config {path} [{options.profile}]: {exc}") from exc
            except (oci.exceptions.InvalidConfig, ValueError) as exc:
                raise CollectorError(
                    f"OCI config {path} [{options.profile}] is invalid: {exc}"
                ) from exc
            return cls(options, config, None, str(config["tenancy"]), str(config["region"]))
        try:
            if options.auth == "instance_principal":
                signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
            else:
                signer = oci.auth.signers.get_resource_principals_signer()
        except Exception as exc:
            raise CollectorError(f"OCI {options.auth} authentication failed: {exc}") from exc
        region = str(getattr(signer, "region", "") or "")
        return cls(options, {"region": region}, signer, str(signer.tenancy_id), region)

    def _kwargs(self, region: str, endpoint: str | None = None) -> dict[str, Any]:
        retry = (
            oci.retry.NoneRetryStrategy()
            if self.options.retry_attempts <= 1
            else oci.retry.RetryStrategyBuilder(
                max_attempts_check=True,
                max_attempts=self.options.retry_attempts,
                total_elapsed_time_check=True,
                total_elapsed_time_seconds=120,
                retry_base_sleep_time_seconds=min(1.0, self.options.retry_max_wait_seconds),
                retry_max_wait_between_calls_seconds=self.options.retry_max_wait_seconds,
                decorrelated_jitter=min(1.0, self.options.retry_max_wait_seconds),
            ).get_retry_strategy()
        )
        kwargs: dict[str, Any] = {
            "retry_strategy": retry,
            "circuit_breaker_strategy": oci.circuit_breaker.NoCircuitBreakerStrategy(),
            "timeout": (10.0, self.options.timeout_seconds),
        }
        base = endpoint or self.options.resolved_endpoint()
        if base:
            kwargs["service_endpoint"] = base.replace("{region}", region)
        if self.signer is not None:
            kwargs["signer"] = self.signer
        return kwargs

    def _config(self, region: str) -> dict[str, Any]:
        return {**self.config, "region": region}

    def identity(self, region: str) -> Any:
        return oci.identity.IdentityClient(self._config(region), **self._kwargs(region))

    def identity_domains(self, region: str, domain_url: str) -> Any:
        return oci.identity_domains.IdentityDomainsClient(
            self._config(region), **self._kwargs(region, endpoint=domain_url)
        )

    def object_storage(self, region: str) -> Any:
        return oci.object_storage.ObjectStorageClient(self._config(region), **self._kwargs(region))

    def kms_vault(self, region: str) -> Any:
        return oci.key_management.KmsVaultClient(self._config(region), **self._kwargs(region))

    def kms_management(self, region: str, management_endpoint: str) -> Any:
        return oci.key_management.KmsManagementClient(
            self._config(region), **self._kwargs(region, endpoint=management_endpoint)
        )

    def virtual_network(self, region: str) -> Any:
        return oci.core.VirtualNetworkClient(self._config(region), **self._kwargs(region))

    def audit(self, region: str) -> Any:
        return oci.audit.AuditClient(self._config(region), **self._kwargs(region))

    def cloud_guard(self, region: str) -> Any:
        return oci.cloud_guard.CloudGuardClient(self._config(region), **self._kwargs(region))

    def logging(self, region: str) -> Any:
        return oci.logging.LoggingManagementClient(self._config(region), **self._kwargs(region))
