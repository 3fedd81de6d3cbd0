"""Checklist sections 5, 7 and 9, live: XOAUTH2 sessions to each mailbox, read-only.

- ``mailbox.inbound``: IMAP login *and* ``EXAMINE INBOX`` (Office 365 accepts AUTHENTICATE even when the
  mailbox will not open, so only the follow-up command tells), or POP3 login and ``STAT``.
- ``mailbox.smtp``: SMTP submission login, AUTH XOAUTH2 -> 235; nothing is sent.
- ``mailbox.send_test``: only with ``--ece-send-test-mail``: one test message from the mailbox's address.
- ``rights.full_access``: for shared mailboxes, whether ``token_account``'s token opens the mailbox.

The checks judge :class:`~pytest_ece_o365.probes.mail_session.MailSessionObservation` values the survey
gathered (:mod:`pytest_ece_o365.probes.mail_needs`); findings come from :mod:`pytest_ece_o365.diagnosis_mail`.

When the session never reached the mailbox — no access token, or the network failed before the login —
the check is *skipped naming the check that owns that failure* (token.refresh, network.dns/tcp/tls), as the
network checks do among themselves: one cause, one finding, and the skip still shows with its reason.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.deployment import Mailbox
from pytest_ece_o365.diagnosis_mail import mail_verdict
from pytest_ece_o365.probes.mail_needs import MailSessionNeed, SendTestNeed
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.verdict import Verdict, cannot_tell, passed

_NO_SURVEY = "no mailbox survey in this run (a static-only run opens no session)"
NOTHING_SENT = "nothing is sent without --ece-send-test-mail"
_CHECK_OF_STAGE = {"dns": "network.dns", "tcp": "network.tcp", "tls": "network.tls"}


# --- needs ------------------------------------------------------------------------------------------


def inbound_needs(ctx: CheckContext, target: Target) -> Iterable[Hashable]:
    """mailbox.inbound and rights.full_access read the same session: the inbound protocol's."""
    mailbox = target.mailbox
    return [MailSessionNeed(mailbox.address, mailbox.inbound)] if mailbox is not None else []


def smtp_needs(ctx: CheckContext, target: Target) -> Iterable[Hashable]:
    return [MailSessionNeed(target.mailbox.address, "smtp")] if target.mailbox is not None else []


def send_needs(ctx: CheckContext, target: Target) -> Iterable[Hashable]:
    recipient = ctx.options.send_test_mail
    if target.mailbox is None or not recipient:
        return []  # contract §1: nothing is ever sent without --ece-send-test-mail
    return [SendTestNeed(target.mailbox.address, recipient)]


# --- checks -----------------------------------------------------------------------------------------


@check("mailbox.inbound", needs=inbound_needs)
def inbound(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to log in to")
    observation = _observed(ctx, MailSessionNeed(mailbox.address, mailbox.inbound))
    if isinstance(observation, Verdict):
        return observation
    return judge_inbound(observation, mailbox, ctx.options.timeout)


@check("mailbox.smtp", needs=smtp_needs)
def smtp(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to log in to")
    observation = _observed(ctx, MailSessionNeed(mailbox.address, "smtp"))
    if isinstance(observation, Verdict):
        return observation
    return judge_smtp(observation, mailbox, ctx.options.timeout)


@check("mailbox.send_test", needs=send_needs)
def send_test(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    recipient = ctx.options.send_test_mail
    if not recipient:
        return cannot_tell(NOTHING_SENT)
    if mailbox is None:
        return cannot_tell("no mailbox to send from")
    observation = _observed(ctx, SendTestNeed(mailbox.address, recipient))
    if isinstance(observation, Verdict):
        return observation
    return judge_send_test(observation, mailbox, recipient, ctx.options.timeout)


@check("rights.full_access", needs=inbound_needs)
def full_access(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to open")
    if mailbox.access != "shared":
        return cannot_tell(f"{mailbox.address} is not a shared mailbox: it signs in with its own token")
    observation = _observed(ctx, MailSessionNeed(mailbox.address, mailbox.inbound))
    if isinstance(observation, Verdict):
        return observation
    return judge_full_access(observation, mailbox, ctx.options.timeout)


def _observed(ctx: CheckContext, need: Hashable) -> MailSessionObservation | Verdict:
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    observation: MailSessionObservation = ctx.survey.get(need)
    return observation


# --- judging observations (pure functions, tested from recorded observations) -----------------------


def unreached(observation: MailSessionObservation) -> Verdict | None:
    """A skip naming the check that owns the failure, when the session never reached the mailbox."""
    what = f"the {observation.protocol_name} login of {observation.user}"
    if observation.stage == "token":
        return cannot_tell(
            f"{what} was not tried: token.refresh has no access token for {observation.account} ({observation.message})"
        )
    owner = _CHECK_OF_STAGE.get(observation.stage)
    if owner is None or observation.ok:
        return None
    target = observation.endpoint.host if observation.stage == "dns" else str(observation.endpoint)
    return cannot_tell(
        f"{what} could not be tried: {owner} fails for {target} ({observation.error}): {observation.message}",
        evidence=observation.transcript,
    )


def judge_inbound(observation: MailSessionObservation, mailbox: Mailbox, timeout: float) -> Verdict:
    """mailbox.inbound: the login is accepted *and* the mailbox opens (EXAMINE INBOX / STAT)."""
    skipped = unreached(observation)
    if skipped is not None:
        return skipped
    if not observation.ok:
        return mail_verdict("mailbox.inbound", observation, mailbox, timeout)
    return passed(_opened(observation), evidence=observation.transcript)


def judge_smtp(observation: MailSessionObservation, mailbox: Mailbox, timeout: float) -> Verdict:
    """mailbox.smtp: EHLO, STARTTLS, EHLO, AUTH XOAUTH2 -> 235 (then QUIT: nothing is sent)."""
    skipped = unreached(observation)
    if skipped is not None:
        return skipped
    if not observation.ok:
        return mail_verdict("mailbox.smtp", observation, mailbox, timeout)
    return passed(
        f"{mailbox.address}: SMTP AUTH XOAUTH2 on {observation.endpoint} with the token of {observation.account} "
        f"was accepted ({observation.auth_reply}); nothing was sent.",
        evidence=observation.transcript,
    )


def judge_send_test(observation: MailSessionObservation, mailbox: Mailbox, recipient: str, timeout: float) -> Verdict:
    """mailbox.send_test: one message from the mailbox's own address is accepted for delivery."""
    skipped = unreached(observation)
    if skipped is not None:
        return skipped
    if not observation.ok and observation.stage != "send":
        # The login itself failed: that is mailbox.smtp's finding, from its own session.
        return cannot_tell(
            f"no test message was sent from {mailbox.address}: the SMTP login failed ({observation.error}), "
            f"see mailbox.smtp: {observation.message}",
            evidence=observation.transcript,
        )
    if not observation.ok:
        return mail_verdict("mailbox.send_test", observation, mailbox, timeout, recipient=recipient)
    return passed(
        f"a test message from {mailbox.address} to {recipient} was accepted for delivery ({observation.follow_up})",
        evidence=observation.transcript,
    )


def judge_full_access(observation: MailSessionObservation, mailbox: Mailbox, timeout: float) -> Verdict:
    """rights.full_access: token_account's token opens the shared mailbox over its inbound protocol."""
    skipped = unreached(observation)
    if skipped is not None:
        return skipped
    account, protocol = observation.account, observation.protocol_name
    if observation.ok:
        return passed(
            f"the token of {account} opens the shared mailbox {mailbox.address} over {protocol} "
            f"({_opened(observation)})",
            evidence=observation.transcript,
        )
    if observation.error in ("examine-failed", "stat-failed"):
        # The mailbox accepted the delegate (Office 365 would have said "not connected" / refused the
        # login otherwise); opening INBOX failed for another reason, which mailbox.inbound reports.
        return passed(
            f"{mailbox.address} accepts the token of {account} over {protocol}; opening INBOX failed for "
            f"another reason (see mailbox.inbound): {observation.message}",
            evidence=observation.transcript,
        )
    return mail_verdict("rights.full_access", observation, mailbox, timeout)


def _opened(observation: MailSessionObservation) -> str:
    count = f" ({observation.messages} messages)" if observation.messages is not None else ""
    command = "EXAMINE INBOX (read-only)" if observation.protocol == "imap" else "STAT"
    return (
        f"{observation.user}: {observation.protocol_name} XOAUTH2 login with the token of {observation.account} "
        f"accepted, {command} OK{count}"
    )
