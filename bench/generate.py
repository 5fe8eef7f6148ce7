"""A seeded, deterministic synthetic estate across OCI, AWS and Azure, for benchmarks.

``generate_estate(n, seed)`` returns a :class:`Snapshot` of about ``n`` resources shaped like
what the collectors produce: real region ids, uids that look like OCIDs, ARNs and Azure
resource ids, ``props`` that validate for every kind, and the references the graph derives
edges from (store → key, key → vault, replication chains across clouds and regions, key
material shared across clouds, SAML trusts pointing at OCI identity domains). The only
source of randomness is ``random.Random(seed)``, the manifest times are fixed and nothing
iterates over a set, so the same ``(n, seed)`` always gives the same bytes on disk.

    python -m bench.generate --n 10000 --out /tmp/estate-10k
"""

from __future__ import annotations

import argparse
import base64
import itertools
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.config import EstateConfig, Params, Transfer
from scanner.engine.jurisdiction import Jurisdiction, jurisdiction_of
from scanner.model import (
    Cloud,
    CloudScope,
    CollectionGap,
    Edge,
    Manifest,
    Provenance,
    Resource,
    Snapshot,
)
from scanner.snapshot import write_snapshot

STARTED_AT = "2026-11-01T10:00:00Z"
FINISHED_AT = "2026-11-01T10:05:00Z"
_NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)

CLOUD_SHARES: tuple[tuple[Cloud, float], ...] = (
    (Cloud.OCI, 0.45),
    (Cloud.AWS, 0.35),
    (Cloud.AZURE, 0.20),
)

# Regions each cloud's accounts use, with a weight: mostly EU, some UK/CH (adequate
# countries) and some US/APAC (third countries), so that transfer controls have work.
REGIONS: dict[Cloud, tuple[tuple[str, float], ...]] = {
    Cloud.OCI: (
        ("eu-frankfurt-1", 5.0),
        ("eu-amsterdam-1", 3.0),
        ("eu-paris-1", 1.0),
        ("eu-stockholm-1", 0.5),
        ("uk-london-1", 1.0),
        ("eu-zurich-1", 0.5),
        ("us-ashburn-1", 2.5),
        ("us-phoenix-1", 1.0),
        ("ap-tokyo-1", 0.5),
    ),
    Cloud.AWS: (
        ("eu-west-1", 4.0),
        ("eu-central-1", 4.0),
        ("eu-north-1", 1.0),
        ("eu-west-2", 1.0),
        ("us-east-1", 3.0),
        ("us-west-2", 1.0),
        ("ap-southeast-2", 0.5),
    ),
    Cloud.AZURE: (
        ("westeurope", 4.0),
        ("northeurope", 3.0),
        ("germanywestcentral", 2.0),
        ("swedencentral", 1.0),
        ("uksouth", 1.0),
        ("eastus", 2.0),
        ("westus2", 0.5),
    ),
}

# Azure geo-redundant storage keeps its secondary copy in the paired region.
AZURE_PAIRS: dict[str, str] = {
    "westeurope": "northeurope",
    "northeurope": "westeurope",
    "germanywestcentral": "germanynorth",
    "swedencentral": "swedensouth",
    "uksouth": "ukwest",
    "eastus": "westus",
    "westus2": "westcentralus",
}

# Share of each kind in the part of an account's budget that is not fixed (the account
# itself, its audit trail and, for OCI, its identity domain). OCI has no assumable roles
# and hosts the identity providers; AWS and Azure hold the SAML trusts.
KIND_WEIGHTS: dict[Cloud, dict[str, float]] = {
    Cloud.OCI: {
        "store.object": 25,
        "key": 10,
        "vault": 1.5,
        "net.firewall": 20,
        "net.network": 4,
        "net.subnet": 10,
        "principal.user": 15,
        "policy": 10,
        "idp.app": 1.5,
        "link.vpn": 1.5,
        "link.interconnect": 0.5,
    },
    Cloud.AWS: {
        "store.object": 25,
        "key": 10,
        "vault": 0.5,
        "net.firewall": 20,
        "net.network": 4,
        "net.subnet": 10,
        "principal.user": 12,
        "policy": 7,
        "role": 8,
        "trust.saml": 0.3,
        "link.vpn": 1.5,
        "link.interconnect": 0.5,
        "log.trail": 0.3,
    },
    Cloud.AZURE: {
        "store.object": 25,
        "key": 10,
        "vault": 2,
        "net.firewall": 20,
        "net.network": 4,
        "net.subnet": 10,
        "principal.user": 10,
        "policy": 6,
        "role": 10,
        "trust.saml": 0.3,
        "link.vpn": 1.5,
        "link.interconnect": 0.5,
    },
}

# Kinds every account has at least one of (when its budget allows), so that references
# (key → vault, subnet → network, trust → IdP application) always have a target.
MINIMUM_PER_ACCOUNT: dict[Cloud, dict[str, int]] = {
    Cloud.OCI: {"vault": 1, "key": 1, "net.network": 1, "idp.app": 2},
    Cloud.AWS: {"key": 1, "net.network": 1, "trust.saml": 1},
    Cloud.AZURE: {"vault": 1, "key": 1, "net.network": 1, "trust.saml": 1},
}

APPS = (
    "billing",
    "crm",
    "payroll",
    "analytics",
    "webshop",
    "hr",
    "ledger",
    "telemetry",
    "ml",
    "backup",
    "archive",
    "portal",
    "search",
    "identity",
    "logistics",
    "claims",
)
PURPOSES = ("data", "exports", "logs", "backups", "uploads", "reports", "artifacts", "raw")
ENVS = ("prod", "prod", "prod", "staging", "dev", "test")
TEAMS = ("platform", "data", "finance", "sre", "security", "web", "people", "ml")
FIRST_NAMES = ("anna", "ben", "chloe", "david", "elena", "farid", "greta", "hugo", "ines")
LAST_NAMES = ("muller", "jansen", "dubois", "rossi", "novak", "smith", "garcia", "berg")
COMPANY = "northwind"

AWS_SAML_AUDIENCE = "urn:amazon:webservices"
ENTRA_SAML_AUDIENCE = "urn:federation:MicrosoftOnline"

INTERNET_SOURCES: dict[Cloud, tuple[str, ...]] = {
    Cloud.OCI: ("0.0.0.0/0",),
    Cloud.AWS: ("0.0.0.0/0", "::/0"),
    Cloud.AZURE: ("*", "Internet", "0.0.0.0/0"),
}

COLOCATIONS: dict[str, str] = {
    "eu-frankfurt-1": "Equinix FR5",
    "eu-amsterdam-1": "Equinix AM3",
    "eu-central-1": "Equinix FR5",
    "eu-west-1": "Equinix DB3",
    "us-ashburn-1": "Equinix DC2",
    "us-east-1": "Equinix DC2",
    "westeurope": "Equinix AM5",
    "northeurope": "Telecity Dublin",
    "germanywestcentral": "Equinix FR7",
    "eastus": "Equinix DC6",
}


@dataclass
class _Draft:
    """A resource under construction: mutable until the linking passes are done."""

    uid: str
    cloud: Cloud
    account: str
    region: str
    type: str
    kind: str
    name: str
    tags: dict[str, str]
    props: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Resource:
        return Resource(
            uid=self.uid,
            cloud=self.cloud,
            account=self.account,
            region=self.region,
            type=self.type,
            kind=self.kind,
            name=self.name,
            tags=self.tags,
            props=self.props,
            raw=self.raw,
        )


@dataclass
class _Account:
    cloud: Cloud
    id: str
    name: str
    home: str
    regions: list[str]
    weights: list[float]
    by_kind: dict[str, list[_Draft]] = field(default_factory=lambda: defaultdict(list))
    resource_groups: dict[str, list[str]] = field(default_factory=dict)
    """Azure only: resource group names per region."""
    namespace: str = ""
    """OCI only: the Object Storage namespace."""
    default_lists: set[str] = field(default_factory=set)
    """OCI only: networks whose default security list exists already."""


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` over ``weights`` by largest remainder (no randomness involved)."""
    if total <= 0:
        return dict.fromkeys(weights, 0)
    scale = sum(weights.values())
    exact = {kind: total * weight / scale for kind, weight in weights.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    rest = total - sum(counts.values())
    for kind in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:rest]:
        counts[kind] += 1
    return counts


class _Builder:
    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.accounts: list[_Account] = []
        self.drafts: list[_Draft] = []
        self.removed: set[str] = set()
        self.gaps: list[CollectionGap] = []
        self._names: set[str] = set()
        self.azure_tenant = self._guid()
        self.aws_org = "o-" + self._b32(10)
        self.aws_management = ""

    # -- small helpers -----------------------------------------------------------------

    def _chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def _hex(self, chars: int) -> str:
        return self.rng.randbytes((chars + 1) // 2).hex()[:chars]

    def _b32(self, chars: int) -> str:
        raw = self.rng.randbytes(chars * 5 // 8 + 1)
        return base64.b32encode(raw).decode("ascii").lower()[:chars]

    def _guid(self) -> str:
        return str(uuid.UUID(bytes=self.rng.randbytes(16), version=4))

    def _ocid(self, resource_type: str, region: str = "") -> str:
        return f"ocid1.{resource_type}.oc1.{region}.aaaaaaaa{self._b32(52)}"

    def _ago(self, max_days: float, min_days: float = 0) -> str:
        seconds = self.rng.randint(int(min_days * 86400), int(max_days * 86400))
        return _rfc3339(_NOW - timedelta(seconds=seconds))

    def _unique(self, base: str) -> str:
        name, counter = base, 2
        while name in self._names:
            name = f"{base}-{counter}"
            counter += 1
        self._names.add(name)
        return name

    def _region(self, account: _Account) -> str:
        return self.rng.choices(account.regions, account.weights)[0]

    def _tags(self, app: str, env: str) -> dict[str, str]:
        tags = {"env": env, "app": app}
        if self._chance(0.8):
            tags["owner"] = self.rng.choice(TEAMS)
        if self._chance(0.5):
            tags["cost-center"] = f"cc-{self.rng.randint(1000, 9999)}"
        return tags

    def _add(self, account: _Account, draft: _Draft) -> _Draft:
        self.drafts.append(draft)
        account.by_kind[draft.kind].append(draft)
        return draft

    def _new(
        self,
        account: _Account,
        *,
        uid: str,
        region: str,
        type_: str,
        kind: str,
        name: str,
        props: dict[str, Any],
        tags: dict[str, str] | None = None,
        raw: dict[str, Any] | None = None,
    ) -> _Draft:
        draft = _Draft(
            uid=uid,
            cloud=account.cloud,
            account=account.id,
            region=region,
            type=type_,
            kind=kind,
            name=name,
            tags=tags or {},
            props=props,
            raw=raw or {"created": self._ago(2200, 30)},
        )
        return self._add(account, draft)

    def _azure_rg(self, account: _Account, region: str) -> str:
        groups = account.resource_groups.get(region)
        if groups is None:
            groups = [
                f"rg-{self.rng.choice(APPS)}-{self.rng.choice(ENVS)}-{region}"
                for _ in range(self.rng.randint(2, 4))
            ]
            account.resource_groups[region] = groups
        return self.rng.choice(groups)

    def _azure_id(self, account: _Account, region: str, provider_path: str) -> str:
        group = self._azure_rg(account, region)
        return f"/subscriptions/{account.id}/resourceGroups/{group}/providers/{provider_path}"

    # -- accounts ----------------------------------------------------------------------

    def make_accounts(self) -> None:
        per_cloud = self.n // 2000 + 1
        for cloud, _share in CLOUD_SHARES:
            for index in range(per_cloud):
                names, weights = zip(*REGIONS[cloud], strict=True)
                pool = list(names)
                pool_weights = list(weights)
                chosen: list[str] = []
                chosen_weights: list[float] = []
                for _ in range(min(len(pool), self.rng.randint(3, 5))):
                    pick = self.rng.choices(range(len(pool)), pool_weights)[0]
                    chosen.append(pool.pop(pick))
                    chosen_weights.append(pool_weights.pop(pick))
                if cloud is Cloud.OCI:
                    account_id = self._ocid("tenancy")
                    name = f"{COMPANY}{index}" if index else COMPANY
                elif cloud is Cloud.AWS:
                    account_id = str(self.rng.randrange(10**11, 10**12))
                    name = f"{COMPANY}-{self.rng.choice(APPS)}-{self.rng.choice(ENVS)}-{index}"
                    if not self.aws_management:
                        self.aws_management = account_id
                else:
                    account_id = self._guid()
                    name = f"sub-{COMPANY}-{self.rng.choice(APPS)}-{index}"
                account = _Account(
                    cloud=cloud,
                    id=account_id,
                    name=name,
                    home=chosen[0],
                    regions=chosen,
                    weights=chosen_weights,
                    namespace=self._b32(12) if cloud is Cloud.OCI else "",
                )
                self.accounts.append(account)

    def budgets(self) -> dict[str, int]:
        """Resources per account: the cloud's share of ``n`` split evenly."""
        result: dict[str, int] = {}
        remaining = self.n
        for position, (cloud, share) in enumerate(CLOUD_SHARES):
            total = remaining if position == len(CLOUD_SHARES) - 1 else round(self.n * share)
            remaining -= total
            accounts = [a for a in self.accounts if a.cloud is cloud]
            for index, account in enumerate(accounts):
                result[account.id] = total // len(accounts) + (
                    1 if index < total % len(accounts) else 0
                )
        return result

    def populate(self, account: _Account, budget: int) -> None:
        cloud = account.cloud
        fixed = 3 if cloud is Cloud.OCI else 2  # account + trail (+ identity domain)
        counts = _allocate(budget - fixed, KIND_WEIGHTS[cloud])
        for kind, minimum in MINIMUM_PER_ACCOUNT[cloud].items():
            counts[kind] = max(counts[kind], minimum)
        self._repeat(counts["vault"], self.vault, account)
        self._repeat(counts["key"], self.key, account)
        self._repeat(counts["net.network"], self.network, account)
        self._repeat(counts["net.subnet"], self.subnet, account)
        self._repeat(counts["net.firewall"], self.firewall, account)
        self.stores(account, counts["store.object"])
        self.link_keys(account)
        self._repeat(counts["principal.user"], self.user, account)
        self._repeat(counts["policy"], self.policy, account)
        if cloud is Cloud.OCI:
            self.idp(account)
            self._repeat(counts["idp.app"], self.idp_app, account)
        else:
            self._repeat(counts["trust.saml"], self.trust, account)
            self._repeat(counts["role"], self.role, account)
        self._repeat(counts["link.vpn"], self.vpn, account)
        self._repeat(counts["link.interconnect"], self.interconnect, account)
        self._repeat(1 + counts.get("log.trail", 0), self.trail, account)
        self.account_resource(account)

    @staticmethod
    def _repeat(count: int, make: Any, account: _Account) -> None:
        for _ in range(count):
            make(account)

    # -- key management ----------------------------------------------------------------

    def vault(self, account: _Account) -> None:
        region = self._region(account)
        app, env = self.rng.choice(APPS), self.rng.choice(ENVS)
        props: dict[str, Any]
        if account.cloud is Cloud.OCI:
            private = self._chance(0.2)
            uid = self._ocid("vault", region)
            type_ = "oci.kms.vault"
            props = {
                "vault_type": "VIRTUAL_PRIVATE" if private else "DEFAULT",
                "hsm_backed": True,
                "soft_delete": True,
            }
            others = [r for r in account.regions if r != region]
            if private and others and self._chance(0.4):
                props["replica_regions"] = [self.rng.choice(others)]
            name = f"vault-{app}-{env}"
        elif account.cloud is Cloud.AWS:
            external = self._chance(0.3)
            uid = f"arn:aws:kms:{region}:{account.id}:custom-key-store/cks-{self._hex(17)}"
            type_ = "aws.kms.custom_key_store"
            props = {"vault_type": "EXTERNAL_KEY_STORE" if external else "AWS_CLOUDHSM"}
            if not external:
                props["hsm_backed"] = True
            name = f"{app}-{'xks' if external else 'cloudhsm'}-{env}"
        else:
            premium = self._chance(0.4)
            name = self._unique(f"kv-{app}-{env}-{self._hex(4)}")
            uid = self._azure_id(account, region, f"Microsoft.KeyVault/vaults/{name}")
            type_ = "azure.keyvault.vault"
            props = {
                "vault_type": "premium" if premium else "standard",
                "hsm_backed": premium,
                "soft_delete": self._chance(0.95),
                "purge_protection": self._chance(0.5),
                "public_network_access": self._chance(0.45),
            }
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="vault",
            name=name,
            props=props,
            tags=self._tags(app, env),
        )

    def key(self, account: _Account) -> None:
        vaults = account.by_kind["vault"]
        app, env = self.rng.choice(APPS), self.rng.choice(ENVS)
        props: dict[str, Any] = {}
        if account.cloud is Cloud.AWS:
            vault = self.rng.choice(vaults) if vaults and self._chance(0.1) else None
            region = vault.region if vault else self._region(account)
            uid = f"arn:aws:kms:{region}:{account.id}:key/{self._guid()}"
            type_ = "aws.kms.key"
            name = f"alias/{app}-{env}-{self._hex(4)}"
            if vault is not None:
                props["vault_uid"] = vault.uid
                xks = vault.props["vault_type"] == "EXTERNAL_KEY_STORE"
                props["protection"] = "external" if xks else "hsm"
                props["origin"] = "external" if xks else "generated"
            else:
                props["protection"] = "hsm"
                props["origin"] = "imported" if self._chance(0.05) else "generated"
            symmetric = self._chance(0.9)
            props["algorithm"] = "AES" if symmetric else "RSA"
            props["length_bits"] = 256 if symmetric else self.rng.choice((2048, 3072, 4096))
        else:
            vault = self.rng.choice(vaults)
            region = vault.region
            if account.cloud is Cloud.OCI:
                uid = self._ocid("key", region)
                type_ = "oci.kms.key"
                name = f"key-{app}-{env}"
                private = vault.props["vault_type"] == "VIRTUAL_PRIVATE"
                props["protection"] = "hsm" if private or self._chance(0.7) else "software"
                algorithm = self.rng.choices(("AES", "RSA", "ECDSA"), (85, 10, 5))[0]
            else:
                name = f"key-{app}-{env}-{self._hex(4)}"
                uid = f"{vault.uid}/keys/{name}"
                type_ = "azure.keyvault.key"
                hsm = bool(vault.props.get("hsm_backed")) and self._chance(0.6)
                props["protection"] = "hsm" if hsm else "software"
                algorithm = self.rng.choices(("RSA", "EC"), (75, 25))[0]
            props["vault_uid"] = vault.uid
            props["origin"] = "imported" if self._chance(0.04) else "generated"
            props["algorithm"] = algorithm
            props["length_bits"] = {
                "AES": 256,
                "RSA": self.rng.choice((2048, 3072, 4096)),
                "ECDSA": 384,
                "EC": 256,
            }[algorithm]
        if self._chance(0.6):
            period = self.rng.choice((90, 180, 365, 365, 730))
            props["rotation_enabled"] = True
            props["rotation_period_days"] = period
            props["last_rotated"] = self._ago(period * 1.2)
        else:
            props["rotation_enabled"] = False
            props["last_rotated"] = self._ago(1500, 30)
        props["state"] = self.rng.choices(("enabled", "disabled", "pending_deletion"), (92, 5, 3))[
            0
        ]
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="key",
            name=name,
            props=props,
            tags=self._tags(app, env),
        )

    # -- object stores -----------------------------------------------------------------

    def stores(self, account: _Account, count: int) -> None:
        remaining = count
        while remaining > 0:
            primary = self.store(account)
            remaining -= 1
            sku = primary.raw.get("sku", {}).get("name", "")
            if remaining > 0 and sku in ("Standard_GRS", "Standard_RAGRS", "Standard_GZRS"):
                self.azure_secondary(account, primary)
                remaining -= 1

    def store(self, account: _Account) -> _Draft:
        region = self._region(account)
        app, purpose, env = self.rng.choice(APPS), self.rng.choice(PURPOSES), self.rng.choice(ENVS)
        data_class = self.rng.choices(
            ("personal", "confidential", "internal", "public", None), (22, 26, 34, 6, 12)
        )[0]
        props: dict[str, Any] = {"encrypted": True}
        if data_class is not None:
            props["data_class"] = data_class
        public = self._chance(0.3 if data_class == "public" else 0.03)
        props["public_access"] = public
        props["versioning"] = self._chance(0.6)
        props["data_events_logged"] = self._chance(0.35)
        if self._chance(0.9):
            props["read_only"] = self._chance(0.02)
        cloud = account.cloud
        raw: dict[str, Any]
        if cloud is Cloud.OCI:
            name = self._unique(f"{app}-{purpose}-{env}")
            uid = self._ocid("bucket", region)
            type_ = "oci.objectstorage.bucket"
            props["cmk"] = self._chance(0.5)
            props["encryption_algorithm"] = "AES-256"
            props["https_only"] = True
            props["min_tls_version"] = "1.2"
            raw = {
                "namespace": account.namespace,
                "storageTier": self.rng.choices(("Standard", "Archive"), (9, 1))[0],
                "publicAccessType": "ObjectRead" if public else "NoPublicAccess",
                "timeCreated": self._ago(2200, 10),
            }
        elif cloud is Cloud.AWS:
            name = self._unique(f"{COMPANY}-{app}-{purpose}-{env}-{region}")
            uid = f"arn:aws:s3:::{name}"
            type_ = "aws.s3.bucket"
            cmk = self._chance(0.45)
            props["cmk"] = cmk
            props["encryption_algorithm"] = "aws:kms" if cmk else "AES256"
            # https_only comes from the bucket policy, which is sometimes unreadable; S3
            # endpoints refuse TLS below 1.2, and a policy condition can raise it to 1.3.
            https = self.rng.random()
            if https < 0.6:
                props["https_only"] = True
            elif https < 0.95:
                props["https_only"] = False
            props["min_tls_version"] = "1.3" if self._chance(0.1) else "1.2"
            raw = {
                "CreationDate": self._ago(2200, 10),
                "LocationConstraint": region,
                "ObjectOwnership": "BucketOwnerEnforced",
            }
        else:
            name = self._unique(f"st{app[:8]}{env[:4]}{self._hex(6)}")
            uid = self._azure_id(account, region, f"Microsoft.Storage/storageAccounts/{name}")
            type_ = "azure.storage.account"
            props["cmk"] = self._chance(0.35)
            props["encryption_algorithm"] = "AES-256"
            props["https_only"] = self._chance(0.9)
            props["min_tls_version"] = self.rng.choices(("1.2", "1.0", "1.1"), (80, 12, 8))[0]
            sku = "Standard_LRS"
            if region in AZURE_PAIRS:
                sku = self.rng.choices(
                    ("Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS"),
                    (50, 25, 15, 10),
                )[0]
            raw = {"sku": {"name": sku}, "kind": "StorageV2", "accessTier": "Hot"}
        tags = self._tags(app, env)
        if data_class is not None and self._chance(0.6):
            tags["data-classification"] = data_class
        return self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="store.object",
            name=name,
            props=props,
            tags=tags,
            raw=raw,
        )

    def azure_secondary(self, account: _Account, primary: _Draft) -> None:
        """The provider-implicit GRS copy, as the collector reports it."""
        props = {
            key: value
            for key, value in primary.props.items()
            if key in ("data_class", "encrypted", "cmk", "encryption_algorithm", "min_tls_version")
        }
        props["implicit_copy_of"] = primary.uid
        props["read_only"] = True
        props["public_access"] = False
        self._new(
            account,
            uid=f"https://{primary.name}-secondary.blob.core.windows.net/",
            region=AZURE_PAIRS[primary.region],
            type_="azure.storage.account.secondary",
            kind="store.object",
            name=f"{primary.name}-secondary",
            props=props,
            tags=dict(primary.tags),
            raw={"sku": primary.raw["sku"], "statusOfSecondary": "available"},
        )

    def link_keys(self, account: _Account) -> None:
        """Point every CMK-encrypted store of the account at a key, preferably nearby."""
        keys_by_region: dict[str, list[_Draft]] = defaultdict(list)
        for key in account.by_kind["key"]:
            keys_by_region[key.region].append(key)
        all_keys = account.by_kind["key"]
        primaries: dict[str, str] = {}
        for store in account.by_kind["store.object"]:
            copy_of = store.props.get("implicit_copy_of")
            if copy_of is not None:
                if copy_of in primaries:
                    store.props["kms_key_uid"] = primaries[copy_of]
                continue
            if not store.props.get("cmk"):
                continue
            if not all_keys:
                store.props["cmk"] = False
                continue
            nearby = keys_by_region.get(store.region)
            if self._chance(0.01):
                # A key deleted since: the uid no longer resolves in the snapshot.
                key_uid = self._dangling_key_uid(account, store.region)
            elif nearby and self._chance(0.9):
                key_uid = self.rng.choice(nearby).uid
            else:
                key_uid = self.rng.choice(all_keys).uid
            store.props["kms_key_uid"] = key_uid
            primaries[store.uid] = key_uid

    def _dangling_key_uid(self, account: _Account, region: str) -> str:
        if account.cloud is Cloud.OCI:
            return self._ocid("key", region)
        if account.cloud is Cloud.AWS:
            return f"arn:aws:kms:{region}:{account.id}:key/{self._guid()}"
        vault = self.rng.choice(account.by_kind["vault"])
        return f"{vault.uid}/keys/retired-{self._hex(6)}"

    # -- networks ----------------------------------------------------------------------

    def network(self, account: _Account) -> None:
        region = self._region(account)
        app, env = self.rng.choice(APPS), self.rng.choice(ENVS)
        second = self.rng.randint(0, 255)
        if account.cloud is Cloud.OCI:
            uid, type_ = self._ocid("vcn", region), "oci.core.vcn"
            name = f"vcn-{app}-{env}"
        elif account.cloud is Cloud.AWS:
            uid = f"arn:aws:ec2:{region}:{account.id}:vpc/vpc-{self._hex(17)}"
            type_, name = "aws.ec2.vpc", f"{app}-{env}-vpc"
        else:
            name = f"vnet-{app}-{env}-{region}-{self._hex(3)}"
            uid = self._azure_id(account, region, f"Microsoft.Network/virtualNetworks/{name}")
            type_ = "azure.network.vnet"
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="net.network",
            name=name,
            props={
                "cidr_blocks": [f"10.{second}.0.0/16"],
                "flow_logs_enabled": self._chance(0.5),
            },
            tags=self._tags(app, env),
        )

    def subnet(self, account: _Account) -> None:
        network = self.rng.choice(account.by_kind["net.network"])
        region = network.region
        prefix = network.props["cidr_blocks"][0].rsplit(".", 2)[0]
        cidr = f"{prefix}.{self.rng.randint(0, 255)}.0/24"
        purpose = self.rng.choice(("app", "db", "web", "mgmt", "lb", "private", "public"))
        if account.cloud is Cloud.OCI:
            uid, type_, name = self._ocid("subnet", region), "oci.core.subnet", f"{purpose}-sn"
        elif account.cloud is Cloud.AWS:
            uid = f"arn:aws:ec2:{region}:{account.id}:subnet/subnet-{self._hex(17)}"
            type_, name = "aws.ec2.subnet", f"{network.name}-{purpose}"
        else:
            name = f"snet-{purpose}-{self._hex(3)}"
            uid, type_ = f"{network.uid}/subnets/{name}", "azure.network.subnet"
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="net.subnet",
            name=name,
            props={
                "network_uid": network.uid,
                "cidr": cidr,
                "public_ip_on_launch": self._chance(0.5 if purpose == "public" else 0.1),
                "flow_logs_enabled": self._chance(0.4),
            },
            tags=dict(network.tags),
        )

    def firewall(self, account: _Account) -> None:
        network = self.rng.choice(account.by_kind["net.network"])
        region = network.region
        vcn_cidr = network.props["cidr_blocks"][0]
        app, env = self.rng.choice(APPS), self.rng.choice(ENVS)
        cloud = account.cloud
        props: dict[str, Any] = {}
        if cloud is Cloud.OCI:
            if self._chance(0.4):
                uid, type_ = self._ocid("securitylist", region), "oci.core.security_list"
                is_default = network.uid not in account.default_lists
                account.default_lists.add(network.uid)
                name = f"Default Security List for {network.name}" if is_default else f"sl-{app}"
                props["is_default"] = is_default
            else:
                uid, type_ = self._ocid("networksecuritygroup", region), "oci.core.nsg"
                name, props["is_default"] = f"nsg-{app}-{env}", False
            props["network_uid"] = network.uid
        elif cloud is Cloud.AWS:
            uid = f"arn:aws:ec2:{region}:{account.id}:security-group/sg-{self._hex(17)}"
            type_ = "aws.ec2.security_group"
            is_default = self._chance(0.15)
            name = "default" if is_default else f"{app}-{env}-sg"
            props["is_default"] = is_default
            props["network_uid"] = network.uid
        else:
            name = f"nsg-{app}-{env}-{self._hex(4)}"
            uid = self._azure_id(account, region, f"Microsoft.Network/networkSecurityGroups/{name}")
            type_ = "azure.network.nsg"
            props["is_default"] = False
        props["rules"] = self._rules(cloud, vcn_cidr)
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="net.firewall",
            name=name,
            props=props,
            tags=self._tags(app, env),
        )

    def _rules(self, cloud: Cloud, vcn_cidr: str) -> list[dict[str, Any]]:
        internet = INTERNET_SOURCES[cloud]
        rules: list[dict[str, Any]] = [
            {"direction": "egress", "protocol": "all", "source": "0.0.0.0/0"}
        ]
        if self._chance(0.5):
            rules.append({"direction": "ingress", "protocol": "all", "source": vcn_cidr})
        for _ in range(self.rng.randint(1, 5)):
            port = self.rng.choice((443, 8080, 8443, 5432, 3306, 1521, 6379, 9200, 22, 3389))
            source = self.rng.choice(("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", vcn_cidr))
            if cloud is Cloud.AWS and self._chance(0.3):
                source = f"sg-{self._hex(17)}"
            elif cloud is Cloud.AZURE and self._chance(0.3):
                source = self.rng.choice(("VirtualNetwork", "AzureLoadBalancer"))
            rules.append(
                {
                    "direction": "ingress",
                    "protocol": "tcp",
                    "source": source,
                    "port_from": port,
                    "port_to": port,
                }
            )
        for port, probability in ((443, 0.35), (80, 0.15)):
            if self._chance(probability):
                rules.append(
                    {
                        "direction": "ingress",
                        "protocol": "tcp",
                        "source": self.rng.choice(internet),
                        "port_from": port,
                        "port_to": port,
                    }
                )
        risk = self.rng.random()
        if risk < 0.07:
            # The classic finding: SSH or RDP open to the whole internet.
            port = self.rng.choice((22, 22, 3389))
            rules.append(
                {
                    "direction": "ingress",
                    "protocol": "tcp",
                    "source": self.rng.choice(internet),
                    "port_from": port,
                    "port_to": port,
                }
            )
        elif risk < 0.09:
            rules.append(
                {
                    "direction": "ingress",
                    "protocol": "tcp",
                    "source": self.rng.choice(internet),
                    "port_from": 0,
                    "port_to": 65535,
                }
            )
        if cloud is Cloud.AZURE:
            rules.append(
                {"direction": "ingress", "action": "deny", "protocol": "all", "source": "*"}
            )
        return rules

    # -- identity ----------------------------------------------------------------------

    def user(self, account: _Account) -> None:
        cloud = account.cloud
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        email = f"{first}.{last}{self.rng.randint(1, 999)}@{COMPANY}.example"
        props: dict[str, Any] = {"enabled": self._chance(0.95)}
        is_root = cloud is Cloud.AWS and not account.by_kind["principal.user"]
        if cloud is Cloud.OCI:
            uid, type_, name, region = self._ocid("user"), "oci.identity.user", email, account.home
            props["email"] = email
            mfa_types: tuple[str, ...] = ("totp", "push", "fido", "sms")
            console = self._chance(0.75)
        elif cloud is Cloud.AWS:
            region, type_ = "global", "aws.iam.user"
            if is_root:
                uid, name = f"arn:aws:iam::{account.id}:root", "<root_account>"
                props["is_root"] = True
                console = True
            else:
                name = f"{first}.{last}-{self._hex(4)}"
                uid = f"arn:aws:iam::{account.id}:user/{name}"
                props["is_root"] = False
                console = self._chance(0.5)
            mfa_types = ("virtual", "hardware", "fido")
        else:
            uid = f"/tenants/{self.azure_tenant}/users/{self._guid()}"
            type_, name, region = "azure.entra.user", email, "global"
            props["email"] = email
            mfa_types = ("push", "totp", "sms", "fido")
            console = True
        props["console_access"] = console
        if console:
            mfa = self._chance(0.9 if is_root else 0.78)
            props["mfa_enabled"] = mfa
            if mfa:
                props["mfa_type"] = self.rng.choice(mfa_types)
        if (is_root and self._chance(0.05)) or (not is_root and self._chance(0.45)):
            props["access_keys"] = [self._access_key(cloud) for _ in range(self.rng.randint(1, 2))]
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="principal.user",
            name=name,
            props=props,
        )

    def _access_key(self, cloud: Cloud) -> dict[str, Any]:
        if cloud is Cloud.AWS:
            key_id = "AKIA" + self._b32(16).upper()
        elif cloud is Cloud.OCI:
            key_id = ":".join(self._hex(2) for _ in range(16))
        else:
            key_id = self._guid()
        key: dict[str, Any] = {
            "id": key_id,
            "active": self._chance(0.85),
            "created": self._ago(1400, 1),
        }
        if self._chance(0.7):
            key["last_used"] = self._ago(120)
        return key

    def policy(self, account: _Account) -> None:
        cloud = account.cloud
        team = self.rng.choice(TEAMS)
        admin = self._chance(0.04)
        users = account.by_kind["principal.user"]
        attached: list[str]
        if cloud is Cloud.OCI:
            uid, type_, region = self._ocid("policy"), "oci.identity.policy", account.home
            name = f"{team}-policy-{self._hex(4)}"
            group = "Administrators" if admin and self._chance(0.5) else f"{team}-admins"
            statements = [
                f"Allow group {team} to manage object-family in compartment {team}",
                f"Allow group {team} to use keys in compartment {team}",
            ]
            if admin:
                statements.append(f"Allow group {group} to manage all-resources in tenancy")
            attached = [group]
        elif cloud is Cloud.AWS:
            name = f"{team}-{self.rng.choice(APPS)}-access-{self._hex(4)}"
            uid, type_, region = (
                f"arn:aws:iam::{account.id}:policy/{name}",
                "aws.iam.policy",
                "global",
            )
            statements = [
                "Allow s3:GetObject,s3:PutObject on arn:aws:s3:::*",
                "Allow kms:Decrypt on *",
            ]
            if admin:
                statements.append("Allow * on *")
            attached = [self.rng.choice(users).uid for _ in range(self.rng.randint(1, 3))]
        else:
            uid = (
                f"/subscriptions/{account.id}/providers/Microsoft.Authorization/"
                f"roleDefinitions/{self._guid()}"
            )
            type_, region = "azure.authorization.role_definition", "global"
            name = f"{team} custom operator {self._hex(3)}"
            statements = ["Microsoft.Storage/storageAccounts/*/read", "Microsoft.Network/*/read"]
            if admin:
                statements.append("*")
            attached = [self.rng.choice(users).uid for _ in range(self.rng.randint(1, 3))]
        if admin and self._chance(0.3):
            attached.append("break-glass-admin")
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="policy",
            name=name,
            props={
                "grants_full_admin": admin,
                "statements": statements,
                "attached_to": sorted(dict.fromkeys(attached)),
                "provider_managed": False,
            },
        )

    def idp(self, account: _Account) -> None:
        """The tenancy's identity domain, which AWS and Azure federate to."""
        host = f"idcs-{self._hex(32)}.identity.oraclecloud.com"
        props: dict[str, Any] = {
            "entity_id": f"https://{host}:443/fed",
            "signing_cert_sha256": self._hex(64),
            "signing_cert_not_after": _rfc3339(_NOW + timedelta(days=self.rng.randint(-5, 700))),
            "mfa_required": self._chance(0.8),
            "mfa_exempt_principals": ["break-glass-admin"] if self._chance(0.3) else [],
        }
        others = [r for r in account.regions if r != account.home]
        if others and self._chance(0.5):
            props["replica_regions"] = [self.rng.choice(others)]
        self._new(
            account,
            uid=self._ocid("domain"),
            region=account.home,
            type_="oci.identity.domain",
            kind="idp",
            name="Default" if not account.by_kind["idp"] else "Workforce",
            props=props,
            raw={"url": f"https://{host}:443", "type": "PREMIUM"},
        )

    def idp_app(self, account: _Account) -> None:
        idp = self.rng.choice(account.by_kind["idp"])
        host = idp.raw["url"].removesuffix(":443")
        existing = len(account.by_kind["idp.app"])
        if existing == 0:
            name, audience, protocol = "AWS Account Federation", AWS_SAML_AUDIENCE, "saml"
        elif existing == 1:
            name, audience, protocol = "Microsoft Entra ID", ENTRA_SAML_AUDIENCE, "saml"
        else:
            app = self.rng.choice(APPS)
            name = f"{app} portal {self._hex(3)}"
            protocol = self.rng.choice(("saml", "oidc"))
            audience = f"https://{app}-{self._hex(4)}.{COMPANY}.example/sso"
        props: dict[str, Any] = {
            "idp_uid": idp.uid,
            "sp_entity_id": audience,
            "protocol": protocol,
            "mfa_required": self._chance(0.75),
            "mfa_exempt_principals": [],
        }
        exemption = self.rng.random()
        if exemption < 0.1:
            props["mfa_exempt_principals"] = ["break-glass-admin"]
        elif exemption < 0.2:
            props["mfa_exempt_principals"] = ["svc-integration", "break-glass-admin"]
        self._new(
            account,
            uid=f"{host}/admin/v1/Apps/{self._hex(32)}",
            region=idp.region,
            type_="oci.identity.domain_app",
            kind="idp.app",
            name=name,
            props=props,
        )

    def _oci_idps(self) -> list[_Draft]:
        return [d for a in self.accounts if a.cloud is Cloud.OCI for d in a.by_kind["idp"]]

    def trust(self, account: _Account) -> None:
        idps = self._oci_idps()
        props: dict[str, Any] = {}
        # An account's first trust is its federation to the organisation's identity domain;
        # later ones are sometimes to an identity provider outside the estate.
        if idps and (not account.by_kind["trust.saml"] or self._chance(0.7)):
            idp = self.rng.choice(idps)
            props["issuer"] = idp.props["entity_id"]
            stale = self._chance(0.1)
            props["signing_cert_sha256"] = (
                self._hex(64) if stale else idp.props["signing_cert_sha256"]
            )
            props["signing_cert_not_after"] = idp.props["signing_cert_not_after"]
            label = "OCI-IdentityDomain"
        else:
            # Federation to an identity provider outside the estate.
            props["issuer"] = f"http://www.okta.com/exk{self._b32(17)}"
            props["signing_cert_sha256"] = self._hex(64)
            expiry = _NOW + timedelta(days=self.rng.randint(20, 400))
            props["signing_cert_not_after"] = _rfc3339(expiry)
            label = "Okta"
        if account.cloud is Cloud.AWS:
            name = f"{label}-{self._hex(4)}"
            uid = f"arn:aws:iam::{account.id}:saml-provider/{name}"
            type_ = "aws.iam.saml_provider"
            props["sp_entity_id"] = AWS_SAML_AUDIENCE
            props["assertion_encryption"] = self.rng.choices(
                ("allowed", "required", "none"), (60, 25, 15)
            )[0]
            props["relying_party_enforces_mfa"] = False
        else:
            domain = f"{self.rng.choice(TEAMS)}{self._hex(3)}.{COMPANY}.example"
            uid = (
                f"/tenants/{self.azure_tenant}/domains/{domain}"
                f"/federationConfiguration/{self._guid()}"
            )
            name, type_ = domain, "azure.entra.federated_domain"
            props["sp_entity_id"] = ENTRA_SAML_AUDIENCE
            behaviour = self.rng.choices(("accept", "enforce", "reject", None), (30, 40, 10, 20))[0]
            if behaviour is not None:
                props["federated_idp_mfa"] = behaviour
            props["relying_party_enforces_mfa"] = self._chance(0.5)
        self._new(
            account,
            uid=uid,
            region="global",
            type_=type_,
            kind="trust.saml",
            name=name,
            props=props,
        )

    def role(self, account: _Account) -> None:
        team = self.rng.choice(TEAMS)
        trusts = account.by_kind["trust.saml"]
        props: dict[str, Any] = {}
        if account.cloud is Cloud.AWS:
            flavour = self.rng.random()
            if flavour < 0.4 and trusts:
                name = f"sso-{team}-{self.rng.choice(('admin', 'developer', 'readonly'))}"
                props["federated_providers"] = [self.rng.choice(trusts).uid]
                props["audience_condition"] = self._chance(0.8)
            elif flavour < 0.55:
                name = f"cross-account-{team}"
                others = [
                    a.id for a in self.accounts if a.cloud is Cloud.AWS and a.id != account.id
                ]
                external = [
                    self.rng.choice(others)
                    if others and self._chance(0.7)
                    else str(self.rng.randrange(10**11, 10**12))
                ]
                props["external_accounts"] = external
            else:
                name = f"{self.rng.choice(APPS)}-{team}-service-role"
            name = f"{name}-{self._hex(4)}"
            uid, type_ = f"arn:aws:iam::{account.id}:role/{name}", "aws.iam.role"
            props["is_admin"] = self._chance(0.06)
        else:
            role = self.rng.choices(
                (
                    "Owner",
                    "Contributor",
                    "Reader",
                    "Storage Blob Data Reader",
                    "Key Vault Crypto User",
                ),
                (5, 25, 40, 20, 10),
            )[0]
            name = f"{role} for {team}"
            uid = (
                f"/subscriptions/{account.id}/providers/Microsoft.Authorization/"
                f"roleAssignments/{self._guid()}"
            )
            type_ = "azure.authorization.role_assignment"
            props["is_admin"] = role == "Owner"
            if self._chance(0.05):
                props["external_accounts"] = [self._guid()]
        self._new(
            account,
            uid=uid,
            region="global",
            type_=type_,
            kind="role",
            name=name,
            props=props,
        )

    # -- links -------------------------------------------------------------------------

    def vpn(self, account: _Account) -> None:
        region = self._region(account)
        peers = [c.value for c in Cloud if c is not account.cloud] + ["on_premises"]
        peer = self.rng.choice(peers)
        if account.cloud is Cloud.OCI:
            uid, type_, name = (
                self._ocid("ipsecconnection", region),
                "oci.core.ipsec_connection",
                f"ipsec-to-{peer}",
            )
        elif account.cloud is Cloud.AWS:
            uid = f"arn:aws:ec2:{region}:{account.id}:vpn-connection/vpn-{self._hex(17)}"
            type_, name = "aws.ec2.vpn_connection", f"vpn-to-{peer}"
        else:
            name = f"cn-to-{peer}-{self._hex(3)}"
            uid = self._azure_id(account, region, f"Microsoft.Network/connections/{name}")
            type_ = "azure.network.vpn_connection"
        tunnels = []
        weak = self._chance(0.12)
        for _ in range(2):
            tunnel: dict[str, Any] = {
                "status": "up" if self._chance(0.9) else "down",
                "ike_version": "v2" if self._chance(0.8) else "v1",
                "encryption": [
                    self.rng.choice(("AES128", "3DES"))
                    if weak
                    else self.rng.choice(("AES256", "AES256-GCM", "AES256-GCM-16"))
                ],
                "integrity": [self.rng.choices(("SHA2-256", "SHA2-384", "SHA1"), (60, 30, 10))[0]],
                "dh_groups": [self.rng.choices((14, 19, 20, 2, 5), (40, 25, 20, 8, 7))[0]],
                "pfs": self._chance(0.8),
            }
            tunnels.append(tunnel)
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="link.vpn",
            name=name,
            props={
                "role": "primary" if self._chance(0.6) else "backup",
                "tunnels": tunnels,
                "peer_cloud": peer,
            },
        )

    def interconnect(self, account: _Account) -> None:
        region = self._region(account)
        if account.cloud is Cloud.OCI:
            uid, type_, provider = (
                self._ocid("virtualcircuit", region),
                "oci.core.virtual_circuit",
                "fastconnect",
            )
        elif account.cloud is Cloud.AWS:
            uid = f"arn:aws:directconnect:{region}:{account.id}:dxcon/dxcon-{self._b32(8)}"
            type_, provider = "aws.directconnect.connection", "directconnect"
        else:
            circuit = f"erc-{self.rng.choice(APPS)}-{self._hex(4)}"
            uid = self._azure_id(
                account, region, f"Microsoft.Network/expressRouteCircuits/{circuit}"
            )
            type_, provider = "azure.network.expressroute_circuit", "expressroute"
        props: dict[str, Any] = {
            "provider": provider,
            "location": COLOCATIONS.get(region, f"Equinix {region}"),
            "redundant": self._chance(0.7),
            "ipsec_overlay": self._chance(0.3),
        }
        macsec = self._chance(0.4)
        props["macsec_enabled"] = macsec
        if macsec:
            props["macsec_cipher"] = self.rng.choices(
                ("AES256_GCM_XPN", "AES256_GCM", "AES128_GCM"), (50, 35, 15)
            )[0]
            props["fail_closed"] = self._chance(0.6)
        if account.cloud is not Cloud.AWS and self._chance(0.4):
            props["peer_cloud"] = "azure" if account.cloud is Cloud.OCI else "oci"
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="link.interconnect",
            name=f"{provider}-{region}-{self._hex(3)}",
            props=props,
        )

    # -- logging and accounts ------------------------------------------------------------

    def trail(self, account: _Account) -> None:
        stores = [s for s in account.by_kind["store.object"] if "implicit_copy_of" not in s.props]
        props: dict[str, Any]
        if account.cloud is Cloud.OCI:
            uid, type_ = f"{account.id}/auditConfiguration", "oci.audit.configuration"
            name, region = "audit", account.home
            props = {
                "is_logging": True,
                "multi_region": True,
                "retention_days": self.rng.choice((90, 180, 365, 365)),
            }
        elif account.cloud is Cloud.AWS:
            name = self._unique(f"{COMPANY}-trail-{self._hex(4)}")
            region = account.home
            uid, type_ = (
                f"arn:aws:cloudtrail:{region}:{account.id}:trail/{name}",
                "aws.cloudtrail.trail",
            )
            props = {
                "multi_region": self._chance(0.7),
                "is_logging": self._chance(0.95),
                "log_file_validation": self._chance(0.7),
                "kms_encrypted": self._chance(0.5),
            }
            if stores:
                props["sink_uid"] = self.rng.choice(stores).uid
        else:
            name, region = f"activitylog-export-{self._hex(4)}", "global"
            uid = (
                f"/subscriptions/{account.id}/providers/microsoft.insights"
                f"/diagnosticSettings/{name}"
            )
            type_ = "azure.monitor.diagnostic_setting"
            props = {
                "is_logging": True,
                "multi_region": True,
                "retention_days": self.rng.choice((0, 30, 90, 365)),
            }
            if stores:
                props["sink_uid"] = self.rng.choice(stores).uid
        self._new(
            account,
            uid=uid,
            region=region,
            type_=type_,
            kind="log.trail",
            name=name,
            props=props,
        )

    def account_resource(self, account: _Account) -> None:
        props: dict[str, Any] = {"subscribed_regions": sorted(account.regions)}
        enabled = self._chance(0.8)
        if account.cloud is Cloud.OCI:
            uid, type_ = account.id, "oci.identity.tenancy"
            props["threat_detection"] = {"service": "cloud_guard", "enabled": enabled}
            audit = next(iter(account.by_kind["log.trail"]), None)
            if audit is not None:
                props["audit_retention_days"] = audit.props["retention_days"]
        elif account.cloud is Cloud.AWS:
            uid = (
                f"arn:aws:organizations::{self.aws_management}:account/{self.aws_org}/{account.id}"
            )
            type_ = "aws.organizations.account"
            props["threat_detection"] = {
                "service": "guardduty",
                "enabled": enabled,
                "plans": {
                    "s3_protection": enabled and self._chance(0.7),
                    "malware_protection": enabled and self._chance(0.5),
                    "runtime_monitoring": enabled and self._chance(0.3),
                },
            }
        else:
            uid, type_ = f"/subscriptions/{account.id}", "azure.subscription"
            props["threat_detection"] = {
                "service": "defender_for_cloud",
                "enabled": enabled,
                "plans": {
                    plan: enabled and self._chance(0.6)
                    for plan in ("StorageAccounts", "KeyVaults", "Arm", "Servers")
                },
            }
        self._new(
            account,
            uid=uid,
            region=account.home,
            type_=type_,
            kind="account",
            name=account.name,
            props=props,
        )

    # -- estate-wide passes --------------------------------------------------------------

    def share_key_material(self) -> None:
        """Groups of 2-3 keys in different clouds that hold the same material."""
        keys_by_cloud: dict[Cloud, list[_Draft]] = {cloud: [] for cloud, _ in CLOUD_SHARES}
        for draft in self.drafts:
            if draft.kind == "key":
                keys_by_cloud[draft.cloud].append(draft)
        total = sum(len(keys) for keys in keys_by_cloud.values())
        clouds = [cloud for cloud, _ in CLOUD_SHARES]
        for _ in range(max(1, round(total * 0.025))):
            size = self.rng.choice((2, 2, 3))
            members: list[_Draft] = []
            for cloud in self.rng.sample(clouds, size):
                candidates = keys_by_cloud[cloud]
                for _attempt in range(10):
                    if not candidates:
                        break
                    pick = self.rng.choice(candidates)
                    if "material_id" not in pick.props:
                        members.append(pick)
                        break
            if len(members) < 2:
                continue
            lineage = self.rng.choices(
                ("hsm_generated", "imported_from_hsm", "oci_export_software", "external_kms"),
                (40, 30, 15, 15),
            )[0]
            material = f"mat-{self._hex(16)}"
            for position, key in enumerate(members):
                key.props["material_id"] = material
                key.props["lineage"] = lineage
                key.props["algorithm"] = "AES"
                key.props["length_bits"] = 256
                if lineage == "external_kms":
                    key.props["origin"] = "external"
                elif lineage == "hsm_generated" and position == 0:
                    key.props["origin"] = "generated"
                else:
                    key.props["origin"] = "imported"
                if lineage == "oci_export_software":
                    key.props["protection"] = "software"

    def replicate(self) -> None:
        """Replication chains of 1-3 hops across clouds and regions, some closing a cycle."""
        stores = [
            d for d in self.drafts if d.kind == "store.object" and "implicit_copy_of" not in d.props
        ]
        if len(stores) < 4:
            return
        by_cloud: dict[Cloud, list[_Draft]] = defaultdict(list)
        for store in stores:
            by_cloud[store.cloud].append(store)
        used: set[str] = set()
        wanted = max(2, round(len(stores) * 0.10))
        sources = 0
        first = True
        for _attempt in range(wanted * 4):
            if sources >= wanted:
                break
            head = self.rng.choice(stores)
            if head.uid in used:
                continue
            chain = [head]
            used.add(head.uid)
            for _hop in range(self.rng.choice((1, 1, 1, 2, 2, 3))):
                cross_cloud = first or self._chance(0.5)
                target = self._replica_target(chain[-1], cross_cloud, by_cloud, used)
                if target is None:
                    break
                chain.append(target)
                used.add(target.uid)
                first = False
            if len(chain) < 2:
                continue
            pairs = list(itertools.pairwise(chain))
            if self._chance(0.15):
                pairs.append((chain[-1], chain[0]))
            data_class = head.props.get("data_class")
            if data_class is None and self._chance(0.4):
                data_class = "personal"
                head.props["data_class"] = data_class
            for src, dst in pairs:
                if data_class is not None:
                    dst.props["data_class"] = data_class
                src.props.setdefault("replication_targets", []).append(self._target(src, dst))
            sources += len(pairs)

    def _replica_target(
        self,
        src: _Draft,
        cross_cloud: bool,
        by_cloud: dict[Cloud, list[_Draft]],
        used: set[str],
    ) -> _Draft | None:
        if cross_cloud:
            clouds = [c for c in (Cloud.OCI, Cloud.AWS, Cloud.AZURE) if c is not src.cloud]
            pool = by_cloud[self.rng.choice(clouds)]
        else:
            pool = by_cloud[src.cloud]
        for _attempt in range(20):
            if not pool:
                return None
            candidate = self.rng.choice(pool)
            if candidate.uid in used:
                continue
            if not cross_cloud and candidate.region == src.region:
                continue
            return candidate
        return None

    def _target(self, src: _Draft, dst: _Draft) -> dict[str, Any]:
        target: dict[str, Any] = {"dst_uid": dst.uid}
        if src.cloud is dst.cloud:
            target["mechanism"] = {
                Cloud.OCI: "oci_replication_policy",
                Cloud.AWS: "s3_crr",
                Cloud.AZURE: "azure_object_replication",
            }[src.cloud]
            target["transport"] = self.rng.choice(("tls1.2", "tls1.3"))
        else:
            target["mechanism"] = self.rng.choice(
                ("rclone", "aws_datasync", "oci_data_integration", "azcopy")
            )
            transport = self.rng.choices(("tls1.2", "tls1.3", "plaintext", None), (70, 20, 3, 7))[0]
            if transport is not None:
                target["transport"] = transport
        return target

    def collection_gaps(self) -> None:
        """A few things the collectors could not read, with the data they hide removed."""
        by_cloud: dict[Cloud, list[_Account]] = defaultdict(list)
        for account in self.accounts:
            by_cloud[account.cloud].append(account)

        # S3 buckets whose encryption settings were denied.
        aws_stores = [s for a in by_cloud[Cloud.AWS] for s in a.by_kind["store.object"]]
        for store in self.rng.sample(aws_stores, min(len(aws_stores), 1 + self.n // 5000)):
            for prop in ("encrypted", "cmk", "kms_key_uid", "encryption_algorithm"):
                store.props.pop(prop, None)
            self.gaps.append(
                CollectionGap(
                    cloud=Cloud.AWS,
                    account=store.account,
                    region=store.region,
                    service="s3",
                    resource_type=store.type,
                    kind=store.kind,
                    resource_uid=store.uid,
                    fields=["cmk", "encrypted", "encryption_algorithm", "kms_key_uid"],
                    operation="GetBucketEncryption",
                    error_class="AccessDenied",
                    message="Access Denied",
                )
            )

        # An OCI region where listing buckets failed: its buckets are missing altogether.
        oci = by_cloud[Cloud.OCI][0]
        if len(oci.regions) > 1:
            weakest = min(range(1, len(oci.regions)), key=lambda i: (oci.weights[i], i))
            region = oci.regions[weakest]
            for store in oci.by_kind["store.object"]:
                if store.region == region:
                    self.removed.add(store.uid)
            self.gaps.append(
                CollectionGap(
                    cloud=Cloud.OCI,
                    account=oci.id,
                    region=region,
                    service="objectstorage",
                    resource_type="oci.objectstorage.bucket",
                    kind="store.object",
                    operation="ListBuckets",
                    error_class="NotAuthorizedOrNotFound",
                    message="Authorization failed or requested resource not found.",
                )
            )

        # Key Vault throttled the rotation-policy reads in one region of one subscription.
        azure = by_cloud[Cloud.AZURE][0]
        azure_keys = azure.by_kind["key"]
        if azure_keys:
            region = azure_keys[0].region
            for key in azure_keys:
                if key.region == region:
                    for prop in ("rotation_enabled", "rotation_period_days", "last_rotated"):
                        key.props.pop(prop, None)
            self.gaps.append(
                CollectionGap(
                    cloud=Cloud.AZURE,
                    account=azure.id,
                    region=region,
                    service="keyvault",
                    resource_type="azure.keyvault.key",
                    kind="key",
                    fields=["last_rotated", "rotation_enabled", "rotation_period_days"],
                    operation="KeyClient.get_key_rotation_policy",
                    error_class="Throttled",
                    message="Rate limit is exceeded. Try again in 7 seconds.",
                )
            )

        # GuardDuty could not be read in one region of the first AWS account.
        aws = by_cloud[Cloud.AWS][0]
        account_uid = aws.by_kind["account"][0].uid
        self.gaps.append(
            CollectionGap(
                cloud=Cloud.AWS,
                account=aws.id,
                region=aws.regions[-1],
                service="guardduty",
                resource_uid=account_uid,
                kind="account",
                fields=["threat_detection"],
                operation="ListDetectors",
                error_class="AccessDeniedException",
                message="User is not authorized to perform: guardduty:ListDetectors",
            )
        )

        # The federation settings of one Entra domain were denied.
        trusts = azure.by_kind["trust.saml"]
        if trusts:
            trust = trusts[0]
            for prop in ("signing_cert_sha256", "signing_cert_not_after", "federated_idp_mfa"):
                trust.props.pop(prop, None)
            self.gaps.append(
                CollectionGap(
                    cloud=Cloud.AZURE,
                    service="graph",
                    resource_type=trust.type,
                    kind=trust.kind,
                    resource_uid=trust.uid,
                    fields=["federated_idp_mfa", "signing_cert_not_after", "signing_cert_sha256"],
                    operation="domains.federationConfiguration.list",
                    error_class="Authorization_RequestDenied",
                    message="Insufficient privileges to complete the operation.",
                )
            )

    def api_edges(self, resources: Sequence[Resource]) -> list[Edge]:
        """Relations the collectors read from the APIs themselves: membership in a network."""
        edges = []
        for resource in resources:
            network = resource.props.get("network_uid")
            if isinstance(network, str):
                edges.append(
                    Edge(
                        src=resource.uid, dst=network, kind="in_network", provenance=Provenance.API
                    )
                )
        return edges

    def manifest(self) -> Manifest:
        scope: dict[str, CloudScope] = {}
        callers = {
            Cloud.OCI: self._ocid("user"),
            Cloud.AWS: (
                f"arn:aws:sts::{self.aws_management}:assumed-role/auditgraph-reader/auditgraph"
            ),
            Cloud.AZURE: f"/tenants/{self.azure_tenant}/servicePrincipals/{self._guid()}",
        }
        for cloud, _share in CLOUD_SHARES:
            accounts = [a for a in self.accounts if a.cloud is cloud]
            regions = sorted({region for a in accounts for region in a.regions})
            scope[cloud.value] = CloudScope(
                accounts=[a.id for a in accounts], regions=regions, caller=callers[cloud]
            )
        return Manifest(
            scanner_version=__version__,
            sdk_versions={
                "oci": "2.160.0",
                "boto3": "1.40.10",
                "azure-mgmt-security": "7.0.0",
                "azure-identity": "1.23.1",
            },
            scope=scope,
            started_at=STARTED_AT,
            finished_at=FINISHED_AT,
        )


def generate_estate(n: int, seed: int = 7) -> Snapshot:
    """A synthetic estate of about ``n`` resources; the same arguments give the same estate."""
    if n < 100:
        raise ValueError("generate_estate needs n >= 100 to cover every kind")
    builder = _Builder(n, seed)
    builder.make_accounts()
    budgets = builder.budgets()
    for account in builder.accounts:
        builder.populate(account, budgets[account.id])
    builder.share_key_material()
    builder.replicate()
    builder.collection_gaps()
    resources = [draft.build() for draft in builder.drafts if draft.uid not in builder.removed]
    snapshot = Snapshot(
        manifest=builder.manifest(),
        resources=resources,
        edges=builder.api_edges(resources),
        gaps=builder.gaps,
    )
    return snapshot.normalised()


def estate_config(snapshot: Snapshot) -> EstateConfig:
    """Organisation parameters that fit a generated estate, as its owners would set them.

    The OCI identity domains are the approved identity providers, the break-glass and
    Administrators principals are the approved admins, and every second replication of
    personal data to a third country has a transfer-register entry (the others are the
    findings a GDPR review would raise).
    """
    by_uid = {resource.uid: resource for resource in snapshot.resources}
    entity_ids = sorted(str(r.props["entity_id"]) for r in snapshot.resources if r.kind == "idp")
    allowed = (Jurisdiction.EU, Jurisdiction.EEA)
    transfers: list[Transfer] = []
    candidates = 0
    for store in snapshot.resources:
        if store.kind != "store.object" or store.props.get("data_class") != "personal":
            continue
        for target in store.props.get("replication_targets") or []:
            destination = by_uid.get(target["dst_uid"])
            if destination is None or jurisdiction_of(destination.region) in allowed:
                continue
            candidates += 1
            if candidates % 2:
                transfers.append(
                    Transfer(
                        src=store.uid,
                        dst=destination.uid,
                        basis="scc",
                        reference=f"DPA-2026-{candidates:04d}",
                    )
                )
    params = Params(
        approved_idp_entity_ids=entity_ids,
        break_glass=["break-glass-admin"],
        admin_principals=["Administrators", "break-glass-admin"],
        transfer_register=transfers,
    )
    return EstateConfig(params=params)


def describe(snapshot: Snapshot) -> str:
    """A short plain-text summary: resources per cloud and kind, edges, gaps."""
    clouds = Counter(resource.cloud.value for resource in snapshot.resources)
    kinds = Counter(resource.kind for resource in snapshot.resources)
    lines = [
        f"resources: {len(snapshot.resources)}  edges: {len(snapshot.edges)}  "
        f"gaps: {len(snapshot.gaps)}",
        "clouds:    " + ", ".join(f"{c} {clouds[c]}" for c in sorted(clouds)),
        "kinds:     " + ", ".join(f"{k} {kinds[k]}" for k in sorted(kinds)),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic estate snapshot folder.")
    parser.add_argument("--n", type=int, default=10_000, help="approximate resource count")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="snapshot folder to write")
    args = parser.parse_args(argv)
    snapshot = write_snapshot(generate_estate(args.n, args.seed), args.out)
    print(f"wrote {args.out}")
    print(describe(snapshot))


if __name__ == "__main__":
    main()
