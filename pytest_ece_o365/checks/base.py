"""The check registry, the targets a check runs for, and the context a check reads.

A check is a small function ``(context, target) -> Verdict``. It does no I/O of its own: live checks
read observations that the survey gathered (``context.survey``); static checks read only the config.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pytest_ece_o365.catalog import CHECKS, CheckSpec
from pytest_ece_o365.config.deployment import DeploymentConfig, Endpoint, Mailbox
from pytest_ece_o365.diagnosis import owner_of
from pytest_ece_o365.knowledge import ROLES
from pytest_ece_o365.secret import SecretSource
from pytest_ece_o365.survey.needs import Need
from pytest_ece_o365.verdict import Verdict, blocked

if TYPE_CHECKING:
    from pytest_ece_o365.survey import Survey


@dataclass(frozen=True)
class RunOptions:
    timeout: float = 10.0
    strict: bool = False
    send_test_mail: str | None = None


@dataclass(frozen=True)
class Target:
    """What one check item runs for.

    ``label`` is the results file's ``target`` ("" for deployment-wide checks, the mailbox address, the
    host, or host:port); ``param_id`` is the test id's part in brackets (None: no brackets).
    """

    label: str
    roles: tuple[str, ...] = ROLES
    param_id: str | None = None
    mailbox: Mailbox | None = None
    endpoint: Endpoint | None = None
    protocol: str | None = None  # for network targets: https | imap | pop3 | smtp


@dataclass
class CheckContext:
    config: DeploymentConfig
    roles: tuple[str, ...]
    options: RunOptions = field(default_factory=RunOptions)
    today: dt.date = field(default_factory=dt.date.today)
    survey: Survey | None = None  # the run's survey (live checks); None in a static-only run
    secrets: SecretSource = field(default_factory=SecretSource)  # env and files, or the simulator's
    #: (check id, target label) of every item this run executes; empty when checks are called directly.
    selected: frozenset[tuple[str, str]] = frozenset()

    def runs(self, check_id: str, target: str) -> bool:
        """Whether this run reports ``check_id`` for ``target`` itself — so that another check may leave
        a cause to it (skip, naming it) instead of failing for it a second time."""
        return (check_id, target) in self.selected


CheckFunction = Callable[[CheckContext, Target], Verdict]
NeedsFunction = Callable[[CheckContext, Target], Iterable[Need[object]]]


@dataclass(frozen=True)
class Check:
    spec: CheckSpec
    judge: CheckFunction
    #: the observations this check reads for a target, so the survey can gather them up front
    needs: NeedsFunction | None = None

    def run(self, ctx: CheckContext, target: Target) -> Verdict:
        """The check's verdict for ``target``, with the run's one rule applied (:func:`settle`)."""
        return settle(self.judge(ctx, target), self.spec.id, target.label, ctx)


def settle(verdict: Verdict, check_id: str, target: str, ctx: CheckContext) -> Verdict:
    """One cause, one finding: a finding whose cause another check reports (``diagnosis.OWNERS``) is that
    check's when the run executes it for the cause's target — this result is then skipped, ``blocked_by``
    it — or, failing that, its relay's (the step it waited for). When the run executes neither (``-m``,
    ``-k``), the finding stays here, so that no selection hides it."""
    if verdict.status not in ("failed", "advisory") or not verdict.cause:
        return verdict
    owner = owner_of(verdict.cause)
    if owner is None or (owner, verdict.cause_at or target) == (check_id, target):
        return verdict
    for reporter in ((owner, verdict.cause_at or target), verdict.relay):
        if reporter is not None and reporter != (check_id, target) and ctx.runs(*reporter):
            return blocked(verdict, reporter)
    return verdict


REGISTRY: dict[str, Check] = {}


def check(check_id: str, *, needs: NeedsFunction | None = None) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the implementation of catalog id ``check_id``."""
    spec = CHECKS[check_id]

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY:
            raise RuntimeError(f"check {check_id} is implemented twice")
        REGISTRY[check_id] = Check(spec, function, needs)
        return function

    return register
