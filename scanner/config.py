"""Estate configuration: organisation parameters, declared links and scope.

Loaded from a YAML file (``--config``). Every key is checked; an error names the file,
the entry and the line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from scanner.errors import ConfigError, Location, Problem
from scanner.model.base import JSONValue
from scanner.yamlpos import locate, parse_with_nodes, yaml_error_location


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Transfer(_Strict):
    """One entry of the transfer register (GDPR Art. 30, 44-46)."""

    src: str = Field(description="uid of the source store.")
    dst: str = Field(description="uid of the destination store.")
    basis: Literal["adequacy", "scc", "bcr", "derogation"] = Field(
        description="Legal basis of the transfer (Art. 45, 46 or 49)."
    )
    reference: str = Field(default="", description="Contract or DPA reference.")


class Params(_Strict):
    """Organisation parameters that controls read as ``params.<name>``."""

    allowed_jurisdictions: list[str] = Field(
        default_factory=lambda: ["EU", "EEA"],
        description="Jurisdictions where personal data may sit without a register entry.",
    )
    transfer_register: list[Transfer] = Field(
        default_factory=list, description="Approved transfers outside allowed jurisdictions."
    )
    approved_idp_entity_ids: list[str] = Field(
        default_factory=list, description="Identity providers federation may trust."
    )
    break_glass: list[str] = Field(
        default_factory=list, description="Principals allowed to bypass SSO/MFA rules."
    )
    admin_principals: list[str] = Field(
        default_factory=list, description="Principals allowed to hold full admin policies."
    )
    admin_ports: list[int] = Field(
        default_factory=lambda: [22, 3389, 1433, 1521, 3306, 5432, 6379, 9200, 27017],
        description="Ports that must never be open to the internet.",
    )
    cert_min_valid_days: int = Field(default=30, description="Minimum remaining cert validity.")
    key_rotation_max_days: int = Field(default=365, description="Maximum key rotation period.")
    min_tls_version: Literal["1.2", "1.3"] = Field(
        default="1.2", description="Lowest TLS version endpoints and transfers may accept."
    )
    vpn_encryption: list[str] = Field(
        default_factory=lambda: ["AES256", "AES256-GCM", "AES256-GCM-16"],
        description="Accepted IPSec / IKE encryption algorithms.",
    )
    vpn_min_dh_group: int = Field(default=14, description="Lowest accepted Diffie-Hellman group.")
    macsec_ciphers: list[str] = Field(
        default_factory=lambda: ["AES256_GCM", "AES256_GCM_XPN"],
        description="Accepted MACsec ciphers (normalised names).",
    )
    approved_accounts: list[str] = Field(
        default_factory=list,
        description=(
            "Tenancies, accounts and subscriptions (ids or OCI tenancy aliases) that data may "
            "be replicated into and that cross-tenancy policies may name, besides a resource's "
            "own account."
        ),
    )
    access_key_max_age_days: int = Field(
        default=90, description="Oldest an active access key, API key or token may be."
    )
    admin_group_max_members: int = Field(
        default=5, description="Most members an administrators group may have."
    )
    key_rotation_skew_days: int = Field(
        default=30,
        description="Largest gap between the last rotations of copies of shared key material.",
    )
    min_symmetric_key_bits: int = Field(default=256, description="Shortest AES key accepted.")
    min_rsa_key_bits: int = Field(default=2048, description="Shortest RSA key accepted.")
    audit_retention_min_days: int = Field(
        default=365, description="Shortest retention accepted for control-plane audit logs."
    )
    data_classes: list[str] = Field(
        default_factory=lambda: ["public", "internal", "confidential", "personal", "audit-logs"],
        description="The classification scheme: values the data_class tag may take.",
    )
    immutable_data_classes: list[str] = Field(
        default_factory=lambda: ["confidential", "audit-logs"],
        description="Classes whose stores must keep objects under a locked retention rule.",
    )
    redundant_data_classes: list[str] = Field(
        default_factory=lambda: ["personal"],
        description="Classes whose primary stores must keep a copy in another region.",
    )

    def as_cel_input(self) -> dict[str, JSONValue]:
        data: dict[str, JSONValue] = self.model_dump(mode="json")
        return data


PARAM_NAMES: frozenset[str] = frozenset(Params.model_fields)


class DeclaredLink(_Strict):
    """A relation no API reports, e.g. a replication job run by an external tool."""

    src: str
    dst: str
    kind: str
    attrs: dict[str, JSONValue] = Field(default_factory=dict)
    evidence: str = Field(default="", description="Where this link is documented.")


class EstateConfig(_Strict):
    params: Params = Field(default_factory=Params)
    declared_links: list[DeclaredLink] = Field(default_factory=list)


def load_config(path: Path) -> EstateConfig:
    """Load an estate config file, raising :class:`ConfigError` with located problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(Location(str(path)), f"cannot read: {exc.strerror}")]) from exc
    try:
        data, node = parse_with_nodes(text)
    except yaml.YAMLError as exc:
        raise ConfigError(
            [Problem(yaml_error_location(path, exc), f"invalid YAML: {exc}")]
        ) from exc
    if data is None:
        return EstateConfig()
    try:
        return EstateConfig.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                locate(path, node, error["loc"], key=error["type"] == "extra_forbidden"),
                error["msg"],
            )
            for error in exc.errors()
        ]
        raise ConfigError(problems) from exc
