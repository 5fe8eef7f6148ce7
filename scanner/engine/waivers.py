"""Waivers: accepted risks that mark findings, each with an owner, an approver and an end.

A waiver names one control and a set of resources (exactly one selector: a resource
``uid``, an fnmatch ``glob`` over resource uids, or ``tags`` that must all match). While
it is active it marks that control's ``fail`` and ``inconclusive`` findings on those
resources with its id (``waiver_id``); the finding keeps its status, so nothing is
hidden, and a waived finding never counts for ``--fail-on``. A ``pass`` needs no waiver,
and an ``error`` is a defect of the control that a waiver must not hide.

Waivers are applied at the snapshot's collection end, the same ``now`` the controls use,
so the same snapshot and waivers file always give the same result. The register records
every waiver's state at that time: ``active`` (in force and marking at least one
finding), ``unused`` (in force, nothing to mark: the risk is gone or the selector is
wrong) or ``expired`` (past its end; it marks nothing and lists the findings it would
have covered).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from scanner.model import Finding, FindingsDocument, Resource, Status

REGISTER_FORMAT_VERSION = "1"

WAIVABLE_STATUSES = frozenset({Status.FAIL, Status.INCONCLUSIVE})
"""The finding statuses a waiver marks."""


def _expiry(value: Any) -> date:
    """A date, or a date-time with a time zone; a naive date-time is ambiguous."""
    parsed = _parse_expiry_text(value) if isinstance(value, str) else value
    if isinstance(parsed, datetime):
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise PydanticCustomError(
                "naive_datetime",
                "a date-time needs a time zone, e.g. 2027-03-31T18:00:00Z or "
                "2027-03-31T18:00:00+02:00 (or give a date: 2027-03-31)",
            )
        return parsed
    if isinstance(parsed, date):
        return parsed
    raise PydanticCustomError(
        "expiry_type",
        "expected a date (2027-03-31) or a date-time with a time zone, got {value}",
        {"value": repr(value)},
    )


def _parse_expiry_text(text: str) -> date | str:
    """ISO 8601 text as a date or date-time; unparseable text is returned unchanged."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return text


Expiry = Annotated[
    date, PlainValidator(_expiry), PlainSerializer(lambda value: value.isoformat(), return_type=str)
]
"""``expires``: a date (through the end of that day, UTC) or a time-zone-aware date-time."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class ResourceSelector(_Strict):
    """Which resources a waiver covers: exactly one of ``uid``, ``glob`` or ``tags``."""

    uid: str | None = Field(default=None, min_length=1, description="One resource uid.")
    glob: str | None = Field(
        default=None, min_length=1, description="fnmatch pattern over resource uids."
    )
    tags: dict[str, str] | None = Field(
        default=None, min_length=1, description="Tags the resource must all carry."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ResourceSelector:
        chosen = [name for name in ("uid", "glob", "tags") if getattr(self, name) is not None]
        if len(chosen) != 1:
            found = ", ".join(chosen) or "none"
            raise PydanticCustomError(
                "selector",
                "give exactly one of uid, glob or tags (found: {found})",
                {"found": found},
            )
        return self

    def matches(self, uid: str, tags: Mapping[str, str]) -> bool:
        if self.uid is not None:
            return uid == self.uid
        if self.glob is not None:
            return fnmatch.fnmatchcase(uid, self.glob)
        return all(tags.get(key) == value for key, value in (self.tags or {}).items())

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def describe(self) -> str:
        """``uid: X``, ``glob: X`` or ``tags: k=v, k2=v2``."""
        if self.tags is not None:
            return "tags: " + ", ".join(f"{k}={v}" for k, v in sorted(self.tags.items()))
        return f"uid: {self.uid}" if self.uid is not None else f"glob: {self.glob}"


class Waiver(_Strict):
    """One entry of a waivers file."""

    id: str = Field(min_length=1, description="Unique in the file, e.g. W-2026-014.")
    control_id: str = Field(min_length=1, description="The control waived, e.g. KMS-001.")
    resource: ResourceSelector
    justification: str = Field(min_length=1, description="Why the risk is accepted.")
    owner: str = Field(min_length=1, description="Who owns the fix.")
    approver: str = Field(min_length=1, description="Who accepted the risk.")
    ticket: str = Field(min_length=1, description="Tracking ticket.")
    expires: Expiry

    @property
    def ends_at(self) -> datetime:
        """The first instant the waiver no longer applies (a date: the next UTC midnight)."""
        if isinstance(self.expires, datetime):
            return self.expires.astimezone(UTC)
        return datetime.combine(self.expires + timedelta(days=1), time(), tzinfo=UTC)

    def in_force_at(self, now: datetime) -> bool:
        return now < self.ends_at

    def covers(self, finding: Finding, tags: Mapping[str, str]) -> bool:
        """True for a waivable finding of this control on a selected resource."""
        return (
            finding.control_id == self.control_id
            and finding.status in WAIVABLE_STATUSES
            and self.resource.matches(finding.resource_uid, tags)
        )


class WaiverState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    UNUSED = "unused"


@dataclass(frozen=True)
class RegisterEntry:
    waiver: Waiver
    state: WaiverState
    finding_ids: tuple[str, ...]
    """Findings it marks (active), or would have marked (expired); sorted."""

    def as_json(self) -> dict[str, Any]:
        waiver = self.waiver
        return {
            "id": waiver.id,
            "control_id": waiver.control_id,
            "selector": waiver.resource.as_json(),
            "owner": waiver.owner,
            "approver": waiver.approver,
            "ticket": waiver.ticket,
            "justification": waiver.justification,
            "expires": waiver.expires.isoformat(),
            "state": self.state.value,
            "finding_ids": list(self.finding_ids),
        }


@dataclass(frozen=True)
class WaiverRegister:
    """Every waiver of a file and what it did to one evaluation, sorted by waiver id."""

    evaluated_at: str
    entries: tuple[RegisterEntry, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": REGISTER_FORMAT_VERSION,
            "evaluated_at": self.evaluated_at,
            "waivers": [entry.as_json() for entry in self.entries],
        }

    def in_state(self, state: WaiverState) -> list[RegisterEntry]:
        return [entry for entry in self.entries if entry.state is state]


@dataclass(frozen=True)
class WaivedFindings:
    findings: FindingsDocument
    register: WaiverRegister


def parse_instant(text: str) -> datetime:
    """An RFC 3339 time of record (e.g. a snapshot's ``finished_at``) as aware UTC."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def apply_waivers(
    doc: FindingsDocument, resources: Iterable[Resource], waivers: Sequence[Waiver]
) -> WaivedFindings:
    """Mark the findings active waivers cover, at the scan's collection end.

    A finding covered by several active waivers gets the first by waiver id; each of them
    lists it in the register.
    """
    now = parse_instant(doc.scan.finished)
    tags_by_uid = {resource.uid: resource.tags for resource in resources}
    ordered = sorted(waivers, key=lambda waiver: waiver.id)
    covered: dict[str, list[str]] = {waiver.id: [] for waiver in ordered}
    findings: list[Finding] = []
    for finding in doc.findings:
        tags = tags_by_uid.get(finding.resource_uid, {})
        matching = [waiver for waiver in ordered if waiver.covers(finding, tags)]
        for waiver in matching:
            covered[waiver.id].append(finding.finding_id)
        in_force = next((w.id for w in matching if w.in_force_at(now)), None)
        findings.append(finding.model_copy(update={"waiver_id": in_force}) if in_force else finding)
    entries = tuple(
        RegisterEntry(
            waiver, _state(waiver, now, covered[waiver.id]), tuple(sorted(covered[waiver.id]))
        )
        for waiver in ordered
    )
    register = WaiverRegister(evaluated_at=doc.scan.finished, entries=entries)
    return WaivedFindings(doc.model_copy(update={"findings": findings}), register)


def _state(waiver: Waiver, now: datetime, finding_ids: Sequence[str]) -> WaiverState:
    if not waiver.in_force_at(now):
        return WaiverState.EXPIRED
    return WaiverState.ACTIVE if finding_ids else WaiverState.UNUSED


def is_waived(finding: Finding) -> bool:
    """A finding an active waiver marks (``waived`` is the status older files used)."""
    return finding.waiver_id is not None or finding.status is Status.WAIVED


class ExpiryState(StrEnum):
    """Where a waiver stands against a deadline window (``auditgraph waivers check``)."""

    OK = "ok"
    EXPIRING = "expiring"
    EXPIRED = "expired"


def expiry_state(waiver: Waiver, now: datetime, within: timedelta) -> ExpiryState:
    """Expired at ``now``, ending within ``within`` of it, or fine."""
    if not waiver.in_force_at(now):
        return ExpiryState.EXPIRED
    return ExpiryState.EXPIRING if waiver.ends_at - now <= within else ExpiryState.OK
