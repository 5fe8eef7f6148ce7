"""Every remediation template: quoting enforced in the AST, hostile values kept inside one
argument or string, and every command and Terraform argument a real one.

The synthetic estate of ``tests/support/remediation_cases.py`` gives each CLI and
Terraform template at least one failing finding; the reference estate's run is checked too.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import botocore.session
import hcl2
import pytest
from botocore import xform_name
from jinja2 import nodes
from lark import Tree

from scanner.bundled import controls_dir, remediation_dir
from scanner.engine.catalog import Catalog, load_catalog
from scanner.outputs.remediation import FindingFilter, RunInputs, load_playbooks, remediate
from scanner.outputs.remediation.filters import FINAL_FILTERS, hcl_string, make_environment
from scanner.outputs.remediation.playbooks import Medium
from tests.support.remediation_cases import case_run

FIXTURES = Path(__file__).parent / "fixtures" / "remediation"
HOSTILE = "x'\"$(touch /tmp/pwn)`id`;a&&b|c*\n☃ ${v} %{w}\\ end"
HOSTILE_VARIANTS = {HOSTILE, HOSTILE.replace("/", "_")}
FRAGMENT = "$(touch"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(controls_dir())


def _files(run: RunInputs, fmt: str, catalog: Catalog) -> dict[str, str]:
    out = remediate(run, FindingFilter(), fmt, remediation_dir(), catalog, "run/")
    assert out.problems == []
    return out.files


def _templates() -> list[Path]:
    return sorted(
        p for p in remediation_dir().rglob("*.j2") if p.name.endswith((".cli.j2", ".tf.j2"))
    )


@pytest.mark.parametrize("path", _templates(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_output_ends_with_the_quoting_filter(path: Path) -> None:
    env = make_environment(remediation_dir())
    allowed = FINAL_FILTERS[".cli.j2" if path.name.endswith(".cli.j2") else ".tf.j2"]
    outputs = list(env.parse(path.read_text()).find_all(nodes.Output))
    assert outputs
    for output in outputs:
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            assert isinstance(child, nodes.Filter), (path, child)
            assert child.name in allowed, (path, child.name)


def test_the_ast_check_rejects_an_unquoted_value() -> None:
    env = make_environment(remediation_dir())
    tree = env.parse("aws s3api get-bucket-acl --bucket {{ resource.name | upper }}\n")
    [output] = list(tree.find_all(nodes.Output))
    filters = [child for child in output.nodes if isinstance(child, nodes.Filter)]
    assert [f.name for f in filters] == ["upper"]


def test_the_cases_render_every_cli_and_terraform_template() -> None:
    run = case_run("demo1")
    playbooks = load_playbooks(remediation_dir())
    used = {
        playbooks[f.control_id].template(f.cloud, medium)
        for f in run.document.findings
        for medium in Medium
    }
    on_disk = {f"{p.parent.name}/{p.name}" for p in _templates()}
    assert on_disk <= used


def test_hcl_filter_escapes_template_sequences() -> None:
    assert hcl_string('a"b\\c\n${x}%{y}$z') == '"a\\"b\\\\c\\n$${x}%%{y}$z"'
    assert hcl_string(True) == "true" and hcl_string(443) == "443"


def test_hostile_values_stay_inside_one_shell_argument(catalog: Catalog, tmp_path: Path) -> None:
    script = _files(case_run(HOSTILE), "script", catalog)["remediation.sh"]
    path = tmp_path / "hostile.sh"
    path.write_text(script)
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    tokens = shlex.split(script, comments=True)
    carrying = [s for t in tokens for s in _strings(t) if FRAGMENT in s]
    assert len(carrying) > 50
    assert [t for t in carrying if not any(v in t for v in HOSTILE_VARIANTS)] == []
    assert HOSTILE in tokens and HOSTILE.replace("/", "_") in tokens


def test_hostile_script_never_runs_the_payload(catalog: Catalog, tmp_path: Path) -> None:
    script = _files(case_run(HOSTILE), "script", catalog)["remediation.sh"]
    path = tmp_path / "hostile.sh"
    path.write_text(script)
    done = subprocess.run(["bash", str(path)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 3
    assert not Path("/tmp/pwn").exists()


def _strings(value: object) -> list[str]:
    """Every string in a parsed value; a string holding a JSON document (a policy, a rule
    list) is opened too, so that the hostile value is checked after JSON decoding."""
    if isinstance(value, str):
        if value[:1] in "[{":
            try:
                return _strings(json.loads(value))
            except ValueError:
                pass
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


_HCL_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.DOTALL)
_HCL_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def _hcl_decode(raw: str) -> str:
    """A quoted HCL string's value, per the HCL native syntax spec (python-hcl2's own
    decoding turns ``\\\\n`` into a backslash and a line break, so the raw text is decoded
    here)."""

    def one(match: re.Match[str]) -> str:
        text = match.group(0)
        if text in ("$${", "%%{"):
            return text[1:]
        code = match.group(1)
        return _HCL_SIMPLE.get(code) or chr(int(code[1:], 16))

    return _HCL_ESCAPE.sub(one, raw)


def _hcl_strings(text: str) -> list[str]:
    """Every string literal of a Terraform file, decoded; a template interpolation
    (``${...}`` or ``%{...}``) inside a literal fails the test: none may come from a value."""
    tree = hcl2.parses(text)
    values = []
    for node in tree.find_data("string"):
        parts = []
        for part in node.children:
            tokens = list(part.scan_values(lambda _: True)) if isinstance(part, Tree) else [part]
            assert not (isinstance(part, Tree) and list(part.find_data("interpolation"))), part
            parts.extend(str(token) for token in tokens)
        values.append(_hcl_decode("".join(parts)))
    return values


def _scripts(catalog: Catalog, reference_run: RunInputs) -> str:
    synthetic = _files(case_run("demo1"), "script", catalog)["remediation.sh"]
    reference = _files(reference_run, "script", catalog)["remediation.sh"]
    return synthetic + reference


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> RunInputs:
    from typer.testing import CliRunner

    from scanner.cli import app
    from scanner.outputs.remediation import read_run

    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(app, ["scan", "--demo", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return read_run(out)


def _commands(script: str, program: str) -> list[list[str]]:
    return [shlex.split(line) for line in script.splitlines() if line.startswith(program + " ")]


AWS_SERVICE_NAMES = {"s3api": "s3"}
"""CLI command names that differ from botocore's service names."""
AWS_CLI_ONLY = {("ec2", "create-network-acl-entry"): {"--ingress"}}
"""Options the AWS CLI adds on top of the model (``--ingress`` is ``--no-egress``)."""
AWS_GLOBAL = {"--region", "--query", "--output"}


def test_aws_commands_exist_in_botocore(catalog: Catalog, reference_run: RunInputs) -> None:
    session = botocore.session.get_session()
    commands = _commands(_scripts(catalog, reference_run), "aws")
    assert len({(a[1], a[2]) for a in commands}) >= 15
    for argv in commands:
        model = session.get_service_model(AWS_SERVICE_NAMES.get(argv[1], argv[1]))
        operations = {xform_name(name, "-"): name for name in model.operation_names}
        assert argv[2] in operations, argv
        members = model.operation_model(operations[argv[2]]).input_shape.members
        allowed = {"--" + xform_name(m, "-") for m in members} | AWS_GLOBAL
        allowed |= AWS_CLI_ONLY.get((argv[1], argv[2]), set())
        unknown = [a for a in argv[3:] if a.startswith("--") and a not in allowed]
        assert unknown == [], argv


def _command_path(argv: list[str]) -> str:
    words = []
    for word in argv[1:]:
        if word.startswith("-"):
            break
        words.append(word)
    return " ".join(words)


@pytest.mark.parametrize("program", ["oci", "az"])
def test_oci_and_az_commands_exist(
    catalog: Catalog, reference_run: RunInputs, program: str
) -> None:
    table: dict[str, Any] = json.loads((FIXTURES / f"{program}_commands.json").read_text())
    commands = _commands(_scripts(catalog, reference_run), program)
    assert {_command_path(a) for a in commands} == set(table["commands"]), (
        "the templates' commands and the table differ: regenerate it (generate_cli_tables.py)"
    )
    for argv in commands:
        allowed = set(table["commands"][_command_path(argv)]) | set(table["global"])
        assert [a for a in argv if a.startswith("--") and a not in allowed] == [], argv


def test_terraform_resources_and_arguments_are_real(
    catalog: Catalog, reference_run: RunInputs
) -> None:
    schema = json.loads((FIXTURES / "terraform_schema.json").read_text())["resources"]
    used: set[str] = set()
    for run in (case_run("demo1"), reference_run):
        for text in _files(run, "terraform", catalog).values():
            for block in hcl2.loads(text).get("resource", []):
                for rtype, named in block.items():
                    assert rtype in schema, rtype
                    used.add(rtype)
                    for body in named.values():
                        extra = set(body) - set(schema[rtype]) - {"__start_line__", "__end_line__"}
                        assert extra == set(), (rtype, extra)
    assert used == set(schema)
