"""What the product knows about ECE releases, from Cisco's publications (TAC 218453 first).

Every release row carries the :class:`~pytest_ece_o365.knowledge.sources.Source` it rests on. What no Cisco source
says (the newest ES of a version, whether 15.0(1) needs one, whether ESs are cumulative) is stated as
unknown, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pytest_ece_o365.knowledge.sources import TAC_218453, Source


@dataclass(frozen=True, order=True)
class EsLevel:
    """An Engineering Special, optionally with an Engineering Test build on top (``ES12_ET1``).

    Levels compare as tuples, so ES13 counts as at least ES12_ET1. That a later ES carries every earlier
    ES and ET is this tool's reading, not a Cisco statement: TAC 218453 only advises "the latest ES
    available for your version", and no Cisco document found says ECE ESs are cumulative (unverified).
    """

    es: int
    et: int = 0

    def __str__(self) -> str:
        return f"ES{self.es}_ET{self.et}" if self.et else f"ES{self.es}"


@dataclass(frozen=True)
class AdminGuide:
    """An ECE administrator's guide, as TAC 218453 links it for a release."""

    title: str
    url: str

    def __str__(self) -> str:
        return f"{self.title}: {self.url}"


@dataclass(frozen=True)
class Release:
    """One ECE release family, as the version checks need it."""

    family: tuple[int, int]
    label: str  # "12.6(1)"
    marker: str  # pytest marker of this version
    oauth_es: EsLevel | None  # the minimum ES (and ET) TAC 218453 names for O365 OAuth; None: it names none
    source: Source  # where oauth_es (or its absence) comes from
    es_download: str | None  # Cisco's download page TAC 218453 links for that ES: where to look for later ones
    admin_guides: tuple[AdminGuide, ...]  # the administrator's guides TAC 218453 links for the release
    #: The highest ES a dated Cisco page names for the release. Not "the newest": newer ones may exist.
    highest_named_es: EsLevel | None = None
    highest_named_source: Source | None = None
    #: The newest ES, only from a dated Cisco source that says it is the newest. None known for any release.
    latest_es: EsLevel | None = None
    latest_source: Source | None = None

    @property
    def guides_text(self) -> str:
        """The release's administrator's guides, for a finding's remediation ("" when none is known)."""
        return "; ".join(str(guide) for guide in self.admin_guides)


#: Cisco's software download site for ECE Engineering Specials: every ES link in TAC 218453 is under it.
CISCO_ES_DOWNLOADS: Final = "https://software.cisco.com/download/home/268439622/type/286310764"
# TAC 218453 links the guides as site-relative /content/dam/... paths on www.cisco.com.
_GUIDES: Final = (
    "https://www.cisco.com/content/dam/en/us/td/docs/voice_ip_comm/cust_contact/contact_center/enterprise_chat_email/"
)


def _es_page(release: str) -> str:
    return f"{CISCO_ES_DOWNLOADS}/release/{release}"


def _guide(title: str, path: str) -> AdminGuide:
    return AdminGuide(title, _GUIDES + path)


#: Cisco's "Enterprise Chat and Email and Webex Connect on the same deployment" (UCCE 15.0(1) Features
#: Guide): "…apply Finesse ES05 or later on Finesse 12.6(2) and ECE ES10 or later on ECE 12.6(1)…". It shows
#: that 12.6(1) ES10 exists (for the Webex Connect gadgets), not that it is the newest ES, and says nothing
#: about Microsoft Graph.
CISCO_UCCE_1501_ECE_WXCONNECT: Final = Source(
    "https://www.cisco.com/c/en/us/td/docs/voice_ip_comm/cust_contact/contact_center/icm_enterprise/"
    "icm_enterprise_15_0_1/ucce_b_1501_features-guide/rcct_m_1501_ece-and-wxconnect-on-same-deployment.html",
    "2026-12-04",
)
#: ECE 15.0(1): TAC 218453 lists 11.6(1)-12.6(1) only, and no Cisco ECE 15.0(1) release note, readme or
#: guide was found, so nothing here says whether 15.0(1) needs an ES for Office 365 OAuth.
ECE_15_0_UNKNOWN: Final = Source(
    "unknown: no Cisco ECE 15.0(1) document found (searched cisco.com release notes, guides and TAC pages); "
    "TAC 218453 names no ES for it",
    "2026-12-04",
)
#: The ECE guide index lists 12.6(1), 12.5(1) and 12.0(1); the UCCE index lists 12.6(2), and Cisco pairs
#: "Finesse 12.6(2)" with "ECE 12.6(1)" (CISCO_UCCE_1501_ECE_WXCONNECT): 12.6(2) is a CCE release.
CISCO_ECE_GUIDE_INDEX: Final = Source(
    "https://www.cisco.com/c/en/us/support/customer-collaboration/cisco-enterprise-chat-email/"
    "products-programming-reference-guides-list.html; https://www.cisco.com/c/en/us/support/"
    "customer-collaboration/unified-contact-center-enterprise/products-feature-guides-list.html",
    "2026-12-04",
)

# The ES each version needs for Office 365 OAuth (bug CSCvr86493) is TAC 218453's minimum ("ECE 12.5(1) -
# Requires ES3"), which also advises "install the latest ES available for your version". For 11.6(1) TAC
# requires ES12 and ES12_ET1. No Cisco source found says which ES is the newest for any version.
RELEASES: Final[tuple[Release, ...]] = (
    Release(
        (11, 6), "11.6(1)", "ece_11_6", EsLevel(12, 1), TAC_218453, _es_page("11.6(1)_ES12_ET1"),
        (_guide("ECE 11.6(1) Administrator's Guide to Email Resources (UCCE/PCCE)",
                "enterprise_chat_email_11_6_1/Maintenance/Guide/ece116_userguide_administration_email.pdf"),),
    ),
    Release(
        (12, 0), "12.0(1)", "ece_12_0", EsLevel(6), TAC_218453, _es_page("12.0(1)_ES6"),
        (_guide("ECE 12.0(1) Administrator's Guide to Email Resources (UCCE)",
                "enterprise_chat_email_12_0_1/Maintenance/Guide/ece12_userguide_administration_email_for_ucce.pdf"),
         _guide("ECE 12.0(1) Administrator's Guide to Chat and Email Resources (PCCE)",
                "enterprise_chat_email_12_0_1/Maintenance/Guide/ece12_userguide_administration_chat_email_for_pcce.pdf")),
    ),
    Release(
        (12, 5), "12.5(1)", "ece_12_5", EsLevel(3), TAC_218453, _es_page("12.5(1)_ES3"),
        (_guide("ECE 12.5(1) Administrator's Guide to Email Resources (UCCE)",
                "enterprise_chat_email_12_5_1/Maintenance/Guide/ece125_userguide_administration_email_for_ucce.pdf"),
         _guide("ECE 12.5(1) Administrator's Guide to Chat and Email Resources (PCCE)",
                "enterprise_chat_email_12_5_1/Maintenance/Guide/ece125_userguide_administration_chat_email_for_pcce.pdf")),
    ),
    Release(
        (12, 6), "12.6(1)", "ece_12_6", EsLevel(1), TAC_218453, _es_page("12.6(1)_ES1"),
        (_guide("ECE 12.6(1) Administrator's Guide to Email and Routing Resources (UCCE/PCCE)",
                "enterprise_chat_email_12_6_1/Maintenance/Guide/ece126_userguide_email_administration.pdf"),),
        highest_named_es=EsLevel(10), highest_named_source=CISCO_UCCE_1501_ECE_WXCONNECT,
    ),
    Release((15, 0), "15.0(1)", "ece_15_0", None, ECE_15_0_UNKNOWN, None, ()),
)  # fmt: skip

#: The oldest release family with Office 365 OAuth at all (with its ES).
OLDEST_OAUTH_FAMILY: Final = (11, 6)

#: Every ECE version marker, in release order.
VERSION_MARKERS: Final = tuple(release.marker for release in RELEASES)
#: The versions TAC 218453 names an ES for (the ES checks apply to these).
ES_VERSION_MARKERS: Final = tuple(r.marker for r in RELEASES if r.oauth_es is not None)


def release_for(version: tuple[int, int, int]) -> Release | None:
    """The known release (major, minor, maintenance), or None: ES numbering is per maintenance release,
    so 12.6(2) does not borrow 12.6(1)'s figures."""
    return next((release for release in RELEASES if (*release.family, 1) == version), None)


def family_release(family: tuple[int, int]) -> Release | None:
    """The known release of a version family (12.6(x) -> 12.6(1)), for its guides; None when unknown."""
    return next((release for release in RELEASES if release.family == family), None)


def version_marker(family: tuple[int, int]) -> str | None:
    """The pytest marker of a version family (12.6(x) -> ece_12_6), or None for an unknown family."""
    release = family_release(family)
    return release.marker if release else None


# Where the web (external) URL is set, as TAC 218453 names it ("11.5 - 12.5: partition-level setting ...";
# "12.6+: Partition > Apps > General Settings > ..."). TAC gives no console path for the older setting,
# so none is given here.
_WEB_URL_PRE_12_6: Final = 'partition-level setting "Web Server URL or Load Balancer URL"'
_WEB_URL_12_6: Final = 'Partition > Apps > General Settings > "External URL of Application"'
WEB_URL_SOURCE: Final = TAC_218453


def web_url_label(family: tuple[int, int]) -> str:
    """Where the web (external) URL is set in this version's administration console."""
    return _WEB_URL_12_6 if family >= (12, 6) else _WEB_URL_PRE_12_6


def release_sources() -> tuple[Source, ...]:
    """Every source the release and web-URL tables rest on."""
    rows = [s for r in RELEASES for s in (r.source, r.highest_named_source, r.latest_source) if s is not None]
    return (*rows, CISCO_ECE_GUIDE_INDEX, WEB_URL_SOURCE)


def see_guides(family: tuple[int, int]) -> str:
    """A sentence naming the administrator's guides TAC 218453 links for the family ("" when none)."""
    release = family_release(family)
    if release is None or not release.admin_guides:
        return ""
    return f" Cisco's guide for {release.label} (linked from TAC 218453): {release.guides_text}."
