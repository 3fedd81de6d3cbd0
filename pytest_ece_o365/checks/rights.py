"""Checklist section 7: mailbox rights — one token per mailbox, or one shared account's token.

The live half, ``rights.full_access``, reads the same mailbox session as ``mailbox.inbound``
(:mod:`.mailbox`), judged in :mod:`.mailbox_judge`.
"""

from __future__ import annotations

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.mailbox import inbound_needs, judged_session
from pytest_ece_o365.checks.mailbox_judge import judge_full_access
from pytest_ece_o365.probes.mail_needs import MailSessionNeed
from pytest_ece_o365.verdict import Verdict, cannot_tell, failed, passed


@check("rights.access_model")
def access_model(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    assert mailbox is not None
    account = mailbox.token_account
    same = account is not None and account.lower() == mailbox.address.lower()
    if mailbox.access == "mailbox":
        own = mailbox.own_account
        if account is None or same or account.lower() == own.lower():
            signs_in = "itself" if own.lower() == mailbox.address.lower() else f"its own account {own} (its UPN)"
            return passed(f"{mailbox.address} signs in as {signs_in} and uses its own token.")
        return failed(
            f'{mailbox.address} has access = "mailbox" but names token_account {account}: with the '
            "mailbox model the token must be the mailbox's own.",
            f"If {account} has FullAccess to {mailbox.address} and ECE uses its token, set access = "
            f'"shared". If {account} is the sign-in name (UPN) of {mailbox.address}\'s own account, write '
            f'account = "{account}" instead of token_account. Otherwise remove token_account and generate the '
            f"token signed in as {own}.",
            "ece-admin",
            cause="rights-token-account-in-mailbox-model",
        )
    if account is None:
        return failed(
            f'{mailbox.address} has access = "shared" but no token_account: the shared model needs the '
            "account with FullAccess whose token ECE uses for it.",
            "Set token_account to that account (the one signed in when the token was generated).",
            "ece-admin",
            cause="rights-shared-without-token-account",
        )
    if same:
        return failed(
            f'{mailbox.address} has access = "shared" with itself as token_account: that is the mailbox model.',
            'Set access = "mailbox", or name the delegate account with FullAccess as token_account.',
            "ece-admin",
            cause="rights-shared-is-itself",
        )
    return passed(f"{mailbox.address} is opened with the token of {account} (shared model).")


@check("rights.full_access", needs=inbound_needs)
def full_access(ctx: CheckContext, target: Target) -> Verdict:
    mailbox = target.mailbox
    if mailbox is None:
        return cannot_tell("no mailbox to open")
    if mailbox.access != "shared":
        return cannot_tell(f"{mailbox.address} is not a shared mailbox: it signs in with its own token")
    return judged_session(ctx, mailbox, MailSessionNeed(mailbox.address, mailbox.inbound), judge_full_access)
