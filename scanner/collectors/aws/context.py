"""What one AWS collection unit works with: clients for an account, the scope, a region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.collectors.aws.clients import AwsClients
from scanner.collectors.aws.errors import classify_aws_error
from scanner.collectors.base import Recorder
from scanner.model import Cloud

GLOBAL = "global"
"""Region recorded for global resources (IAM users, roles, policies, SAML providers)."""


@dataclass(frozen=True)
class AwsScope:
    account: str
    regions: tuple[str, ...]
    caller_arn: str


@dataclass(frozen=True)
class AwsUnit:
    """One collection unit: a service in one region of one account."""

    clients: AwsClients
    scope: AwsScope
    region: str

    def recorder(self, service: str) -> Recorder:
        return Recorder(Cloud.AWS, self.scope.account, self.region, service, classify_aws_error)

    def client(self, service: str) -> Any:
        region = self.region if self.region != GLOBAL else "us-east-1"
        return self.clients.client(service, region)


_GAP_KEYS = ("resource_type", "kind", "resource_uid", "fields")


def paginate(
    rec: Recorder, client: Any, operation: str, result_key: str, **kwargs: Any
) -> list[Any] | None:
    """Every page of a list call through botocore's paginator; None on failure.

    A failure on any page drops the partial result and records a gap.
    """
    gap_kwargs = {k: kwargs.pop(k) for k in _GAP_KEYS if k in kwargs}

    def run() -> list[Any]:
        items: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(result_key) or [])
        return items

    return rec.call(operation, run, **gap_kwargs)


def jsonable(value: Any) -> Any:
    """boto3 payloads hold datetimes and bytes; snapshots hold JSON (RFC 3339 text)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    return value
