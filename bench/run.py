"""Time and measure the product stages on synthetic estates of a given size.

    python -m bench.run --sizes 10000 [--sizes 100000] [--catalog controls] [--json out.json]

For each size the estate is generated and written to a temporary snapshot folder (setup,
timed separately and not part of the product), then each product stage is measured on its
own: loading the snapshot (hashes verified), building the graph, evaluating every control
of the catalog, and writing the findings JSON.

Memory per stage is always the resident peak (the kernel's high-water mark, reset at the
start of each stage on Linux) and how much the resident size grew. ``--tracemalloc`` adds
the peak of traced Python allocations and what the stage kept; tracing makes
allocation-heavy stages (CEL evaluation above all) several times slower, so times taken
with it are inflated and the table says so.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.generate import estate_config, generate_estate
from scanner import __version__
from scanner.bundled import controls_dir
from scanner.canonical import dumps_pretty
from scanner.config import load_config
from scanner.engine.catalog import Catalog, check_catalog
from scanner.engine.evaluate import EvaluationContext, Evaluator
from scanner.errors import CatalogError
from scanner.graph import build_graph
from scanner.model import Finding, FindingsDocument, ScanInfo, Status
from scanner.snapshot import read_snapshot, snapshot_digest, write_snapshot

MIB = 1024 * 1024
FALLBACK_CATALOG = Path(__file__).resolve().parent / "controls"
STAGE_ORDER = ("load snapshot", "build graph", "evaluate", "write findings")


@dataclass
class StageResult:
    name: str
    seconds: float
    peak_rss_mib: float
    """Resident high-water mark while the stage ran (includes what earlier stages hold)."""
    product: bool
    kernel_seconds: float = 0.0
    """CPU time spent in the kernel (page faults, mmap/munmap, I/O) during the stage."""
    rss_grew_mib: float | None = None
    """Resident size at the end of the stage minus at its start."""
    peak_traced_mib: float | None = None
    """With --tracemalloc: the peak of Python allocations while the stage ran."""
    held_traced_mib: float | None = None
    """With --tracemalloc: traced allocations the stage added and kept."""
    note: str = ""


@dataclass
class ControlResult:
    control_id: str
    kinds: list[str]
    targets: int
    findings: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.targets / self.seconds if self.seconds > 0 else 0.0


@dataclass
class SizeResult:
    n: int
    seed: int
    resources: int = 0
    snapshot_edges: int = 0
    graph_edges: int = 0
    dangling: int = 0
    gaps: int = 0
    stages: list[StageResult] = field(default_factory=list)
    controls: list[ControlResult] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    findings_file_mib: float = 0.0
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def evaluations(self) -> int:
        return sum(control.targets for control in self.controls)

    def stage(self, name: str) -> StageResult:
        return next(stage for stage in self.stages if stage.name == name)


def _max_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / MIB if sys.platform == "darwin" else value / 1024


class RssProbe:
    """Resident memory of this process, with a per-stage peak where Linux allows it.

    Writing ``5`` to ``/proc/self/clear_refs`` resets the kernel's resident high-water mark
    (``VmHWM``), so reading it at the end of a stage gives the peak of that stage alone, at
    no cost while the stage runs. Elsewhere the peak is the process's lifetime maximum.
    """

    STATUS = Path("/proc/self/status")
    CLEAR_REFS = Path("/proc/self/clear_refs")

    def __init__(self) -> None:
        self.per_stage = self._reset()

    def _reset(self) -> bool:
        try:
            self.CLEAR_REFS.write_text("5")
        except OSError:
            return False
        return True

    def _status(self, key: str) -> int | None:
        try:
            for line in self.STATUS.read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def start(self) -> int | None:
        if self.per_stage:
            self._reset()
        return self._status("VmRSS")

    def current(self) -> int | None:
        return self._status("VmRSS")

    def peak(self) -> int:
        if self.per_stage:
            value = self._status("VmHWM")
            if value is not None:
                return value
        return int(_max_rss_mib() * MIB)


class Meter:
    """Measures stages: wall time, resident memory, optionally traced allocations
    (tracemalloc) and, on request, a cProfile of each product stage."""

    def __init__(self, *, trace: bool, profile: bool) -> None:
        self.trace = trace
        self.profile = profile
        self.rss = RssProbe()

    @contextmanager
    def stage(
        self, result: SizeResult, name: str, *, product: bool = True
    ) -> Iterator[StageResult]:
        gc.collect()
        traced_start = 0
        if self.trace:
            tracemalloc.reset_peak()
            traced_start = tracemalloc.get_traced_memory()[0]
        rss_start = self.rss.start()
        profiler = cProfile.Profile() if self.profile and product else None
        stage = StageResult(name=name, seconds=0.0, peak_rss_mib=0.0, product=product)
        kernel_start = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        began = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        yield stage
        if profiler is not None:
            profiler.disable()
        stage.seconds = time.perf_counter() - began
        stage.kernel_seconds = resource.getrusage(resource.RUSAGE_SELF).ru_stime - kernel_start
        if self.trace:
            current, peak = tracemalloc.get_traced_memory()
            stage.peak_traced_mib = peak / MIB
            stage.held_traced_mib = (current - traced_start) / MIB
        stage.peak_rss_mib = self.rss.peak() / MIB
        rss_end = self.rss.current()
        if rss_start is not None and rss_end is not None:
            stage.rss_grew_mib = (rss_end - rss_start) / MIB
        result.stages.append(stage)
        if profiler is not None:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(15)
            result.profiles[name] = out.getvalue()


# -- catalog ---------------------------------------------------------------------------


def load_bench_catalog(root: Path) -> tuple[Catalog, str]:
    """The catalog to evaluate and a line saying where it came from.

    Controls with problems are left out (and counted); when ``root`` has no valid control
    at all, the benchmark's own small stand-in catalog is used instead.
    """
    frameworks = root / "frameworks" if root.is_dir() else root.parent / "frameworks"
    problems = 0
    try:
        report = check_catalog(root)
        problems = len(report.problems)
        if report.catalog.controls:
            note = f"catalog {root}: {len(report.catalog.controls)} controls"
            if problems:
                note += f" ({problems} problem(s); controls with problems are left out)"
                for problem in report.problems[:5]:
                    note += f"\n  - {problem}"
            return report.catalog, note
    except CatalogError as exc:
        problems = len(exc.problems)
    if not frameworks.is_dir():
        frameworks = controls_dir() / "frameworks"
    fallback = check_catalog(FALLBACK_CATALOG, frameworks)
    note = (
        f"NOTE: {root} holds no valid control yet ({problems} problem(s)); falling back to the "
        f"benchmark's stand-in catalog {FALLBACK_CATALOG} "
        f"({len(fallback.catalog.controls)} controls). Evaluation timings are then those of "
        "the stand-ins, not of the product catalog"
    )
    return fallback.catalog, note


def select_controls(catalog: Catalog, only: str, skip: str) -> tuple[Catalog, str]:
    """The catalog restricted by --only-controls / --skip-controls, and a line saying so."""
    only_ids = [part.strip() for part in only.split(",") if part.strip()]
    skip_ids = [part.strip() for part in skip.split(",") if part.strip()]
    if not only_ids and not skip_ids:
        return catalog, ""
    known = [control.id for control in catalog.controls]
    unknown = [cid for cid in only_ids + skip_ids if cid not in known]
    if unknown:
        raise SystemExit(f"unknown control ids: {', '.join(unknown)}")
    kept = tuple(
        control
        for control in catalog.controls
        if (not only_ids or control.id in only_ids) and control.id not in skip_ids
    )
    left_out = [cid for cid in known if cid not in {c.id for c in kept}]
    line = f"evaluating {len(kept)} of {len(known)} controls; left out: {', '.join(left_out)}"
    return replace(catalog, controls=kept), line


# -- one size ----------------------------------------------------------------------------


def run_size(
    n: int,
    seed: int,
    catalog: Catalog,
    config_path: Path | None,
    meter: Meter,
    workdir: Path,
) -> SizeResult:
    result = SizeResult(n=n, seed=seed)
    folder = workdir / f"estate-{n}"
    findings_path = workdir / f"findings-{n}.json"

    with meter.stage(result, "generate estate", product=False):
        generated = generate_estate(n, seed)
    config = load_config(config_path) if config_path else estate_config(generated)
    with meter.stage(result, "write snapshot", product=False):
        write_snapshot(generated, folder)
    del generated

    with meter.stage(result, "load snapshot") as stage:
        snapshot = read_snapshot(folder)
        digest = snapshot_digest(folder)
        stage.note = "hashes verified"
    result.resources = len(snapshot.resources)
    result.snapshot_edges = len(snapshot.edges)
    result.gaps = len(snapshot.gaps)

    with meter.stage(result, "build graph"):
        graph = build_graph(snapshot, config.declared_links)
    result.graph_edges = len(graph.edges)
    result.dangling = len(graph.missing())

    context = EvaluationContext(
        graph=graph,
        gaps=snapshot.gaps,
        params=config.params,
        now=snapshot.manifest.finished_at,
        snapshot_digest=digest,
    )
    # Target counts come from a throwaway evaluator so that counting stays out of the timings.
    counter = Evaluator(context)
    targets = {control.id: len(counter.targets(control)) for control in catalog.controls}
    del counter

    findings: list[Finding] = []
    with meter.stage(result, "evaluate") as stage:
        evaluator = Evaluator(context)
        for control in catalog.controls:
            began = time.perf_counter()
            produced = list(evaluator.evaluate_control(control))
            seconds = time.perf_counter() - began
            findings.extend(produced)
            result.controls.append(
                ControlResult(
                    control_id=control.id,
                    kinds=list(control.control.applies_to.kinds),
                    targets=targets[control.id],
                    findings=len(produced),
                    seconds=seconds,
                )
            )
        findings.sort(key=lambda f: (f.control_id, f.resource_uid))
        stage.note = f"{len(catalog.controls)} controls"
    del evaluator
    result.statuses = dict(Counter(finding.status.value for finding in findings))

    with meter.stage(result, "write findings") as stage:
        scan = ScanInfo(
            snapshot_digest=digest,
            catalog_digest=catalog.digest,
            started=snapshot.manifest.started_at,
            finished=snapshot.manifest.finished_at,
            scanner_version=__version__,
        )
        document = FindingsDocument(scan=scan, findings=findings)
        findings_path.write_text(dumps_pretty(document.model_dump(mode="json")), encoding="utf-8")
    result.findings_file_mib = findings_path.stat().st_size / MIB
    stage.note = f"{result.findings_file_mib:.1f} MiB"

    del document, findings, context, graph, snapshot
    gc.collect()
    return result


# -- report ------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    versions = {}
    for package in ("pydantic", "cel-python", "networkx"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "?"
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 1024**3:.1f} GiB"
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "memory": memory,
        "auditgraph": __version__,
        "packages": versions,
    }


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def format_size(result: SizeResult, trace: bool) -> str:
    lines = [
        f"== N = {result.n:,} (seed {result.seed}): {result.resources:,} resources, "
        f"{result.snapshot_edges:,} snapshot edges, {result.gaps} gaps; graph "
        f"{result.graph_edges:,} edges, {result.dangling} dangling uids",
        "",
        f"{'stage':<34}{'seconds':>9}{'kernel s':>9}{'peak RSS MiB':>14}{'RSS grew MiB':>14}"
        + (f"{'peak traced MiB':>17}{'held traced MiB':>17}" if trace else ""),
    ]
    for stage in result.stages:
        label = stage.name if stage.product else f"{stage.name} (setup)"
        if stage.note:
            label = f"{label} [{stage.note}]"
        line = (
            f"{label:<34}{stage.seconds:>9.2f}{stage.kernel_seconds:>9.2f}"
            f"{_mib(stage.peak_rss_mib):>14}"
            f"{_mib(stage.rss_grew_mib):>14}"
        )
        if trace:
            line += f"{_mib(stage.peak_traced_mib):>17}{_mib(stage.held_traced_mib):>17}"
        lines.append(line)
    total = sum(stage.seconds for stage in result.stages if stage.product)
    lines.append(f"{'product stages total':<34}{total:>9.2f}")
    if trace:
        lines.append("(times include tracemalloc overhead, several-fold in evaluate)")
    evaluate = result.stage("evaluate")
    per_second = result.evaluations / evaluate.seconds if evaluate.seconds else 0.0
    findings = sum(result.statuses.values())
    lines += [
        "",
        f"evaluations: {result.evaluations:,} (control x target resource) in "
        f"{evaluate.seconds:.2f} s = {per_second:,.0f} evaluations/s; {findings:,} findings",
        "findings by status: "
        + ", ".join(
            f"{status.value} {result.statuses.get(status.value, 0):,}" for status in Status
        ),
        "",
        "slowest controls:",
        f"  {'control':<10}{'kinds':<26}{'targets':>9}{'findings':>10}{'seconds':>9}"
        f"{'evals/s':>10}",
    ]
    for control in sorted(result.controls, key=lambda c: -c.seconds)[:5]:
        lines.append(
            f"  {control.control_id:<10}{','.join(control.kinds)[:25]:<26}{control.targets:>9,}"
            f"{control.findings:>10,}{control.seconds:>9.2f}{control.per_second:>10,.0f}"
        )
    return "\n".join(lines)


def format_machine(info: dict[str, Any]) -> str:
    packages = ", ".join(f"{name} {version}" for name, version in info["packages"].items())
    return (
        f"machine: {info['cpu_count']} CPUs, {info['memory']} RAM, {info['platform']}\n"
        f"python:  {info['implementation']} {info['python']}; auditgraph {info['auditgraph']}; "
        f"{packages}"
    )


def to_json(
    info: dict[str, Any], catalog_note: str, results: Sequence[SizeResult]
) -> dict[str, Any]:
    runs = []
    for result in results:
        data = asdict(result)
        data.pop("profiles")
        data["evaluations"] = result.evaluations
        evaluate = result.stage("evaluate").seconds
        data["evaluations_per_second"] = result.evaluations / evaluate if evaluate else None
        for control, raw in zip(result.controls, data["controls"], strict=True):
            raw["evaluations_per_second"] = control.per_second
        runs.append(data)
    return {"machine": info, "catalog": catalog_note, "runs": runs}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark auditgraph on synthetic estates.")
    parser.add_argument(
        "--sizes", type=int, action="append", help="resource count; repeat for several sizes"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--catalog", type=Path, default=Path("controls"))
    parser.add_argument(
        "--config",
        type=Path,
        help="estate config for params; default: params fitted to the generated estate",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument(
        "--workdir", type=Path, help="keep snapshots and findings here (default: a temp folder)"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations per stage (exact, but times get inflated)",
    )
    parser.add_argument(
        "--skip-controls",
        default="",
        help="comma-separated control ids to leave out (e.g. one that dominates the time)",
    )
    parser.add_argument(
        "--only-controls", default="", help="comma-separated control ids to evaluate alone"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile each product stage with cProfile and print the top functions",
    )
    args = parser.parse_args(argv)
    sizes = args.sizes or [10_000]
    trace = args.tracemalloc

    info = machine_info()
    print(format_machine(info))
    began = time.perf_counter()
    catalog, note = load_bench_catalog(args.catalog)
    print(note)
    print(f"catalog loaded and compiled in {time.perf_counter() - began:.2f} s")
    catalog, selection = select_controls(catalog, args.only_controls, args.skip_controls)
    if selection:
        print(selection)
    if not catalog.controls:
        print("no valid control anywhere: the evaluate stage measures nothing")
    if args.profile:
        print("profiling is on: stage times include cProfile overhead")

    meter = Meter(trace=trace, profile=args.profile)
    if trace:
        tracemalloc.start()
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="auditgraph-bench-") as temp:
        workdir = args.workdir or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            print()
            result = run_size(n, args.seed, catalog, args.config, meter, workdir)
            results.append(result)
            print(format_size(result, trace))
            for stage, text in result.profiles.items():
                print(f"\n-- profile of {stage} (N = {n:,}) --\n{text}")
            sys.stdout.flush()
    if trace:
        tracemalloc.stop()
    if args.json:
        args.json.write_text(
            json.dumps(to_json(info, note, results), indent=2) + "\n", encoding="utf-8"
        )
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
