"""S3 buckets → ``store.object`` (type ``aws.s3.bucket``, uid ``arn:aws:s3:::<name>``).

Global unit: ``list_buckets`` once per account (every bucket, whatever the scan's regions:
replication chains cross them); each bucket's region from ``get_bucket_location``
(``None``/``""`` is us-east-1, ``EU`` eu-west-1); the bucket's other reads go to a client
in that region and their gaps carry it. A bucket without a readable location is left out
with a gap of no ``resource_uid`` (one naming a resource absent from the snapshot reaches
no finding), region ``global``, no ``fields``: an inconclusive placeholder, not a bucket
placed in an invented region. "Not configured" answers (:data:`NOT_CONFIGURED`) are facts.

- Encryption: S3 applies SSE-S3 to every new object since January 2023, so a bucket
  without a default-encryption configuration (moto's answer for one never configured) is
  ``encrypted``, AES-256, not ``cmk`` (``raw.DefaultEncryptionAssumed``). SSE-KMS / DSSE
  naming a ``KMSMasterKeyID`` other than ``alias/aws/s3`` is ``cmk`` (S3 cannot ask KMS who
  manages it), ``kms_key_uid`` its ARN in the bucket's region and account (an alias stays
  an alias ARN); without a key id it uses ``aws/s3``. ``encryption_algorithm``: SSE-S3 only.
- Transport: S3 API endpoints refuse TLS below 1.2 since 2024-02-27 (AWS Storage Blog,
  "Enforcing encryption in transit with TLS1.2 or higher with Amazon S3", 2024-04-08
  update): ``min_tls_version`` is 1.2, or higher when the bucket policy denies everyone
  ``s3:TlsVersion`` ``NumericLessThan`` more. Plain HTTP is served unless the policy denies
  everyone ``aws:SecureTransport`` false with no other condition: ``https_only``. Both are
  absent when the policy is unreadable.
- ``public_access`` (three-valued, absent when undecidable): the policy status says
  ``IsPublic`` and neither the account's nor the bucket's public access block sets
  ``RestrictPublicBuckets``; or the ACL grants AllUsers / AuthenticatedUsers and neither
  sets ``IgnorePublicAcls``. Access points and object ACLs are not read.
- ``versioning``: Enabled (Suspended is off). ``retention_locked``: Object Lock with a
  COMPLIANCE default retention (GOVERNANCE can be bypassed).
- ``replication_targets``: Enabled rules' destinations, ``s3_crr`` / ``s3_srr`` when it is a
  bucket of this account in another / the same region, else ``s3_replication``; over TLS 1.2.
- ``data_class``: the ``data_class`` tag. ``data_events_logged`` is CloudTrail's to set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from scanner.collectors.aws.context import AwsUnit, jsonable, paginate
from scanner.collectors.aws.s3_policy import (
    bucket_uid,
    parse_policy,
    public_access,
    transport_props,
)
from scanner.collectors.base import Collected, Recorder
from scanner.model import Cloud, Resource

SERVICE = "s3"
BUCKET_TYPE = "aws.s3.bucket"
KIND = "store.object"
CLASSIFICATION_TAG = "data_class"
PERMISSIONS: dict[str, str] = {
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketLocation": "s3:GetBucketLocation",
    "s3control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    "s3:GetBucketPolicyStatus": "s3:GetBucketPolicyStatus",
    "s3:GetBucketPolicy": "s3:GetBucketPolicy",
    "s3:GetBucketAcl": "s3:GetBucketAcl",
    "s3:GetBucketVersioning": "s3:GetBucketVersioning",
    "s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
    "s3:GetBucketReplication": "s3:GetReplicationConfiguration",
    "s3:GetBucketLogging": "s3:GetBucketLogging",
    "s3:GetBucketTagging": "s3:GetBucketTagging",
}
"""Each API operation this module calls → the IAM action it needs."""

BUCKET_CALLS: dict[str, tuple[str, ...]] = {
    "get_bucket_encryption": ("encrypted", "cmk", "kms_key_uid", "encryption_algorithm"),
    "get_public_access_block": ("public_access",),
    "get_bucket_policy_status": ("public_access",),
    "get_bucket_policy": ("https_only", "min_tls_version"),
    "get_bucket_acl": ("public_access",),
    "get_bucket_versioning": ("versioning",),
    "get_object_lock_configuration": ("retention_locked",),
    "get_bucket_replication": ("replication_targets",),
    "get_bucket_logging": ("LoggingEnabled",),
    "get_bucket_tagging": ("data_class",),
}
"""Each per-bucket read → the fields its gap names (props, or the raw key it fills)."""
NOT_CONFIGURED: dict[str, str] = {
    "get_bucket_encryption": "ServerSideEncryptionConfigurationNotFoundError",
    "get_public_access_block": "NoSuchPublicAccessBlockConfiguration",
    "get_bucket_policy_status": "NoSuchBucketPolicy",
    "get_bucket_policy": "NoSuchBucketPolicy",
    "get_object_lock_configuration": "ObjectLockConfigurationNotFoundError",
    "get_bucket_replication": "ReplicationConfigurationNotFoundError",
    "get_bucket_tagging": "NoSuchTagSet",
}
"""The error code with which a read says "not configured": an empty answer, not a gap."""
RAW_KEYS = {"get_bucket_acl": "Acl", "get_bucket_versioning": "Versioning"}
"""Reads nested in ``raw`` under a key; the other answers' keys are merged into ``raw``."""

AWS_MANAGED_KEY = "alias/aws/s3"


# ───────────────────────────────────────── SDK calls ─────────────────────────────────────────


def location_region(constraint: str | None) -> str:
    """``get_bucket_location``'s answer as a region name."""
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else constraint


def unless_not_configured(fn: Callable[..., Any], code: str | None) -> Callable[..., Any]:
    """``fn`` without response metadata, reading the error ``code`` as an empty answer."""

    def call(**kwargs: Any) -> Any:
        try:
            response = fn(**kwargs)
        except ClientError as exc:
            if code is not None and exc.response.get("Error", {}).get("Code") == code:
                return {}
            raise
        return {k: v for k, v in response.items() if k != "ResponseMetadata"}

    return call


def in_region(rec: Recorder, region: str | None) -> Recorder:
    """A recorder whose gaps carry ``region``, sharing ``rec``'s operations and gaps."""
    return Recorder(
        rec.cloud, rec.account, region, rec.service, rec.classify, rec.operations, rec.gaps
    )


def fetch_account_block(unit: AwsUnit, rec: Recorder) -> dict[str, Any] | None:
    """The account's public access block ({} when none is set); None when unreadable.

    Its gap has no region: the setting applies to buckets in every region.
    """
    operation = "get_public_access_block"
    response = in_region(rec, None).call(
        operation,
        unless_not_configured(
            unit.client("s3control").get_public_access_block, NOT_CONFIGURED[operation]
        ),
        AccountId=unit.scope.account,
        resource_type=BUCKET_TYPE,
        kind=KIND,
        fields=["public_access"],
    )
    return None if response is None else dict(response.get("PublicAccessBlockConfiguration") or {})


def read_bucket(
    client: Any, rec: Recorder, summary: Mapping[str, Any], region: str
) -> dict[str, Any]:
    """The listing entry, ``_region`` and each per-bucket read by operation (None: failed)."""
    name = str(summary["Name"])
    bucket: dict[str, Any] = {**summary, "_region": region}
    for operation, fields in BUCKET_CALLS.items():
        bucket[operation] = rec.call(
            operation,
            unless_not_configured(getattr(client, operation), NOT_CONFIGURED.get(operation)),
            Bucket=name,
            resource_type=BUCKET_TYPE,
            kind=KIND,
            resource_uid=bucket_uid(name),
            fields=list(fields),
        )
    return bucket


def fetch_buckets(unit: AwsUnit, rec: Recorder) -> list[dict[str, Any]]:
    client = unit.client("s3")
    listed = paginate(rec, client, "list_buckets", "Buckets", resource_type=BUCKET_TYPE, kind=KIND)
    regional: dict[str, Any] = {}
    buckets: list[dict[str, Any]] = []
    for summary in listed or []:
        located = rec.call(
            "get_bucket_location",
            client.get_bucket_location,
            Bucket=summary["Name"],
            resource_type=BUCKET_TYPE,
            kind=KIND,
        )
        if located is None:
            continue
        region = location_region(located.get("LocationConstraint"))
        if region not in regional:
            regional[region] = unit.clients.client("s3", region)
        buckets.append(read_bucket(regional[region], in_region(rec, region), summary, region))
    return buckets


# ─────────────────────────────────────── pure mapping ────────────────────────────────────────


def kms_key_uid(key_id: str, region: str, account: str) -> str:
    """A key id, alias or ARN as an ARN in the bucket's region and account."""
    if key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account}:{key_id}"
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def encryption_props(response: Mapping[str, Any], region: str, account: str) -> dict[str, Any]:
    rules = (response.get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    defaults = [
        r["ApplyServerSideEncryptionByDefault"]
        for r in rules
        if r.get("ApplyServerSideEncryptionByDefault")
    ]
    default = defaults[0] if defaults else {"SSEAlgorithm": "AES256"}  # S3's own default
    if default.get("SSEAlgorithm") == "AES256":
        return {"encrypted": True, "cmk": False, "encryption_algorithm": "AES-256"}
    key_id = str(default.get("KMSMasterKeyID") or "")
    if not key_id or key_id.endswith(AWS_MANAGED_KEY):
        return {"encrypted": True, "cmk": False}
    return {"encrypted": True, "cmk": True, "kms_key_uid": kms_key_uid(key_id, region, account)}


def replication_targets(
    response: Mapping[str, Any], region: str, regions: Mapping[str, str]
) -> list[dict[str, Any]]:
    targets: dict[str, dict[str, Any]] = {}
    for rule in (response.get("ReplicationConfiguration") or {}).get("Rules") or []:
        destination = str((rule.get("Destination") or {}).get("Bucket") or "")
        if rule.get("Status") != "Enabled" or not destination:
            continue
        uid = destination if destination.startswith("arn:") else bucket_uid(destination)
        where = regions.get(uid.rsplit(":", 1)[-1])
        mechanism = "s3_replication" if where is None else "s3_srr" if where == region else "s3_crr"
        targets[uid] = {"dst_uid": uid, "mechanism": mechanism, "transport": "tls1.2"}
    return [targets[uid] for uid in sorted(targets)]


def retention_locked(response: Mapping[str, Any]) -> bool:
    config = response.get("ObjectLockConfiguration") or {}
    retention = (config.get("Rule") or {}).get("DefaultRetention") or {}
    return config.get("ObjectLockEnabled") == "Enabled" and retention.get("Mode") == "COMPLIANCE"


def bucket_tags(bucket: Mapping[str, Any]) -> dict[str, str]:
    tag_set = (bucket.get("get_bucket_tagging") or {}).get("TagSet") or []
    return {str(t["Key"]): str(t.get("Value", "")) for t in tag_set}


def bucket_props(
    bucket: Mapping[str, Any],
    account: str,
    account_block: Mapping[str, Any] | None,
    regions: Mapping[str, str],
) -> dict[str, Any]:
    name, region = str(bucket["Name"]), str(bucket["_region"])
    read: dict[str, Any] = {op: bucket.get(op) for op in BUCKET_CALLS}
    props: dict[str, Any] = {"public_access": public_access(bucket, account_block)}
    if read["get_bucket_encryption"] is not None:
        props.update(encryption_props(read["get_bucket_encryption"], region, account))
    if read["get_bucket_policy"] is not None:
        props.update(transport_props(read["get_bucket_policy"], name))
    if read["get_bucket_versioning"] is not None:
        props["versioning"] = read["get_bucket_versioning"].get("Status") == "Enabled"
    if read["get_object_lock_configuration"] is not None:
        props["retention_locked"] = retention_locked(read["get_object_lock_configuration"])
    if read["get_bucket_replication"] is not None:
        targets = replication_targets(read["get_bucket_replication"], region, regions)
        props["replication_targets"] = targets
    if read["get_bucket_tagging"] is not None:
        props["data_class"] = bucket_tags(bucket).get(CLASSIFICATION_TAG)
    return props


def bucket_raw(
    bucket: Mapping[str, Any], account_block: Mapping[str, Any] | None
) -> dict[str, Any]:
    listing = {k: v for k, v in bucket.items() if k not in BUCKET_CALLS and k[0] != "_"}
    raw: dict[str, Any] = {**listing, "Region": bucket["_region"]}
    for operation in BUCKET_CALLS:
        response = bucket.get(operation)
        if response is not None and operation in RAW_KEYS:
            raw[RAW_KEYS[operation]] = response
        elif response is not None:
            raw.update(response)
    if bucket.get("get_bucket_encryption") == {}:
        raw["DefaultEncryptionAssumed"] = True
    if "Policy" in raw:
        raw["Policy"] = parse_policy(raw["Policy"])
    if account_block is not None:
        raw["AccountPublicAccessBlockConfiguration"] = dict(account_block)
    plain: dict[str, Any] = jsonable(raw)
    return plain


def to_resource(
    bucket: Mapping[str, Any],
    account: str,
    account_block: Mapping[str, Any] | None,
    regions: Mapping[str, str],
) -> Resource:
    """One bucket payload (see :func:`read_bucket`) → a ``store.object``.

    ``account_block`` is the account's public access block (None: unreadable); ``regions``
    maps the names of this account's buckets to their regions.
    """
    return Resource(
        uid=bucket_uid(str(bucket["Name"])),
        cloud=Cloud.AWS,
        account=account,
        region=str(bucket["_region"]),
        type=BUCKET_TYPE,
        kind=KIND,
        name=str(bucket["Name"]),
        tags=bucket_tags(bucket),
        props=bucket_props(bucket, account, account_block, regions),
        raw=bucket_raw(bucket, account_block),
    )


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    account_block = fetch_account_block(unit, rec)
    buckets = fetch_buckets(unit, rec)
    regions = {str(b["Name"]): str(b["_region"]) for b in buckets}
    account = unit.scope.account
    return Collected(
        resources=[to_resource(b, account, account_block, regions) for b in buckets],
        gaps=rec.gaps,
        operations=rec.operations,
    )
