"""Checklist section 6 through Microsoft Graph: each mailbox's Exchange Online licence (license.exchange).

The judging is :mod:`.license_judge` (pure, over recorded observations); reading Graph is :mod:`.graph_read`.
"""

from __future__ import annotations

from pytest_ece_o365.checks.base import CheckContext, Target, check
from pytest_ece_o365.checks.graph_read import license_needs, read_token, unreachable
from pytest_ece_o365.checks.license_judge import judge_license
from pytest_ece_o365.probes.graph import LicenseNeed
from pytest_ece_o365.probes.graph_model import READER_ERRORS
from pytest_ece_o365.verdict import Verdict, cannot_tell


@check("license.exchange", needs=license_needs)
def license_exchange(ctx: CheckContext, target: Target) -> Verdict:
    if target.mailbox is None:
        return cannot_tell("no mailbox to look up")
    token = read_token(ctx)
    if isinstance(token, Verdict):
        return token
    assert ctx.survey is not None  # read_token returned its skip otherwise
    observation = ctx.survey.get(LicenseNeed(target.mailbox.own_account))
    if observation.error in ("", "user-not-found", *READER_ERRORS):
        return judge_license(observation, target.mailbox)
    return unreachable(ctx, observation.error, observation.message, observation.transcript)
