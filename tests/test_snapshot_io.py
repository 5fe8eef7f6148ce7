"""Snapshot folders: write, read back, and refuse tampered, truncated or malformed ones."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from scanner.errors import AuditgraphError, SnapshotError
from scanner.model import (
    CloudScope,
    CollectionGap,
    Edge,
    Manifest,
    Provenance,
    Resource,
    Snapshot,
)
from scanner.snapshot import read_manifest, read_snapshot, snapshot_digest, write_snapshot

NOW = "2026-11-01T00:00:00Z"
START = "2026-11-01T00:00:00Z"
END = "2026-11-01T00:05:00Z"
DATA_FILES = ("resources.jsonl", "edges.jsonl", "gaps.jsonl")


def _resources() -> list[Resource]:
    return [
        Resource(
            uid="ocid1.bucket.oc1..b",
            cloud="oci",
            account="ocid1.tenancy.oc1..t",
            region="eu-frankfurt-1",
            type="oci.objectstorage.bucket",
            kind="store.object",
            name="customer-exports",
            tags={"owner": "data-team", "env": "prod"},
            props={
                "data_class": "personal",
                "cmk": True,
                "kms_key_uid": "ocid1.key.oc1..k",
                "replication_targets": [
                    {"dst_uid": "arn:aws:s3:::replica", "mechanism": "declared", "transport": None}
                ],
                "public_access": None,
            },
            raw={"namespace": "acme", "versioning": "Enabled", "nothing": None},
        ),
        Resource(
            uid="ocid1.key.oc1..k",
            cloud="oci",
            account="ocid1.tenancy.oc1..t",
            region="eu-frankfurt-1",
            type="oci.kms.key",
            kind="key",
            name="exports-key",
            props={"protection": "hsm", "length_bits": 256, "material_id": "m-1"},
        ),
        Resource(
            uid="arn:aws:s3:::replica",
            cloud="aws",
            account="111122223333",
            region="eu-west-1",
            type="aws.s3.bucket",
            kind="store.object",
            name="replica",
            props={"versioning": True, "https_only": True, "min_tls_version": "1.2"},
        ),
        Resource(
            uid="sg-1",
            cloud="aws",
            account="111122223333",
            region="eu-west-1",
            type="aws.ec2.security_group",
            kind="net.firewall",
            name="web",
            props={
                "rules": [
                    {
                        "direction": "ingress",
                        "protocol": "tcp",
                        "source": "0.0.0.0/0",
                        "port_from": 443,
                        "port_to": 443,
                    }
                ]
            },
        ),
    ]


def _snapshot(reverse: bool = False) -> Snapshot:
    resources = _resources()
    edges = [
        Edge(
            src="ocid1.bucket.oc1..b",
            dst="arn:aws:s3:::replica",
            kind="backup_to",
            provenance=Provenance.DECLARED,
            attrs={"evidence": "runbook 12", "lag_s": 900},
        ),
        Edge(src="ocid1.key.oc1..k", dst="ocid1.vault.oc1..v", kind="hosted_in", provenance="api"),
    ]
    gaps = [
        CollectionGap(
            cloud="aws",
            account="111122223333",
            region="eu-west-1",
            service="s3",
            resource_uid="arn:aws:s3:::replica",
            operation="GetBucketEncryption",
            error_class="AccessDenied",
            message="User is not authorized",
        ),
        CollectionGap(
            cloud="azure",
            service="storage",
            kind="store.object",
            operation="StorageAccounts.List",
            error_class="AuthorizationFailed",
            message="no read on subscription",
        ),
    ]
    if reverse:
        resources.reverse()
        edges.reverse()
        gaps.reverse()
    manifest = Manifest(
        scanner_version="0.1.0",
        sdk_versions={"boto3": "1.35.0", "oci": "2.150.0"},
        scope={
            "aws": CloudScope(accounts=["111122223333"], regions=["eu-west-1"], caller="auditor"),
            "oci": CloudScope(accounts=["ocid1.tenancy.oc1..t"], regions=["eu-frankfurt-1"]),
        },
        started_at=START,
        finished_at=END,
    )
    return Snapshot(manifest=manifest, resources=resources, edges=edges, gaps=gaps)


def _rehash(folder: Path, name: str) -> None:
    """Set the manifest's hash of ``name`` to the file's current sha256."""
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _line_number(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    numbers = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(numbers) == 1
    return numbers[0]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    folder = tmp_path / "snap"
    write_snapshot(_snapshot(), folder)
    return folder


# --- roundtrip and determinism -------------------------------------------------------


def test_write_read_roundtrip(tmp_path: Path) -> None:
    original = _snapshot()
    written_snapshot = write_snapshot(original, tmp_path / "snap")
    read_back = read_snapshot(tmp_path / "snap")

    assert read_back == written_snapshot
    assert read_back.resources == sorted(original.resources, key=lambda r: r.uid)
    assert read_back.edges == sorted(original.edges, key=Edge.sort_key)
    assert read_back.gaps == sorted(original.gaps, key=CollectionGap.sort_key)
    assert read_back.manifest.scope == original.manifest.scope
    assert read_back.manifest.sdk_versions == original.manifest.sdk_versions
    assert read_back.manifest.started_at == START
    assert read_back.manifest.finished_at == END
    assert read_back.manifest.counts == {"resources": 4, "edges": 2, "gaps": 2}
    assert set(read_back.manifest.files) == set(DATA_FILES)
    for name in DATA_FILES:
        digest = hashlib.sha256((tmp_path / "snap" / name).read_bytes()).hexdigest()
        assert read_back.manifest.files[name] == digest
    # raw keeps None values (it is the SDK payload), props never do
    bucket = next(r for r in read_back.resources if r.uid == "ocid1.bucket.oc1..b")
    assert bucket.raw == {"namespace": "acme", "versioning": "Enabled", "nothing": None}
    assert bucket.tags == {"owner": "data-team", "env": "prod"}


def test_read_manifest_alone(written: Path) -> None:
    manifest = read_manifest(written)
    assert manifest == read_snapshot(written).manifest
    assert manifest.format_version == "1"


def test_files_are_canonical_and_sorted(written: Path) -> None:
    lines = (written / "resources.jsonl").read_text(encoding="utf-8").splitlines()
    uids = [json.loads(line)["uid"] for line in lines]
    assert uids == sorted(uids)
    for name in DATA_FILES:
        for line in (written / name).read_text(encoding="utf-8").splitlines():
            value = json.loads(line)
            assert line == json.dumps(value, sort_keys=True, separators=(",", ":"))
    assert (written / "resources.jsonl").read_bytes().endswith(b"\n")


def test_writing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    first = tmp_path / "first"
    second = tmp_path / "second"
    write_snapshot(_snapshot(), first)
    write_snapshot(_snapshot(reverse=True), second)
    for name in (*DATA_FILES, "manifest.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert snapshot_digest(first) == snapshot_digest(second)
    # and rewriting a folder in place changes nothing
    before = {name: (first / name).read_bytes() for name in (*DATA_FILES, "manifest.json")}
    write_snapshot(read_snapshot(first), first)
    after = {name: (first / name).read_bytes() for name in (*DATA_FILES, "manifest.json")}
    assert after == before


def test_duplicates_are_removed_on_write(tmp_path: Path) -> None:
    snapshot = _snapshot()
    doubled = snapshot.model_copy(
        update={
            "resources": snapshot.resources + snapshot.resources,
            "edges": snapshot.edges + snapshot.edges,
            "gaps": snapshot.gaps + snapshot.gaps,
        }
    )
    result = write_snapshot(doubled, tmp_path / "snap")
    assert result.manifest.counts == {"resources": 4, "edges": 2, "gaps": 2}
    assert read_snapshot(tmp_path / "snap") == result


def test_empty_snapshot_roundtrips(tmp_path: Path) -> None:
    empty = Snapshot(
        manifest=Manifest(scanner_version="0.1.0", started_at=NOW, finished_at=NOW),
        resources=[],
    )
    written_snapshot = write_snapshot(empty, tmp_path / "snap")
    for name in DATA_FILES:
        assert (tmp_path / "snap" / name).read_bytes() == b""
    assert read_snapshot(tmp_path / "snap") == written_snapshot


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("caf\u00e9 \u65e5\u672c", id="non-ascii"),
        pytest.param("line\u2028separator", id="U+2028"),
        pytest.param("para\u2029separator", id="U+2029"),
        pytest.param("next\u0085line", id="U+0085"),
        pytest.param("tab\tnew\nline", id="control-chars"),
    ],
)
def test_untrusted_text_roundtrips(tmp_path: Path, text: str) -> None:
    """Names, tags and raw payloads are cloud-supplied text; any of it must read back."""
    resource = Resource(
        uid="arn:aws:s3:::odd",
        cloud="aws",
        account="111122223333",
        region="eu-west-1",
        type="aws.s3.bucket",
        kind="store.object",
        name=text,
        tags={"note": text},
        raw={"Description": text},
    )
    snapshot = Snapshot(
        manifest=Manifest(scanner_version="0.1.0", started_at=NOW, finished_at=NOW),
        resources=[resource],
    )
    written_snapshot = write_snapshot(snapshot, tmp_path / "snap")
    assert read_snapshot(tmp_path / "snap") == written_snapshot
    assert read_snapshot(tmp_path / "snap").resources == [resource]


# --- tampering, truncation, missing files --------------------------------------------


@pytest.mark.parametrize("name", DATA_FILES)
def test_one_changed_byte_is_refused(written: Path, name: str) -> None:
    path = written / name
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = ord("X") if data[middle] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}: sha256 does not match manifest.json")


@pytest.mark.parametrize("name", DATA_FILES)
def test_truncated_file_is_refused(written: Path, name: str) -> None:
    path = written / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}: sha256 does not match manifest.json")
    assert "truncated" in str(raised.value)


@pytest.mark.parametrize("name", DATA_FILES)
def test_deleted_data_file_is_named(written: Path, name: str) -> None:
    (written / name).unlink()
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value) == f"{written / name}: missing (listed in manifest.json)"


def test_missing_manifest(written: Path) -> None:
    (written / "manifest.json").unlink()
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value) == (
        f"{written / 'manifest.json'}: missing; a snapshot folder needs a manifest"
    )


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(tmp_path / "nowhere")
    assert str(raised.value) == f"{tmp_path / 'nowhere'}: not a snapshot folder (no such directory)"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: text[: len(text) // 2], id="truncated-json"),
        pytest.param(lambda text: "[]", id="not-an-object"),
        pytest.param(lambda text: text.replace('"started_at"', '"begun_at"'), id="renamed-key"),
        pytest.param(lambda text: "", id="empty"),
    ],
)
def test_malformed_manifest(written: Path, damage: Callable[[str], str]) -> None:
    path = written / "manifest.json"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}: invalid manifest: ")


def test_unsupported_format_version(written: Path) -> None:
    path = written / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["format_version"] = "99"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}: format version '99' is not supported")


def test_manifest_without_a_file_hash(written: Path) -> None:
    path = written / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["files"]["gaps.jsonl"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value) == f"{path}: the manifest lists no hash for gaps.jsonl"


def test_counts_that_do_not_match_are_refused(written: Path) -> None:
    path = written / "edges.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0], encoding="utf-8")
    _rehash(written, "edges.jsonl")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert "counts" in str(raised.value)
    assert str(raised.value).startswith(f"{written / 'manifest.json'}: ")


# --- lines that do not fit their contract (hash fixed so the hash check passes) --------


def test_props_that_do_not_fit_the_kind_name_file_and_line(written: Path) -> None:
    path = written / "resources.jsonl"
    line = _line_number(path, '"uid":"ocid1.key.oc1..k"')
    text = path.read_text(encoding="utf-8")
    assert text.count('"length_bits":256') == 1
    path.write_text(text.replace('"length_bits":256', '"length_bits":"long"'), encoding="utf-8")
    _rehash(written, "resources.jsonl")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    message = str(raised.value)
    assert message.startswith(f"{path}:{line}: ")
    assert "props do not fit kind 'key'" in message
    assert "length_bits" in message


def test_props_field_unknown_to_the_kind_names_file_and_line(written: Path) -> None:
    path = written / "resources.jsonl"
    line = _line_number(path, '"uid":"sg-1"')
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"props":{"rules"', '"props":{"cmk":true,"rules"'), "utf-8")
    _rehash(written, "resources.jsonl")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert "props do not fit kind 'net.firewall'" in str(raised.value)
    assert "cmk" in str(raised.value)


def test_unknown_kind_in_file_names_file_and_line(written: Path) -> None:
    path = written / "resources.jsonl"
    line = _line_number(path, '"uid":"sg-1"')
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"kind":"net.firewall"', '"kind":"net.wall"'), "utf-8")
    _rehash(written, "resources.jsonl")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}:{line}: ")
    assert "unknown kind 'net.wall'" in str(raised.value)


def test_invalid_json_line_names_file_line_and_column(written: Path) -> None:
    path = written / "gaps.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("{", "{,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    _rehash(written, "gaps.jsonl")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}:2:2: invalid JSON: ")


def test_edge_with_unknown_provenance_names_file_and_line(written: Path) -> None:
    path = written / "edges.jsonl"
    line = _line_number(path, '"kind":"hosted_in"')
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"provenance":"api"', '"provenance":"guessed"'), "utf-8")
    _rehash(written, "edges.jsonl")
    with pytest.raises(SnapshotError) as raised:
        read_snapshot(written)
    assert str(raised.value).startswith(f"{path}:{line}: provenance: ")


def test_invalid_utf8_with_a_matching_hash_is_a_snapshot_error(written: Path) -> None:
    """A data file that is not UTF-8 is malformed: SnapshotError, not UnicodeDecodeError."""
    path = written / "resources.jsonl"
    data = path.read_bytes()
    assert data.count(b'"name":"web"') == 1
    path.write_bytes(data.replace(b'"name":"web"', b'"name":"w\xffb"'))
    _rehash(written, "resources.jsonl")
    with pytest.raises(AuditgraphError) as raised:
        read_snapshot(written)
    assert isinstance(raised.value, SnapshotError)
    assert str(raised.value).startswith(f"{path}")


# --- the Resource contract -----------------------------------------------------------


def test_unknown_kind_is_rejected_by_the_model() -> None:
    with pytest.raises(ValidationError) as raised:
        Resource(
            uid="x",
            cloud="aws",
            account="1",
            region="eu-west-1",
            type="aws.thing",
            kind="thing",
            name="x",
        )
    assert "unknown kind 'thing'" in str(raised.value)


def test_props_are_normalised() -> None:
    resource = Resource(
        uid="sg-2",
        cloud="aws",
        account="1",
        region="eu-west-1",
        type="aws.ec2.security_group",
        kind="net.firewall",
        name="db",
        props={
            "is_default": None,
            "network_uid": "vpc-1",
            "rules": [
                {
                    "direction": "ingress",
                    "protocol": "tcp",
                    "source": "10.0.0.0/8",
                    "port_from": None,
                    "port_to": None,
                }
            ],
        },
    )
    assert resource.props == {
        "network_uid": "vpc-1",
        "rules": [
            {"direction": "ingress", "action": "allow", "protocol": "tcp", "source": "10.0.0.0/8"}
        ],
    }
    store = Resource(
        uid="b",
        cloud="oci",
        account="t",
        region="eu-frankfurt-1",
        type="oci.objectstorage.bucket",
        kind="store.object",
        name="b",
        props={"replication_targets": [{"dst_uid": "c", "transport": None}], "cmk": None},
    )
    assert store.props == {"replication_targets": [{"dst_uid": "c"}]}


def test_normalised_props_survive_the_roundtrip(written: Path) -> None:
    snapshot = read_snapshot(written)
    bucket = next(r for r in snapshot.resources if r.uid == "ocid1.bucket.oc1..b")
    assert bucket.props == {
        "data_class": "personal",
        "cmk": True,
        "kms_key_uid": "ocid1.key.oc1..k",
        "replication_targets": [{"dst_uid": "arn:aws:s3:::replica", "mechanism": "declared"}],
    }
    firewall = next(r for r in snapshot.resources if r.uid == "sg-1")
    assert firewall.props["rules"][0]["action"] == "allow"
    line = next(
        line
        for line in (written / "resources.jsonl").read_text(encoding="utf-8").splitlines()
        if '"uid":"sg-1"' in line
    )
    assert '"action":"allow"' in line
    assert "null" not in line
