"""What a mailbox session observed, as a plain value: no I/O here, so checks and the diagnosis read it
without importing the session code (:mod:`pytest_ece_o365.probes.mail_session` runs the sessions and
documents the error classes)."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_ece_o365.config.deployment import Endpoint
from pytest_ece_o365.probes.observation import CertificateInfo

#: The stages a session goes through, in order; ``stage`` names the last one reached.
STAGES = ("token", "dns", "tcp", "tls", "login", "mailbox", "send", "done")
#: Stages whose failure belongs to the network checks (nothing about the mailbox was learnt).
NETWORK_STAGES = frozenset({"dns", "tcp", "tls"})
PROTOCOL_NAMES = {"imap": "IMAP", "pop3": "POP3", "smtp": "SMTP"}


@dataclass(frozen=True)
class MailSessionObservation:
    """One XOAUTH2 session to a mailbox: how far it got, what the server said, the redacted dialogue.

    ``user`` is the SASL ``user=`` (IMAP/POP3: the mailbox's address; SMTP: the token's own account);
    ``account`` is whose token was used (the mailbox's own account, or its ``token_account`` when shared).
    ``auth_reply`` is the server's final answer to the login, ``follow_up`` its answer to EXAMINE / STAT
    (or, for a test message, to the command that decided it), ``challenge`` the decoded JSON of a
    ``+ eyJ…`` error challenge.
    """

    protocol: str  # imap | pop3 | smtp
    endpoint: Endpoint
    user: str
    account: str
    stage: str
    error: str = ""
    message: str = ""
    auth_reply: str = ""
    follow_up: str = ""
    challenge: str = ""
    messages: int | None = None  # what EXAMINE / STAT counted, when it worked
    elapsed: float = 0.0
    transcript: tuple[str, ...] = ()
    # What the network part of the session learnt, so that a network failure can be worded with the
    # network checks' own diagnosis rows (resolver, TLS version, certificate) when those do not run.
    resolver: str = ""
    tls_version: str = ""
    certificate: CertificateInfo | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def reached_server(self) -> bool:
        """Whether the session got past the network (so its failure says something about the mailbox)."""
        return self.stage not in NETWORK_STAGES and self.stage != "token"

    @property
    def protocol_name(self) -> str:
        return PROTOCOL_NAMES.get(self.protocol, self.protocol)
