"""Test-only helpers for the mail-server tests: a MailAuthority with simple tenant rules, XOAUTH2 strings.

Kept out of conftest.py so that test modules can import them (``from mailfakes import ...``).
"""

from __future__ import annotations

import base64
import socket
import ssl
from dataclasses import dataclass, field

from pytest_ece_o365.sim.authority import MailLogin, MailProtocol

SCOPE_FOR: dict[MailProtocol, str] = {
    "imap": "IMAP.AccessAsUser.All",
    "pop3": "POP.AccessAsUser.All",
    "smtp": "SMTP.Send",
}
ALL_SCOPES = frozenset(SCOPE_FOR.values())

# Token values are deliberately long and JWT-free, to prove the servers mask them by position, not shape.
GOOD_TOKEN = "tok-support-0123456789abcdef"
DELEGATE_TOKEN = "tok-ece-mail-0123456789abcdef"
NO_IMAP_TOKEN = "tok-noimap-0123456789abcdef"


@dataclass
class FakeAuthority:
    """A MailAuthority for tests: tokens from a dict, plus simple tenant rules."""

    tokens: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    disabled: set[tuple[str, MailProtocol]] = field(default_factory=set)  # (mailbox, protocol)
    full_access: set[tuple[str, str]] = field(default_factory=set)  # (delegate, shared mailbox)
    send_as: set[tuple[str, str]] = field(default_factory=set)  # (account, sender)
    smtp_auth_disabled_tenant: bool = False
    smtp_auth_disabled_mailboxes: set[str] = field(default_factory=set)
    calls: list[tuple[MailProtocol, str]] = field(default_factory=list)

    def mail_login(self, protocol: MailProtocol, user: str, bearer: str) -> MailLogin:
        self.calls.append((protocol, user))
        if bearer not in self.tokens:
            return MailLogin(False, None, False, "invalid-token")
        account, scopes = self.tokens[bearer]
        if SCOPE_FOR[protocol] not in scopes:
            return MailLogin(False, account, False, "missing-scope")
        if protocol == "smtp" and self.smtp_auth_disabled_tenant:
            return MailLogin(True, account, False, "smtp-auth-disabled-tenant")
        if protocol == "smtp" and user in self.smtp_auth_disabled_mailboxes:
            return MailLogin(True, account, False, "smtp-auth-disabled-mailbox")
        if protocol == "smtp" and user != account:  # the shared-mailbox user= form is for IMAP/POP only
            return MailLogin(True, account, False, "smtp-user-not-token-user")
        if user != account and (account, user) not in self.full_access:
            return MailLogin(True, account, False, "no-full-access")
        if (user, protocol) in self.disabled:
            return MailLogin(True, account, False, "protocol-disabled")
        return MailLogin(True, account, True)

    def may_send_as(self, account: str, sender: str) -> bool:
        return sender.lower() == account.lower() or (account, sender) in self.send_as


def xoauth2(user: str, token: str) -> str:
    """The raw XOAUTH2 string (clients base64 it themselves: imaplib, smtplib)."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def xoauth2_b64(user: str, token: str) -> str:
    return base64.b64encode(xoauth2(user, token).encode()).decode()


class RawClient:
    """A bare line-oriented client, for asserting the exact bytes a server sends (and when it hangs up)."""

    def __init__(self, port: int, context: ssl.SSLContext | None, *, server_hostname: str = "127.0.0.1") -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock: socket.socket = (
            context.wrap_socket(sock, server_hostname=server_hostname) if context is not None else sock
        )
        self.file = self.sock.makefile("rb")

    def starttls(self, context: ssl.SSLContext, server_hostname: str = "smtp.office365.com") -> None:
        self.file.close()
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)
        self.file = self.sock.makefile("rb")

    def line(self) -> str:
        """The next line without CRLF; "" means the server closed the connection."""
        return self.file.readline().decode("utf-8").rstrip("\r\n")

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode("utf-8") + b"\r\n")

    def ask(self, line: str) -> str:
        self.send(line)
        return self.line()

    def close(self) -> None:
        self.file.close()
        self.sock.close()
