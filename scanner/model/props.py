"""Normalised ``props`` per resource kind: the contract between collectors and controls.

Every field is optional. A collector sets a field only when the cloud told it the value;
a field it could not read stays absent, and a control that reads it is inconclusive.
Collectors translate each cloud's vocabulary into these fields, so that nothing after
collection branches on the cloud.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from pydantic import Field, ValidationError

from scanner.model.base import Contract, JSONValue

TlsVersion = Literal["1.0", "1.1", "1.2", "1.3"]


class Props(Contract):
    """Base of the per-kind schemas."""


class ReplicationTarget(Contract):
    dst_uid: str = Field(description="uid of the target store (may sit in another cloud).")
    mechanism: str | None = Field(
        default=None, description="oci_replication_policy, s3_crr, azure_object_replication..."
    )
    transport: str | None = Field(default=None, description="tls1.2, tls1.3, plaintext...")


class StoreObjectProps(Props):
    """``store.object``: OCI bucket, S3 bucket, Azure storage account (blob)."""

    data_class: str | None = Field(
        default=None, description="Data classification (personal, confidential, public...)."
    )
    public_access: bool | None = Field(
        default=None, description="True when anonymous reads or listing are possible."
    )
    encrypted: bool | None = Field(default=None, description="Encryption at rest is on.")
    cmk: bool | None = Field(
        default=None, description="Encrypted with a customer-managed key (not provider-managed)."
    )
    kms_key_uid: str | None = Field(default=None, description="uid of the encrypting key.")
    encryption_algorithm: str | None = Field(default=None, description="e.g. AES-256.")
    https_only: bool | None = Field(default=None, description="Plain HTTP requests are refused.")
    min_tls_version: TlsVersion | None = Field(default=None, description="Lowest TLS accepted.")
    versioning: bool | None = Field(
        default=None, description="Object versioning or blob soft delete is on."
    )
    data_events_logged: bool | None = Field(
        default=None, description="Object-level reads/writes are audited."
    )
    replication_targets: list[ReplicationTarget] | None = Field(
        default=None, description="Replication destinations the store's own API reports."
    )
    implicit_copy_of: str | None = Field(
        default=None,
        description="For a provider-implicit copy (Azure GRS secondary): uid of the primary.",
    )
    read_only: bool | None = Field(default=None, description="The store refuses writes.")
    retention_locked: bool | None = Field(
        default=None, description="A locked retention rule keeps objects immutable."
    )
    public_links: int | None = Field(
        default=None, description="Active pre-authenticated requests (shareable links)."
    )


class KeyProps(Props):
    """``key``: OCI Vault key, AWS KMS key, Azure Key Vault key."""

    protection: Literal["hsm", "software", "external"] | None = Field(
        default=None, description="Where the key material lives and is used."
    )
    algorithm: str | None = Field(default=None, description="AES, RSA, EC...")
    length_bits: int | None = Field(default=None, description="Key length in bits.")
    origin: Literal["generated", "imported", "external"] | None = Field(
        default=None, description="How the material came into this cloud."
    )
    lineage: str | None = Field(
        default=None,
        description=(
            "Where shared material comes from: hsm_generated, imported_from_hsm, "
            "oci_export_software, external_kms, provider_generated."
        ),
    )
    material_id: str | None = Field(
        default=None, description="Identifier of shared key material; equal ids share material."
    )
    rotation_enabled: bool | None = Field(default=None, description="Automatic rotation is on.")
    rotation_period_days: int | None = Field(default=None, description="Rotation interval.")
    last_rotated: str | None = Field(default=None, description="RFC 3339 time of last rotation.")
    state: str | None = Field(default=None, description="enabled, disabled, pending_deletion...")
    vault_uid: str | None = Field(default=None, description="uid of the vault / key store.")
    version_count: int | None = Field(default=None, description="Key versions collected.")
    replica_regions: list[str] | None = Field(default=None, description="Key replica regions.")
    external_key_id: str | None = Field(
        default=None, description="Reference of the key in an external key manager."
    )
    public_policy: bool | None = Field(
        default=None,
        description="The key's own policy lets every principal use it without a condition.",
    )
    external_accounts: list[str] | None = Field(
        default=None, description="Other accounts the key's own policy grants access to."
    )


class VaultProps(Props):
    """``vault``: OCI Vault, AWS KMS custom key store, Azure Key Vault / Managed HSM."""

    vault_type: str | None = Field(default=None, description="DEFAULT, VIRTUAL_PRIVATE, premium...")
    hsm_backed: bool | None = Field(default=None, description="Keys can be HSM-protected.")
    soft_delete: bool | None = Field(default=None, description="Deleted keys are recoverable.")
    purge_protection: bool | None = Field(default=None, description="Purge is blocked.")
    public_network_access: bool | None = Field(default=None, description="Reachable publicly.")
    replica_regions: list[str] | None = Field(default=None, description="Vault replica regions.")


class SignOnProps(Props):
    """Fields shared by identity providers and their applications."""

    mfa_required: bool | None = Field(
        default=None, description="The effective sign-on policy requires an additional factor."
    )
    mfa_exempt_principals: list[str] | None = Field(
        default=None,
        description="Users or groups a higher-priority sign-on rule lets in without MFA.",
    )


class IdpProps(SignOnProps):
    """``idp``: an identity provider other clouds federate to (e.g. an OCI identity domain)."""

    entity_id: str | None = Field(default=None, description="SAML entity id / OIDC issuer.")
    signing_cert_sha256: str | None = Field(
        default=None, description="SHA-256 fingerprint of the current signing certificate."
    )
    signing_cert_not_after: str | None = Field(
        default=None, description="RFC 3339 expiry of the signing certificate."
    )
    replica_regions: list[str] | None = Field(
        default=None, description="Regions it is replicated to."
    )


class IdpAppProps(SignOnProps):
    """``idp.app``: an application in an identity provider that serves one relying party."""

    idp_uid: str | None = Field(default=None, description="uid of the identity provider.")
    sp_entity_id: str | None = Field(
        default=None, description="Entity id / audience of the relying party it serves."
    )
    protocol: Literal["saml", "oidc"] | None = None


class TrustProps(Props):
    """``trust.saml`` / ``trust.oidc``: a relying party's trust in an external IdP.

    AWS IAM SAML and OIDC providers, Azure federated domains.
    """

    issuer: str | None = Field(default=None, description="Entity id / issuer URL trusted.")
    sp_entity_id: str | None = Field(default=None, description="This relying party's entity id.")
    signing_cert_sha256: str | None = Field(default=None, description="Pinned cert fingerprint.")
    signing_cert_not_after: str | None = Field(default=None, description="Pinned cert expiry.")
    assertion_encryption: Literal["required", "allowed", "none"] | None = None
    federated_idp_mfa: Literal["accept", "enforce", "reject"] | None = Field(
        default=None, description="Azure federatedIdpMfaBehavior (unset means accept)."
    )
    relying_party_enforces_mfa: bool | None = Field(
        default=None, description="The relying party enforces MFA itself (e.g. Entra CA)."
    )
    client_ids: list[str] | None = Field(default=None, description="OIDC audiences.")


class AccessKey(Contract):
    id: str
    active: bool
    created: str | None = None
    last_used: str | None = None


class PrincipalUserProps(Props):
    """``principal.user``: a local (non-federated) user."""

    console_access: bool | None = Field(default=None, description="Can sign in with a password.")
    mfa_enabled: bool | None = Field(default=None, description="At least one MFA device.")
    mfa_type: Literal["virtual", "hardware", "fido", "sms", "totp", "push"] | None = None
    is_root: bool | None = Field(default=None, description="The cloud account's root user.")
    access_keys: list[AccessKey] | None = Field(default=None, description="API keys.")
    enabled: bool | None = None
    email: str | None = None


class RoleProps(Props):
    """``role``: an assumable role or role assignment."""

    federated_providers: list[str] | None = Field(
        default=None, description="uids of identity providers the trust policy names."
    )
    audience_condition: bool | None = Field(
        default=None, description="The trust policy pins the SAML/OIDC audience."
    )
    external_accounts: list[str] | None = Field(default=None, description="Trusted accounts.")
    is_admin: bool | None = Field(default=None, description="Holds full administrative rights.")


class PolicyStatement(Contract):
    """One parsed policy statement."""

    action: Literal["allow", "define", "endorse", "admit", "deny"]
    subject: str | None = Field(default=None, description="e.g. group Administrators.")
    verb: str | None = Field(default=None, description="inspect, read, use, manage.")
    resource: str | None = Field(default=None, description="Resource type or family.")
    location: str | None = Field(default=None, description="tenancy, compartment X...")
    conditions: str | None = Field(default=None, description="The `where` clause, verbatim.")
    tenancy: str | None = Field(
        default=None, description="The other tenancy (alias or OCID) for define/endorse/admit."
    )
    text: str = Field(description="The statement as written.")


class PolicyProps(Props):
    """``policy``: an IAM policy (AWS managed/inline, OCI policy, Azure role definition)."""

    grants_full_admin: bool | None = Field(
        default=None, description="Allows every action on every resource."
    )
    statements: list[str] | None = Field(default=None, description="Normalised statements.")
    attached_to: list[str] | None = Field(default=None, description="Principal names or uids.")
    provider_managed: bool | None = Field(default=None, description="Owned by the cloud.")
    parsed: list[PolicyStatement] | None = Field(default=None, description="Parsed statements.")
    cross_tenancy: list[str] | None = Field(
        default=None, description="Other tenancies the policy defines, endorses or admits."
    )


class GroupProps(Props):
    """``principal.group``: a group or dynamic group."""

    members: list[str] | None = Field(default=None, description="Member user uids.")
    dynamic: bool | None = Field(default=None, description="Membership by matching rule.")
    matching_rule: str | None = None


class CompartmentProps(Props):
    """``org.compartment``: an OCI compartment, AWS OU, Azure resource group."""

    parent_uid: str | None = None
    path: str | None = Field(default=None, description="root/child/grandchild names.")


class SignOnPolicyRule(Contract):
    sequence: int
    name: str
    active: bool = True
    conditions: str | None = Field(default=None, description="The rule's condition group.")
    mfa_required: bool | None = None
    allow_access: bool | None = None
    principals: list[str] | None = Field(
        default=None, description="Users/groups the rule's condition names (None: everyone)."
    )


class SignOnPolicyProps(Props):
    """``idp.signon_policy``: an identity provider's sign-on policy, rules in order."""

    idp_uid: str | None = None
    rules: list[SignOnPolicyRule] | None = None
    apps: list[str] | None = Field(default=None, description="uids of the apps it governs.")


class NetworkProps(Props):
    """``net.network``: VCN, VPC, VNet."""

    cidr_blocks: list[str] | None = None
    flow_logs_enabled: bool | None = None


class SubnetProps(Props):
    """``net.subnet``."""

    network_uid: str | None = None
    cidr: str | None = None
    public_ip_on_launch: bool | None = Field(
        default=None, description="Instances get public addresses by default."
    )
    flow_logs_enabled: bool | None = None


class GatewayProps(Props):
    """``net.gateway``: internet, NAT, service gateways, DRGs, transit gateways."""

    gateway_type: str | None = Field(default=None, description="internet, nat, service, drg...")
    network_uid: str | None = None
    enabled: bool | None = None


class Route(Contract):
    destination: str
    target_uid: str | None = None


class RouteTableProps(Props):
    """``net.route_table``."""

    network_uid: str | None = None
    routes: list[Route] | None = None


class PeeringProps(Props):
    """``net.peering``: local/remote peering, DRG attachments to other networks."""

    peer_uid: str | None = None
    peer_region: str | None = None
    peer_account: str | None = None
    status: str | None = None
    gateway_uid: str | None = None


class FirewallRule(Contract):
    direction: Literal["ingress", "egress"]
    action: Literal["allow", "deny"] = "allow"
    protocol: str = Field(description="tcp, udp, icmp or all.")
    source: str = Field(description="CIDR, service tag or group reference.")
    port_from: int | None = Field(default=None, description="None: every port.")
    port_to: int | None = None


class FirewallProps(Props):
    """``net.firewall``: OCI security list / NSG, AWS security group, Azure NSG."""

    rules: list[FirewallRule] | None = None
    is_default: bool | None = None
    network_uid: str | None = None


class InterconnectProps(Props):
    """``link.interconnect``: FastConnect, Direct Connect, ExpressRoute, cloud interconnects."""

    provider: str | None = Field(default=None, description="fastconnect, directconnect...")
    location: str | None = Field(default=None, description="Colocation / peering location.")
    macsec_enabled: bool | None = None
    macsec_cipher: str | None = Field(default=None, description="e.g. AES256_GCM_XPN.")
    fail_closed: bool | None = Field(
        default=None, description="Unencrypted traffic is refused when MACsec is down."
    )
    ipsec_overlay: bool | None = Field(default=None, description="An IPSec tunnel rides on it.")
    redundant: bool | None = None
    peer_cloud: str | None = None


class VirtualCircuitProps(Props):
    """``link.virtual_circuit``: a FastConnect / Direct Connect / ExpressRoute circuit."""

    provider: str | None = None
    bandwidth: str | None = None
    bgp_state: str | None = None
    gateway_uid: str | None = Field(default=None, description="The DRG / gateway it lands on.")
    interconnect_uids: list[str] | None = Field(
        default=None, description="Physical links (cross-connects) it rides on."
    )
    circuit_type: str | None = Field(default=None, description="private or public.")


class VpnTunnel(Contract):
    status: Literal["up", "down"] | None = None
    ike_version: Literal["v1", "v2"] | None = None
    encryption: list[str] | None = Field(default=None, description="e.g. AES256, AES256-GCM.")
    integrity: list[str] | None = Field(default=None, description="e.g. SHA2-256.")
    dh_groups: list[int] | None = None
    pfs: bool | None = None


class VpnProps(Props):
    """``link.vpn``: IPSec connections."""

    role: Literal["primary", "backup"] | None = None
    tunnels: list[VpnTunnel] | None = None
    peer_cloud: str | None = None
    gateway_uid: str | None = Field(default=None, description="The DRG / VPN gateway.")
    transport: str | None = Field(default=None, description="internet or a private circuit.")


class TrailProps(Props):
    """``log.trail``: CloudTrail trail, OCI Audit configuration, Azure activity log export."""

    multi_region: bool | None = None
    is_logging: bool | None = None
    log_file_validation: bool | None = None
    kms_encrypted: bool | None = None
    retention_days: int | None = None
    sink_uid: str | None = None


class ThreatDetection(Contract):
    service: str = Field(description="cloud_guard, guardduty, defender_for_cloud...")
    enabled: bool
    plans: dict[str, bool] | None = Field(
        default=None, description="Per-plan enablement (Defender plans, GuardDuty features)."
    )


class AccountProps(Props):
    """``account``: OCI tenancy, AWS account, Azure subscription."""

    threat_detection: ThreatDetection | None = None
    audit_retention_days: int | None = None
    subscribed_regions: list[str] | None = None


PROPS_SCHEMAS: Mapping[str, type[Props]] = MappingProxyType(
    {
        "store.object": StoreObjectProps,
        "key": KeyProps,
        "vault": VaultProps,
        "idp": IdpProps,
        "idp.app": IdpAppProps,
        "trust.saml": TrustProps,
        "trust.oidc": TrustProps,
        "principal.user": PrincipalUserProps,
        "role": RoleProps,
        "policy": PolicyProps,
        "principal.group": GroupProps,
        "org.compartment": CompartmentProps,
        "idp.signon_policy": SignOnPolicyProps,
        "net.gateway": GatewayProps,
        "net.route_table": RouteTableProps,
        "net.peering": PeeringProps,
        "link.virtual_circuit": VirtualCircuitProps,
        "net.network": NetworkProps,
        "net.subnet": SubnetProps,
        "net.firewall": FirewallProps,
        "link.interconnect": InterconnectProps,
        "link.vpn": VpnProps,
        "log.trail": TrailProps,
        "account": AccountProps,
    }
)
"""Every normalised kind and its props schema. A kind not listed here is rejected."""

KNOWN_KINDS: frozenset[str] = frozenset(PROPS_SCHEMAS)


def normalise_props(kind: str, props: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """Validate ``props`` against the schema of ``kind``; return them with defaults filled
    and unknown values (None) dropped. Raises ``ValueError`` when they do not fit."""
    schema = PROPS_SCHEMAS.get(kind)
    if schema is None:
        raise ValueError(f"unknown kind {kind!r}; known kinds: {', '.join(sorted(KNOWN_KINDS))}")
    try:
        model = schema.model_validate(props)
    except ValidationError as exc:
        raise ValueError(f"props do not fit kind {kind!r}: {exc}") from exc
    normalised: dict[str, JSONValue] = model.model_dump(mode="json", exclude_none=True)
    return normalised


def prop_names(kind: str) -> frozenset[str]:
    return frozenset(PROPS_SCHEMAS[kind].model_fields)
