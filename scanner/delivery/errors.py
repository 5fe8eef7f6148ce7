"""Errors of the delivery options: a webhook or destination the user gave that cannot work."""

from __future__ import annotations

from scanner.errors import AuditgraphError


class DeliveryError(AuditgraphError):
    """Base of webhook and result-store errors."""


class WebhookUrlError(DeliveryError):
    """A webhook URL that is not https (plain http is allowed to loopback only)."""


class StoreUrlError(DeliveryError):
    """A ``--store`` destination with an unknown scheme or a missing bucket/container."""


class UploadError(DeliveryError):
    """An upload that failed; the message names the destination and the file."""
