"""Reading Microsoft Graph for the directory checks (read-only): the reader's token, ECE's app registration,
what each check needs gathered. The checks that judge it are in :mod:`.azure_app` (registration, secret,
permissions) and :mod:`.license` (licences), over pure judges (:mod:`.azure_app_judge`, :mod:`.license_judge`).

What the checks cannot judge they skip, with the reason: no ``[graph]`` section, its secret not set,
Microsoft Graph out of this machine's reach (ECE itself never calls Graph, so that is no finding about
the deployment), and every problem of the reader app itself (no token, 401, 403: a missing
Application.Read.All or Directory.Read.All). The reader is this tool's input, not the deployment: its
problems are never findings, whatever the number of mailboxes; the skip says what it lacks and how to
grant it.
"""

from __future__ import annotations

from collections.abc import Iterable

from pytest_ece_o365.checks.azure_app_judge import judge_registration
from pytest_ece_o365.checks.base import CheckContext, Target
from pytest_ece_o365.diagnosis.graph import reader_skip_reason
from pytest_ece_o365.knowledge import GRAPH_READER_PERMISSIONS
from pytest_ece_o365.probes.graph import AppNeed, EceSecretNeed, GraphTokenNeed, LicenseNeed
from pytest_ece_o365.probes.graph_model import (
    READER_ERRORS,
    AppObservation,
    GraphTokenObservation,
)
from pytest_ece_o365.survey.needs import Need
from pytest_ece_o365.verdict import Verdict, cannot_tell

NO_GRAPH = (
    f"no [graph] section: add a read-only Graph app ({', '.join(GRAPH_READER_PERMISSIONS)}) to run the directory checks"
)
_NO_SURVEY = "no Graph survey in this run (a static-only run reads no directory)"


def app_need(ctx: CheckContext) -> AppNeed:
    accounts = tuple(dict.fromkeys(box.token_user.lower() for box in ctx.config.mailboxes))
    return AppNeed(ctx.config.azure_ad.client_id, accounts)


def app_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """The app-registration checks read one token and one app observation per run."""
    if ctx.config.graph is None:
        return []
    return [GraphTokenNeed(ctx.config.graph.client_id), app_need(ctx)]


def secret_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """azure_app.client_secret also reads what may be known of ECE's secret (its hint, never its value)."""
    if ctx.config.graph is None:
        return []
    return [*app_needs(ctx, target), EceSecretNeed(ctx.config.azure_ad.client_secret)]


def license_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """license.exchange reads one licence observation per mailbox (and the run's one token)."""
    if ctx.config.graph is None or target.mailbox is None:
        return []
    # Graph finds a user by id or user principal name, not by mail address: the mailbox's own sign-in name.
    return [GraphTokenNeed(ctx.config.graph.client_id), LicenseNeed(target.mailbox.own_account)]


# --- access to Graph ------------------------------------------------------------------------------


def read_token(ctx: CheckContext) -> GraphTokenObservation | Verdict:
    """The reader's token, or the skip explaining why not."""
    reader = ctx.config.graph
    if reader is None:
        return cannot_tell(NO_GRAPH)
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    token = ctx.survey.get(GraphTokenNeed(reader.client_id))
    if token.ok:
        return token
    if token.error == "secret-missing":
        return cannot_tell(f"the [graph] reader's client secret is not available: {token.message}")
    if token.error == "graph-token-failed":
        code = f"AADSTS{token.aadsts}: " if token.aadsts and f"AADSTS{token.aadsts}" not in token.message else ""
        seen = f"Entra ID answered the reader app {reader.client_id}: {code}{token.message}"
        return _reader_problem("graph-token-failed", seen, "", token.transcript)
    return unreachable(ctx, token.error, token.message, token.transcript)


def read_app(ctx: CheckContext, check_id: str) -> AppObservation | Verdict:
    token = read_token(ctx)
    if isinstance(token, Verdict):
        return token
    assert ctx.survey is not None  # read_token returned its skip otherwise
    observation = ctx.survey.get(app_need(ctx))
    if observation.ok or (observation.error == "app-not-found" and check_id == "azure_app.registration"):
        return observation
    if observation.error == "app-not-found":  # azure_app.registration's finding: the run reports it once
        return judge_registration(observation, ctx.config.azure_ad.redirect_uri, ctx.config.azure_ad.tenant)
    if observation.error in READER_ERRORS:
        return _reader_problem(observation.error, observation.message, observation.lacks, observation.transcript)
    return unreachable(ctx, observation.error, observation.message, observation.transcript)


def _reader_problem(error: str, seen: str, lacks: str, evidence: tuple[str, ...]) -> Verdict:
    """The [graph] reader cannot read what this check needs: a skip saying what it lacks (no finding)."""
    return cannot_tell(reader_skip_reason(error, seen, lacks), evidence=evidence)


def unreachable(ctx: CheckContext, error: str, message: str, evidence: tuple[str, ...]) -> Verdict:
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
