"""Mail-wire scenarios: Office 365's own refusals that the tenant model does not decide (issue 15), one each.

Each makes the simulated servers answer with Microsoft's exact text (from
``shared/reference/office365-replies.jsonl``; sources below, checked 2026-12-04) through
:mod:`pytest_ece_o365.sim.mailwire`; a refusal that follows from a fact (SendAs missing) flips that fact too.

Not simulated: ``421 4.7.66`` (TLS 1.0/1.1). Office 365 sends it after a TLS 1.0/1.1 STARTTLS; this tool's
client negotiates TLS 1.2 or later (Python's ssl defaults, OpenSSL's security level), so no run of the tool
can meet it, and a simulator that claimed it would lie about what was negotiated. Its row and classifier
exist for the replies admins paste from ECE's own logs.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_ece_o365.sim.mailwire import MailWire, set_wire
from pytest_ece_o365.sim.tenant import Tenant

__all__ = ["MAIL_SCENARIOS"]

#: nodemailer/nodemailer#1617 (Conditional Access; its source shows the text after the code, the code as in
#: every 5.7.139: "535 5.7.139 Authentication unsuccessful, …").
CA_CRITERIA = (
    "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated "
    "successfully. Contact your administrator."
)
#: docs.bookyourpto.com/features/smtp-troubleshoot (security defaults).
SECURITY_DEFAULTS = (
    "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy."
)
#: MicrosoftDocs/OfficeDocs-Support#1187 (the older SendAs wording, at the end of DATA).
SEND_AS_5_2_0 = (
    "554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to "
    "process message due to a permanent exception with message Cannot submit message."
)
#: MicrosoftDocs/office-developer-exchange-docs#87; Microsoft's OAuth doc ("A01 NO AUTHENTICATE failed.").
AUTHENTICATE_FAILED = "NO AUTHENTICATE failed."
#: jstedfast/MailKit#1496, simonrob/email-oauth2-proxy#74 (the BYE that ends a refused session).
BYE_14 = "* BYE Connection closed. 14"
#: jakartaee/mail-api#614 (the USER/PASS wording).
LOGON_FAILURE = "-ERR Logon failure: unknown user name or bad password."


def _smtp_policy(name: str, text: str) -> Callable[[Tenant], None]:
    def flip(tenant: Tenant) -> None:
        tenant.first_mailbox(name, "a mailbox", lambda box: True)
        set_wire(tenant, MailWire(smtp_auth=text))  # a policy on the sign-in: every SMTP login meets it

    return flip


def _inbound(name: str, protocol: str, **replies: str) -> Callable[[Tenant], None]:
    def flip(tenant: Tenant) -> None:
        box = tenant.first_mailbox(name, f'a mailbox with inbound = "{protocol}"', lambda b: b.inbound == protocol)
        set_wire(tenant, MailWire(target=box.address, **replies))

    return flip


def _send_as_5_2_0(tenant: Tenant) -> None:
    box, delegate = tenant.first_shared_mailbox("send-as-5-2-0")
    tenant.mailboxes[box.address.lower()].send_as.discard(delegate)
    set_wire(tenant, MailWire(send_as=SEND_AS_5_2_0))


MAIL_SCENARIOS: dict[str, tuple[Callable[[Tenant], None], str]] = {
    "smtp-ca-blocked": (
        _smtp_policy("smtp-ca-blocked", CA_CRITERIA),
        "SMTP AUTH refused by Conditional Access (535 5.7.139 … did not meet the criteria …)",
    ),
    "smtp-security-defaults": (
        _smtp_policy("smtp-security-defaults", SECURITY_DEFAULTS),
        "SMTP AUTH refused by security defaults (535 5.7.139 … security defaults policy)",
    ),
    "imap-auth-failed": (
        _inbound("imap-auth-failed", "imap", imap_auth=AUTHENTICATE_FAILED),
        "first IMAP mailbox: NO AUTHENTICATE failed. to a token that looks right",
    ),
    "imap-bye": (
        _inbound("imap-bye", "imap", imap_examine_bye=BYE_14),
        "first IMAP mailbox: * BYE Connection closed. 14 instead of a reply to EXAMINE",
    ),
    "pop-logon-failure": (
        _inbound("pop-logon-failure", "pop3", pop_auth=LOGON_FAILURE),
        "first POP3 mailbox: -ERR Logon failure: unknown user name or bad password.",
    ),
    "send-as-5-2-0": (
        _send_as_5_2_0,
        "first shared mailbox's token_account lacks SendAs (554 5.2.0 …SendAsDeniedException at end of DATA)",
    ),
}
