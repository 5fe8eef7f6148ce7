"""The small pieces behind :mod:`scanner.cli`: option parsing, selection, exit codes, printing.

Nothing here evaluates anything: it selects controls and findings, turns flags into
values the pipeline takes, and formats what the pipeline returns.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from scanner.delivery.plan import DeliveryOptions
from scanner.engine.catalog import CEL_FIELDS, Catalog, CompiledControl, check_catalog
from scanner.engine.examples import ExampleResult, run_example
from scanner.errors import (
    AuditgraphError,
    CatalogError,
    ConfigError,
    Location,
    Problem,
    WaiverError,
)
from scanner.model import FRAMEWORK_IDS, Cloud, Example, FindingsDocument, Severity, Status
from scanner.outputs.views import framework_views
from scanner.outputs.writer import ALL_FORMATS, DEFAULT_FORMATS, OUTPUT_FORMATS
from scanner.pipeline import ProgressHook
from scanner.yamlpos import locate, yaml_node_at

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_ERROR = 2

CLOUD_IDS: tuple[str, ...] = tuple(cloud.value for cloud in Cloud)


class FailOn(StrEnum):
    """Lowest severity of a failing finding that makes the run exit 1; none never does."""

    NONE = "none"
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


# --- options shared by several commands (typer annotations) ----------------------------

_FORMATS = ", ".join(OUTPUT_FORMATS)
FRAMEWORKS_TEXT = ", ".join(FRAMEWORK_IDS)
_CLOUDS = ", ".join(CLOUD_IDS)
_OUTPUT = "Output"
_SELECT = "Selection"

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Estate config YAML: params (allowed jurisdictions, transfer register, admin "
        "ports...) and declared links. Default: built-in params, or the reference estate's "
        "estate.yaml with --demo.",
    ),
]
OutOpt = Annotated[
    Path,
    typer.Option(
        "--out", metavar="DIR", help="Folder the reports are written to.", rich_help_panel=_OUTPUT
    ),
]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        metavar="FORMATS",
        help=f"Report formats, repeatable or comma-separated: {_FORMATS}, or {ALL_FORMATS} "
        f"for every one. Default: {', '.join(DEFAULT_FORMATS)}.",
        rich_help_panel=_OUTPUT,
    ),
]
FrameworkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--framework",
        metavar="IDS",
        help=f"Frameworks to report on, repeatable or comma-separated: {FRAMEWORKS_TEXT}. "
        "Default: all.",
        rich_help_panel=_OUTPUT,
    ),
]
CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        metavar="PATH",
        help="Control catalog folder (or one control file). Default: the bundled catalog.",
    ),
]
CloudsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--cloud",
        metavar="CLOUDS",
        help=f"Keep only findings in these clouds ({_CLOUDS}); repeatable or comma-separated.",
        rich_help_panel=_SELECT,
    ),
]
SeverityOpt = Annotated[
    Severity | None,
    typer.Option(
        "--severity",
        case_sensitive=False,
        help="Minimum severity of the controls evaluated and findings shown and written.",
        rich_help_panel=_SELECT,
    ),
]
ControlOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--control",
        metavar="IDS",
        help="Evaluate only these controls, e.g. --control RES-003,KMS-001; repeatable.",
        rich_help_panel=_SELECT,
    ),
]
FailOnOpt = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        case_sensitive=False,
        help="Exit 1 when a finding at or above this severity fails. "
        "Default none: exit 0 whatever the findings.",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="No progress bar and no summary: print only the written files."
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON object (counts per status, per-framework totals, written files, "
        "exit code) to stdout and nothing else.",
    ),
]
DEFAULT_OUT = Path("auditgraph-out")


# --- flags ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScanOptions:
    """The flags scan and evaluate share."""

    out: Path
    formats: list[str] | None
    frameworks: list[str] | None
    clouds: list[str] | None
    severity: Severity | None
    controls: list[str] | None
    catalog: Path | None
    fail_on: FailOn
    quiet: bool
    json: bool
    waivers: Path | None = None
    """A waivers file (--waivers) applied after evaluation; None: no waivers."""
    history: str | None = None
    """History store URL (--history) the run is recorded in; None: not recorded."""
    metrics_file: Path | None = None
    """Prometheus textfile (--metrics-file) the gauges are written to; None: not written."""
    pushgateway: str | None = None
    """Pushgateway URL (--pushgateway) the gauges are pushed to; None: not pushed."""
    delivery: DeliveryOptions = dataclasses.field(default_factory=DeliveryOptions)
    """Webhook alert (--alert-webhook) and result upload (--store); default: neither."""


def split_values(values: Sequence[str] | None, allowed: Sequence[str], option: str) -> list[str]:
    """Repeated and comma-separated values, checked and de-duplicated; none given: []."""
    chosen: list[str] = []
    for value in values or ():
        for part in (piece.strip() for piece in value.split(",")):
            if not part:
                continue
            if part not in allowed:
                raise typer.BadParameter(
                    f"unknown value {part!r}; choose from {', '.join(allowed)}", param_hint=option
                )
            chosen.append(part)
    return list(dict.fromkeys(chosen))


def failing_at_or_above(doc: FindingsDocument, fail_on: FailOn) -> int:
    if fail_on is FailOn.NONE:
        return 0
    floor = Severity(fail_on.value).rank
    return sum(
        1
        for f in doc.findings
        if f.status is Status.FAIL and f.waiver_id is None and f.severity.rank >= floor
    )


def exit_code(doc: FindingsDocument, fail_on: FailOn) -> int:
    return EXIT_FAILING if failing_at_or_above(doc, fail_on) else EXIT_OK


class FindingsFileError(AuditgraphError):
    """The file given to ``auditgraph report`` is not a findings document."""


def read_findings(path: Path) -> FindingsDocument:
    try:
        return FindingsDocument.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        detail = f"{where}: {error['msg']}" if where else str(error["msg"])
        raise FindingsFileError(f"{path}: not a findings document: {detail}") from exc


# --- errors and progress ----------------------------------------------------------------


def printable(text: str) -> str:
    """Text without terminal control characters: messages may quote hostile input."""
    lines = str(text).splitlines() or [""]
    return "\n".join(
        "".join(char if char.isprintable() else "\N{REPLACEMENT CHARACTER}" for char in line)
        for line in lines
    )


def _echo_err(text: str) -> None:
    typer.echo(printable(text), err=True)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn AuditgraphError and OSError into a message on stderr and exit 2, no traceback."""
    try:
        yield
    except (CatalogError, ConfigError, WaiverError) as exc:
        what = {CatalogError: "control catalog", ConfigError: "estate config"}.get(
            type(exc), "waivers file"
        )
        count = len(exc.problems)
        _echo_err(f"error: {count} problem{'s' * (count != 1)} in the {what}:")
        for problem in exc.problems:
            _echo_err(f"  {problem}")
        raise typer.Exit(EXIT_ERROR) from None
    except AuditgraphError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    except OSError as exc:
        _echo_err(f"error: {exc.filename or ''}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_ERROR) from None


@contextmanager
def progress_hook(
    enabled: bool, total: int, verb: str = "Evaluating", noun: str = "controls"
) -> Iterator[ProgressHook | None]:
    """A progress bar on stderr (over controls, or collection units), as a progress hook.

    The bar appears with the first evaluated control, so a snapshot that cannot be read
    leaves no empty bar behind.
    """
    if not enabled:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    progress = Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True))
    task = progress.add_task(f"{verb} {noun}", total=total)

    def hook(step: str, done: int, steps: int) -> None:
        if not progress.live.is_started:
            progress.start()
        progress.update(task, completed=done, total=steps, description=f"{verb} {step}")

    try:
        yield hook
        progress.update(task, description=f"Done: {noun}")
    finally:
        if progress.live.is_started:
            progress.stop()


def scan_summary(
    doc: FindingsDocument,
    catalog: Catalog,
    frameworks: Sequence[str],
    written: Sequence[Path],
    code: int,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The ``--json`` output: one JSON object, keys sorted (``extra``: more top-level keys)."""
    statuses = Counter(
        Status.WAIVED.value if f.waiver_id is not None else f.status.value for f in doc.findings
    )
    failing = Counter(
        f.severity.value for f in doc.findings if f.status is Status.FAIL and f.waiver_id is None
    )
    summary: dict[str, Any] = {
        "exit_code": code,
        "snapshot_digest": doc.scan.snapshot_digest,
        "catalog_digest": doc.scan.catalog_digest,
        "controls_evaluated": len(catalog.controls),
        "findings": {"total": len(doc.findings)} | {s.value: statuses[s.value] for s in Status},
        "failing_by_severity": {s.value: failing[s.value] for s in Severity},
        "frameworks": {
            view.framework_id: dataclasses.asdict(view.totals)
            for view in framework_views(doc, catalog, frameworks)
        },
        "written": [str(path) for path in written],
    }
    summary.update(extra or {})
    return json.dumps(summary, indent=2, sort_keys=True)


# --- controls list / show ---------------------------------------------------------------


def _mappings(compiled: CompiledControl, framework: str | None) -> str:
    maps_to = compiled.control.maps_to
    return "\n".join(
        f"{fid}: {', '.join(ids)}" for fid, ids in maps_to.items() if framework in (None, fid)
    )


def controls_table(
    catalog: Catalog, framework: str | None, cloud: Cloud | None, domain: str | None
) -> Table:
    table = Table(title=f"{len(catalog.controls)} controls", title_justify="left")
    table.add_column("ID", no_wrap=True, style="bold")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Domain")
    table.add_column("Clouds")
    table.add_column("Title", ratio=2)
    table.add_column("Requirements", ratio=1)
    shown = 0
    for compiled in catalog.controls:
        control = compiled.control
        if (
            (framework is not None and framework not in control.maps_to)
            or (cloud is not None and cloud not in control.applies_to.clouds)
            or (domain is not None and control.domain != domain)
        ):
            continue
        shown += 1
        clouds = ", ".join(c.value for c in control.applies_to.clouds)
        cells = (control.id, control.severity.value, control.domain, clouds, control.title)
        table.add_row(*(Text(cell) for cell in cells), Text(_mappings(compiled, framework)))
    table.title = f"{shown} of {len(catalog.controls)} controls"
    return table


def _field(label: str, value: str) -> Text:
    return Text.assemble((f"{label}: ", "bold"), value)


def safe_run_example(compiled: CompiledControl, example: Example) -> ExampleResult:
    """Run one example; a broken example is reported as status ``crash``, not raised."""
    try:
        return run_example(compiled, example)
    except Exception as exc:  # an example is catalog data: report it, never crash on it
        return ExampleResult(compiled.id, example.name, example.expect, "crash", repr(exc))


def control_detail(compiled: CompiledControl, catalog: Catalog) -> list[RenderableType]:
    """Everything about one control, with its examples run against the current engine."""
    control = compiled.control
    applies = control.applies_to
    parts: list[RenderableType] = [
        Text(f"{control.id} · {control.title}", style="bold"),
        Text.assemble(
            ("severity: ", "bold"),
            control.severity.value,
            ("   domain: ", "bold"),
            control.domain,
            ("   version: ", "bold"),
            str(control.version),
        ),
        _field("defined at", str(compiled.location)),
        _field(
            "applies to",
            "; ".join(
                f"{name} {', '.join(values)}"
                for name, values in (
                    ("kinds", applies.kinds),
                    ("types", applies.types),
                    ("clouds", [c.value for c in applies.clouds]),
                )
                if values
            ),
        ),
        Text(control.description.strip()),
    ]
    for name in CEL_FIELDS:
        text = getattr(control, name)
        if text:
            syntax = Syntax(text.strip(), "javascript", word_wrap=True, background_color="default")
            parts.append(Panel(syntax, title=f"{name} (CEL)", title_align="left"))
    parts.append(_field("message", control.message))
    parts.append(_field("params", ", ".join(control.params) or "none"))
    parts.append(_field("graph scope", control.graph_scope or "not declared"))
    parts.append(_mapping_table(compiled, catalog))
    if control.mapping is not None:
        sources = ", ".join(control.mapping.sources) or "none"
        parts.append(_field("mapping", f"{control.mapping.rationale} (also mapped by: {sources})"))
    parts.append(_field("remediation", ", ".join(control.remediation) or "none"))
    parts.append(_examples_table(compiled))
    return parts


def _mapping_table(compiled: CompiledControl, catalog: Catalog) -> Table:
    table = Table(title="Mapped requirements", title_justify="left")
    for column in ("Framework", "Requirement", "Title"):
        table.add_column(column)
    for framework_id, requirement_ids in compiled.control.maps_to.items():
        framework = catalog.frameworks.get(framework_id)
        titles = {r.id: r.title for r in framework.requirements} if framework else {}
        name = framework.name if framework else framework_id
        for requirement_id in requirement_ids:
            title = titles.get(requirement_id, "?")
            table.add_row(Text(name), Text(requirement_id, style="bold"), Text(title))
    return table


def _examples_table(compiled: CompiledControl) -> RenderableType:
    examples = compiled.control.examples
    if not examples:
        return Text("examples: none", style="yellow")
    table = Table(title=f"Examples ({len(examples)})", title_justify="left")
    for column in ("Example", "Expected", "Actual", ""):
        table.add_column(column)
    for example in examples:
        result = safe_run_example(compiled, example)
        mark = Text("ok", style="green") if result.ok else Text("MISMATCH", style="bold red")
        actual = result.actual + (f"\n{result.reason}" if result.reason and not result.ok else "")
        table.add_row(Text(example.name), Text(result.expected), Text(actual), mark)
    return Group(table)


# --- controls validate ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Validation:
    problems: list[Problem]
    valid: int
    files_with_problems: int

    @property
    def summary(self) -> str:
        count = len(self.problems)
        return (
            f"{self.valid} controls valid, {count} problem{'s' * (count != 1)} "
            f"in {self.files_with_problems} file{'s' * (self.files_with_problems != 1)}"
        )


def _example_location(compiled: CompiledControl, index: int) -> Location:
    """Where example ``index`` of a control sits; the control's location if not found."""
    where = compiled.location
    try:
        root = yaml.compose(Path(where.file).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return where
    entries = yaml_node_at(root, ["controls"])
    for position, entry in enumerate(getattr(entries, "value", [])):
        id_node = yaml_node_at(entry, ["id"])
        if isinstance(id_node, yaml.ScalarNode) and id_node.value == compiled.id:
            path: list[int | str] = ["controls", position, "examples", index]
            return locate(where.file, root, path, entry=compiled.id)
    return where


def example_problems(compiled: CompiledControl) -> list[Problem]:
    problems: list[Problem] = []
    for index, example in enumerate(compiled.control.examples):
        result = safe_run_example(compiled, example)
        if not result.ok:
            reason = f" ({result.reason})" if result.reason else ""
            message = f"example {example.name!r} expects {result.expected}, gives {result.actual}"
            problems.append(Problem(_example_location(compiled, index), message + reason))
    return problems


def validate_catalog(root: Path) -> Validation:
    """Every loader problem plus every example that does not give its expected status."""
    report = check_catalog(root)
    problems = list(report.problems)
    valid = 0
    for compiled in report.catalog.controls:
        found = example_problems(compiled)
        problems.extend(found)
        valid += not found
    problems.sort(key=_problem_order)
    files = {problem.location.file for problem in problems}
    return Validation(problems, valid, len(files))


def _problem_order(problem: Problem) -> tuple[str, int, int]:
    where = problem.location
    return (where.file, where.line or 0, where.column or 0)
