"""Checklist sections 3 and 6 through Microsoft Graph (read-only): the app registration, its secret,
its consented permissions, and the mailboxes' licences.

The checks judge what the Graph probes saw (:mod:`pytest_ece_o365.probes.graph`); the judging itself is
in :mod:`pytest_ece_o365.checks.graph_judge`, pure functions over recorded observations.

What the checks cannot judge they skip, with the reason: no ``[graph]`` section, its secret not set,
Microsoft Graph out of this machine's reach (ECE itself never calls Graph, so that is no finding about
the deployment). When the reader app itself is refused (no token, 401, 403) the directory could not be
read at all: that is one finding, reported by ``azure_app.registration``; the other Graph checks skip
naming it, as the network checks do for a failed earlier step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.graph_judge import (
    judge_client_secret,
    judge_license,
    judge_permissions,
    judge_registration,
    needed_permissions,
)
from pytest_ece_o365.diagnosis_graph import graph_finding
from pytest_ece_o365.knowledge import GRAPH_READER_PERMISSIONS
from pytest_ece_o365.probes.graph import AppNeed, GraphTokenNeed, LicenseNeed
from pytest_ece_o365.probes.graph_model import (
    READER_ERRORS,
    AppObservation,
    GraphTokenObservation,
    LicenseObservation,
)
from pytest_ece_o365.secret import SecretUnavailable
from pytest_ece_o365.verdict import Verdict, cannot_tell

NO_GRAPH = (
    f"no [graph] section: add a read-only Graph app ({', '.join(GRAPH_READER_PERMISSIONS)}) to run the directory checks"
)
_NO_SURVEY = "no Graph survey in this run (a static-only run reads no directory)"


def app_needs(ctx: CheckContext, target: Target) -> Iterable[Hashable]:
    """The app-registration checks read one token and one app observation per run."""
    if ctx.config.graph is None:
        return []
    return [GraphTokenNeed(ctx.config.graph.client_id), AppNeed(ctx.config.azure_ad.client_id)]


def license_needs(ctx: CheckContext, target: Target) -> Iterable[Hashable]:
    """license.exchange reads one licence observation per mailbox (and the run's one token)."""
    if ctx.config.graph is None or target.mailbox is None:
        return []
    return [GraphTokenNeed(ctx.config.graph.client_id), LicenseNeed(target.mailbox.address)]


@check("azure_app.registration", needs=app_needs)
def registration(ctx: CheckContext, target: Target) -> Verdict:
    observation = _app(ctx, "azure_app.registration")
    if isinstance(observation, Verdict):
        return observation
    return judge_registration(observation, ctx.config.azure_ad.redirect_uri, ctx.config.azure_ad.tenant)


@check("azure_app.client_secret", needs=app_needs)
def client_secret(ctx: CheckContext, target: Target) -> Verdict:
    observation = _app(ctx, "azure_app.client_secret")
    if isinstance(observation, Verdict):
        return observation
    try:
        # Only compared with what Graph shows of each secret (its first characters, its Secret ID), to
        # judge the secret ECE actually holds; never printed.
        ece_secret: str | None = ctx.secrets.get(ctx.config.azure_ad.client_secret).reveal()
    except SecretUnavailable:
        ece_secret = None
    return judge_client_secret(observation, dt.datetime.now(dt.timezone.utc), ece_secret)


@check("azure_app.permissions", needs=app_needs)
def permissions(ctx: CheckContext, target: Target) -> Verdict:
    observation = _app(ctx, "azure_app.permissions")
    if isinstance(observation, Verdict):
        return observation
    return judge_permissions(observation, needed_permissions(ctx.config.mailboxes))


@check("license.exchange", needs=license_needs)
def license_exchange(ctx: CheckContext, target: Target) -> Verdict:
    if target.mailbox is None:
        return cannot_tell("no mailbox to look up")
    token = _token(ctx, "license.exchange")
    if isinstance(token, Verdict):
        return token
    observation: LicenseObservation = ctx.survey.get(LicenseNeed(target.mailbox.address))
    if observation.error in ("", "user-not-found", "graph-forbidden"):
        return judge_license(observation, target.mailbox)
    if observation.error in READER_ERRORS:
        return _reader_problem("license.exchange", observation.error, observation.message, observation.transcript)
    return _unreachable(ctx, observation.error, observation.message, observation.transcript)


# --- access to Graph ------------------------------------------------------------------------------


def _token(ctx: CheckContext, check_id: str) -> GraphTokenObservation | Verdict:
    """The reader's token, or the skip (or, for azure_app.registration, the finding) explaining why not."""
    reader = ctx.config.graph
    if reader is None:
        return cannot_tell(NO_GRAPH)
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    token: GraphTokenObservation = ctx.survey.get(GraphTokenNeed(reader.client_id))
    if token.ok:
        return token
    if token.error == "secret-missing":
        return cannot_tell(f"the [graph] reader's client secret is not available: {token.message}")
    if token.error == "graph-token-failed":
        code = f"AADSTS{token.aadsts}: " if token.aadsts and f"AADSTS{token.aadsts}" not in token.message else ""
        seen = f"Entra ID answered the reader app {reader.client_id}: {code}{token.message}"
        return _reader_problem(check_id, "graph-token-failed", seen, token.transcript)
    return _unreachable(ctx, token.error, token.message, token.transcript)


def _app(ctx: CheckContext, check_id: str) -> AppObservation | Verdict:
    token = _token(ctx, check_id)
    if isinstance(token, Verdict):
        return token
    observation: AppObservation = ctx.survey.get(AppNeed(ctx.config.azure_ad.client_id))
    if observation.ok or (observation.error == "app-not-found" and check_id == "azure_app.registration"):
        return observation
    if observation.error == "app-not-found":
        return cannot_tell(
            f"not checked: {observation.message} (see azure_app.registration)", evidence=observation.transcript
        )
    if observation.error in READER_ERRORS:
        return _reader_problem(check_id, observation.error, observation.message, observation.transcript)
    return _unreachable(ctx, observation.error, observation.message, observation.transcript)


def _reader_problem(check_id: str, error: str, seen: str, evidence: tuple[str, ...]) -> Verdict:
    if check_id == "azure_app.registration":
        return graph_finding(check_id, error, seen, evidence=evidence)
    return cannot_tell(
        f"not checked: the [graph] reader app cannot read the directory (reported by azure_app.registration): {seen}",
        evidence=evidence,
    )


def _unreachable(ctx: CheckContext, error: str, message: str, evidence: tuple[str, ...]) -> Verdict:
    if error == "graph-error":  # Graph itself failed (5xx, a reply that is not JSON): nobody's fault here
        return cannot_tell(
            f"Microsoft Graph answered with an error, so this could not be checked: {message}", evidence=evidence
        )
    o365 = ctx.config.o365
    return cannot_tell(
        f"Microsoft Graph could not be read from this machine ({message}). ECE itself never calls Graph, so "
        f"this is no finding about the deployment: run the directory checks (-m graph) from a machine that "
        f"reaches {o365.login_endpoint.host} and {o365.graph_endpoint.host} on TCP 443.",
        evidence=evidence,
    )
