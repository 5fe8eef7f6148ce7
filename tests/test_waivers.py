"""Waivers: the file loader's located problems, expiry at the boundary, selectors, applying."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scanner.bundled import controls_dir, reference_estate
from scanner.config import load_config
from scanner.engine.catalog import load_catalog
from scanner.engine.waiver_file import check_waivers, load_waivers
from scanner.engine.waivers import (
    ExpiryState,
    ResourceSelector,
    Waiver,
    WaiverState,
    apply_waivers,
    expiry_state,
)
from scanner.errors import WaiverError
from scanner.model import FindingsDocument, Resource, Status, finding_id
from scanner.outputs.views import findings_with_status, framework_view
from scanner.pipeline import evaluate_folder

LEGACY_KEY = "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"
SECLIST = "ocid1.securitylist.oc1.eu-frankfurt-1.aaaaaaaaappseclist7u"
REPLICA_EUW1 = "arn:aws:s3:::acme-datalake-replica-euw1"
DATALAKE = "ocid1.bucket.oc1.eu-frankfurt-1.aaaaaaaadatalakepersonal"

VALID_ENTRY = """\
  - id: W-1
    control_id: KMS-001
    resource: {uid: "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"}
    justification: legacy import
    owner: data-platform
    approver: ciso
    ticket: SEC-1
    expires: 2027-03-31
"""


@pytest.fixture(scope="module")
def control_ids() -> set[str]:
    return {compiled.id for compiled in load_catalog(controls_dir()).controls}


@pytest.fixture(scope="module")
def reference() -> tuple[FindingsDocument, list[Resource]]:
    estate = reference_estate()
    catalog = load_catalog(controls_dir())
    evaluation = evaluate_folder(estate / "snapshot", catalog, load_config(estate / "estate.yaml"))
    return evaluation.findings, evaluation.snapshot.resources


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def waiver(control_id: str, expires: date, **selector: object) -> Waiver:
    return Waiver.model_validate(
        {
            "id": f"W-{control_id}",
            "control_id": control_id,
            "resource": selector,
            "justification": "accepted",
            "owner": "owner",
            "approver": "approver",
            "ticket": "T-1",
            "expires": expires,
        }
    )


def problems(path: Path, ids: set[str]) -> list[str]:
    return [str(problem) for problem in check_waivers(path, ids).problems]


# --- the file ----------------------------------------------------------------------------


def test_valid_file_loads(tmp_path: Path, control_ids: set[str]) -> None:
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY)
    (loaded,) = load_waivers(path, control_ids)
    assert loaded.id == "W-1"
    assert loaded.resource == ResourceSelector(uid=LEGACY_KEY)
    assert loaded.expires == date(2027, 3, 31)


@pytest.mark.parametrize("text", ["", "# nothing yet\n"])
def test_empty_file_has_no_waivers(tmp_path: Path, text: str) -> None:
    assert load_waivers(write(tmp_path, text)) == ()


def test_unknown_control_is_located(tmp_path: Path, control_ids: set[str]) -> None:
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY.replace("KMS-001", "KMS-999"))
    assert problems(path, control_ids) == [
        f"{path}:3:17 [W-1]: control_id: unknown control 'KMS-999' (not in the catalog)"
    ]


def test_without_a_catalog_control_ids_are_not_checked(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY.replace("KMS-001", "KMS-999"))
    assert [w.control_id for w in load_waivers(path)] == ["KMS-999"]


def test_duplicate_ids_drop_every_namesake_and_keep_the_rest(
    tmp_path: Path, control_ids: set[str]
) -> None:
    other = VALID_ENTRY.replace("W-1", "W-2")
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY + VALID_ENTRY + other)
    checked = check_waivers(path, control_ids)
    assert [str(p) for p in checked.problems] == [
        f"{path}:10:9 [W-1]: id: duplicate waiver id 'W-1' (first at line 2); "
        "every entry with this id is ignored"
    ]
    assert [w.id for w in checked.waivers] == ["W-2"]


def test_missing_expires_points_at_the_entry(tmp_path: Path, control_ids: set[str]) -> None:
    entry = VALID_ENTRY.replace("    expires: 2027-03-31\n", "")
    path = write(tmp_path, "waivers:\n" + entry)
    assert problems(path, control_ids) == [f"{path}:2:5 [W-1]: expires: Field required"]


def test_naive_datetime_is_refused(tmp_path: Path, control_ids: set[str]) -> None:
    entry = VALID_ENTRY.replace("2027-03-31", "2027-03-31 18:00:00")
    path = write(tmp_path, "waivers:\n" + entry)
    assert problems(path, control_ids) == [
        f"{path}:9:14 [W-1]: expires: a date-time needs a time zone, e.g. 2027-03-31T18:00:00Z "
        "or 2027-03-31T18:00:00+02:00 (or give a date: 2027-03-31)"
    ]


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        (
            "tomorrow",
            "expected a date (2027-03-31) or a date-time with a time zone, got 'tomorrow'",
        ),
        ("20270331", "expected a date (2027-03-31) or a date-time with a time zone, got 20270331"),
        ('"2027-03-31T18:00:00"', "a date-time needs a time zone"),
    ],
)
def test_bad_expires_values(
    tmp_path: Path, control_ids: set[str], expires: str, message: str
) -> None:
    entry = VALID_ENTRY.replace("2027-03-31", expires)
    path = write(tmp_path, "waivers:\n" + entry)
    (found,) = problems(path, control_ids)
    assert found.startswith(f"{path}:9:14 [W-1]: expires: {message}")


def test_quoted_dates_and_aware_datetimes_are_accepted(tmp_path: Path) -> None:
    text = "waivers:\n" + VALID_ENTRY.replace("2027-03-31", '"2027-03-31"')
    text += VALID_ENTRY.replace("W-1", "W-2").replace("2027-03-31", "2027-03-31T18:00:00+02:00")
    first, second = load_waivers(write(tmp_path, text))
    assert first.expires == date(2027, 3, 31)
    assert second.ends_at == datetime(2027, 3, 31, 16, tzinfo=UTC)


def test_wrong_types_are_all_reported(tmp_path: Path, control_ids: set[str]) -> None:
    entry = VALID_ENTRY.replace("owner: data-platform", "owner: 3").replace(
        '{uid: "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"}', "{tags: [env]}"
    )
    path = write(tmp_path, "waivers:\n" + entry)
    assert problems(path, control_ids) == [
        f"{path}:4:22 [W-1]: resource.tags: Input should be a valid dictionary",
        f"{path}:6:12 [W-1]: owner: Input should be a valid string",
    ]


def test_selector_needs_exactly_one_kind(tmp_path: Path, control_ids: set[str]) -> None:
    entry = VALID_ENTRY.replace('{uid: "', '{glob: "ocid1.key.*", uid: "')
    path = write(tmp_path, "waivers:\n" + entry)
    assert problems(path, control_ids) == [
        f"{path}:4:15 [W-1]: resource: give exactly one of uid, glob or tags (found: uid, glob)"
    ]
    none = VALID_ENTRY.replace(
        '{uid: "ocid1.key.oc1.eu-frankfurt-1.aaaaaaaalegacyanalytics9f"}', "{}"
    )
    path = write(tmp_path, "waivers:\n" + none)
    assert problems(path, control_ids) == [
        f"{path}:4:15 [W-1]: resource: give exactly one of uid, glob or tags (found: none)"
    ]


def test_unknown_key_points_at_the_key(tmp_path: Path, control_ids: set[str]) -> None:
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY + "    colour: red\n")
    assert problems(path, control_ids) == [
        f"{path}:10:5 [W-1]: colour: Extra inputs are not permitted"
    ]


def test_an_entry_without_id_is_named_by_index(tmp_path: Path, control_ids: set[str]) -> None:
    entry = VALID_ENTRY.replace("  - id: W-1\n    control_id", "  - control_id")
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY.replace("W-1", "W-0") + entry)
    assert problems(path, control_ids) == [f"{path}:10:5 [waivers[1]]: id: Field required"]


def test_every_problem_is_listed_and_valid_entries_still_load(
    tmp_path: Path, control_ids: set[str]
) -> None:
    broken = VALID_ENTRY.replace("W-1", "W-2").replace("KMS-001", "NOPE-1")
    broken = broken.replace("ticket: SEC-1", "ticket: [SEC-1]")
    path = write(tmp_path, "waivers:\n" + VALID_ENTRY + broken)
    checked = check_waivers(path, control_ids)
    assert [w.id for w in checked.waivers] == ["W-1"]
    expected = [
        f"{path}:11:17 [W-2]: control_id: unknown control 'NOPE-1' (not in the catalog)",
        f"{path}:16:13 [W-2]: ticket: Input should be a valid string",
    ]
    assert [str(p) for p in checked.problems] == expected
    with pytest.raises(WaiverError) as raised:
        load_waivers(path, control_ids)
    assert [str(p) for p in raised.value.problems] == expected


def test_invalid_yaml_and_wrong_shape(tmp_path: Path) -> None:
    path = write(tmp_path, "waivers:\n  - id: [unclosed\n")
    (found,) = problems(path, set())
    assert found.startswith(f"{path}:3:1: invalid YAML:")
    path = write(tmp_path, "- id: W-1\n")
    assert problems(path, set()) == [
        f"{path}:1:1: expected a mapping with one key, waivers, holding a list of waivers"
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    assert problems(missing, set()) == [f"{missing}: cannot read: No such file or directory"]


# --- expiry --------------------------------------------------------------------------------


def test_a_date_applies_through_the_end_of_that_day_utc() -> None:
    last_day = waiver("KMS-001", date(2026, 11, 1), uid=LEGACY_KEY)
    assert last_day.in_force_at(datetime(2026, 11, 1, 23, 59, 59, 999999, tzinfo=UTC))
    assert not last_day.in_force_at(datetime(2026, 11, 2, 0, 0, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("expires", "last_second", "first_expired"),
    [
        ("2026-11-01T18:00:00+02:00", "2026-11-01T15:59:59Z", "2026-11-01T16:00:00Z"),
        ("2026-11-01T20:00:00-05:00", "2026-11-02T00:59:59Z", "2026-11-02T01:00:00Z"),
        ("2026-11-01T09:04:12Z", "2026-11-01T09:04:11Z", "2026-11-01T09:04:12Z"),
    ],
)
def test_datetimes_in_other_time_zones(expires: str, last_second: str, first_expired: str) -> None:
    entry = waiver("KMS-001", datetime.fromisoformat(expires), uid=LEGACY_KEY)
    assert entry.in_force_at(datetime.fromisoformat(last_second))
    assert not entry.in_force_at(datetime.fromisoformat(first_expired))


def test_expiry_state_window() -> None:
    entry = waiver("KMS-001", date(2026, 12, 1), uid=LEGACY_KEY)
    within = datetime(2026, 12, 2, tzinfo=UTC) - datetime(2026, 11, 2, tzinfo=UTC)  # 30 days
    assert expiry_state(entry, datetime(2026, 11, 1, 23, 59, tzinfo=UTC), within) is ExpiryState.OK
    assert expiry_state(entry, datetime(2026, 11, 2, tzinfo=UTC), within) is ExpiryState.EXPIRING
    assert expiry_state(entry, datetime(2026, 12, 2, tzinfo=UTC), within) is ExpiryState.EXPIRED


# --- applying to the reference estate (collection end 2026-11-01T09:04:12Z) ------------------


def waived_ids(doc: FindingsDocument) -> dict[str, str]:
    return {f.finding_id: f.waiver_id for f in doc.findings if f.waiver_id is not None}


@pytest.mark.parametrize(
    ("expires", "state"),
    [
        (date(2026, 11, 1), WaiverState.ACTIVE),  # the last day of a date waiver
        (date(2026, 10, 31), WaiverState.EXPIRED),
        (datetime(2026, 11, 1, 9, 4, 13, tzinfo=UTC), WaiverState.ACTIVE),
        (datetime.fromisoformat("2026-11-01T11:04:12+02:00"), WaiverState.EXPIRED),
        (datetime.fromisoformat("2026-11-01T11:04:13+02:00"), WaiverState.ACTIVE),
    ],
)
def test_waivers_apply_at_the_collection_end(
    reference: tuple[FindingsDocument, list[Resource]], expires: date, state: WaiverState
) -> None:
    doc, resources = reference
    result = apply_waivers(doc, resources, [waiver("KMS-001", expires, uid=LEGACY_KEY)])
    (entry,) = result.register.entries
    target = finding_id("KMS-001", LEGACY_KEY)
    assert entry.state is state
    assert entry.finding_ids == (target,)
    expected = {target: "W-KMS-001"} if state is WaiverState.ACTIVE else {}
    assert waived_ids(result.findings) == expected
    assert result.register.evaluated_at == "2026-11-01T09:04:12Z"


@pytest.mark.parametrize(
    ("control_id", "selector", "expected_uids"),
    [
        ("KMS-001", {"uid": LEGACY_KEY}, [LEGACY_KEY]),
        ("RES-003", {"glob": "arn:aws:s3:::acme-datalake-*"}, [REPLICA_EUW1]),
        ("RES-003", {"glob": "*"}, [REPLICA_EUW1, DATALAKE]),
        ("NET-001", {"tags": {"env": "prod"}}, [SECLIST]),
        ("KMS-001", {"tags": {"security.key_lineage": "oci_export_software"}}, [LEGACY_KEY]),
        ("NET-001", {"tags": {"env": "prod", "tier": "db"}}, []),
        ("BDR-001", {"uid": DATALAKE}, []),  # it passes: nothing to waive
    ],
)
def test_selectors_mark_only_failing_findings_of_their_control(
    reference: tuple[FindingsDocument, list[Resource]],
    control_id: str,
    selector: dict[str, object],
    expected_uids: list[str],
) -> None:
    doc, resources = reference
    result = apply_waivers(doc, resources, [waiver(control_id, date(2027, 1, 1), **selector)])
    expected = {finding_id(control_id, uid): f"W-{control_id}" for uid in expected_uids}
    assert waived_ids(result.findings) == expected
    (entry,) = result.register.entries
    assert entry.state is (WaiverState.ACTIVE if expected_uids else WaiverState.UNUSED)
    before = {f.finding_id: f.status for f in doc.findings}
    assert all(before[f.finding_id] is f.status for f in result.findings.findings)
    assert all(before[fid] is Status.FAIL for fid in expected)


def test_overlapping_waivers_mark_with_the_first_id(
    reference: tuple[FindingsDocument, list[Resource]],
) -> None:
    doc, resources = reference
    second = waiver("KMS-001", date(2027, 1, 1), glob="ocid1.key.*")
    first = second.model_copy(
        update={"id": "A-first", "resource": ResourceSelector(uid=LEGACY_KEY)}
    )
    result = apply_waivers(doc, resources, [second, first])
    target = finding_id("KMS-001", LEGACY_KEY)
    assert waived_ids(result.findings) == {target: "A-first"}
    assert [(e.waiver.id, e.finding_ids) for e in result.register.entries] == [
        ("A-first", (target,)),
        ("W-KMS-001", (target,)),
    ]


def test_views_count_a_waived_failure_as_waived_not_failed(
    reference: tuple[FindingsDocument, list[Resource]],
) -> None:
    doc, resources = reference
    result = apply_waivers(doc, resources, [waiver("KMS-001", date(2027, 1, 1), uid=LEGACY_KEY)])
    catalog = load_catalog(controls_dir())
    before = next(
        c for c in framework_view(doc, catalog, "soc2").controls if c.control_id == "KMS-001"
    )
    after = next(
        c
        for c in framework_view(result.findings, catalog, "soc2").controls
        if c.control_id == "KMS-001"
    )
    assert (before.status, before.counts.failed, before.counts.waived) == ("fail", 1, 0)
    assert (after.status, after.counts.failed, after.counts.waived) == ("pass", 0, 1)
    assert after.findings[-1].waiver_id == "W-KMS-001"  # waived ones are listed last
    assert finding_id("KMS-001", LEGACY_KEY) not in {
        f.finding_id for f in findings_with_status(result.findings, Status.FAIL)
    }
    assert [f.finding_id for f in findings_with_status(result.findings, Status.WAIVED)] == [
        finding_id("KMS-001", LEGACY_KEY)
    ]
