"""The subscription's activity-log export (diagnostic settings at subscription scope)
→ ``log.trail`` (type ``azure.monitor.activity_log_export``, uid the setting's id).

azure-mgmt-monitor 7 has no diagnostic-settings operations, so the documented REST
operation (``GET /subscriptions/{id}/providers/Microsoft.Insights/diagnosticSettings``,
api-version 2021-05-01-preview) is sent through the same ARM pipeline.

- ``multi_region``: the activity log is subscription-wide, every region included.
- ``is_logging``: the Administrative category (or the ``allLogs`` group) is exported.
- ``retention_days``: the destination Log Analytics workspace's ``retentionInDays``
  (unknown for a storage or event hub destination); ``sink_uid``: the destination.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.collectors.azure.context import AzureUnit, rest_get, rest_list
from scanner.collectors.base import Collected
from scanner.model import Cloud, Resource

SERVICE = "monitor"
TRAIL_TYPE = "azure.monitor.activity_log_export"
DIAGNOSTICS_API = "2021-05-01-preview"
WORKSPACE_API = "2023-09-01"
PERMISSIONS: dict[str, str] = {
    "monitor.list_subscription_diagnostic_settings": "Microsoft.Insights/diagnosticSettings/read",
    "monitor.get_workspace": "Microsoft.OperationalInsights/workspaces/read",
}


def sink(setting: Mapping[str, Any]) -> str | None:
    props = setting.get("properties") or {}
    for key in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"):
        if props.get(key):
            return str(props[key])
    return None


def fetch_settings(unit: AzureUnit, rec: Any) -> list[dict[str, Any]]:
    arm = unit.clients.arm()
    path = f"{unit.scope_id}/providers/Microsoft.Insights/diagnosticSettings"
    settings = rec.call(
        "list_subscription_diagnostic_settings",
        rest_list(arm, path, DIAGNOSTICS_API),
        resource_type=TRAIL_TYPE,
        kind="log.trail",
    )
    for setting in settings or []:
        workspace = (setting.get("properties") or {}).get("workspaceId")
        if workspace:
            setting["_workspace"] = rec.call(
                "get_workspace",
                rest_get(arm, str(workspace), WORKSPACE_API),
                resource_type=TRAIL_TYPE,
                kind="log.trail",
                resource_uid=str(setting["id"]),
                fields=["retention_days"],
            )
    return settings or []


def trail_props(setting: Mapping[str, Any]) -> dict[str, Any]:
    logs = (setting.get("properties") or {}).get("logs") or []
    enabled = {
        str(log.get("category") or log.get("categoryGroup")) for log in logs if log.get("enabled")
    }
    workspace = setting.get("_workspace") or {}
    return {
        "multi_region": True,
        "is_logging": bool(enabled & {"Administrative", "allLogs"}),
        "retention_days": (workspace.get("properties") or {}).get("retentionInDays"),
        "sink_uid": sink(setting),
    }


def to_resource(setting: Mapping[str, Any], subscription: str, home: str) -> Resource:
    raw = {k: v for k, v in setting.items() if not k.startswith("_")}
    return Resource(
        uid=str(setting["id"]),
        cloud=Cloud.AZURE,
        account=subscription,
        region=home,
        type=TRAIL_TYPE,
        kind="log.trail",
        name=str(setting["name"]),
        props=trail_props(setting),
        raw=raw,
    )


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    settings = fetch_settings(unit, rec)
    home = unit.subscription.home
    return Collected(
        resources=[to_resource(s, unit.account, home) for s in settings],
        gaps=rec.gaps,
        operations=rec.operations,
    )
