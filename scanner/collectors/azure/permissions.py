"""The custom role the Azure collector needs, generated from what each module calls."""

from __future__ import annotations

import json
from collections.abc import Iterable

DATA_ACTION = "data:"
"""Prefix of a declared permission that is a data action (``DataActions``)."""
GRAPH_NOTE = (
    "Microsoft Graph (Entra ID domains, federation, conditional access) is not collected "
    "by this version: no Graph permission is needed.\n"
    "Managed HSM keys' rotation policies are read through the HSM's own local RBAC, which "
    "the role above cannot grant: assign a local read role (Managed HSM Crypto Auditor) at "
    "/keys, or those reads become collection gaps."
)


def role_definition(permissions: Iterable[str]) -> str:
    """A custom role definition (Azure's JSON) granting exactly ``permissions``."""
    declared = set(permissions)
    actions = sorted(p for p in declared if not p.startswith(DATA_ACTION))
    data_actions = sorted(
        p.removeprefix(DATA_ACTION) for p in declared if p.startswith(DATA_ACTION)
    )
    document = {
        "Name": "auditgraph reader",
        "IsCustom": True,
        "Description": "Read-only access auditgraph's Azure collector needs.",
        "Actions": actions,
        "NotActions": [],
        "DataActions": data_actions,
        "NotDataActions": [],
        "AssignableScopes": ["/subscriptions/<subscription-id>"],
    }
    return json.dumps(document, indent=2)
