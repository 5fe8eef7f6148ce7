"""DataSync tasks that copy between another cloud's object store and S3.

Regional. ``list_locations`` gives each location's URI (``TYPE://GLOBAL_ID/SUBDIR``),
which says its type; ``describe_task`` gives a task's source and destination locations;
the locations a task uses are then read with the describe call of their type.

A task between a foreign-cloud store and S3 (either direction) becomes a
``replicates_to`` edge (provenance api) from the source store to the destination store,
with attrs ``mechanism`` (aws_datasync), ``transport``, ``task`` (its ARN) and
``schedule`` (the expression of an enabled schedule; None: runs on demand only).
Several tasks between the same two stores give one edge (a snapshot keeps one edge per
source, kind and destination): the task with the weakest transport, the others listed
in ``other_tasks``.

The describe responses carry no bucket, host or container fields: those are parts of the
location URI (``object-storage://<host>/<bucket>/<subdir>``, ``s3://<bucket>/<prefix>``,
``azure-blob://<account>.blob.core.windows.net/<container>/<subdir>``).

Foreign stores are named by reference uids that a cross-collector step resolves to real
uids: ``oci-bucket-ref:<region>/<namespace>/<bucket>`` (an OCI bucket is known by OCID,
which DataSync does not know) and ``azure-blob-ref:<account>/<container>``.
Object-storage locations on other hosts (on-premises, other S3-compatible stores) are
not stores this project collects and give no edge. Tasks stay in edge attrs: no
resource kind fits them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.collectors.aws.context import AwsUnit, jsonable, paginate
from scanner.collectors.base import Collected, Recorder
from scanner.collectors.refs import azure_blob_ref, oci_bucket_ref
from scanner.model import Edge, Provenance

SERVICE = "datasync"
TASK_TYPE = "aws.datasync.task"
LOCATION_TYPE = "aws.datasync.location"
MECHANISM = "aws_datasync"
PERMISSIONS: dict[str, str] = {
    "datasync:ListTasks": "datasync:ListTasks",
    "datasync:DescribeTask": "datasync:DescribeTask",
    "datasync:ListLocations": "datasync:ListLocations",
    "datasync:DescribeLocationObjectStorage": "datasync:DescribeLocationObjectStorage",
    "datasync:DescribeLocationS3": "datasync:DescribeLocationS3",
    "datasync:DescribeLocationAzureBlob": "datasync:DescribeLocationAzureBlob",
}

DESCRIBE_BY_SCHEME: Mapping[str, str] = {
    "object-storage": "describe_location_object_storage",
    "s3": "describe_location_s3",
    "azure-blob": "describe_location_azure_blob",
}
"""Location URI scheme → the describe operation for that location type."""
END_KEYS = ("SourceLocationArn", "DestinationLocationArn")

_URI = re.compile(r"^(?P<scheme>[a-z0-9-]+)://(?P<host>[^/]+)(?:/(?P<path>.*))?$")
_OCI_HOST = re.compile(
    r"^(?P<namespace>[a-z0-9-]+)\.compat\.objectstorage\.(?P<region>[a-z0-9-]+)"
    r"\.(?:oracle(?:gov)?cloud[0-9]*\.(?:com|uk)|oci\.customer-oci\.com)$"
)
_AZURE_HOST = re.compile(r"^(?P<account>[a-z0-9]+)\.blob\.core\.windows\.net$")


@dataclass(frozen=True)
class Store:
    """One end of a task: the store's uid and whether it sits in another cloud."""

    uid: str
    foreign: bool
    transport: str | None = None
    """How DataSync reaches a foreign store; None when not known."""


def fetch_locations(client: Any, rec: Recorder) -> dict[str, str] | None:
    """Location ARN → URI; None when the listing failed."""
    listed = paginate(rec, client, "list_locations", "Locations", resource_type=LOCATION_TYPE)
    if listed is None:
        return None
    return {str(loc["LocationArn"]): str(loc.get("LocationUri") or "") for loc in listed}


def fetch_tasks(client: Any, rec: Recorder) -> list[dict[str, Any]]:
    listed = paginate(rec, client, "list_tasks", "Tasks", resource_type=TASK_TYPE)
    tasks: list[dict[str, Any]] = []
    for summary in listed or []:
        arn = summary["TaskArn"]
        detail = rec.call(
            "describe_task",
            client.describe_task,
            TaskArn=arn,
            resource_type=TASK_TYPE,
            resource_uid=arn,
        )
        if detail is not None:
            tasks.append(detail)
    return tasks


def scheme(uri: str) -> str:
    match = _URI.match(uri)
    return match["scheme"] if match else ""


def describe_location(client: Any, rec: Recorder, arn: str, uri: str) -> dict[str, Any] | None:
    """The describe payload of a location of a type that can be a store; None otherwise."""
    operation = DESCRIBE_BY_SCHEME.get(scheme(uri))
    if operation is None:
        return None
    return rec.call(
        operation,
        getattr(client, operation),
        LocationArn=arn,
        resource_type=LOCATION_TYPE,
        resource_uid=arn,
    )


def _segments(path: str | None) -> list[str]:
    return [part for part in (path or "").split("/") if part]


def _foreign_store(host: str, container: str, transport: str | None) -> Store | None:
    host = host.lower().split(":")[0]
    oci = _OCI_HOST.match(host)
    if oci:
        return Store(oci_bucket_ref(oci["region"], oci["namespace"], container), True, transport)
    azure = _AZURE_HOST.match(host)
    if azure:
        return Store(azure_blob_ref(azure["account"], container), True, transport)
    return None


def object_storage_transport(detail: Mapping[str, Any] | None) -> str | None:
    if detail is None or not detail.get("ServerProtocol"):
        return None
    return "tls1.2" if detail["ServerProtocol"] == "HTTPS" else "plaintext"


def to_store(uri: str, detail: Mapping[str, Any] | None) -> Store | None:
    """The store a location points at; None for locations that are not stores we know.

    ``detail`` (the describe payload) is None when it could not be read: the store is
    still named from the listed URI, with the transport unknown.
    """
    match = _URI.match(str((detail or {}).get("LocationUri") or uri))
    if match is None:
        return None
    parts = _segments(match["path"])
    kind = match["scheme"]
    if kind == "s3":
        return Store(f"arn:aws:s3:::{match['host']}", False)
    if not parts:
        return None
    if kind == "object-storage":
        return _foreign_store(match["host"], parts[0], object_storage_transport(detail))
    if kind == "azure-blob":
        return _foreign_store(match["host"], parts[0], "tls1.2")
    return None


def schedule_of(task: Mapping[str, Any]) -> str | None:
    schedule = task.get("Schedule") or {}
    if not schedule.get("ScheduleExpression") or schedule.get("Status") == "DISABLED":
        return None
    return str(schedule["ScheduleExpression"])


def to_edge(task: Mapping[str, Any], src: Store, dst: Store) -> Edge | None:
    """The replicates_to edge of a task between a foreign store and S3; else None."""
    if src.foreign == dst.foreign:
        return None
    foreign = src if src.foreign else dst
    attrs: dict[str, Any] = {"mechanism": MECHANISM}
    if foreign.transport is not None:
        attrs["transport"] = foreign.transport
    attrs["task"] = str(task["TaskArn"])
    attrs["schedule"] = schedule_of(task)
    return Edge(
        src=src.uid,
        dst=dst.uid,
        kind="replicates_to",
        provenance=Provenance.API,
        attrs=jsonable(attrs),
    )


_TRANSPORT_RISK: Mapping[object, int] = {"plaintext": 0, None: 1, "tls1.2": 2}
"""Several tasks between the same stores give one edge: the weakest transport's."""


def _risk(edge: Edge) -> tuple[int, str]:
    return _TRANSPORT_RISK.get(edge.attrs.get("transport"), 1), str(edge.attrs["task"])


def to_edges(
    tasks: list[dict[str, Any]],
    uris: Mapping[str, str],
    details: Mapping[str, dict[str, Any] | None],
) -> list[Edge]:
    """One edge per (source, destination): the weakest task's, naming the others."""
    by_pair: dict[tuple[str, str], list[Edge]] = {}
    for task in tasks:
        src, dst = (
            to_store(uris.get(str(task.get(k)), ""), details.get(str(task.get(k))))
            for k in END_KEYS
        )
        edge = None if src is None or dst is None else to_edge(task, src, dst)
        if edge is not None:
            by_pair.setdefault((edge.src, edge.dst), []).append(edge)
    edges: list[Edge] = []
    for pair in sorted(by_pair):
        first, *others = sorted(by_pair[pair], key=_risk)
        if others:
            also = sorted(str(e.attrs["task"]) for e in others)
            first = first.model_copy(update={"attrs": {**first.attrs, "other_tasks": also}})
        edges.append(first)
    return edges


def fetch_details(
    client: Any, rec: Recorder, tasks: list[dict[str, Any]], uris: Mapping[str, str]
) -> dict[str, dict[str, Any] | None]:
    """The describe payload of every location a task uses (None: unread or not a store)."""
    used = {str(task.get(key)) for task in tasks for key in END_KEYS}
    return {arn: describe_location(client, rec, arn, uris[arn]) for arn in sorted(used & set(uris))}


def collect(unit: AwsUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    client = unit.client(SERVICE)
    tasks = fetch_tasks(client, rec)
    uris = (fetch_locations(client, rec) or {}) if tasks else {}
    details = fetch_details(client, rec, tasks, uris)
    return Collected(edges=to_edges(tasks, uris, details), gaps=rec.gaps, operations=rec.operations)
