"""Judging the live mailbox sessions (pure functions over observations, tested from recorded ones).

One cause, one finding. A session that failed says something about the mailbox only when nothing
earlier explains it, so each judge asks, in order:

1. did the session reach the server? No access token: token.refresh's finding; a DNS/TCP/TLS failure or
   no XOAUTH2: the network check of that step's finding (at its own target);
2. was the token fit for it? A token of another account, or one lacking the protocol's scope: the
   token.identity / token.scopes finding (read from the token's claims with :mod:`~.oauth`'s judges);
3. for a shared mailbox, a refusal that cannot be told apart (POP3 ``-ERR``, IMAP's "not connected") is
   rights.full_access's cause, naming every possibility; any other failure of that session is
   mailbox.inbound's.

The judges say which cause a failure is; which check reports it is data (``diagnosis.OWNERS``), applied
once by the run (``checks.base.settle``): the owner reports the finding, the others are blocked by it
— and when the run does not execute the owner (``-m mailbox``, ``-k …``), the finding stays where it
was seen, so that no selection makes a fault vanish.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_ece_o365.checks.base import CheckContext
from pytest_ece_o365.checks.token_judge import judge_identity, judge_refresh, judge_scopes, token_user
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis.mail import mail_verdict, network_check_of, network_verdict, token_words
from pytest_ece_o365.probes.mail_observation import MailSessionObservation
from pytest_ece_o365.probes.scopes import INBOUND_SCOPES, SMTP_SCOPE
from pytest_ece_o365.probes.token import TokenObservation
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed, relayed

#: Session errors a token unfit for the mailbox (another account's, a scope missing) also produces.
_TOKEN_MAY_EXPLAIN = frozenset(
    {"auth-refused", "not-connected", "examine-failed", "stat-failed", "send-as-denied", "not-authenticated"}
    | {"bye", "logon-failure"}
)


def judge_inbound(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None = None
) -> Verdict:
    """mailbox.inbound: the login is accepted *and* the mailbox opens (a tagged OK to EXAMINE INBOX / STAT)."""
    earlier = _earlier_cause(ctx, observation, mailbox, token, INBOUND_SCOPES[mailbox.inbound])
    if earlier is not None:
        return earlier
    if observation.ok:
        return passed(_opened(observation, token), evidence=observation.transcript)
    return _verdict("mailbox.inbound", ctx, observation, mailbox, token)


def judge_full_access(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None = None
) -> Verdict:
    """rights.full_access: token_account's token opens the shared mailbox over its inbound protocol.

    It carries the refusals that cannot be told apart (every possible cause named); any other failure of
    the same session is mailbox.inbound's cause (its rows here say so), relayed through it.
    """
    earlier = _earlier_cause(ctx, observation, mailbox, token, INBOUND_SCOPES[mailbox.inbound])
    if earlier is not None:
        return relayed(earlier, ("mailbox.inbound", mailbox.address))
    if observation.ok:
        return passed(
            f"{token_words(observation.account, _user(token))} opens the shared mailbox {mailbox.address} over "
            f"{observation.protocol_name} ({_opened(observation, token)})",
            evidence=observation.transcript,
        )
    return _verdict("rights.full_access", ctx, observation, mailbox, token)


def judge_smtp(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None = None
) -> Verdict:
    """mailbox.smtp: EHLO, STARTTLS, EHLO, AUTH XOAUTH2 -> 235 (then QUIT: nothing is sent).

    The login is the token's own account, so FullAccess on a shared mailbox plays no part in it: a
    refusal is about the token or SMTP AUTH of that account, never rights.full_access's cause.
    """
    earlier = _earlier_cause(ctx, observation, mailbox, token, SMTP_SCOPE)
    if earlier is not None:
        return earlier
    if observation.ok:
        as_who = "" if observation.user.lower() == mailbox.address.lower() else f" (logged in as {observation.user})"
        return passed(
            f"{mailbox.address}: SMTP AUTH XOAUTH2 on {observation.endpoint}{as_who} with "
            f"{token_words(observation.account, _user(token))} was accepted ({observation.auth_reply}); "
            "nothing was sent.",
            evidence=observation.transcript,
        )
    return _verdict("mailbox.smtp", ctx, observation, mailbox, token)


def judge_send_test(
    ctx: CheckContext,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    recipient: str,
    token: TokenObservation | None = None,
) -> Verdict:
    """mailbox.send_test: one message from the mailbox's own address is accepted for delivery.

    A login that failed is mailbox.smtp's finding (the same login), relayed through it."""
    earlier = _earlier_cause(ctx, observation, mailbox, token, SMTP_SCOPE)
    if earlier is None and not observation.ok and observation.stage != "send":
        earlier = _verdict("mailbox.smtp", ctx, observation, mailbox, token)  # the login failed: smtp's finding
    if earlier is not None:
        return relayed(earlier, ("mailbox.smtp", mailbox.address))
    if not observation.ok:
        return _verdict("mailbox.send_test", ctx, observation, mailbox, token, recipient=recipient)
    return passed(
        f"a test message from {mailbox.address} to {recipient} was accepted for delivery ({observation.follow_up})",
        evidence=observation.transcript,
    )


# --- the causes before the mailbox ------------------------------------------------------------------


def _earlier_cause(
    ctx: CheckContext,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    token: TokenObservation | None,
    scope: str,
) -> Verdict | None:
    """The finding when the session's failure has an earlier cause (see the module docstring)."""
    if observation.ok:
        return None
    what = f"the {observation.protocol_name} login of {observation.user}"
    if observation.stage == "token":
        return _no_token(ctx, observation, mailbox, token, what)
    network = network_check_of(observation)
    if network is not None:
        return network_verdict(network[0], observation, ctx.options.timeout)
    if token is not None and observation.error in _TOKEN_MAY_EXPLAIN:
        fault = token_fault(ctx, mailbox, token, scope)
        if fault is not None:
            said = observation.follow_up if observation.stage in ("mailbox", "send") else ""
            said = said or observation.auth_reply or observation.error
            refused = f"The {observation.protocol_name} session of {observation.user} was refused ({said})"
            return replace(fault, detail=f"{refused} because of its token: {fault.detail}")
    return None


def token_fault(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation, scope: str) -> Verdict | None:
    """For a mailbox check whose session was refused: the token.identity / token.scopes finding that
    explains it; None when the token is the right account's and carries ``scope`` (or when its claims
    cannot be read)."""
    if not observation.ok or observation.opaque:
        return None
    identity = judge_identity(ctx, mailbox, observation)
    if identity.status == "failed":
        return identity
    scopes = judge_scopes(ctx, mailbox, observation, needed=(scope,))
    return scopes if scopes.status == "failed" else None


def _no_token(
    ctx: CheckContext, observation: MailSessionObservation, mailbox: Mailbox, token: TokenObservation | None, what: str
) -> Verdict:
    """No access token for the session: token.refresh's finding (or the network check's it names)."""
    if token is None or token.ok or token.error == "secret-missing":
        # a missing secret or refresh token is a skip everywhere (contract §2)
        return cannot_tell(
            f"{what} was not tried: token.refresh has no access token for {observation.account} ({observation.message})"
        )
    finding = judge_refresh(ctx, mailbox, token)
    if finding.status == "skipped":
        return finding
    detail = f"{what[0].upper()}{what[1:]} was not tried (no access token). {finding.detail}"
    return relayed(replace(finding, detail=detail), ("token.refresh", mailbox.address))


def _indistinct(observation: MailSessionObservation) -> bool:
    """A refusal that says nothing of its cause: POP3's one ``-ERR`` line, IMAP's "not connected" (or
    hang-up) after an accepted AUTHENTICATE."""
    return (observation.protocol, observation.error) in (("pop3", "auth-refused"), ("imap", "not-connected"))


# --- wording ----------------------------------------------------------------------------------------


def _user(token: TokenObservation | None) -> str | None:
    return token_user(token.claims) if token is not None and token.ok else None


def _verdict(
    check_id: str,
    ctx: CheckContext,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    token: TokenObservation | None,
    *,
    recipient: str = "",
) -> Verdict:
    return mail_verdict(
        check_id, observation, mailbox, ctx.options.timeout, recipient=recipient, token_user=_user(token)
    )


def _opened(observation: MailSessionObservation, token: TokenObservation | None) -> str:
    count = f" ({observation.messages} messages)" if observation.messages is not None else ""
    command = "EXAMINE INBOX (read-only)" if observation.protocol == "imap" else "STAT"
    return (
        f"{observation.user}: {observation.protocol_name} XOAUTH2 login with "
        f"{token_words(observation.account, _user(token))} accepted, {command} OK{count}"
    )
