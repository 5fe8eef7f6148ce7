"""Run a control's documented examples: each is a tiny estate with an expected status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.config import EstateConfig, Params
from scanner.engine.catalog import CompiledControl
from scanner.engine.evaluate import EvaluationContext, Evaluator
from scanner.graph import build_graph
from scanner.model import CollectionGap, Edge, Example, Manifest, Resource, Snapshot

EXAMPLE_NOW = "2026-11-01T00:00:00Z"
"""The collection time examples are evaluated at."""


@dataclass(frozen=True)
class ExampleResult:
    control_id: str
    example: str
    expected: str
    actual: str
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def _resource(data: Mapping[str, Any], default_uid: str, default_kind: str) -> Resource:
    filled = {
        "uid": default_uid,
        "cloud": "oci",
        "account": "example-account",
        "region": "eu-frankfurt-1",
        "kind": default_kind,
        **data,
    }
    filled.setdefault("type", f"example.{filled['kind']}")
    filled.setdefault("name", filled["uid"])
    return Resource.model_validate(filled)


def example_snapshot(control: CompiledControl, example: Example) -> tuple[Snapshot, str]:
    """The example as a snapshot, and the uid of the resource under evaluation."""
    applies = control.control.applies_to
    kind = applies.kinds[0] if applies.kinds else "account"
    subject = _resource(example.resource, "example:subject", kind)
    related = [
        _resource(item, f"example:related-{index}", kind)
        for index, item in enumerate(example.related)
    ]
    edges = [Edge.model_validate({"provenance": "api", **edge}) for edge in example.edges]
    gaps = [CollectionGap.model_validate(gap) for gap in example.gaps]
    manifest = Manifest(scanner_version="example", started_at=EXAMPLE_NOW, finished_at=EXAMPLE_NOW)
    snapshot = Snapshot(manifest=manifest, resources=[subject, *related], edges=edges, gaps=gaps)
    return snapshot, subject.uid


def run_example(
    control: CompiledControl, example: Example, base: EstateConfig | None = None
) -> ExampleResult:
    snapshot, subject = example_snapshot(control, example)
    params = (base or EstateConfig()).params.model_dump()
    params.update(example.params)
    context = EvaluationContext(
        graph=build_graph(snapshot),
        gaps=snapshot.gaps,
        params=Params.model_validate(params),
        now=EXAMPLE_NOW,
        snapshot_digest="example",
    )
    findings = [
        f for f in Evaluator(context).evaluate_control(control) if f.resource_uid == subject
    ]
    actual = findings[0].status.value if findings else "not_applicable"
    reason = findings[0].reason if findings else None
    return ExampleResult(control.id, example.name, example.expect, actual, reason)


def run_examples(control: CompiledControl) -> list[ExampleResult]:
    return [run_example(control, example) for example in control.control.examples]
