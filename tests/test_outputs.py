"""The renderers: shared views, findings JSON, HTML, Markdown, terminal and the writer."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

from scanner.engine.catalog import Catalog, CompiledControl, check_catalog
from scanner.errors import Location
from scanner.model import (
    AppliesTo,
    Cloud,
    Control,
    Evidence,
    Finding,
    FindingsDocument,
    Framework,
    Requirement,
    ScanInfo,
    Severity,
    Status,
    finding_id,
)
from scanner.outputs.findings_json import write_findings_json
from scanner.outputs.html import render_framework_html
from scanner.outputs.markdown import md_cell, render_summary_md
from scanner.outputs.terminal import plain, print_summary
from scanner.outputs.views import (
    ControlStatus,
    control_status,
    framework_view,
    top_failing,
)
from scanner.outputs.writer import DEFAULT_FORMATS, OUTPUT_FORMATS, write_reports

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "reports"
HOSTILE = "<script>alert(1)</script>\"'&"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;"
SNAPSHOT_DIGEST = "a" * 64


# --- builders -----------------------------------------------------------------


def make_control(
    control_id: str, severity: Severity, maps_to: dict[str, list[str]]
) -> CompiledControl:
    control = Control(
        id=control_id,
        title=f"Title of {control_id}",
        description="A test control.",
        domain="storage",
        severity=severity,
        applies_to=AppliesTo(kinds=["bucket"]),
        expression="true",
        message="{resource.name} fails",
        maps_to=maps_to,
    )
    return CompiledControl(
        control=control,
        location=Location("controls/test.yaml", entry=control_id),
        programs={},
        field_paths=(),
        props_read=frozenset(),
    )


def make_finding(
    control: CompiledControl,
    uid: str,
    status: Status,
    *,
    name: str | None = None,
    message: str = "bucket is public",
    reason: str | None = None,
) -> Finding:
    c = control.control
    return Finding(
        finding_id=finding_id(c.id, uid),
        control_id=c.id,
        control_version=c.version,
        resource_uid=uid,
        resource_name=name if name is not None else uid.rsplit("/", 1)[-1],
        cloud=Cloud.AWS,
        account="123456789012",
        region="eu-west-1",
        resource_type="AWS::S3::Bucket",
        kind="bucket",
        status=status,
        severity=c.severity,
        title=c.title,
        message=message,
        reason=reason,
        frameworks=c.maps_to,
        evidence=Evidence(fields={"props.public": status != Status.PASS}, related=[], gaps=[]),
        snapshot_digest=SNAPSHOT_DIGEST,
        waiver_id="W-1" if status == Status.WAIVED else None,
    )


def make_doc(findings: list[Finding]) -> FindingsDocument:
    scan = ScanInfo(
        snapshot_digest=SNAPSHOT_DIGEST,
        catalog_digest="c" * 64,
        started="2025-01-01T00:00:00Z",
        finished="2025-01-01T00:10:00Z",
        scanner_version="0.1.0",
    )
    return FindingsDocument(scan=scan, findings=findings)


SMALL_FRAMEWORK = Framework(
    id="soc2",
    name="Small SOC 2",
    version="test",
    requirements=[
        Requirement(id="CC6.1", title="Logical access", group="Logical access"),
        Requirement(id="CC6.6", title="Boundary protection", group="Logical access"),
        Requirement(id="CC7.2", title="Monitoring", group="Operations"),
        Requirement(id="CC8.1", title="Change management", group="Change"),
        Requirement(id="CC9.9", title="Nothing maps here", group="Change"),
    ],
)


@pytest.fixture(scope="module")
def real_frameworks() -> dict[str, Framework]:
    report = check_catalog(ROOT / "controls")
    return dict(report.catalog.frameworks)


def known_case(frameworks: dict[str, Framework]) -> tuple[FindingsDocument, Catalog]:
    """Six controls whose statuses cover every rule (see the framework totals test)."""
    c1 = make_control("AAA-001", Severity.HIGH, {"soc2": ["CC6.1", "CC6.6"], "gdpr": ["32"]})
    c2 = make_control("AAA-002", Severity.MEDIUM, {"soc2": ["CC6.1"]})
    c3 = make_control("AAA-003", Severity.LOW, {"soc2": ["CC7.2"]})
    c4 = make_control("AAA-004", Severity.CRITICAL, {"soc2": ["CC8.1"], "gdpr": ["32"]})
    c5 = make_control("AAA-005", Severity.INFO, {"soc2": ["CC6.1"]})
    c6 = make_control("AAA-006", Severity.CRITICAL, {"gdpr": ["5(1)(f)"]})
    findings = [
        make_finding(c1, "aws/s3/b-pass", Status.PASS),
        make_finding(c1, "aws/s3/b-fail", Status.FAIL),
        make_finding(c2, "aws/s3/b-pass", Status.PASS),
        make_finding(c2, "aws/s3/b-waived", Status.WAIVED),
        make_finding(c3, "aws/s3/b-gap", Status.INCONCLUSIVE, reason="props.public missing"),
        make_finding(c4, "aws/s3/b-pass", Status.PASS),
        make_finding(c4, "aws/s3/b-broken", Status.ERROR, reason="no such key"),
        make_finding(c6, "aws/s3/b-fail", Status.FAIL),
        make_finding(c6, "aws/s3/a-fail", Status.FAIL),
    ]
    catalog = Catalog(controls=(c1, c2, c3, c4, c5, c6), frameworks=frameworks, digest="c" * 64)
    return make_doc(findings), catalog


@pytest.fixture
def hostile_case(real_frameworks: dict[str, Framework]) -> tuple[FindingsDocument, Catalog]:
    doc, catalog = known_case(real_frameworks)
    c1 = catalog.controls[0]
    extra = [
        make_finding(
            c1,
            "aws/s3/hostile",
            Status.FAIL,
            name=HOSTILE,
            message=f"bucket {HOSTILE} is public | line two\nline `three` [x](javascript:y)",
        ),
        make_finding(
            catalog.controls[2], "aws/s3/hostile-gap", Status.INCONCLUSIVE, reason="gap | pipe"
        ),
    ]
    return make_doc([*doc.findings, *extra]), catalog


# --- views --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], ControlStatus.NOT_APPLICABLE),
        ([Status.PASS], ControlStatus.PASS),
        ([Status.WAIVED], ControlStatus.PASS),
        ([Status.PASS, Status.WAIVED], ControlStatus.PASS),
        ([Status.PASS, Status.INCONCLUSIVE], ControlStatus.INCONCLUSIVE),
        ([Status.INCONCLUSIVE, Status.ERROR, Status.PASS], ControlStatus.ERROR),
        ([Status.ERROR, Status.FAIL, Status.INCONCLUSIVE], ControlStatus.FAIL),
        ([Status.WAIVED, Status.FAIL], ControlStatus.FAIL),
    ],
)
def test_control_status_rules(statuses: list[Status], expected: ControlStatus) -> None:
    control = make_control("AAA-001", Severity.HIGH, {"soc2": ["CC6.1"]})
    findings = [make_finding(control, f"aws/s3/b{i}", s) for i, s in enumerate(statuses)]
    assert control_status(findings) == expected


def test_framework_totals_on_known_case() -> None:
    frameworks = {"soc2": SMALL_FRAMEWORK}
    doc, catalog = known_case(frameworks)
    view = framework_view(doc, catalog, "soc2")
    t = view.totals
    assert (t.requirements_total, t.requirements_covered, t.requirements_failing) == (5, 4, 2)
    assert t.controls_total == 5
    assert (
        t.controls_passed,
        t.controls_failed,
        t.controls_inconclusive,
        t.controls_error,
        t.controls_not_applicable,
    ) == (1, 1, 1, 1, 1)

    assert [r.requirement_id for r in view.requirements] == [
        "CC6.1",
        "CC6.6",
        "CC7.2",
        "CC8.1",
        "CC9.9",
    ]
    cc61 = view.requirements[0]
    assert [c.control_id for c in cc61.controls] == ["AAA-001", "AAA-002", "AAA-005"]
    assert [c.status for c in cc61.controls] == [
        ControlStatus.FAIL,
        ControlStatus.PASS,
        ControlStatus.NOT_APPLICABLE,
    ]
    assert cc61.status == ControlStatus.FAIL
    assert (cc61.counts.failed, cc61.counts.passed, cc61.counts.not_applicable) == (1, 1, 1)
    waived = cc61.controls[1]
    assert (waived.counts.passed, waived.counts.waived) == (1, 1)
    assert view.requirements[4].covered is False
    assert view.requirements[4].status == ControlStatus.NOT_APPLICABLE
    # Problems first, then passes.
    assert [f.status for f in cc61.controls[0].findings] == [Status.FAIL, Status.PASS]


def test_framework_view_rejects_unknown_framework() -> None:
    doc, catalog = known_case({"soc2": SMALL_FRAMEWORK})
    with pytest.raises(ValueError, match="nope"):
        framework_view(doc, catalog, "nope")


def test_top_failing_order_and_limit(real_frameworks: dict[str, Framework]) -> None:
    doc, _ = known_case(real_frameworks)
    ordered = [(f.control_id, f.resource_uid) for f in top_failing(doc, 10)]
    assert ordered == [
        ("AAA-006", "aws/s3/a-fail"),
        ("AAA-006", "aws/s3/b-fail"),
        ("AAA-001", "aws/s3/b-fail"),
    ]
    assert len(top_failing(doc, 2)) == 2
    assert top_failing(doc, 0) == []


# --- findings JSON ------------------------------------------------------------


def test_findings_json_is_canonical(
    tmp_path: Path, hostile_case: tuple[FindingsDocument, Catalog]
) -> None:
    doc, _ = hostile_case
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    write_findings_json(doc, first)
    write_findings_json(FindingsDocument.model_validate(doc.model_dump(mode="json")), second)
    assert first.read_bytes() == second.read_bytes()
    assert FindingsDocument.model_validate(json.loads(first.read_text("utf-8"))) == doc


# --- HTML ---------------------------------------------------------------------


def test_html_escapes_hostile_text(hostile_case: tuple[FindingsDocument, Catalog]) -> None:
    doc, catalog = hostile_case
    html = render_framework_html(doc, catalog, "soc2", TEMPLATES)
    assert HOSTILE not in html
    assert "<script" not in html
    assert HOSTILE_ESCAPED in html
    assert "<!DOCTYPE html>" in html
    assert 'href="http' not in html and 'src="http' not in html


def test_html_shows_scan_info_and_totals(
    hostile_case: tuple[FindingsDocument, Catalog], real_frameworks: dict[str, Framework]
) -> None:
    doc, catalog = hostile_case
    html = render_framework_html(doc, catalog, "gdpr", TEMPLATES)
    gdpr = real_frameworks["gdpr"]
    assert gdpr.name in html
    assert SNAPSHOT_DIGEST in html and "c" * 64 in html
    assert "2025-01-01T00:00:00Z → 2025-01-01T00:10:00Z" in html
    assert f"{2} / {len(gdpr.requirements)}" in html
    assert "props.public" in html


def test_html_is_deterministic(hostile_case: tuple[FindingsDocument, Catalog]) -> None:
    doc, catalog = hostile_case
    shuffled = make_doc(list(reversed(doc.findings)))
    first = render_framework_html(doc, catalog, "iso27001_2022", TEMPLATES)
    second = render_framework_html(shuffled, catalog, "iso27001_2022", TEMPLATES)
    assert first.encode("utf-8") == second.encode("utf-8")


# --- Markdown -----------------------------------------------------------------


def split_row(row: str) -> list[str]:
    """Split a Markdown table row on the pipes that are not backslash-escaped."""
    assert row.startswith("|") and row.endswith("|")
    cells, current, i = [], "", 1
    while i < len(row) - 1:
        char = row[i]
        if char == "\\":
            current += row[i : i + 2]
            i += 2
            continue
        if char == "|":
            cells.append(current)
            current = ""
        else:
            current += char
        i += 1
    cells.append(current)
    return [cell.strip() for cell in cells]


def test_md_cell_escapes() -> None:
    assert md_cell("a|b") == "a\\|b"
    assert md_cell("a\\|b") == "a\\\\\\|b"
    assert md_cell("one\ntwo\r\nthree") == "one two three"
    assert md_cell("`x`") == "\\`x\\`"
    assert md_cell(Severity.HIGH) == "high"


def test_markdown_table_survives_pipes(hostile_case: tuple[FindingsDocument, Catalog]) -> None:
    doc, catalog = hostile_case
    md = render_summary_md(doc, catalog, ["soc2", "gdpr"], TEMPLATES)
    assert HOSTILE not in md and "<script" not in md
    lines = md.splitlines()
    header = lines.index("| Severity | Control | Resource | Message |")
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line)
    assert len(rows) == 4
    for row in rows:
        assert len(split_row(row)) == 4
    hostile_row = next(row for row in rows if "hostile" in row)
    assert "line two line \\`three\\`" in hostile_row
    reason_rows = [line for line in lines if "gap \\| pipe" in line]
    assert len(reason_rows) == 1 and len(split_row(reason_rows[0])) == 4
    assert "### SOC 2 Trust Services Criteria" in md
    assert "| Controls failed | 1 |" in md


def test_markdown_is_deterministic(hostile_case: tuple[FindingsDocument, Catalog]) -> None:
    doc, catalog = hostile_case
    shuffled = make_doc(list(reversed(doc.findings)))
    first = render_summary_md(doc, catalog, ["soc2", "iso27001_2022", "gdpr"], TEMPLATES)
    second = render_summary_md(shuffled, catalog, ["soc2", "iso27001_2022", "gdpr"], TEMPLATES)
    assert first.encode("utf-8") == second.encode("utf-8")


# --- terminal -----------------------------------------------------------------


def test_terminal_summary_escapes_markup(hostile_case: tuple[FindingsDocument, Catalog]) -> None:
    doc, catalog = hostile_case
    doc = make_doc(
        [
            *doc.findings,
            make_finding(
                catalog.controls[5], "aws/s3/m", Status.FAIL, name="[bold red]boom\x1b[2J"
            ),
        ]
    )
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    print_summary(doc, catalog, ["soc2", "gdpr"], console, top=10)
    out = buffer.getvalue()
    assert "[bold red]boom" in out
    assert "\x1b" not in out
    assert "SOC 2 Trust Services Criteria" in out
    assert "Top 5 failing findings" in out
    assert plain("[x]\x07") == "\\[x]\N{REPLACEMENT CHARACTER}"


def test_real_catalog_renders(tmp_path: Path) -> None:
    """Whatever the repository's catalog holds, every format renders for every framework."""
    catalog = check_catalog(ROOT / "controls").catalog
    doc = make_doc([])
    frameworks = sorted(catalog.frameworks)
    written = write_reports(doc, catalog, tmp_path, DEFAULT_FORMATS, frameworks, TEMPLATES)
    assert len(written) == 2 + len(frameworks)
    for framework_id in frameworks:
        view = framework_view(doc, catalog, framework_id)
        assert view.totals.controls_not_applicable == view.totals.controls_total
        assert view.totals.requirements_failing == 0


# --- writer -------------------------------------------------------------------


def test_write_reports_writes_expected_files(
    tmp_path: Path, hostile_case: tuple[FindingsDocument, Catalog]
) -> None:
    doc, catalog = hostile_case
    out = tmp_path / "out"
    written = write_reports(
        doc, catalog, out, DEFAULT_FORMATS, ["soc2", "iso27001_2022", "gdpr"], TEMPLATES
    )
    names = [p.name for p in written]
    assert names == sorted(
        [
            "findings.json",
            "report-gdpr.html",
            "report-iso27001_2022.html",
            "report-soc2.html",
            "summary.md",
        ]
    )
    assert sorted(p.name for p in out.iterdir()) == names
    assert written == sorted(written)

    only_md = write_reports(doc, catalog, tmp_path / "md", ["md"], ["soc2"], TEMPLATES)
    assert [p.name for p in only_md] == ["summary.md"]


def test_write_reports_rejects_unknown_format(
    tmp_path: Path, hostile_case: tuple[FindingsDocument, Catalog]
) -> None:
    doc, catalog = hostile_case
    out = tmp_path / "out"
    with pytest.raises(ValueError, match=re.escape("'pdf'")) as excinfo:
        write_reports(doc, catalog, out, ["json", "pdf"], ["soc2"], TEMPLATES)
    for accepted in OUTPUT_FORMATS:
        assert accepted in str(excinfo.value)
    assert not out.exists()
    with pytest.raises(ValueError, match="nope"):
        write_reports(doc, catalog, out, ["html"], ["nope"], TEMPLATES)
