"""Load and validate the control catalog (``controls/*.yaml``, ``controls/frameworks/``).

The loader is strict: unknown keys, duplicate ids, unknown kinds, params, framework or
requirement ids, unknown props fields, bad message placeholders and CEL that does not
compile are all reported, each with its file, control id and position. :func:`check_catalog`
keeps every valid control and lists the problems; :func:`load_catalog` refuses a catalog
with any problem.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import celpy
import yaml
from celpy.celparser import CELParseError
from pydantic import ValidationError

from scanner.canonical import dumps
from scanner.config import PARAM_NAMES
from scanner.engine.celfuncs import FUNCTION_NAMES
from scanner.errors import CatalogError, Location, Problem
from scanner.model import FRAMEWORK_IDS, KNOWN_KINDS, PROPS_SCHEMAS, Control, Framework
from scanner.yamlpos import locate, parse_with_nodes, yaml_error_location

CEL_GLOBALS = frozenset(
    {"size", "int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration"}
    | {"type", "dyn", "has", "matches"}
)
RESOURCE_FIELDS = frozenset({"uid", "cloud", "account", "region", "type", "kind", "name", "tags"})
CEL_FIELDS = ("when", "expression", "details")

_GLOBAL_CALL = re.compile(r"(?<![.\w])([A-Za-z_]\w*)\s*\(")
_PROPS_REF = re.compile(r"\bresource\.props\.([A-Za-z_]\w*)")
_ANY_PROPS_REF = re.compile(r"\.props\.([A-Za-z_]\w*)")
_HAS_REF = re.compile(r"\bhas\(\s*[\w.]*\.([A-Za-z_]\w*)\s*\)")
_PARAMS_REF = re.compile(r"\bparams\.([A-Za-z_]\w*)")
_RESOURCE_PATH = re.compile(r"\bresource((?:\.[A-Za-z_]\w*)+)")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

Reporter = Callable[[list[int | str], str], None]


@dataclass(frozen=True)
class CompiledControl:
    """A validated control with its CEL compiled once."""

    control: Control
    location: Location
    programs: Mapping[str, Any]
    """CEL field name (when / expression / details) → compiled AST."""
    field_paths: tuple[str, ...]
    """Paths below ``resource`` the CEL reads, recorded as evidence."""
    props_read: frozenset[str]
    """Every ``props`` field the CEL reads, on the resource or on visited resources."""
    guarded: frozenset[str] = frozenset()
    """Fields the CEL only tests for presence with ``has()``."""

    @property
    def id(self) -> str:
        return self.control.id


@dataclass(frozen=True)
class Catalog:
    controls: tuple[CompiledControl, ...]
    frameworks: Mapping[str, Framework]
    digest: str

    def get(self, control_id: str) -> CompiledControl | None:
        return next((c for c in self.controls if c.id == control_id), None)


@dataclass
class CatalogReport:
    catalog: Catalog
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def new_environment() -> celpy.Environment:
    return celpy.Environment()


def check_catalog(root: Path, frameworks_root: Path | None = None) -> CatalogReport:
    """Validate a catalog folder (or one control file); never raises for bad controls."""
    problems: list[Problem] = []
    if root.is_file():
        control_files = [root]
        frameworks_dir = frameworks_root or root.parent / "frameworks"
    elif root.is_dir():
        control_files = sorted(root.glob("*.yaml"))
        frameworks_dir = frameworks_root or root / "frameworks"
    else:
        raise CatalogError([Problem(Location(str(root)), "no such file or folder")])
    frameworks = _load_frameworks(frameworks_dir, problems)
    env = new_environment()
    controls: dict[str, CompiledControl] = {}
    for path in control_files:
        for compiled in _load_control_file(path, frameworks, env, problems):
            first = controls.get(compiled.id)
            if first is not None:
                problems.append(
                    Problem(
                        compiled.location,
                        f"duplicate control id {compiled.id}; first defined at {first.location}",
                    )
                )
                continue
            controls[compiled.id] = compiled
    ordered = tuple(controls[cid] for cid in sorted(controls))
    _check_playbooks(ordered, _playbook_root(root), problems)
    catalog = Catalog(ordered, frameworks, _digest(ordered, frameworks))
    return CatalogReport(catalog, problems, control_files)


def _playbook_root(root: Path) -> Path | None:
    """``remediation/`` next to the catalog folder (checkout and wheel layout), if any."""
    folder = (root.parent if root.is_file() else root).parent / "remediation"
    return folder if folder.is_dir() else None


def _check_playbooks(
    controls: tuple[CompiledControl, ...], root: Path | None, problems: list[Problem]
) -> None:
    """A control with a playbook folder names it: each ``remediation:`` entry is the ``name``
    of ``remediation/<ID>/playbook.yaml``. Controls without a folder are not checked here
    (``auditgraph remediate`` warns about their findings)."""
    if root is None:
        return
    for compiled in controls:
        path = root / compiled.id / "playbook.yaml"
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            data = None
        name = data.get("name") if isinstance(data, dict) else None
        for playbook in compiled.control.remediation:
            if playbook != name:
                problems.append(
                    Problem(
                        compiled.location,
                        f"remediation {playbook!r} has no playbook: {path} names {name!r}",
                    )
                )


def load_catalog(root: Path, frameworks_root: Path | None = None) -> Catalog:
    report = check_catalog(root, frameworks_root)
    if report.problems:
        raise CatalogError(report.problems)
    return report.catalog


def _digest(controls: tuple[CompiledControl, ...], frameworks: Mapping[str, Framework]) -> str:
    document = {
        "controls": [c.control.model_dump(mode="json") for c in controls],
        "frameworks": [frameworks[k].model_dump(mode="json") for k in sorted(frameworks)],
    }
    return hashlib.sha256(dumps(document).encode("utf-8")).hexdigest()


def _read_yaml(path: Path, problems: list[Problem]) -> tuple[Any, yaml.Node | None] | None:
    try:
        text = path.read_text(encoding="utf-8")
        return parse_with_nodes(text)
    except OSError as exc:
        problems.append(Problem(Location(str(path)), f"cannot read: {exc.strerror}"))
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(yaml_error_location(path, exc), f"invalid YAML: {problem}"))
    return None


def _load_frameworks(folder: Path, problems: list[Problem]) -> dict[str, Framework]:
    frameworks: dict[str, Framework] = {}
    for framework_id in FRAMEWORK_IDS:
        path = folder / f"{framework_id}.yaml"
        if not path.is_file():
            problems.append(Problem(Location(str(path)), "framework file is missing"))
            continue
        loaded = _read_yaml(path, problems)
        if loaded is None:
            continue
        data, node = loaded
        try:
            framework = Framework.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                problems.append(Problem(locate(path, node, error["loc"]), error["msg"]))
            continue
        if framework.id != framework_id:
            problems.append(
                Problem(locate(path, node, ["id"]), f"id {framework.id!r} != file name")
            )
        seen: set[str] = set()
        for index, requirement in enumerate(framework.requirements):
            if requirement.id in seen:
                where = locate(path, node, ["requirements", index, "id"])
                problems.append(Problem(where, f"duplicate requirement id {requirement.id}"))
            seen.add(requirement.id)
        frameworks[framework_id] = framework
    return frameworks


def _load_control_file(
    path: Path, frameworks: Mapping[str, Framework], env: celpy.Environment, problems: list[Problem]
) -> Iterator[CompiledControl]:
    loaded = _read_yaml(path, problems)
    if loaded is None:
        return
    data, node = loaded
    if (
        not isinstance(data, dict)
        or set(data) != {"controls"}
        or not isinstance(data["controls"], list)
    ):
        problems.append(
            Problem(
                Location(str(path), line=1), "a control file holds one key, `controls:`, a list"
            )
        )
        return
    for index, entry in enumerate(data["controls"]):
        base: list[int | str] = ["controls", index]
        control_id = entry.get("id") if isinstance(entry, dict) else None
        label = str(control_id) if control_id else f"controls[{index}]"
        before = len(problems)

        def report(
            path_in_entry: list[int | str], message: str, _label: str = label, key: bool = False
        ) -> None:
            where = locate(path, node, [*base, *path_in_entry], entry=_label, key=key)  # noqa: B023
            problems.append(Problem(where, message))

        try:
            control = Control.model_validate(entry)
        except ValidationError as exc:
            for error in exc.errors():
                loc = list(error["loc"])
                message = error["msg"]
                if error["type"] == "extra_forbidden":
                    message = f"unknown key {loc[-1]!r}"
                elif error["type"] == "missing":
                    message = f"missing key {loc[-1]!r}"
                else:
                    message = f"{'.'.join(str(p) for p in loc)}: {message}"
                report(loc, message, key=error["type"] == "extra_forbidden")
            continue
        programs = _check_control(control, frameworks, env, report, path, node, base)
        if len(problems) > before or programs is None:
            continue
        yield CompiledControl(
            control=control,
            location=locate(path, node, base, entry=control.id),
            programs=programs,
            field_paths=_field_paths(control),
            props_read=_props_read(control),
            guarded=_guarded(control),
        )


def _check_control(
    control: Control,
    frameworks: Mapping[str, Framework],
    env: celpy.Environment,
    report: Reporter,
    path: Path,
    node: yaml.Node | None,
    base: list[int | str],
) -> dict[str, Any] | None:
    if not control.maps_to:
        report(["maps_to"], "a control maps to at least one framework requirement")
    for framework_id, requirement_ids in control.maps_to.items():
        framework = frameworks.get(framework_id)
        if framework_id not in FRAMEWORK_IDS:
            report(["maps_to", framework_id], f"unknown framework {framework_id!r}")
            continue
        if framework is None:
            continue
        known = {requirement.id for requirement in framework.requirements}
        for position, requirement_id in enumerate(requirement_ids):
            if requirement_id not in known:
                report(
                    ["maps_to", framework_id, position],
                    f"unknown {framework_id} requirement {requirement_id!r}",
                )
    applies = control.applies_to
    if not applies.kinds and not applies.types:
        report(["applies_to"], "applies_to names at least one kind or type")
    for position, kind in enumerate(applies.kinds):
        if kind not in KNOWN_KINDS:
            report(["applies_to", "kinds", position], f"unknown kind {kind!r}")
    for position, name in enumerate(control.params):
        if name not in PARAM_NAMES:
            report(["params", position], f"unknown param {name!r}")
    programs: dict[str, Any] = {}
    for cel_field in CEL_FIELDS:
        text = getattr(control, cel_field)
        if text is None:
            continue
        try:
            programs[cel_field] = env.compile(text)
        except CELParseError as exc:
            report([cel_field], _cel_error(exc, path, node, [*base, cel_field]))
            continue
        for function in sorted(set(_GLOBAL_CALL.findall(text))):
            if function not in CEL_GLOBALS and function not in FUNCTION_NAMES:
                report([cel_field], f"{cel_field}: unknown function {function}()")
        for param in _PARAMS_REF.findall(text):
            if param not in control.params:
                report([cel_field], f"{cel_field}: reads params.{param}, not listed in `params`")
        known_props = {
            name
            for kind in applies.kinds
            if kind in PROPS_SCHEMAS
            for name in PROPS_SCHEMAS[kind].model_fields
        }
        if applies.kinds and not applies.types:
            for prop in _PROPS_REF.findall(text):
                if prop not in known_props:
                    report(
                        [cel_field],
                        f"{cel_field}: resource.props.{prop} is not a field of "
                        f"{', '.join(applies.kinds)}",
                    )
    _check_message(control, report)
    if "expression" in programs:
        _check_graph_scope(control, report)
    return programs if "expression" in programs else None


_GRAPH_FUNCTIONS = frozenset({"out", "inbound", "reach"})


def _check_graph_scope(control: Control, report: Reporter) -> None:
    """A control declared `resource` must not traverse the graph, and one declared `graph`
    or `cross-cloud` must (an undeclared scope is not checked)."""
    if control.graph_scope is None:
        return
    texts = [getattr(control, name) or "" for name in ("when", "expression")]
    traverses = any(set(_GLOBAL_CALL.findall(text)) & _GRAPH_FUNCTIONS for text in texts)
    if traverses != (control.graph_scope != "resource"):
        state = "follows" if traverses else "does not follow"
        report(["graph_scope"], f"graph_scope is {control.graph_scope} but the CEL {state} edges")


def _cel_error(exc: CELParseError, path: Path, node: yaml.Node | None, at: list[int | str]) -> str:
    line = getattr(exc, "line", None)
    column = getattr(exc, "column", None)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "syntax error"
    where = f" (CEL line {line}, column {column})" if line is not None else ""
    return f"{at[-1]}: CEL does not compile{where}: {first_line}"


def _check_message(control: Control, report: Reporter) -> None:
    kinds = control.applies_to.kinds
    known_props = {n for k in kinds if k in PROPS_SCHEMAS for n in PROPS_SCHEMAS[k].model_fields}
    for placeholder in _PLACEHOLDER.findall(control.message):
        root, _, rest = placeholder.partition(".")
        valid = (
            (placeholder == "details" and control.details is not None)
            or (root == "resource" and rest in RESOURCE_FIELDS)
            or (root == "props" and (rest.split(".")[0] in known_props or not kinds))
            or (root == "params" and rest in control.params)
        )
        if not valid:
            report(["message"], f"message: unknown placeholder {{{placeholder}}}")


def _field_paths(control: Control) -> tuple[str, ...]:
    texts = [getattr(control, name) or "" for name in CEL_FIELDS if name != "details"]
    paths = {match.lstrip(".") for text in texts for match in _RESOURCE_PATH.findall(text)}
    return tuple(sorted(paths))


def _props_read(control: Control) -> frozenset[str]:
    texts = [getattr(control, name) or "" for name in CEL_FIELDS]
    return frozenset(match for text in texts for match in _ANY_PROPS_REF.findall(text))


def _guarded(control: Control) -> frozenset[str]:
    texts = [getattr(control, name) or "" for name in CEL_FIELDS]
    return frozenset(match for text in texts for match in _HAS_REF.findall(text))
