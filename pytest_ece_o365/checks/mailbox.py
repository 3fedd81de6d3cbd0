"""Checklist sections 5, 7 and 9, live: XOAUTH2 sessions to each mailbox, read-only.

- ``mailbox.inbound``: IMAP login *and* ``EXAMINE INBOX`` (Office 365 accepts AUTHENTICATE even when the
  mailbox will not open, so only the follow-up command tells), or POP3 login and ``STAT``.
- ``mailbox.smtp``: SMTP submission login as the token's own account (a shared mailbox's token_account:
  Office 365 refuses the shared-mailbox ``user=`` form for SMTP), AUTH XOAUTH2 -> 235; nothing is sent.
- ``mailbox.send_test``: only with ``--ece-send-test-mail``: one test message MAIL FROM the mailbox's
  address (for a shared mailbox that needs SendAs for token_account).
- ``rights.full_access``: for shared mailboxes, whether ``token_account``'s token opens the mailbox.

The checks judge :class:`~pytest_ece_o365.probes.mail_observation.MailSessionObservation` values the survey
gathered (:mod:`pytest_ece_o365.probes.mail_needs`), together with the token observation of the mailbox's
refresh token, in :mod:`pytest_ece_o365.checks.mailbox_judge`; findings come from
:mod:`pytest_ece_o365.diagnosis.mail`.

When a session failed for a cause another check owns — no access token (token.refresh), the network
before the login (network.dns/tcp/tls/xoauth2), a token of another account or without the protocol's
scope (token.identity/scopes), a shared mailbox's refusal (rights.full_access) — the check is *skipped
naming that check* when the run executes it for that target, and fails with that cause's finding
otherwise: one cause, one finding, whatever the selection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.mailbox_judge import (
    judge_full_access,
    judge_inbound,
    judge_send_test,
    judge_smtp,
)
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.probes.mail_needs import MailSessionNeed, SendTestNeed
from pytest_ece_o365.probes.mail_observation import MailSessionObservation
from pytest_ece_o365.probes.token import TokenObservation, token_need_for
from pytest_ece_o365.survey.needs import Need
from pytest_ece_o365.verdict import Verdict, cannot_tell

__all__ = ["NOTHING_SENT", "judge_full_access", "judge_inbound", "judge_send_test", "judge_smtp"]

_NO_SURVEY = "no mailbox survey in this run (a static-only run opens no session)"
NOTHING_SENT = "nothing is sent without --ece-send-test-mail"

#: How the judges of :mod:`~pytest_ece_o365.checks.mailbox_judge` read a session and its token.
SessionJudge = Callable[[CheckContext, MailSessionObservation, Mailbox, TokenObservation | None], Verdict]


# --- needs ------------------------------------------------------------------------------------------


def _token_needs(ctx: CheckContext, mailbox: Mailbox) -> list[Need[object]]:
    """The token request a session uses (the session's probe asks for it anyway): its claims say
    whether the token was fit for the mailbox."""
    need = token_need_for(ctx.config, mailbox)
    return [need] if need is not None else []


def inbound_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """mailbox.inbound and rights.full_access read the same session: the inbound protocol's."""
    mailbox = target.mailbox
    if mailbox is None:
        return []
    return [MailSessionNeed(mailbox.address, mailbox.inbound), *_token_needs(ctx, mailbox)]


def smtp_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    mailbox = target.mailbox
    return [MailSessionNeed(mailbox.address, "smtp"), *_token_needs(ctx, mailbox)] if mailbox is not None else []


def send_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    recipient = ctx.options.send_test_mail
    if target.mailbox is None or not recipient:
        return []  # contract §1: nothing is ever sent without --ece-send-test-mail
    return [SendTestNeed(target.mailbox.address, recipient), *_token_needs(ctx, target.mailbox)]


# --- checks -----------------------------------------------------------------------------------------


@check("mailbox.inbound", needs=inbound_needs)
def inbound(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to log in to")
    return judged_session(ctx, mailbox, MailSessionNeed(mailbox.address, mailbox.inbound), judge_inbound)


@check("mailbox.smtp", needs=smtp_needs)
def smtp(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to log in to")
    return judged_session(ctx, mailbox, MailSessionNeed(mailbox.address, "smtp"), judge_smtp)


@check("mailbox.send_test", needs=send_needs)
def send_test(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    recipient = ctx.options.send_test_mail
    if not recipient:
        return cannot_tell(NOTHING_SENT)
    if mailbox is None:
        return cannot_tell("no mailbox to send from")
    need = SendTestNeed(mailbox.address, recipient)
    return judged_session(
        ctx, mailbox, need, lambda c, seen, box, token: judge_send_test(c, seen, box, recipient, token)
    )


def judged_session(
    ctx: CheckContext, mailbox: Mailbox, need: Need[MailSessionObservation], judge: SessionJudge
) -> Verdict:
    """``judge`` applied to the session the survey gathered for ``need`` and the token the mailbox's sessions
    use; without a survey, cannot tell."""
    observation = observed(ctx, need)
    if isinstance(observation, Verdict):
        return observation
    return judge(ctx, observation, mailbox, session_token(ctx, mailbox))


def observed(ctx: CheckContext, need: Need[MailSessionObservation]) -> MailSessionObservation | Verdict:
    if ctx.survey is None:
        return cannot_tell(_NO_SURVEY)
    return ctx.survey.get(need)


def session_token(ctx: CheckContext, mailbox: Mailbox) -> TokenObservation | None:
    """The observation of the token the mailbox's sessions use (None: no refresh_token in the file)."""
    need = token_need_for(ctx.config, mailbox)
    if need is None or ctx.survey is None:
        return None
    return ctx.survey.get(need)
