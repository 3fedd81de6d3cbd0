"""What a scenario makes the simulated mail servers say in place of the tenant's verdict (sim/scenarios_mail.py).

The tenant (:mod:`.authority`) decides who may do what; some of Office 365's refusals come from policies
the tenant does not model (Conditional Access or security defaults at SMTP AUTH, a BYE instead of a tagged
reply) or in another of Microsoft's wordings (``554 5.2.0 …SendAsDeniedException`` for SendAs). A scenario
records those words here, per tenant; the servers look them up with :func:`wire_of`. Every text is
Microsoft's, from ``shared/reference/office365-replies.jsonl`` (sources in sim/scenarios_mail.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

__all__ = ["MailWire", "set_wire", "wire_of"]


@dataclass(frozen=True)
class MailWire:
    """Replies that replace the servers' own; "" keeps the server's. ``target`` limits the IMAP and POP3
    ones to one mailbox (the SASL ``user=``); "" means every mailbox."""

    smtp_auth: str = ""  # the refusal of an accepted SMTP AUTH XOAUTH2 (the tag is appended)
    smtp_auth_close: str = ""  # the answer to any AUTH after STARTTLS, token unread; then the session ends
    send_as: str = ""  # the SendAs refusal at the end of DATA (the tag is appended)
    imap_auth: str = ""  # the tagged answer to AUTHENTICATE, without the tag ("NO AUTHENTICATE failed.")
    imap_examine_bye: str = ""  # untagged BYE instead of any reply to the first mailbox command, then close
    pop_auth: str = ""  # the answer to the XOAUTH2 blob ("-ERR Logon failure: …")
    target: str = ""

    def applies(self, user: str) -> bool:
        return not self.target or self.target.lower() == user.lower()


_WIRES: WeakKeyDictionary[object, MailWire] = WeakKeyDictionary()
_HEALTHY = MailWire()


def set_wire(authority: object, wire: MailWire) -> None:
    """Make the servers of ``authority`` (the tenant) answer with ``wire``."""
    _WIRES[authority] = wire


def wire_of(authority: object) -> MailWire:
    """What the servers of ``authority`` say instead of their own replies (nothing, by default)."""
    try:
        return _WIRES.get(authority, _HEALTHY)
    except TypeError:  # an authority that cannot be weakly referenced has no scenario wire
        return _HEALTHY
