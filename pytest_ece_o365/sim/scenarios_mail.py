"""Mail-wire scenarios: Office 365's own refusals that the tenant model does not decide (issue 15), one each.

Each makes the simulated servers answer with Microsoft's exact text (from
``shared/reference/office365-replies.jsonl``; sources below, checked 2026-12-04) through
:mod:`pytest_ece_o365.sim.mailwire`; a refusal that follows from a fact (SendAs missing) flips that fact too.

``421 4.7.66`` (TLS 1.0/1.1, scenario ``smtp-tls-old``) is answered to AUTH on 587 whatever this tool's
client negotiated (it negotiates TLS 1.2 or later, so only a middlebox speaking TLS 1.0/1.1 to Office 365 on
its behalf would meet it for real); the scenario stands for what ECE's own Java meets when it is too old.
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_ece_o365.sim.mailwire import MailWire, set_wire
from pytest_ece_o365.sim.smtp_session import DISABLED
from pytest_ece_o365.sim.tenant import Tenant

__all__ = ["MAIL_SCENARIOS", "UNVERIFIED_FOR_XOAUTH2"]

#: nodemailer/nodemailer#1617 (Conditional Access; its source shows the text after the code, the code as in
#: every 5.7.139: "535 5.7.139 Authentication unsuccessful, …"), gophish/gophish#3220 (2024, tagged).
#: UNVERIFIED FOR XOAUTH2: every public copy answers a password login (AUTH LOGIN/PLAIN); none an XOAUTH2 one.
CA_CRITERIA = (
    "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated "
    "successfully. Contact your administrator."
)
#: docs.bookyourpto.com/features/smtp-troubleshoot (security defaults).
#: UNVERIFIED FOR XOAUTH2: seen publicly only as the answer to AUTH LOGIN (that page's password login).
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
#: UNVERIFIED FOR XOAUTH2: as the only answer to EXAMINE. jstedfast/MailKit#849 shows it with no tagged reply,
#: but to a LIST after a password LOGIN; after XOAUTH2 the public captures show a tagged BAD first.
BYE_14 = "* BYE Connection closed. 14"
#: Where: the reply to AUTH, the session then closed. JavaMail reports it as
#: ``javax.mail.AuthenticationFailedException: 421 4.7.66 …`` (DSpace/DSpace#8123, 2022-01-20), PHPMailer as
#: "Password command failed: 421 4.7.66 …" (Stack Overflow "Periodic Office 365 SMTP Send Error Due to
#: TLS 1.1/1.0", mirrored at https://whosebug.com/question/6330405); the wording: zehm/sendEmail#1,
#: seqeralabs/nf-tower#337. Microsoft announced it for SMTP AUTH in the Exchange Team's post "New opt-in
#: endpoint available for SMTP AUTH clients still needing legacy TLS" (2021-08-18; rejections from September
#: 2021, TLS 1.0/1.1 off on the default endpoints from February 2022):
#: https://techcommunity.microsoft.com/blog/exchange/new-opt-in-endpoint-available-for-smtp-auth-clients-still-needing-legacy-tls/2659652
#: Every public copy (2021-2022) ends with the host-only tag ``[SY6PR01CA0029.ausprd01.prod.outlook.com]``;
#: the simulator appends the ``[host timestamp id]`` tag Exchange Online has put on its SMTP refusals since
#: 2024 (SmtpSession.tag): which of the two today's 421 carries is not known. Checked 2026-12-05.
TLS_OLD = (
    "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2. "
    "Visit https://aka.ms/smtp_auth_tls."
)
#: jakartaee/mail-api#614 (the USER/PASS wording).
#: UNVERIFIED FOR XOAUTH2: every public copy answers USER/PASS (jakartaee/mail-api#614, ditesh/node-poplib#34,
#: nicm/fdm#123); an XOAUTH2 blob gets "-ERR Authentication failure: unknown user name or bad password."
#: (simonrob/email-oauth2-proxy#244, #238), which classifies as pop3-auth-refused.
LOGON_FAILURE = "-ERR Logon failure: unknown user name or bad password."


#: The wordings the simulator gives an XOAUTH2 client that no public capture shows Office 365 giving one
#: (text -> the evidence there is; each carries the same mark where it is defined). The classifier
#: reads the stable phrase whatever the mechanism, and the verified alternative of each to its own row
#: (tests/mailbox/test_unverified_wordings.py, which lists these so that they cannot grow silently).
UNVERIFIED_FOR_XOAUTH2: dict[str, str] = {
    CA_CRITERIA: "nodemailer/nodemailer#1617, gophish/gophish#3220: password logins",
    SECURITY_DEFAULTS: "docs.bookyourpto.com/features/smtp-troubleshoot: AUTH LOGIN",
    DISABLED.format(what="Mailbox"): "none found; 'for the Tenant' is seen after XOAUTH2 (email-oauth2-proxy#193)",
    BYE_14: "jstedfast/MailKit#849: no tagged reply, to LIST after a password LOGIN",
    LOGON_FAILURE: "jakartaee/mail-api#614, ditesh/node-poplib#34, nicm/fdm#123: USER/PASS",
}


def _smtp_policy(name: str, text: str) -> Callable[[Tenant], None]:
    def flip(tenant: Tenant) -> None:
        tenant.first_mailbox(name, "a mailbox", lambda box: True)
        set_wire(tenant, MailWire(smtp_auth=text))  # a policy on the sign-in: every SMTP login meets it

    return flip


def _smtp_tls_old(tenant: Tenant) -> None:
    tenant.first_mailbox("smtp-tls-old", "a mailbox", lambda box: True)
    set_wire(tenant, MailWire(smtp_auth_close=TLS_OLD))  # a refusal of the connection: every SMTP login


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
    "smtp-tls-old": (
        _smtp_tls_old,
        "SMTP AUTH on 587 answered 421 4.7.66 TLS 1.0 and 1.1 are not supported (the session then closed)",
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
