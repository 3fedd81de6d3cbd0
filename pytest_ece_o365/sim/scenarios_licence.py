"""Licence scenarios: the first own-account mailbox's user holds one licence (or none), as Graph shows it.

``no-license`` is checklist §C's; the ``license-*`` variants hold each Exchange Online mailbox plan that
license.exchange tells apart (knowledge.EXCHANGE_PLANS), so that each of its findings can be seen end to end.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_ece_o365.sim.directory import (
    EXO_ESSENTIALS,
    EXO_KIOSK,
    EXO_LITE,
    EXO_PLAN1,
    EXO_PLAN1_GCC,
    G3_GCC,
    LicenseSku,
)
from pytest_ece_o365.sim.tenant import ScenarioError, Tenant

__all__ = ["LICENCE_SCENARIOS", "licensed"]


def licensed(name: str, licence: LicenseSku | None, *, imap_off: bool = False) -> Callable[[Tenant], None]:
    """The first own-account mailbox's user holds ``licence`` only (None: no licence at all)."""

    def flip(tenant: Tenant) -> None:
        # A mailbox-model mailbox when there is one: for a shared mailbox the licence is only advisory.
        boxes = tenant.config_mailboxes
        box = next((b for b in boxes if b.access == "mailbox"), boxes[0] if boxes else None)
        if box is None:
            raise ScenarioError(f'scenario "{name}" needs a mailbox; the configuration has none')
        account = tenant.account(box.own_account)  # Graph knows users by UPN, not by mail address
        assert account is not None
        account.licenses = [] if licence is None else [licence]
        if imap_off:
            # The ExchangeOnlineDeskless CAS mailbox plan's default (Set-CASMailboxPlan, -ImapEnabled).
            tenant.mailboxes[box.address.lower()].imap_enabled = False

    return flip


#: The licence variants of no-license (name -> (flip, what ``ece-o365 sim --list`` says of it)).
LICENCE_SCENARIOS: dict[str, tuple[Callable[[Tenant], None], str]] = {
    "license-gcc": (
        licensed("license-gcc", G3_GCC),
        "first own-account mailbox has Office 365 G3 GCC (Exchange Online (Plan 2) for Government): passes",
    ),
    "license-plan1": (licensed("license-plan1", EXO_PLAN1), "first own-account mailbox has Exchange Online (Plan 1)"),
    "license-plan1-gcc": (
        licensed("license-plan1-gcc", EXO_PLAN1_GCC),
        "first own-account mailbox has Exchange Online (Plan 1) for Government",
    ),
    "license-kiosk": (
        licensed("license-kiosk", EXO_KIOSK, imap_off=True),
        "first own-account mailbox has Exchange Online Kiosk, with IMAP off (the Kiosk default)",
    ),
    "license-essentials": (
        licensed("license-essentials", EXO_ESSENTIALS),
        "first own-account mailbox has Exchange Online Essentials",
    ),
    "license-lite": (
        licensed("license-lite", EXO_LITE),
        "first own-account mailbox has an EXCHANGE_LITE plan (ids of the simulator's own making)",
    ),
}
