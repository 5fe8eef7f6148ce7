"""Checks on the compliance framework definition files in controls/frameworks."""

from pathlib import Path

import pytest
import yaml

FRAMEWORKS_DIR = Path(__file__).resolve().parent.parent / "controls" / "frameworks"

ALLOWED_KEYS = {"id", "title", "group", "new_in_2022", "coverage", "rationale"}

ISO_NEW_IN_2022 = {
    "5.7",
    "5.23",
    "5.30",
    "7.4",
    "8.9",
    "8.10",
    "8.11",
    "8.12",
    "8.16",
    "8.23",
    "8.28",
}


def _range(prefix: str, section: int, last: int) -> list[str]:
    return [f"{prefix}{section}.{n}" for n in range(1, last + 1)]


SOC2_EXPECTED_IDS = [
    *_range("CC", 1, 5),
    *_range("CC", 2, 3),
    *_range("CC", 3, 4),
    *_range("CC", 4, 2),
    *_range("CC", 5, 3),
    *_range("CC", 6, 8),
    *_range("CC", 7, 5),
    *_range("CC", 8, 1),
    *_range("CC", 9, 2),
    *_range("A", 1, 3),
    *_range("C", 1, 2),
    *_range("PI", 1, 5),
    *_range("P", 1, 1),
    *_range("P", 2, 1),
    *_range("P", 3, 2),
    *_range("P", 4, 3),
    *_range("P", 5, 2),
    *_range("P", 6, 7),
    *_range("P", 7, 1),
    *_range("P", 8, 1),
]

ISO_EXPECTED_IDS = [
    *_range("", 5, 37),
    *_range("", 6, 8),
    *_range("", 7, 14),
    *_range("", 8, 34),
]

GDPR_EXPECTED_IDS = [
    "5(1)(f)",
    "5(2)",
    "24",
    "25",
    "25(1)",
    "25(2)",
    "28",
    "28(3)(c)",
    "30",
    "32",
    "32(1)(a)",
    "32(1)(b)",
    "32(1)(c)",
    "32(1)(d)",
    "33",
    "34",
    "35",
    "44",
    "45",
    "46",
    "47",
    "49",
]

EXPECTED = {
    "soc2": {"count": 61, "ids": SOC2_EXPECTED_IDS, "version": "2017 (points of focus 2022)"},
    "iso27001_2022": {"count": 93, "ids": ISO_EXPECTED_IDS, "version": "2022"},
    "gdpr": {"count": 22, "ids": GDPR_EXPECTED_IDS, "version": "2016/679"},
}

REQUIRED_IDS = {
    "soc2": ["CC6.1", "CC6.6", "CC6.7", "CC7.2", "A1.2", "C1.1", "P6.1"],
    "iso27001_2022": ["5.23", "5.34", "8.24"],
    "gdpr": ["5(1)(f)", "32(1)(a)", "44", "45", "46"],
}


def load(framework_id: str) -> dict:
    path = FRAMEWORKS_DIR / f"{framework_id}.yaml"
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict), f"{path.name} must be a mapping"
    return data


def requirement_ids(data: dict) -> list:
    return [req["id"] for req in data["requirements"]]


@pytest.mark.parametrize("framework_id", sorted(EXPECTED))
def test_top_level_shape(framework_id: str) -> None:
    data = load(framework_id)
    assert set(data) == {"id", "name", "version", "requirements"}
    assert data["id"] == framework_id
    assert isinstance(data["name"], str) and data["name"].strip()
    assert data["version"] == EXPECTED[framework_id]["version"]
    assert isinstance(data["requirements"], list)


@pytest.mark.parametrize("framework_id", sorted(EXPECTED))
def test_requirement_keys_and_types(framework_id: str) -> None:
    for req in load(framework_id)["requirements"]:
        assert isinstance(req, dict)
        assert {"id", "title", "group", "coverage", "rationale"} <= set(req), req
        assert set(req) <= ALLOWED_KEYS, req
        assert req["coverage"] in ("automated", "partial", "manual"), req
        rationale = req["rationale"]
        assert isinstance(rationale, str) and "\n" not in rationale, req
        assert 10 < len(rationale) < 160, f"{req['id']} rationale is {len(rationale)} characters"
        assert isinstance(req["id"], str), f"id {req['id']!r} is not a string"
        assert isinstance(req["group"], str) and req["group"].strip(), req
        if "new_in_2022" in req:
            assert framework_id == "iso27001_2022", req
            assert req["new_in_2022"] is True, req


@pytest.mark.parametrize("framework_id", sorted(EXPECTED))
def test_titles_are_short_and_non_empty(framework_id: str) -> None:
    for req in load(framework_id)["requirements"]:
        title = req["title"]
        assert isinstance(title, str), req
        assert title.strip(), f"{req['id']} has an empty title"
        assert len(title) < 90, f"{req['id']} title is {len(title)} characters"


@pytest.mark.parametrize("framework_id", sorted(EXPECTED))
def test_no_duplicate_ids(framework_id: str) -> None:
    ids = requirement_ids(load(framework_id))
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"


@pytest.mark.parametrize("framework_id", sorted(EXPECTED))
def test_exact_ids_count_and_order(framework_id: str) -> None:
    ids = requirement_ids(load(framework_id))
    expected = EXPECTED[framework_id]
    assert len(expected["ids"]) == expected["count"]
    assert len(ids) == expected["count"]
    assert ids == expected["ids"]


@pytest.mark.parametrize(
    ("framework_id", "required_id"),
    [(fid, rid) for fid, rids in REQUIRED_IDS.items() for rid in rids],
)
def test_required_ids_present(framework_id: str, required_id: str) -> None:
    assert required_id in requirement_ids(load(framework_id))


def test_iso_new_in_2022_flags() -> None:
    data = load("iso27001_2022")
    flagged = {req["id"] for req in data["requirements"] if req.get("new_in_2022")}
    assert flagged == ISO_NEW_IN_2022
    assert len(flagged) == 11


def test_soc2_category_counts() -> None:
    ids = requirement_ids(load("soc2"))
    assert sum(i.startswith("CC") for i in ids) == 33
    assert sum(i.startswith("A") for i in ids) == 3
    assert sum(i.startswith("C") and not i.startswith("CC") for i in ids) == 2
    assert sum(i.startswith("PI") for i in ids) == 5
    assert sum(i.startswith("P") and not i.startswith("PI") for i in ids) == 18
