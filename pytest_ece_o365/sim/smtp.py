"""Simulated Exchange Online SMTP submission server (smtp.office365.com:587-style, STARTTLS).

Construction (same shape as the IMAP and POP3 servers)::

    from pytest_ece_o365.sim.smtp import SmtpServer
    server = SmtpServer(authority, ssl_context, host_name="smtp.office365.com",
                        bind=("127.0.0.1", 0), recorder=recorder, hang=False, timeout=30.0)
    server.start(); server.port; server.outbox; server.stop()

The connection starts in plain text and is upgraded with STARTTLS using ``ssl_context``. Behaviour, in
Office 365's words (``/work/shared/reference/o365-protocol.md``): greeting
``220 <pod>.outlook.office365.com Microsoft ESMTP MAIL Service ready at <date> [<session id>]``; EHLO advertises
STARTTLS before TLS and ``AUTH LOGIN XOAUTH2`` after it; AUTH before STARTTLS is refused (``504 5.7.4
Unrecognized authentication type`` — what Exchange Online answers when AUTH is not on offer);
``AUTH XOAUTH2`` inline or in two steps (``334 ``) gives ``235 2.7.0 Authentication successful`` when
:attr:`MailLogin.ok`, the two ``535 5.7.139 … SmtpClientAuthentication is disabled for the
Tenant/Mailbox`` lines for those refusals, ``535 5.7.3 Authentication unsuccessful [tag]`` otherwise —
also for the shared-mailbox ``user=`` form, which Office 365 takes for IMAP/POP only; AUTH LOGIN (basic)
always fails; MAIL FROM without AUTH gets ``530 5.7.57``; at the end of DATA a sender the token's account
may not send as gets ``550 5.7.60 SMTP; Client does not have permissions to send as this sender [tag]``
(not at MAIL FROM); unknown commands get ``500 5.3.3 Unrecognized command '<line>' [tag]``; a scenario
may replace the AUTH and SendAs refusals (sim/mailwire.py); an accepted message is kept in
:attr:`SmtpServer.outbox` and acknowledged ``250 2.0.0 OK <id> [Hostname=…]``. DATA and BDAT are
flagged as mutations in the recorder (they send mail).
"""

from __future__ import annotations

import threading

from pytest_ece_o365.sim.mailserver import Connection, MailServer
from pytest_ece_o365.sim.smtp_session import SentMessage, SmtpSession

__all__ = ["SentMessage", "SmtpServer"]


class SmtpServer(MailServer):
    """Exchange Online SMTP submission on loopback with STARTTLS. See the module docstring."""

    protocol = "smtp"

    default_host_name = "smtp.office365.com"
    #: The largest message this simulator accepts (its own limit); set a smaller one on a server to test a refusal.
    max_message_size = 10 * 1024 * 1024

    def prepare(self) -> None:
        host_name = self.host_name
        domain = f"outlook.{host_name[5:]}" if host_name.startswith("smtp.") else host_name
        #: The name the server gives itself (greeting, EHLO), e.g. AM6PR04CA0012.outlook.office365.com
        self.fqdn = f"{self.pod}.{domain}"
        #: The backend named in error brackets and in ``[Hostname=…]``.
        self.backend = f"{self.pod}.{self.forest}.prod.outlook.com"
        self._outbox: list[SentMessage] = []
        self._outbox_lock = threading.Lock()

    @property
    def outbox(self) -> list[SentMessage]:
        """Messages accepted so far (a copy)."""
        with self._outbox_lock:
            return list(self._outbox)

    def clear_outbox(self) -> None:
        """Forget the messages accepted so far."""
        with self._outbox_lock:
            self._outbox.clear()

    def deliver(self, message: SentMessage) -> None:
        with self._outbox_lock:
            self._outbox.append(message)

    def serve_session(self, conn: Connection) -> None:
        """Plain text until the client asks for STARTTLS (the session handles the upgrade)."""
        SmtpSession(self, conn).run()
