"""Estate configuration: a valid file loads; every error is located (file, entry, line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import DeclaredLink, EstateConfig, Params, Transfer, load_config
from scanner.errors import AuditgraphError, ConfigError, Location

VALID = """\
# estate parameters
params:
  allowed_jurisdictions: [EU, EEA, ADEQUATE]
  transfer_register:
    - {src: "ocid1.bucket..crm", dst: "arn:aws:s3:::crm-us", basis: scc, reference: DPA-7}
  approved_idp_entity_ids: ["https://idcs-1.identity.oraclecloud.com"]
  break_glass: [breakglass]
  admin_ports: [22, 3389]
  cert_min_valid_days: 45
  min_tls_version: "1.3"
declared_links:
  - src: "ocid1.bucket..crm"
    dst: "arn:aws:s3:::crm-backup"
    kind: backup_to
    attrs: {tool: rclone, schedule: daily}
    evidence: runbook/backup.md
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert isinstance(raised.value, AuditgraphError)
    return raised.value


def test_valid_config_loads(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, VALID))
    assert config.params.allowed_jurisdictions == ["EU", "EEA", "ADEQUATE"]
    assert config.params.transfer_register == [
        Transfer(src="ocid1.bucket..crm", dst="arn:aws:s3:::crm-us", basis="scc", reference="DPA-7")
    ]
    assert config.params.approved_idp_entity_ids == ["https://idcs-1.identity.oraclecloud.com"]
    assert config.params.break_glass == ["breakglass"]
    assert config.params.admin_ports == [22, 3389]
    assert config.params.cert_min_valid_days == 45
    assert config.params.min_tls_version == "1.3"
    # unset params keep their defaults
    assert config.params.key_rotation_max_days == 365
    assert config.params.vpn_min_dh_group == 14
    assert config.declared_links == [
        DeclaredLink(
            src="ocid1.bucket..crm",
            dst="arn:aws:s3:::crm-backup",
            kind="backup_to",
            attrs={"tool": "rclone", "schedule": "daily"},
            evidence="runbook/backup.md",
        )
    ]


def test_params_as_cel_input_is_plain_json(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, VALID))
    data = config.params.as_cel_input()
    assert data["admin_ports"] == [22, 3389]
    assert data["transfer_register"] == [
        {
            "src": "ocid1.bucket..crm",
            "dst": "arn:aws:s3:::crm-us",
            "basis": "scc",
            "reference": "DPA-7",
        }
    ]


@pytest.mark.parametrize("text", ["", "# nothing here\n", "---\n"])
def test_empty_config_gives_defaults(tmp_path: Path, text: str) -> None:
    assert load_config(_write(tmp_path, text)) == EstateConfig()
    assert EstateConfig().params == Params()


def test_unknown_key_names_file_entry_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "params:\n  admin_ports: [22]\n  colour: red\n")
    error = _error(path)
    assert len(error.problems) == 1
    location = error.problems[0].location
    assert (location.file, location.entry, location.line) == (str(path), "params.colour", 3)
    assert error.problems[0].message == "Extra inputs are not permitted"
    assert str(error).startswith(f"{path}:3:")
    assert str(error).endswith("[params.colour]: Extra inputs are not permitted")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "params: {}\nowner: data-team\n")
    error = _error(path)
    assert [(p.location.entry, p.location.line) for p in error.problems] == [("owner", 2)]


def test_unknown_key_with_a_block_value_points_at_the_key(tmp_path: Path) -> None:
    """The unknown thing is the key on line 2, not the first line of its value."""
    path = _write(tmp_path, "params: {}\nscope:\n  clouds: [aws]\n")
    error = _error(path)
    assert [(p.location.entry, p.location.line) for p in error.problems] == [("scope", 2)]


def test_unknown_key_in_a_declared_link(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "declared_links:\n  - src: a\n    dst: b\n    kind: replicates_to\n    provenance: api\n",
    )
    error = _error(path)
    assert [(p.location.entry, p.location.line) for p in error.problems] == [
        ("declared_links.0.provenance", 5)
    ]


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "params:\n"
        "  admin_ports: [22, ssh]\n"
        "  min_tls_version: '1.1'\n"
        "declared_links:\n"
        "  - {src: a, kind: k}\n",
    )
    error = _error(path)
    assert sorted((p.location.entry, p.location.line) for p in error.problems) == [
        ("declared_links.0.dst", 5),
        ("params.admin_ports.1", 2),
        ("params.min_tls_version", 3),
    ]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        pytest.param("params:\n  admin_ports: [22\n  break_glass: []\n", 3, 14, id="unclosed"),
        pytest.param("params:\n\tadmin_ports: [22]\n", 2, 1, id="tab"),
        pytest.param("params: {admin_ports: [22]\n", 2, 1, id="unclosed-mapping"),
    ],
)
def test_invalid_yaml_gives_line_and_column(
    tmp_path: Path, text: str, line: int, column: int
) -> None:
    path = _write(tmp_path, text)
    error = _error(path)
    assert len(error.problems) == 1
    assert error.problems[0].location == Location(str(path), None, line, column)
    assert error.problems[0].message.startswith("invalid YAML: ")


def test_wrong_type_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path, 'params:\n  break_glass: []\n  admin_ports: "x"\n')
    error = _error(path)
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert (problem.location.file, problem.location.entry, problem.location.line) == (
        str(path),
        "params.admin_ports",
        3,
    )
    assert problem.message == "Input should be a valid list"


def test_wrong_item_type_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path, "params:\n  admin_ports:\n    - 22\n    - twenty-three\n")
    error = _error(path)
    assert [(p.location.entry, p.location.line) for p in error.problems] == [
        ("params.admin_ports.1", 4)
    ]


def test_bad_transfer_basis_is_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "params:\n  transfer_register:\n    - src: a\n      dst: b\n      basis: whim\n",
    )
    error = _error(path)
    assert [(p.location.entry, p.location.line) for p in error.problems] == [
        ("params.transfer_register.0.basis", 5)
    ]
    assert "'adequacy', 'scc', 'bcr' or 'derogation'" in error.problems[0].message


def test_a_list_where_a_mapping_belongs(tmp_path: Path) -> None:
    path = _write(tmp_path, "- params\n- declared_links\n")
    error = _error(path)
    assert len(error.problems) == 1
    assert error.problems[0].location.file == str(path)
    assert error.problems[0].location.line == 1


def test_unreadable_file(tmp_path: Path) -> None:
    error = _error(tmp_path / "missing.yaml")
    assert len(error.problems) == 1
    assert error.problems[0].location == Location(str(tmp_path / "missing.yaml"))
    assert error.problems[0].message.startswith("cannot read: ")
