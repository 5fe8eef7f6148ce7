"""Ed25519 signing keys for evidence bundles: generate, load, sign, check.

The private key is PKCS#8 PEM (unencrypted, file mode 0600), the public key a
SubjectPublicKeyInfo PEM, so both are readable by OpenSSL::

    openssl pkeyutl -verify -pubin -inkey team.pub -rawin -in manifest.json -sigfile signature
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.errors import AuditgraphError

PRIVATE_SUFFIX = ".pem"
PUBLIC_SUFFIX = ".pub"


class KeyFileError(AuditgraphError):
    """A key file that is missing, corrupt, of the wrong type, or would be overwritten."""


@dataclass(frozen=True)
class KeyPair:
    private: Path
    public: Path


def key_paths(stem: Path) -> KeyPair:
    """``team`` → ``team.pem`` and ``team.pub`` (a given .pem/.pub suffix is dropped)."""
    if stem.suffix in (PRIVATE_SUFFIX, PUBLIC_SUFFIX):
        stem = stem.with_suffix("")
    return KeyPair(
        stem.with_name(stem.name + PRIVATE_SUFFIX), stem.with_name(stem.name + PUBLIC_SUFFIX)
    )


def generate_keys(stem: Path, force: bool = False) -> KeyPair:
    """Write a new Ed25519 key pair; refuse to overwrite either file unless ``force``."""
    pair = key_paths(stem)
    if not force:
        for path in (pair.private, pair.public):
            if path.exists():
                raise KeyFileError(f"{path}: already exists; use --force to replace it")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pair.private.parent.mkdir(parents=True, exist_ok=True)
    pair.private.unlink(missing_ok=True)
    descriptor = os.open(pair.private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    pair.private.chmod(0o600)
    pair.public.write_bytes(public_pem(key.public_key()))
    return pair


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: Ed25519PublicKey) -> str:
    """sha256 of the raw public key: names the signer in the manifest."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise KeyFileError(
            f"{path}: the private key is encrypted; give an unencrypted one"
        ) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path}: not a PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(
            f"{path}: not an Ed25519 private key (found {type(key).__name__}); "
            "create one with `auditgraph keys generate`"
        )
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read(path)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path}: not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(
            f"{path}: not an Ed25519 public key (found {type(key).__name__}); "
            "use the .pub file written by `auditgraph keys generate`"
        )
    return key


def signature_holds(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


MIN_REDACT_KEY_BYTES = 16


def read_redact_key(path: Path) -> bytes:
    """The key of the id pseudonyms: a file of at least 16 secret bytes."""
    data = _read(path)
    if len(data) < MIN_REDACT_KEY_BYTES:
        raise KeyFileError(
            f"{path}: {len(data)} bytes; a pseudonym key needs at least {MIN_REDACT_KEY_BYTES} "
            "(e.g. head -c 32 /dev/urandom > ids.key)"
        )
    return data
