"""The ``auditgraph`` command line, end to end on the bundled catalog and reference estate."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from scanner.bundled import controls_dir, reference_estate
from scanner.cli import app
from scanner.engine.catalog import load_catalog

EXPECTED_FILES = {
    "findings.json",
    "report-soc2.html",
    "report-iso27001_2022.html",
    "report-gdpr.html",
    "summary.md",
}
RUN_FOLDER = {"inputs", "snapshot", "run.json"}
"""What makes the output folder a self-sufficient run folder (tests/test_evidence.py)."""


def run(*args: str | Path) -> Result:
    runner = CliRunner()
    return runner.invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


def scan_demo(out: Path, *extra: str) -> Result:
    return run("scan", "--demo", "--out", out, *extra)


def read_all(folder: Path) -> dict[str, bytes]:
    """The reports in ``folder`` (the run folder's inputs are not reports)."""
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.name not in RUN_FOLDER
    }


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_help_documents_exit_codes() -> None:
    for args in ([], ["--help"], ["scan", "--help"]):
        result = run(*args)
        assert "Exit codes" in result.output
        assert "--fail-on" in result.output


def test_scan_demo_writes_every_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = scan_demo(out)
    assert result.exit_code == 0, result.output
    assert {path.name for path in out.iterdir()} == EXPECTED_FILES | RUN_FOLDER
    for name in EXPECTED_FILES:
        assert str(out / name) in result.stdout


def test_fail_on_high_exits_1(tmp_path: Path) -> None:
    result = scan_demo(tmp_path / "out", "--fail-on", "high", "--quiet")
    assert result.exit_code == 1, result.output
    assert (tmp_path / "out" / "findings.json").is_file()


def test_json_output_is_one_json_object(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = scan_demo(out, "--json", "--fail-on", "critical")
    summary = json.loads(result.stdout)
    assert result.exit_code == summary["exit_code"] == 1
    assert summary["findings"]["fail"] > 0
    assert summary["findings"]["total"] == sum(
        summary["findings"][status]
        for status in ("pass", "fail", "inconclusive", "error", "waived")
    )
    assert set(summary["frameworks"]) == {"soc2", "iso27001_2022", "gdpr"}
    assert sorted(Path(p).name for p in summary["written"]) == sorted(EXPECTED_FILES)


def test_selection_flags_select_controls_and_findings(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("--control", "res-003", "--cloud", "aws,oci", "--format", "json,md")
    result = scan_demo(out, *args, "--framework", "gdpr", "--quiet")
    assert result.exit_code == 0, result.output
    assert {path.name for path in out.iterdir()} == {"findings.json", "summary.md"} | RUN_FOLDER
    findings = json.loads((out / "findings.json").read_text())["findings"]
    assert findings
    assert {f["control_id"] for f in findings} == {"RES-003"}
    assert {f["cloud"] for f in findings} <= {"aws", "oci"}


def test_bad_flag_value_is_a_usage_error(tmp_path: Path) -> None:
    result = scan_demo(tmp_path / "out", "--format", "pdf")
    assert result.exit_code == 2
    assert "pdf" in result.output
    assert not (tmp_path / "out").exists()


def test_two_demo_scans_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert scan_demo(first, "--quiet").exit_code == 0
    assert scan_demo(second, "--quiet").exit_code == 0
    assert set(read_all(first)) == EXPECTED_FILES
    assert read_all(first) == read_all(second)


def test_report_rerenders_the_same_bytes(tmp_path: Path) -> None:
    scanned, rendered = tmp_path / "scan", tmp_path / "report"
    assert scan_demo(scanned, "--quiet").exit_code == 0
    result = run("report", scanned / "findings.json", "--out", rendered)
    assert result.exit_code == 0, result.output
    assert read_all(rendered) == read_all(scanned)


def test_report_refuses_a_file_that_is_not_findings(tmp_path: Path) -> None:
    bogus = tmp_path / "findings.json"
    bogus.write_text('{"format_version": "1"}')
    result = run("report", bogus, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "not a findings document" in result.stderr
    no_traceback(result)


def test_scan_without_a_source_says_what_to_give() -> None:
    result = run("scan")
    assert result.exit_code == 2
    assert "--cloud oci" in result.stderr
    assert "--demo" in result.stderr


def test_scan_azure_refuses_a_bearer_token_over_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITGRAPH_AZURE_ARM_TOKEN", "a.b.c")
    result = run("scan", "--cloud", "azure", "--azure-arm-endpoint", "http://arm.example.test")
    assert result.exit_code == 2
    assert "refusing to send an Azure bearer token to http://arm.example.test" in result.stderr
    no_traceback(result)


def test_collect_azure_rejects_an_unknown_cloud_name() -> None:
    result = run("collect", "--cloud", "azure", "--azure-cloud", "AzureMoon")
    assert result.exit_code == 2
    assert "--azure-cloud" in result.stderr
    no_traceback(result)


def test_collect_oci_without_a_config_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-config"
    result = run("collect", "--cloud", "oci", "--oci-config", str(missing), "--quiet")
    assert result.exit_code == 2
    assert str(missing) in result.stderr
    no_traceback(result)


def test_controls_list_contains_res_003() -> None:
    result = run("controls", "list")
    assert result.exit_code == 0, result.output
    assert "RES-003" in result.stdout
    filtered = run("controls", "list", "--domain", "no-such-domain")
    assert "RES-003" not in filtered.stdout


def test_controls_show_res_003() -> None:
    result = run("controls", "show", "RES-003")
    assert result.exit_code == 0, result.output
    control = load_catalog(controls_dir()).get("RES-003")
    assert control is not None
    first_line = control.control.expression.strip().splitlines()[0]
    assert first_line in result.stdout
    for requirement_ids in control.control.maps_to.values():
        for requirement_id in requirement_ids:
            assert requirement_id in result.stdout
    for example in control.control.examples:
        assert example.name in result.stdout
    assert "MISMATCH" not in result.stdout


def test_controls_show_unknown_id() -> None:
    result = run("controls", "show", "XYZ-999")
    assert result.exit_code == 2
    assert "XYZ-999" in result.output


def test_controls_validate_bundled_catalog() -> None:
    result = run("controls", "validate")
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ controls valid, 0 problems in 0 files", result.stdout)


def _break_cel(catalog: Path, control_id: str) -> Path:
    """Give ``control_id`` an expression that does not parse; return its file."""
    for path in sorted(catalog.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for control in data["controls"]:
            if control["id"] == control_id:
                control["expression"] = "resource.props.encrypted == (true &&"
                path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
                return path
    raise AssertionError(f"{control_id} not found")


def test_controls_validate_reports_a_cel_syntax_error(tmp_path: Path) -> None:
    catalog = tmp_path / "controls"
    shutil.copytree(controls_dir(), catalog)
    total = len(load_catalog(catalog).controls)
    broken = _break_cel(catalog, "RES-003")
    result = run("controls", "validate", catalog)
    assert result.exit_code == 2, result.output
    assert re.search(rf"{re.escape(broken.name)}:\d+:\d+ \[RES-003\]: ", result.stdout)
    assert f"{total - 1} controls valid, 1 problem in 1 file" in result.stdout


def test_unknown_config_key_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "estate.yaml"
    config.write_text("params:\n  allowed_jurisdictions: [EU]\n  colour: blue\n")
    result = scan_demo(tmp_path / "out", "--config", str(config))
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(config))}:3(:\d+)? \[params\.colour\]", result.stderr)
    no_traceback(result)


def test_evaluate_refuses_a_tampered_snapshot(tmp_path: Path) -> None:
    snapshot = tmp_path / "snapshot"
    shutil.copytree(reference_estate() / "snapshot", snapshot)
    resources = snapshot / "resources.jsonl"
    data = bytearray(resources.read_bytes())
    data[len(data) // 2] ^= 0x01
    resources.write_bytes(bytes(data))
    result = run("evaluate", snapshot, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "resources.jsonl" in result.stderr
    no_traceback(result)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fail_on", ["none", "critical"])
def test_evaluate_saved_snapshot_matches_demo_scan(tmp_path: Path, fail_on: str) -> None:
    estate = reference_estate()
    args = ("--config", estate / "estate.yaml", "--fail-on", fail_on, "--quiet")
    result = run("evaluate", estate / "snapshot", "--out", tmp_path / "eval", *args)
    assert result.exit_code == (0 if fail_on == "none" else 1), result.output
    assert scan_demo(tmp_path / "scan", "--quiet").exit_code == 0
    assert read_all(tmp_path / "eval") == read_all(tmp_path / "scan")
