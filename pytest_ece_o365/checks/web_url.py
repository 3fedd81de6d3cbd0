"""Checklist section 2: the External URL (web server URL) that OAuth redirects and logins use."""

from __future__ import annotations

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.urls import external_url_problems, host_of, valid_external_host
from pytest_ece_o365.knowledge.releases import see_guides, web_url_label
from pytest_ece_o365.verdict import Verdict, cannot_tell, failed, passed


def setting_label(ctx: CheckContext) -> str:
    """The setting's name as Cisco TAC 218453 gives it for this version (no console path for 11.5-12.5)."""
    return web_url_label(ctx.config.ece.version.family)


def _guides(ctx: CheckContext) -> str:
    return see_guides(ctx.config.ece.version.family)


@check("web_url.external_url")
def external_url(ctx: CheckContext, target: Target) -> Verdict:
    url = ctx.config.ece.external_url
    label = setting_label(ctx)
    if url is None:
        return failed(
            "[ece] external_url is not set, so this tool cannot compare it with the redirect URI and the "
            "administration console URL; every OAuth deployment must set it in ECE.",
            f"Set {label} in ECE to https://<the FQDN agents and administrators log in with>, and copy "
            "the same value to [ece] external_url." + _guides(ctx),
            "ece-admin",
            cause="web-url-external-url-missing",
            setting=label,
        )
    problems = external_url_problems(url)
    if problems:
        return failed(
            f"The External URL {url} " + "; ".join(problems) + ".",
            f"Set {label} to the https:// address of the site, host name only "
            "(e.g. https://ece.example.com), the same FQDN administrators use to log in." + _guides(ctx),
            "ece-admin",
            cause="web-url-external-url-invalid",
            setting=label,
        )
    return passed(f"External URL {url} is an https:// URL on the host {host_of(url)}.")


@check("web_url.admin_console")
def admin_console(ctx: CheckContext, target: Target) -> Verdict:
    admin_url = ctx.config.ece.admin_console_url
    if admin_url is None:
        return cannot_tell("[ece] admin_console_url is not given, so there is nothing to compare.")
    external_host = valid_external_host(ctx.config.ece.external_url)
    if external_host is None:
        return cannot_tell("[ece] external_url is not set or not valid (see web_url.external_url).")
    admin_host = host_of(admin_url)
    label = setting_label(ctx)
    if admin_host == external_host:
        return passed(f"Administrators log in on {admin_host}, the External URL's host.")
    return failed(
        f"Administrators log in at {admin_url} (host {admin_host}), but {label} is on {external_host}. "
        "The OAuth sign-in returns to the External URL's host, so the token request starts and ends on "
        "different sites.",
        f"Use one FQDN: log in to the administration console at https://{external_host}/ (or change "
        f"{label} to https://{admin_host}), and generate the tokens from that URL." + _guides(ctx),
        "ece-admin",
        cause="web-url-admin-console-host",
        setting=label,
    )
