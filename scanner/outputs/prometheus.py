"""Prometheus text exposition (``auditgraph.prom``) of compliance gauges.

For a node-exporter textfile collector or a Pushgateway. The text is produced by
``prometheus_client``, which writes the HELP and TYPE lines and escapes label values.
Finding counts cover every cloud × severity × status combination, zeros included, so a
series never disappears between scans. The only time is the snapshot's collection
window, as timestamp gauges; no sample carries a scrape timestamp.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest

from scanner.engine.catalog import Catalog
from scanner.model import Cloud, FindingsDocument, Severity, Status
from scanner.outputs.machine import snapshot_time
from scanner.outputs.views import ControlStatus, FrameworkView, framework_views

AUDITGRAPH_PROM = "auditgraph.prom"
PREFIX = "auditgraph"


def render_prometheus_files(
    doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str], templates_dir: Path
) -> dict[str, str]:
    return {AUDITGRAPH_PROM: render_prometheus(doc, catalog, frameworks)}


def render_prometheus(doc: FindingsDocument, catalog: Catalog, frameworks: Sequence[str]) -> str:
    collector = ComplianceCollector(doc, tuple(framework_views(doc, catalog, frameworks)))
    return generate_latest(collector).decode("utf-8")


@dataclass(frozen=True)
class ComplianceCollector:
    """A one-shot collector over one findings document, for ``generate_latest``."""

    doc: FindingsDocument
    views: tuple[FrameworkView, ...]

    def collect(self) -> Iterable[Metric]:
        yield self._scan_info()
        yield from self._collection_window()
        yield from self._framework_gauges()
        yield self._framework_controls()
        yield self._findings()

    def _scan_info(self) -> Metric:
        scan = self.doc.scan
        info = GaugeMetricFamily(
            f"{PREFIX}_scan_info",
            "The scan the gauges describe (always 1).",
            labels=["scanner_version", "snapshot_digest", "catalog_digest", "findings_format"],
        )
        labels = [scan.scanner_version, scan.snapshot_digest, scan.catalog_digest]
        info.add_metric([*labels, self.doc.format_version], 1)
        return info

    def _collection_window(self) -> Iterable[Metric]:
        scan = self.doc.scan
        for edge, stamp in (("start", scan.started), ("end", scan.finished)):
            yield GaugeMetricFamily(
                f"{PREFIX}_snapshot_collection_{edge}_timestamp_seconds",
                f"Collection {edge} of the evaluated snapshot, in Unix seconds.",
                value=snapshot_time(stamp).timestamp(),
            )

    def _framework_gauges(self) -> Iterable[Metric]:
        gauges = (
            ("requirements", "Requirements of the framework.", "requirements_total"),
            (
                "requirements_covered",
                "Requirements with at least one control mapped to them.",
                "requirements_covered",
            ),
            (
                "requirements_failing",
                "Requirements with at least one failing control.",
                "requirements_failing",
            ),
        )
        for suffix, help_text, attribute in gauges:
            gauge = GaugeMetricFamily(
                f"{PREFIX}_framework_{suffix}", help_text, labels=["framework"]
            )
            for view in self.views:
                gauge.add_metric([view.framework_id], getattr(view.totals, attribute))
            yield gauge

    def _framework_controls(self) -> Metric:
        gauge = GaugeMetricFamily(
            f"{PREFIX}_framework_controls",
            "Controls mapped into the framework, by control status.",
            labels=["framework", "status"],
        )
        for view in self.views:
            tally = Counter(control.status for control in view.controls)
            for status in ControlStatus:
                gauge.add_metric([view.framework_id, status.value], tally[status])
        return gauge

    def _findings(self) -> Metric:
        gauge = GaugeMetricFamily(
            f"{PREFIX}_findings",
            "Findings by cloud, control severity and status.",
            labels=["cloud", "severity", "status"],
        )
        tally = Counter((f.cloud, f.severity, f.status) for f in self.doc.findings)
        for cloud in Cloud:
            for severity in Severity:
                for status in Status:
                    labels = [cloud.value, severity.value, status.value]
                    gauge.add_metric(labels, tally[(cloud, severity, status)])
        return gauge
