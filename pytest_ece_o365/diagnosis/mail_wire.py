"""Diagnosis rows for the mail replies admins really meet (issue 15), each its own cause: SMTP ``535 5.7.139``
in its policy wordings, ``421 4.7.66``, IMAP ``* BYE`` instead of a tagged reply, ``NO LOGIN failed.``,
``BAD Command Argument Error.``, POP3 ``-ERR Logon failure`` and ``-ERR Server Unavailable.``.

Their error classes are made where the others are (``probes.mail_smtp.classify_auth``,
``probes.mail_imap.classify_imap``, ``probes.mail_pop3.classify_pop3``), on the reply's code and stable
phrase. :mod:`.mail` merges these rows into its table; placeholders are the same (``{mailbox}``,
``{account}``, ``{token}``, ``{endpoint}``). Every reply quoted here is in
``shared/reference/office365-replies.jsonl`` with its source; checked 2026-12-04.
"""

# One row per line, as in mail.py: long lines are wanted.
# ruff: noqa: E501

from __future__ import annotations

from typing import Final

from pytest_ece_o365.diagnosis.table import Diagnosis
from pytest_ece_o365.knowledge.sources import MS_MAIL_OAUTH, MS_SMTP_AUTH, Source
from pytest_ece_o365.verdict import Owner

#: "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated
#: successfully. Contact your administrator." (nodemailer/nodemailer#1617); Conditional Access.
_CA_CRITERIA = Source(
    "nodemailer/nodemailer#1617; office365-replies.jsonl smtp-535-5.7.139-criteria-truncated", "2026-12-04"
)
_CA_DOC = (
    "https://learn.microsoft.com/en-us/entra/identity/conditional-access/howto-conditional-access-policy-block-legacy"
)
#: "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy."
_SECURITY_DEFAULTS = Source(
    "https://docs.bookyourpto.com/features/smtp-troubleshoot; https://learn.microsoft.com/en-us/entra/fundamentals/security-defaults",
    "2026-12-04",
)
_SECURITY_DEFAULTS_DOC = "https://learn.microsoft.com/en-us/entra/fundamentals/security-defaults"
#: "535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [host …]" (nodemailer#1714).
_BASIC_SMTP = Source(f"nodemailer/nodemailer#1714; {MS_MAIL_OAUTH.ref}", "2026-12-04")
#: "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to support TLS 1.2.
#: Visit https://aka.ms/smtp_auth_tls." (zehm/sendEmail#1); the link is Microsoft's own, in the reply.
_TLS_OLD = Source("zehm/sendEmail#1; DSpace/DSpace#8123 (at AUTH); https://aka.ms/smtp_auth_tls", "2026-12-05")
#: "* BYE Connection closed. 14" after refused commands (jstedfast/MailKit#1496, simonrob/email-oauth2-proxy#74)
#: and "* BYE Session invalidated - AccessTokenExpired" when a token expires within a session (widely quoted
#: in IMAP client code and logs; no Microsoft page words it).
_BYE = Source(f"jstedfast/MailKit#1496; simonrob/email-oauth2-proxy#74; {MS_MAIL_OAUTH.ref}", "2026-12-04")
#: "2 NO LOGIN failed." to a password LOGIN (imapsync/imapsync#368).
_IMAP_BASIC = Source(f"imapsync/imapsync#368; {MS_MAIL_OAUTH.ref}", "2026-12-04")
#: "17 BAD Command Argument Error. 11" to a FETCH (imapsync/imapsync#239).
_IMAP_ARGUMENTS = Source("imapsync/imapsync#239", "2026-12-04")
#: "-ERR Logon failure: unknown user name or bad password." to USER/PASS, where XOAUTH2 gets "Authentication
#: failure: …" (jakartaee/mail-api#614 saw both in one issue).
_POP_LOGON = Source(f"jakartaee/mail-api#614; {MS_MAIL_OAUTH.ref}", "2026-12-04")
#: "-ERR Server Unavailable. 21" mid-session (simonrob/email-oauth2-proxy#379: the maintainer says it comes
#: from Microsoft; the reporter suspected several clients polling one mailbox).
_POP_UNAVAILABLE = Source("simonrob/email-oauth2-proxy#379", "2026-12-04")
_POP_IMAP_DOC = "https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/enable-or-disable-pop3-or-imap4-access"


def _row(
    cause: str, fix: str, owner: Owner, section: int, source: Source, doc: str, *, reported_by: str = ""
) -> Diagnosis:
    return Diagnosis(cause, fix, owner, section, source=source, doc=doc, reported_by=reported_by)


_SMTP_OAUTH = "ECE must log in with OAuth (XOAUTH2) as {account}: in ECE's mailbox settings for {mailbox}, choose OAuth, not a password"
_IMAP_OPEN = "Enable IMAP on the mailbox: `Set-CASMailbox {mailbox} -ImapEnabled $true`; if it is enabled, see token.identity and token.scopes (the token must be {account}'s and carry IMAP.AccessAsUser.All), and regenerate it in ECE in a private browser window, signed in as {account}"

#: Rows of the inbound (IMAP/POP3) session: mailbox.inbound reports them; rights.full_access meets them too.
INBOUND_ROWS: Final[dict[str, Diagnosis]] = {
    "imap-bye": _row("IMAP accepted {token} for {mailbox}, then ended the session with an untagged BYE instead of answering EXAMINE INBOX. Office 365 does so when the access token expires within the session ('Session invalidated - AccessTokenExpired'), or when the account may not open the mailbox ('Connection closed. 14': IMAP disabled on {mailbox}, the token another account's or without IMAP.AccessAsUser.All); the BYE's own words are quoted here.", "If the BYE says AccessTokenExpired, check this server's clock and see azure_app.token_lifetime, then run again. Otherwise: " + _IMAP_OPEN + ".", "exchange-admin", 5, _BYE, MS_MAIL_OAUTH.ref),
    "imap-basic-auth-refused": _row("IMAP refused a password LOGIN for {mailbox} ('NO LOGIN failed.'): Exchange Online takes only OAuth (SASL XOAUTH2) for IMAP; it does not say so in the reply.", "Configure {mailbox} in ECE for OAuth (XOAUTH2) with a token generated for {account}, not a password; this tool's own IMAP login uses XOAUTH2.", "ece-admin", 5, _IMAP_BASIC, MS_MAIL_OAUTH.ref),
    "imap-command-error": _row("IMAP rejected the arguments of a command in the session with {mailbox} ('BAD Command Argument Error.'): Exchange Online's parser refused the command itself, which is not about the login or the mailbox's rights.", "Retry; if it repeats, send the evidence (the exact command and reply) to the tool's maintainers: no token or mailbox change helps.", "ece-admin", 5, _IMAP_ARGUMENTS, MS_MAIL_OAUTH.ref),
    "pop3-logon-failure": _row("POP3 refused the login to {mailbox} with '-ERR Logon failure: unknown user name or bad password.', the wording Exchange Online gives a USER/PASS (password) login; an XOAUTH2 refusal reads 'Authentication failure' instead. The login was not OAuth, or the server took it for a password login.", "Configure {mailbox} in ECE for OAuth (XOAUTH2) with a token generated for {account}, not a password. If it already uses OAuth, the causes are a POP3 refusal's: enable POP (`Set-CASMailbox {mailbox} -PopEnabled $true`) and see token.identity and token.scopes (POP.AccessAsUser.All).", "ece-admin", 5, _POP_LOGON, _POP_IMAP_DOC),
    "pop3-server-unavailable": _row("POP3 answered the session with {mailbox} with '-ERR Server Unavailable.': Exchange Online refused it for now, typically when several clients poll the same mailbox over POP3 at once.", "Run again later. If it repeats, make sure only ECE polls {mailbox} over POP3 (`Get-CASMailbox {mailbox}`; stop other POP3 clients of this mailbox) and lengthen ECE's polling interval for it.", "exchange-admin", 5, _POP_UNAVAILABLE, _POP_IMAP_DOC),
}  # fmt: skip

#: Rows of the SMTP login, reported by mailbox.smtp.
SMTP_ROWS: Final[dict[str, Diagnosis]] = {
    "smtp-auth-conditional-access": _row("Entra ID refused the SMTP login of {account} (for {mailbox}) by policy: '535 5.7.139 … the request did not meet the criteria to be authenticated successfully' is a Conditional Access or MFA policy that applies to this sign-in, not a wrong token.", "In the Entra admin center, open Sign-in logs for {account} (client app: Authenticated SMTP) and see which Conditional Access policy failed; exclude {account} or the ECE app from it, or add a condition (named location of this server) it satisfies.", "azure-admin", 5, _CA_CRITERIA, _CA_DOC),
    "smtp-auth-security-defaults": _row("Entra ID security defaults block the SMTP login of {account} (for {mailbox}): '535 5.7.139 … user is locked by your organization's security defaults policy'. Security defaults block legacy authentication whatever the mailbox's SMTP AUTH switch says.", "Make sure ECE logs in with OAuth (XOAUTH2) as {account}. If it does and this persists, replace security defaults with Conditional Access policies (Entra admin center > Identity > Overview > Properties > Manage security defaults) that do not block {account}'s SMTP sign-in.", "azure-admin", 5, _SECURITY_DEFAULTS, _SECURITY_DEFAULTS_DOC),
    "smtp-basic-auth-disabled": _row("Office 365 refused a password (basic) SMTP login of {account} ('535 5.7.139 … basic authentication is disabled'): SMTP AUTH takes only OAuth here.", _SMTP_OAUTH + ", with a token carrying SMTP.Send.", "ece-admin", 5, _BASIC_SMTP, MS_SMTP_AUTH.ref),
    "smtp-tls-old": _row("{endpoint} refused SMTP over TLS 1.0/1.1 ('421 4.7.66 TLS 1.0 and 1.1 are not supported'): Exchange Online takes SMTP AUTH over TLS 1.2 or later only, and the TLS session that reached it was older: the client's own, or that of a TLS-intercepting proxy on the way (the handshake this tool made is in the evidence).", "Make STARTTLS to {host} negotiate TLS 1.2 or later: update ECE's Java (and any TLS-intercepting proxy on the way) so that TLS 1.2 is enabled (`jdk.tls.client.protocols` must include TLSv1.2). See https://aka.ms/smtp_auth_tls.", "network", 5, _TLS_OLD, "https://aka.ms/smtp_auth_tls"),
}  # fmt: skip

#: What the rows above quote: the server's answer itself (see mail._ANSWERS).
ANSWERS: Final = frozenset(
    {"bye", "basic-auth-refused", "command-error", "logon-failure", "server-unavailable", *SMTP_ROWS}
)
