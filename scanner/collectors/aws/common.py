"""Helpers the AWS collectors share: EC2-style ARNs, describe listings, tags, dead-state
filtering, secret stripping, API edges, and gap attributes.

Items in a dead state (deleted, rejected, failed, expired) are left out by :func:`alive`:
the API keeps them listed for a while, but they carry no traffic. uids are ARNs built as
AWS documents them (``arn:<partition>:ec2:<region>:<owner>:vpc/<id>``), with the owner the
payload names (shared VPCs and subnets) or the scanned account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.collectors.aws.context import AwsUnit, paginate
from scanner.collectors.base import Recorder
from scanner.model import Cloud, CollectionGap, Edge, Provenance

DEAD_STATES = frozenset({"deleted", "rejected", "failed", "expired"})
ID_PREFIXES = (
    ("igw-", "internet-gateway"),
    ("eigw-", "egress-only-internet-gateway"),
    ("vgw-", "vpn-gateway"),
    ("vpce-", "vpc-endpoint"),
    ("nat-", "natgateway"),
    ("tgw-attach-", "transit-gateway-attachment"),
    ("tgw-", "transit-gateway"),
    ("pcx-", "vpc-peering-connection"),
    ("cagw-", "carrier-gateway"),
    ("lgw-", "local-gateway"),
    ("eni-", "network-interface"),
    ("vpc-", "vpc"),
    ("vpn-", "vpn-connection"),
    ("i-", "instance"),
)
"""EC2 id prefix → ARN resource type (longest prefixes first)."""


@dataclass(frozen=True)
class Arns:
    """Builds the ARNs of one collection unit (partition, scanned account, region)."""

    partition: str
    account: str
    region: str

    def ec2(self, resource: str, ident: str, owner: Any = None, region: Any = None) -> str:
        where = region or self.region
        return f"arn:{self.partition}:ec2:{where}:{owner or self.account}:{resource}/{ident}"

    def of_id(self, ident: str, owner: Any = None) -> str:
        """The ARN of an EC2 id by its prefix (an ARN or an unknown id is kept as is)."""
        for prefix, resource in ID_PREFIXES:
            if ident.startswith(prefix):
                return self.ec2(resource, ident, owner)
        return ident

    def dx_gateway(self, ident: str, owner: Any = None) -> str:
        """Direct Connect gateways are global: no region in their ARN."""
        return f"arn:{self.partition}:directconnect::{owner or self.account}:dx-gateway/{ident}"


def arns_for(unit: AwsUnit) -> Arns:
    caller = unit.scope.caller_arn.split(":")
    partition = caller[1] if len(caller) > 1 and caller[0] == "arn" and caller[1] else "aws"
    return Arns(partition, unit.scope.account, unit.region)


def alive(item: Mapping[str, Any]) -> bool:
    state = item.get("State")
    status = item.get("Status")
    code = status.get("Code") if isinstance(status, Mapping) else None
    return str(state).lower() not in DEAD_STATES and str(code).lower() not in DEAD_STATES


def describe_all(
    rec: Recorder, client: Any, operation: str, result_key: str, paginated: bool, **gap: Any
) -> list[dict[str, Any]] | None:
    """Every item of a describe call (through its paginator when it has one); None on failure."""
    if paginated:
        return paginate(rec, client, operation, result_key, **gap)
    listed = rec.call(operation, getattr(client, operation), **gap)
    return None if listed is None else list(listed.get(result_key) or [])


def tag_map(tags: Sequence[Mapping[str, Any]] | None, key: str = "Key") -> dict[str, str]:
    value = "Value" if key == "Key" else "value"
    return {str(t[key]): str(t.get(value) or "") for t in tags or [] if t.get(key) is not None}


def without(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with ``keys`` dropped at any depth (secrets kept out of ``raw``)."""
    if isinstance(value, Mapping):
        return {k: without(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list | tuple):
        return [without(v, keys) for v in value]
    return value


def api_edge(src: str, dst: str, kind: str) -> Edge:
    return Edge(src=src, dst=dst, kind=kind, provenance=Provenance.API)


def on(uid: str, *fields: str) -> dict[str, Any]:
    """Gap attributes for a detail call about one resource."""
    return {"resource_uid": uid, "fields": list(fields)}


def own_gap(rec: Recorder, **fields: Any) -> CollectionGap:
    """A gap no failed call produced (the recorder makes the others)."""
    return CollectionGap(
        cloud=Cloud.AWS, account=rec.account, region=rec.region, service=rec.service, **fields
    )


def plain(payload: Mapping[str, Any], *drop: str) -> dict[str, Any]:
    """A payload without our ``_`` detail keys, ResponseMetadata and ``drop``."""
    skip = {"ResponseMetadata", *drop}
    return {k: v for k, v in payload.items() if not k.startswith("_") and k not in skip}
