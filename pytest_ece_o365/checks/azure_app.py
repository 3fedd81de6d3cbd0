"""Checklist section 3: the Azure AD app registration, as far as the config file shows it."""

from __future__ import annotations

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.urls import split, valid_external_host
from pytest_ece_o365.checks.web_url import setting_label
from pytest_ece_o365.verdict import Verdict, cannot_tell, failed, passed


@check("azure_app.redirect_uri")
def redirect_uri(ctx: CheckContext, target: Target) -> Verdict:
    uri = ctx.config.azure_ad.redirect_uri
    parts = split(uri)
    if parts is None or parts.scheme.lower() != "https" or not parts.hostname:
        return failed(
            f"The redirect URI {uri} is not an https:// URL; Azure AD accepts only https redirect URIs "
            "for a Web-platform app (other than localhost).",
            "Register the redirect URI that ECE shows for the alias (https://<External URL host>/...) on "
            "the app under Authentication > Web, and copy it to [azure_ad] redirect_uri.",
            "azure-admin",
            cause="app-redirect-uri-not-https",
        )
    external_host = valid_external_host(ctx.config.ece.external_url)
    if external_host is None:
        return cannot_tell("[ece] external_url is not set or not valid (see web_url.external_url).")
    if parts.hostname.lower() == external_host:
        return passed(f"The redirect URI {uri} is on the External URL's host {external_host}.")
    label = setting_label(ctx)
    return failed(
        f"The redirect URI {uri} is on {parts.hostname}, but {label} is on {external_host}: after "
        "sign-in Azure AD sends the browser to a site that is not the one ECE issued the request from.",
        f"Make the app's redirect URI use https://{external_host}/ (Azure portal > App registrations > "
        f"Authentication > Web), or correct {label}; both must name the FQDN used for the "
        "administration console.",
        "azure-admin",
        cause="app-redirect-uri-host",
        setting=label,
    )
