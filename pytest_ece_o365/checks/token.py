"""Checklist section 4, live: token.refresh, token.identity and token.scopes (judged in :mod:`.token_judge`).

token.identity with the directory's word: is a token of another sign-in name another person?

A token issued to another UPN than the one the deployment file expects is the private-window pitfall
when another person signed in, and nothing wrong at all when it is the same person whose sign-in name
(UPN) differs from the mailbox's address — Microsoft does not require the two to match
(https://learn.microsoft.com/en-us/defender-office-365/outbound-spam-restore-restricted-users, checked
2026-12-04). With ``[graph]``, the token's user's ``proxyAddresses`` tell which; without it the finding
says what would tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.token_judge import (
    judge_identity,
    judge_refresh,
    judge_scopes,
    observe_token,
    read_scopes,
    token_check,
    token_needs,
)
from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.probes.graph_model import DirectoryUser
from pytest_ece_o365.probes.graph_user import TokenUserNeed
from pytest_ece_o365.probes.token import TokenObservation, token_need_for
from pytest_ece_o365.survey.needs import Need
from pytest_ece_o365.verdict import Verdict, passed


def refine_identity(
    verdict: Verdict, mailbox: Mailbox, observation: TokenObservation, directory: DirectoryUser | None
) -> Verdict:
    """token.identity's failing ``verdict``, told apart by the directory: a pass when the token's user holds
    the expected account's address (the same person), else the pitfall with what Graph showed."""
    user, expected = observation.user or "", observation.need.account
    key = "account" if mailbox.access == "mailbox" else "token_account"
    if directory is None:
        note = (
            f' If {user} is the same person under another sign-in name, write {key} = "{user}" for {mailbox.address} '
            "in the deployment file (with [graph], the tool checks this itself)."
        )
        return replace(verdict, detail=verdict.detail + note)
    if directory.holds(expected):
        return passed(
            f"The token for {mailbox.address} belongs to {user}, who holds {expected} (Microsoft Graph: "
            f"proxyAddresses {', '.join(directory.proxy_addresses)}): the same person, whose sign-in name differs "
            f'from the address. Write {key} = "{user}" for {mailbox.address} in the deployment file so that '
            "runs without [graph] judge it so too.",
            evidence=(*verdict.evidence, *directory.transcript),
        )
    if directory.error and directory.error != "not-asked":
        said = f" (Microsoft Graph could not tell whether {user} holds {expected}: {directory.message})"
        return replace(verdict, detail=verdict.detail + said, evidence=(*verdict.evidence, *directory.transcript))
    addresses = ", ".join(sorted(directory.addresses)) or "none"
    said = f" Microsoft Graph: {user} is another person (its addresses: {addresses}; none is {expected})."
    return replace(verdict, detail=verdict.detail + said, evidence=(*verdict.evidence, *directory.transcript))


def identity_needs(ctx: CheckContext, target: Target) -> Iterable[Need[object]]:
    """The token request, and with ``[graph]`` the directory's view of the token's user (asked only when
    that user is not the expected account)."""
    need = token_need_for(ctx.config, target.mailbox) if target.mailbox is not None else None
    if need is None:
        return []
    return [need, TokenUserNeed(need)] if ctx.config.graph is not None else [need]


def judge_identity_in_directory(ctx: CheckContext, mailbox: Mailbox, observation: TokenObservation) -> Verdict:
    """token.identity: :func:`~pytest_ece_o365.checks.token_judge.judge_identity`, a mismatch told apart by the
    directory where it can."""
    verdict = judge_identity(ctx, mailbox, observation)
    if verdict.status != "failed":
        return verdict
    directory: DirectoryUser | None = None
    if ctx.config.graph is not None and ctx.survey is not None:
        directory = ctx.survey.get(TokenUserNeed(observation.need))
    return refine_identity(verdict, mailbox, observation, directory)


check("token.refresh", needs=token_needs)(token_check(judge_refresh, read=observe_token))
check("token.identity", needs=identity_needs)(token_check(judge_identity_in_directory))
check("token.scopes", needs=token_needs)(token_check(judge_scopes, read=read_scopes))
