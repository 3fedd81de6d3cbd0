"""Judging the token checks (token.refresh, token.identity, token.scopes, azure_app.token_lifetime): the
refresh token redeems, for the right account, with the right scopes and lifetime. The checks are
registered in :mod:`.token` and :mod:`.azure_app`.

Each check reads the one :class:`~pytest_ece_o365.probes.token.TokenObservation` of the mailbox's
refresh token (one request per token, shared by every mailbox and check that uses it). When the
redemption failed, token.refresh carries the finding and the three claim checks are *skipped naming
it*: one dead token is one finding with one fix.

A network failure on the way to the login host belongs to the network check of the failed step
(network.dns / tcp / tls for the login host): when the run executes that check, token.refresh is
skipped naming it; otherwise (``-m oauth``) token.refresh fails for the network team itself — ECE cannot
refresh from this server either. The claim checks follow the same rule with token.refresh: skipped
naming it when it runs, else failing with its finding, so that a selection never hides a dead token.

The judges are also what the mailbox checks read (``checks.mailbox_judge``): a mail session refused
because the token is another account's, or lacks the protocol's scope, is the token check's finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_ece_o365.checks.base import CheckContext, CheckFunction, Target
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis.causes import cause_id
from pytest_ece_o365.diagnosis.oauth import NETWORK_OWNERS, oauth_verdict
from pytest_ece_o365.knowledge import EXCHANGE_ONLINE_APP_ID
from pytest_ece_o365.probes.scopes import INBOUND_SCOPES, SMTP_SCOPE
from pytest_ece_o365.probes.token import TokenObservation, claims_user, token_need_for
from pytest_ece_o365.survey.needs import Need
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed, relayed

if TYPE_CHECKING:
    pass

_NO_SURVEY = "no token request in this run (a static-only run redeems no refresh token)"
MIN_LIFETIME_MINUTES = 60

#: Classes the HTTP client also gives after the handshake (a slow token endpoint): network.tls's cause
#: only when its own probe of the login host failed (diagnosis.oauth.NETWORK_OWNERS has the others).
_HANDSHAKE_OR_LATER = frozenset({"read-timeout", "closed"})


def token_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """Every OAuth check reads one token request per refresh token."""
    if target.mailbox is None:
        return []
    need = token_need_for(ctx.config, target.mailbox)
    return [need] if need is not None else []


def observe_token(ctx: CheckContext, target: Target) -> TokenObservation | Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to check")
    need = token_need_for(ctx.config, mailbox)
    if need is None:
        index = ctx.config.mailboxes.index(mailbox)
        return cannot_tell(
            f"{mailbox.address} has no refresh token in the deployment file "
            f"(mailboxes[{index}].refresh_token = {{ env = ... }} or {{ file = ... }})"
        )
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    observation = ctx.survey.get(need)
    return observation


def _facts(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation) -> dict[str, object]:
    login = ctx.config.o365.login_endpoint
    return {
        "source": mailbox.refresh_token.describe() if mailbox.refresh_token is not None else "",
        "host": login.host,
        "port": login.port,
        "endpoint": str(login),
        "timeout": f"{ctx.options.timeout:g}",
        "account": observation.need.account,
        "mailbox": mailbox.address,
        "client_id": ctx.config.azure_ad.client_id,
        "tenant": ctx.config.azure_ad.tenant,
        "login": observation.login or ctx.config.o365.login,
        "resource": ctx.config.o365.outlook_resource,
        "aadsts": f"AADSTS{observation.aadsts}" if observation.aadsts is not None else observation.error,
        "code": observation.aadsts,
        "requested": " and ".join(_short(scope) for scope in observation.need.scopes),
        "inbound": mailbox.inbound.upper(),
    }


# --- Judging the observation (pure functions, tested from recorded observations) ------------------


def judge_refresh(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation) -> Verdict:
    """token.refresh: the refresh token redeemed; a failure explained from its AADSTS code.

    A network failure reaching the login host is the network check's cause (at the login host), and a
    refusal for the scopes asked for is token.scopes's: the run reports each once (checks.base.settle).
    """
    if observation.error == "secret-missing":
        return cannot_tell(f"cannot redeem the refresh token: {observation.description}")
    if not observation.ok:
        owner = network_owner(ctx, observation.error)
        if owner is not None:
            return _refusal(ctx, mailbox, observation, cause=cause_id(owner[0], observation.error), at=owner[1])
        return _refusal(ctx, mailbox, observation)
    granted = " ".join(_short(scope) for scope in observation.scope.split()) or "(no scope listed)"
    lifetime = f", valid {round((observation.expires_in + 1) / 60)} min" if observation.expires_in else ""
    return passed(
        f"The refresh token for {mailbox.address}{_whose(mailbox, observation)} redeemed at {observation.login}: "
        f"access token for {granted}{lifetime}",
        evidence=observation.transcript,
    )


def _refusal(
    ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation, *, cause: str = "", at: str = ""
) -> Verdict:
    """The finding for a refused redemption, from its AADSTS code (or error class)."""
    seen = observation.description or observation.error
    facts = _facts(ctx, mailbox, observation)
    return oauth_verdict(
        "token.refresh", observation.error_key, facts, seen=seen, evidence=observation.transcript, cause=cause,
        cause_at=at,
    )  # fmt: skip


def _scope_refused(observation: TokenObservation) -> bool:
    """AADSTS70000's scope meaning: a scope asked for has no grant. Its cause is token.scopes's (the scopes
    the mailboxes need, their consent), not the refresh token's: one finding, by token.scopes when it runs."""
    return not observation.ok and observation.error_key == "AADSTS70000-scope"


def read_scopes(ctx: CheckContext, target: Target) -> TokenObservation | Verdict:
    """token.scopes's reader: a redemption refused for its scopes is token.scopes's own finding."""
    observation = observe_token(ctx, target)
    if isinstance(observation, TokenObservation) and _scope_refused(observation):
        assert target.mailbox is not None
        return _refusal(ctx, target.mailbox, observation)
    return _usable(ctx, target)


def _whose(mailbox: Mailbox, observation: TokenObservation) -> str:
    """The "(token of X)" note, X from the token's own claims when it is not the mailbox's; never from the
    config, which says only whom the token was given for."""
    user = token_user(observation.claims)
    if user is not None:
        return "" if user.lower() == mailbox.address.lower() else f" (token of {user})"
    account = observation.need.account
    return "" if account.lower() == mailbox.address.lower() else f" (the token given for {account})"


def network_owner(ctx: CheckContext, error: str) -> tuple[str, str] | None:
    """(network check, target label) whose finding a network ``error`` reaching the login host is, or None.

    ``read-timeout`` and ``closed`` may also come after the handshake (a slow token endpoint, which
    network.tls does not see): they are network.tls's only when its own probe of the login host failed.
    """
    login = ctx.config.o365.login_endpoint
    owner = NETWORK_OWNERS.get(error)
    if owner is not None:
        return owner, login.host if owner == "network.dns" else str(login)
    if error in _HANDSHAKE_OR_LATER and ctx.runs("network.tls", str(login)) and ctx.survey is not None:
        from pytest_ece_o365.survey import EndpointNeed  # gathered: network.tls runs for the login host

        chain = ctx.survey.get(EndpointNeed(login, "https"))
        if chain.tls is not None and not chain.tls.ok:
            return "network.tls", str(login)
    return None


def _usable(ctx: CheckContext, target: Target) -> TokenObservation | Verdict:
    """The observation when a token was issued; else token.refresh's finding, which that check (or the
    network check it names) reports when the run executes it."""
    observation = observe_token(ctx, target)
    if isinstance(observation, Verdict):
        return observation
    if observation.error == "secret-missing":
        return cannot_tell(f"no token to read: {observation.description}")
    if not observation.ok:
        assert target.mailbox is not None
        return relayed(judge_refresh(ctx, target.mailbox, observation), ("token.refresh", target.label))
    return observation


def token_user(claims: Mapping[str, Any]) -> str | None:
    """The account a token was issued to: ``upn``, ``unique_name`` (v1) or ``preferred_username`` (v2)."""
    return claims_user(claims)


def judge_identity(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation) -> Verdict:
    """token.identity: the token's user is the mailbox (access = mailbox) or its token_account."""
    if observation.opaque:
        return cannot_tell("the access token is opaque (not a JWT): its user cannot be read")
    user = token_user(observation.claims)
    if user is None:
        return cannot_tell("the access token names no user (no upn, unique_name or preferred_username claim)")
    expected = observation.need.account
    if user.lower() == expected.lower():
        return passed(f"The token for {mailbox.address} belongs to {user}", evidence=_claim_lines(observation))
    facts = {**_facts(ctx, mailbox, observation), "token_user": user}
    return oauth_verdict(
        "token.identity", "wrong-account", facts, evidence=(*_claim_lines(observation), *observation.transcript)
    )


def audience_ok(audience: object, resource: str) -> bool:
    values = audience if isinstance(audience, list) else [audience]
    wanted = {resource.lower().rstrip("/"), EXCHANGE_ONLINE_APP_ID}
    return any(isinstance(value, str) and value.lower().rstrip("/") in wanted for value in values)


def needed_scopes(mailbox: Mailbox) -> tuple[str, str]:
    """The delegated permissions a mailbox's token must carry: its inbound protocol's and SMTP.Send."""
    return INBOUND_SCOPES[mailbox.inbound], SMTP_SCOPE


def judge_scopes(
    ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation, *, needed: Sequence[str] | None = None
) -> Verdict:
    """token.scopes: audience is Outlook and ``scp`` holds ``needed`` (default: the mailbox's inbound
    scope and SMTP.Send; a mailbox check asks only for its own protocol's)."""
    if observation.opaque:
        return cannot_tell("the access token is opaque (not a JWT): its audience and scopes cannot be read")
    claims = observation.claims
    resource = ctx.config.o365.outlook_resource
    scp = str(claims.get("scp", ""))
    granted = {_short(scope).lower() for scope in scp.split()}
    evidence = (*_claim_lines(observation), *observation.transcript)
    audience = claims.get("aud")
    facts = {**_facts(ctx, mailbox, observation), "granted": scp or "no delegated scope", "audience": audience}
    if not audience_ok(audience, resource):
        return oauth_verdict("token.scopes", "wrong-audience", facts, evidence=evidence)
    wanted = list(needed) if needed is not None else list(needed_scopes(mailbox))
    missing = [name for name in wanted if name.lower() not in granted]
    if missing:
        facts["missing"] = " and ".join(missing)
        return oauth_verdict("token.scopes", "missing-scope", facts, evidence=evidence)
    return passed(f"The token is for {audience} with {' '.join(wanted)} (scp: {scp})", evidence=evidence)


def judge_lifetime(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation) -> Verdict:
    """azure_app.token_lifetime: the issued access token lives at least 60 minutes.

    The token response's ``expires_in`` comes first: Entra counts it one second short (3599 for 60
    minutes), hence the +1 s, and whole minutes. ``exp − iat`` is only the fallback (no expires_in):
    Entra may backdate ``iat`` by some minutes, which lengthens it.
    """
    claims = observation.claims
    iat, exp = claims.get("iat"), claims.get("exp")
    if observation.expires_in is not None:
        minutes = float(round((observation.expires_in + 1) / 60))
        source = f"the token response's expires_in = {observation.expires_in} s"
    elif isinstance(iat, (int, float)) and isinstance(exp, (int, float)):
        minutes, source = float(exp - iat) / 60, "exp − iat"
    else:
        return cannot_tell("neither the token (opaque) nor the token response tells the token's lifetime")
    shown = f"{minutes:.0f}" if minutes == int(minutes) else f"{minutes:.1f}"
    if minutes + 1e-9 < MIN_LIFETIME_MINUTES:
        facts = {**_facts(ctx, mailbox, observation), "minutes": shown}
        return oauth_verdict(
            "azure_app.token_lifetime", "short-lifetime", facts, seen=f"{source}: {shown} minutes",
            evidence=_claim_lines(observation),
        )  # fmt: skip
    return passed(f"Access tokens live {shown} minutes ({source}; at least {MIN_LIFETIME_MINUTES} required)")


def _short(scope: str) -> str:
    """``https://outlook.office.com/SMTP.Send`` -> ``SMTP.Send``."""
    return scope.rsplit("/", 1)[-1]


def _claim_lines(observation: TokenObservation) -> tuple[str, ...]:
    """The claims a finding rests on, as evidence (never the token itself)."""
    claims = observation.claims
    shown = ("aud", "scp", "upn", "unique_name", "preferred_username", "iat", "exp", "appid", "tid")
    return tuple(f"claim {name}: {_claim_value(name, claims[name])}" for name in shown if name in claims)


def _claim_value(name: str, value: object) -> str:
    """A claim as shown; a time claim (seconds since 1970) also in ISO-8601 UTC, as every time in the report."""
    if name in ("iat", "exp", "nbf") and isinstance(value, int) and 0 <= value < 253402300800:
        return f"{value} ({dt.datetime.fromtimestamp(value, dt.timezone.utc):%Y-%m-%dT%H:%M:%SZ})"
    return str(value)


# --- The token checks: one token observation each, read and judged --------------------------------

Judge = Callable[[CheckContext, Mailbox, TokenObservation], Verdict]
Reader = Callable[[CheckContext, Target], TokenObservation | Verdict]


def token_check(judge: Judge, read: Reader = _usable) -> CheckFunction:
    """A check judging the mailbox's token observation with ``judge``; ``read`` returns the observation,
    or the verdict that stands in for it (no refresh token, token.refresh failed, …)."""

    def run(ctx: CheckContext, target: Target) -> Verdict:
        observation = read(ctx, target)
        if isinstance(observation, Verdict):
            return observation
        assert target.mailbox is not None
        return judge(ctx, target.mailbox, observation)

    return run
