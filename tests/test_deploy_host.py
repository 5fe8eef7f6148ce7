"""deploy/Dockerfile and the systemd units under deploy/systemd/.

Docker does not run here: the Dockerfile is parsed with ``dockerfile-parse`` and checked
statically. The units are read the way systemd reads them (``\\`` joins lines, ``#``
starts a comment) into configparser; when ``systemd-analyze`` is installed it verifies
them too. Every command line is parsed by auditgraph's own command.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from dockerfile_parse import DockerfileParser

from tests.support.invocation import parse_invocation

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "deploy" / "Dockerfile"
SYSTEMD = REPO / "deploy" / "systemd"
SERVICE = SYSTEMD / "auditgraph-scan.service"
TIMER = SYSTEMD / "auditgraph-scan.timer"
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|ACCESS_KEY|API_KEY")


# --- Dockerfile ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(DOCKERFILE))


def instructions(parser: DockerfileParser, stage: int | None = None) -> list[tuple[str, str]]:
    """(instruction, value) pairs, of one stage (0-based) or of the whole file."""
    found: list[tuple[str, str]] = []
    current = -1
    for item in parser.structure:
        current += item["instruction"] == "FROM"
        if stage is None or current == stage:
            found.append((item["instruction"], item["value"]))
    return found


def test_two_stages_on_python_3_11_slim(dockerfile: DockerfileParser) -> None:
    froms = [value for name, value in instructions(dockerfile) if name == "FROM"]
    assert froms == ["python:3.11-slim-bookworm AS build", "python:3.11-slim-bookworm"]
    build_stage = instructions(dockerfile, 0)
    assert ("RUN", "python -m pip wheel --no-deps --wheel-dir /wheels .") in build_stage
    runtime = " ".join(value for name, value in instructions(dockerfile, 1) if name == "RUN")
    assert "--mount=type=bind,from=build,source=/wheels,target=/wheels" in runtime
    assert "python -m pip install /wheels/*.whl" in runtime


def test_runs_as_a_fixed_non_root_uid(dockerfile: DockerfileParser) -> None:
    users = [value for name, value in instructions(dockerfile, 1) if name == "USER"]
    assert users == ["10001:10001"]
    created = " ".join(value for name, value in instructions(dockerfile, 1) if name == "RUN")
    assert "--uid 10001" in created
    assert "--gid 10001" in created


def test_entrypoint_and_default_command_are_a_valid_invocation(
    dockerfile: DockerfileParser,
) -> None:
    final = dict(instructions(dockerfile, 1))
    assert json.loads(final["ENTRYPOINT"]) == ["auditgraph"]
    command = json.loads(final["CMD"])
    invocation = parse_invocation(command, dict(dockerfile.envs))
    assert invocation.command == "scan"
    assert invocation.params["demo"] is True
    assert str(invocation.params["out"]) in json.loads(final["VOLUME"])


def test_read_only_root_filesystem_friendly(dockerfile: DockerfileParser) -> None:
    env = dockerfile.envs
    assert env["HOME"] == "/tmp"
    assert env["TMPDIR"] == "/tmp"
    assert env["XDG_CACHE_HOME"].startswith("/tmp/")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    volumes = json.loads(dict(instructions(dockerfile, 1))["VOLUME"])
    assert env["XDG_DATA_HOME"] in volumes


def test_no_remote_add_and_no_secret_in_the_image(dockerfile: DockerfileParser) -> None:
    names = {name for name, _ in instructions(dockerfile)}
    assert "ADD" not in names
    for name, value in instructions(dockerfile):
        if name in ("ENV", "ARG"):
            assert not SECRET_WORDS.search(value.upper()), value
    assert "HEALTHCHECK" not in names


def test_every_copied_path_exists_and_the_wheel_has_all_it_needs(
    dockerfile: DockerfileParser,
) -> None:
    copied: set[str] = set()
    for name, value in instructions(dockerfile):
        if name != "COPY" or value.startswith("--from"):
            continue
        *sources, _destination = shlex.split(value)
        copied.update(sources)
    for source in copied:
        assert (REPO / source).exists(), source
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {*wheel["packages"], *wheel["force-include"], "pyproject.toml"}
    needed.add(project["project"]["readme"])
    assert needed <= copied


def test_build_context_ignore_file_keeps_what_is_copied(dockerfile: DockerfileParser) -> None:
    ignore = (REPO / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    copied = {
        source
        for name, value in instructions(dockerfile)
        if name == "COPY" and not value.startswith("--from")
        for source in shlex.split(value)[:-1]
    }
    assert next(line for line in ignore if not line.startswith("#")) == "**"
    assert kept == copied


# --- systemd -------------------------------------------------------------------------------


def read_unit(path: Path) -> configparser.ConfigParser:
    """A unit file as systemd reads it: a trailing backslash joins the next line."""
    text = re.sub(r"\\\n[ \t]*", " ", path.read_text())
    parser = configparser.ConfigParser(
        strict=False, interpolation=None, comment_prefixes=("#", ";"), empty_lines_in_values=False
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


@pytest.fixture(scope="module")
def service() -> Any:
    return read_unit(SERVICE)["Service"]


def exec_start(service: Any) -> list[str]:
    """ExecStart's arguments, with the credentials directory specifier (%d) resolved."""
    line = service["ExecStart"].replace("%d", "/run/credentials/auditgraph-scan.service")
    return shlex.split(line)


def test_service_is_a_hardened_oneshot(service: Any) -> None:
    expected = {
        "Type": "oneshot",
        "User": "auditgraph",
        "Group": "auditgraph",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "NoNewPrivileges": "yes",
        "StateDirectory": "auditgraph",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
        "SystemCallFilter": "@system-service",
        "EnvironmentFile": "-/etc/auditgraph/auditgraph.env",
    }
    assert {key: service.get(key) for key in expected} == expected
    assert service["ReadWritePaths"].split() == [
        "/var/lib/auditgraph",
        "-/var/lib/prometheus/node-exporter",
    ]


def test_exec_start_is_a_valid_scan_writing_only_where_it_may(service: Any) -> None:
    binary, *args = exec_start(service)
    assert binary == "/opt/auditgraph/bin/auditgraph"
    environment = dict(item.split("=", 1) for item in shlex.split(service["Environment"]))
    invocation = parse_invocation(args, environment)
    assert invocation.command == "scan"
    params = invocation.params
    assert params["history"] == "sqlite:////var/lib/auditgraph/history.db"
    writable = [path.lstrip("-") for path in service["ReadWritePaths"].split()]
    for written in (params["out"], params["metrics_file"]):
        assert any(Path(written).is_relative_to(folder) for folder in writable), written
    assert str(params["oci_config"]).startswith("/run/credentials/auditgraph-scan.service/")
    credentials = {line.split(":", 1)[0] for line in _all(SERVICE, "Service", "LoadCredential")}
    assert Path(params["oci_config"]).name in credentials


def _all(path: Path, section: str, key: str) -> list[str]:
    """Every value of a key systemd allows to repeat (configparser keeps only the last)."""
    values, current = [], None
    for line in path.read_text().splitlines():
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and line.startswith(f"{key}="):
            values.append(line.split("=", 1)[1])
    return values


def test_timer_runs_daily_catching_up_missed_runs() -> None:
    timer = read_unit(TIMER)
    assert dict(timer["Timer"]) == {
        "OnCalendar": "daily",
        "Persistent": "true",
        "RandomizedDelaySec": "1h",
        "AccuracySec": "1min",
        "Unit": SERVICE.name,
    }
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_analyze_verify_knows_every_setting(tmp_path: Path) -> None:
    """systemd's own parser: an unknown key or a bad value is a warning on stderr."""
    text = SERVICE.read_text().replace("/opt/auditgraph/bin/auditgraph", "/bin/true")
    (tmp_path / SERVICE.name).write_text(text)
    shutil.copy(TIMER, tmp_path / TIMER.name)
    units = [str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (verified.returncode, verified.stdout, verified.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "--no-such-option"], "No such option: --no-such-option"),
        (["scan", "--metrics-file", "/tmp/metrics.txt"], "the name must end in .prom"),
        (["scan", "--severity", "huge"], "'huge' is not one of"),
        (["scans"], "no such command 'scans'"),
    ],
)
def test_the_invocation_check_rejects_what_auditgraph_rejects(
    args: list[str], message: str
) -> None:
    with pytest.raises(Exception, match=re.escape(message)):
        parse_invocation(args)
