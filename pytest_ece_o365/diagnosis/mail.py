"""Diagnosis rows of the live mailbox checks (IMAP, POP3, SMTP replies): :data:`ROWS`, in diagnosis.TABLE.

Keys are ``(check id, signature)``. A signature is the session's error class
(:mod:`pytest_ece_o365.probes.mail_session`), prefixed with the protocol where the protocols word it
differently (``imap-not-connected``, ``pop3-auth-refused``) and suffixed ``-shared`` where a shared
mailbox has causes of its own (FullAccess); :func:`signature` picks the most specific row present.

Placeholders are ``{fact}``, as in every row: the network facts of
:data:`~pytest_ece_o365.diagnosis.table.FACTS` and the per-mailbox :data:`MAIL_FACTS` — ``{mailbox}``,
``{account}`` (whose token is used), ``{recipient}`` and ``{token}``, which names the token that was used by
its actual user ("the token of admin@…", from its claims) or, when unknown, "the token given for
{account}": never "the token of {account}" guessed from the config.
"""

# One row per line, as in diagnosis.py: long lines are wanted.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import replace
from typing import Final

from pytest_ece_o365.config.deployment import Mailbox
from pytest_ece_o365.diagnosis import mail_wire
from pytest_ece_o365.diagnosis.causes import cause_id
from pytest_ece_o365.diagnosis.table import Diagnosis, verdict_for
from pytest_ece_o365.knowledge.sources import (
    MS_FULL_ACCESS,
    MS_MAIL_OAUTH,
    MS_SEND_AS,
    MS_SET_CASMAILBOX,
    MS_SMTP_AUTH,
    NETWORK_PATHS,
    Source,
)
from pytest_ece_o365.probes.mail_session import MailSessionObservation
from pytest_ece_o365.verdict import Owner, Verdict

#: The per-mailbox facts a row may name, besides the network ones.
MAIL_FACTS: Final = frozenset({"mailbox", "account", "recipient", "token"})

_TOKEN_FIX = "See token.identity and token.scopes for {mailbox}: the token must be {account}'s and carry {scope_name} (delegated permission with admin consent, audience Outlook). Fix the app registration if the permission is missing, then regenerate the token in ECE in a private browser window, signed in as {account}."
_FULL_ACCESS = (
    "`Add-MailboxPermission -Identity {mailbox} -User {account} -AccessRights FullAccess -InheritanceType All`"
)
_SESSION = "the {protocol} session with {mailbox}"


def _row(
    cause: str,
    remediation: str,
    owner: Owner,
    section: int,
    source: Source,
    *,
    cause_id: str = "",
    reported_by: str = "",
) -> Diagnosis:
    return Diagnosis(cause, remediation, owner, section, source=source, cause_id=cause_id, reported_by=reported_by)


def _inbound_cause(signature: str, row: Diagnosis) -> Diagnosis:
    """A rights.full_access row for a session failure mailbox.inbound reports (the same session)."""
    return replace(row, cause_id=cause_id("mailbox.inbound", signature), reported_by="mailbox.inbound")


# Where the replies these rows recognise were seen, and what Microsoft says of them (checked 2026-12-04).
#: IMAP: AUTHENTICATE accepted, then "BAD User is authenticated but not connected." (the second failing
#: command adds "* BYE Connection closed. 14"); "NO AUTHENTICATE failed." for a token refused outright.
_IMAP_REPLIES = Source(
    MS_MAIL_OAUTH.ref + "; jstedfast/MailKit#1496; simonrob/email-oauth2-proxy#74; "
    "MicrosoftDocs/office-developer-exchange-docs#87",
    "2026-12-04",
)
#: POP3: one "-ERR Authentication failure: unknown user name or bad password." for every refusal.
_POP_REPLIES = Source(MS_MAIL_OAUTH.ref + "; simonrob/email-oauth2-proxy#244; jakartaee/mail-api#614", "2026-12-04")
#: SMTP: 535 5.7.3 for a refused token, also for the shared-mailbox user= form (IMAP/POP only).
_SMTP_REFUSED = Source(
    MS_MAIL_OAUTH.ref + "; nextcloud/mail#13668; frappe/frappe#23079; simonrob/email-oauth2-proxy#426; "
    "jstedfast/MailKit#1770",
    "2026-12-04",
)
#: SendAs refusals at the end of DATA: 550 5.7.60, 554 5.2.0 / 5.2.252 …SendAsDeniedException.
_SEND_AS_REPLIES = Source(
    MS_SEND_AS.ref + "; WWBN/AVideo#1017; swiftmailer/swiftmailer#1030; MicrosoftDocs/OfficeDocs-Support#1187",
    "2026-12-04",
)
#: Outbound spam blocks (5.1.8, 5.7.708) and the Restricted entities page.
_RESTRICTED = Source(
    "https://learn.microsoft.com/en-us/defender-office-365/outbound-spam-restore-restricted-users", "2026-12-04"
)


def _mailbox_rows(check: str, section: int) -> dict[tuple[str, str], Diagnosis]:
    """Rows every live mailbox check shares: the session broke after the network checks' part."""

    def row(cause: str, fix: str, source: Source = NETWORK_PATHS) -> Diagnosis:
        return _row(cause, fix, "network", section, source)

    path = "Check the firewall or proxy between this server and {scope} (TCP {port})"
    return {
        (check, "no-xoauth2"): row(
            "{endpoint} offers no XOAUTH2 login for {protocol}, so ECE cannot log in to {mailbox} with OAuth.",
            "See network.xoauth2: check that {host} is Office 365's endpoint for this cloud (`[o365]`) and that no proxy rewrites {protocol}.",
            MS_MAIL_OAUTH,  # XOAUTH2 as Office 365 offers it for IMAP, POP3 and SMTP
        ),
        (check, "read-timeout"): row(
            "{endpoint} stopped answering during "
            + _SESSION
            + " (nothing within {timeout} s, after the session was up).",
            path + ": something holds the session after TLS. Run again to see whether it repeats.",
        ),
        (check, "closed"): row(
            "{endpoint} closed " + _SESSION + " before it ended.",
            path + ": an IPS or proxy resets sessions. Run again to see whether it repeats.",
        ),
        (check, "garbage"): row(
            "{endpoint} answered " + _SESSION + " with something that is not {protocol}.",
            path + ": something other than Office 365 answers on TCP {port}.",
        ),
        (check, "rejected"): row(
            "{endpoint} refused a command of " + _SESSION + " before the login.",
            path + ", and that {host} is Office 365's endpoint (`[o365]`).",
        ),
    }


_IMAP_TOKEN = _TOKEN_FIX.replace("{scope_name}", "IMAP.AccessAsUser.All")
_POP_TOKEN = _TOKEN_FIX.replace("{scope_name}", "POP.AccessAsUser.All")
_SMTP_TOKEN = _TOKEN_FIX.replace("{scope_name}", "SMTP.Send")

ROWS: Final[dict[tuple[str, str], Diagnosis]] = {
    **_mailbox_rows("mailbox.inbound", 5),
    **_mailbox_rows("mailbox.smtp", 5),
    **_mailbox_rows("mailbox.send_test", 9),
    # rights.full_access reads mailbox.inbound's session: a failure that is not about rights is that check's cause
    **{key: _inbound_cause(key[1], row) for key, row in _mailbox_rows("rights.full_access", 7).items()},
    # --- mailbox.inbound: IMAP ---------------------------------------------------------------------
    ("mailbox.inbound", "imap-auth-refused"): _row("Office 365 refused the IMAP login to {mailbox} with {token} ('NO AUTHENTICATE failed.' names no reason). Reports of this reply name several causes, any of which fits: a token for another resource (Microsoft Graph instead of Outlook, i.e. requested without the https://outlook.office.com/ prefix), an expired token, a token without IMAP.AccessAsUser.All, a user= that does not match the token's account; whether IMAP disabled on the mailbox answers so or with 'not connected' is not settled.", "See token.scopes and token.identity for {mailbox}: the token's audience must be Outlook (https://outlook.office.com or 00000002-0000-0ff1-ce00-000000000000), not Graph, with IMAP.AccessAsUser.All (delegated, admin consent), issued to {account}; regenerate it in ECE in a private browser window, signed in as {account}. Then check `Get-CASMailbox {mailbox} | Format-List ImapEnabled` (True).", "azure-admin", 5, _IMAP_REPLIES),
    ("mailbox.inbound", "imap-not-connected"): _row("IMAP accepted {token} but would not open the mailbox {mailbox}: AUTHENTICATE was accepted, then EXAMINE INBOX was refused ('BAD User is authenticated but not connected.', or a hang-up). Office 365 answers so when IMAP is disabled on the mailbox, when the token belongs to another account than {mailbox}, or when it lacks the right scopes (IMAP.AccessAsUser.All).", "Enable IMAP on the mailbox: `Set-CASMailbox {mailbox} -ImapEnabled $true` (check with `Get-CASMailbox {mailbox} | Format-List ImapEnabled`). If IMAP is already enabled, see token.identity and token.scopes: the token must be {mailbox}'s own and carry IMAP.AccessAsUser.All; regenerate it in ECE in a private browser window, signed in as {mailbox}.", "exchange-admin", 5, _IMAP_REPLIES),
    ("mailbox.inbound", "imap-not-connected-shared"): _row("IMAP accepted {token} but would not open the shared mailbox {mailbox}: AUTHENTICATE was accepted, then EXAMINE INBOX was refused ('BAD User is authenticated but not connected.', or a hang-up). Office 365 answers so when {account} has no FullAccess on {mailbox}, when IMAP is disabled on {mailbox}, when the token is not {account}'s, or when it lacks IMAP.AccessAsUser.All.", "Enable IMAP on the mailbox: `Set-CASMailbox {mailbox} -ImapEnabled $true`, and grant FullAccess: " + _FULL_ACCESS + ". If both are in place, the token is not {account}'s (see token.identity): regenerate it in ECE in a private browser window, signed in as {account}.", "exchange-admin", 5, _IMAP_REPLIES, reported_by="rights.full_access"),
    ("mailbox.inbound", "imap-examine-failed"): _row("IMAP accepted the login to {mailbox}, but INBOX would not open.", "Check the mailbox in Exchange Online (`Get-Mailbox {mailbox}`: provisioned, not being migrated) and its IMAP settings (`Get-CASMailbox {mailbox}`).", "exchange-admin", 5, MS_SET_CASMAILBOX),
    # --- mailbox.inbound: POP3 (one refusal line for every cause, so every cause is named) -----------
    ("mailbox.inbound", "pop3-auth-refused"): _row("POP3 refused the login to {mailbox} with {token}. POP3 answers every refusal with the same line, so the cause is one of: POP is disabled on the mailbox, the token belongs to another account than {mailbox}, or the token lacks POP.AccessAsUser.All.", "Enable POP on the mailbox: `Set-CASMailbox {mailbox} -PopEnabled $true` (check with `Get-CASMailbox {mailbox} | Format-List PopEnabled`). If POP is already enabled, see token.identity (the token must be {mailbox}'s: regenerate it in ECE in a private browser window, signed in as {mailbox}) and token.scopes (POP.AccessAsUser.All, consented).", "exchange-admin", 5, _POP_REPLIES),
    ("mailbox.inbound", "pop3-auth-refused-shared"): _row("POP3 refused the login to the shared mailbox {mailbox} with {token}. POP3 answers every refusal with the same line, so the cause is one of: {account} has no FullAccess on {mailbox}, POP is disabled on {mailbox}, the token is not {account}'s, or it lacks POP.AccessAsUser.All.", "Grant FullAccess: " + _FULL_ACCESS + "; enable POP: `Set-CASMailbox {mailbox} -PopEnabled $true`. If both are in place, see token.identity and token.scopes: the token must be {account}'s and carry POP.AccessAsUser.All; regenerate it in ECE in a private browser window, signed in as {account}.", "exchange-admin", 5, _POP_REPLIES, reported_by="rights.full_access"),
    ("mailbox.inbound", "pop3-stat-failed"): _row("POP3 accepted the login to {mailbox}, but STAT failed.", "Check the mailbox in Exchange Online (`Get-Mailbox {mailbox}`: provisioned, not being migrated) and its POP settings (`Get-CASMailbox {mailbox}`).", "exchange-admin", 5, MS_SET_CASMAILBOX),
    # --- mailbox.smtp --------------------------------------------------------------------------------
    ("mailbox.smtp", "smtp-auth-disabled-tenant"): _row("SMTP AUTH is disabled for the whole tenant: the XOAUTH2 login of {account} (for {mailbox}) got '535 5.7.139 … SmtpClientAuthentication is disabled for the Tenant', so ECE cannot send mail.", "Enable authenticated SMTP for the tenant: `Set-TransportConfig -SmtpClientAuthenticationDisabled $false`, or for the account ECE logs in as only: `Set-CASMailbox {account} -SmtpClientAuthenticationDisabled $false` (a mailbox's own setting overrides the tenant's).", "exchange-admin", 5, MS_SMTP_AUTH),
    ("mailbox.smtp", "smtp-auth-disabled-mailbox"): _row("SMTP AUTH is disabled for {account}, the account ECE logs in as to send {mailbox}'s mail: its XOAUTH2 login got '535 5.7.139 … SmtpClientAuthentication is disabled for the Mailbox'.", "Enable authenticated SMTP for that account's mailbox: `Set-CASMailbox {account} -SmtpClientAuthenticationDisabled $false` (check with `Get-CASMailbox {account} | Format-List SmtpClientAuthenticationDisabled`).", "exchange-admin", 5, MS_SMTP_AUTH),
    ("mailbox.smtp", "smtp-auth-refused"): _row("Office 365 refused the SMTP login of {account} for {mailbox} (535 5.7.3 or similar): {token} was rejected.", _SMTP_TOKEN, "azure-admin", 5, _SMTP_REFUSED),
    ("mailbox.smtp", "smtp-auth-refused-shared"): _row("Office 365 refused the SMTP login of {account}, the account ECE sends the shared mailbox {mailbox}'s mail as (535 5.7.3 or similar). SMTP logs in as {account} itself (Office 365 refuses the shared-mailbox user= form for SMTP), so FullAccess on {mailbox} plays no part: the refusal is about {token} or {account}'s own SMTP access.", "Check that {account} has an Exchange Online mailbox with SMTP AUTH allowed (`Get-CASMailbox {account} | Format-List SmtpClientAuthenticationDisabled`: False or empty), then see token.identity and token.scopes: the token must be {account}'s and carry SMTP.Send (delegated permission with admin consent); regenerate it in ECE in a private browser window, signed in as {account}.", "exchange-admin", 5, _SMTP_REFUSED),
    **{("mailbox.smtp", signature): row for signature, row in mail_wire.SMTP_ROWS.items()},
    **{("mailbox.inbound", signature): row for signature, row in mail_wire.INBOUND_ROWS.items()},
    **{("rights.full_access", sig): _inbound_cause(sig, replace(row, section=7)) for sig, row in mail_wire.INBOUND_ROWS.items()},
    # --- mailbox.send_test ---------------------------------------------------------------------------
    ("mailbox.send_test", "send-as-denied"): _row("Office 365 refused the test message MAIL FROM {mailbox} (SendAs denied), sent by its own account {account}: {mailbox} is not one of {account}'s addresses.", "Check that {mailbox} is {account}'s primary SMTP address or one of its proxy addresses (`Get-Mailbox {account} | Format-List PrimarySmtpAddress,EmailAddresses`). If {mailbox} is another mailbox that {account} serves, describe it as access = \"shared\" with token_account = {account} and grant Send As: `Add-RecipientPermission -Identity {mailbox} -Trustee {account} -AccessRights SendAs`.", "exchange-admin", 9, _SEND_AS_REPLIES),
    ("mailbox.send_test", "smtp-send-as-denied-shared"): _row("Office 365 refused the test message MAIL FROM the shared mailbox {mailbox}: {account}, the account ECE logs in as, has no Send As right on {mailbox} (SendAs denied), so ECE's replies from this mailbox fail. FullAccess does not include it.", "Grant Send As on {mailbox} to {account}: `Add-RecipientPermission -Identity {mailbox} -Trustee {account} -AccessRights SendAs` (check with `Get-RecipientPermission {mailbox} -Trustee {account}`; Exchange admin center: the mailbox > Delegation > Send as); it can take up to an hour to apply.", "exchange-admin", 9, _SEND_AS_REPLIES),
    ("mailbox.send_test", "not-authenticated"): _row("Office 365 refused the test message from {mailbox}: the session was not authenticated (530 5.7.57).", "See mailbox.smtp: the XOAUTH2 login of {mailbox} must succeed (235) before mail can be sent.", "exchange-admin", 9, _SMTP_REFUSED),
    ("mailbox.send_test", "recipient-refused"): _row("Office 365 refused the recipient {recipient} of the test message from {mailbox}.", "Give --ece-send-test-mail an address that accepts mail (your own, say); if it is right, check why Office 365 refuses it (the reply is in the evidence).", "ece-admin", 9, _RESTRICTED),
    ("mailbox.send_test", "send-refused"): _row("Office 365 refused the test message from {mailbox} to {recipient}.", "Read the reply in the evidence: a mailbox blocked for sending (5.1.8, 5.7.708) is released in the Microsoft 365 Defender portal (Restricted entities); otherwise check the mailbox's sending restrictions (`Get-Mailbox {mailbox}`).", "exchange-admin", 9, _RESTRICTED),
    # --- rights.full_access (shared mailboxes) -------------------------------------------------------
    ("rights.full_access", "imap-auth-refused-shared"): _row("Office 365 rejected {token} (IMAP AUTHENTICATE got NO) before {mailbox} came into play: this is the token, not FullAccess.", _IMAP_TOKEN, "azure-admin", 7, _IMAP_REPLIES, cause_id="imap-auth-refused", reported_by="mailbox.inbound"),
    ("rights.full_access", "imap-not-connected-shared"): _row("IMAP accepted {token} but refused to open the shared mailbox {mailbox} ('BAD User is authenticated but not connected.', or a hang-up). Office 365 answers so for every cause, so it is one of: {account} has no FullAccess on {mailbox}, IMAP is disabled on {mailbox}, the token is not {account}'s, or it lacks IMAP.AccessAsUser.All.", "Grant FullAccess: " + _FULL_ACCESS + " (check with `Get-MailboxPermission {mailbox} -User {account}`); it can take up to an hour to apply. If {account} has it, enable IMAP: `Set-CASMailbox {mailbox} -ImapEnabled $true`. If both are in place, see token.identity: the token must be {account}'s; regenerate it in ECE in a private browser window, signed in as {account}.", "exchange-admin", 7, _IMAP_REPLIES),
    ("rights.full_access", "imap-examine-failed-shared"): _row("IMAP accepted {token} for the shared mailbox {mailbox} (no 'not connected' refusal), but INBOX would not open, so FullAccess could not be confirmed.", "Check the mailbox in Exchange Online (`Get-Mailbox {mailbox}`: provisioned, not being migrated) and `Get-MailboxPermission {mailbox} -User {account}` (FullAccess).", "exchange-admin", 7, MS_FULL_ACCESS, cause_id="imap-examine-failed", reported_by="mailbox.inbound"),
    ("rights.full_access", "pop3-stat-failed-shared"): _row("POP3 accepted {token} for the shared mailbox {mailbox}, but STAT failed, so FullAccess could not be confirmed.", "Check the mailbox in Exchange Online (`Get-Mailbox {mailbox}`: provisioned, not being migrated) and `Get-MailboxPermission {mailbox} -User {account}` (FullAccess).", "exchange-admin", 7, MS_FULL_ACCESS, cause_id="pop3-stat-failed", reported_by="mailbox.inbound"),
    ("rights.full_access", "pop3-auth-refused-shared"): _row("POP3 refused the login to the shared mailbox {mailbox} with {token}. POP3 answers every refusal with the same line, so the cause is one of: {account} has no FullAccess on {mailbox}, POP is disabled on {mailbox}, the token is not {account}'s, or it lacks POP.AccessAsUser.All.", "Grant FullAccess: " + _FULL_ACCESS + " (check with `Get-MailboxPermission {mailbox} -User {account}`); enable POP: `Set-CASMailbox {mailbox} -PopEnabled $true`. If both are in place, see token.identity and token.scopes (the token must be {account}'s and carry POP.AccessAsUser.All).", "exchange-admin", 7, _POP_REPLIES),
}  # fmt: skip


def signature(check_id: str, observation: MailSessionObservation, shared: bool) -> str:
    """The most specific row key for the observation's error: protocol + shared, protocol, plain."""
    error, protocol = observation.error, observation.protocol
    candidates = [f"{protocol}-{error}", error]
    if shared:
        candidates.insert(0, f"{protocol}-{error}-shared")
    for candidate in candidates:
        if (check_id, candidate) in ROWS:
            return candidate
    return error


def token_words(account: str, token_user: str | None) -> str:
    """How a finding names the token a session used: its user as the token's claims say, never the
    config's guess ("the token of admin@…"), or "the token given for {account}" when the claims are
    unknown (no token observation, an opaque token)."""
    return f"the token of {token_user}" if token_user else f"the token given for {account}"


def mail_verdict(
    check_id: str,
    observation: MailSessionObservation,
    mailbox: Mailbox,
    timeout: float,
    *,
    recipient: str = "",
    token_user: str | None = None,
) -> Verdict:
    """The failed Verdict for a session that reached the server and failed: cause, what to do, owner.

    ``token_user`` is the user the access token was issued to (its claims), when known.
    """
    endpoint = observation.endpoint
    facts = {
        "host": endpoint.host,
        "port": endpoint.port,
        "endpoint": str(endpoint),
        "protocol": observation.protocol_name,
        "timeout": f"{timeout:g}",
    }
    facts.update(
        token=token_words(observation.account, token_user),
        mailbox=mailbox.address,
        account=observation.account,
        recipient=recipient,
    )
    key = signature(check_id, observation, mailbox.access == "shared")
    return verdict_for(check_id, key, facts, seen=_seen(observation), evidence=observation.transcript, rows=ROWS)


#: Errors that are a server's answer: the finding quotes the answer itself (Microsoft's wording changes
#: over time, so the row's gist plus the verbatim reply reads best). Other errors quote the probe.
_ANSWERS = frozenset(
    {
        "auth-refused", "not-connected", "examine-failed", "stat-failed", "smtp-auth-disabled-tenant",
        "smtp-auth-disabled-mailbox", "send-as-denied", "not-authenticated", "recipient-refused", "send-refused",
        *mail_wire.ANSWERS,
    }
)  # fmt: skip


def _seen(observation: MailSessionObservation) -> str:
    if observation.error not in _ANSWERS:
        return observation.message
    reply = observation.follow_up if observation.stage in ("mailbox", "send") else observation.auth_reply
    return f"{observation.endpoint} answered: {reply}" if reply else observation.message


#: The network check that owns a session's failure before login (its ``stage``), and network.xoauth2 for
#: a server offering no XOAUTH2: the same causes, found by the same code as those checks' own probes.
NETWORK_CHECK_OF_STAGE: Final = {"dns": "network.dns", "tcp": "network.tcp", "tls": "network.tls"}


def network_check_of(observation: MailSessionObservation) -> tuple[str, str] | None:
    """(network check, its target label) whose finding the session's failure is, or None."""
    endpoint = observation.endpoint
    check = NETWORK_CHECK_OF_STAGE.get(observation.stage)
    if observation.ok or (check is None and observation.error != "no-xoauth2"):
        return None
    if check is None:
        return "network.xoauth2", str(endpoint)
    return check, endpoint.host if check == "network.dns" else str(endpoint)


def network_verdict(check_id: str, observation: MailSessionObservation, timeout: float) -> Verdict:
    """The network check ``check_id``'s finding, worded from its own row, for a session that failed on
    the way to the server (used when the run does not execute that check, so the cause still shows)."""
    endpoint, certificate = observation.endpoint, observation.certificate
    facts: dict[str, object] = {
        "host": endpoint.host,
        "port": endpoint.port,
        "endpoint": str(endpoint),
        "protocol": observation.protocol_name,
        "timeout": f"{timeout:g}",
        "resolver": observation.resolver,
        "version": observation.tls_version,
    }
    if certificate is not None:
        facts.update(issuer=certificate.issuer, expiry=certificate.not_after)
        facts["names"] = ", ".join(certificate.names) or certificate.subject_cn
    at = endpoint.host if check_id == "network.dns" else str(endpoint)  # that check's target
    verdict = verdict_for(
        check_id, observation.error, facts, seen=observation.message, evidence=observation.transcript, cause_at=at
    )
    tried = f"The {observation.protocol_name} login of {observation.user} could not be tried ({check_id} fails)."
    return replace(verdict, detail=f"{tried} {verdict.detail}")
