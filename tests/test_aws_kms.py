"""KMS collector: moto 5 in-process, seeded with the real create APIs, run by collect_aws.

moto does not implement ``describe_custom_key_stores`` (nor keys in custom key stores):
the KMS unit's clients answer it themselves, and the custom-key-store estate is played by
botocore's Stubber. Both go through the one seam, a subclass of AwsClients handed to the
collector in place of the unit's clients; failures are injected the same way, answered
with the error AWS would return before any request is sent.
"""

# ruff: noqa: E402
from __future__ import annotations

from tests.support.aws import MOTO_ACCOUNT, use_fake_credentials

use_fake_credentials()

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto import mock_aws

from scanner.collectors.aws import kms, scope
from scanner.collectors.aws.clients import GLOBAL_REGION, AwsClients, AwsOptions
from scanner.collectors.aws.collector import Service, collect_aws
from scanner.collectors.aws.context import AwsUnit
from scanner.collectors.base import Collected
from scanner.model import Resource, Snapshot

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures" / "aws" / "reference-expected.yaml"
EUW1, USE1 = "eu-west-1", "us-east-1"
REGIONS = (EUW1, USE1)
NO_STORES: dict[str, Any] = {"CustomKeyStores": []}
Faults = Mapping[tuple[str, str | None], tuple[int, str]]
"""(API operation, KeyId or client region or None for any) → (HTTP status, error code)."""


# ───────────────────────────────────────── helpers ──────────────────────────────────────────


@pytest.fixture(autouse=True)
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _remember_params(params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["injected_params"] = dict(params)


@dataclass
class AnsweringClients(AwsClients):
    """Real clients that answer some calls themselves: canned answers, injected failures,
    or a whole service from a Stubber (``stubbed``: service → plan filling the Stubber)."""

    answers: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    faults: Faults = field(default_factory=dict)
    stubbed: Mapping[str, Callable[[Stubber], None]] = field(default_factory=dict)
    stubbers: list[Stubber] = field(default_factory=list)

    def client(self, service: str, region: str = GLOBAL_REGION) -> Any:
        client = super().client(service, region)
        if service in self.stubbed:
            stubber = Stubber(client)
            self.stubbed[service](stubber)
            stubber.activate()
            self.stubbers.append(stubber)
            return client
        client.meta.events.register("before-parameter-build", _remember_params)
        # After the session's operation log, so that answered calls are still recorded.
        client.meta.events.register_last("before-call", self._answer)
        return client

    def _answer(self, model: Any, context: dict[str, Any], **_: Any) -> Any:
        params = context.get("injected_params", {})
        targets = (None, params.get("KeyId"), context.get("client_region"))
        for (operation, wanted), (status, code) in self.faults.items():
            if model.name == operation and wanted in targets:
                error = {"Code": code, "Message": f"injected {code}"}
                parsed = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}
                return AWSResponse("https://injected.invalid/", status, {}, None), parsed
        if model.name in self.answers:
            parsed = {**self.answers[model.name], "ResponseMetadata": {"HTTPStatusCode": 200}}
            return AWSResponse("https://answered.invalid/", 200, {}, None), parsed
        return None


def run(
    faults: Faults | None = None,
    answers: Mapping[str, dict[str, Any]] | None = None,
    stubbed: Mapping[str, Callable[[Stubber], None]] | None = None,
    regions: tuple[str, ...] = REGIONS,
) -> tuple[Snapshot, set[str]]:
    """collect_aws with the KMS unit's clients swapped for answering ones."""
    stubbers: list[Stubber] = []

    def collect(unit: AwsUnit) -> Collected:
        c = unit.clients
        clients = AnsweringClients(
            c.options,
            c.session,
            c.log,
            c.account,
            c.caller_arn,
            answers={"DescribeCustomKeyStores": NO_STORES} if answers is None else answers,
            faults=faults or {},
            stubbed=stubbed or {},
            stubbers=stubbers,
        )
        return kms.collect(AwsUnit(clients, unit.scope, unit.region))

    service = Service(kms.SERVICE, collect, True, kms.PERMISSIONS)
    snapshot, _, log = collect_aws(AwsOptions(regions=regions, max_attempts=1), services=(service,))
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    return snapshot, log.operations


def keys(snapshot: Snapshot) -> dict[str, Resource]:
    return {r.name: r for r in snapshot.resources if r.type == kms.KEY_TYPE}


def kms_client(region: str = EUW1) -> Any:
    return boto3.client("kms", region_name=region)


def make_key(region: str = EUW1, alias: str | None = None, **kwargs: Any) -> dict[str, Any]:
    client = kms_client(region)
    meta: dict[str, Any] = client.create_key(**kwargs)["KeyMetadata"]
    if alias is not None:
        client.create_alias(AliasName=f"alias/{alias}", TargetKeyId=meta["KeyId"])
    return meta


def when(meta: Mapping[str, Any]) -> str:
    moment: datetime = meta["CreationDate"]
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_reference() -> tuple[dict[str, Any], dict[str, Any]]:
    """The reference estate's two keys: imported material in euw1, a CMK in use1."""
    imported = make_key(
        EUW1,
        "acme-datalake-imported",
        Origin="EXTERNAL",
        Tags=[
            {"TagKey": "key_lineage", "TagValue": "imported_from_hsm"},
            {"TagKey": "key_material_id", "TagValue": "mat-datalake-2026"},
        ],
    )
    cmk = make_key(USE1, "replica-use1-cmk")
    kms_client(USE1).enable_key_rotation(KeyId=cmk["KeyId"])
    return imported, cmk


def reference(name: str) -> dict[str, Any]:
    source = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    (found,) = [r for r in source["resources"] if r["type"] == kms.KEY_TYPE and r["name"] == name]
    return dict(found)


def expected_props(name: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    """The reference's props; ``last_rotated`` is moto's key creation (never rotated); moto's
    default key policy admits only the key's own account."""
    return {
        **reference(name)["props"],
        "last_rotated": when(meta),
        "replica_regions": [],
        "public_policy": False,
        "external_accounts": [],
    }


# ───────────────────────────────────── reference estate ──────────────────────────────────────


def test_reference_keys_come_out_with_the_reference_props() -> None:
    imported, cmk = seed_reference()
    snapshot, _ = run()
    assert snapshot.gaps == []
    found = keys(snapshot)
    assert sorted(found) == ["acme-datalake-imported", "replica-use1-cmk"]
    for meta in (imported, cmk):
        key = found[next(n for n in found if found[n].uid == meta["Arn"])]
        ref = reference(key.name)
        assert (key.kind, key.type, key.region) == (ref["kind"], ref["type"], ref["region"])
        assert key.props == expected_props(key.name, meta), key.name
    raw = found["acme-datalake-imported"].raw
    assert {k: raw[k] for k in ("Origin", "KeyManager", "KeySpec")} == {
        k: v for k, v in reference("acme-datalake-imported")["raw"].items() if k != "KeyId"
    }
    assert raw["Aliases"] == ["alias/acme-datalake-imported"]
    assert found["acme-datalake-imported"].tags == {
        "key_lineage": "imported_from_hsm",
        "key_material_id": "mat-datalake-2026",
    }


def test_a_full_run_calls_exactly_the_declared_read_only_operations() -> None:
    seed_reference()
    snapshot, operations = run()
    assert snapshot.gaps == []
    assert operations == set(kms.PERMISSIONS) | set(scope.PERMISSIONS)


# ───────────────────────────────────────── normalisation ─────────────────────────────────────


def test_only_customer_keys_are_collected_and_named_by_alias() -> None:
    plain = make_key(EUW1)
    named = make_key(EUW1, "b-alias", Description="x")
    kms_client().create_alias(AliasName="alias/a-alias", TargetKeyId=named["KeyId"])
    found = keys(run()[0])
    # moto's AWS-managed aliases (alias/aws/*) name keys list_keys does not return
    assert sorted(found) == sorted([plain["KeyId"], "a-alias"])
    assert found["a-alias"].raw["Aliases"] == ["alias/a-alias", "alias/b-alias"]


def test_rotation_on_demand_and_pending_deletion() -> None:
    rotated = make_key(EUW1, "rotated")
    client = kms_client()
    client.rotate_key_on_demand(KeyId=rotated["KeyId"])
    (rotation,) = client.list_key_rotations(KeyId=rotated["KeyId"])["Rotations"]
    doomed = make_key(EUW1, "doomed")
    client.schedule_key_deletion(KeyId=doomed["KeyId"], PendingWindowInDays=7)
    found = keys(run()[0])
    assert found["rotated"].props["last_rotated"] == when(
        {"CreationDate": rotation["RotationDate"]}
    )
    assert found["rotated"].props["rotation_enabled"] is False
    assert found["doomed"].props["state"] == "pending_deletion"


@pytest.mark.parametrize(
    ("spec", "usage", "algorithm", "bits"),
    [
        ("RSA_3072", "SIGN_VERIFY", "RSA", 3072),
        ("ECC_NIST_P384", "SIGN_VERIFY", "EC", 384),
        ("HMAC_512", "GENERATE_VERIFY_MAC", "HMAC", 512),
    ],
)
def test_key_spec_gives_algorithm_and_length(
    spec: str, usage: str, algorithm: str, bits: int
) -> None:
    make_key(EUW1, "shaped", KeySpec=spec, KeyUsage=usage)
    props = keys(run()[0])["shaped"].props
    assert (props["algorithm"], props["length_bits"]) == (algorithm, bits)


def test_a_multi_region_key_names_its_other_regions() -> None:
    primary = make_key(EUW1, "mrk", MultiRegion=True)
    kms_client().replicate_key(KeyId=primary["KeyId"], ReplicaRegion=USE1)
    found = {k.region: k for k in run()[0].resources if k.type == kms.KEY_TYPE}
    assert found[EUW1].props["replica_regions"] == [USE1]
    assert found[USE1].uid == primary["Arn"].replace(EUW1, USE1)
    assert found[USE1].props["replica_regions"] == [EUW1]


def test_the_key_policy_is_kept_with_its_open_and_foreign_principals() -> None:
    statements = [
        {
            "Sid": "Owner",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Open",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
        {
            "Sid": "OpenButScoped",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:CallerAccount": MOTO_ACCOUNT}},
        },
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": ["210987654321", "arn:aws:iam::310987654321:role/x"]},
            "Action": "kms:Decrypt",
            "Resource": "*",
        },
        {
            "Sid": "Denied",
            "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::410987654321:root"},
            "Action": "kms:ScheduleKeyDeletion",  # moto enforces Deny, whoever it names
            "Resource": "*",
        },
    ]
    make_key(EUW1, "shared", Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    raw = keys(run()[0])["shared"].raw
    assert raw["KeyPolicy"]["Statement"][1]["Sid"] == "Open"
    assert raw["PublicStatements"] == ["Open"]
    assert raw["ExternalAccounts"] == ["210987654321", "310987654321"]
    assert raw["Grants"] == []
    props = keys(run()[0])["shared"].props
    assert (props["public_policy"], props["external_accounts"]) == (
        True,
        ["210987654321", "310987654321"],
    )


def test_grants_are_kept() -> None:
    meta = make_key(EUW1, "granted")
    grantee = f"arn:aws:iam::{MOTO_ACCOUNT}:role/app"
    kms_client().create_grant(KeyId=meta["KeyId"], GranteePrincipal=grantee, Operations=["Decrypt"])
    (grant,) = keys(run()[0])["granted"].raw["Grants"]
    assert (grant["GranteePrincipal"], grant["Operations"]) == (grantee, ["Decrypt"])


# ─────────────────────────────── custom key stores (Stubber) ────────────────────────────────

HSM_STORE, XKS_STORE = "cks-1111aaaa2222bbbb3", "cks-4444cccc5555dddd6"
CREATED = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)


def key_arn(key_id: str) -> str:
    return f"arn:aws:kms:{EUW1}:{MOTO_ACCOUNT}:key/{key_id}"


def store_arn(store_id: str) -> str:
    return f"arn:aws:kms:{EUW1}:{MOTO_ACCOUNT}:custom-key-store/{store_id}"


def metadata(key_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "AWSAccountId": MOTO_ACCOUNT,
        "KeyId": key_id,
        "Arn": key_arn(key_id),
        "CreationDate": CREATED,
        "Enabled": True,
        "KeyState": "Enabled",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "Origin": "AWS_KMS",
        **fields,
    }


def plan_key_reads(
    stubber: Stubber,
    key_id: str,
    rotation: dict[str, Any] | None,
    rotations: list[dict[str, Any]] | None,
) -> None:
    """The five per-key reads, in the collector's order; None: UnsupportedOperation."""
    arn = key_arn(key_id)
    for operation, answer in (
        ("get_key_rotation_status", rotation),
        ("list_key_rotations", None if rotations is None else {"Rotations": rotations}),
    ):
        if answer is None:
            stubber.add_client_error(
                operation, "UnsupportedOperationException", http_status_code=400
            )
        else:
            stubber.add_response(operation, answer, {"KeyId": arn})
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    }
    stubber.add_response(
        "get_key_policy",
        {"Policy": json.dumps(policy), "PolicyName": "default"},
        {"KeyId": arn, "PolicyName": "default"},
    )
    stubber.add_response("list_grants", {"Grants": []}, {"KeyId": arn})
    stubber.add_response(
        "list_resource_tags",
        {"Tags": [{"TagKey": "key_lineage", "TagValue": "ignored"}]},
        {"KeyId": arn},
    )


def custom_store_estate(stubber: Stubber) -> None:
    stubber.add_response(
        "describe_custom_key_stores",
        {
            "CustomKeyStores": [
                {
                    "CustomKeyStoreId": HSM_STORE,
                    "CustomKeyStoreName": "acme-cloudhsm",
                    "CloudHsmClusterId": "cluster-1a2b3c4d5e6",
                    "ConnectionState": "CONNECTED",
                    "CustomKeyStoreType": "AWS_CLOUDHSM",
                    "CreationDate": CREATED,
                },
                {
                    "CustomKeyStoreId": XKS_STORE,
                    "CustomKeyStoreName": "acme-xks",
                    "ConnectionState": "CONNECTED",
                    "CustomKeyStoreType": "EXTERNAL_KEY_STORE",
                    "XksProxyConfiguration": {
                        "Connectivity": "PUBLIC_ENDPOINT",
                        "AccessKeyId": "XKSACCESSKEYID000000",
                        "UriEndpoint": "https://xks.acme.example",
                    },
                },
            ]
        },
        {},
    )
    stubber.add_response(
        "list_aliases",
        {
            "Aliases": [
                {"AliasName": "alias/hsm-key", "TargetKeyId": "k-hsm"},
                {"AliasName": "alias/aws/s3", "TargetKeyId": "k-aws"},
            ]
        },
        {},
    )
    listed = ["k-hsm", "k-xks", "k-aws", "k-rsa", "k-180"]
    stubber.add_response(
        "list_keys", {"Keys": [{"KeyId": k, "KeyArn": key_arn(k)} for k in listed]}, {}
    )
    stubber.add_response(
        "describe_key",
        {
            "KeyMetadata": metadata(
                "k-hsm",
                Origin="AWS_CLOUDHSM",
                CustomKeyStoreId=HSM_STORE,
                CloudHsmClusterId="cluster-1a2b3c4d5e6",
            )
        },
        {"KeyId": key_arn("k-hsm")},
    )
    plan_key_reads(stubber, "k-hsm", None, None)
    stubber.add_response(
        "describe_key",
        {
            "KeyMetadata": metadata(
                "k-xks",
                Origin="EXTERNAL_KEY_STORE",
                CustomKeyStoreId=XKS_STORE,
                XksKeyConfiguration={"Id": "ext-key-42"},
            )
        },
        {"KeyId": key_arn("k-xks")},
    )
    plan_key_reads(stubber, "k-xks", None, None)
    stubber.add_response(
        "describe_key",
        {"KeyMetadata": metadata("k-aws", KeyManager="AWS")},
        {"KeyId": key_arn("k-aws")},
    )
    stubber.add_response(
        "describe_key",
        {
            "KeyMetadata": metadata(
                "k-rsa",
                KeySpec="RSA_4096",
                KeyUsage="SIGN_VERIFY",
                KeyState="Disabled",
                Enabled=False,
            )
        },
        {"KeyId": key_arn("k-rsa")},
    )
    plan_key_reads(stubber, "k-rsa", None, None)
    stubber.add_response(
        "describe_key", {"KeyMetadata": metadata("k-180")}, {"KeyId": key_arn("k-180")}
    )
    rotations = [
        {
            "KeyId": "k-180",
            "RotationDate": datetime(2026, m, 1, tzinfo=UTC),
            "RotationType": "AUTOMATIC",
        }
        for m in (4, 10)
    ]
    plan_key_reads(
        stubber, "k-180", {"KeyRotationEnabled": True, "RotationPeriodInDays": 180}, rotations
    )


def test_custom_key_stores_become_vaults_holding_their_keys() -> None:
    snapshot, _ = run(answers={}, stubbed={"kms": custom_store_estate}, regions=(EUW1,))
    assert snapshot.gaps == []
    vaults = {r.name: r for r in snapshot.resources if r.kind == "vault"}
    assert {n: (v.uid, v.type, v.props) for n, v in vaults.items()} == {
        "acme-cloudhsm": (
            store_arn(HSM_STORE),
            kms.STORE_TYPE,
            {"vault_type": "AWS_CLOUDHSM", "hsm_backed": True},
        ),
        "acme-xks": (
            store_arn(XKS_STORE),
            kms.STORE_TYPE,
            {
                "vault_type": "EXTERNAL_KEY_STORE",
                "hsm_backed": False,
                "public_network_access": True,
            },
        ),
    }
    assert "AccessKeyId" not in vaults["acme-xks"].raw["XksProxyConfiguration"]
    assert (vaults["acme-cloudhsm"].raw["StoreType"], vaults["acme-xks"].raw["StoreType"]) == (
        "CloudHSM",
        "external",
    )
    found = keys(snapshot)
    assert sorted(found) == ["hsm-key", "k-180", "k-rsa", "k-xks"]  # the AWS-managed key is not
    never = {
        "rotation_enabled": False,
        "last_rotated": "2026-01-10T08:00:00Z",
        "replica_regions": [],
        "public_policy": False,
        "external_accounts": [],
    }
    aes = {"algorithm": "AES", "length_bits": 256, "state": "enabled"}
    assert found["hsm-key"].props == {
        **aes,
        **never,
        "protection": "hsm",
        "origin": "generated",
        "lineage": "hsm_generated",
        "vault_uid": store_arn(HSM_STORE),
    }
    assert found["k-xks"].props == {
        **aes,
        **never,
        "protection": "external",
        "origin": "external",
        "lineage": "external_kms",
        "vault_uid": store_arn(XKS_STORE),
        "external_key_id": "ext-key-42",
    }
    assert found["k-rsa"].props == {
        **never,
        "algorithm": "RSA",
        "length_bits": 4096,
        "state": "disabled",
        "protection": "hsm",
        "origin": "generated",
        "lineage": "provider_generated",
    }
    assert found["k-180"].props == {
        **aes,
        "protection": "hsm",
        "origin": "generated",
        "lineage": "provider_generated",
        "rotation_enabled": True,
        "rotation_period_days": 180,
        "last_rotated": "2026-10-01T00:00:00Z",
        "replica_regions": [],
        "public_policy": False,
        "external_accounts": [],
    }


# ───────────────────────────────────────── failures ──────────────────────────────────────────


def test_a_denied_rotation_read_is_a_gap_on_that_key_only() -> None:
    imported, cmk = seed_reference()
    snapshot, operations = run(
        {("GetKeyRotationStatus", cmk["Arn"]): (403, "AccessDeniedException")}
    )
    (gap,) = snapshot.gaps
    assert (gap.resource_uid, gap.region, gap.operation, gap.fields) == (
        cmk["Arn"],
        USE1,
        "get_key_rotation_status",
        ["rotation_enabled", "rotation_period_days"],
    )
    assert (gap.error_class, gap.message) == (
        "AccessDeniedException",
        "HTTP 403 AccessDeniedException: injected AccessDeniedException",
    )
    found = keys(snapshot)
    lost = {"rotation_enabled", "rotation_period_days"}
    cmk_props = expected_props("replica-use1-cmk", cmk)
    assert found["replica-use1-cmk"].props == {k: v for k, v in cmk_props.items() if k not in lost}
    assert found["acme-datalake-imported"].props == expected_props(
        "acme-datalake-imported", imported
    )
    assert "kms:GetKeyRotationStatus" in operations


def test_throttled_listing_is_a_gap_on_the_region_only() -> None:
    seed_reference()
    snapshot, _ = run({("ListKeys", EUW1): (400, "ThrottlingException")})
    assert sorted(keys(snapshot)) == ["replica-use1-cmk"]
    (gap,) = snapshot.gaps
    assert (gap.region, gap.operation, gap.resource_uid, gap.fields) == (
        EUW1,
        "list_keys",
        None,
        None,
    )
    assert (gap.resource_type, gap.kind, gap.error_class) == (
        kms.KEY_TYPE,
        "key",
        "ThrottlingException",
    )


def test_an_unreadable_key_is_kept_bare_so_its_gap_reaches_findings() -> None:
    imported, cmk = seed_reference()
    snapshot, _ = run({("DescribeKey", imported["Arn"]): (500, "KMSInternalException")})
    found = {k.uid: k for k in snapshot.resources if k.type == kms.KEY_TYPE}
    bare = found[imported["Arn"]]
    assert (bare.name, bare.props, bare.tags) == (imported["KeyId"], {}, {})
    (gap,) = snapshot.gaps
    assert (gap.resource_uid, gap.fields, gap.error_class) == (
        imported["Arn"],
        None,
        "KMSInternalException",
    )
    assert found[cmk["Arn"]].props == expected_props("replica-use1-cmk", cmk)


def test_unreadable_tags_leave_lineage_and_material_unknown() -> None:
    imported, _ = seed_reference()
    snapshot, _ = run({("ListResourceTags", imported["Arn"]): (403, "AccessDeniedException")})
    key = keys(snapshot)["acme-datalake-imported"]
    expected = expected_props("acme-datalake-imported", imported)
    assert key.props == {k: v for k, v in expected.items() if k not in ("lineage", "material_id")}
    assert key.tags == {}
    (gap,) = snapshot.gaps
    assert gap.fields == ["lineage", "material_id"]


def test_unreadable_aliases_and_stores_are_gaps_and_keys_still_come() -> None:
    imported, cmk = seed_reference()
    faults = {
        ("ListAliases", USE1): (403, "AccessDeniedException"),
        ("DescribeCustomKeyStores", None): (500, "KMSInternalException"),
    }
    snapshot, _ = run(faults)
    found = {k.uid: k for k in snapshot.resources if k.type == kms.KEY_TYPE}
    assert found[cmk["Arn"]].name == cmk["KeyId"]
    assert "Aliases" not in found[cmk["Arn"]].raw
    assert found[imported["Arn"]].name == "acme-datalake-imported"
    gaps = {(g.region, g.operation): g for g in snapshot.gaps}
    assert sorted(gaps) == [
        (EUW1, "describe_custom_key_stores"),
        (USE1, "describe_custom_key_stores"),
        (USE1, "list_aliases"),
    ]
    store_gap = gaps[(EUW1, "describe_custom_key_stores")]
    assert (store_gap.resource_type, store_gap.kind, store_gap.fields) == (
        kms.STORE_TYPE,
        "vault",
        None,
    )
    assert gaps[(USE1, "list_aliases")].fields == ["Aliases"]


# ───────────────────────────────────────── pure parts ────────────────────────────────────────


def test_principal_accounts() -> None:
    assert [
        kms.principal_account(p)
        for p in (
            "210987654321",
            "arn:aws:iam::210987654321:root",
            "arn:aws:sts::210987654321:assumed-role/r/s",
            "*",
            "s3.amazonaws.com",
        )
    ] == [
        "210987654321",
        "210987654321",
        "210987654321",
        None,
        None,
    ]


def test_states_in_snake_case() -> None:
    assert [kms.snake(s) for s in ("Enabled", "PendingDeletion", "PendingReplicaDeletion")] == [
        "enabled",
        "pending_deletion",
        "pending_replica_deletion",
    ]
