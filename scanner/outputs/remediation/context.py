"""What a playbook template sees: the finding, its resource and the run's params.

Everything is read from a run folder (``scan``/``evaluate --out``): ``findings.json``,
the snapshot it evaluated (``snapshot/``, hashes verified) and the estate config copied
to ``inputs/``. Identifiers the commands need (an Azure resource group, an OCI bucket's
namespace, the id at the end of an ARN) are derived per cloud by small explicit functions;
a value the snapshot does not hold is simply absent, so a template that needs it fails
with a named variable (``StrictUndefined``) instead of rendering an empty argument.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scanner.config import EstateConfig, load_config
from scanner.model import Finding, FindingsDocument, Resource
from scanner.outputs.run_record import RunFolderError, read_record
from scanner.snapshot.io import read_snapshot

FINDINGS_FILE = "findings.json"
_AZURE_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)"
    r"(?:/resourceGroups/(?P<resource_group>[^/]+))?"
    r"(?:/providers/(?P<provider>.+))?\Z",
    re.IGNORECASE | re.DOTALL,
)
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class RunInputs:
    """A run folder, read and verified."""

    folder: Path
    document: FindingsDocument
    resources: dict[str, dict[str, Any]]
    """uid → the resource as JSON (uid, cloud, account, region, type, kind, name, tags,
    props, raw)."""
    params: dict[str, Any]


def read_run(folder: Path) -> RunInputs:
    """Read ``findings.json``, the snapshot and the params of a run folder."""
    record = read_record(folder)
    path = folder / FINDINGS_FILE
    try:
        document = FindingsDocument.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise RunFolderError(f"{path}: missing; the run folder has no findings") from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise RunFolderError(f"{path}: not a findings document: {where}: {error['msg']}") from exc
    snapshot = read_snapshot(folder / record.snapshot)
    config = load_config(folder / record.config) if record.config else EstateConfig()
    resources = {r.uid: _resource_json(r) for r in snapshot.resources}
    return RunInputs(folder, document, resources, config.params.as_cel_input())


def _resource_json(resource: Resource) -> dict[str, Any]:
    data: dict[str, Any] = resource.model_dump(mode="json")
    return data


def _aws_ids(resource: dict[str, Any]) -> dict[str, str]:
    uid = str(resource["uid"])
    parts = uid.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return {}
    tail = parts[5]
    return {"service": parts[2], "arn": uid, "id": re.split(r"[/:]", tail)[-1]}


def _oci_ids(resource: dict[str, Any]) -> dict[str, str]:
    raw = resource.get("raw") or {}
    ids = {"ocid": str(resource["uid"])}
    for key in ("compartment_id", "namespace", "vcn_id", "vault_id"):
        if isinstance(raw.get(key), str):
            ids[key] = raw[key]
    return ids


def _azure_ids(resource: dict[str, Any]) -> dict[str, str]:
    match = _AZURE_ID.match(str(resource["uid"]))
    if not match:
        return {}
    ids = {k: v for k, v in match.groupdict().items() if v}
    ids["subscription_scope"] = f"/subscriptions/{ids['subscription']}"
    provider = ids.pop("provider", None)
    if provider:
        segments = provider.split("/")
        ids["name"] = segments[-1]
        if len(segments) >= 3:
            ids["parent_name"] = segments[2]
    return ids


IDENTIFIERS: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {
    "aws": _aws_ids,
    "oci": _oci_ids,
    "azure": _azure_ids,
}
"""Cloud → the identifiers derived from a resource's uid and raw payload."""


def tf_label(finding: Finding) -> str:
    """A Terraform block label that is stable per finding and needs no quoting."""
    return _SLUG.sub("_", finding.finding_id.lower()).strip("_")


def finding_context(
    run: RunInputs, finding: Finding, control: dict[str, Any], run_arg: str
) -> dict[str, Any]:
    """The variables every playbook template of this finding is rendered with."""
    resource = run.resources.get(finding.resource_uid)
    context: dict[str, Any] = {
        "finding": finding.model_dump(mode="json"),
        "control": control,
        "params": run.params,
        "snapshot": run.resources,
        "related": [run.resources[u] for u in finding.evidence.related if u in run.resources],
        "tf_name": tf_label(finding),
        "verify": f"auditgraph scan --cloud {finding.cloud} --control {finding.control_id}",
        "run_folder": run_arg,
    }
    if resource is not None:
        context["resource"] = resource
        context["ids"] = IDENTIFIERS[resource["cloud"]](resource)
    return context
