"""A non-editable install carries the catalog, templates and demo estate."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _build_wheel(dest: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dest),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = dest.glob("auditgraph-*.whl")
    return wheel


def test_wheel_carries_data_and_runs_the_demo_from_any_directory(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "scanner/_bundled/controls/frameworks/soc2.yaml",
        "scanner/_bundled/controls/residency.yaml",
        "scanner/_bundled/reports/framework.html.j2",
        "scanner/_bundled/estates/reference/snapshot/manifest.json",
        "scanner/_bundled/estates/reference/estate.yaml",
        "scanner/history/migrations/env.py",
        "scanner/history/migrations/versions/v0001_initial_schema.py",
    ):
        assert expected in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "auditgraph = scanner.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import scanner, sys; print(scanner.__file__, file=sys.stderr); "
            "from scanner.cli import main; sys.argv = ['auditgraph', 'scan', '--demo', '--quiet', "
            f"'--out', {str(out)!r}]; main()",
        ],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert str(site) in result.stderr.splitlines()[0]
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.json",
        "inputs",
        "report-gdpr.html",
        "report-iso27001_2022.html",
        "report-soc2.html",
        "run.json",
        "snapshot",
        "summary.md",
    ]
