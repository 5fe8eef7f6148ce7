"""The delivery flags of scan/evaluate, and the checked plan made of them before a scan.

Everything a user can get wrong (a plain-http webhook, an unknown ``--store`` scheme, an
unreadable signing key) is found here, before anything is collected or evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.collectors.oci.clients import OciOptions
from scanner.delivery.store.destination import Destination, StoreSettings
from scanner.delivery.store.registry import parse_destination
from scanner.delivery.webhook import WebhookPolicy, check_webhook_url, safe_label
from scanner.model import Severity
from scanner.outputs.evidence.keys import load_private_key


@dataclass(frozen=True)
class DeliveryOptions:
    """The flags as given; the defaults deliver nothing."""

    alert_webhook: str | None = None
    alert_on: Severity = Severity.CRITICAL
    alert_timeout: float = 10.0
    store: str | None = None
    store_evidence: bool = False
    sign_key: Path | None = None
    oci: OciOptions = field(default_factory=OciOptions)
    """How the oci:// backend authenticates (scan's --oci-* flags, else the defaults)."""


@dataclass(frozen=True)
class AlertPlan:
    url: str
    target: str
    floor: Severity
    policy: WebhookPolicy


@dataclass(frozen=True)
class StorePlan:
    destination: Destination
    settings: StoreSettings
    evidence: bool
    sign_key: Ed25519PrivateKey | None


@dataclass(frozen=True)
class DeliveryPlan:
    alert: AlertPlan | None = None
    store: StorePlan | None = None


def prepare(options: DeliveryOptions) -> DeliveryPlan:
    """The checked plan; raises an AuditgraphError for a bad URL, scheme or key file."""
    alert = None
    if options.alert_webhook:
        url = check_webhook_url(options.alert_webhook)
        policy = WebhookPolicy(timeout=options.alert_timeout)
        alert = AlertPlan(url, safe_label(url), options.alert_on, policy)
    store = None
    if options.store:
        key = load_private_key(options.sign_key) if options.sign_key else None
        settings = StoreSettings(oci=options.oci)
        store = StorePlan(parse_destination(options.store), settings, options.store_evidence, key)
    return DeliveryPlan(alert, store)
