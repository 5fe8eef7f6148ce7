"""``--history`` on scan/evaluate, ``auditgraph history`` and ``diff`` over stored scans."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.history.url import engine_url
from scanner.snapshot import read_snapshot, write_snapshot
from tests.support.history_db import BACKENDS, backend_url
from tests.support.history_estates import (
    BREAKGLASS_AWS,
    CI_FULL_ACCESS,
    OPS_LEGACY,
    REFERENCE,
    modified,
    restamped,
)

SAML_PROVIDER = "arn:aws:iam::111122223333:saml-provider/acme-oci-identity"
SCOPE = (
    "aws:111122223333 azure:3f2b8c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f "
    "oci:ocid1.tenancy.oc1..aaaaaaaaacmeprod7xq2f5n4kz3w"
)


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    """The command line, with AUDITGRAPH_HISTORY unset unless ``env`` sets it."""
    chosen: dict[str, str | None] = {"COLUMNS": "200", "AUDITGRAPH_HISTORY": None, **(env or {})}
    return CliRunner().invoke(app, [str(a) for a in args], env=chosen)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def week_later(tmp_path: Path) -> Path:
    folder = tmp_path / "week-later"
    write_snapshot(modified(restamped(read_snapshot(REFERENCE / "snapshot"), 8)), folder)
    return folder


def two_recorded_scans(store_url: str, tmp_path: Path, week_later: Path) -> tuple[Path, Path]:
    first, second = tmp_path / "run-1", tmp_path / "run-2"
    ok(run("scan", "--demo", "--out", first, "-q", "--format", "json", "--history", store_url))
    config = REFERENCE / "estate.yaml"
    ok(
        run(
            "evaluate",
            week_later,
            "--config",
            config,
            "--out",
            second,
            "-q",
            "--history",
            store_url,
        )
    )
    return first, second


def test_scans_are_recorded_and_listed_with_their_trend(
    store_url: str, tmp_path: Path, week_later: Path
) -> None:
    first, _ = two_recorded_scans(store_url, tmp_path, week_later)
    listed = json.loads(ok(run("history", "--history", store_url, "--json")).stdout)
    findings = json.loads((first / "findings.json").read_text())["findings"]
    failing = sum(1 for f in findings if f["status"] == "fail")
    assert [(s["id"], s["status"], s["scope"], s["failing"], s["trend"]) for s in listed] == [
        (1, "complete", SCOPE, failing, None),
        # ci-full-access is gone (-1); the certificate the AWS SAML provider pins now
        # expires within 30 days (+1, IDF-008)
        (2, "complete", SCOPE, failing, 0),
    ]
    assert [s["snapshot_finished"] for s in listed] == [
        "2026-11-01T09:04:12Z",
        "2026-11-08T09:04:12Z",
    ]
    assert listed[0]["findings"] == len(findings)
    assert listed[0]["counts"]["frameworks"]["gdpr"]["fail"] == failing
    table = ok(run("history", "--history", store_url)).stdout
    assert "2 scan(s)" in table
    assert "2026-11-08T09:04:12Z" in table
    (row,) = [line for line in table.splitlines() if "2026-11-08T09:04:12Z" in line]
    assert [cell.strip() for cell in row.split("│")][-2] == "0"  # the trend cell
    assert [
        s["id"]
        for s in json.loads(run("history", "--history", store_url, "--limit", "1", "--json").stdout)
    ] == [2]


def test_diff_without_arguments_compares_the_last_two_scans(
    store_url: str, tmp_path: Path, week_later: Path
) -> None:
    first, second = two_recorded_scans(store_url, tmp_path, week_later)
    stored = json.loads(ok(run("diff", "--history", store_url, "--format", "json")).stdout)
    assert (stored["before"]["label"], stored["after"]["label"]) == ("scan 1", "scan 2")
    findings = stored["findings"]
    assert [(c["control_id"], c["resource_uid"]) for c in findings["regressed"]] == [
        ("MFA-005", BREAKGLASS_AWS),
        ("IDF-008", SAML_PROVIDER),
    ]
    assert sorted((c["control_id"], c["resource_uid"]) for c in findings["resolved"]) == [
        ("MFA-005", OPS_LEGACY),
        ("PAM-002", CI_FULL_ACCESS),
    ]
    assert [r["uid"] for r in stored["drift"]["removed"]] == [CI_FULL_ACCESS]
    assert [r["uid"] for r in stored["drift"]["changed"]] == [BREAKGLASS_AWS, OPS_LEGACY]

    by_id = json.loads(
        ok(run("diff", "1", "scan:2", "--history", store_url, "--format", "json")).stdout
    )
    folders = json.loads(ok(run("diff", first, second, "--format", "json")).stdout)
    assert _without_labels(by_id) == _without_labels(stored) == _without_labels(folders)


def _without_labels(diff: dict[str, Any]) -> dict[str, Any]:
    return diff | {side: diff[side] | {"label": None} for side in ("before", "after")}


def test_diff_errors_name_the_scan(store_url: str, tmp_path: Path) -> None:
    ok(
        run(
            "scan",
            "--demo",
            "--out",
            tmp_path / "run",
            "-q",
            "--format",
            "json",
            "--history",
            store_url,
        )
    )
    for args, message in (
        ((), "fewer than two complete scans"),
        (("1", "7"), "no scan 7"),
        (("1", "scan:x"), "scan:x: not a scan id"),
        (("1",), "give two sides"),
    ):
        result = run("diff", *args, "--history", store_url)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        no_traceback(result)


def test_a_store_that_fails_keeps_the_reports_and_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("scan", "--demo", "--out", out, "--history", "mysql://db/auditgraph")
    assert result.exit_code == 2
    assert (
        "error: the scan was not recorded: history store mysql://db/auditgraph: " in result.stderr
    )
    assert "unsupported database 'mysql'" in result.stderr
    assert (out / "findings.json").is_file()
    assert "Written:" in result.stdout
    no_traceback(result)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://auditgraph:s3cret@127.0.0.1:1/auditgraph", "cannot open: connection failed"),
        ("not a url", "not a database URL"),
        ("sqlite://", "a SQLite URL needs a file path"),
    ],
)
def test_history_errors_are_one_line_without_secrets(url: str, message: str) -> None:
    result = run("history", "--history", url)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "s3cret" not in result.output
    no_traceback(result)


def test_history_refuses_a_missing_file_and_a_newer_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    missing = run("history", "--history", url)
    assert missing.exit_code == 2
    assert "no such file (record a scan with --history first)" in missing.stderr
    assert not (tmp_path / "h.db").exists()
    ok(run("scan", "--demo", "--out", tmp_path / "run", "-q", "--format", "json", "--history", url))
    engine = create_engine(engine_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    newer = run("history", "--history", url)
    assert newer.exit_code == 2
    assert "schema revision 'f00d' was written by a newer auditgraph" in newer.stderr
    no_traceback(newer)


def test_a_broken_database_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "h.db").write_bytes(b"this is not a database" * 100)
    result = run("history", "--history", f"sqlite:///{tmp_path / 'h.db'}")
    assert result.exit_code == 2
    assert "file is not a database" in result.stderr
    no_traceback(result)


def test_environment_and_default_store(tmp_path: Path) -> None:
    env_url = f"sqlite:///{tmp_path / 'env.db'}"
    ok(
        run(
            "scan",
            "--demo",
            "--out",
            tmp_path / "a",
            "-q",
            "--format",
            "json",
            env={"AUDITGRAPH_HISTORY": env_url},
        )
    )
    assert (
        len(json.loads(ok(run("history", "--json", env={"AUDITGRAPH_HISTORY": env_url})).stdout))
        == 1
    )
    data_home = {"XDG_DATA_HOME": str(tmp_path / "data")}
    ok(
        run(
            "scan",
            "--demo",
            "--out",
            tmp_path / "b",
            "-q",
            "--format",
            "json",
            "--history",
            "default",
            env=data_home,
        )
    )
    assert (tmp_path / "data" / "auditgraph" / "history.db").is_file()
    listed = json.loads(ok(run("history", "--json", env=data_home)).stdout)
    assert [(s["id"], s["status"]) for s in listed] == [(1, "complete")]


def test_scan_without_history_records_nothing(tmp_path: Path) -> None:
    data_home = {"XDG_DATA_HOME": str(tmp_path / "data")}
    ok(run("scan", "--demo", "--out", tmp_path / "a", "-q", "--format", "json", env=data_home))
    assert not (tmp_path / "data").exists()
