"""Resource, Edge and CollectionGap: what collectors produce and the graph is built from."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from scanner.model.base import Cloud, Contract, JSONValue
from scanner.model.props import normalise_props


class Resource(Contract):
    """One cloud resource, normalised.

    ``props`` holds the normalised fields controls read; its schema depends on ``kind``
    (see :mod:`scanner.model.props`). A field a collector could not read is absent, never
    guessed: a control that needs it is inconclusive.
    """

    uid: str = Field(description="Globally unique, stable id: ARN, OCID or Azure resource id.")
    cloud: Cloud = Field(description="The cloud that hosts the resource.")
    account: str = Field(description="Tenancy OCID, AWS account id or Azure subscription id.")
    region: str = Field(description="Native region id (eu-frankfurt-1, eu-west-1, westeurope).")
    type: str = Field(description="Cloud-qualified native type, e.g. aws.s3.bucket.")
    kind: str = Field(description="Normalised kind controls target, e.g. store.object.")
    name: str = Field(description="Display name as the cloud reports it (untrusted text).")
    tags: dict[str, str] = Field(default_factory=dict, description="Tags / labels, flattened.")
    props: dict[str, JSONValue] = Field(
        default_factory=dict, description="Normalised fields for the kind; absent = unknown."
    )
    raw: dict[str, JSONValue] = Field(
        default_factory=dict, description="The SDK payload, redacted of secrets, for evidence."
    )

    @model_validator(mode="before")
    @classmethod
    def _normalise_props(cls, data: Any) -> Any:
        """Validate ``props`` against the kind's schema and store them normalised."""
        if isinstance(data, dict) and isinstance(data.get("kind"), str):
            return {**data, "props": normalise_props(data["kind"], data.get("props") or {})}
        return data


class Provenance(StrEnum):
    API = "api"
    """The payload of the source resource names the target."""
    DERIVED = "derived"
    """Resolved across resources by auditgraph (e.g. issuer = identity provider entity id)."""
    DECLARED = "declared"
    """Declared in the estate config, for links no API reports."""


class Edge(Contract):
    """A directed, typed relation between two resources."""

    src: str = Field(description="uid of the source resource.")
    dst: str = Field(description="uid of the target resource.")
    kind: str = Field(description="Relation: replicates_to, encrypted_by, trusts_idp, ...")
    provenance: Provenance = Field(description="How auditgraph knows about the edge.")
    attrs: dict[str, JSONValue] = Field(
        default_factory=dict, description="Edge attributes (mechanism, transport, lag_s...)."
    )

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.src, self.kind, self.dst, self.provenance.value)


class CollectionGap(Contract):
    """Something a collector could not read. Every API failure becomes one.

    A gap either names one resource (``resource_uid``: the resource was listed but a
    detail call failed) or a scope (cloud/account/region and a resource type or kind:
    the listing itself failed, so resources may be missing altogether).
    """

    cloud: Cloud
    account: str | None = Field(default=None, description="None: every account of the cloud.")
    region: str | None = Field(default=None, description="None: every region.")
    service: str = Field(description="The cloud service, e.g. s3, objectstorage, keyvault.")
    resource_type: str | None = Field(default=None, description="Native type affected.")
    kind: str | None = Field(default=None, description="Normalised kind affected.")
    resource_uid: str | None = Field(default=None, description="The one resource affected.")
    fields: list[str] | None = Field(
        default=None,
        description="props the failed call would have filled; None: the whole resource.",
    )
    operation: str = Field(description="The SDK operation that failed, e.g. GetBucketEncryption.")
    error_class: str = Field(description="AccessDenied, Throttling, NotAuthorized, Timeout...")
    message: str = Field(description="The error message as the cloud returned it.")

    def describe(self) -> str:
        scope = "/".join(
            part for part in (self.cloud.value, self.account, self.region) if part is not None
        )
        return f"{self.operation} failed in {scope}: {self.error_class}: {self.message}"

    def covers(self, resource: Resource) -> bool:
        """True when this gap may hide or falsify data about ``resource``."""
        if self.resource_uid is not None:
            return self.resource_uid == resource.uid
        if self.cloud != resource.cloud:
            return False
        if self.account is not None and self.account != resource.account:
            return False
        if self.region is not None and self.region != resource.region:
            return False
        return self.matches_target(resource.kind, resource.type)

    def affects(self, props_read: frozenset[str]) -> bool:
        """True when a control reading ``props_read`` depends on what this gap hides."""
        return self.fields is None or not props_read.isdisjoint(self.fields)

    def matches_target(self, kind: str, resource_type: str) -> bool:
        if self.resource_type is None and self.kind is None:
            return True
        return self.resource_type == resource_type or self.kind == kind

    def sort_key(self) -> tuple[str, ...]:
        return tuple(
            str(value or "")
            for value in (
                self.cloud.value,
                self.account,
                self.region,
                self.service,
                self.resource_type,
                self.kind,
                self.resource_uid,
                self.operation,
            )
        )
