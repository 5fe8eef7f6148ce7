"""Region → country → GDPR jurisdiction table."""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

import pytest

from scanner.engine import jurisdiction as jmod
from scanner.engine.jurisdiction import (
    ADEQUATE_COUNTRIES,
    CLOUDS,
    EEA_NON_EU_COUNTRIES,
    EU_MEMBER_STATES,
    TABLE_EFFECTIVE_DATE,
    Jurisdiction,
    RegionInfo,
    classify_country,
    country_of,
    jurisdiction_of,
    known_regions,
    region_info,
)

ISO_ALPHA2 = re.compile(r"^[A-Z]{2}$")


# --- the cases that a prefix rule would get wrong ---------------------------


@pytest.mark.parametrize(
    ("cloud", "region", "country", "status"),
    [
        ("aws", "eu-west-1", "IE", Jurisdiction.EU),
        ("aws", "eu-west-2", "GB", Jurisdiction.ADEQUATE),
        ("aws", "eu-west-3", "FR", Jurisdiction.EU),
        ("aws", "eu-central-1", "DE", Jurisdiction.EU),
        ("aws", "eu-central-2", "CH", Jurisdiction.ADEQUATE),
        ("aws", "eu-south-1", "IT", Jurisdiction.EU),
        ("aws", "eu-south-2", "ES", Jurisdiction.EU),
        ("aws", "eu-north-1", "SE", Jurisdiction.EU),
        ("aws", "il-central-1", "IL", Jurisdiction.ADEQUATE),
        ("aws", "me-central-1", "AE", Jurisdiction.THIRD),
        ("aws", "ap-east-2", "TW", Jurisdiction.THIRD),
        ("aws", "ap-southeast-6", "NZ", Jurisdiction.ADEQUATE),
        ("aws", "ca-west-1", "CA", Jurisdiction.ADEQUATE),
        ("aws", "mx-central-1", "MX", Jurisdiction.THIRD),
        ("aws", "us-east-1", "US", Jurisdiction.THIRD),
        ("aws", "us-gov-west-1", "US", Jurisdiction.THIRD),
        ("aws", "cn-north-1", "CN", Jurisdiction.THIRD),
        ("oci", "eu-zurich-1", "CH", Jurisdiction.ADEQUATE),
        ("oci", "uk-london-1", "GB", Jurisdiction.ADEQUATE),
        ("oci", "uk-cardiff-1", "GB", Jurisdiction.ADEQUATE),
        ("oci", "eu-jovanovac-1", "RS", Jurisdiction.THIRD),
        ("oci", "il-jerusalem-1", "IL", Jurisdiction.ADEQUATE),
        ("oci", "me-dubai-1", "AE", Jurisdiction.THIRD),
        ("oci", "me-jeddah-1", "SA", Jurisdiction.THIRD),
        ("oci", "eu-madrid-1", "ES", Jurisdiction.EU),
        ("oci", "eu-milan-1", "IT", Jurisdiction.EU),
        ("oci", "eu-paris-1", "FR", Jurisdiction.EU),
        ("oci", "eu-marseille-1", "FR", Jurisdiction.EU),
        ("oci", "eu-stockholm-1", "SE", Jurisdiction.EU),
        ("oci", "eu-frankfurt-1", "DE", Jurisdiction.EU),
        ("oci", "eu-amsterdam-1", "NL", Jurisdiction.EU),
        ("oci", "eu-turin-1", "IT", Jurisdiction.EU),
        ("oci", "af-johannesburg-1", "ZA", Jurisdiction.THIRD),
        ("oci", "mx-queretaro-1", "MX", Jurisdiction.THIRD),
        ("oci", "mx-monterrey-1", "MX", Jurisdiction.THIRD),
        ("oci", "ap-tokyo-1", "JP", Jurisdiction.ADEQUATE),
        ("oci", "ap-seoul-1", "KR", Jurisdiction.ADEQUATE),
        ("oci", "us-ashburn-1", "US", Jurisdiction.THIRD),
        ("azure", "westeurope", "NL", Jurisdiction.EU),
        ("azure", "northeurope", "IE", Jurisdiction.EU),
        ("azure", "germanywestcentral", "DE", Jurisdiction.EU),
        ("azure", "swedencentral", "SE", Jurisdiction.EU),
        ("azure", "polandcentral", "PL", Jurisdiction.EU),
        ("azure", "norwayeast", "NO", Jurisdiction.EEA),
        ("azure", "norwaywest", "NO", Jurisdiction.EEA),
        ("azure", "switzerlandnorth", "CH", Jurisdiction.ADEQUATE),
        ("azure", "switzerlandwest", "CH", Jurisdiction.ADEQUATE),
        ("azure", "uksouth", "GB", Jurisdiction.ADEQUATE),
        ("azure", "ukwest", "GB", Jurisdiction.ADEQUATE),
        ("azure", "israelcentral", "IL", Jurisdiction.ADEQUATE),
        ("azure", "newzealandnorth", "NZ", Jurisdiction.ADEQUATE),
        ("azure", "uaenorth", "AE", Jurisdiction.THIRD),
        ("azure", "qatarcentral", "QA", Jurisdiction.THIRD),
        ("azure", "eastasia", "HK", Jurisdiction.THIRD),
        ("azure", "eastus", "US", Jurisdiction.THIRD),
        ("azure", "brazilsouth", "BR", Jurisdiction.THIRD),
    ],
)
def test_region_country_and_jurisdiction(
    cloud: str, region: str, country: str, status: Jurisdiction
) -> None:
    info = region_info(cloud, region)
    assert info is not None
    assert info.cloud == cloud
    assert info.region == region
    assert info.country == country
    assert info.jurisdiction is status
    assert country_of(region, cloud) == country
    assert jurisdiction_of(region, cloud) is status
    # No collisions today, so the cloud can be left out.
    assert country_of(region) == country
    assert jurisdiction_of(region) is status


def test_unknown_region_is_unknown_not_guessed() -> None:
    assert jurisdiction_of("eu-nowhere-9") is Jurisdiction.UNKNOWN
    assert jurisdiction_of("eu-nowhere-9", "aws") is Jurisdiction.UNKNOWN
    assert jurisdiction_of("eu-nowhere-9", "oci") is Jurisdiction.UNKNOWN
    assert country_of("eu-nowhere-9") is None
    assert region_info(None, "eu-nowhere-9") is None
    assert region_info("aws", "") is None


def test_region_ids_are_case_sensitive_for_aws_and_oci() -> None:
    assert region_info("aws", "EU-WEST-1") is None
    assert region_info("oci", "EU-FRANKFURT-1") is None
    assert region_info("aws", " eu-west-1") is None


def test_the_legacy_s3_location_constraint_is_not_a_region() -> None:
    assert jurisdiction_of("EU", "aws") is Jurisdiction.UNKNOWN


def test_region_is_looked_up_in_the_named_cloud_only() -> None:
    assert region_info("oci", "eu-west-1") is None
    assert region_info("azure", "eu-west-1") is None
    assert region_info("aws", "westeurope") is None
    assert region_info("aws", "eu-frankfurt-1") is None


def test_unknown_cloud_gives_none_and_unknown() -> None:
    assert region_info("gcp", "europe-west1") is None
    assert jurisdiction_of("eu-west-1", "gcp") is Jurisdiction.UNKNOWN
    with pytest.raises(ValueError, match="unknown cloud"):
        known_regions("gcp")


def test_cloud_name_is_case_insensitive() -> None:
    info = region_info("AWS", "eu-west-2")
    assert info is not None
    assert info.cloud == "aws"


def test_azure_display_names_are_normalised() -> None:
    assert country_of("West Europe", "azure") == "NL"
    assert country_of("Germany West Central", "azure") == "DE"
    assert jurisdiction_of("UK South", "azure") is Jurisdiction.ADEQUATE
    assert jurisdiction_of("Norway East") is Jurisdiction.EEA
    info = region_info("azure", "North Europe")
    assert info is not None
    assert info.region == "northeurope"


# --- table integrity -----------------------------------------------------


def _all_entries() -> list[RegionInfo]:
    entries: list[RegionInfo] = []
    for cloud in CLOUDS:
        for region in known_regions(cloud):
            info = region_info(cloud, region)
            assert info is not None
            entries.append(info)
    return entries


def test_every_country_is_an_upper_case_alpha2_code() -> None:
    for info in _all_entries():
        assert ISO_ALPHA2.match(info.country), info


def test_every_entry_is_classified_from_its_country() -> None:
    for info in _all_entries():
        assert info.jurisdiction is classify_country(info.country), info
        assert info.jurisdiction is not Jurisdiction.UNKNOWN
        assert info.city.strip() == info.city
        assert info.city


@pytest.mark.parametrize("cloud", CLOUDS)
def test_each_cloud_has_at_least_30_regions(cloud: str) -> None:
    assert len(known_regions(cloud)) >= 30


@pytest.mark.parametrize(
    ("cloud", "rows"),
    [
        ("oci", jmod._OCI_REGIONS),
        ("aws", jmod._AWS_REGIONS),
        ("azure", jmod._AZURE_REGIONS),
    ],
)
def test_no_region_listed_twice_within_a_cloud(
    cloud: str, rows: tuple[tuple[str, str, str], ...]
) -> None:
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), cloud
    assert len(known_regions(cloud)) == len(ids)


@pytest.mark.parametrize("cloud", CLOUDS)
def test_known_regions_is_sorted_tuple(cloud: str) -> None:
    regions = known_regions(cloud)
    assert isinstance(regions, tuple)
    assert list(regions) == sorted(regions)


def test_region_ids_have_the_providers_shape() -> None:
    for region in known_regions("aws"):
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+-\d", region), region
    for region in known_regions("oci"):
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+-\d", region), region
    for region in known_regions("azure"):
        assert re.fullmatch(r"[a-z0-9]+", region), region


def test_no_region_id_collides_across_clouds() -> None:
    seen: dict[str, str] = {}
    for cloud in CLOUDS:
        for region in known_regions(cloud):
            assert region not in seen, (region, seen.get(region), cloud)
            seen[region] = cloud


def test_collision_with_different_countries_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(country: str, cloud: str) -> RegionInfo:
        return RegionInfo(cloud, "shared-1", country, "X", classify_country(country))

    same = MappingProxyType(
        {
            "oci": MappingProxyType({"shared-1": fake("DE", "oci")}),
            "aws": MappingProxyType({"shared-1": fake("DE", "aws")}),
            "azure": MappingProxyType({}),
        }
    )
    monkeypatch.setattr(jmod, "_TABLES", same)
    info = region_info(None, "shared-1")
    assert info is not None
    assert info.country == "DE"
    assert info.cloud == "oci"

    different = MappingProxyType(
        {
            "oci": MappingProxyType({"shared-1": fake("DE", "oci")}),
            "aws": MappingProxyType({"shared-1": fake("GB", "aws")}),
            "azure": MappingProxyType({}),
        }
    )
    monkeypatch.setattr(jmod, "_TABLES", different)
    assert region_info(None, "shared-1") is None
    assert jurisdiction_of("shared-1") is Jurisdiction.UNKNOWN
    assert region_info("aws", "shared-1") is not None


# --- country classification ------------------------------------------------


def test_country_sets() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert frozenset({"IS", "LI", "NO"}) == EEA_NON_EU_COUNTRIES
    assert not EU_MEMBER_STATES & EEA_NON_EU_COUNTRIES
    assert not EU_MEMBER_STATES & ADEQUATE_COUNTRIES
    assert not EEA_NON_EU_COUNTRIES & ADEQUATE_COUNTRIES
    for code in EU_MEMBER_STATES | EEA_NON_EU_COUNTRIES | ADEQUATE_COUNTRIES:
        assert ISO_ALPHA2.match(code), code


@pytest.mark.parametrize(
    ("country", "status"),
    [
        ("DE", Jurisdiction.EU),
        ("GR", Jurisdiction.EU),
        ("IE", Jurisdiction.EU),
        ("IS", Jurisdiction.EEA),
        ("LI", Jurisdiction.EEA),
        ("NO", Jurisdiction.EEA),
        ("AD", Jurisdiction.ADEQUATE),
        ("AR", Jurisdiction.ADEQUATE),
        ("CA", Jurisdiction.ADEQUATE),
        ("CH", Jurisdiction.ADEQUATE),
        ("FO", Jurisdiction.ADEQUATE),
        ("GB", Jurisdiction.ADEQUATE),
        ("GG", Jurisdiction.ADEQUATE),
        ("IL", Jurisdiction.ADEQUATE),
        ("IM", Jurisdiction.ADEQUATE),
        ("JE", Jurisdiction.ADEQUATE),
        ("JP", Jurisdiction.ADEQUATE),
        ("KR", Jurisdiction.ADEQUATE),
        ("NZ", Jurisdiction.ADEQUATE),
        ("UY", Jurisdiction.ADEQUATE),
        # DPF adequacy covers certified organisations only, not the country.
        ("US", Jurisdiction.THIRD),
        ("RS", Jurisdiction.THIRD),
        ("CN", Jurisdiction.THIRD),
        ("BR", Jurisdiction.THIRD),
        ("IN", Jurisdiction.THIRD),
    ],
)
def test_classify_country(country: str, status: Jurisdiction) -> None:
    assert classify_country(country) is status


# --- immutability and misc -------------------------------------------------------


def test_region_info_is_frozen() -> None:
    info = region_info("aws", "eu-west-1")
    assert info is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.country = "US"  # type: ignore[misc]


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        jmod._TABLES["gcp"] = MappingProxyType({})  # type: ignore[index]
    with pytest.raises(TypeError):
        jmod._TABLES["aws"]["eu-west-1"] = None  # type: ignore[index]


def test_jurisdiction_is_a_str_enum() -> None:
    assert Jurisdiction.EU == "EU"
    assert str(Jurisdiction.THIRD) == "THIRD"
    assert {j.value for j in Jurisdiction} == {"EU", "EEA", "ADEQUATE", "THIRD", "UNKNOWN"}


def test_effective_date_is_iso() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", TABLE_EFFECTIVE_DATE)
    assert TABLE_EFFECTIVE_DATE == "2026-11-01"
