"""Verify an evidence bundle offline: members, hashes, signature, container, re-evaluation.

Checks run in order and stop at the first that fails, which names the member at fault:

1. the zip opens, its entries are unique, safe paths, and read back with valid CRCs;
2. the Ed25519 signature over the manifest's exact bytes holds for the given public key
   (checked before anything the manifest says is trusted);
3. ``manifest.json`` parses and names that key as its signer;
4. the members are exactly the files it lists (plus the ``signature``): an added or a
   missing file is named, and every member's sha256 matches the manifest;
5. the zip container is the canonical one for these members (nothing outside them
   changed);
6. the bundled snapshot, evaluated again with the bundled catalog, config, selection and
   waivers, gives byte-identical findings.json, evidence index, gap list and waiver
   register, and the manifest's digests are those of the bundled files.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from scanner import __version__
from scanner.canonical import sha256_bytes
from scanner.errors import AuditgraphError
from scanner.outputs.evidence.bundle import materialise
from scanner.outputs.evidence.keys import key_id, signature_holds
from scanner.outputs.evidence.manifest import (
    MANIFEST_FILE,
    SIGNATURE_FILE,
    BundleManifest,
    expression_digests,
    zip_members,
)
from scanner.outputs.evidence.reproduce import (
    FINDINGS_FILE,
    derived_files,
    open_run,
    reproduce,
)
from scanner.outputs.run_record import RUN_FILE, SNAPSHOT_DIR, RunFolderError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    file: str | None = None


@dataclass
class Verdict:
    bundle: str
    checks: list[Check] = field(default_factory=list)
    signed: bool = False
    signature_checked: bool = False
    manifest: BundleManifest | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failure(self) -> Check | None:
        return next((check for check in self.checks if not check.ok), None)

    def as_json(self) -> dict[str, object]:
        failure = self.failure
        return {
            "bundle": self.bundle,
            "verified": self.ok,
            "signed": self.signed,
            "signature_checked": self.signature_checked,
            "first_failure": None
            if failure is None
            else {"check": failure.name, "file": failure.file, "detail": failure.detail},
            "checks": [dataclasses.asdict(check) for check in self.checks],
            "snapshot_digest": self.manifest.snapshot_digest if self.manifest else None,
            "findings_digest": self.manifest.findings_digest if self.manifest else None,
        }


class _Failed(Exception):
    def __init__(self, check: Check) -> None:
        super().__init__(check.detail)
        self.check = check


def _fail(name: str, detail: str, file: str | None) -> _Failed:
    return _Failed(Check(name, False, detail, file))


@dataclass(frozen=True)
class _Bundle:
    data: bytes
    members: dict[str, bytes]
    manifest: BundleManifest


def _read_members(data: bytes, label: str) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # hostile bytes: any parse failure is a verification failure
        raise _fail("zip", f"not a readable zip: {exc}", label) from exc
    with archive:
        names = archive.namelist()
        repeated = sorted(name for name, count in Counter(names).items() if count > 1)
        if repeated:
            raise _fail("zip", "the entry appears more than once", repeated[0])
        for name in names:
            parts = PurePosixPath(name).parts
            if name.startswith("/") or "\\" in name or ".." in parts or name.endswith("/"):
                raise _fail("zip", "not a safe relative file path", name)
        members: dict[str, bytes] = {}
        for name in names:
            try:
                members[name] = archive.read(name)
            except Exception as exc:  # bad CRC, header mismatch, flags zipfile refuses...
                raise _fail("zip", f"cannot be read back: {exc}", name) from exc
    return members


def _parse_manifest(members: Mapping[str, bytes]) -> BundleManifest:
    raw = members.get(MANIFEST_FILE)
    if raw is None:
        raise _fail("manifest", "missing: a bundle starts with its manifest", MANIFEST_FILE)
    try:
        return BundleManifest.model_validate_json(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise _fail(
            "manifest", f"not a bundle manifest: {where}: {error['msg']}", MANIFEST_FILE
        ) from exc


def _check_member_set(bundle: _Bundle) -> Check:
    listed = set(bundle.manifest.files)
    present = set(bundle.members) - {MANIFEST_FILE, SIGNATURE_FILE}
    missing = sorted(listed - present)
    if missing:
        raise _fail("files", "listed in the manifest but missing from the bundle", missing[0])
    added = sorted(present - listed)
    if added:
        raise _fail("files", "in the bundle but not listed in the manifest", added[0])
    return Check("files", True, f"{len(listed)} files, exactly those the manifest lists")


def _check_hashes(bundle: _Bundle) -> Check:
    for name in sorted(bundle.manifest.files):
        if sha256_bytes(bundle.members[name]) != bundle.manifest.files[name]:
            raise _fail("sha256", "sha256 differs from the manifest", name)
    return Check("sha256", True, "every file matches its sha256 in the manifest")


def _check_signature(members: Mapping[str, bytes], key: Ed25519PublicKey | None) -> Check:
    """The signature over the manifest's exact bytes, before anything in it is trusted."""
    manifest = members.get(MANIFEST_FILE)
    if manifest is None:
        raise _fail("manifest", "missing: a bundle starts with its manifest", MANIFEST_FILE)
    signature = members.get(SIGNATURE_FILE)
    if key is None:
        what = "present but not checked" if signature is not None else "the bundle is unsigned"
        return Check("signature", True, f"{what}: authenticity not established (no --public-key)")
    if signature is None:
        raise _fail("signature", "the bundle is unsigned; a public key was given", SIGNATURE_FILE)
    if not signature_holds(key, signature, manifest):
        raise _fail(
            "signature",
            "does not verify over manifest.json with the given key (either was changed, "
            "or another key signed)",
            SIGNATURE_FILE,
        )
    return Check("signature", True, f"Ed25519 signature by {key_id(key)} holds")


def _check_signer(bundle: _Bundle, key: Ed25519PublicKey | None, verdict: Verdict) -> Check:
    """The manifest's ``signed_by`` agrees with the signature member and the key."""
    signature = bundle.members.get(SIGNATURE_FILE)
    signed_by = bundle.manifest.signed_by
    verdict.signed = signature is not None
    if signature is not None and signed_by is None:
        raise _fail("signature", "present, but the manifest names no signing key", SIGNATURE_FILE)
    if signature is None and signed_by is not None:
        raise _fail("signature", f"missing; the manifest says {signed_by} signed", SIGNATURE_FILE)
    if key is not None and signed_by != key_id(key):
        raise _fail("manifest", f"names {signed_by} as signer, not {key_id(key)}", MANIFEST_FILE)
    verdict.signature_checked = key is not None
    return Check("manifest", True, f"bundle format {bundle.manifest.bundle_format_version}")


def _check_container(bundle: _Bundle, label: str) -> Check:
    canonical = zip_members(bundle.members, bundle.manifest.time_window.finished)
    if canonical != bundle.data:
        raise _fail("container", "the zip container differs from its canonical form", label)
    return Check("container", True, "the zip container is canonical")


def _mismatch(manifest: BundleManifest) -> str:
    detail = "differs from a fresh evaluation of the bundled inputs"
    if manifest.scanner_version == __version__:
        return detail
    return (
        f"{detail} (the bundle was evaluated by auditgraph {manifest.scanner_version}, "
        f"this is {__version__}: verify with that version)"
    )


def _check_reproduction(bundle: _Bundle) -> Check:
    with tempfile.TemporaryDirectory(prefix="auditgraph-verify-") as scratch:
        root = Path(scratch)
        materialise({n: d for n, d in bundle.members.items() if n in bundle.manifest.files}, root)
        try:
            run = open_run(root)
            result = reproduce(run)
        except AuditgraphError as exc:
            detail = str(exc).replace(str(root) + "/", "")
            culprit = RUN_FILE if isinstance(exc, RunFolderError) else None
            raise _fail(
                "re-evaluation", f"the bundled inputs cannot be evaluated: {detail}", culprit
            ) from exc
        expected = derived_files(result, run.record.frameworks)
    for name in sorted(expected, key=lambda n: (n != FINDINGS_FILE, n)):
        if bundle.members.get(name) != expected[name]:
            raise _fail("re-evaluation", _mismatch(bundle.manifest), name)
    manifest = bundle.manifest
    digests = {
        "snapshot_digest": (
            manifest.snapshot_digest,
            sha256_bytes(bundle.members[f"{SNAPSHOT_DIR}/{MANIFEST_FILE}"]),
        ),
        "findings_digest": (manifest.findings_digest, sha256_bytes(expected[FINDINGS_FILE])),
        "catalog.digest": (manifest.catalog.digest, result.catalog.digest),
        "catalog.expressions": (manifest.catalog.expressions, expression_digests(result.catalog)),
        "active_waivers": (manifest.active_waivers, result.active_waivers),
    }
    for label, (claimed, actual) in digests.items():
        if claimed != actual:
            raise _fail(
                "re-evaluation",
                f"{label} in the manifest does not match the bundled files",
                MANIFEST_FILE,
            )
    count = len(result.findings.findings)
    return Check("re-evaluation", True, f"{count} findings reproduced byte for byte")


def verify_bundle(path: Path, key: Ed25519PublicKey | None) -> Verdict:
    """Run every check on the bundle at ``path``; the verdict holds the first failure."""
    label = str(path)
    verdict = Verdict(label)
    try:
        data = path.read_bytes()
        members = _read_members(data, label)
        verdict.checks.append(Check("zip", True, f"{len(members)} members read back intact"))
        verdict.checks.append(_check_signature(members, key))
        manifest = _parse_manifest(members)
        verdict.manifest = manifest
        bundle = _Bundle(data, members, manifest)
        steps: list[Callable[[], Check]] = [
            lambda: _check_signer(bundle, key, verdict),
            lambda: _check_member_set(bundle),
            lambda: _check_hashes(bundle),
            lambda: _check_container(bundle, label),
            lambda: _check_reproduction(bundle),
        ]
        for step in steps:
            verdict.checks.append(step())
    except _Failed as failed:
        verdict.checks.append(failed.check)
    return verdict
