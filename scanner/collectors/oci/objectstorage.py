"""Object Storage: buckets, replication policies, retention rules, pre-authenticated requests.

``fetch_buckets`` talks to the SDK; ``to_resources`` is pure. ``list_buckets`` returns
summaries without encryption or access settings, so each bucket is read with
``get_bucket``. Replication destinations are named by region and bucket name; the
collector resolves them to bucket OCIDs once every region is collected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.collectors.base import Collected, Recorder
from scanner.collectors.oci.context import OciUnit, list_all, to_plain
from scanner.collectors.oci.tags import classification, flatten_tags
from scanner.collectors.refs import oci_bucket_ref
from scanner.model import Cloud, Resource

SERVICE = "objectstorage"
BUCKET_TYPE = "oci.objectstorage.bucket"
PERMISSIONS: dict[str, str] = {
    "get_namespace": "read objectstorage-namespaces",
    "list_buckets": "inspect buckets",
    "get_bucket": "read buckets",
    "list_replication_policies": "read buckets",
    "list_retention_rules": "read buckets",
    "list_preauthenticated_requests": "read buckets",
}
"""Each SDK operation this module calls → the OCI policy verb and resource type it needs."""


def fetch_buckets(unit: OciUnit, rec: Recorder) -> list[dict[str, Any]]:
    client = unit.clients.object_storage(unit.region)
    response = rec.call("get_namespace", client.get_namespace, resource_type=BUCKET_TYPE)
    if response is None:
        return []
    namespace = str(response.data)
    buckets: list[dict[str, Any]] = []
    for compartment in unit.scope.compartments:
        summaries = list_all(
            rec,
            "list_buckets",
            client.list_buckets,
            namespace,
            compartment,
            fields=["tags"],
            resource_type=BUCKET_TYPE,
            kind="store.object",
        )
        for summary in summaries or []:
            name = summary["name"]
            detail = rec.call(
                "get_bucket",
                client.get_bucket,
                namespace,
                name,
                fields=["approximateCount", "approximateSize"],
                resource_type=BUCKET_TYPE,
                resource_uid=f"pending:{namespace}/{name}",
            )
            bucket = to_plain(detail.data) if detail is not None else dict(summary)
            bucket["_namespace"] = namespace
            bucket["_detail_collected"] = detail is not None
            bucket["_replication_policies"] = list_all(
                rec,
                "list_replication_policies",
                client.list_replication_policies,
                namespace,
                name,
                resource_type=BUCKET_TYPE,
                resource_uid=f"pending:{namespace}/{name}",
                fields=["replication_targets"],
            )
            bucket["_retention_rules"] = list_all(
                rec,
                "list_retention_rules",
                client.list_retention_rules,
                namespace,
                name,
                resource_type=BUCKET_TYPE,
                resource_uid=f"pending:{namespace}/{name}",
                fields=["retention_locked"],
            )
            bucket["_preauthenticated_requests"] = list_all(
                rec,
                "list_preauthenticated_requests",
                client.list_preauthenticated_requests,
                namespace,
                name,
                resource_type=BUCKET_TYPE,
                resource_uid=f"pending:{namespace}/{name}",
                fields=["public_links"],
            )
            buckets.append(bucket)
    return buckets


def to_resource(
    bucket: Mapping[str, Any], tenancy: str, region: str, classification_tag: str
) -> Resource:
    """One bucket payload (``get_bucket`` plus the side lists) → a ``store.object``."""
    namespace = bucket["_namespace"]
    tags = flatten_tags(bucket)
    props: dict[str, Any] = {"data_class": classification(tags, classification_tag)}
    if bucket.get("_detail_collected"):
        kms_key_id = bucket.get("kms_key_id")
        props.update(
            public_access=bucket.get("public_access_type") != "NoPublicAccess",
            # Object Storage always encrypts (AES-256); kms_key_id names a customer key.
            encrypted=True,
            cmk=kms_key_id is not None,
            kms_key_uid=kms_key_id,
            encryption_algorithm="AES-256",
            versioning=bucket.get("versioning") == "Enabled",
            read_only=bool(bucket.get("is_read_only")),
        )
    # The Object Storage API accepts HTTPS with TLS 1.2 or later only: a provider control.
    props.update(https_only=True, min_tls_version="1.2")
    policies = bucket.get("_replication_policies")
    if policies is not None:
        props["replication_targets"] = [
            {
                "dst_uid": oci_bucket_ref(
                    p["destination_region_name"], namespace, p["destination_bucket_name"]
                ),
                "mechanism": "oci_replication_policy",
                "transport": "tls1.2",
            }
            for p in sorted(policies, key=lambda p: str(p.get("id")))
        ]
    rules = bucket.get("_retention_rules")
    if rules is not None:
        props["retention_locked"] = any(r.get("time_rule_locked") for r in rules)
    requests = bucket.get("_preauthenticated_requests")
    if requests is not None:
        props["public_links"] = len(requests)
    uid = bucket.get("id") or oci_bucket_ref(region, namespace, bucket["name"])
    raw = {k: v for k, v in bucket.items() if not k.startswith("_")}
    for side in ("replication_policies", "retention_rules", "preauthenticated_requests"):
        if bucket.get(f"_{side}") is not None:
            raw[side] = bucket[f"_{side}"]
    return Resource(
        uid=uid,
        cloud=Cloud.OCI,
        account=tenancy,
        region=region,
        type=BUCKET_TYPE,
        kind="store.object",
        name=str(bucket["name"]),
        tags=tags,
        props=props,
        raw=raw,
    )


def collect(unit: OciUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    buckets = fetch_buckets(unit, rec)
    tag = unit.clients.options.classification_tag
    resources = [to_resource(b, unit.scope.tenancy, unit.region, tag) for b in buckets]
    by_pending = {f"pending:{r.raw.get('namespace')}/{r.name}": r.uid for r in resources}
    gaps = [
        gap.model_copy(update={"resource_uid": by_pending.get(gap.resource_uid, gap.resource_uid)})
        if gap.resource_uid is not None
        else gap
        for gap in rec.gaps
    ]
    return Collected(resources=resources, gaps=gaps, operations=rec.operations)
