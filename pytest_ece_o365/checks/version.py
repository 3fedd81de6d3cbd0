"""Checklist section 1: the ECE version and its Engineering Special (bug CSCvr86493)."""

from __future__ import annotations

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.knowledge import (
    KNOWLEDGE_DATE,
    OLDEST_OAUTH_FAMILY,
    RELEASES,
    EsLevel,
    Release,
    release_for,
)
from pytest_ece_o365.verdict import Verdict, advisory, cannot_tell, failed, passed

_KNOWN = ", ".join(release.label for release in RELEASES)
_NEWEST = RELEASES[-1]


@check("version.supported")
def version_supported(ctx: CheckContext, target: Target) -> Verdict:
    version = ctx.config.ece.version
    if version.family < OLDEST_OAUTH_FAMILY:
        return failed(
            f"ECE {version} has no OAuth for Office 365: it came with 11.6(1) ES12 + ES12_ET1 "
            "(bug CSCvr86493), and Office 365 no longer accepts basic authentication.",
            f"Upgrade ECE to {_NEWEST.label} (or 12.6(1) with its latest ES), then configure the aliases for OAuth.",
            "ece-admin",
        )
    release = release_for(version.key)
    if release is not None:
        how = f"with {release.oauth_es} or later" if release.oauth_es else "built in"
        return passed(f"ECE {version} supports OAuth for Office 365 ({how}).")
    if version.family > _NEWEST.family:
        return passed(
            f"ECE {version} is newer than the releases this tool knows ({_KNOWN}, as of "
            f"{KNOWLEDGE_DATE}); OAuth for Office 365 is assumed built in."
        )
    return failed(
        f"ECE {version} is not a release this tool knows ({_KNOWN}).",
        'Set [ece] version to the version ECE shows (Help > About in the administration console), e.g. "12.6(1)".',
        "ece-admin",
    )


def _installed_level(ctx: CheckContext) -> EsLevel | None:
    return max(ctx.config.ece.engineering_specials, default=None)


def _installed_text(ctx: CheckContext) -> str:
    specials = ctx.config.ece.engineering_specials
    return ", ".join(str(es) for es in specials) if specials else "no Engineering Special"


def _release_with_es(ctx: CheckContext) -> Release | None:
    return release_for(ctx.config.ece.version.key)


@check("version.engineering_special")
def engineering_special(ctx: CheckContext, target: Target) -> Verdict:
    release = _release_with_es(ctx)
    if release is None:
        return cannot_tell(f"This tool knows no Engineering Special requirement for ECE {ctx.config.ece.version}.")
    if release.oauth_es is None:
        return cannot_tell(f"ECE {ctx.config.ece.version} needs no Engineering Special for OAuth.")
    required = release.oauth_es
    installed = _installed_level(ctx)
    needs = f"{EsLevel(required.es)} and {required}" if required.et else str(required)
    if installed is not None and installed >= required:
        return passed(
            f"{_installed_text(ctx)} installed on {release.label}; OAuth for Office 365 needs {needs} "
            "(CSCvr86493). ESs are cumulative, so a later ES includes it."
        )
    return failed(
        f"ECE {release.label} with {_installed_text(ctx)} lacks OAuth for Office 365: it needs {needs} "
        "(bug CSCvr86493).",
        f"Install {needs} for {release.label} (or any later ES; best the newest, {release.latest_es}) on "
        "every ECE server, then re-enter the aliases' OAuth settings and generate the tokens again.",
        "ece-admin",
    )


@check("version.latest_es")
def latest_es(ctx: CheckContext, target: Target) -> Verdict:
    release = _release_with_es(ctx)
    if release is None or release.latest_es is None:
        return cannot_tell(f"This tool tracks no Engineering Special for ECE {ctx.config.ece.version}.")
    installed = _installed_level(ctx)
    newest = release.latest_es
    if installed is not None and installed >= newest:
        return passed(
            f"{_installed_text(ctx)} installed; the newest ES known for {release.label} is {newest} "
            f"(as of {KNOWLEDGE_DATE})."
        )
    return advisory(
        f"{_installed_text(ctx)} installed on {release.label}; the newest ES known for it is {newest} "
        f"(as of {KNOWLEDGE_DATE}).",
        f"Plan to install {newest}: Cisco TAC recommends the latest ES available for the version, and "
        "many OAuth fixes are only in later ESs.",
        "ece-admin",
    )
