"""Security group and network ACL rules normalised to ``FirewallRule`` dicts (pure).

- Security groups: each ``IpRanges`` / ``Ipv6Ranges`` / ``PrefixListIds`` /
  ``UserIdGroupPairs`` entry of a permission is one rule whose ``source`` is the CIDR,
  prefix-list id or group id (for egress: the destination). Protocol ``-1`` → all, ``6`` /
  ``tcp`` → tcp, ``17`` → udp, ``1`` → icmp, ``58`` → icmpv6, other numbers as given. Ports
  only mean something for tcp/udp; ``-1`` or absent → every port.
- Network ACLs: every entry (the implicit ``*`` deny included) in evaluation order: egress
  flag, then rule number. ``FirewallRule`` has no priority, so an allow shadowed by an earlier
  deny still reads as an allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
PORTED = frozenset({"tcp", "udp"})


def protocol_name(value: Any) -> str:
    text = str(value).lower()
    return PROTOCOLS.get(text, text)


def port_span(protocol: str, low: Any, high: Any) -> tuple[int | None, int | None]:
    """(None, None) means every port: not tcp/udp, or no range, or -1."""
    if protocol not in PORTED or low is None or int(low) < 0:
        return None, None
    return int(low), int(high if high is not None and int(high) >= 0 else low)


def rule(
    direction: str, action: str, protocol: str, peer: Any, ports: tuple[int | None, int | None]
) -> dict[str, Any]:
    """A ``FirewallRule``; for egress, ``source`` holds the destination (the rule's peer)."""
    port_from, port_to = ports
    return {
        "direction": direction,
        "action": action,
        "protocol": protocol,
        "source": str(peer),
        "port_from": port_from,
        "port_to": port_to,
    }


def permission_rules(permission: Mapping[str, Any], direction: str) -> list[dict[str, Any]]:
    """One IpPermission → one rule per CIDR, prefix list or group it names."""
    protocol = protocol_name(permission.get("IpProtocol"))
    ports = port_span(protocol, permission.get("FromPort"), permission.get("ToPort"))
    peers = [r.get("CidrIp") for r in permission.get("IpRanges") or []]
    peers += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges") or []]
    peers += [p.get("PrefixListId") for p in permission.get("PrefixListIds") or []]
    peers += [
        g.get("GroupId") or g.get("GroupName") for g in permission.get("UserIdGroupPairs") or []
    ]
    return [rule(direction, "allow", protocol, peer, ports) for peer in peers if peer]


def security_group_rules(group: Mapping[str, Any]) -> list[dict[str, Any]]:
    ingress = [r for p in group.get("IpPermissions") or [] for r in permission_rules(p, "ingress")]
    egress = [
        r for p in group.get("IpPermissionsEgress") or [] for r in permission_rules(p, "egress")
    ]
    return ingress + egress


def acl_rule(entry: Mapping[str, Any]) -> dict[str, Any]:
    protocol = protocol_name(entry.get("Protocol"))
    span = entry.get("PortRange") or {}
    return rule(
        "egress" if entry.get("Egress") else "ingress",
        "deny" if str(entry.get("RuleAction")).lower() == "deny" else "allow",
        protocol,
        entry.get("CidrBlock") or entry.get("Ipv6CidrBlock"),
        port_span(protocol, span.get("From"), span.get("To")),
    )


def acl_rules(acl: Mapping[str, Any]) -> list[dict[str, Any]]:
    entries = sorted(
        acl.get("Entries") or [],
        key=lambda e: (bool(e.get("Egress")), int(e.get("RuleNumber") or 0)),
    )
    return [acl_rule(e) for e in entries]
