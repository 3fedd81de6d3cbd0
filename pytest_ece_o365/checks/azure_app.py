"""Checklist section 3: the Azure AD app registration — its redirect URI as the config file shows it; its
registration, client secret and permissions through Microsoft Graph (:mod:`.graph_read`, judged in
:mod:`.azure_app_judge`); the lifetime of the access tokens it is issued (judged in :mod:`.token_judge`)."""

from __future__ import annotations

import datetime as dt

from pytest_ece_o365.checks.azure_app_judge import (
    judge_client_secret,
    judge_permissions,
    judge_registration,
    needed_permissions,
)
from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.graph_read import app_needs, read_app, secret_needs
from pytest_ece_o365.checks.token_judge import judge_lifetime, token_check, token_needs
from pytest_ece_o365.checks.urls import split, valid_external_host
from pytest_ece_o365.checks.web_url import setting_label
from pytest_ece_o365.probes.graph import EceSecretNeed
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


@check("azure_app.registration", needs=app_needs)
def registration(ctx: CheckContext, target: Target) -> Verdict:
    observation = read_app(ctx, "azure_app.registration")
    if isinstance(observation, Verdict):
        return observation
    return judge_registration(observation, ctx.config.azure_ad.redirect_uri, ctx.config.azure_ad.tenant)


@check("azure_app.client_secret", needs=secret_needs)
def client_secret(ctx: CheckContext, target: Target) -> Verdict:
    observation = read_app(ctx, "azure_app.client_secret")
    if isinstance(observation, Verdict):
        return observation
    assert ctx.survey is not None  # read_app returned its skip otherwise
    ece_secret = ctx.survey.get(EceSecretNeed(ctx.config.azure_ad.client_secret))
    return judge_client_secret(observation, dt.datetime.now(dt.timezone.utc), ece_secret)


@check("azure_app.permissions", needs=app_needs)
def permissions(ctx: CheckContext, target: Target) -> Verdict:
    observation = read_app(ctx, "azure_app.permissions")
    if isinstance(observation, Verdict):
        return observation
    return judge_permissions(observation, needed_permissions(ctx.config.mailboxes), ctx.config.mailboxes)


check("azure_app.token_lifetime", needs=token_needs)(token_check(judge_lifetime))
