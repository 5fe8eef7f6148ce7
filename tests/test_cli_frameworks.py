"""``auditgraph frameworks`` and ``auditgraph frameworks show``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner, Result

from scanner.bundled import controls_dir
from scanner.cli import app

XC = [
    *("BDR-006", "BDR-007", "EAR-007", "ICN-004", "IDF-001", "KMS-006", "KMS-007", "KMS-008"),
    *("KMS-010", "LOG-005", "MFA-003", "RES-003", "RES-005", "RES-008", "RES-009"),
]


def run(*args: str) -> Result:
    """Invoke with a terminal wide enough that no table cell wraps."""
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "300"})


def test_summary_json_counts_every_framework() -> None:
    result = run("frameworks", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    summary = {
        item["id"]: (item["requirements"], item["coverage"], len(item["controls"]))
        for item in document
    }
    assert summary == {
        "soc2": (61, {"automated": 4, "partial": 13, "manual": 44}, 60),
        "iso27001_2022": (93, {"automated": 10, "partial": 23, "manual": 60}, 60),
        "gdpr": (22, {"automated": 2, "partial": 13, "manual": 7}, 60),
    }
    assert all(item["cross_cloud_controls"] == sorted(XC) for item in document)


def test_summary_table() -> None:
    result = run("frameworks")
    assert result.exit_code == 0, result.output
    rows = [line.split("│") for line in result.output.splitlines() if "│" in line]
    cells = {row[1].strip(): [c.strip() for c in row[2:-1]] for row in rows}
    assert cells["soc2"] == ["61", "4", "13", "44", "60", "15"]
    assert cells["gdpr"] == ["22", "2", "13", "7", "60", "15"]


def test_show_soc2_lists_every_requirement_with_its_evidence() -> None:
    result = run("frameworks", "show", "soc2", "--json")
    assert result.exit_code == 0, result.output
    requirements = {r["id"]: r for r in json.loads(result.output)["requirements"]}
    assert len(requirements) == 61
    cc66 = requirements["CC6.6"]
    assert (cc66["coverage"], cc66["evidence"]) == ("automated", "scan findings")
    assert cc66["controls"] == [
        *("MFA-002", "MFA-003", "NET-001", "NET-002", "NET-003", "NET-005", "NET-007"),
    ]
    cc74 = requirements["CC7.4"]
    assert (cc74["coverage"], cc74["controls"], cc74["evidence"]) == (
        "manual",
        [],
        "needs manual evidence",
    )
    manual = [r for r in requirements.values() if r["coverage"] == "manual"]
    assert len(manual) == 44 and all(r["controls"] == [] for r in manual)


def test_show_table_says_what_needs_manual_evidence() -> None:
    result = run("frameworks", "show", "gdpr")
    assert result.exit_code == 0, result.output
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in line.split("│")[1:-1]]
            for line in result.output.splitlines()
            if "│" in line
        )
    }
    assert rows["34"] == [
        "Affected individuals are told about high-risk breaches",
        "manual",
        "-",
        "needs manual evidence: Informing data subjects is a process.",
    ]
    assert rows["45"][1:3] == ["partial", "RES-001, RES-003"]


def test_unknown_framework_exits_2() -> None:
    result = run("frameworks", "show", "pci")
    assert result.exit_code == 2
    assert "unknown framework 'pci'" in result.output


def test_broken_catalog_exits_2_naming_the_problem(tmp_path: Path) -> None:
    catalog = tmp_path / "controls"
    shutil.copytree(controls_dir(), catalog)
    path = catalog / "frameworks" / "gdpr.yaml"
    path.write_text(path.read_text().replace("coverage: manual", "coverage: maybe", 1))
    result = run("frameworks", "--catalog", str(catalog))
    assert result.exit_code == 2
    assert "gdpr.yaml" in result.output and "coverage" in result.output
