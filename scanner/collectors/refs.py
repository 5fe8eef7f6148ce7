"""References to stores that one collector names but another collects.

An OCI replication policy names a destination bucket by region and name, and an AWS
DataSync location names an OCI bucket by its S3-compatibility host; neither knows the
bucket's OCID. Collectors write such targets as references; :func:`resolve_references`
replaces them with the real uids once the resources are in one snapshot. A reference
that stays unresolved is an uncollected target, so controls that follow it are
inconclusive.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.collectors.base import with_props
from scanner.model import Edge, Resource, Snapshot

OCI_BUCKET_TYPE = "oci.objectstorage.bucket"
AZURE_STORAGE_TYPE = "azure.storage.account"


def oci_bucket_ref(region: str, namespace: str, name: str) -> str:
    return f"oci-bucket-ref:{region}/{namespace}/{name}"


def azure_blob_ref(account: str, container: str) -> str:
    return f"azure-blob-ref:{account}/{container}"


def reference_index(resources: Iterable[Resource]) -> dict[str, str]:
    """Reference → uid for every store that can be named by reference."""
    index: dict[str, str] = {}
    for resource in resources:
        if resource.type == OCI_BUCKET_TYPE:
            namespace = str(resource.raw.get("namespace"))
            index[oci_bucket_ref(resource.region, namespace, resource.name)] = resource.uid
        elif resource.type == AZURE_STORAGE_TYPE:
            index[f"azure-blob-ref:{resource.name}"] = resource.uid
    return index


def _resolve(uid: str, index: dict[str, str]) -> str:
    if uid in index:
        return index[uid]
    if uid.startswith("azure-blob-ref:"):
        account = uid.split("/", 1)[0]  # a container lives in its storage account
        return index.get(account, uid)
    return uid


def resolve_in_resources(resources: list[Resource], index: dict[str, str]) -> list[Resource]:
    resolved = []
    for resource in resources:
        targets = resource.props.get("replication_targets")
        if targets and any(_resolve(t["dst_uid"], index) != t["dst_uid"] for t in targets):
            new = [{**t, "dst_uid": _resolve(t["dst_uid"], index)} for t in targets]
            resource = with_props(resource, props={**resource.props, "replication_targets": new})
        resolved.append(resource)
    return resolved


def resolve_in_edges(edges: Iterable[Edge], index: dict[str, str]) -> list[Edge]:
    return [
        edge.model_copy(update={"src": _resolve(edge.src, index), "dst": _resolve(edge.dst, index)})
        for edge in edges
    ]


def resolve_references(snapshot: Snapshot) -> Snapshot:
    index = reference_index(snapshot.resources)
    return snapshot.model_copy(
        update={
            "resources": resolve_in_resources(snapshot.resources, index),
            "edges": resolve_in_edges(snapshot.edges, index),
        }
    ).normalised()
