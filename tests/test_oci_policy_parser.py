"""The OCI policy statement parser: real-world statement forms, and never an exception."""

from __future__ import annotations

import random
from typing import Any

import pytest

from scanner.collectors.oci.policy_parser import (
    Subject,
    is_full_admin,
    parse_policy,
    parse_statement,
    parse_subjects,
    summarise,
    tenancy_aliases,
    tokenize,
)
from scanner.model.props import PolicyStatement

TENANCY_B = "ocid1.tenancy.oc1..aaaaaaaabbbbbbbb"

# (statement, expected fields other than text)
STATEMENTS: list[tuple[str, dict[str, Any]]] = [
    (
        "Allow group Administrators to manage all-resources in tenancy",
        {
            "action": "allow",
            "subject": "group Administrators",
            "verb": "manage",
            "resource": "all-resources",
            "location": "tenancy",
        },
    ),
    (
        "ALLOW GROUP 'Default'/'Administrators' TO MANAGE ALL-RESOURCES IN TENANCY",
        {
            "action": "allow",
            "subject": "group 'Default'/'Administrators'",
            "verb": "manage",
            "resource": "all-resources",
            "location": "tenancy",
        },
    ),
    (
        "Allow group id ocid1.group.oc1..aaaagrp to read all-resources in compartment "
        "id ocid1.compartment.oc1..aaaacmp",
        {
            "action": "allow",
            "subject": "group id ocid1.group.oc1..aaaagrp",
            "verb": "read",
            "resource": "all-resources",
            "location": "compartment id ocid1.compartment.oc1..aaaacmp",
        },
    ),
    (
        "Allow dynamic-group fn-dg to read secret-family in compartment Vault:Prod "
        "where target.secret.name = 'db-password'",
        {
            "action": "allow",
            "subject": "dynamic-group fn-dg",
            "verb": "read",
            "resource": "secret-family",
            "location": "compartment Vault:Prod",
            "conditions": "target.secret.name = 'db-password'",
        },
    ),
    (
        "Allow any-user to { WLP_BOM_READ } in tenancy where all { request.principal.id = "
        "target.agent.id, request.principal.type = 'workloadprotectionagent'}",
        {
            "action": "allow",
            "subject": "any-user",
            "verb": "{WLP_BOM_READ}",
            "location": "tenancy",
            "conditions": "all { request.principal.id = target.agent.id, "
            "request.principal.type = 'workloadprotectionagent'}",
        },
    ),
    (
        "Allow group InstanceOps to {INSTANCE_READ, instance_update} in compartment Apps",
        {
            "action": "allow",
            "subject": "group InstanceOps",
            "verb": "{INSTANCE_READ, INSTANCE_UPDATE}",
            "location": "compartment Apps",
        },
    ),
    (
        "Allow group NetOps, group SecOps to use virtual-network-family in compartment network",
        {
            "action": "allow",
            "subject": "group NetOps, group SecOps",
            "verb": "use",
            "resource": "virtual-network-family",
            "location": "compartment network",
        },
    ),
    (
        "allow group NetOps, SecOps to read vcns in compartment network",
        {
            "action": "allow",
            "subject": "group NetOps, group SecOps",
            "verb": "read",
            "resource": "vcns",
            "location": "compartment network",
        },
    ),
    (
        "Allow service cloudguard to read authentication-policies in tenancy",
        {
            "action": "allow",
            "subject": "service cloudguard",
            "verb": "read",
            "resource": "authentication-policies",
            "location": "tenancy",
        },
    ),
    (
        "Allow service objectstorage-eu-frankfurt-1 to use keys in compartment Security "
        "where target.key.id = 'ocid1.key.oc1.eu-frankfurt-1.aaaakey'",
        {
            "action": "allow",
            "subject": "service objectstorage-eu-frankfurt-1",
            "verb": "use",
            "resource": "keys",
            "location": "compartment Security",
            "conditions": "target.key.id = 'ocid1.key.oc1.eu-frankfurt-1.aaaakey'",
        },
    ),
    (
        "Allow any-group to inspect compartments in tenancy",
        {
            "action": "allow",
            "subject": "any-group",
            "verb": "inspect",
            "resource": "compartments",
            "location": "tenancy",
        },
    ),
    (
        "Allow group acme-domain/lz-iam-admin-group to manage groups in tenancy where all "
        "{target.group.name != 'Administrators', target.group.name != 'lz-cred-admin-group'}",
        {
            "action": "allow",
            "subject": "group acme-domain/lz-iam-admin-group",
            "verb": "manage",
            "resource": "groups",
            "location": "tenancy",
            "conditions": "all {target.group.name != 'Administrators', "
            "target.group.name != 'lz-cred-admin-group'}",
        },
    ),
    (
        "Allow group 'My Domain'/'Net Admins' to manage virtual-network-family in "
        "compartment Prod:Network:Hub",
        {
            "action": "allow",
            "subject": "group 'My Domain'/'Net Admins'",
            "verb": "manage",
            "resource": "virtual-network-family",
            "location": "compartment Prod:Network:Hub",
        },
    ),
    (
        "Allow group lz-cred-admin-group to manage users in tenancy  where any "
        "{request.operation = 'ListApiKeys',request.operation = 'ListAuthTokens'}",
        {
            "action": "allow",
            "subject": "group lz-cred-admin-group",
            "verb": "manage",
            "resource": "users",
            "location": "tenancy",
            "conditions": "any {request.operation = 'ListApiKeys',"
            "request.operation = 'ListAuthTokens'}",
        },
    ),
    (
        "  Allow   group\tAuditors\nto  read   audit-events  in\ttenancy  ",
        {
            "action": "allow",
            "subject": "group Auditors",
            "verb": "read",
            "resource": "audit-events",
            "location": "tenancy",
        },
    ),
    (
        "Allow group DBAdmins to manage database-family in Compartment ID ocid1.compartment.x",
        {
            "action": "allow",
            "subject": "group DBAdmins",
            "verb": "manage",
            "resource": "database-family",
            "location": "compartment id ocid1.compartment.x",
        },
    ),
    (
        "Define tenancy PartnerBackup as " + TENANCY_B,
        {"action": "define", "subject": "tenancy PartnerBackup", "tenancy": TENANCY_B},
    ),
    (
        "define group PartnerAdmins as ocid1.group.oc1..aaaapartner",
        {"action": "define", "subject": "group PartnerAdmins"},
    ),
    (
        "Endorse group NetworkAdmins to manage remote-peering-from in tenancy PartnerBackup",
        {
            "action": "endorse",
            "subject": "group NetworkAdmins",
            "verb": "manage",
            "resource": "remote-peering-from",
            "location": "tenancy PartnerBackup",
            "tenancy": "PartnerBackup",
        },
    ),
    (
        "Endorse group NetworkAdmins to associate local-peering-gateways in any-tenancy",
        {
            "action": "endorse",
            "subject": "group NetworkAdmins",
            "verb": "associate",
            "resource": "local-peering-gateways",
            "location": "any-tenancy",
            "tenancy": "any-tenancy",
        },
    ),
    (
        "Endorse dynamic-group backup-fn to {OBJECT_READ} in tenancy PartnerBackup "
        "where target.bucket.name = 'exports'",
        {
            "action": "endorse",
            "subject": "dynamic-group backup-fn",
            "verb": "{OBJECT_READ}",
            "location": "tenancy PartnerBackup",
            "conditions": "target.bucket.name = 'exports'",
            "tenancy": "PartnerBackup",
        },
    ),
    (
        "Admit group Auditors of tenancy Requestor to read all-resources in tenancy",
        {
            "action": "admit",
            "subject": "group Auditors",
            "verb": "read",
            "resource": "all-resources",
            "location": "tenancy",
            "tenancy": "Requestor",
        },
    ),
    (
        "ADMIT GROUP 'Default'/'Ops' OF TENANCY Requestor TO MANAGE object-family IN "
        "COMPARTMENT Shared",
        {
            "action": "admit",
            "subject": "group 'Default'/'Ops'",
            "verb": "manage",
            "resource": "object-family",
            "location": "compartment Shared",
            "tenancy": "Requestor",
        },
    ),
    (
        "Deny group Contractors to manage vaults in tenancy",
        {
            "action": "deny",
            "subject": "group Contractors",
            "verb": "manage",
            "resource": "vaults",
            "location": "tenancy",
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), STATEMENTS, ids=[s[0][:60] for s in STATEMENTS])
def test_statement_forms(text: str, expected: dict[str, Any]) -> None:
    statement = parse_statement(text)
    assert statement.text == text.strip()
    assert statement.model_dump(exclude_none=True, exclude={"text"}) == expected


UNPARSEABLE = [
    ("", "allow"),
    ("garbage", "allow"),
    ("Permit group X to manage all-resources in tenancy", "allow"),
    ("Allow group", "allow"),
    ("Allow group X to", "allow"),
    ("Allow to manage all-resources in tenancy", "allow"),
    ("Allow group O'Brien to manage all-resources in tenancy", "allow"),
    ("Deny everyone", "deny"),
    ("Define tenancy Partner", "define"),
    ("Define as ocid1.tenancy.oc1..x", "define"),
    ("Endorse group X", "endorse"),
    ("Admit group X to read all-resources in tenancy", "admit"),
]


@pytest.mark.parametrize(("text", "action"), UNPARSEABLE)
def test_unparseable_statements_keep_their_first_word(text: str, action: str) -> None:
    statement = parse_statement(text)
    assert statement == PolicyStatement(action=action, text=text)


def test_the_parser_never_raises() -> None:
    words = [
        "Allow", "allow", "Deny", "Define", "Endorse", "Admit", "group", "dynamic-group",
        "any-user", "id", "to", "of", "in", "where", "as", "tenancy", "any-tenancy",
        "compartment", "manage", "read", "all-resources", "'Default'/'X'", "'", '"', "{",
        "}", "{A,", "B}", ",", "/", "X", "Y:Z", "ocid1.tenancy.oc1..a", "\t", "\n", "",
    ]  # fmt: skip
    rng = random.Random(20261101)
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 14)))
        statement = parse_statement(text)
        assert statement.text == text.strip()
        summarise([text, text.upper()])


def test_tokens_keep_quoted_names_and_permission_lists_whole() -> None:
    tokens = tokenize("Allow group 'My Domain'/'Net Admins' to {A, B} in tenancy")
    assert [t.text for t in tokens] == [
        "Allow", "group", "'My Domain'/'Net Admins'", "to", "{A, B}", "in", "tenancy",
    ]  # fmt: skip


# ────────────────────────────── subjects ──────────────────────────────


@pytest.mark.parametrize(
    ("clause", "expected", "labels"),
    [
        ("group Administrators", [Subject("group", "Administrators")], ["Administrators"]),
        (
            "group 'Default'/'Administrators'",
            [Subject("group", "Administrators", "Default")],
            ["Administrators"],
        ),
        ("group acme/Admins", [Subject("group", "Admins", "acme")], ["acme/Admins"]),
        (
            'group "Net Admins"',
            [Subject("group", "Net Admins")],
            ["Net Admins"],
        ),
        (
            "group id ocid1.group.oc1..g",
            [Subject("group", ocid="ocid1.group.oc1..g")],
            ["ocid1.group.oc1..g"],
        ),
        (
            "dynamic-group 'Default'/'fn', any-user",
            [Subject("dynamic-group", "fn", "Default"), Subject("any-user")],
            ["dynamic-group fn", "any-user"],
        ),
        (
            "group A, B, dynamic-group C, D",
            [
                Subject("group", "A"),
                Subject("group", "B"),
                Subject("dynamic-group", "C"),
                Subject("dynamic-group", "D"),
            ],
            ["A", "B", "dynamic-group C", "dynamic-group D"],
        ),
        ("service cloudguard", [Subject("service", "cloudguard")], ["service cloudguard"]),
        ("any-group", [Subject("any-group")], ["any-group"]),
    ],
)
def test_subjects(clause: str, expected: list[Subject], labels: list[str]) -> None:
    subjects = parse_subjects(clause)
    assert [(s.kind, s.name, s.domain, s.ocid) for s in subjects] == [
        (s.kind, s.name, s.domain, s.ocid) for s in expected
    ]
    assert [s.label() for s in subjects] == labels


def test_no_subjects() -> None:
    assert parse_subjects(None) == []
    assert parse_subjects("") == []


# ────────────────────────────── policy summaries ──────────────────────────────


@pytest.mark.parametrize(
    ("text", "full_admin"),
    [
        ("Allow group Administrators to manage all-resources in tenancy", True),
        ("allow GROUP admins TO MANAGE ALL-RESOURCES IN TENANCY", True),
        ("Allow group 'Default'/'Administrators' to manage all-resources in tenancy", True),
        (
            "Allow group Ops to manage all-resources in tenancy where request.region = 'fra'",
            True,
        ),
        ("Admit group Admins of tenancy Parent to manage all-resources in tenancy", True),
        ("Allow group Ops to manage all-resources in compartment Prod", False),
        ("Allow group Ops to read all-resources in tenancy", False),
        ("Allow group Ops to {POLICY_UPDATE} in tenancy", False),
        ("Deny group Ops to manage all-resources in tenancy", False),
        ("Endorse group Ops to manage all-resources in tenancy Partner", False),
        ("Allow group Ops to manage all-resources", False),
    ],
)
def test_full_admin_statements(text: str, full_admin: bool) -> None:
    assert is_full_admin(parse_statement(text)) is full_admin


def test_full_admin_policy_is_attached_to_the_admin_subjects_only() -> None:
    summary = summarise(
        [
            "Allow group Auditors to read all-resources in tenancy",
            "Allow group 'Default'/'Administrators' to manage all-resources in tenancy",
            "Allow group id ocid1.group.oc1..ci, dynamic-group ops-fn to manage "
            "all-resources in tenancy",
            "Allow group Administrators to manage all-resources in tenancy",
        ],
        group_names={"ocid1.group.oc1..ci": "ci-deployers"},
    )
    assert summary.grants_full_admin is True
    assert summary.attached_to == ["Administrators", "ci-deployers", "dynamic-group ops-fn"]
    assert summary.cross_tenancy == []
    assert len(summary.parsed) == 4


def test_other_policies_are_attached_to_every_granted_subject() -> None:
    summary = summarise(
        [
            "Allow group NetOps to manage virtual-network-family in compartment network",
            "Allow group NetOps, group SecOps to read all-resources in compartment network",
            "Deny group Contractors to manage vcns in compartment network",
            "Allow group id ocid1.group.oc1..unknown to inspect vcns in compartment network",
            "Allow any-user to read buckets in compartment web where request.principal.type "
            "= 'fnfunc'",
        ]
    )
    assert summary.grants_full_admin is False
    assert summary.attached_to == ["NetOps", "SecOps", "ocid1.group.oc1..unknown", "any-user"]


def test_cross_tenancy_policies() -> None:
    statements = [
        f"Define tenancy PartnerBackup as {TENANCY_B}",
        "Define group PartnerAdmins as ocid1.group.oc1..pa",
        "Endorse group NetOps to manage remote-peering-from in tenancy PartnerBackup",
        "Endorse group NetOps to associate remote-peering-from in tenancy Unknown",
        "Admit group PartnerAdmins of tenancy PartnerBackup to read buckets in tenancy",
        "Admit group Anyone of any-tenancy to read objects in compartment public",
    ]
    parsed = parse_policy(statements)
    assert tenancy_aliases(parsed) == {"PartnerBackup": TENANCY_B}
    summary = summarise(statements)
    assert summary.cross_tenancy == sorted({TENANCY_B, "Unknown", "any-tenancy"})
    assert summary.grants_full_admin is False
    assert summary.attached_to == [
        "NetOps",
        "PartnerAdmins of tenancy PartnerBackup",
        "Anyone of any-tenancy",
    ]
