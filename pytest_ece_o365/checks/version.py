"""Checklist section 1: the ECE version and its Engineering Special (bug CSCvr86493).

The ES figures are Cisco TAC 218453's *minimums* (``ece_releases.RELEASES``); no Cisco source found names
the newest ES of any version, so no check here claims one.
"""

from __future__ import annotations

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.knowledge import KNOWLEDGE_DATE
from pytest_ece_o365.knowledge.releases import (
    CISCO_ECE_GUIDE_INDEX,
    CISCO_ES_DOWNLOADS,
    OLDEST_OAUTH_FAMILY,
    RELEASES,
    EsLevel,
    Release,
    family_release,
    release_for,
    see_guides,
)
from pytest_ece_o365.knowledge.sources import Source
from pytest_ece_o365.verdict import Verdict, advisory, cannot_tell, failed, passed


def _needs(required: EsLevel) -> str:
    """TAC's wording of a requirement: 11.6(1) needs "ES12 and ES12_ET1"."""
    return f"{EsLevel(required.es)} and {required}" if required.et else str(required)


_KNOWN = ", ".join(release.label for release in RELEASES)
_TAC_MINIMUMS = ", ".join(f"{r.label} {_needs(r.oauth_es)}" for r in RELEASES if r.oauth_es is not None)
_TAC_NEWEST = [r for r in RELEASES if r.oauth_es is not None][-1]


@check("version.supported")
def version_supported(ctx: CheckContext, target: Target) -> Verdict:
    version = ctx.config.ece.version
    if version.family < OLDEST_OAUTH_FAMILY:
        return failed(
            f"ECE {version} has no OAuth for Office 365: Cisco TAC 218453 gives it for {_TAC_MINIMUMS} "
            "(bug CSCvr86493), and Office 365 no longer accepts basic authentication.",
            f"Upgrade ECE to a release TAC 218453 lists ({_TAC_MINIMUMS}, or later), then configure the "
            "aliases for OAuth as that release's administrator's guide describes.",
            "ece-admin",
            cause="version-no-oauth",
        )
    release = release_for(version.key)
    if release is not None:
        return _known_release(release)
    if version.family > RELEASES[-1].family:
        return passed(
            f"ECE {version} is newer than the releases this tool knows ({_KNOWN}; tables as of "
            f"{KNOWLEDGE_DATE}); OAuth for Office 365 is assumed to be in it (no Cisco source checked)."
        )
    return failed(
        f"ECE {version} is not a release this tool knows ({_KNOWN}).{_maintenance_hint(version.family)}",
        "Set [ece] version to the ECE release installed (not the Unified CCE / PCCE version), "
        f'e.g. "{_TAC_NEWEST.label}".',
        "ece-admin",
        cause="version-unknown-release",
    )


def _known_release(release: Release) -> Verdict:
    if release.oauth_es is not None:
        return passed(
            f"ECE {release.label} supports OAuth for Office 365 with {_needs(release.oauth_es)} or a later ES "
            "(Cisco TAC 218453)."
        )
    return passed(
        f"ECE {release.label} is later than the releases Cisco TAC 218453 covers ({_TAC_MINIMUMS}); this tool "
        "has no Cisco source on whether it needs an Engineering Special for OAuth with Office 365 and "
        f"assumes it does not ({release.source.ref})."
    )


def _maintenance_hint(family: tuple[int, int]) -> str:
    """For 12.6(2) and the like: Cisco's ECE documentation knows one maintenance release of the family.

    12.6(2) is a Unified CCE release (Cisco pairs CCE/Finesse 12.6(2) with ECE 12.6(1)); a CCE version in
    [ece] version is the likely mistake, but this tool cannot confirm it for a given deployment.
    """
    release = family_release(family)
    if release is None:
        return ""
    return (
        f" Cisco's ECE documentation lists {release.label} for ECE {family[0]}.{family[1]} "
        f"({CISCO_ECE_GUIDE_INDEX.ref.split('; ')[0]}); a Unified CCE / PCCE version (e.g. CCE 12.6(2), which "
        "Cisco pairs with ECE 12.6(1)) may have been entered instead. Unverified for this deployment."
    )


def _installed_level(ctx: CheckContext) -> EsLevel | None:
    return max(ctx.config.ece.engineering_specials, default=None)


def _installed_text(ctx: CheckContext) -> str:
    specials = ctx.config.ece.engineering_specials
    return ", ".join(str(es) for es in specials) if specials else "no Engineering Special"


@check("version.engineering_special")
def engineering_special(ctx: CheckContext, target: Target) -> Verdict:
    version = ctx.config.ece.version
    release = release_for(version.key)
    if release is None:
        return cannot_tell(f"This tool knows no Engineering Special requirement for ECE {version}.")
    if release.oauth_es is None:
        return cannot_tell(f"Cisco TAC 218453 names no Engineering Special for ECE {release.label}.")
    required = release.oauth_es
    installed = _installed_level(ctx)
    needs = _needs(required)
    if installed is not None and installed >= required:
        # Only a *later* ES rests on ESs being cumulative, which no Cisco statement found confirms.
        later = "" if required in ctx.config.ece.engineering_specials else _CUMULATIVE_CAVEAT.format(needs=needs)
        return passed(
            f"{_installed_text(ctx)} installed on {release.label}; Cisco TAC 218453 requires {needs} for OAuth "
            f"with Office 365 (bug CSCvr86493).{later}"
        )
    return failed(
        f"ECE {release.label} with {_installed_text(ctx)} does not have what Cisco TAC 218453 requires for "
        f"OAuth with Office 365: it needs {needs} (bug CSCvr86493).",
        f"Install {needs} for {release.label} (or a later ES: TAC advises the latest available) from Cisco's "
        f"software download site ({_downloads(release)}), then configure the aliases for OAuth as the "
        f"administrator's guide describes.{see_guides(release.family)}",
        "ece-admin",
        cause="version-es-missing",
    )


_CUMULATIVE_CAVEAT = (
    " The installed ES is later than {needs} and is taken to include it: that ESs are cumulative is this "
    "tool's reading, not a Cisco statement; the ES readme says what it contains."
)


@check("version.latest_es")
def latest_es(ctx: CheckContext, target: Target) -> Verdict:
    """Whether a later ES than the installed one is known to exist (TAC: "install the latest ES available").

    TAC 218453's figures are minimums and no Cisco source names the newest ES of any version. So the check
    is an advisory only when a dated Cisco source names a later ES than the one installed (12.6(1) ES10),
    and otherwise passes saying plainly that the newest ES is unknown to this tool and where to look: an
    advisory on every run would be noise, a skip would leave every healthy run INCOMPLETE, and a pass that
    called the installed ES "the latest" would be false.
    """
    release = release_for(ctx.config.ece.version.key)
    if release is None or release.oauth_es is None:
        return cannot_tell(f"Cisco TAC 218453 names no Engineering Special for ECE {ctx.config.ece.version}.")
    installed = _installed_level(ctx)
    if installed is None or installed < release.oauth_es:
        return cannot_tell(
            f"{_installed_text(ctx)} installed on {release.label}, below TAC 218453's minimum "
            f"({_needs(release.oauth_es)}): version.engineering_special reports it."
        )
    later = _later_es_named(release, installed)
    if later is not None:
        level, source = later
        return advisory(
            f"{_installed_text(ctx)} installed on {release.label}; Cisco names {level} for {release.label} "
            f"({source.ref}), so a later ES than the installed one exists.",
            f"Plan to install the latest ES for {release.label} (TAC 218453: install the latest ES available "
            f"for your version); look for it on Cisco's software download site ({_downloads(release)})."
            + see_guides(release.family),
            "ece-admin",
            cause="version-later-es-named",
        )
    if release.latest_es is not None and release.latest_source is not None:
        return passed(
            f"{_installed_text(ctx)} installed; the newest ES for {release.label} is {release.latest_es} "
            f"({release.latest_source})."
        )
    return passed(
        f"{_installed_text(ctx)} installed on {release.label}: TAC 218453's minimum ({_needs(release.oauth_es)}) "
        f"is met. The newest ES for {release.label} is unknown to this tool (no Cisco source it has names one; "
        f"tables as of {KNOWLEDGE_DATE}): check {_downloads(release)}"
    )


def _downloads(release: Release) -> str:
    """Cisco's download page TAC 218453 links for the release's ES (the site's ES list when it links none)."""
    return release.es_download or CISCO_ES_DOWNLOADS


def _later_es_named(release: Release, installed: EsLevel) -> tuple[EsLevel, Source] | None:
    """A later ES than ``installed`` that a dated Cisco source names for the release, with that source."""
    for level, source in (
        (release.latest_es, release.latest_source),
        (release.highest_named_es, release.highest_named_source),
    ):
        if level is not None and source is not None and installed < level:
            return level, source
    return None
