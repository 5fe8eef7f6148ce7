"""The OCI IAM policy the collector needs, generated from what each module calls.

Every module declares ``PERMISSIONS`` (SDK operation → "verb resource-type"); a test runs
the collector over the whole test estate and checks that the operations it called are
exactly the operations declared here, so the printed policy is neither short nor wide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

VERB_RANK = {"inspect": 0, "read": 1, "use": 2, "manage": 3}


def declared_permissions(modules: Iterable[tuple[str, Mapping[str, str]]]) -> dict[str, str]:
    """``service.operation`` → "verb resource-type" for every declared operation.

    A module's keys are SDK operation names, qualified with the module's service name
    unless already written as ``service.operation`` (a module using several services).
    """
    return {
        (operation if "." in operation else f"{service}.{operation}"): need
        for service, permissions in modules
        for operation, need in permissions.items()
    }


DOMAIN_ROLE = "domain-role "
"""Prefix of needs met by an identity-domain role, not by an IAM policy statement."""


def policy_statements(needs: Iterable[str], group: str = "Auditors") -> list[str]:
    """Least-privilege statements: the weakest verb that covers each resource type."""
    strongest: dict[str, str] = {}
    for need in needs:
        if need.startswith(DOMAIN_ROLE):
            continue
        verb, _, resource = need.partition(" ")
        current = strongest.get(resource)
        if current is None or VERB_RANK[verb] > VERB_RANK[current]:
            strongest[resource] = verb
    return [
        f"Allow group {group} to {strongest[resource]} {resource} in tenancy"
        for resource in sorted(strongest)
    ]


def domain_roles(needs: Iterable[str]) -> list[str]:
    """Identity-domain roles the collector's user needs in each identity domain."""
    return sorted({need[len(DOMAIN_ROLE) :] for need in needs if need.startswith(DOMAIN_ROLE)})


def permission_report(needs: Iterable[str], group: str = "Auditors") -> list[str]:
    """What ``auditgraph permissions oci`` prints: statements, then domain roles."""
    needs = list(needs)
    lines = policy_statements(needs, group)
    roles = domain_roles(needs)
    if roles:
        lines += [
            "",
            "# Identity domains: grant the members of "
            f"{group} these domain roles in every identity domain:",
            *(f"#   {role}" for role in roles),
        ]
    return lines
