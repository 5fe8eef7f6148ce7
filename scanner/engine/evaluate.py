"""Evaluate a catalog against an estate graph and produce findings.

Per control: select the resources it applies to (by kind/type and cloud, from an index),
evaluate ``when`` (false: not applicable, no finding), then ``expression``:

- ``true``  → pass, unless a collection gap covers the resource or anything the
  evaluation visited: then inconclusive (unknown is never pass);
- ``false`` → fail, with the message and, if the control has one, ``details``;
- a missing field (absent prop, uncollected resource) → inconclusive, with the reason;
- any other failure (type error, non-boolean result) → error.

Scope gaps (a listing that failed) also give one inconclusive finding per control whose
targets they cover, since resources may be missing altogether.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError

from scanner.config import Params
from scanner.engine.catalog import CompiledControl, new_environment
from scanner.engine.celfuncs import CelValues, build_functions, resource_document
from scanner.graph import EstateGraph
from scanner.model import (
    CollectionGap,
    Evidence,
    Finding,
    Resource,
    Status,
    finding_id,
)

ABSENT = "<absent>"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_GENUINE_FAILURE = re.compile(
    r"applied to '\(<class 'celpy\.celtypes|divide by zero|modulus|undeclared reference"
)
"""Error texts that mean the expression itself is wrong, whatever data is missing."""


def _flatten_text(value: Any) -> str:
    if isinstance(value, tuple | list):
        return " ".join(_flatten_text(item) for item in value)
    return str(value)


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str | None = None
    value: Any = None


@dataclass(frozen=True)
class EvaluationContext:
    """Everything that stays fixed while one snapshot is evaluated."""

    graph: EstateGraph
    gaps: Sequence[CollectionGap]
    params: Params
    now: str
    snapshot_digest: str


class Evaluator:
    """Evaluates compiled controls over one graph. Create one per snapshot."""

    def __init__(self, context: EvaluationContext) -> None:
        self.context = context
        self.values = CelValues(context.graph)
        self.functions = build_functions(self.values)
        self.env = new_environment()
        self._params = json_to_cel(context.params.as_cel_input())
        self._now = celtypes.TimestampType(context.now)
        self._by_kind: dict[str, list[Resource]] = defaultdict(list)
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        for resource in context.graph.resources.values():
            self._by_kind[resource.kind].append(resource)
            self._by_type[resource.type].append(resource)
        self._gaps_by_uid: dict[str, list[CollectionGap]] = defaultdict(list)
        self._scope_gaps = [gap for gap in context.gaps if gap.resource_uid is None]
        for gap in context.gaps:
            if gap.resource_uid is not None:
                self._gaps_by_uid[gap.resource_uid].append(gap)

    def targets(self, control: CompiledControl) -> list[Resource]:
        applies = control.control.applies_to
        selected = {r.uid: r for kind in applies.kinds for r in self._by_kind.get(kind, [])}
        selected.update({r.uid: r for t in applies.types for r in self._by_type.get(t, [])})
        clouds = set(applies.clouds)
        return [selected[uid] for uid in sorted(selected) if selected[uid].cloud in clouds]

    def evaluate_control(self, control: CompiledControl) -> Iterator[Finding]:
        programs = {
            name: self.env.program(ast, functions=self.functions)
            for name, ast in control.programs.items()
        }
        for resource in self.targets(control):
            finding = self._evaluate_resource(control, programs, resource)
            if finding is not None:
                yield finding
        yield from self._scope_gap_findings(control)

    def _run(
        self, program: Any, resource: Resource, guarded: frozenset[str] = frozenset()
    ) -> Outcome:
        activation = {
            "resource": self.values.of(resource.uid),
            "params": self._params,
            "now": self._now,
        }
        try:
            value = program.evaluate(activation)
        except CELEvalError as exc:
            return self._classify(exc, guarded)
        except KeyError as exc:  # unknown(): the control itself says the data is missing
            if self.values.misses:
                return Outcome(Status.INCONCLUSIVE, f"unknown: {exc.args[0] if exc.args else exc}")
            return Outcome(Status.ERROR, f"KeyError: {exc}")
        except Exception as exc:  # the CEL runtime failed inside a host function
            return Outcome(Status.ERROR, f"{type(exc).__name__}: {exc}")
        if isinstance(value, CELEvalError):
            return self._classify(value, guarded)
        return Outcome(Status.PASS, value=value)

    def _classify(self, exc: CELEvalError, guarded: frozenset[str]) -> Outcome:
        """Missing data (a key looked up and not found) → inconclusive; else error."""
        text = str(exc.args[0]) if exc.args else str(exc)
        detail = _flatten_text(exc.args).replace("\\", "")
        if not self.values.misses or _GENUINE_FAILURE.search(detail):
            return Outcome(Status.ERROR, text)
        # Fields only tested with has() are looked up too, but are not what is missing.
        what = ", ".join(sorted(self.values.misses - guarded) or sorted(self.values.misses))
        missing = sorted(
            uid for uid in self.values.visited if self.context.graph.resource(uid) is None
        )
        if missing:
            return Outcome(
                Status.INCONCLUSIVE,
                f"missing {what}; referenced but not collected: {', '.join(missing)}",
            )
        return Outcome(Status.INCONCLUSIVE, f"field not collected: {what}")

    def _evaluate_resource(
        self, control: CompiledControl, programs: Mapping[str, Any], resource: Resource
    ) -> Finding | None:
        self.values.reset()
        if "when" in programs:
            applicable = self._run(programs["when"], resource, control.guarded)
            if applicable.status is Status.PASS:
                if not isinstance(applicable.value, celtypes.BoolType):
                    return self._finding(control, resource, Status.ERROR, "`when` is not a bool")
                if not bool(applicable.value):
                    return None
            else:
                return self._finding(
                    control, resource, applicable.status, f"when: {applicable.reason}"
                )
        outcome = self._run(programs["expression"], resource, control.guarded)
        related = sorted(self.values.visited - {resource.uid})
        gaps = self._gaps_for([resource.uid, *related], resource, control.props_read)
        if outcome.status is Status.PASS:
            if not isinstance(outcome.value, celtypes.BoolType):
                return self._finding(
                    control,
                    resource,
                    Status.ERROR,
                    f"expression returned {type(outcome.value).__name__}, not a bool",
                    related,
                    gaps,
                )
            if bool(outcome.value):
                if gaps:
                    gap_reason = "collection gap: " + "; ".join(g.describe() for g in gaps)
                    return self._finding(
                        control, resource, Status.INCONCLUSIVE, gap_reason, related, gaps
                    )
                return self._finding(control, resource, Status.PASS, None, related, gaps)
            details = self._details(programs, resource)
            return self._finding(control, resource, Status.FAIL, None, related, gaps, details)
        reason = outcome.reason
        if gaps and outcome.status is Status.INCONCLUSIVE:
            reason = f"{reason}; collection gap: " + "; ".join(gap.describe() for gap in gaps)
        return self._finding(control, resource, outcome.status, reason, related, gaps)

    def _details(self, programs: Mapping[str, Any], resource: Resource) -> str | None:
        if "details" not in programs:
            return None
        outcome = self._run(programs["details"], resource)
        if outcome.status is not Status.PASS:
            return f"(details unavailable: {outcome.reason})"
        return _render_value(outcome.value)

    def _gaps_for(
        self, uids: Sequence[str], resource: Resource, props_read: frozenset[str]
    ) -> list[CollectionGap]:
        found: dict[tuple[str, ...], CollectionGap] = {}
        graph = self.context.graph
        for uid in uids:
            for gap in self._gaps_by_uid.get(uid, []):
                if gap.affects(props_read):
                    found[gap.sort_key()] = gap
            other = graph.resource(uid) if uid != resource.uid else resource
            if other is None:
                continue
            for gap in self._scope_gaps:
                if gap.covers(other) and gap.affects(props_read):
                    found[gap.sort_key()] = gap
        return [found[key] for key in sorted(found)]

    def _scope_gap_findings(self, control: CompiledControl) -> Iterator[Finding]:
        applies = control.control.applies_to
        for gap in self._scope_gaps:
            # A gap that names fields hides values, not resources: no placeholder finding.
            if gap.cloud not in applies.clouds or gap.fields is not None:
                continue
            if gap.resource_type is None and gap.kind is None:
                matched = True
            else:
                matched = gap.kind in applies.kinds or gap.resource_type in applies.types
                if not matched and gap.resource_type is not None and gap.kind is None:
                    matched = any(
                        r.type == gap.resource_type and r.kind in applies.kinds
                        for r in self._by_type.get(gap.resource_type, [])
                    )
            if not matched:
                continue
            target = gap.resource_type or gap.kind or "*"
            uid = f"gap:{gap.cloud.value}/{gap.account or '*'}/{gap.region or '*'}/{target}"
            placeholder = Resource(
                uid=uid,
                cloud=gap.cloud,
                account=gap.account or "*",
                region=gap.region or "*",
                type=gap.resource_type or "*",
                kind=gap.kind or (applies.kinds[0] if applies.kinds else "account"),
                name=f"{gap.service} ({target}) in {gap.account or 'every account'}",
            )
            yield self._finding(
                control,
                placeholder,
                Status.INCONCLUSIVE,
                "resources may be missing: " + gap.describe(),
                gaps=[gap],
            )

    def _finding(
        self,
        control: CompiledControl,
        resource: Resource,
        status: Status,
        reason: str | None,
        related: Sequence[str] = (),
        gaps: Sequence[CollectionGap] = (),
        details: str | None = None,
    ) -> Finding:
        definition = control.control
        if status is Status.FAIL:
            message = format_message(definition.message, resource, details)
        elif status is Status.PASS:
            message = f"{definition.title}: satisfied"
        else:
            message = f"{definition.title}: {status.value}: {reason}"
        return Finding(
            finding_id=finding_id(definition.id, resource.uid),
            control_id=definition.id,
            control_version=definition.version,
            resource_uid=resource.uid,
            resource_name=resource.name,
            cloud=resource.cloud,
            account=resource.account,
            region=resource.region,
            resource_type=resource.type,
            kind=resource.kind,
            status=status,
            severity=definition.severity,
            title=definition.title,
            message=message,
            reason=reason,
            frameworks={k: list(v) for k, v in sorted(definition.maps_to.items())},
            evidence=Evidence(
                fields=_evidence_fields(control.field_paths, resource),
                related=list(related),
                gaps=[gap.describe() for gap in gaps],
            ),
            snapshot_digest=self.context.snapshot_digest,
        )


def _lookup(document: Any, path: str) -> Any:
    current = document
    for part in path.split("."):
        if isinstance(current, dict) and part in current and current[part] is not None:
            current = current[part]
        else:
            return ABSENT
    return current


def _evidence_fields(paths: Sequence[str], resource: Resource) -> dict[str, Any]:
    document = resource_document(resource)
    return {path: _lookup(document, path) for path in paths}


def _render_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_render_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_render_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_message(template: str, resource: Resource, details: str | None) -> str:
    """Fill {resource.x}, {props.x}, {details} placeholders (validated by the catalog)."""
    document = resource_document(resource)

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "details":
            return details or ""
        root, _, rest = key.partition(".")
        source = document if root == "resource" else document["props"]
        return _render_value(_lookup(source, rest))

    return _PLACEHOLDER.sub(fill, template)
