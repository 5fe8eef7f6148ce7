"""Role assignments at subscription scope → ``role`` (type
``azure.authorization.role_assignment``) and custom role definitions → ``policy`` (type
``azure.authorization.role_definition``).

- Assignments are listed with ``atScope()``: those on the subscription and inherited from
  above it (resource-group and resource assignments are not collected).
- ``is_admin``: the role is Owner, Contributor or User Access Administrator (built-in ids,
  the same in every cloud), or a custom role whose actions include ``*``.
- ``federated_providers``: [] (an ARM role assignment trusts no identity provider);
  ``external_accounts``: [] for a principal of the tenant, absent for a foreign one
  (``ForeignGroup``: ARM does not name its tenant).
- A custom role: ``grants_full_admin`` when an action is ``*`` and ``*`` is not excluded;
  ``statements`` its actions and data actions (``NOT`` for excluded ones);
  ``attached_to`` the principal ids it is assigned to; ``provider_managed`` False.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.mgmt.authorization import AuthorizationManagementClient

from scanner.collectors.azure.context import AzureUnit, listing
from scanner.collectors.base import Collected
from scanner.model import Cloud, Resource

SERVICE = "authorization"
ASSIGNMENT_TYPE = "azure.authorization.role_assignment"
DEFINITION_TYPE = "azure.authorization.role_definition"
ADMIN_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}
READ_ROLES = {
    "acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
    "39bc4728-0917-49c7-9d2c-d95423bc2eb4": "Security Reader",
    "21090545-7ca7-4776-b22c-e363652d74d2": "Key Vault Reader",
}
"""Built-in roles named in assignments (others by their id)."""
FOREIGN_TYPES = frozenset({"ForeignGroup"})
PERMISSIONS: dict[str, str] = {
    "authorization.list_role_assignments": "Microsoft.Authorization/roleAssignments/read",
    "authorization.list_role_definitions": "Microsoft.Authorization/roleDefinitions/read",
}


def fetch(unit: AzureUnit, rec: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    client = unit.mgmt(AuthorizationManagementClient)
    assignments = rec.call(
        "list_role_assignments",
        listing(client.role_assignments.list_for_subscription),
        filter="atScope()",
        resource_type=ASSIGNMENT_TYPE,
        kind="role",
    )
    definitions = rec.call(
        "list_role_definitions",
        listing(client.role_definitions.list),
        unit.scope_id,
        filter="type eq 'CustomRole'",
        resource_type=DEFINITION_TYPE,
        kind="policy",
    )
    return assignments or [], definitions or []


def role_id(definition_id: Any) -> str:
    return str(definition_id or "").rsplit("/", 1)[-1].lower()


def full_admin(definition: Mapping[str, Any]) -> bool:
    permissions = (definition.get("properties") or {}).get("permissions") or []
    return any(
        "*" in (p.get("actions") or []) and "*" not in (p.get("notActions") or [])
        for p in permissions
    )


def statements(definition: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for permission in (definition.get("properties") or {}).get("permissions") or []:
        out.extend(str(a) for a in permission.get("actions") or [])
        out.extend(f"NOT {a}" for a in permission.get("notActions") or [])
        out.extend(str(a) for a in permission.get("dataActions") or [])
        out.extend(f"NOT {a}" for a in permission.get("notDataActions") or [])
    return out


def assignment_resource(
    assignment: Mapping[str, Any], custom: Mapping[str, Mapping[str, Any]], sub: str, home: str
) -> Resource:
    props = assignment.get("properties") or {}
    role = role_id(props.get("roleDefinitionId"))
    definition = custom.get(role)
    role_name = (
        ADMIN_ROLES.get(role)
        or READ_ROLES.get(role)
        or (str((definition.get("properties") or {}).get("roleName")) if definition else role)
    )
    foreign = props.get("principalType") in FOREIGN_TYPES
    return Resource(
        uid=str(assignment["id"]),
        cloud=Cloud.AZURE,
        account=sub,
        region=home,
        type=ASSIGNMENT_TYPE,
        kind="role",
        name=f"{role_name} / {props.get('principalType')} {props.get('principalId')}",
        props={
            "is_admin": role in ADMIN_ROLES or (definition is not None and full_admin(definition)),
            "federated_providers": [],
            "external_accounts": None if foreign else [],
        },
        raw=dict(assignment),
    )


def definition_resource(
    definition: Mapping[str, Any], assignments: Sequence[Mapping[str, Any]], sub: str, home: str
) -> Resource:
    role = role_id(definition.get("id"))
    holders = sorted(
        str((a.get("properties") or {}).get("principalId"))
        for a in assignments
        if role_id((a.get("properties") or {}).get("roleDefinitionId")) == role
    )
    return Resource(
        uid=str(definition["id"]),
        cloud=Cloud.AZURE,
        account=sub,
        region=home,
        type=DEFINITION_TYPE,
        kind="policy",
        name=str((definition.get("properties") or {}).get("roleName") or definition["name"]),
        props={
            "grants_full_admin": full_admin(definition),
            "statements": statements(definition),
            "attached_to": holders,
            "provider_managed": False,
        },
        raw=dict(definition),
    )


def to_resources(
    assignments: Sequence[Mapping[str, Any]],
    definitions: Sequence[Mapping[str, Any]],
    sub: str,
    home: str,
) -> list[Resource]:
    custom = {role_id(d.get("id")): d for d in definitions}
    return [assignment_resource(a, custom, sub, home) for a in assignments] + [
        definition_resource(d, assignments, sub, home) for d in definitions
    ]


def collect(unit: AzureUnit) -> Collected:
    rec = unit.recorder(SERVICE)
    assignments, definitions = fetch(unit, rec)
    home = unit.subscription.home
    return Collected(
        resources=to_resources(assignments, definitions, unit.account, home),
        gaps=rec.gaps,
        operations=rec.operations,
    )
