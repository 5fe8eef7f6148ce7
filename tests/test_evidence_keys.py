"""``auditgraph keys generate`` and how bad key files are reported."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from typer.testing import CliRunner, Result

from scanner.cli import app


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], env={"COLUMNS": "200"})


def test_generate_writes_a_private_pkcs8_pem_and_a_public_pem(tmp_path: Path) -> None:
    result = run("keys", "generate", "--out", tmp_path / "team")
    assert result.exit_code == 0, result.output
    private, public = tmp_path / "team.pem", tmp_path / "team.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----\n")
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    pub = serialization.load_pem_public_key(public.read_bytes())
    assert isinstance(key, Ed25519PrivateKey)
    assert isinstance(pub, Ed25519PublicKey)
    assert pub.public_bytes_raw() == key.public_key().public_bytes_raw()


def test_generate_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    assert run("keys", "generate", "--out", tmp_path / "team").exit_code == 0
    before = (tmp_path / "team.pem").read_bytes()
    refused = run("keys", "generate", "--out", tmp_path / "team")
    assert refused.exit_code == 2
    assert f"error: {tmp_path / 'team.pem'}: already exists; use --force" in refused.output
    assert (tmp_path / "team.pem").read_bytes() == before
    forced = run("keys", "generate", "--out", tmp_path / "team", "--force")
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "team.pem").read_bytes() != before
    assert stat.S_IMODE((tmp_path / "team.pem").stat().st_mode) == 0o600


def _pem_private(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            lambda: _pem_private(rsa.generate_private_key(65537, 2048)),
            "not an Ed25519 private key (found",
        ),
        (
            lambda: _pem_private(ec.generate_private_key(ec.SECP256R1())),
            "not an Ed25519 private key (found",
        ),
        (
            lambda: b"-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
            "not a PEM private key",
        ),
        (lambda: b"", "not a PEM private key"),
    ],
    ids=["rsa", "ec", "corrupt", "empty"],
)
def test_a_wrong_or_corrupt_signing_key_exits_2_naming_the_file(
    content: object, message: str, tmp_path: Path
) -> None:
    key = tmp_path / "bad.pem"
    key.write_bytes(content())  # type: ignore[operator]
    result = run(
        "evidence", "export", tmp_path / "run", "--out", tmp_path / "b.zip", "--sign-key", key
    )
    assert result.exit_code == 2
    assert f"error: {key}: " in result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "b.zip").exists()


def test_a_private_key_given_as_public_key_exits_2(tmp_path: Path) -> None:
    assert run("keys", "generate", "--out", tmp_path / "team").exit_code == 0
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(b"irrelevant")
    result = run("evidence", "verify", bundle, "--public-key", tmp_path / "team.pem")
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'team.pem'}: not a PEM public key" in result.output
    missing = run("evidence", "verify", bundle, "--public-key", tmp_path / "nope.pub")
    assert missing.exit_code == 2
    assert f"error: {tmp_path / 'nope.pub'}: cannot read" in missing.output


def test_a_public_key_of_another_type_exits_2_naming_the_file(tmp_path: Path) -> None:
    public = tmp_path / "rsa.pub"
    rsa_key = rsa.generate_private_key(65537, 2048).public_key()
    public.write_bytes(
        rsa_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    bundle = tmp_path / "b.zip"
    bundle.write_bytes(b"irrelevant")
    result = run("evidence", "verify", bundle, "--public-key", public)
    assert result.exit_code == 2
    assert f"error: {public}: not an Ed25519 public key (found RSAPublicKey)" in result.output
