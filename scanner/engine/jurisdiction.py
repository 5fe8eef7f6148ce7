"""Where a cloud region is, and what that means for a GDPR transfer.

Every region of OCI, AWS and Azure that this module knows is listed explicitly with
its ISO 3166-1 alpha-2 country code. Nothing is ever inferred from the shape of a
region id: a prefix is not a country. AWS `eu-west-1` is Ireland (EU) but
`eu-west-2` is London (United Kingdom) and `eu-central-2` is Zurich (Switzerland);
OCI `eu-jovanovac-1` is in Serbia, a third country. A region that is not in the
table is reported as unknown, never guessed.

The country is then classified for the purposes of Chapter V GDPR:

* EU        - one of the 27 member states;
* EEA       - Iceland, Liechtenstein or Norway (EEA, not EU);
* ADEQUATE  - a country with a current EU adequacy decision (Art. 45 GDPR);
* THIRD     - everything else, including the United States (see below);
* UNKNOWN   - the region is not in the table.

Sources used to build the tables: the providers' published region lists (the AWS
region table and the endpoint partitions shipped with botocore, the region
definitions shipped with the OCI Python SDK, and Microsoft's list of Azure
regions, keyed by the names the ARM API returns). TABLE_EFFECTIVE_DATE is the date
the tables were last reviewed against those lists and the Commission's adequacy
decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "ADEQUATE_COUNTRIES",
    "CLOUDS",
    "EEA_NON_EU_COUNTRIES",
    "EU_MEMBER_STATES",
    "TABLE_EFFECTIVE_DATE",
    "Jurisdiction",
    "RegionInfo",
    "classify_country",
    "country_of",
    "jurisdiction_of",
    "known_regions",
    "region_info",
]

TABLE_EFFECTIVE_DATE: Final[str] = "2026-11-01"


class Jurisdiction(StrEnum):
    """Data-protection status of the country a region is in."""

    EU = "EU"
    EEA = "EEA"
    ADEQUATE = "ADEQUATE"
    THIRD = "THIRD"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class RegionInfo:
    """One region of one cloud and where it is."""

    cloud: str  # "oci" | "aws" | "azure"
    region: str  # the id exactly as the provider's API returns it
    country: str  # ISO 3166-1 alpha-2, upper case
    city: str  # short location name, for reports
    jurisdiction: Jurisdiction


# ---------------------------------------------------------------------------
# Country classification
# ---------------------------------------------------------------------------

# The 27 member states of the European Union. Greece is "GR" in ISO 3166-1 even
# though EU documents abbreviate it "EL".
EU_MEMBER_STATES: Final[frozenset[str]] = frozenset(
    {
        "AT",  # Austria
        "BE",  # Belgium
        "BG",  # Bulgaria
        "CY",  # Cyprus
        "CZ",  # Czechia
        "DE",  # Germany
        "DK",  # Denmark
        "EE",  # Estonia
        "ES",  # Spain
        "FI",  # Finland
        "FR",  # France
        "GR",  # Greece
        "HR",  # Croatia
        "HU",  # Hungary
        "IE",  # Ireland
        "IT",  # Italy
        "LT",  # Lithuania
        "LU",  # Luxembourg
        "LV",  # Latvia
        "MT",  # Malta
        "NL",  # Netherlands
        "PL",  # Poland
        "PT",  # Portugal
        "RO",  # Romania
        "SE",  # Sweden
        "SI",  # Slovenia
        "SK",  # Slovakia
    }
)

# Members of the European Economic Area that are not in the EU. The GDPR applies
# to them through the EEA Agreement, so a transfer there is not a Chapter V
# transfer at all.
EEA_NON_EU_COUNTRIES: Final[frozenset[str]] = frozenset({"IS", "LI", "NO"})

# Countries covered by a current adequacy decision of the European Commission
# (Art. 45 GDPR).
#
# Notes on the entries:
# * Canada: the decision covers commercial organisations subject to PIPEDA only.
#   Cloud providers are commercial organisations, so Canada is treated as
#   adequate for this scanner.
# * United Kingdom: the decision was renewed on 19 December 2025 and runs to
#   27 December 2031.
# * The Faroe Islands, Guernsey, the Isle of Man and Jersey have their own
#   ISO codes (FO, GG, IM, JE) and their own decisions.
#
# Deliberately NOT here:
# * United States: the EU-US Data Privacy Framework decision of 10 July 2023 only
#   covers organisations that are certified under the DPF. A region's location
#   says nothing about whether the data importer is certified, so the country on
#   its own is a third country. A user whose provider is DPF-certified can allow
#   US regions explicitly through the control's parameters.
ADEQUATE_COUNTRIES: Final[frozenset[str]] = frozenset(
    {
        "AD",  # Andorra
        "AR",  # Argentina
        "CA",  # Canada (commercial organisations)
        "CH",  # Switzerland
        "FO",  # Faroe Islands
        "GB",  # United Kingdom
        "GG",  # Guernsey
        "IL",  # Israel
        "IM",  # Isle of Man
        "JE",  # Jersey
        "JP",  # Japan
        "KR",  # Republic of Korea
        "NZ",  # New Zealand
        "UY",  # Uruguay
    }
)


def classify_country(country: str) -> Jurisdiction:
    """Classify an ISO 3166-1 alpha-2 country code (upper case) for GDPR transfers.

    Any code that is not an EU, EEA or adequate country is a third country; this
    function does not check that the code is assigned.
    """
    if country in EU_MEMBER_STATES:
        return Jurisdiction.EU
    if country in EEA_NON_EU_COUNTRIES:
        return Jurisdiction.EEA
    if country in ADEQUATE_COUNTRIES:
        return Jurisdiction.ADEQUATE
    return Jurisdiction.THIRD


# ---------------------------------------------------------------------------
# Region tables: (region id, country, city)
# ---------------------------------------------------------------------------

_OCI_REGIONS: Final[tuple[tuple[str, str, str], ...]] = (
    # Commercial realm (oc1).
    ("af-casablanca-1", "MA", "Casablanca"),
    ("af-johannesburg-1", "ZA", "Johannesburg"),
    ("ap-batam-1", "ID", "Batam"),
    ("ap-chuncheon-1", "KR", "Chuncheon"),
    ("ap-delhi-1", "IN", "Delhi"),
    ("ap-hyderabad-1", "IN", "Hyderabad"),
    ("ap-kulai-2", "MY", "Kulai"),
    ("ap-melbourne-1", "AU", "Melbourne"),
    ("ap-mumbai-1", "IN", "Mumbai"),
    ("ap-osaka-1", "JP", "Osaka"),
    ("ap-seoul-1", "KR", "Seoul"),
    ("ap-singapore-1", "SG", "Singapore"),
    ("ap-singapore-2", "SG", "Singapore West"),
    ("ap-sydney-1", "AU", "Sydney"),
    ("ap-tokyo-1", "JP", "Tokyo"),
    ("ca-montreal-1", "CA", "Montreal"),
    ("ca-toronto-1", "CA", "Toronto"),
    ("eu-amsterdam-1", "NL", "Amsterdam"),
    ("eu-frankfurt-1", "DE", "Frankfurt"),
    ("eu-madrid-1", "ES", "Madrid"),
    ("eu-madrid-3", "ES", "Madrid"),
    ("eu-marseille-1", "FR", "Marseille"),
    ("eu-milan-1", "IT", "Milan"),
    ("eu-paris-1", "FR", "Paris"),
    ("eu-stockholm-1", "SE", "Stockholm"),
    ("eu-turin-1", "IT", "Turin"),
    ("eu-zurich-1", "CH", "Zurich"),
    ("il-jerusalem-1", "IL", "Jerusalem"),
    ("me-abudhabi-1", "AE", "Abu Dhabi"),
    ("me-dubai-1", "AE", "Dubai"),
    ("me-jeddah-1", "SA", "Jeddah"),
    ("me-riyadh-1", "SA", "Riyadh"),
    ("mx-monterrey-1", "MX", "Monterrey"),
    ("mx-queretaro-1", "MX", "Queretaro"),
    ("sa-bogota-1", "CO", "Bogota"),
    ("sa-santiago-1", "CL", "Santiago"),
    ("sa-saopaulo-1", "BR", "Sao Paulo"),
    ("sa-valparaiso-1", "CL", "Valparaiso"),
    ("sa-vinhedo-1", "BR", "Vinhedo"),
    ("uk-cardiff-1", "GB", "Cardiff"),
    ("uk-london-1", "GB", "London"),
    ("us-ashburn-1", "US", "Ashburn"),
    ("us-chicago-1", "US", "Chicago"),
    ("us-phoenix-1", "US", "Phoenix"),
    ("us-saltlake-2", "US", "Salt Lake City"),
    ("us-sanjose-1", "US", "San Jose"),
    # EU Sovereign Cloud (oc19).
    ("eu-frankfurt-2", "DE", "Frankfurt"),
    ("eu-madrid-2", "ES", "Madrid"),
    # Serbia (oc20): in Europe but outside the EU and without an adequacy decision.
    ("eu-jovanovac-1", "RS", "Jovanovac"),
    # Separate realms for national, government and dedicated customers. The ids
    # name a city, so the country is known even though the realm is not public.
    ("ap-chiyoda-1", "JP", "Chiyoda"),
    ("ap-chuncheon-2", "KR", "Chuncheon"),
    ("ap-dcc-canberra-1", "AU", "Canberra"),
    ("ap-dcc-gazipur-1", "BD", "Gazipur"),
    ("ap-ibaraki-1", "JP", "Ibaraki"),
    ("ap-seoul-2", "KR", "Seoul"),
    ("ap-suwon-1", "KR", "Suwon"),
    ("eu-budapest-1", "HU", "Budapest"),
    ("eu-crissier-1", "CH", "Crissier"),
    ("eu-dcc-dublin-1", "IE", "Dublin"),
    ("eu-dcc-dublin-2", "IE", "Dublin"),
    ("eu-dcc-milan-1", "IT", "Milan"),
    ("eu-dcc-milan-2", "IT", "Milan"),
    ("eu-dcc-rating-1", "DE", "Ratingen"),
    ("eu-dcc-rating-2", "DE", "Ratingen"),
    ("eu-dcc-zurich-1", "CH", "Zurich"),
    ("me-abudhabi-2", "AE", "Abu Dhabi"),
    ("me-abudhabi-3", "AE", "Abu Dhabi"),
    ("me-abudhabi-4", "AE", "Abu Dhabi"),
    ("me-alain-1", "AE", "Al Ain"),
    ("me-alrayyan-1", "QA", "Al Rayyan"),
    ("me-dcc-doha-1", "QA", "Doha"),
    ("me-dcc-muscat-1", "OM", "Muscat"),
    ("me-ibri-1", "OM", "Ibri"),
    ("sa-riodejaneiro-1", "BR", "Rio de Janeiro"),
    ("uk-gov-cardiff-1", "GB", "Cardiff"),
    ("uk-gov-london-1", "GB", "London"),
    ("us-ashburn-2", "US", "Ashburn"),
    ("us-gov-ashburn-1", "US", "Ashburn"),
    ("us-gov-chicago-1", "US", "Chicago"),
    ("us-gov-phoenix-1", "US", "Phoenix"),
    ("us-langley-1", "US", "Langley"),
    ("us-luke-1", "US", "Luke"),
    ("us-newark-1", "US", "Newark"),
    # Left out on purpose: `us-somerset-1` and `us-thames-1` (realm oc23). Their
    # location is not published and the place names exist both in England and in
    # the United States, so either country would be a guess.
)

_AWS_REGIONS: Final[tuple[tuple[str, str, str], ...]] = (
    # Commercial partition, including the opt-in regions.
    ("af-south-1", "ZA", "Cape Town"),
    ("ap-east-1", "HK", "Hong Kong"),
    ("ap-east-2", "TW", "Taipei"),
    ("ap-northeast-1", "JP", "Tokyo"),
    ("ap-northeast-2", "KR", "Seoul"),
    ("ap-northeast-3", "JP", "Osaka"),
    ("ap-south-1", "IN", "Mumbai"),
    ("ap-south-2", "IN", "Hyderabad"),
    ("ap-southeast-1", "SG", "Singapore"),
    ("ap-southeast-2", "AU", "Sydney"),
    ("ap-southeast-3", "ID", "Jakarta"),
    ("ap-southeast-4", "AU", "Melbourne"),
    ("ap-southeast-5", "MY", "Kuala Lumpur"),
    ("ap-southeast-6", "NZ", "Auckland"),
    ("ap-southeast-7", "TH", "Bangkok"),
    ("ca-central-1", "CA", "Montreal"),
    ("ca-west-1", "CA", "Calgary"),
    ("eu-central-1", "DE", "Frankfurt"),
    ("eu-central-2", "CH", "Zurich"),
    ("eu-north-1", "SE", "Stockholm"),
    ("eu-south-1", "IT", "Milan"),
    ("eu-south-2", "ES", "Aragon"),
    ("eu-west-1", "IE", "Dublin"),
    ("eu-west-2", "GB", "London"),
    ("eu-west-3", "FR", "Paris"),
    ("il-central-1", "IL", "Tel Aviv"),
    ("me-central-1", "AE", "UAE"),
    ("me-south-1", "BH", "Bahrain"),
    ("me-west-1", "SA", "Saudi Arabia"),
    ("mx-central-1", "MX", "Queretaro"),
    ("sa-east-1", "BR", "Sao Paulo"),
    ("sa-west-1", "CL", "Santiago"),
    ("us-east-1", "US", "N. Virginia"),
    ("us-east-2", "US", "Ohio"),
    ("us-west-1", "US", "N. California"),
    ("us-west-2", "US", "Oregon"),
    # AWS European Sovereign Cloud (its own partition).
    ("eusc-de-east-1", "DE", "Brandenburg"),
    # GovCloud (US) and China partitions.
    ("us-gov-east-1", "US", "GovCloud US-East"),
    ("us-gov-west-1", "US", "GovCloud US-West"),
    ("cn-north-1", "CN", "Beijing"),
    ("cn-northwest-1", "CN", "Ningxia"),
    # Isolated US government partitions.
    ("us-iso-east-1", "US", "US ISO East"),
    ("us-iso-west-1", "US", "US ISO West"),
    ("us-isob-east-1", "US", "Ohio"),
    ("us-isob-west-1", "US", "US ISOB West"),
    ("us-isof-east-1", "US", "US ISOF East"),
    ("us-isof-south-1", "US", "US ISOF South"),
    # Left out on purpose: `eu-isoe-west-1`, an isolated partition whose country
    # is not published.
    #
    # The legacy S3 location constraint "EU" is not a region id; the collector
    # turns it into `eu-west-1` before it gets here.
)

_AZURE_REGIONS: Final[tuple[tuple[str, str, str], ...]] = (
    # Europe.
    ("austriaeast", "AT", "Vienna"),
    ("belgiumcentral", "BE", "Brussels"),
    ("denmarkeast", "DK", "Copenhagen"),
    ("finlandcentral", "FI", "Helsinki"),
    ("francecentral", "FR", "Paris"),
    ("francesouth", "FR", "Marseille"),
    ("germanynorth", "DE", "Berlin"),
    ("germanywestcentral", "DE", "Frankfurt"),
    ("greececentral", "GR", "Athens"),
    ("italynorth", "IT", "Milan"),
    ("northeurope", "IE", "Dublin"),
    ("norwayeast", "NO", "Oslo"),
    ("norwaywest", "NO", "Stavanger"),
    ("polandcentral", "PL", "Warsaw"),
    ("spaincentral", "ES", "Madrid"),
    ("swedencentral", "SE", "Gavle"),
    ("swedensouth", "SE", "Malmo"),
    ("switzerlandnorth", "CH", "Zurich"),
    ("switzerlandwest", "CH", "Geneva"),
    ("uksouth", "GB", "London"),
    ("ukwest", "GB", "Cardiff"),
    ("westeurope", "NL", "Amsterdam"),
    # Americas.
    ("brazilsouth", "BR", "Sao Paulo"),
    ("brazilsoutheast", "BR", "Rio de Janeiro"),
    ("canadacentral", "CA", "Toronto"),
    ("canadaeast", "CA", "Quebec City"),
    ("centralus", "US", "Iowa"),
    ("chilecentral", "CL", "Santiago"),
    ("eastus", "US", "Virginia"),
    ("eastus2", "US", "Virginia"),
    ("mexicocentral", "MX", "Queretaro"),
    ("northcentralus", "US", "Illinois"),
    ("southcentralus", "US", "Texas"),
    ("westcentralus", "US", "Wyoming"),
    ("westus", "US", "California"),
    ("westus2", "US", "Washington"),
    ("westus3", "US", "Phoenix"),
    # Early-access (EUAP) regions, which run in the United States.
    ("centraluseuap", "US", "Central US EUAP"),
    ("eastus2euap", "US", "East US 2 EUAP"),
    # Newer or access-restricted United States regions; the exact city is not
    # published, but the name places them in the US.
    ("eastus3", "US", "East US 3"),
    ("northeastus5", "US", "Northeast US 5"),
    ("southcentralus2", "US", "South Central US 2"),
    ("southeastus", "US", "Southeast US"),
    ("southeastus3", "US", "Southeast US 3"),
    ("southeastus5", "US", "Southeast US 5"),
    ("southwestus", "US", "Southwest US"),
    # Asia Pacific.
    ("australiacentral", "AU", "Canberra"),
    ("australiacentral2", "AU", "Canberra"),
    ("australiaeast", "AU", "Sydney"),
    ("australiasoutheast", "AU", "Melbourne"),
    ("centralindia", "IN", "Pune"),
    ("eastasia", "HK", "Hong Kong"),
    ("indiasouthcentral", "IN", "Hyderabad"),
    ("indonesiacentral", "ID", "Jakarta"),
    ("japaneast", "JP", "Tokyo"),
    ("japanwest", "JP", "Osaka"),
    ("jioindiacentral", "IN", "Nagpur"),
    ("jioindiawest", "IN", "Jamnagar"),
    ("koreacentral", "KR", "Seoul"),
    ("koreasouth", "KR", "Busan"),
    ("malaysiasouth", "MY", "Johor"),
    ("malaysiawest", "MY", "Kuala Lumpur"),
    ("newzealandnorth", "NZ", "Auckland"),
    ("southeastasia", "SG", "Singapore"),
    ("southindia", "IN", "Chennai"),
    ("taiwannorth", "TW", "Taipei"),
    ("taiwannorthwest", "TW", "Taiwan Northwest"),
    ("westindia", "IN", "Mumbai"),
    # Middle East and Africa.
    ("israelcentral", "IL", "Israel Central"),
    ("israelnorthwest", "IL", "Israel Northwest"),
    ("qatarcentral", "QA", "Doha"),
    ("saudiarabiaeast", "SA", "Saudi Arabia East"),
    ("southafricanorth", "ZA", "Johannesburg"),
    ("southafricawest", "ZA", "Cape Town"),
    ("uaecentral", "AE", "Abu Dhabi"),
    ("uaenorth", "AE", "Dubai"),
    # Azure Government (US) and Azure operated by 21Vianet (China).
    ("usdodcentral", "US", "Iowa"),
    ("usdodeast", "US", "Virginia"),
    ("usgovarizona", "US", "Arizona"),
    ("usgovtexas", "US", "Texas"),
    ("usgovvirginia", "US", "Virginia"),
    ("chinaeast", "CN", "Shanghai"),
    ("chinaeast2", "CN", "Shanghai"),
    ("chinaeast3", "CN", "Shanghai"),
    ("chinanorth", "CN", "Beijing"),
    ("chinanorth2", "CN", "Beijing"),
    ("chinanorth3", "CN", "Hebei"),
    # Partner-operated sovereign clouds built on Azure (Bleu in France, Delos
    # Cloud in Germany).
    ("bleufrancecentral", "FR", "France Central"),
    ("bleufrancesouth", "FR", "France South"),
    ("deloscloudgermanycentral", "DE", "Germany Central"),
    ("deloscloudgermanynorth", "DE", "Germany North"),
)

# The order in which clouds are searched when the caller does not name one.
CLOUDS: Final[tuple[str, ...]] = ("oci", "aws", "azure")


def _build(cloud: str, rows: tuple[tuple[str, str, str], ...]) -> MappingProxyType[str, RegionInfo]:
    table: dict[str, RegionInfo] = {}
    for region, country, city in rows:
        if region in table:
            raise ValueError(f"duplicate {cloud} region in jurisdiction table: {region}")
        table[region] = RegionInfo(
            cloud=cloud,
            region=region,
            country=country,
            city=city,
            jurisdiction=classify_country(country),
        )
    return MappingProxyType(table)


_TABLES: Final[MappingProxyType[str, MappingProxyType[str, RegionInfo]]] = MappingProxyType(
    {
        "oci": _build("oci", _OCI_REGIONS),
        "aws": _build("aws", _AWS_REGIONS),
        "azure": _build("azure", _AZURE_REGIONS),
    }
)


# ---------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------


def _normalise_azure(region: str) -> str:
    """Azure display names ("West Europe") become ARM names ("westeurope")."""
    return "".join(region.split()).lower()


def _lookup(cloud: str, region: str) -> RegionInfo | None:
    table = _TABLES.get(cloud)
    if table is None:
        return None
    info = table.get(region)
    if info is None and cloud == "azure":
        info = table.get(_normalise_azure(region))
    return info


def region_info(cloud: str | None, region: str) -> RegionInfo | None:
    """The table entry for a region, or None when it is not known.

    With `cloud` given ("oci", "aws" or "azure", any case) only that cloud's table
    is searched; an unknown cloud name gives None. With `cloud` None all three are
    searched in the order of CLOUDS. Region ids do not collide across clouds today;
    should an id ever appear in two clouds with different countries the answer is
    None rather than a pick, and with the same country the first match is returned.

    OCI and AWS ids are matched exactly. For Azure, a display name such as
    "West Europe" is also accepted and matched as "westeurope".
    """
    if cloud is not None:
        return _lookup(cloud.lower(), region)
    found = [info for name in CLOUDS if (info := _lookup(name, region)) is not None]
    if not found:
        return None
    if len({info.country for info in found}) > 1:
        return None
    return found[0]


def jurisdiction_of(region: str, cloud: str | None = None) -> Jurisdiction:
    """GDPR status of the country a region is in; UNKNOWN when the region is not known."""
    info = region_info(cloud, region)
    return Jurisdiction.UNKNOWN if info is None else info.jurisdiction


def country_of(region: str, cloud: str | None = None) -> str | None:
    """ISO 3166-1 alpha-2 code of the country a region is in, or None when not known."""
    info = region_info(cloud, region)
    return None if info is None else info.country


def known_regions(cloud: str) -> tuple[str, ...]:
    """All region ids in the table for one cloud, sorted.

    Raises ValueError for a cloud other than "oci", "aws" or "azure".
    """
    table = _TABLES.get(cloud.lower())
    if table is None:
        raise ValueError(f"unknown cloud {cloud!r}; expected one of {', '.join(CLOUDS)}")
    return tuple(sorted(table))
