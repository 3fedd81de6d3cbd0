"""What the product knows about ECE and Office 365, as tables.

Everything here is a fact that changes over time (a new Engineering Special, a new cloud). Every row
carries the :class:`~pytest_ece_o365.knowledge.sources.Source` it rests on, so that whoever updates a table next can
re-read the page; :data:`KNOWLEDGE_DATE` is the oldest day any of them was checked.

The tables live by subject — :mod:`.releases` (Cisco's ECE releases), :mod:`.clouds` (Microsoft's clouds and
their hosts), :mod:`.cas` (Microsoft's certificate authorities), :mod:`.apps` (well-known application and
permission ids), :mod:`.licences` (Exchange Online plans and SKUs) — and every public name is re-exported
here, where the rest of the product imports it from.
"""

from __future__ import annotations

from typing import Final

from pytest_ece_o365.knowledge import releases as ece_releases
from pytest_ece_o365.knowledge.apps import (
    EXCHANGE_ONLINE_APP_ID,
    GRAPH_APP_ID,
    GRAPH_DELEGATED_PERMISSION_IDS,
    GRAPH_READER_PERMISSIONS,
    SECRET_EXPIRY_WARNING_DAYS,
    WELL_KNOWN_IDS,
)
from pytest_ece_o365.knowledge.cas import (
    CA_SOURCES,
    MICROSOFT_ISSUER_CN_PREFIXES,
    MICROSOFT_ISSUER_ORGANIZATIONS,
    is_microsoft_issuer,
)
from pytest_ece_o365.knowledge.clouds import (
    CHINA_ERROR_LOOKUP,
    CLOUDS,
    MS_21VIANET_ENDPOINTS,
    MS_DOD_ENDPOINTS,
    MS_ENTRA_NATIONAL_CLOUDS,
    MS_GCC_HIGH_ENDPOINTS,
    MS_GRAPH_NATIONAL_CLOUDS,
    NATIONAL_OUTLOOK_RESOURCE,
    US_GOV_ERROR_URI,
    Cloud,
)
from pytest_ece_o365.knowledge.java import (
    JDK_8304760,
    KEYTOOL_DOCS,
    MICROSOFT_2017_ROOTS,
    MICROSOFT_2017_ROOTS_NOTE,
    is_microsoft_2017_root,
    keytool_import,
    ships_microsoft_2017_roots,
)
from pytest_ece_o365.knowledge.licences import (
    CIPP_EXCHANGE_CAPABILITIES,
    E3_OR_BETTER_SKUS,
    EXCHANGE_PLANS,
    EXCHANGE_SERVICE_PLANS,
    MS_LICENSING_REFERENCE,
    MS_SET_CASMAILBOXPLAN,
    MS_SHARED_MAILBOX_LICENCE,
    SHARED_MAILBOX_UNLICENSED_GB,
    SKU_NAMES,
    SKU_PART_NUMBERS,
    ExchangePlan,
    PlanKind,
    exchange_plan,
)
from pytest_ece_o365.knowledge.sources import Source, oldest_checked

# The ECE release tables live in ece_releases (Cisco's facts); these are the names the rest of the product
# has always imported from here.
EsLevel = ece_releases.EsLevel
VERSION_MARKERS: Final = ece_releases.VERSION_MARKERS
ES_VERSION_MARKERS: Final = ece_releases.ES_VERSION_MARKERS
version_marker: Final = ece_releases.version_marker

# --- Server roles -----------------------------------------------------------------------------------

ROLES: Final = ("services", "application")
ROLE_MARKERS: Final = {"services": "services_server", "application": "application_server"}

# --- Who acts -------------------------------------------------------------------------------------------

OWNERS: Final = ("ece-admin", "azure-admin", "exchange-admin", "network")


def knowledge_sources() -> tuple[Source, ...]:
    """Every source the release, web-URL, cloud, CA and licence tables rest on."""
    releases = ece_releases.release_sources()
    clouds = [source for cloud in CLOUDS.values() for source in cloud.sources]
    plans = [plan.source for plan in EXCHANGE_PLANS]
    licences = (MS_LICENSING_REFERENCE, MS_SET_CASMAILBOXPLAN, MS_SHARED_MAILBOX_LICENCE, WELL_KNOWN_IDS)
    return (*releases, *clouds, *CA_SOURCES, *plans, *licences, JDK_8304760, KEYTOOL_DOCS)


#: The oldest day any of the tables' sources was checked: nothing in them is fresher (the results file's
#: ``knowledge_date``, contract §4).
KNOWLEDGE_DATE: Final = oldest_checked(knowledge_sources())

__all__ = [
    "CA_SOURCES", "CHINA_ERROR_LOOKUP", "CIPP_EXCHANGE_CAPABILITIES", "CLOUDS", "E3_OR_BETTER_SKUS",
    "ES_VERSION_MARKERS", "EXCHANGE_ONLINE_APP_ID", "EXCHANGE_PLANS", "EXCHANGE_SERVICE_PLANS", "GRAPH_APP_ID",
    "GRAPH_DELEGATED_PERMISSION_IDS", "GRAPH_READER_PERMISSIONS", "JDK_8304760", "KEYTOOL_DOCS", "KNOWLEDGE_DATE",
    "MICROSOFT_2017_ROOTS", "MICROSOFT_2017_ROOTS_NOTE", "MICROSOFT_ISSUER_CN_PREFIXES",
    "MICROSOFT_ISSUER_ORGANIZATIONS", "MS_21VIANET_ENDPOINTS", "MS_DOD_ENDPOINTS", "MS_ENTRA_NATIONAL_CLOUDS",
    "MS_GCC_HIGH_ENDPOINTS", "MS_GRAPH_NATIONAL_CLOUDS", "MS_LICENSING_REFERENCE", "MS_SET_CASMAILBOXPLAN",
    "MS_SHARED_MAILBOX_LICENCE", "NATIONAL_OUTLOOK_RESOURCE", "OWNERS", "ROLES", "ROLE_MARKERS",
    "SECRET_EXPIRY_WARNING_DAYS", "SHARED_MAILBOX_UNLICENSED_GB", "SKU_NAMES", "SKU_PART_NUMBERS",
    "US_GOV_ERROR_URI", "VERSION_MARKERS", "WELL_KNOWN_IDS", "Cloud", "EsLevel", "ExchangePlan", "PlanKind",
    "Source", "exchange_plan", "is_microsoft_2017_root", "is_microsoft_issuer", "keytool_import",
    "knowledge_sources", "ships_microsoft_2017_roots", "version_marker",
]  # fmt: skip
