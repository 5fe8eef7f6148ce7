"""The Prometheus metrics of a scheduled scan: a textfile written atomically, or a push.

node-exporter's textfile collector reads every ``*.prom`` file of its directory at each
scrape; a half-written file would be scraped as it stands. The file is therefore written
under a temporary name that does not end in ``.prom``, synced, and renamed over the old
one, so a scrape sees either the previous scan or this one, never a mix.

The gauges are those of the ``prom`` report format (:mod:`scanner.outputs.prometheus`),
plus, when the scan was recorded in a history store, the change in failing findings since
the previous scan of the same scope.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import CollectorRegistry

from scanner.engine.catalog import Catalog
from scanner.errors import AuditgraphError
from scanner.model import FindingsDocument
from scanner.outputs.prometheus import PREFIX, ComplianceCollector
from scanner.outputs.views import framework_views

TEXTFILE_SUFFIX = ".prom"
"""The only files node-exporter's textfile collector reads."""

_TEMP_PREFIX = ".auditgraph-metrics-"
_TEMP_SUFFIX = ".tmp"
_FILE_MODE = 0o644
"""Readable by the node-exporter user, which is rarely the scanner's."""


class MetricsFileError(AuditgraphError):
    """The metrics file cannot be written: a wrong name, or the folder refuses the write."""


@dataclass(frozen=True)
class HistoryTrend:
    """The scan as the history store recorded it: failing findings (not waived) and the
    change since the previous complete scan of its scope (None for the first one)."""

    failing: int
    delta: int | None


@dataclass(frozen=True, eq=False)
class ScanMetrics:
    """The collector a registry holds: the ``prom`` gauges, then the history gauges (the
    delta only once the scope has a previous scan). Hashed by identity, as registries need.
    """

    compliance: ComplianceCollector
    trend: HistoryTrend | None = None

    def collect(self) -> Iterable[Metric]:
        yield from self.compliance.collect()
        if self.trend is None:
            return
        yield GaugeMetricFamily(
            f"{PREFIX}_history_failing_findings",
            "Failing findings (not waived) of this scan, as the history store recorded it.",
            value=self.trend.failing,
        )
        if self.trend.delta is not None:
            yield GaugeMetricFamily(
                f"{PREFIX}_history_failing_findings_delta",
                "Change in failing findings (not waived) since the previous complete scan "
                "of the same scope.",
                value=self.trend.delta,
            )


def metrics_registry(
    doc: FindingsDocument,
    catalog: Catalog,
    frameworks: Sequence[str],
    trend: HistoryTrend | None = None,
) -> CollectorRegistry:
    """A registry of one scan's gauges, for the textfile and for a push."""
    compliance = ComplianceCollector(doc, tuple(framework_views(doc, catalog, frameworks)))
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ScanMetrics(compliance, trend))
    return registry


def metrics_text(registry: CollectorRegistry) -> bytes:
    """The text exposition (format 0.0.4) of ``registry``."""
    return generate_latest(registry)


def check_metrics_path(path: Path) -> Path:
    """``path`` itself when node-exporter would read it; MetricsFileError otherwise."""
    if path.suffix != TEXTFILE_SUFFIX or path.name == TEXTFILE_SUFFIX:
        raise MetricsFileError(
            f"metrics file {path}: the name must end in {TEXTFILE_SUFFIX} "
            "(node-exporter's textfile collector reads no other file), "
            f"e.g. {path.with_name('auditgraph.prom')}"
        )
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename: a reader never sees a partial file.

    The temporary file lives in the same folder (a rename is atomic only within one file
    system) and is removed when anything fails.
    """
    check_metrics_path(path)
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=_TEMP_PREFIX, suffix=_TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise MetricsFileError(f"metrics file {path}: cannot write in {folder}: {exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(_FILE_MODE)
        Path(temporary).replace(path)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise MetricsFileError(f"metrics file {path}: {exc}") from exc
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; a file system that cannot sync a folder is left be."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
