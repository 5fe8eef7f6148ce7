"""OCI IAM policy statements → :class:`PolicyStatement` (pure; never raises).

The forms understood (keywords are case-insensitive, names keep their case)::

    Allow <subject> to <verb> <resource-type> in <location> [where <conditions>]
    Allow <subject> to {PERMISSION, ...} in <location> [where <conditions>]
    Deny <subject> to <verb> <resource-type> in <location> [where <conditions>]
    Define tenancy <alias> as <tenancy-ocid>          (also group / dynamic-group)
    Endorse <subject> to <verb> <resource-type> in tenancy <alias> | any-tenancy [where ...]
    Admit <subject> of tenancy <alias> | any-tenancy to <verb> <resource-type> in <location>

Subjects: ``group Name``, ``group 'Domain'/'Name'`` (identity-domain qualified, quoted or
not), ``group id <ocid>``, ``dynamic-group ...`` (same forms), ``any-user``, ``any-group``,
``service <name>``; several separated by commas (``group A, group B``). Locations:
``tenancy``, ``compartment Name[:Child...]``, ``compartment id <ocid>``. A statement that
does not fit is kept with the action its first word names (``allow`` when the first word
is not an action) and every other field None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from scanner.model.props import PolicyStatement

Action = Literal["allow", "define", "endorse", "admit", "deny"]
ACTIONS: tuple[Action, ...] = ("allow", "define", "endorse", "admit", "deny")
GRANTING: frozenset[str] = frozenset({"allow", "admit", "endorse"})
"""Actions that give a subject permissions (deny takes them away, define names things)."""
DEFAULT_DOMAIN = "default"
ANY_TENANCY = "any-tenancy"
SUBJECT_KEYWORDS = frozenset(
    {"group", "dynamic-group", "any-user", "any-group", "service", "user", "resource"}
)


@dataclass(frozen=True)
class Token:
    """A word of a statement; quoted text and ``{...}`` lists are one token each."""

    text: str

    @property
    def word(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Token]:
    """Split on whitespace outside quotes and braces (an unclosed quote runs to the end)."""
    tokens: list[Token] = []
    current: list[str] = []
    quote: str | None = None
    depth = 0
    for char in text:
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char.isspace() and depth == 0:
            if current:
                tokens.append(Token("".join(current)))
                current = []
            continue
        current.append(char)
    if current:
        tokens.append(Token("".join(current)))
    return tokens


def _find(tokens: list[Token], word: str, start: int, stop: int | None = None) -> int | None:
    end = len(tokens) if stop is None else stop
    for index in range(start, end):
        if tokens[index].word == word:
            return index
    return None


def _join(tokens: Iterable[Token]) -> str | None:
    text = " ".join(token.text for token in tokens)
    return text or None


def _unparsed(text: str, first_word: str) -> PolicyStatement:
    action: Action = "allow"
    for candidate in ACTIONS:
        if candidate == first_word:
            action = candidate
    return PolicyStatement(action=action, text=text)


def _location(tokens: list[Token]) -> str | None:
    """``TENANCY`` → ``tenancy``; ``Compartment ID x`` → ``compartment id x``."""
    if not tokens:
        return None
    words = [tokens[0].word, *(t.text for t in tokens[1:])]
    if words[0] == "compartment" and len(words) > 1 and words[1].lower() == "id":
        words[1] = "id"
    return " ".join(words)


def _subject_text(tokens: list[Token]) -> str | None:
    """The subject clause with its keywords lower-cased and names kept as written."""
    subjects = parse_subjects(_join(tokens))
    if not subjects:
        return _join(tokens)
    return ", ".join(subject.text for subject in subjects)


@dataclass(frozen=True)
class _Grant:
    verb: str | None
    resource: str | None
    location: str | None
    conditions: str | None


def _grant(tokens: list[Token], text: str) -> _Grant:
    """``<verb> <resource> in <location> [where <conditions>]`` (tokens after ``to``)."""
    if not tokens:
        return _Grant(None, None, None, None)
    first = tokens[0]
    is_permission_list = first.text.startswith("{")
    verb = _permissions(first.text) if is_permission_list else first.word
    index = 1
    resource: str | None = None
    if not is_permission_list and index < len(tokens) and tokens[index].word not in ("in", "where"):
        resource = tokens[index].word
        index += 1
    where = _find(tokens, "where", index)
    in_at = _find(tokens, "in", index, where)
    location = _location(tokens[in_at + 1 : where]) if in_at is not None else None
    conditions = None
    if where is not None:
        conditions = _after_word(text, tokens, where)
    return _Grant(verb, resource, location, conditions)


def _permissions(text: str) -> str:
    """``{ A,b }`` → ``{A, B}``: the permission list of a fine-grained grant."""
    names = [name.strip().upper() for name in text.strip("{}").split(",")]
    return "{" + ", ".join(name for name in names if name) + "}"


def _after_word(text: str, tokens: list[Token], index: int) -> str | None:
    """The statement text after the ``index``-th token, verbatim (e.g. a where clause)."""
    rest = tokens[index + 1 :]
    if not rest:
        return None
    # Locate the remaining tokens in the original text to keep the clause verbatim.
    position = 0
    for token in tokens[: index + 1]:
        position = text.find(token.text, position) + len(token.text)
    clause = text[position:].strip()
    return clause or _join(rest)


def _tenancy_of(location: str | None) -> str | None:
    """``tenancy Alias`` → Alias; ``any-tenancy`` → any-tenancy; else None."""
    if location is None:
        return None
    words = location.split(maxsplit=1)
    if words[0].lower() == ANY_TENANCY:
        return ANY_TENANCY
    if words[0].lower() == "tenancy" and len(words) == 2:
        return _unquote(words[1])
    return None


def _parse_define(text: str, tokens: list[Token]) -> PolicyStatement:
    as_at = _find(tokens, "as", 2)
    if as_at is None or as_at + 1 >= len(tokens) or as_at < 3:
        return _unparsed(text, "define")
    kind = tokens[1].word
    alias = _join(tokens[2:as_at])
    value = _unquote(tokens[as_at + 1].text)
    return PolicyStatement(
        action="define",
        subject=f"{kind} {alias}",
        tenancy=value if kind == "tenancy" else None,
        text=text,
    )


def _parse_grant(text: str, tokens: list[Token], action: Action) -> PolicyStatement:
    to_at = _find(tokens, "to", 1)
    if to_at is None or to_at < 2:
        return _unparsed(text, action)
    subject_end = to_at
    tenancy: str | None = None
    if action == "admit":
        of_at = _find(tokens, "of", 1, to_at)
        if of_at is None:
            return _unparsed(text, action)
        subject_end = of_at
        tenancy = _tenancy_of(_join(tokens[of_at + 1 : to_at]))
    grant = _grant(tokens[to_at + 1 :], text)
    if grant.verb is None:
        return _unparsed(text, action)
    if action == "endorse":
        tenancy = _tenancy_of(grant.location)
    return PolicyStatement(
        action=action,
        subject=_subject_text(tokens[1:subject_end]),
        verb=grant.verb,
        resource=grant.resource,
        location=grant.location,
        conditions=grant.conditions,
        tenancy=tenancy,
        text=text,
    )


def parse_statement(text: str) -> PolicyStatement:
    """One statement, as written, into its parts; never raises."""
    statement = text.strip()
    tokens = tokenize(statement)
    if not tokens:
        return PolicyStatement(action="allow", text=statement)
    first = tokens[0].word
    if first == "define":
        return _parse_define(statement, tokens)
    for action in ("allow", "deny", "endorse", "admit"):
        if first == action:
            return _parse_grant(statement, tokens, action)
    return _unparsed(statement, first)


def parse_policy(statements: Iterable[str]) -> list[PolicyStatement]:
    return [parse_statement(statement) for statement in statements]


# ────────────────────────────── subjects ──────────────────────────────


@dataclass(frozen=True)
class Subject:
    """One principal a statement names."""

    kind: str
    """group, dynamic-group, any-user, any-group, service, or the keyword as written."""
    name: str | None = None
    domain: str | None = None
    """Identity domain of a qualified name (``'Domain'/'Name'``)."""
    ocid: str | None = None
    """For ``group id <ocid>`` / ``dynamic-group id <ocid>``."""
    text: str = ""
    """The subject with its keyword lower-cased and the name as written."""

    @property
    def in_default_domain(self) -> bool:
        return self.domain is None or self.domain.lower() == DEFAULT_DOMAIN

    def label(self) -> str:
        """How ``attached_to`` names it: ``Administrators``, ``dynamic-group fn``, ..."""
        if self.kind in ("any-user", "any-group") or (self.name is None and self.ocid is None):
            return self.kind
        if self.ocid is not None:
            base = self.ocid
        else:
            base = str(self.name) if self.in_default_domain else f"{self.domain}/{self.name}"
        return base if self.kind == "group" else f"{self.kind} {base}"


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in text:
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _qualified(name_text: str) -> tuple[str | None, str]:
    """``'Domain'/'Name'`` → (Domain, Name); ``Name`` → (None, Name)."""
    parts = _split_outside_quotes(name_text, "/")
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return _unquote(parts[0]), _unquote(parts[1])
    return None, _unquote(name_text)


def _subject(part: str, inherited: str | None) -> Subject | None:
    tokens = tokenize(part)
    if not tokens:
        return None
    if tokens[0].word in SUBJECT_KEYWORDS:
        kind, rest = tokens[0].word, tokens[1:]
    elif inherited is not None:
        kind, rest = inherited, tokens  # "group A, B": B is a group too
    else:
        kind, rest = tokens[0].word, tokens[1:]
    if kind in ("any-user", "any-group") or not rest:
        return Subject(kind=kind, text=kind)
    if rest[0].word == "id" and len(rest) > 1:
        ocid = _unquote(rest[1].text)
        return Subject(kind=kind, ocid=ocid, text=f"{kind} id {ocid}")
    name_text = " ".join(token.text for token in rest)
    domain, name = _qualified(name_text)
    return Subject(kind=kind, name=name, domain=domain, text=f"{kind} {name_text}")


def parse_subjects(subject: str | None) -> list[Subject]:
    """The principals of a subject clause (``group A, dynamic-group 'D'/'B'``)."""
    if not subject:
        return []
    subjects: list[Subject] = []
    inherited: str | None = None
    for part in _split_outside_quotes(subject, ","):
        parsed = _subject(part, inherited)
        if parsed is not None:
            subjects.append(parsed)
            if parsed.kind in ("group", "dynamic-group", "service"):
                inherited = parsed.kind
    return subjects


# ────────────────────────────── policies ──────────────────────────────


def is_full_admin(statement: PolicyStatement) -> bool:
    """Manage all-resources in (this) tenancy: allowed, or admitted from another tenancy.

    Conditions are ignored: a conditional grant of everything is still reported.
    """
    return (
        statement.action in ("allow", "admit")
        and statement.verb == "manage"
        and statement.resource == "all-resources"
        and (statement.location or "").lower() == "tenancy"
    )


def tenancy_aliases(statements: Iterable[PolicyStatement]) -> dict[str, str]:
    """``Define tenancy Alias as ocid`` → {Alias: ocid} (define lives in the same policy)."""
    aliases: dict[str, str] = {}
    for statement in statements:
        if statement.action == "define" and statement.subject and statement.tenancy:
            kind, _, alias = statement.subject.partition(" ")
            if kind == "tenancy":
                aliases[_unquote(alias)] = statement.tenancy
    return aliases


def _labels(statement: PolicyStatement, group_names: Mapping[str, str]) -> list[str]:
    labels = []
    for subject in parse_subjects(statement.subject):
        label = subject.label()
        if subject.ocid is not None and subject.ocid in group_names:
            name = group_names[subject.ocid]
            label = name if subject.kind == "group" else f"{subject.kind} {name}"
        if statement.action == "admit":
            origin = statement.tenancy or "?"
            label += " of any-tenancy" if origin == ANY_TENANCY else f" of tenancy {origin}"
        labels.append(label)
    return labels


@dataclass(frozen=True)
class PolicySummary:
    parsed: list[PolicyStatement]
    grants_full_admin: bool
    attached_to: list[str]
    """Subjects of the full-admin statements, or of every granting statement otherwise."""
    cross_tenancy: list[str]
    """Other tenancies named by define/endorse/admit (aliases resolved to OCIDs)."""


def summarise(
    statements: Iterable[str], group_names: Mapping[str, str] | None = None
) -> PolicySummary:
    """What a policy grants; ``group_names`` (OCID → name) resolves ``group id`` subjects."""
    parsed = parse_policy(statements)
    names = group_names or {}
    admin = [s for s in parsed if is_full_admin(s)]
    granting = admin or [s for s in parsed if s.action in GRANTING]
    attached: list[str] = []
    for statement in granting:
        for label in _labels(statement, names):
            if label not in attached:
                attached.append(label)
    aliases = tenancy_aliases(parsed)
    others = {
        aliases.get(s.tenancy, s.tenancy)
        for s in parsed
        if s.action in ("define", "endorse", "admit") and s.tenancy is not None
    }
    return PolicySummary(
        parsed=parsed,
        grants_full_admin=bool(admin),
        attached_to=attached,
        cross_tenancy=sorted(others),
    )
