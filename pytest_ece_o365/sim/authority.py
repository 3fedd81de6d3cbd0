"""What the simulated mail servers ask the simulated tenant: the seam between sim/tenant.py and the
IMAP, POP3 and SMTP servers (sim/imap.py, sim/pop3.py, sim/smtp.py).

The servers know Office 365's wording; the tenant knows who may do what. A server hands the tenant the
SASL ``user=`` and the bearer token it received and shapes its reply from the :class:`MailLogin` it gets
back (for IMAP: ``OK AUTHENTICATE completed.`` whenever the token is accepted, then ``BAD User is
authenticated but not connected.`` on the first mailbox command when ``may_open`` is false).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

MailProtocol = Literal["imap", "pop3", "smtp"]

#: Why a login was refused, machine-readable (shown in the simulator's own log, never on the wire).
Refusal = Literal[
    "",
    "invalid-token",  # signature, issuer or format wrong; unknown token
    "expired-token",
    "wrong-audience",
    "missing-scope",  # the token lacks IMAP.AccessAsUser.All / POP.AccessAsUser.All / SMTP.Send
    "unknown-mailbox",
    "protocol-disabled",  # IMAP or POP disabled on the mailbox (Set-CASMailbox)
    "no-full-access",  # the token's account has no FullAccess on the mailbox named in user=
    "wrong-account",  # the token's account is another user's, not the mailbox's
    "smtp-auth-disabled-tenant",  # Set-TransportConfig -SmtpClientAuthenticationDisabled $true
    "smtp-auth-disabled-mailbox",  # Set-CASMailbox -SmtpClientAuthenticationDisabled $true
    "smtp-user-not-token-user",  # SMTP AUTH with user= another mailbox than the token's own (shared form)
]


@dataclass(frozen=True)
class MailLogin:
    """The tenant's verdict on one XOAUTH2 login."""

    token_accepted: bool  # the token itself is good for this protocol (signature, expiry, audience, scope)
    account: str | None  # whom the token was issued to (None when the token is not understood)
    may_open: bool  # the account may open the mailbox named in user= over this protocol
    refusal: Refusal = ""

    @property
    def ok(self) -> bool:
        return self.token_accepted and self.may_open


class MailAuthority(Protocol):
    """The tenant as the mail servers see it."""

    def mail_login(self, protocol: MailProtocol, user: str, bearer: str) -> MailLogin:
        """Judge an XOAUTH2 login: ``user`` is the SASL user=, ``bearer`` the access token."""
        ...

    def may_send_as(self, account: str, sender: str) -> bool:
        """Whether ``account`` (the token's user) may send with ``sender`` as the From address."""
        ...
