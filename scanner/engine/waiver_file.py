"""Read a waivers file, locating every problem (file, waiver id or index, line, column).

The file is a mapping with one key, ``waivers``: a list of entries (see
:class:`scanner.engine.waivers.Waiver`)::

    waivers:
      - id: W-2026-014
        control_id: KMS-001
        resource: {uid: "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"}
        justification: Rotation breaks the legacy analytics import; replaced in Q1.
        owner: data-platform
        approver: ciso
        ticket: SEC-1234
        expires: 2027-03-31

:func:`check_waivers` reports every problem and keeps the entries that are valid on their
own; an entry whose id is duplicated is dropped with all its namesakes, since which of
them is meant cannot be known. :func:`load_waivers` is the strict form a scan uses: any
problem raises :class:`WaiverError` before anything is evaluated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scanner.engine.waivers import Waiver
from scanner.errors import Location, Problem, WaiverError
from scanner.yamlpos import locate, parse_with_nodes, yaml_error_location


@dataclass(frozen=True)
class WaiverCheck:
    """The outcome of reading a waivers file: the valid waivers and every problem."""

    path: Path
    waivers: tuple[Waiver, ...]
    """Valid entries, sorted by id."""
    problems: tuple[Problem, ...]
    """In file order."""


def check_waivers(path: Path, control_ids: Collection[str] | None = None) -> WaiverCheck:
    """Validate a waivers file; with ``control_ids`` every control id must be among them."""
    node, data, problem = _read_yaml(path)
    if problem is not None:
        return WaiverCheck(path, (), (problem,))
    if data is None:
        return WaiverCheck(path, (), ())
    if (
        not isinstance(data, dict)
        or set(data) != {"waivers"}
        or not isinstance(data["waivers"], list)
    ):
        message = "expected a mapping with one key, waivers, holding a list of waivers"
        return WaiverCheck(path, (), (Problem(locate(path, node, [], None), message),))
    entries: list[Any] = data["waivers"]
    labels = [_label(entry, index) for index, entry in enumerate(entries)]
    problems: list[Problem] = []
    valid: dict[int, Waiver] = {}
    for index, entry in enumerate(entries):
        found = _entry_problems(path, node, index, labels[index], entry, control_ids)
        if isinstance(found, Waiver):
            valid[index] = found
        else:
            problems.extend(found)
    repeated = _duplicated_ids(labels)
    problems.extend(_duplicate_problems(path, node, labels, repeated))
    problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
    kept = [waiver for waiver in valid.values() if waiver.id not in repeated]
    return WaiverCheck(path, tuple(sorted(kept, key=lambda w: w.id)), tuple(problems))


def load_waivers(path: Path, control_ids: Collection[str] | None = None) -> tuple[Waiver, ...]:
    """The waivers of a file that has no problem at all; otherwise :class:`WaiverError`."""
    checked = check_waivers(path, control_ids)
    if checked.problems:
        raise WaiverError(list(checked.problems))
    return checked.waivers


def _read_yaml(path: Path) -> tuple[yaml.Node | None, Any, Problem | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, None, Problem(Location(str(path)), f"cannot read: {exc.strerror}")
    except UnicodeDecodeError as exc:
        return None, None, Problem(Location(str(path)), f"not UTF-8 text at byte {exc.start}")
    try:
        data, node = parse_with_nodes(text)
        return node, data, None
    except yaml.YAMLError as exc:
        return None, None, Problem(yaml_error_location(path, exc), f"invalid YAML: {exc}")


def _label(entry: Any, index: int) -> str:
    """How an entry is named in messages: its id, or its index when it has none."""
    if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"].strip():
        return str(entry["id"]).strip()
    return f"waivers[{index}]"


def _entry_problems(
    path: Path,
    node: yaml.Node | None,
    index: int,
    label: str,
    entry: Any,
    control_ids: Collection[str] | None,
) -> Waiver | list[Problem]:
    """The entry as a waiver, or every problem it has."""
    problems: list[Problem] = []
    control_id = entry.get("control_id") if isinstance(entry, dict) else None
    if control_ids is not None and isinstance(control_id, str) and control_id not in control_ids:
        where = locate(path, node, ["waivers", index, "control_id"], label)
        message = f"control_id: unknown control {control_id!r} (not in the catalog)"
        problems.append(Problem(where, message))
    try:
        waiver = Waiver.model_validate(entry)
    except ValidationError as exc:
        problems.extend(_validation_problem(path, node, index, label, e) for e in exc.errors())
    return problems or waiver


def _validation_problem(
    path: Path, node: yaml.Node | None, index: int, label: str, error: Any
) -> Problem:
    loc: Sequence[int | str] = error["loc"]
    extra = error["type"] == "extra_forbidden"
    where = locate(path, node, ["waivers", index, *loc], label, key=extra)
    field = ".".join(str(part) for part in loc)
    return Problem(where, f"{field}: {error['msg']}" if field else str(error["msg"]))


def _duplicated_ids(labels: Sequence[str]) -> set[str]:
    counts = Counter(label for label in labels if not label.startswith("waivers["))
    return {waiver_id for waiver_id, count in counts.items() if count > 1}


def _duplicate_problems(
    path: Path, node: yaml.Node | None, labels: Sequence[str], repeated: set[str]
) -> list[Problem]:
    """A problem for each entry whose id an earlier entry already has."""
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    for index, label in enumerate(labels):
        if label not in repeated:
            continue
        where = locate(path, node, ["waivers", index, "id"], label)
        if label not in first_line:
            first_line[label] = where.line or 0
            continue
        problems.append(
            Problem(
                where,
                f"id: duplicate waiver id {label!r} (first at line {first_line[label]}); "
                "every entry with this id is ignored",
            )
        )
    return problems
