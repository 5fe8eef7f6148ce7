"""The control catalog: the bundled controls, their examples, and broken catalogs.

Broken catalogs are copies of ``controls/`` with one file damaged by a text edit, so
every position a problem reports is a real position in a real file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.bundled import controls_dir
from scanner.engine.catalog import Catalog, CatalogReport, check_catalog, load_catalog
from scanner.engine.examples import run_example
from scanner.errors import CatalogError, Problem
from scanner.model import FRAMEWORK_IDS, Control, Example

CONTROLS = controls_dir()
_BUNDLED = check_catalog(CONTROLS)
BUNDLED_IDS = tuple(control.id for control in _BUNDLED.catalog.controls)
EXAMPLE_STATUSES = ("pass", "fail", "inconclusive")


def _file_of(control_id: str) -> str:
    compiled = _BUNDLED.catalog.get(control_id)
    assert compiled is not None
    return Path(compiled.location.file).name


def _line_of(text: str, needle: str) -> int:
    """1-based line of the only line of ``text`` that contains ``needle``."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def _damaged(tmp_path: Path, file_name: str, old: str, new: str) -> tuple[Path, Path, str]:
    """Copy the bundled catalog and replace ``old`` (present exactly once) in one file."""
    root = tmp_path / "controls"
    shutil.copytree(CONTROLS, root)
    path = root / file_name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file_name}"
    damaged = text.replace(old, new)
    path.write_text(damaged, encoding="utf-8")
    return root, path, damaged


def _control_block(file_name: str, control_id: str) -> str:
    """The text of one control entry, from its ``- id:`` line to the next entry."""
    text = (CONTROLS / file_name).read_text(encoding="utf-8")
    start = text.index(f"  - id: {control_id}\n")
    end = text.find("\n  - id: ", start + 1)
    return text[start:] if end == -1 else text[start : end + 1]


def _expression_line(control_id: str) -> str:
    """The single-line ``expression:`` of a control (the damage target of CEL cases)."""
    block = _control_block(_file_of(control_id), control_id)
    lines = [line for line in block.splitlines() if line.startswith("    expression: ")]
    assert len(lines) == 1
    assert not lines[0].endswith(">"), "the target control needs a one-line expression"
    return lines[0]


def _assert_rejected(root: Path, report: CatalogReport) -> None:
    with pytest.raises(CatalogError) as raised:
        load_catalog(root)
    assert raised.value.problems == report.problems
    assert str(raised.value) == "\n".join(str(problem) for problem in report.problems)


def _kept_ids(report: CatalogReport) -> tuple[str, ...]:
    return tuple(control.id for control in report.catalog.controls)


def _only_problems_of(report: CatalogReport, control_id: str) -> list[Problem]:
    assert report.problems, "the damage was not reported"
    assert {problem.location.entry for problem in report.problems} == {control_id}
    return report.problems


# --- the bundled catalog -------------------------------------------------------------


def test_bundled_catalog_has_no_problems() -> None:
    assert _BUNDLED.problems == []
    assert len(BUNDLED_IDS) >= 1
    assert list(BUNDLED_IDS) == sorted(BUNDLED_IDS)
    assert len(set(BUNDLED_IDS)) == len(BUNDLED_IDS)
    assert sorted(_BUNDLED.catalog.frameworks) == sorted(FRAMEWORK_IDS)
    assert _BUNDLED.files == sorted(CONTROLS.glob("*.yaml"))


def test_load_catalog_returns_the_checked_catalog() -> None:
    catalog = load_catalog(CONTROLS)
    assert isinstance(catalog, Catalog)
    assert tuple(control.id for control in catalog.controls) == BUNDLED_IDS
    assert catalog.get("NO-999") is None


@pytest.mark.parametrize("control_id", BUNDLED_IDS)
def test_every_control_has_a_pass_fail_and_inconclusive_example(control_id: str) -> None:
    compiled = _BUNDLED.catalog.get(control_id)
    assert compiled is not None
    expected = {example.expect for example in compiled.control.examples}
    assert expected == set(EXAMPLE_STATUSES)


@pytest.mark.parametrize("control_id", BUNDLED_IDS)
def test_every_control_maps_to_all_three_frameworks(control_id: str) -> None:
    compiled = _BUNDLED.catalog.get(control_id)
    assert compiled is not None
    maps_to = compiled.control.maps_to
    assert sorted(maps_to) == sorted(FRAMEWORK_IDS)
    for framework_id, requirement_ids in maps_to.items():
        assert requirement_ids, f"{control_id} maps to no {framework_id} requirement"
        known = {r.id for r in _BUNDLED.catalog.frameworks[framework_id].requirements}
        assert set(requirement_ids) <= known


def test_catalog_digest_is_stable_across_loads() -> None:
    first = load_catalog(CONTROLS)
    second = load_catalog(CONTROLS)
    assert first.digest == second.digest
    assert first.digest == _BUNDLED.catalog.digest
    assert len(first.digest) == 64
    assert int(first.digest, 16) >= 0


def test_catalog_digest_changes_when_a_control_changes(tmp_path: Path) -> None:
    block = _control_block(_file_of(BUNDLED_IDS[0]), BUNDLED_IDS[0])
    title = next(line for line in block.splitlines() if line.startswith("    title: "))
    root, _, _ = _damaged(tmp_path, _file_of(BUNDLED_IDS[0]), title, title + " (edited)")
    edited = load_catalog(root)
    assert tuple(control.id for control in edited.controls) == BUNDLED_IDS
    assert edited.digest != _BUNDLED.catalog.digest


# --- every documented example gives its expected status -------------------------------


def _example_cases() -> list[object]:
    cases: list[object] = []
    for compiled in _BUNDLED.catalog.controls:
        for example in compiled.control.examples:
            cases.append(pytest.param(compiled.id, example, id=f"{compiled.id}:{example.name}"))
    return cases


@pytest.mark.parametrize(("control_id", "example"), _example_cases())
def test_example_gives_expected_status(control_id: str, example: Example) -> None:
    compiled = _BUNDLED.catalog.get(control_id)
    assert compiled is not None
    result = run_example(compiled, example)
    assert result.control_id == control_id
    assert result.example == example.name
    assert result.actual == example.expect, result.reason
    assert result.ok
    if example.expect == "inconclusive":
        assert result.reason


def test_example_ids_are_unique_per_control() -> None:
    for compiled in _BUNDLED.catalog.controls:
        names = [example.name for example in compiled.control.examples]
        assert len(names) == len(set(names)), compiled.id


# --- broken catalogs -----------------------------------------------------------------

TARGET = "LOG-001"
"""The control the CEL, key and mapping cases damage (a short, one-line expression)."""


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    file_name = _file_of(TARGET)
    lost = [cid for cid in BUNDLED_IDS if _file_of(cid) == file_name]
    applies = next(
        line
        for line in _control_block(file_name, TARGET).splitlines()
        if line.startswith("    applies_to: {kinds: [")
    )
    assert applies.endswith("]}")
    broken = applies[:-2] + "}"  # unclosed flow sequence
    root, path, text = _damaged(tmp_path, file_name, applies, broken)

    report = check_catalog(root)

    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.location.file == str(path)
    assert problem.location.line == _line_of(text, broken)
    assert problem.location.column is not None
    assert problem.message.startswith("invalid YAML: ")
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - len(lost)
    assert set(_kept_ids(report)) == set(BUNDLED_IDS) - set(lost)
    _assert_rejected(root, report)


def test_tab_indentation_is_invalid_yaml(tmp_path: Path) -> None:
    file_name = _file_of(TARGET)
    lost = [cid for cid in BUNDLED_IDS if _file_of(cid) == file_name]
    root, path, text = _damaged(
        tmp_path, file_name, f"  - id: {TARGET}\n", f"  - id: {TARGET}\n\tdomain: x\n"
    )
    report = check_catalog(root)
    assert [(p.location.file, p.location.line) for p in report.problems] == [
        (str(path), _line_of(text, "\tdomain: x"))
    ]
    assert report.problems[0].message.startswith("invalid YAML: ")
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - len(lost)
    _assert_rejected(root, report)


def test_unknown_key_names_file_control_and_line(tmp_path: Path) -> None:
    block = _control_block(_file_of(TARGET), TARGET)
    severity = next(line for line in block.splitlines() if line.startswith("    severity: "))
    misspelt = severity.replace("severity:", "severty:")
    new_block = block.replace(severity, misspelt)
    root, path, text = _damaged(tmp_path, _file_of(TARGET), block, new_block)

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    unknown = [p for p in problems if "unknown key" in p.message]
    assert len(unknown) == 1
    assert unknown[0].message == "unknown key 'severty'"
    assert unknown[0].location.file == str(path)
    assert unknown[0].location.line == _line_of(text, misspelt)
    assert all(p.location.file == str(path) for p in problems)
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


def test_cel_syntax_error_names_file_control_and_line(tmp_path: Path) -> None:
    expression = _expression_line(TARGET)
    broken = expression + " && && true"
    root, path, text = _damaged(tmp_path, _file_of(TARGET), expression, broken)

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    assert len(problems) == 1
    assert problems[0].location.file == str(path)
    assert problems[0].location.line == _line_of(text, broken)
    assert problems[0].message.startswith("expression: CEL does not compile")
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


def test_unknown_requirement_id_is_named(tmp_path: Path) -> None:
    block = _control_block(_file_of(TARGET), TARGET)
    soc2 = next(line for line in block.splitlines() if line.startswith("      soc2: ["))
    broken = soc2.replace("soc2: [", "soc2: [CC99.9, ")
    root, path, text = _damaged(tmp_path, _file_of(TARGET), block, block.replace(soc2, broken))

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    assert [p.message for p in problems] == ["unknown soc2 requirement 'CC99.9'"]
    assert problems[0].location.file == str(path)
    assert problems[0].location.line == _line_of(text, broken)
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


def test_unknown_framework_key_is_named(tmp_path: Path) -> None:
    block = _control_block(_file_of(TARGET), TARGET)
    gdpr = next(line for line in block.splitlines() if line.startswith("      gdpr: ["))
    nist = "      nist: [AC-2]"
    new_block = block.replace(gdpr + "\n", f"{gdpr}\n{nist}\n")
    root, path, text = _damaged(tmp_path, _file_of(TARGET), block, new_block)

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    assert [p.message for p in problems] == ["unknown framework 'nist'"]
    assert problems[0].location.file == str(path)
    assert problems[0].location.line == _line_of(text, nist)
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


def test_duplicate_control_id_across_files_names_both_locations(tmp_path: Path) -> None:
    first_file = _file_of(TARGET)
    # a control of a file that sorts after the target's file, so the target stays first
    other = next(cid for cid in BUNDLED_IDS if _file_of(cid) > first_file and cid != TARGET)
    other_file = _file_of(other)
    root, path, text = _damaged(tmp_path, other_file, f"  - id: {other}\n", f"  - id: {TARGET}\n")
    first_path = root / first_file
    first_line = _line_of(first_path.read_text(encoding="utf-8"), f"  - id: {TARGET}")

    report = check_catalog(root)

    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.location.file == str(path)
    assert problem.location.entry == TARGET
    assert problem.location.line == _line_of(text, f"  - id: {TARGET}")
    assert problem.message.startswith(f"duplicate control id {TARGET}; first defined at ")
    assert f"{first_path}:{first_line}:" in problem.message
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert other not in _kept_ids(report)
    kept = report.catalog.get(TARGET)
    assert kept is not None
    assert kept.location.file == str(first_path)
    _assert_rejected(root, report)


def test_unknown_kind_in_applies_to(tmp_path: Path) -> None:
    block = _control_block(_file_of(TARGET), TARGET)
    applies = next(line for line in block.splitlines() if line.startswith("    applies_to: "))
    broken = applies.replace("kinds: [", "kinds: [no.such.kind, ")
    root, path, text = _damaged(tmp_path, _file_of(TARGET), block, block.replace(applies, broken))

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    kind_problems = [p for p in problems if p.message == "unknown kind 'no.such.kind'"]
    assert len(kind_problems) == 1
    assert kind_problems[0].location.file == str(path)
    assert kind_problems[0].location.line == _line_of(text, broken)
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        pytest.param(
            " && resource.props.no_such_field",
            "expression: resource.props.no_such_field is not a field of log.trail",
            id="unknown-props-field",
        ),
        pytest.param(
            " && frobnicate(resource)",
            "expression: unknown function frobnicate()",
            id="unknown-function",
        ),
        pytest.param(
            " && params.x",
            "expression: reads params.x, not listed in `params`",
            id="unlisted-unknown-param",
        ),
        pytest.param(
            " && params.admin_ports.size() > 0",
            "expression: reads params.admin_ports, not listed in `params`",
            id="unlisted-known-param",
        ),
    ],
)
def test_expression_checks_name_file_control_and_line(
    tmp_path: Path, suffix: str, message: str
) -> None:
    compiled = _BUNDLED.catalog.get(TARGET)
    assert compiled is not None
    assert compiled.control.applies_to.kinds == ["log.trail"]
    assert compiled.control.params == []
    expression = _expression_line(TARGET)
    broken = expression + suffix
    root, path, text = _damaged(tmp_path, _file_of(TARGET), expression, broken)

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    assert [p.message for p in problems] == [message]
    assert problems[0].location.file == str(path)
    assert problems[0].location.line == _line_of(text, broken)
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


def test_unknown_message_placeholder(tmp_path: Path) -> None:
    block = _control_block(_file_of(TARGET), TARGET)
    message = next(line for line in block.splitlines() if line.startswith("    message: "))
    assert message.endswith('"')
    broken = message[:-1] + ' {props.nope}"'
    root, path, text = _damaged(tmp_path, _file_of(TARGET), block, block.replace(message, broken))

    report = check_catalog(root)

    problems = _only_problems_of(report, TARGET)
    assert [p.message for p in problems] == ["message: unknown placeholder {props.nope}"]
    assert problems[0].location.file == str(path)
    assert problems[0].location.line == _line_of(text, broken)
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 1
    assert TARGET not in _kept_ids(report)
    _assert_rejected(root, report)


def test_two_damaged_controls_are_both_dropped(tmp_path: Path) -> None:
    expression = _expression_line(TARGET)
    root, _, _ = _damaged(tmp_path, _file_of(TARGET), expression, expression + " && nope(1)")
    other = "NET-003" if "NET-003" in BUNDLED_IDS else BUNDLED_IDS[-1]
    other_path = root / _file_of(other)
    other_text = other_path.read_text(encoding="utf-8")
    other_path.write_text(
        other_text.replace(f"  - id: {other}\n", f"  - id: {other}\n    colour: red\n"),
        encoding="utf-8",
    )
    report = check_catalog(root)
    assert {p.location.entry for p in report.problems} == {TARGET, other}
    assert len(report.catalog.controls) == len(BUNDLED_IDS) - 2
    _assert_rejected(root, report)


def test_missing_catalog_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as raised:
        check_catalog(tmp_path / "nowhere")
    assert [p.message for p in raised.value.problems] == ["no such file or folder"]
    assert raised.value.problems[0].location.file == str(tmp_path / "nowhere")


def test_control_model_roundtrips() -> None:
    compiled = _BUNDLED.catalog.get(TARGET)
    assert compiled is not None
    data = compiled.control.model_dump()
    assert Control.model_validate(data) == compiled.control
