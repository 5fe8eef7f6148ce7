"""Identity-domain sign-on policies: which sign-ins reach access without a second factor.

Pure functions over rules already collected and parsed; no SDK, no I/O.

How an identity domain evaluates sign-on (OCI IAM, "Managing Sign-On Policies"):

* The policy an app's ``appSignonPolicy`` names governs sign-in to that app; an app without
  one (or whose policy is inactive) is governed by the **Default Sign-On Policy**, which
  also governs sign-in to the domain itself.
* Active rules are evaluated in ``sequence`` order and the first rule whose conditions all
  match decides. A sign-in that matches no rule of the app's policy falls back to the
  Default Sign-On Policy (this is how an administrator excluded from the MFA rules of the
  "Security Policy for OCI Console" still signs in); one that matches no rule at all is
  denied ("never set the Default Sign-On Rule to deny ... users who don't meet the criteria
  of any other rules are prevented from accessing").

Reading a rule:

* Conditions (a rule's ``conditionGroup``: one Condition, or a ConditionGroup of
  Conditions joined by ``and`` / ``or``): ``target.action eq "Login"`` (the Default
  Sign-On Condition) matches every sign-in and is *neutral*. Group membership
  (``user.groups[*].value``) or a user (``user.id``, ``user.userName``) with an including
  operator (``eq co coany in sw``) names the *principals* the rule applies to; with
  ``ne`` / ``nin`` the principals it *excludes*. Every other condition (network perimeter,
  authenticating identity provider, risk level, administrator role, client type, a second
  principal condition, an ``or`` group, a nested group) *restricts* the rule to some
  sign-ins: it may or may not match, so it is read as "may match".
* Outcome (``return``): ``effect`` ``ALLOW`` / ``DENY``; ``authenticationFactor`` names the
  factors asked for, and a value containing ``2FA`` means an additional factor is required
  (the reading of Oracle's own domain-migration utility).

The effective result of a chain of policies (the app's, then the Default Sign-On Policy):

* ``exempt``: the users or groups that a rule reached in the walk lets in without an
  additional factor. A principal settled by an earlier rule that names it with no other
  condition (whatever that rule decides) is not exempted by a later rule.
* ``mfa_required``: False when a rule that is not limited to named principals (it applies
  to everyone, possibly under a restricting condition or with exclusions) lets sign-ins in
  without an additional factor; True otherwise: the catch-all rule (no principal and no
  restricting condition) requires a factor or denies, or no catch-all exists (unmatched
  sign-ins are denied).
* Unknown (None, None) when a rule the walk reaches has an effect or a factor that is not
  stated, or conditions that could not be collected.

Group membership is not expanded: once a catch-all with exclusions has decided everyone
but the excluded principals, a later rule that lets a group in without a factor exempts
those excluded principals (they may be members), unless it names them itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

INCLUDE_OPERATORS = frozenset({"eq", "co", "coany", "in", "sw"})
EXCLUDE_OPERATORS = frozenset({"ne", "nin"})
GROUP_ATTRIBUTES = frozenset({"user.groups[*].value", "user.groups.value", "user.groups"})
USER_ID_ATTRIBUTES = frozenset({"user.id"})
USER_NAME_ATTRIBUTES = frozenset({"user.username"})
NEUTRAL_ATTRIBUTES = frozenset({"target.action"})
NEUTRAL_CONDITION = 'target.action eq "Login"'
SECOND_FACTOR_MARK = "2FA"


@dataclass(frozen=True)
class Condition:
    """One identity-domain Condition: ``attributeName operator attributeValue``."""

    attribute: str
    operator: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.attribute} {self.operator} {self.value}"

    def values(self) -> tuple[str, ...]:
        """The attribute value as a list of strings (it is JSON: a string or a list)."""
        parsed: Any = self.value
        for _ in range(2):  # values are sometimes JSON inside a JSON string
            if not isinstance(parsed, str):
                break
            try:
                parsed = json.loads(parsed)
            except ValueError:
                break
        items = parsed if isinstance(parsed, list) else [parsed]
        return tuple(str(item) for item in items)


def condition_from_api(item: Mapping[str, Any]) -> Condition:
    """A Condition payload (SDK snake_case or REST camelCase) → :class:`Condition`."""
    return Condition(
        attribute=str(item.get("attribute_name", item.get("attributeName")) or ""),
        operator=str(item.get("operator") or "").lower(),
        value=str(item.get("attribute_value", item.get("attributeValue")) or ""),
    )


@dataclass(frozen=True)
class Scope:
    """Whom a rule applies to."""

    include: frozenset[str] | None = None
    """Principals the rule names; None: everyone."""
    exclude: frozenset[str] = frozenset()
    restricted: bool = False
    """Another condition limits the rule to some sign-ins."""
    known: bool = True
    """False when the rule's conditions could not be collected."""


UNKNOWN_SCOPE = Scope(restricted=True, known=False)


def _principals(condition: Condition, group_names: Mapping[str, str]) -> tuple[str, ...] | None:
    attribute = condition.attribute.lower()
    if attribute in GROUP_ATTRIBUTES:
        return tuple(group_names.get(v, v) for v in condition.values())
    if attribute in USER_ID_ATTRIBUTES or attribute in USER_NAME_ATTRIBUTES:
        return condition.values()
    return None


def scope_of(
    conditions: Sequence[Condition],
    operator: str = "and",
    group_names: Mapping[str, str] | None = None,
) -> Scope:
    """The scope of a rule whose conditions are ``conditions`` joined by ``operator``.

    Group ids are named through ``group_names`` (an id not found stays an id).
    """
    names = group_names or {}
    meaningful = [c for c in conditions if c.attribute.lower() not in NEUTRAL_ATTRIBUTES]
    if operator.lower() == "or":
        matches_all = len(meaningful) < len(conditions)
        return Scope() if matches_all or not conditions else Scope(restricted=True)
    include: frozenset[str] | None = None
    exclude: set[str] = set()
    restricted = False
    for condition in meaningful:
        principals = _principals(condition, names)
        if principals is not None and condition.operator in EXCLUDE_OPERATORS:
            exclude.update(principals)
        elif principals is not None and condition.operator in INCLUDE_OPERATORS and not include:
            include = frozenset(principals)
        else:
            restricted = True
    return Scope(include=include, exclude=frozenset(exclude), restricted=restricted)


def outcome_of(returns: Iterable[Mapping[str, Any]]) -> tuple[bool | None, bool | None]:
    """A rule's ``return`` values → (access allowed, additional factor required)."""
    values = {str(r.get("name")): str(r.get("value")) for r in returns if r.get("name")}
    effect = values.get("effect", "").upper()
    allow = True if effect == "ALLOW" else False if effect == "DENY" else None
    factor = values.get("authenticationFactor")
    mfa = None if factor is None else SECOND_FACTOR_MARK in factor.upper()
    return allow, mfa


@dataclass(frozen=True)
class Rule:
    """A sign-on rule, read."""

    sequence: int
    name: str
    scope: Scope
    allow: bool | None
    mfa: bool | None
    active: bool = True
    conditions: str | None = None
    """The conditions as text, for evidence."""


@dataclass(frozen=True)
class Outcome:
    mfa_required: bool | None
    exempt: tuple[str, ...] | None


UNKNOWN = Outcome(None, None)


@dataclass
class _Walk:
    settled: set[str] = field(default_factory=set)
    exempt: set[str] = field(default_factory=set)
    remaining: frozenset[str] | None = None
    """After a catch-all with exclusions: the excluded principals still undecided."""
    everyone_skips: bool = False

    def apply(self, rule: Rule) -> bool | None:
        """Walk one rule: True when every sign-in is now decided, None when unknowable."""
        if not rule.scope.known or rule.allow is None or (rule.allow and rule.mfa is None):
            return None
        skips = bool(rule.allow and not rule.mfa)
        if rule.scope.include is not None:
            self._principal_rule(rule.scope, rule.scope.include, skips)
            return False
        return self._everyone_rule(rule.scope, skips)

    def _principal_rule(self, scope: Scope, include: frozenset[str], skips: bool) -> None:
        targets = set(include) - self.settled
        if self.remaining is not None:
            targets = (targets & self.remaining) or (set(self.remaining) if skips else set())
        if skips:
            self.exempt |= targets - scope.exclude - self.settled
        if not scope.restricted and not scope.exclude:
            self.settled |= include

    def _everyone_rule(self, scope: Scope, skips: bool) -> bool:
        if skips and self.remaining is None:
            self.everyone_skips = True
        elif skips and self.remaining is not None:
            self.exempt |= self.remaining - scope.exclude - self.settled
        if scope.restricted:
            return False
        if not scope.exclude:
            return True
        left = scope.exclude if self.remaining is None else self.remaining & scope.exclude
        self.remaining = frozenset(left - self.settled)
        return not self.remaining

    def outcome(self) -> Outcome:
        return Outcome(not self.everyone_skips, tuple(sorted(self.exempt)))


def evaluate(chain: Sequence[Sequence[Rule]]) -> Outcome:
    """The effective sign-on result of policies evaluated one after the other.

    ``chain`` is the app's policy rules followed by the Default Sign-On Policy rules (or
    the Default Sign-On Policy rules alone).
    """
    walk = _Walk()
    for rules in chain:
        for rule in sorted((r for r in rules if r.active), key=lambda r: r.sequence):
            decided = walk.apply(rule)
            if decided is None:
                return UNKNOWN
            if decided:
                return walk.outcome()
    return walk.outcome()
